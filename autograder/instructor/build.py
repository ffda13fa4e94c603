"""Build every assignment with ``otter assign`` and grade the sample submissions.

Usage: ``backprop build [ASSIGNMENT ...] [--no-samples]``

For each folder ``assignments/<name>/`` holding ``<name>.ipynb`` this

1. stages the master notebook with the support code it ships (``autograder/`` for students
   and the zip, ``solutions/`` for the zip only) and an assignment config generated from
   the top-level ``otter_config.json``, in ``dist/.stage/<name>/``;
2. runs ``otter assign`` (its own solution check on: the solution notebook must score
   full marks through the zip) into ``dist/<name>/``, giving
   ``dist/<name>/student/<name>.ipynb`` and ``dist/<name>/autograder/<name>-autograder_*.zip``;
3. makes the student and solution notebooks work alone (:func:`make_self_sufficient`): the
   public checks travel in the notebook's metadata, the init cell finds the notebook under
   any file name, and the intro's install line is filled in from ``requirements.txt``;
4. builds the sample submissions of ``tests/fixtures/<name>.yaml`` into
   ``dist/<name>/samples/`` and grades them with :mod:`autograder.instructor.grade_all` (the zip's
   Gradescope entry point) into ``dist/<name>/graded-samples/``, printing a score table.

Every zip installs exactly the pins of ``requirements-grading.lock`` (see
:mod:`autograder.instructor.lock`): otter's ``overwrite_requirements`` keeps otter from adding
an unpinned line of its own.

Any failure prints why and exits non-zero.
"""

import argparse
import ast
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import yaml

from autograder.instructor.lock import GRADING_PYTHON, canonical, read_pins, zip_requirements
from autograder.instructor.paths import (
    ASSIGNMENTS,
    DIST,
    REQUIREMENTS,
    ROOT,
    assignment_names,
    built_paths,
    otter_command,
)
from autograder.runtime.policy import PLUGIN
from autograder.student import notebook_init

# What every assignment shares; the master notebook's own config overrides it.
SHARED_ASSIGN_CONFIG = {
    "requirements": "requirements.txt",   # written by stage(): the lock's pins
    "overwrite_requirements": True,       # ... and nothing else (no otter-grader line)
    "python_version": GRADING_PYTHON,     # the Python the lock was resolved for
    "files": ["autograder"],              # students need the checks for grader.check
    # the reference goes in the zip only, and a pyproject.toml that installs autograder/
    # (never solutions/) into the grading image, so that otter can load the plugin
    "autograder_files": ["solutions", "pyproject.toml"],
    "init_cell": True,
    "check_all_cell": False,
    "run_tests": True,
    "tests": {"files": False, "ok_format": False},
    "export_cell": {
        "pdf": False,           # no LaTeX needed to submit
        "force_save": False,    # no browser JavaScript needed to submit
        "run_tests": True,
        "instructions": "Run this cell to save your work as a zip, then upload the zip "
                        "to Gradescope.",
    },
}

# What a student installs to run a notebook alone, at the versions of requirements.txt:
# otter-grader for grader.check and export, numpy for the public checks, matplotlib for the
# plots, and ipykernel for the kernel that export starts to check the zip it made.
STUDENT_PACKAGES = ("otter-grader", "numpy", "matplotlib", "ipykernel")
# Where a master notebook's Markdown says what to install; the build writes the pins there.
INSTALL_PLACEHOLDER = "{{ pip_install }}"
# The notebook metadata key holding the public-check modules (see notebook_init).
METADATA_KEY = "backprop"


class BuildError(RuntimeError):
    """A build step failed; the message says which and why."""




def stage(name: str) -> Path:
    """Copy the master notebook and what it ships into dist/.stage/<name>/; return the notebook."""
    src = ASSIGNMENTS / name
    stage_dir = DIST / ".stage" / name
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    shutil.copytree(src, stage_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    stage_package(name, stage_dir / "autograder")
    # only this assignment's reference (and the shared gradient check): one leaked zip
    # leaks one assignment, not four
    own = {"__init__.py", "gradcheck.py", "activations.py", f"{name.replace('-', '_')}.py"}
    shutil.copytree(ROOT / "solutions", stage_dir / "solutions",
                    ignore=lambda folder, names: [n for n in names if n not in own])
    shutil.copyfile(ROOT / "pyproject.toml", stage_dir / "pyproject.toml")
    with open(ROOT / "otter_config.json") as f:
        generate = json.load(f)
    _add_credit(generate, src / f"{name}.ipynb")
    config = {**SHARED_ASSIGN_CONFIG, "generate": generate}
    with open(stage_dir / "assign_config.yaml", "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    (stage_dir / "requirements.txt").write_text("\n".join(zip_requirements()) + "\n")
    return stage_dir / f"{name}.ipynb"


def stage_package(name: str, target: Path) -> None:
    """Copy what ships of autograder/: the student part and the grading runtime, each with
    only this assignment's own question module (the student copy loses the runtime after
    ``otter assign``, see :func:`keep_student_part`). The instructor's tools never ship."""
    module = f"{name.replace('-', '_')}.py"
    src = ROOT / "autograder"

    def ignore(folder, names):
        skip = {n for n in names if n in ("__pycache__", "instructor") or n.endswith(".pyc")}
        if Path(folder).name in ("student", "questions"):  # other assignments' modules
            skip |= {n for n in names if n.endswith(".py") and n not in
                     ("__init__.py", "checks.py", "variants.py", module)}
        return skip

    shutil.copytree(src, target, ignore=ignore)


def keep_student_part(student_dir: Path) -> None:
    """Students receive only autograder/student (their public checks), not the runtime."""
    runtime = student_dir / "autograder" / "runtime"
    if runtime.exists():
        shutil.rmtree(runtime)


def student_install_command(requirements: Path = REQUIREMENTS) -> str:
    """``pip install`` of :data:`STUDENT_PACKAGES` at their versions in requirements.txt."""
    pins = read_pins(requirements)
    missing = [p for p in STUDENT_PACKAGES if canonical(p) not in pins]
    if missing:
        raise BuildError(f"{requirements} does not pin {', '.join(missing)}, which students need")
    return "pip install " + " ".join(f"{p}=={pins[canonical(p)]}" for p in STUDENT_PACKAGES)


def public_check_modules(student_dir: Path) -> dict[str, dict]:
    """{module name: {"source", "package"}} of the ``autograder/`` folder students receive
    beside their notebook (after :func:`keep_student_part`): exactly what the notebook may
    carry, never the runtime or a reference."""
    modules = {}
    for path in sorted((student_dir / "autograder").rglob("*.py")):
        parts = path.relative_to(student_dir).with_suffix("").parts
        package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if package else parts)
        modules[name] = {"source": path.read_text(encoding="utf-8"), "package": package}
    if not modules or any(not n.startswith("autograder.student") and n != "autograder"
                          for n in modules):
        raise BuildError(f"unexpected public-check modules in {student_dir}: {sorted(modules)}")
    return modules


# otter assign's init cell: `grader = otter.Notebook("<name>.ipynb")`
_OTTER_INIT = re.compile(r'^grader = otter\.Notebook\("([^"]+)"\)$', re.MULTILINE)


#: What the student notebook's init cell defines and runs (see :mod:`notebook_init`).
INIT_FUNCTIONS = (notebook_init.find_notebook_and_checks,
                  notebook_init.hide_kernel_transport_notice,
                  notebook_init.readable_check_failures)


INIT_COMMENT = ("# Setup: nothing to change here. It finds this notebook under any name, loads\n"
                "# the public checks stored in its metadata (\"backprop\"), and shows a failed\n"
                "# check as what is wrong with your answer.\n")


def init_function_source(function) -> str:
    """The source of ``function`` for the init cell: its code without docstrings or comments.

    The explanations live in :mod:`notebook_init`; the cell a student opens the notebook
    with stays short (and collapsed).
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.FunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def make_self_sufficient(notebook: Path, name: str, modules: dict[str, dict]) -> None:
    """Let the notebook work alone, as students often receive it (an LMS, a download).

    - Its metadata carries the public-check modules (``backprop.modules``), and its init
      cell, before ``otter.Notebook``, runs :func:`notebook_init.find_notebook_and_checks`:
      the notebook's own path, whatever the file is called, and an import hook serving those
      modules when no ``autograder/`` folder is importable; before that,
      :func:`notebook_init.readable_check_failures` makes a failed public check read as
      its message. The cell carries these functions without docstrings, input collapsed.
    - The install line placeholder of its Markdown gets the pinned ``pip install``.

    The same change goes into the solution notebook, so that the submissions built from it
    look like students' and a solution cell adds no line the student notebook lacks.
    """
    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    init = [c for c in nb.cells if c.cell_type == "code" and _OTTER_INIT.search(c.source)]
    if len(init) != 1:
        raise BuildError(f"{notebook.name}: expected one otter init cell, found {len(init)}")
    cell = init[0]
    match = _OTTER_INIT.search(cell.source)
    expected = match[1]
    finder = "\n\n".join(init_function_source(f) for f in INIT_FUNCTIONS)
    names = ", ".join(f.__name__ for f in INIT_FUNCTIONS)
    call = ("hide_kernel_transport_notice()\n"
            "readable_check_failures()\n"
            f"grader = otter.Notebook(find_notebook_and_checks({expected!r}, {name!r}))\n"
            f"del {names}")
    cell.source = (cell.source[:match.start()] + INIT_COMMENT + finder + "\n\n" + call
                   + cell.source[match.end():])
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    nb.metadata[METADATA_KEY] = {"modules": modules}
    install = student_install_command()
    for md in nb.cells:
        if md.cell_type == "markdown" and INSTALL_PLACEHOLDER in md.source:
            md.source = md.source.replace(INSTALL_PLACEHOLDER, install)
    nbformat.write(nb, notebook)


def _add_credit(generate, master):
    """Tell the grading plugin which questions are optional or extra credit, and which are
    written.

    The master notebook's question configs say so (``credit:``, ``manual:``); the zip's copy
    of the plugin config carries it, so that grading leaves optional and extra credit out of
    the maximum and shows each written answer to the graders.
    """
    from autograder.instructor.coverage import notebook_questions
    questions = notebook_questions(master)
    credit = {q: c["credit"] for q, c in questions.items()
              if c["credit"] != "required" and not c["manual"]}
    # the written questions, in order, for the graders' view of the answers
    # (autograder.runtime.written): their points and the prompt cell that opens each answer
    written = [{"name": q, "points": c["points"], "credit": c["credit"],
                "cell": c["prompt_cell"]} for q, c in questions.items() if c["manual"]]
    for plugin in generate.get("plugins", []):
        if isinstance(plugin, dict) and PLUGIN in plugin:
            plugin[PLUGIN] = {**(plugin[PLUGIN] or {}), "credit": credit, "written": written}



def assign(name: str, env: dict[str, str] | None = None) -> dict[str, Path | None]:
    """Run otter assign for one assignment; raise BuildError with otter's output on failure.

    dist/ is made private (mode 700): it holds the zips, with the hidden tests and the
    reference, and a kernel grading locally runs as another user who must not read them.
    ``env``: otter's environment (default: this process's).
    """
    DIST.mkdir(exist_ok=True)
    os.chmod(DIST, 0o700)
    master = stage(name)
    fresh = DIST / ".stage" / f"{name}-built"
    if fresh.exists():
        shutil.rmtree(fresh)
    proc = subprocess.run([*otter_command(), "assign", str(master), str(fresh)],
                          cwd=master.parent, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise BuildError(f"otter assign failed for {name}:\n{proc.stdout}\n{proc.stderr}")
    keep_student_part(fresh / "student")
    modules = public_check_modules(fresh / "student")
    for notebook in (fresh / "student" / f"{name}.ipynb", fresh / "autograder" / f"{name}.ipynb"):
        make_self_sufficient(notebook, name, modules)
    replace_build_output(fresh, DIST / name)
    paths = built_paths(name)
    if not paths["student"].exists() or paths["zip"] is None:
        raise BuildError(f"otter assign did not produce the expected files for {name}")
    use_our_entry_point(paths["zip"])
    return paths


def replace_build_output(fresh: Path, result: Path) -> None:
    """Put otter's new layout (student/, autograder/) in place of the old one, and nothing
    else: graded results kept beside it in dist/<name>/ survive a rebuild."""
    result.mkdir(parents=True, exist_ok=True)
    for part in fresh.iterdir():
        old = result / part.name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        elif old.exists() or old.is_symlink():
            old.unlink()
        shutil.move(str(part), str(old))
    fresh.rmdir()


def use_our_entry_point(zip_path: Path) -> None:
    """Replace otter's run_otter.py in the zip with autograder/runtime/gradescope_run.py.

    Ours calls otter's autograder the same way and guarantees a results.json.
    """
    entry = (ROOT / "autograder" / "runtime" / "gradescope_run.py").read_bytes()
    with zipfile.ZipFile(zip_path) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    if "run_otter.py" not in [info.filename for info, _ in entries]:
        raise BuildError(f"{zip_path.name} has no run_otter.py to replace")
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, entry if info.filename == "run_otter.py" else data)


def shown(path: Path) -> Path:
    """``path`` relative to the checkout when it is inside it (dist/ may be elsewhere)."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``backprop build``."""
    parser.add_argument("assignments", nargs="*", metavar="NAME",
                        help="assignments to build (folders of assignments/); default: all")
    parser.add_argument("--no-samples", action="store_true",
                        help="build only: do not grade the sample submissions")


# A first estimate, before any build on this machine has been timed: measured on a shared
# 2-core machine (otter assign and the notebook fix-ups: 11 s per assignment; one sample
# graded by the zip: 7 s of one core), rounded up.
FIRST_ASSIGN_SECONDS = 15.0
FIRST_SAMPLE_SECONDS = 8.0
TIMINGS = ".build-times.json"  # in dist/: the last build's measured times, for the estimate


def sample_names(name: str) -> tuple[list[str], str | None, bool]:
    """The sample fixtures of an assignment's catalogue; why there are none (a missing or
    unreadable catalogue) or None; and whether that is an error (unreadable) rather than a
    warning (missing: the assignment is built, with nothing to check it against)."""
    from autograder.instructor import fixtures
    path = fixtures.FIXTURES / f"{name}.yaml"
    if not path.exists():
        return [], (f"no fixture catalogue {shown(path)}: no sample submissions to grade "
                    f"(`backprop new` writes one; see tests/fixtures/ for the format)"), False
    try:
        catalogue = fixtures.load_catalogue(name)
        return [f for f, spec in catalogue.items() if spec.get("sample")], None, False
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as e:
        return [], (f"the fixture catalogue {shown(path)} cannot be read "
                    f"({type(e).__name__}: {e})"), True


def read_timings() -> dict[str, float]:
    try:
        with open(DIST / TIMINGS) as f:
            data = json.load(f)
        return {k: float(data[k]) for k in ("assign_seconds", "sample_seconds")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def estimate(assignments: int, samples: int, jobs: int, timings: dict[str, float]
             ) -> tuple[float, str]:
    """Seconds a build of ``assignments`` with ``samples`` sample submissions (graded
    ``jobs`` at a time) should take, and where the per-item times come from."""
    per_assign = timings.get("assign_seconds", FIRST_ASSIGN_SECONDS)
    per_sample = timings.get("sample_seconds", FIRST_SAMPLE_SECONDS)
    source = "the last build on this machine" if timings else "a first guess, for 2 cores"
    return assignments * per_assign + samples * per_sample / max(jobs, 1), source


def duration(seconds: float) -> str:
    """``seconds`` as a reader says it: "40 s", "3 min"."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def upload_line(name: str, paths: dict[str, Path | None]) -> str:
    """What to upload where, in one line."""
    return (f"   upload: {shown(paths['zip'])} -> Gradescope (Programming Assignment, "
            f"Configure Autograder, zip upload); {shown(paths['student'])} -> students")


def run(args: argparse.Namespace) -> int:
    """Build the assignments ``args`` names and grade their samples; return the exit status."""
    import time
    names = args.assignments or assignment_names()
    unknown = sorted(set(names) - set(assignment_names()))
    if unknown:
        print(f"error: no assignment named {', '.join(unknown)} in {ASSIGNMENTS}",
              file=sys.stderr)
        return 2
    from autograder.instructor import fixtures  # after argument parsing: imports otter lazily

    samples = {} if args.no_samples else {n: sample_names(n) for n in names}
    count = sum(len(found) for found, _, _ in samples.values())
    jobs = os.cpu_count() or 1
    seconds, source = estimate(len(names), count, jobs, read_timings())
    print(f"== building {len(names)} assignment{'s' * (len(names) != 1)} and grading "
          f"{count} sample submission{'s' * (count != 1)}: about {duration(seconds)} "
          f"(estimated from {source})", flush=True)
    failed = False
    measured = {"assign": [], "sample": []}
    uploads = []
    for name in names:
        print(f"== {name}: otter assign", flush=True)
        start = time.monotonic()
        try:
            paths = assign(name)
        except BuildError as e:
            print(e, file=sys.stderr)
            return 1
        measured["assign"].append(time.monotonic() - start)
        print(f"   student notebook: {shown(paths['student'])}")
        print(f"   autograder zip:   {shown(paths['zip'])}")
        uploads.append(upload_line(name, paths))
        if args.no_samples:
            continue
        found, problem, fatal = samples[name]
        if problem:
            # the build itself is fine: say why no sample was graded, and go on
            print(f"   {'error' if fatal else 'warning'}: {problem}", file=sys.stderr)
            failed |= fatal
            continue
        print(f"== {name}: grading the sample submissions with the zip", flush=True)
        start = time.monotonic()
        rows = fixtures.grade_samples(name, paths)
        if rows:
            measured["sample"].append((time.monotonic() - start) * min(jobs, len(rows))
                                      / len(rows))
        print(fixtures.score_table(rows))
        graded = shown(DIST / name / "graded-samples")
        print(f"   grades: {graded}/grades.csv   report: {graded}/report.html")
        failed |= any(not r["as_expected"] for r in rows)
    save_timings(measured)
    print("\n".join(uploads))
    if failed:
        print("error: a sample submission did not get its expected score, or a fixture "
              "catalogue cannot be read", file=sys.stderr)
        return 1
    return 0


def save_timings(measured: dict[str, list[float]]) -> None:
    """Keep this build's mean times per assignment and per sample for the next estimate."""
    timings = read_timings()
    for key, values in (("assign_seconds", measured["assign"]),
                        ("sample_seconds", measured["sample"])):
        if values:
            timings[key] = round(sum(values) / len(values), 1)
    if timings:
        DIST.mkdir(exist_ok=True)
        (DIST / TIMINGS).write_text(json.dumps(timings))

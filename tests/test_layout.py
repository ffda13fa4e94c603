"""Does the code show where it runs? Students receive autograder/student, the grading image
installs autograder/runtime (and the assignment's own reference), and the instructor's
tools in autograder/instructor are never shipped: imports must flow only that way
(instructor -> runtime -> student; the reference imports nothing of ours), without cycles."""

import ast
from pathlib import Path

import pytest

from autograder.instructor.paths import ROOT

# part -> the parts its modules may import from
ALLOWED = {
    "autograder.student": {"autograder.student"},
    "autograder.runtime": {"autograder.runtime", "autograder.student", "solutions"},
    "autograder.instructor": {"autograder.instructor", "autograder.runtime",
                              "autograder.student", "solutions"},
    "solutions": {"solutions"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str | None:
    return next((p for p in ALLOWED if module == p or module.startswith(p + ".")), None)


def imports_of(path: Path) -> set[str]:
    """Every module of ours ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] in ("autograder", "solutions")}


MODULES = {module_name(p): p for top in ("autograder", "solutions")
           for p in sorted((ROOT / top).rglob("*.py"))}


def test_the_layout_has_its_three_parts_and_packages():
    """Is every folder of autograder/ a package, and is every module in one of the parts?"""
    for folder in [ROOT / "autograder", *(p for p in (ROOT / "autograder").rglob("*")
                                          if p.is_dir() and p.name != "__pycache__")]:
        if folder.name != "templates":
            assert (folder / "__init__.py").exists(), folder
    assert {part_of(m) for m in MODULES} - {None} == set(ALLOWED)
    assert [m for m in MODULES if part_of(m) is None] == ["autograder"]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if part_of(m)))
def test_imports_flow_one_way(module):
    """Does this module import only from the parts allowed to run where it runs?"""
    allowed = ALLOWED[part_of(module)]
    wrong = sorted(m for m in imports_of(MODULES[module])
                   if m != "autograder" and part_of(m) not in allowed)
    assert not wrong, f"{module} may not import {wrong}"


def test_the_instructor_tools_import_no_cycle():
    """Is the import graph of our modules (top-level and lazy imports alike) free of cycles?"""
    graph = {m: {i for i in imports_of(p) if i in MODULES and i != m}
             for m, p in MODULES.items()}
    state: dict[str, str] = {}

    def visit(m, path):
        state[m] = "open"
        for n in graph[m]:
            if state.get(n) == "open":
                raise AssertionError(" -> ".join([*path, m, n]))
            if n not in state:
                visit(n, [*path, m])
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m, [])


def test_the_cycle_check_sees_a_cycle(monkeypatch, tmp_path):
    """Would a cycle be found? (Two modules importing each other.)"""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from autograder.instructor import b\n")
    b.write_text("def f():\n    from autograder.instructor import a\n")
    assert imports_of(a) == {"autograder.instructor", "autograder.instructor.b"}
    assert "autograder.instructor.a" in imports_of(b)


# What otter's package __init__ pulls in and grading never uses (issue 15): its API, export
# and assign, nbconvert, and jupyter_server's schema format checker (rfc3987_syntax compiles
# a grammar at import, seconds before any grading).
NOT_FOR_GRADING = ("nbconvert", "jupyter_server", "jupyter_events", "rfc3987_syntax",
                   "otter.api", "otter.assign", "otter.export", "otter.check")


def test_the_grading_process_imports_only_what_grading_needs():
    """After importing everything the Gradescope entry point grades with (as its grade()
    does), is none of otter's API, export, nbconvert or the schema format checker loaded?"""
    import subprocess
    import sys
    script = (
        "import sys\n"
        "from autograder.runtime import gradescope_run\n"
        "gradescope_run.import_otter_lightly()\n"
        "from otter.run.run_autograder.autograder_config import AutograderConfig\n"
        "from otter.test_files import GradingResults\n"
        "from otter.test_files.exception_test import ExceptionTestFile\n"
        "from autograder.runtime import execution, kernel, sandbox, trusted, written\n"
        "print('\\n'.join(sys.modules))\n")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.split()
    assert "otter.test_files.exception_test" in loaded  # the script did import the grading parts
    assert not [m for m in loaded if any(m == n or m.startswith(n + ".") for n in NOT_FOR_GRADING)]


# What the grading process imports only once the kernel has started, so that the kernel
# boots (about a second) while they load (issue 15).
LOADED_AFTER_THE_KERNEL_STARTS = ("numpy", "nbformat", "otter.test_files")


def test_the_kernel_starts_before_the_slower_imports():
    """When the Gradescope entry point starts the sandbox's kernel, are numpy, nbformat and
    otter's test files still unloaded? (The kernel's start is replaced by a probe.)"""
    import subprocess
    import sys
    script = (
        "import sys\n"
        "from autograder.runtime import gradescope_run, kernel\n"
        "def probe(self):\n"
        f"    print([m for m in {LOADED_AFTER_THE_KERNEL_STARTS!r} if m in sys.modules])\n"
        "    raise KeyboardInterrupt\n"
        "kernel.KernelProcess.start = probe\n"
        "gradescope_run.import_otter_lightly()\n"
        "try:\n"
        "    gradescope_run.grade_upload('x.ipynb', b'{}', 'tests', {})\n"
        "except KeyboardInterrupt:\n"
        "    print('probed')\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split("\n")
    assert out[:2] == ["[]", "probed"], out

"""Gradescope's entry point: replaces otter's run_otter.py in every autograder zip.

It grades directly, with no otter ``grade_notebook``: the submitted notebook is found without
following any link, run once in the sandboxed kernel (:mod:`autograder.runtime.sandbox`), its tests
run in this process (:mod:`autograder.runtime.trusted`), and otter's own ``GradingResults`` writes
results.json in Gradescope's format. Nothing listens on a socket and nothing is unpickled
while student code lives, and there is no second kernel. Whatever happens (a file that is
not a notebook, a crash anywhere) a results.json is written, every question at 0 with the
reason.

``BACKPROP_AUTOGRADER_DIR`` (default ``/autograder``) lets the tests and ``grade_all`` run it
in a copy of Gradescope's layout.
"""

import json
import os
import stat
import sys
import tempfile
import zipfile

AUTOGRADER_DIR = os.environ.get("BACKPROP_AUTOGRADER_DIR", "/autograder")
RESULTS = os.path.join(AUTOGRADER_DIR, "results", "results.json")
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
RESUBMIT = "Submit the assignment's notebook (.ipynb), or the zip its last cell exports."


def import_otter_lightly():
    """Make otter's grading parts importable without otter's package ``__init__``.

    ``import otter`` loads its whole API (assign, export, nbconvert, jupyter_server and a
    JSON-schema format checker): 3-5 s before any grading. Grading needs only
    ``otter.test_files`` and the autograder config, so ``otter`` and ``otter.run`` are
    registered as bare packages (their folders, not their ``__init__``) and their submodules
    import as usual, test files' ``from otter.test_files import test_case`` included.
    """
    import importlib.util
    for name in ("otter", "otter.run", "otter.run.run_autograder"):
        if name in sys.modules:
            continue
        module = importlib.util.module_from_spec(importlib.util.find_spec(name))
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


class SubmissionError(Exception):
    """The upload holds no gradable notebook; the message says why, for the student."""


def _read_regular(path):
    """The bytes of a regular file, refusing links (O_NOFOLLOW, then fstat on the same fd)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SubmissionError(f"{os.path.basename(path)} is not a regular file.")
        if st.st_size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(f"{os.path.basename(path)} is larger than "
                                  f"{MAX_NOTEBOOK_BYTES // 2**20} MB.")
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read()
    finally:
        os.close(fd)


def _notebooks_in_zip(data, name):
    """(member name, bytes) of each notebook in an uploaded zip; links inside are skipped."""
    import io
    found = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                mode = info.external_attr >> 16
                if (info.filename.endswith(".ipynb") and not info.is_dir()
                        and not stat.S_ISLNK(mode) and "__MACOSX" not in info.filename
                        and info.file_size <= MAX_NOTEBOOK_BYTES):
                    found.append((f"{name}:{info.filename}", zf.read(info)))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise SubmissionError(f"{name} is not a readable zip ({e}).") from None
    return found


def find_notebook(submission_dir):
    """The one notebook of an upload, as (name, bytes), read without following any link.

    Gradescope unpacks an uploaded zip into ``submission_dir``; an exported zip may also
    arrive whole. Links are ignored (lstat), never followed.
    """
    notebooks, skipped = [], []
    for root, dirs, files in os.walk(submission_dir, followlinks=False):
        dirs[:] = [d for d in dirs if d != "__MACOSX"]
        for name in sorted(files):
            path = os.path.join(root, name)
            if stat.S_ISLNK(os.lstat(path).st_mode):
                skipped.append(name)
            elif name.endswith(".ipynb") and ".ipynb_checkpoints" not in root:
                notebooks.append((name, _read_regular(path)))
            elif name.endswith(".zip"):
                notebooks += _notebooks_in_zip(_read_regular(path), name)
    notebooks = [(n, b) for n, b in notebooks if ".ipynb_checkpoints" not in n]
    if not notebooks:
        extra = f" (links are not followed: {', '.join(skipped)})" if skipped else ""
        raise SubmissionError(f"No notebook was found in the submission{extra}. {RESUBMIT}")
    if len(notebooks) > 1:
        raise SubmissionError("The submission holds several notebooks ("
                              + ", ".join(n for n, _ in notebooks) + "). " + RESUBMIT)
    return notebooks[0]


def plugin_limits(config: dict) -> dict[str, float]:
    """The sandbox limits from otter_config.json's plugin entry, then BACKPROP_* variables."""
    from autograder.runtime.policy import limits_from
    return limits_from(plugin_config(config), os.environ)


def plugin_config(config: dict) -> dict:
    """The grading plugin's entry in otter_config.json (imported here, not at the top: the
    entry point must start even when the grading package cannot be imported)."""
    from autograder.runtime import policy
    return policy.plugin_config(config)


CREDIT_NOTE = {
    "optional": "Optional question: not counted in the assignment's maximum; its points "
                "add on top.",
    "extra": "Extra credit: not counted in the assignment's maximum; its points add on top.",
}


def apply_credit(output, credit):
    """Optional and extra-credit questions count on top of the maximum, not in it.

    Their tests keep their score but show a maximum of 0, so that Gradescope's total is the
    sum of scores (extra points included) and the maximum is the required questions' alone;
    ``extra_data.credit`` keeps their real points for local reports.
    """
    points = {}
    for test in output.get("tests", []):
        kind = credit.get(test.get("name"))
        if kind and "max_score" in test:
            points[test["name"]] = {"credit": kind, "points": test["max_score"]}
            test["max_score"] = 0
            test["output"] = f"{CREDIT_NOTE[kind]}\n{test.get('output', '')}"
    output.setdefault("extra_data", {})["credit"] = points
    return output


def clean(value):
    """Results made safe to store: every string valid UTF-8, whatever the student printed.

    (The same as ``sandbox.clean_text``, written out here so that the entry point can write
    results.json even when importing the grading package is what failed.)
    """
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def boot_kernel(limits):
    """The sandbox's kernel, started now: it boots (about a second) while the grader imports
    the rest of what it needs (numpy, nbformat, otter's test files), which takes about as
    long. Only the kernel's own module is imported first."""
    from autograder.runtime import policy
    from autograder.runtime.kernel import KernelProcess
    kernel = KernelProcess(policy.resolve_limits(limits))
    try:
        kernel.start()
    except BaseException:
        kernel.close()
        raise
    return kernel


def grade_upload(name, data, tests_dir, limits):
    """Grade the uploaded notebook ``data`` (its file name ``name``): (results, notes,
    containment), or SubmissionError if it is not a notebook."""
    kernel = boot_kernel(limits)
    try:
        from autograder.runtime import trusted
        with tempfile.TemporaryDirectory(prefix="backprop-upload-") as tmp:
            path = os.path.join(tmp, "submission.ipynb")
            with open(path, "wb") as f:
                f.write(data)
            try:
                import nbformat
                nbformat.read(path, as_version=4)
            except Exception:
                raise SubmissionError(f"{name} is not a Jupyter notebook that can be read. "
                                      + RESUBMIT) from None
            return trusted.grade(path, tests_dir, limits, kernel)
    finally:
        kernel.close()  # done already by the sandbox, unless the upload was not a notebook


def grade(ag_dir):
    """Grade the submission in ``ag_dir`` (Gradescope's layout); return results.json's dict."""
    import_otter_lightly()
    source = os.path.join(ag_dir, "source")
    sys.path.insert(0, os.path.join(source, "files"))  # solutions/ lives only in the zip
    if os.geteuid() == 0:  # the kernel runs as another uid: it may not look in here
        for name in ("source", "submission", "results"):
            if os.path.isdir(os.path.join(ag_dir, name)):
                os.chmod(os.path.join(ag_dir, name), 0o700)
    with open(os.path.join(source, "otter_config.json")) as f:
        raw_config = json.load(f)
    tests_dir = os.path.join(source, "tests")
    data = None  # the upload's bytes, read once: the written answers come from them, as data
    not_graded = None
    from autograder.runtime import variant_grading
    variant_grading.start_grading(variant_grading.submitters_from_metadata(
        os.path.join(ag_dir, "submission_metadata.json")))
    try:
        name, data = find_notebook(os.path.join(ag_dir, "submission"))
        graded = grade_upload(name, data, tests_dir, plugin_limits(raw_config))
    except SubmissionError as e:
        not_graded = f"This submission could not be graded: {e}"
    # imported once the kernel has started (see boot_kernel)
    from otter.run.run_autograder.autograder_config import AutograderConfig

    from autograder.runtime import trusted
    if not_graded:
        graded = trusted.failed_results(tests_dir, not_graded), [not_graded], None
    results, notes, contained = graded
    mismatch = variant_grading.mismatch_note()
    if mismatch:  # the notebook names another email than the account's: said at the top
        notes = [*notes, mismatch]
    output = results.to_gradescope_dict(AutograderConfig(raw_config))
    if notes:
        output["output"] = "\n".join(notes)
    # the diagnoses as data, for the class report: {question: [mistake, ...]}, and the
    # failed test cases by name: {question: [test case, ...]}
    output["extra_data"] = {"sandbox": contained, "mistakes": trusted.mistakes(results),
                            "failed": trusted.failed_cases(results),
                            "variant": variant_grading.graded_against()}
    if not_graded:  # as data, for local reports: the upload itself could not be graded
        output["extra_data"]["not_graded"] = not_graded
    output = apply_credit(output, plugin_config(raw_config).get("credit", {}))
    return add_written(output, raw_config, data)


def add_written(output, raw_config, notebook_bytes):
    """The written answers, for the graders (:mod:`autograder.runtime.written`): entries
    worth nothing automatically, read from the upload as it arrived (before any student
    code ran)."""
    from autograder.runtime import written
    return written.add_written_answers(output, plugin_config(raw_config).get("written", []),
                                       notebook_bytes)


def _uploaded_notebook():
    """The upload's notebook bytes for the fallback's written entries, or None."""
    try:
        return find_notebook(os.path.join(AUTOGRADER_DIR, "submission"))[1]
    except Exception:  # noqa: BLE001 - no notebook: the entries say "no answer"
        return None


def fallback_results(message):
    """Every question at 0 with ``message``, in Gradescope's format."""
    try:
        import_otter_lightly()
        from otter.run.run_autograder.autograder_config import AutograderConfig

        from autograder.runtime.trusted import failed_results
        with open(os.path.join(AUTOGRADER_DIR, "source", "otter_config.json")) as f:
            config = AutograderConfig(json.load(f))
        results = failed_results(os.path.join(AUTOGRADER_DIR, "source", "tests"), message)
        output = results.to_gradescope_dict(config)
        output["score"] = 0
        output["output"] = message
        output.setdefault("extra_data", {})["not_graded"] = message
        with open(os.path.join(AUTOGRADER_DIR, "source", "otter_config.json")) as f:
            raw_config = json.load(f)
        output = apply_credit(output, plugin_config(raw_config).get("credit", {}))
        # the TAs still grade the written answers of a submission the autograder failed on
        return add_written(output, raw_config, _uploaded_notebook())
    except Exception:  # even the fallback failed: the plainest valid results
        return {"score": 0, "output": message, "tests": []}


def write_results(results):
    """Write results.json whole (a temporary file renamed over it)."""
    tmp = RESULTS + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(clean(results), f, indent=2, ensure_ascii=False)
    os.replace(tmp, RESULTS)


def main():
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    try:
        results = grade(AUTOGRADER_DIR)
    except BaseException as e:  # noqa: BLE001 - whatever happened, results.json is written
        if type(e).__name__ == "KernelGone":  # the grader's side failed, not the notebook
            advice = ("The grader could not run Python for it: this is a problem on the "
                      "grading side, not in your notebook. Contact the course staff.")
        else:
            advice = RESUBMIT
        results = fallback_results(f"This submission could not be graded: {type(e).__name__}: "
                                   f"{e}\n{advice}")
    write_results(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

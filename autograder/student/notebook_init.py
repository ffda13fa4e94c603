"""What the student notebook's first cell runs, before ``otter.Notebook(...)``.

The build copies the code of these functions, without their docstrings, into the init cell
of the student notebook (:data:`autograder.instructor.build.INIT_FUNCTIONS`,
:func:`~autograder.instructor.build.make_self_sufficient`), collapsed; it is never
imported from here by a student. It runs in the student's kernel, so it uses the standard
library and otter only, defines nothing but the functions' own names (deleted after use),
and never raises: a notebook it cannot find leaves otter to report that, as it always did.

It solves two problems of a notebook handed out alone (an LMS or a shared drive, without
the ``autograder/`` folder beside it):

- **The name.** otter's ``Notebook("matrix-backprop.ipynb")`` reads that file for its test
  metadata, and ``export`` zips it; a browser saves a second download as
  ``matrix-backprop (1).ipynb``. The notebook's real path comes from the front end
  (Jupyter Server's ``JPY_SESSION_NAME``, VS Code's ``__vsc_ipynb_file__``) or else is the
  most recently saved notebook of this assignment in the working folder.
- **The public checks.** The test cases stored in the notebook import
  ``autograder.student.<module>``; the build stores those modules' source in the notebook's
  metadata (``backprop.modules``). When the ``autograder/`` folder is not importable, an
  import hook serves them from there. The folder, when present, always wins.

And one of every notebook: a failed public check is shown as what is wrong with the
answer, not as an error in our test code (:func:`readable_check_failures`).
"""


def find_notebook_and_checks(expected: str, assignment: str,
                             metadata_key: str = "backprop") -> str:
    """Return the path of this notebook (relative when it is in the working folder) and make
    the public-check modules stored in its metadata importable if no files provide them.

    ``expected`` is the name the build gave the notebook, ``assignment`` the assignment name
    otter stores in the notebook's metadata (``otter.assignment_name``): a renamed copy is
    recognised by it.
    """
    import glob
    import importlib.abc
    import importlib.util
    import json
    import os
    import sys

    def read(path):
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f).get("metadata", {})
        except (OSError, ValueError, AttributeError):
            return None

    def ours(path):
        return ((read(path) or {}).get("otter") or {}).get("assignment_name") == assignment

    # the front end knows which file is open; trust it when it names a notebook of ours
    hints = [os.environ.get("JPY_SESSION_NAME")]
    try:
        hints.insert(0, get_ipython().user_ns.get("__vsc_ipynb_file__"))  # noqa: F821
    except NameError:  # not in IPython
        pass
    path = next((h for h in hints if h and h.endswith(".ipynb") and ours(h)), None)
    if path is None:  # else the most recently saved one in this folder: the one being worked on
        path = max((p for p in glob.glob("*.ipynb") if ours(p)), key=os.path.getmtime,
                   default=expected)
    if os.path.isabs(path) and os.path.dirname(path) == os.getcwd():
        path = os.path.basename(path)  # otter names the zip and its entry after this path

    modules = ((read(path) or {}).get(metadata_key) or {}).get("modules") or {}

    class EmbeddedChecks(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        """Serves the stored modules, asked last: files on sys.path are found first."""

        def find_spec(self, name, target_path=None, target=None):
            if name not in modules:
                return None
            return importlib.util.spec_from_loader(
                name, self, origin=f"{path} (metadata)",
                is_package=modules[name]["package"])

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            code = compile(modules[module.__name__]["source"], module.__spec__.origin, "exec")
            exec(code, module.__dict__)

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "EmbeddedChecks"]
    if modules:
        sys.meta_path.append(EmbeddedChecks())
    return path


def hide_kernel_transport_notice() -> None:
    """Keep ipykernel's notice about its TCP transport out of the export cell's output.

    Export with ``run_tests=True`` checks the zip in a new process whose kernel otter
    starts with jupyter_client's default transport, TCP on 127.0.0.1; ipykernel 7 logs that
    it runs "over TCP without encryption" (``IPKernelApp.init_sockets``) and otter re-emits
    the process's whole stderr as one RuntimeWarning (``otter.check.utils.grade_zip_file``).
    The setting that would avoid it (``KernelManager.transport = "ipc"``) cannot reach that
    kernel: otter configures it from a fresh ``Config``. This filter matches that stderr only
    when it holds nothing but the notice: anything else the check prints is still shown.
    """
    import warnings

    warnings.filterwarnings(
        "ignore", category=RuntimeWarning, module=r"otter\.check\.utils",
        message=r"\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\."
                r"[^\n]*\s*\Z")


def readable_check_failures() -> None:
    """Show a failed public check as what is wrong with the answer, not as otter's error.

    otter 7 reports an exception from a test case as ``Error at line N in test q…:``, the
    line of the test's source it came from (``q1b_shapes(linear_backward)``), then the
    exception's class and its message with quotes stripped from both ends
    (``ExceptionTestFile._generate_error_message``): a line number of a file the student
    never sees, our code, and ``AnswerError``. A failed check's message is written for the
    student and names the answer and the mistake, and otter's heading above it names the
    question, so it is shown alone, whole, as the grading shows hidden results
    (``autograder.runtime.trusted``). Any other exception (the check could not read the
    answer) is named with its class, without our source. Rerunning this is harmless; if
    otter has no such method, or ``otter`` is the grading's do-nothing stand-in
    (:data:`autograder.runtime.sandbox.OTTER_STUB`, not a package), nothing changes.
    """
    import otter
    if not hasattr(otter, "__path__"):
        return
    try:
        from otter.test_files.exception_test import ExceptionTestFile
    except ImportError:
        return
    if not hasattr(ExceptionTestFile, "_generate_error_message"):
        return

    def failure_message(self, excp, context=0):
        if type(excp).__name__ == "AnswerError":
            return str(excp)
        return (f"Your answer could not be checked ({type(excp).__name__}: {excp}): look at "
                "its type and shape against what the question asks for.")

    ExceptionTestFile._generate_error_message = failure_message

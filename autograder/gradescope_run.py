"""Gradescope's entry point: replaces otter's run_otter.py in every autograder zip.

It runs otter's own autograder (``otter.run.run_autograder.main``) exactly as otter's
script does, and makes sure a results.json exists whatever happened: a submission that is
not a notebook, a notebook that otter cannot read, or a crash anywhere gets every question
scored 0 with a message saying why, instead of Gradescope's bare "autograder failed".

``BACKPROP_AUTOGRADER_DIR`` (default ``/autograder``) lets the tests run it in a copy of
Gradescope's layout.
"""

import json
import os
import sys

AUTOGRADER_DIR = os.environ.get("BACKPROP_AUTOGRADER_DIR", "/autograder")
RESULTS = os.path.join(AUTOGRADER_DIR, "results", "results.json")


def fallback_results(message):
    """Every question at 0 with ``message``, in Gradescope's format."""
    try:
        from otter.run import AutograderConfig

        from autograder.trusted import failed_results
        with open(os.path.join(AUTOGRADER_DIR, "source", "otter_config.json")) as f:
            config = AutograderConfig(json.load(f))
        results = failed_results(os.path.join(AUTOGRADER_DIR, "source", "tests"), message)
        output = results.to_gradescope_dict(config)
        output["score"] = 0
        output["output"] = message
        return output
    except Exception:  # even the fallback failed: the plainest valid results
        return {"score": 0, "output": message, "tests": []}


def main():
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    message = None
    try:
        from otter.run.run_autograder import main as run_autograder
        run_autograder(AUTOGRADER_DIR)
    except BaseException as e:  # noqa: BLE001 - whatever happened, results.json is written
        message = (f"This submission could not be graded: {type(e).__name__}: {e}\n"
                   "Submit the assignment's notebook (.ipynb), or the zip its last cell "
                   "exports.")
    if not os.path.exists(RESULTS) or message and _is_bare_error(RESULTS):
        with open(RESULTS, "w") as f:
            json.dump(fallback_results(message or "No results were produced."), f, indent=2)
    return 0


def _is_bare_error(path):
    """Whether otter wrote only its one-line "Autograder Error" results."""
    try:
        with open(path) as f:
            tests = json.load(f).get("tests", [])
        return all("score" not in t for t in tests)
    except Exception:
        return True


if __name__ == "__main__":
    sys.exit(main())

"""An otter plugin that moves grading out of the student's kernel.

Named in ``otter_config.json`` as ``autograder.runtime.otter_plugin.TrustedGrading``, with the
limits (:data:`autograder.runtime.policy.LIMITS`; their values are written only there). Otter
stays the engine: it builds the zip, resolves the submission, writes results.json. The
plugin changes what is graded:

- ``before_grading``: everything in the submission folder except the notebook is deleted
  (files shipped in a zip, ``.OTTER_LOG``, a ``tests`` folder, a fake ``numpy`` or ``otter``),
  so otter never loads the log. The notebook is then graded by
  :func:`autograder.runtime.trusted.grade` against the zip's own copy of the tests, in a
  sandboxed kernel.
- ``before_execution``: otter is handed an empty notebook, so no student code runs in
  otter's own kernel.
- ``after_grading``: otter's (empty) results are replaced by the trusted ones.

If anything in the plugin fails, every question gets 0 with a message saying the
submission could not be graded, and results.json is still written.
"""

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import nbformat
from otter.plugins import AbstractOtterPlugin

from autograder.runtime import trusted, variant_grading
from autograder.runtime.policy import limits_from


class TrustedGrading(AbstractOtterPlugin):
    """Grade in a sandboxed kernel, with verdicts computed in the grading process."""

    def __init__(self, submission_path, submission_metadata, plugin_config):
        super().__init__(submission_path, submission_metadata, plugin_config)
        self.trusted_results = None
        self.notes = []

    @property
    def _autograder_dir(self):
        # the submission lives in <autograder>/submission/, the zip's contents in
        # <autograder>/source/
        return Path(self.submission_path).resolve().parent.parent

    def _source_tests(self):
        return self._autograder_dir / "source" / "tests"

    def _use_zip_files(self):
        """Import the reference (solutions/) from the zip itself, and hide the zip from students.

        The grading environment never has solutions/ installed, so the sandboxed kernel cannot
        import it; as root, the zip's folders become readable by root only.
        """
        files = self._autograder_dir / "source" / "files"
        if str(files) not in sys.path:
            sys.path.insert(0, str(files))
        if os.geteuid() == 0:
            for name in ("source", "submission", "results"):
                folder = self._autograder_dir / name
                if folder.is_dir():
                    os.chmod(folder, 0o700)

    def _clean_submission_dir(self):
        keep = Path(self.submission_path).resolve()
        for entry in keep.parent.iterdir():
            if entry.resolve() == keep:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def before_grading(self, config: Any) -> None:
        config.grade_from_log = False
        self._clean_submission_dir()
        self._use_zip_files()
        limits = limits_from(self.plugin_config, os.environ)
        variant_grading.start_grading(variant_grading.submitters_in(self.submission_metadata))
        try:
            self.trusted_results, self.notes, _ = trusted.grade(
                self.submission_path, str(self._source_tests()), limits)
        except Exception as e:  # grading itself failed: say so, score 0, results still written
            self.notes = [f"This submission could not be graded ({type(e).__name__}: {e}). "
                          "Check that it is the assignment's notebook, then resubmit or "
                          "contact the course staff."]
            self.trusted_results = trusted.failed_results(str(self._source_tests()),
                                                          self.notes[0])

    def before_execution(self, submission: Any) -> nbformat.NotebookNode:
        return nbformat.v4.new_notebook()

    def after_grading(self, results: Any) -> None:
        results.results = self.trusted_results.results
        results._catastrophic_error = None
        if self.notes:
            results.set_output("\n".join(self.notes))

    def generate_report(self) -> str:
        return "\n".join(self.notes)

"""Hostile review of the Gradescope entry point's early kernel (gradescope_run.boot_kernel,
grade_upload), in process: the kernel started before the upload is known to be a notebook
is closed on every path, and only once. (A stand-in replaces KernelProcess: no kernel.)"""

import pytest

from autograder.runtime import gradescope_run, kernel, trusted


class FakeKernel:
    """Counts what grade_upload does with the kernel it boots."""
    made = []

    def __init__(self, limits):
        self.starts = self.stops = 0
        self.closed = False
        self.km = None
        FakeKernel.made.append(self)

    def start(self):
        self.starts += 1
        self.km = object()

    def stop(self):
        self.stops += 1

    def close(self):
        if not self.closed:
            self.closed = True
            self.stop()


@pytest.fixture
def fake_kernel(monkeypatch):
    FakeKernel.made = []
    monkeypatch.setattr(kernel, "KernelProcess", FakeKernel)
    return FakeKernel.made


@pytest.mark.parametrize("data", [b"", b"not a notebook", b"{}", b"\xff\xfe" * 100,
                                  b'{"cells": 3, "nbformat": 4}'])
def test_an_upload_that_is_not_a_notebook_closes_the_kernel_once(fake_kernel, data):
    with pytest.raises(gradescope_run.SubmissionError, match="not a Jupyter notebook"):
        gradescope_run.grade_upload("x.ipynb", data, "tests", {})
    [k] = fake_kernel
    assert k.starts == 1 and k.closed and k.stops == 1


@pytest.mark.parametrize("crash", [RuntimeError("grader bug"), KeyboardInterrupt(),
                                   SystemExit(3)])
def test_a_crash_between_boot_and_hand_over_closes_the_kernel_once(fake_kernel, monkeypatch,
                                                                   crash):
    def grade(*args, **kwargs):
        raise crash
    monkeypatch.setattr(trusted, "grade", grade)
    data = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    with pytest.raises(type(crash)):
        gradescope_run.grade_upload("x.ipynb", data, "tests", {})
    [k] = fake_kernel
    assert k.starts == 1 and k.closed and k.stops == 1

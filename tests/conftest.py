"""Shared fixtures: each assignment is built once per session with the real otter assign."""

import os

import pytest

from autograder.instructor import build


@pytest.fixture(scope="session")
def built():
    """Build (once) and return {assignment: its paths} for every assignment."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = build.assign(name)
        return cache[name]

    return get


# Short limits for the fixtures that loop forever, set in the grader's environment (the
# plugin reads them; the student's kernel never sees them).
os.environ.setdefault("BACKPROP_CELL_TIMEOUT", "15")
os.environ.setdefault("BACKPROP_CALL_TIMEOUT", "5")

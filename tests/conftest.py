"""Shared fixtures: each assignment is built once per session with the real otter assign."""

import pytest

from autograder import build


@pytest.fixture(scope="session")
def built():
    """Build (once) and return {assignment: its paths} for every assignment."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = build.assign(name)
        return cache[name]

    return get

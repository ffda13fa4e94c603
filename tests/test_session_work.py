"""Does the session's background machinery (tests/conftest.py) hand each test what it
waits for, or its error, whatever order the threads ask in?"""

import concurrent.futures
import time

import conftest
import pytest


def test_a_build_that_fails_fails_every_asker_instead_of_hanging():
    """Two started_early works (threads) ask for an assignment no test asked for at
    collection, and its build fails: does each get the build's error, rather than the
    second waiting forever (and the session's end with it)?"""
    calls = []

    def assign(name, env=None):
        calls.append(name)
        time.sleep(0.3)  # a build takes a while: the second asker comes meanwhile
        raise RuntimeError(f"otter assign failed for {name}")

    builds = conftest._FullBuilds([], assign=assign)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        askers = [pool.submit(builds.get, "toy") for _ in range(2)]
        done, waiting = concurrent.futures.wait(askers, timeout=10)
    assert not waiting, "an asker still waits for a build that failed"
    for asker in askers:
        with pytest.raises(RuntimeError, match="otter assign failed for toy"):
            asker.result()
    assert calls == ["toy"]
    assert builds.futures["toy"].exception() is not None  # the session's end does not hang


def test_two_early_works_of_the_same_name_get_folders_of_their_own():
    """Two test files may each name their work ``graded`` (a function of their own): does
    each get its own folder, rather than the second stopping the collection?"""
    def make(tag):
        def graded(folder):
            (folder / "mine").write_text(tag)
            return (folder / "mine").read_text()
        graded.__module__ = f"test_{tag}"
        return graded

    works = [make("a"), make("b")]
    conftest._EarlyWork(works)
    assert [conftest._EARLY[w].result(timeout=10) for w in works] == ["a", "b"]

"""Does `backprop build` (what `make` runs) tell the instructor what matters: how long it
will take before it starts, what to upload where, and, for an assignment without a fixture
catalogue, a clear message that does not stop the later assignments?"""

import argparse
import json

import pytest

from autograder.instructor import build, fixtures


@pytest.fixture
def fake_build(tmp_path, monkeypatch, background_finished):
    """Three assignments whose otter assign and sample grading are stand-ins; ``b`` has no
    fixture catalogue and ``c`` one that is not YAML. Returns the list of calls made."""
    catalogues = tmp_path / "fixtures"
    catalogues.mkdir()
    (catalogues / "a.yaml").write_text(
        "fixtures:\n  solution: {sample: true}\n  blank: {sample: true}\n  other: {}\n")
    (catalogues / "c.yaml").write_text("fixtures: [unclosed\n")
    dist = tmp_path / "dist"
    calls = []

    def assign(name):
        calls.append(("assign", name))
        return {"student": dist / name / "student" / f"{name}.ipynb",
                "zip": dist / name / "autograder" / f"{name}-autograder_1.zip",
                "solution": None}

    def grade_samples(name, paths):
        calls.append(("samples", name))
        return [{"as_expected": True}]

    monkeypatch.setattr(build, "assignment_names", lambda: ["a", "b", "c"])
    monkeypatch.setattr(build, "assign", assign)
    monkeypatch.setattr(build, "DIST", dist)
    monkeypatch.setattr(fixtures, "FIXTURES", catalogues)
    monkeypatch.setattr(fixtures, "grade_samples", grade_samples)
    monkeypatch.setattr(fixtures, "score_table", lambda rows: "(score table)")
    return calls, dist


def run_build(names=(), no_samples=False):
    return build.run(argparse.Namespace(assignments=list(names), no_samples=no_samples))


def test_a_missing_catalogue_is_a_message_and_the_build_goes_on(fake_build, capsys):
    """Without tests/fixtures/b.yaml, is b still built, c built after it, the reason said
    in one line (no traceback), and an unreadable catalogue (c) an error in the exit status?"""
    calls, _ = fake_build
    status = run_build()
    out, err = capsys.readouterr()
    assert calls == [("assign", "a"), ("samples", "a"), ("assign", "b"), ("assign", "c")]
    assert "warning: no fixture catalogue" in err and "b.yaml" in err
    assert "error: the fixture catalogue" in err and "c.yaml" in err
    assert "Traceback" not in out + err
    assert status == 1  # c's catalogue cannot be read


def test_the_estimate_comes_first_and_the_upload_line_last(fake_build, capsys):
    """Is the time estimate the first line, and each assignment's upload said in one line
    (zip -> Gradescope, student notebook -> students)?"""
    run_build(["a"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("== building 1 assignment and grading 2 sample submissions: "
                               "about ")
    upload = [line for line in lines if "upload:" in line]
    assert len(upload) == 1 and upload[0] == lines[-1]
    assert "a-autograder_1.zip -> Gradescope (Programming Assignment" in upload[0]
    assert "a.ipynb -> students" in upload[0]


def test_the_estimate_learns_from_the_last_build(fake_build, capsys):
    """After a build, does the next estimate say it comes from it (times kept in dist/)?"""
    _, dist = fake_build
    run_build(["a"])
    assert "a first guess" in capsys.readouterr().out.splitlines()[0]
    assert set(json.loads((dist / build.TIMINGS).read_text())) == {"assign_seconds",
                                                                   "sample_seconds"}
    run_build(["a"])
    assert "the last build on this machine" in capsys.readouterr().out.splitlines()[0]


@pytest.mark.parametrize("assignments, samples, jobs, timings, seconds", [
    (4, 0, 2, {}, 4 * build.FIRST_ASSIGN_SECONDS),
    (1, 6, 2, {}, build.FIRST_ASSIGN_SECONDS + 3 * build.FIRST_SAMPLE_SECONDS),
    (2, 4, 4, {"assign_seconds": 10, "sample_seconds": 8}, 2 * 10 + 4 * 8 / 4),
])
def test_the_estimate_adds_assign_and_sample_times(assignments, samples, jobs, timings,
                                                   seconds):
    """Is the estimate the assignments' time plus the samples' time shared by the jobs?"""
    assert build.estimate(assignments, samples, jobs, timings)[0] == pytest.approx(seconds)


@pytest.mark.parametrize("seconds, text", [(5, "5 s"), (89, "89 s"), (180, "3 min")])
def test_durations_read_as_said(seconds, text):
    assert build.duration(seconds) == text

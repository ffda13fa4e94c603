"""Are the limits one fact: written in otter_config.json, read from there, overridden only
by the grader's BACKPROP_* variables?"""

import json
from pathlib import Path

import pytest

from autograder.runtime import policy

ROOT = Path(__file__).resolve().parents[1]


def write_config(folder, **limits):
    """An otter_config.json like the repository's, with ``limits`` changed."""
    with open(ROOT / "otter_config.json") as f:
        config = json.load(f)
    policy.plugin_config(config).update(limits)
    path = folder / "otter_config.json"
    path.write_text(json.dumps(config))
    return path


def test_the_repository_config_gives_every_limit():
    limits = policy.configured_limits(ROOT / "otter_config.json")
    assert set(limits) == set(policy.LIMITS)
    assert all(isinstance(v, float) and v > 0 for v in limits.values())


def test_a_config_missing_a_limit_is_refused(tmp_path):
    """Is a limit left out of the config an error, not a silent default from elsewhere?"""
    path = write_config(tmp_path)
    config = json.loads(path.read_text())
    del policy.plugin_config(config)["cpu_limit"]
    path.write_text(json.dumps(config))
    with pytest.raises(policy.LimitsError, match="cpu_limit"):
        policy.configured_limits(path)


def test_the_zips_config_is_used_where_there_is_one(tmp_path, monkeypatch):
    """In a grading (BACKPROP_AUTOGRADER_DIR), do the limits come from the zip's config, not
    the checkout's?"""
    (tmp_path / "source").mkdir()
    write_config(tmp_path / "source", cell_timeout=7)
    monkeypatch.setenv("BACKPROP_AUTOGRADER_DIR", str(tmp_path))
    assert policy.config_file() == tmp_path / "source" / "otter_config.json"
    assert policy.resolve_limits()["cell_timeout"] == 7.0
    assert policy.resolve_limits({"cell_timeout": 3})["cell_timeout"] == 3.0


def test_complete_limits_need_no_config_file(tmp_path, monkeypatch):
    """Otter hands the plugin its whole config: is no file read then (an otter run may have
    none where the runtime looks)?"""
    monkeypatch.setattr(policy, "config_file", lambda environ=None: tmp_path / "absent.json")
    complete = {name: 2 for name in policy.LIMITS}
    assert policy.resolve_limits(complete) == {name: 2.0 for name in policy.LIMITS}
    with pytest.raises(FileNotFoundError):
        policy.resolve_limits({"cell_timeout": 2})


def test_environment_overrides_the_config_and_unknown_keys_are_ignored():
    limits = policy.limits_from({"cell_timeout": 60, "call_timeout": 10, "bogus": 1},
                                {"BACKPROP_CELL_TIMEOUT": "5", "BACKPROP_BOGUS": "1"})
    assert limits == {"cell_timeout": 5.0, "call_timeout": 10.0}


def test_rlimits_follow_the_limits():
    limits = {"memory_limit_mb": 100, "disk_limit_mb": 3, "process_limit": 9}
    assert policy.rlimits(limits, as_root=True) == {
        "RLIMIT_AS": 100 * 2**20, "RLIMIT_FSIZE": 3 * 2**20, "RLIMIT_CORE": 0,
        "RLIMIT_NPROC": 9}
    assert "RLIMIT_NPROC" not in policy.rlimits(limits, as_root=False)


def test_the_kernel_environment_holds_nothing_of_the_graders(monkeypatch):
    """Does the kernel's environment leave out the grader's variables (limits, paths)?"""
    monkeypatch.setenv("BACKPROP_CELL_TIMEOUT", "5")
    monkeypatch.setenv("SECRET_TOKEN", "x")
    env = policy.kernel_environment("/h", "/h/ipy", "m4rk")
    assert env["BACKPROP_SANDBOX"] == "m4rk" and env["HOME"] == "/h"
    assert not {"BACKPROP_CELL_TIMEOUT", "SECRET_TOKEN"} & set(env)


def test_otter_run_prints_no_grading_summary():
    """`otter run -a` (the plugin path) prints no "GRADING SUMMARY" block, whose only line
    here was "No log found with which to verify student scores." (there is never a log:
    scores are not verified against one)."""
    import json

    from autograder.instructor.paths import ROOT
    assert json.loads((ROOT / "otter_config.json").read_text())["print_summary"] is False

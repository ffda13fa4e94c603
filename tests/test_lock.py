"""Is the grading image's dependency tree pinned completely, in one place?

``requirements.txt`` pins the top-level packages, ``requirements-grading.lock`` the grading
image's whole tree (made from those pins by ``backprop lock``), and every zip installs
exactly the lock's pins (see :mod:`autograder.instructor.lock`).
"""

import zipfile

import pytest
import yaml

from autograder.instructor import lock
from autograder.instructor.paths import GRADING_LOCK, REQUIREMENTS

# what a kernel-based grader cannot run without, and the lock must therefore hold
KERNEL_PACKAGES = ["jupyter-client", "ipykernel", "pyzmq", "tornado", "traitlets",
                   "nbformat", "nbclient", "otter-grader", "numpy", "matplotlib", "pyyaml"]


def test_lock_holds_the_kernel_machinery():
    """Does the lock pin otter's kernel stack (jupyter_client, ipykernel, pyzmq...)?"""
    pins = lock.read_pins(GRADING_LOCK)
    assert [p for p in KERNEL_PACKAGES if p not in pins] == []


def test_requirements_and_lock_agree_on_every_shared_package():
    """Does every package both files name have one version?"""
    dev, grading = lock.read_pins(REQUIREMENTS), lock.read_pins(GRADING_LOCK)
    shared = set(dev) & set(grading)
    assert {"otter-grader", "numpy", "matplotlib", "pyyaml", "ipykernel"} <= shared
    assert {p: (dev[p], grading[p]) for p in shared if dev[p] != grading[p]} == {}


def test_lock_does_not_pin_this_project():
    """Is the project installed from the zip only (a pin of it would be a stale egg-info)?"""
    assert "backprop-grading" not in lock.read_pins(GRADING_LOCK)


def test_grading_pins_are_read_from_requirements(tmp_path):
    """Does the lock start from requirements.txt's versions, with otter's grading extras?"""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# a comment\notter-grader==7.0.0\nnumpy==1.0\nmatplotlib==2.0\n"
                            "pyyaml==3.0  # case and separators folded\npsutil==4.0\npytest==9\n")
    assert lock.top_level_requirements(requirements) == [
        "otter-grader[grading,plugins]==7.0.0", "numpy==1.0", "matplotlib==2.0", "PyYAML==3.0",
        "psutil==4.0"]


@pytest.mark.parametrize("line", ["numpy>=2", "numpy", "-e .", "numpy==2 ; extra"])
def test_anything_but_an_exact_pin_is_refused(tmp_path, line):
    """Is a range, a bare name or an option refused in a pinned file?"""
    path = tmp_path / "requirements.txt"
    path.write_text(f"{line}\n")
    with pytest.raises(ValueError, match="not an exact pin"):
        lock.read_pins(path)


@pytest.mark.slow
def test_zip_installs_exactly_the_lock(built):
    """Does a built zip's environment install every pin of the lock, this project, and
    nothing else (no unpinned otter-grader line added by otter generate)?"""
    with zipfile.ZipFile(built("matrix-backprop")["zip"]) as zf:
        environment = yaml.safe_load(zf.read("environment.yml"))
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert sorted(pip) == sorted(lock.zip_requirements())
    unpinned = [line for line in pip if "==" not in line and line != lock.OWN_PACKAGE]
    assert unpinned == []
    assert f"python={lock.GRADING_PYTHON}" in environment["dependencies"]
    assert len([line for line in pip if line.lower().startswith("otter-grader")]) == 1

"""Where the instructor's tools find things: the one place that knows the checkout's layout.

``BACKPROP_ROOT`` points every tool at another checkout (the tests scaffold a new
assignment in a temporary copy of the repository, never in this one); ``BACKPROP_DIST``
moves the build output alone.
"""

import glob
import os
import sys
from pathlib import Path

ROOT = Path(os.environ.get("BACKPROP_ROOT") or Path(__file__).resolve().parents[2]).resolve()
ASSIGNMENTS = ROOT / "assignments"
FIXTURES = ROOT / "tests" / "fixtures"
SOLUTIONS = ROOT / "solutions"
README = ROOT / "README.md"
# The development pins (top-level packages) and the grading image's complete lock, made
# from the former by `backprop lock`.
REQUIREMENTS = ROOT / "requirements.txt"
GRADING_LOCK = ROOT / "requirements-grading.lock"
# Built zips, student notebooks and graded folders. BACKPROP_DIST moves it (the tests build
# in a temporary folder, never in the instructor's dist/).
DIST = Path(os.environ.get("BACKPROP_DIST") or ROOT / "dist")


def otter_command() -> list[str]:
    """The otter executable next to this Python, so that the pinned version is the one used."""
    exe = Path(sys.executable).parent / "otter"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "otter"]


def built_paths(name: str) -> dict[str, Path | None]:
    """The student notebook, the autograder zip and the solution notebook of a built assignment."""
    zips = sorted(glob.glob(str(DIST / name / "autograder" / f"{name}-autograder_*.zip")))
    return {
        "student": DIST / name / "student" / f"{name}.ipynb",
        "solution": DIST / name / "autograder" / f"{name}.ipynb",
        "zip": Path(zips[-1]) if zips else None,
    }


def assignment_names() -> list[str]:
    """Names of the assignments: folders of assignments/ holding a notebook of the same name."""
    return sorted(p.parent.name for p in ASSIGNMENTS.glob("*/*.ipynb")
                  if p.stem == p.parent.name)

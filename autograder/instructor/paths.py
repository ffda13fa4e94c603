"""Where the instructor's tools find things: the one place that knows the checkout's layout."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ROOT / "assignments"
FIXTURES = ROOT / "tests" / "fixtures"
README = ROOT / "README.md"
# Built zips, student notebooks and graded folders. BACKPROP_DIST moves it (the tests build
# in a temporary folder, never in the instructor's dist/).
DIST = Path(os.environ.get("BACKPROP_DIST") or ROOT / "dist")


def otter_command() -> list[str]:
    """The otter executable next to this Python, so that the pinned version is the one used."""
    exe = Path(sys.executable).parent / "otter"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "otter"]

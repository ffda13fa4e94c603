"""What a submission may use: its limits, what its kernel sees, what the grader will hold.

The limits' values are written in one place, the plugin entry of ``otter_config.json``
(``autograder.runtime.otter_plugin.TrustedGrading``): the repository's top-level file, which
``otter assign`` copies to the zip's root (``/autograder/source/otter_config.json`` on
Gradescope). :data:`LIMITS` names them; :func:`configured_limits` reads them; ``BACKPROP_<NAME>``
variables in the grader's environment override them (:func:`limits_from`).
"""

import json
import os
import site
import sys
import sysconfig
from pathlib import Path

PLUGIN = "autograder.runtime.otter_plugin.TrustedGrading"

# name: what it bounds (the values are in otter_config.json, nowhere else)
LIMITS = {
    "cell_timeout": "seconds for one cell of the notebook",
    "call_timeout": "seconds for one call of a student function by a test",
    "total_timeout": "seconds for the whole submission, tests included",
    "output_limit": "characters of output kept per cell (the rest is counted)",
    "memory_limit_mb": "memory of the whole submission (cgroup), and per process",
    "process_limit": "processes and threads of the whole submission",
    "disk_limit_mb": "largest file; size of the private /tmp, /var/tmp, /dev/shm",
    "cpu_limit": "cores the whole submission may use at once (cgroup)",
}

MAX_RESTARTS = 3  # kernels replaced (cells replayed) before the grading of a notebook stops

# What the grading process will hold of the kernel's messages: zmq queues up to RCVHWM
# messages per socket before anyone reads them, each up to MAXMSGSIZE (a larger one drops the
# connection). A kernel that floods its channels (faster than they are read and parsed) could
# otherwise make the root grading process hold 1000 x 64 MB per socket and be killed for it.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024     # iopub: output and replies (wire.MAX_TEXT is less)
# iopub: zmq's default; fewer would drop the "idle" that ends a cell
MAX_QUEUED_MESSAGES = 1000
MAX_CONTROL_BYTES = 4 * 1024 * 1024    # shell, control, stdin, heartbeat: small replies
MAX_CONTROL_QUEUED = 4


class LimitsError(ValueError):
    """otter_config.json does not give every limit a number."""


def config_file(environ: dict = os.environ) -> Path:
    """The otter_config.json of this grading: the zip's (in ``BACKPROP_AUTOGRADER_DIR``,
    default ``/autograder``), else the one at the top of this checkout."""
    zipped = Path(environ.get("BACKPROP_AUTOGRADER_DIR", "/autograder"), "source",
                  "otter_config.json")
    if zipped.is_file():
        return zipped
    return Path(__file__).resolve().parents[2] / "otter_config.json"


def plugin_config(config: dict) -> dict:
    """The grading plugin's entry in an otter config (empty if it names none)."""
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and PLUGIN in plugin:
            return plugin[PLUGIN] or {}
    return {}


def configured_limits(path: Path | None = None) -> dict[str, float]:
    """Every limit, as otter_config.json's plugin entry writes it (:func:`config_file`)."""
    path = config_file() if path is None else path
    with open(path, encoding="utf-8") as f:
        entry = plugin_config(json.load(f))
    missing = [name for name in LIMITS if not isinstance(entry.get(name), (int, float))]
    if missing:
        raise LimitsError(f"{path} gives no number for {', '.join(missing)}")
    return {name: float(entry[name]) for name in LIMITS}


def limits_from(entry: dict | None, environ: dict) -> dict[str, float]:
    """Limits from a plugin config, overridden by BACKPROP_<NAME> variables (unknown keys
    are ignored; a limit neither gives is left out).

    The variables are the grader's own environment (the kernel never sees them), so an
    instructor can shorten or lengthen limits for a local run without rebuilding the zip.
    """
    limits = {k: float(v) for k, v in (entry or {}).items() if k in LIMITS}
    for key in LIMITS:
        value = environ.get(f"BACKPROP_{key.upper()}")
        if value:
            limits[key] = float(value)
    return limits


def resolve_limits(overrides: dict | None = None) -> dict[str, float]:
    """The limits of a grading: ``overrides`` (a caller's own, usually the whole plugin
    config otter hands over), the configured ones for any they leave out."""
    overrides = {k: float(v) for k, v in (overrides or {}).items() if k in LIMITS}
    if len(overrides) == len(LIMITS):  # complete: no file needed (otter's run may have none)
        return overrides
    return {**configured_limits(), **overrides}


def rlimits(limits: dict, as_root: bool) -> dict[str, int]:
    """Per-process resource limits of the kernel and everything it starts."""
    out = {"RLIMIT_AS": int(limits["memory_limit_mb"]) * 1024 * 1024,
           "RLIMIT_FSIZE": int(limits["disk_limit_mb"]) * 1024 * 1024,
           "RLIMIT_CORE": 0}
    if as_root:  # counts every process and thread of the sandbox uid: the submission
        out["RLIMIT_NPROC"] = int(limits["process_limit"])
    return out


def kernel_environment(home: str, ipython_dir: str, marker: str) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's but PATH (and, in the tests'
    attack fixtures, their marker)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home, "IPYTHONDIR": ipython_dir,
        "MPLCONFIGDIR": os.path.join(home, ".mpl"), "MPLBACKEND": "Agg",
        "JUPYTER_RUNTIME_DIR": os.path.join(home, ".runtime"),
        "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1",
        # one thread per library: a submission's CPU use stays its own kernel's
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "BACKPROP_SANDBOX": marker,
    }
    if os.environ.get("BACKPROP_ATTACK_MARK"):  # set only by the tests' attack fixtures
        env["BACKPROP_ATTACK_MARK"] = os.environ["BACKPROP_ATTACK_MARK"]
    return env


def source_checkout() -> str | None:
    """The folder holding this package's source when the grader runs from a checkout (an
    editable install, as ``make`` sets up for local grading), not from an installed copy:
    it holds the reference (solutions/) and the hidden tests, which the kernel must not
    read. None when the package is installed (the Gradescope image)."""
    import autograder
    package = os.path.dirname(os.path.realpath(autograder.__file__))
    parts = package.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return None
    return os.path.dirname(package)


def private_folders() -> list[str]:
    """Folders the kernel must not see, though its uid may read them, when the grader runs
    on an instructor's machine: the checkout this package runs from (:func:`source_checkout`;
    ``backprop grade`` imports the zip's copy of it), the checkout the Python install
    imports it from (an editable install: the kernel's Python finds the hidden tests through
    it, whichever copy the grader runs), every other checkout of their git repository
    (``git worktree add``) and the build output ``BACKPROP_DIST`` names (the zips hold the
    reference, the solution notebooks its answers).

    A checkout at ``/`` or that is itself the virtual environment (``python -m venv .``)
    cannot be hidden whole (the kernel needs what is beside it: the system, ``pyvenv.cfg``):
    its folders that hold the reference are, then."""
    checkouts = {source_checkout(), editable_checkout()} - {None}
    folders = {os.environ.get("BACKPROP_DIST") or None}
    for checkout in checkouts:
        folders |= {checkout, *git_worktrees(checkout)}
    folders = {os.path.realpath(f) for f in folders - {None} if os.path.isdir(f)}
    needed = {"/", *(os.path.realpath(p) for p in python_paths())}
    for folder in folders & needed:
        folders |= {os.path.join(folder, name) for name in CHECKOUT_FOLDERS}
    return sorted(f for f in folders - needed if os.path.isdir(f))


# what a checkout holds that a kernel must not read: the reference, the hidden tests, the
# fixtures (whole answers), the master notebooks, the built zips, the history
CHECKOUT_FOLDERS = ("solutions", "autograder", "tests", "assignments", "dist", ".git")


def editable_checkout() -> str | None:
    """The folder an editable install of this package points the Python install at (as
    its ``direct_url.json`` records it, PEP 610), or None."""
    from importlib import metadata
    try:
        recorded = json.loads(metadata.distribution("backprop-grading")
                              .read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        return None
    url = recorded.get("url", "") if isinstance(recorded, dict) else ""
    if not (recorded.get("dir_info") or {}).get("editable") or not url.startswith("file://"):
        return None
    from urllib.parse import unquote, urlparse
    return unquote(urlparse(url).path)


def git_worktrees(checkout: str) -> list[str]:
    """Every checkout of the git repository ``checkout`` belongs to (its main one and those
    of ``git worktree add``), and the repository's own folder: each holds the reference."""
    dot_git = os.path.join(checkout, ".git")
    try:
        if os.path.isfile(dot_git):  # a linked worktree: "gitdir: <common>/worktrees/<name>"
            gitdir = os.path.join(checkout, _read(dot_git).partition("gitdir:")[2].strip())
            common = os.path.normpath(os.path.join(gitdir, _read(gitdir, "commondir")))
        elif os.path.isdir(dot_git):
            common = dot_git
        else:
            return []
    except OSError:
        return []
    found = [common, *([os.path.dirname(common)] if os.path.basename(common) == ".git" else [])]
    try:
        linked = [entry.path for entry in os.scandir(os.path.join(common, "worktrees"))]
    except OSError:
        linked = []
    for entry in linked:  # each names its checkout's .git file
        try:
            found.append(os.path.dirname(_read(entry, "gitdir")))
        except OSError:
            pass
    return found


def _read(*path: str) -> str:
    with open(os.path.join(*path), encoding="utf-8") as f:
        return f.read().strip()


def python_paths() -> list[str]:
    """What the kernel must reach of the Python install (its interpreter and packages)."""
    paths = {sys.prefix, sys.base_prefix, *site.getsitepackages(),
             sysconfig.get_paths()["stdlib"], os.path.dirname(os.path.realpath(sys.executable)),
             # package folders a .pth file adds (never other sys.path entries, such as the
             # zip's files/ with the reference, or a checkout of this repository)
             *(p for p in sys.path
               if os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages"))}
    # and where each really is: a virtual environment reached through a link into a hidden
    # checkout (~/venvs/x -> checkout/.venv) is bound back there, and the link leads to it
    paths |= {os.path.realpath(p) for p in paths}
    return sorted(p for p in paths if os.path.isdir(p))

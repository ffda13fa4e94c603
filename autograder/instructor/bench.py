"""Grading time, measured side by side: ``backprop bench [NAME...] [--repeat N] [--batch N]``.

For each assignment's solution notebook it times, in one run and on the same machine:

- the floor: running the notebook once in a fresh process and kernel (process start,
  kernel start, the student's code, ``grader.check`` a no-op), what any notebook grader pays;
- this project's grading on the Gradescope path (the zip's ``run_otter.py`` in a copy of
  ``/autograder``: sandboxed kernel, verdicts in the grading process);
- stock ``otter run`` with the same zip but without this project's plugin (tests run in
  the student's kernel, as otter does by default).

It prints the median of ``--repeat`` runs of each and the ratios to the floor, how long
``grader.check`` takes in the student's notebook once its first call has loaded the checks
(the student notebook with the solution typed in, each check cell run a second time), the
machine's load average before and after (other work on the machine skews every number), then
the throughput of :mod:`autograder.instructor.grade_all` on ``--batch`` submissions (copies of
the sample submissions) with one job and with one job per core. Builds what dist/ lacks first.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from autograder.instructor import build, fixtures, grade_all
from autograder.instructor.paths import built_paths

# The floor, as a program of its own: a fresh process starts a kernel and runs the cells.
FLOOR = r'''
import sys, nbformat
from jupyter_client import KernelManager
from autograder.runtime.sandbox import OTTER_STUB
nb = nbformat.read(sys.argv[1], as_version=4)
km = KernelManager(kernel_name="python3")
km.start_kernel(cwd=sys.argv[2])
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=60)
for code in [OTTER_STUB] + [c.source for c in nb.cells if c.cell_type == "code"]:
    kc.execute_interactive(code, timeout=600, output_hook=lambda msg: None)
kc.stop_channels()
km.shutdown_kernel(now=True)
'''


def floor_run(notebook: Path, work: Path) -> float:
    """Run the notebook once in a fresh process and kernel, checks as no-ops; return seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", FLOOR, str(notebook), str(work)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def timed_gradescope_run(zip_path: Path, notebook: Path, work: Path) -> tuple[float, float]:
    """Grade through the zip's Gradescope entry point; return (seconds, total score)."""
    folder = Path(tempfile.mkdtemp(dir=work))
    start = time.perf_counter()
    results, _ = grade_all.gradescope_run(zip_path, notebook, folder)
    seconds = time.perf_counter() - start
    return seconds, sum(fixtures.question_scores(results).values())


def stock_zip(zip_path: Path, dest: Path) -> Path:
    """A copy of the zip whose otter_config.json names no plugin: otter's default grading."""
    with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(dest, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "otter_config.json":
                config = json.loads(data)
                config.pop("plugins", None)
                data = json.dumps(config, indent=2).encode()
            out.writestr(info, data)
    return dest


def timed_otter_run(zip_path: Path, notebook: Path, work: Path) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(dir=work))
    start = time.perf_counter()
    results, _ = fixtures.otter_run(zip_path, notebook, out)
    seconds = time.perf_counter() - start
    scores = fixtures.question_scores(results)
    return seconds, sum(scores.values())


def bench_assignment(name: str, repeat: int, work: Path
                     ) -> tuple[dict[str, float], dict[str, float], dict[str, Any]]:
    """{label: median seconds} and {label: total score} for one assignment's solution."""
    paths = built_paths(name)
    if paths["zip"] is None:
        paths = build.assign(name)
    notebook = work / f"{name}.ipynb"
    shutil.copy(paths["solution"], notebook)
    stock = stock_zip(paths["zip"], work / f"{name}-stock.zip")
    times = {FLOOR_LABEL: [], OURS_LABEL: [], STOCK_LABEL: []}
    totals = {}
    for _ in range(repeat):
        times[FLOOR_LABEL].append(floor_run(notebook, work))
        t, totals[OURS_LABEL] = timed_gradescope_run(paths["zip"], notebook, work)
        times[OURS_LABEL].append(t)
        t, totals[STOCK_LABEL] = timed_otter_run(stock, notebook, work)
        times[STOCK_LABEL].append(t)
    return {label: statistics.median(ts) for label, ts in times.items()}, totals, paths


# In a kernel started in a folder holding the student notebook with the solution typed in:
# run every code cell but the export once, then each grader.check cell again, timed.
CHECKS = r'''
import json, sys, time, nbformat
from jupyter_client import KernelManager
nb = nbformat.read(sys.argv[1], as_version=4)
km = KernelManager(kernel_name="python3")
km.start_kernel(cwd=sys.argv[2])
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=60)
code = [c.source for c in nb.cells if c.cell_type == "code" and "grader.export(" not in c.source]
for source in code:
    kc.execute_interactive(source, timeout=600, output_hook=lambda msg: None)
times = []
for source in (s for s in code if "grader.check(" in s):
    start = time.perf_counter()
    kc.execute_interactive(source, timeout=600, output_hook=lambda msg: None)
    times.append(time.perf_counter() - start)
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps(times))
'''


def solution_typed_in(paths: dict[str, Any]) -> Any:
    """The student notebook with every code cell of the solution typed in (its own init
    and check cells kept)."""
    import nbformat
    student = nbformat.read(paths["student"], as_version=4)
    solution = nbformat.read(paths["solution"], as_version=4)
    sol_code = [c for c in solution.cells if c.cell_type == "code"]
    stu_code = [c for c in student.cells if c.cell_type == "code"]
    for s, t in zip(stu_code, sol_code, strict=True):
        if "grader." not in s.source and "otter.Notebook" not in s.source:
            s.source = t.source
    return student


def check_timings(paths: dict[str, Any], work: Path) -> list[float]:
    """Seconds of each ``grader.check`` cell of the student notebook after the first call."""
    import nbformat
    folder = Path(tempfile.mkdtemp(dir=work))
    notebook = folder / Path(paths["student"]).name
    nbformat.write(solution_typed_in(paths), notebook)
    out = subprocess.run([sys.executable, "-c", CHECKS, str(notebook), str(folder)],
                         check=True, capture_output=True, text=True, cwd=folder)
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    """The load average over 1, 5 and 15 minutes, as text."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


FLOOR_LABEL = "floor: run once (fresh process and kernel)"
OURS_LABEL = "this project's grading (Gradescope path)"
STOCK_LABEL = "stock otter run (tests in the kernel)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``backprop bench``."""
    parser.add_argument("assignments", nargs="*", metavar="NAME",
                        help="assignments to time; default: all")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="runs of each measurement; the median is shown (default: 3)")
    # a section's worth: in a smaller batch the fixed start (the workers' imports) and end
    # (the CSV, the report's charts) weigh more than they do in any class
    parser.add_argument("--batch", type=int, default=30, metavar="N",
                        help="submissions for the batch run (0: none; default: 30)")


def run(args: argparse.Namespace) -> int:
    """Time grading as ``args`` asks and print the table; return the exit status."""
    names = args.assignments or build.assignment_names()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        print(f"solution notebooks, median of {args.repeat} runs, {os.cpu_count()} cores, "
              f"load average {load()}")
        for name in names:
            medians, totals, paths = bench_assignment(name, args.repeat, work)
            floor = medians[FLOOR_LABEL]
            print(f"{name}:")
            for label, seconds in medians.items():
                score = f"   score {totals[label]:g}" if label in totals else ""
                print(f"  {label:<44} {seconds:6.2f} s   {seconds / floor:4.2f}x floor{score}")
            checks = check_timings(paths, work)
            print(f"  {'grader.check after the first call':<44} median "
                  f"{statistics.median(checks) * 1000:4.0f} ms, slowest "
                  f"{max(checks) * 1000:4.0f} ms ({len(checks)} checks)")
        if args.batch:
            batch = batch_throughput(names[0], paths if len(names) == 1 else
                                     built_paths(names[0]), work, args.batch)
            print(f"batch grading of {args.batch} {names[0]} submissions (grade_all):")
            grading_alone = batch[0][1] - batch[0][2]
            for jobs, seconds, fixed in batch:
                print(f"  --jobs {jobs}: {seconds:6.1f} s, {args.batch / seconds * 60:5.1f} "
                      f"submissions/min, speed-up {batch[0][1] / seconds:4.2f}x "
                      f"(the grading alone {seconds - fixed:.1f} s, speed-up "
                      f"{grading_alone / (seconds - fixed):4.2f}x; the CSV and report "
                      f"{fixed:.1f} s)")
        print(f"load average {load()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def batch_throughput(name: str, paths: dict[str, Any], work: Path, count: int
                     ) -> list[tuple[int, float, float]]:
    """(jobs, seconds, of which the CSV and report) for grade_all on ``count`` submissions
    with 1 job and with one per core."""
    catalogue = fixtures.load_catalogue(name)
    samples = [f for f, spec in catalogue.items() if spec.get("sample")]
    folder = work / "batch"
    folder.mkdir()
    for i in range(count):
        fixture = samples[i % len(samples)]
        fixtures.build_submission(catalogue[fixture], paths, folder / f"{i:03d}-{fixture}.ipynb")
    timings = []
    for jobs in sorted({1, os.cpu_count() or 1}):
        start = time.perf_counter()
        grade_all.grade_folder(name, folder, work / f"out-{jobs}", jobs=jobs,
                               zip_path=paths["zip"], quiet=True)
        seconds = time.perf_counter() - start
        # the same again with every result kept: the CSV and the report alone, which no
        # number of jobs shortens
        start = time.perf_counter()
        grade_all.grade_folder(name, folder, work / f"out-{jobs}", jobs=jobs,
                               zip_path=paths["zip"], quiet=True)
        timings.append((jobs, seconds, time.perf_counter() - start))
    return timings


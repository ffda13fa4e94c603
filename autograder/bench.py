"""Grading time, measured side by side: ``python -m autograder.bench [ASSIGNMENT] [--repeat N]``.

For the assignment's solution notebook it times, in one run and on the same machine:

- plain execution of the notebook in a fresh kernel (nbclient): the floor any notebook
  grader pays;
- stock ``otter run`` with the same zip but without this project's plugin (tests run in
  the student's kernel, as otter does by default);
- ``otter run`` with the real zip (sandboxed kernel, verdicts in the grading process).

It prints the median of ``--repeat`` runs of each and the ratios, then the throughput of
:mod:`autograder.grade_all` on ``--batch`` submissions (copies of the sample submissions)
with one job and with one job per core. Builds the assignment first if dist/ has no zip.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import build, fixtures, grade_all


def plain_execution(notebook, work):
    """Run the notebook top to bottom in a fresh kernel; return seconds."""
    nb = nbformat.read(notebook, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()
    return time.perf_counter() - start


def stock_zip(zip_path, dest):
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


def timed_otter_run(zip_path, notebook, work):
    out = Path(tempfile.mkdtemp(dir=work))
    start = time.perf_counter()
    results, _ = fixtures.otter_run(zip_path, notebook, out)
    seconds = time.perf_counter() - start
    scores = fixtures.question_scores(results)
    return seconds, sum(scores.values())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", nargs="?", default="matrix-backprop")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20, help="submissions for the batch run")
    args = parser.parse_args(argv)
    paths = build.built_paths(args.assignment)
    if paths["zip"] is None:
        paths = build.assign(args.assignment)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        notebook = work / f"{args.assignment}.ipynb"
        shutil.copy(paths["solution"], notebook)
        stock = stock_zip(paths["zip"], work / "stock.zip")
        rows = {"plain execution (nbclient, fresh kernel)": [],
                "stock otter run (tests in the kernel)": [],
                "this project's otter run (sandboxed)": []}
        totals = {}
        for _ in range(args.repeat):
            rows["plain execution (nbclient, fresh kernel)"].append(
                plain_execution(notebook, work))
            t, totals["stock"] = timed_otter_run(stock, notebook, work)
            rows["stock otter run (tests in the kernel)"].append(t)
            t, totals["ours"] = timed_otter_run(paths["zip"], notebook, work)
            rows["this project's otter run (sandboxed)"].append(t)
        batch = batch_throughput(args.assignment, paths, work, args.batch)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(rows["plain execution (nbclient, fresh kernel)"])
    print(f"{args.assignment}: solution notebook, median of {args.repeat} runs")
    for label, times in rows.items():
        med = statistics.median(times)
        print(f"  {label:<44} {med:6.2f} s   {med / floor:4.2f}x plain execution")
    print(f"  scores: stock {totals['stock']:g}, sandboxed {totals['ours']:g}")
    print(f"batch grading of {args.batch} submissions (autograder.grade_all):")
    for jobs, seconds in batch:
        print(f"  --jobs {jobs}: {seconds:6.1f} s, {args.batch / seconds * 60:5.1f} submissions/min,"
              f" speed-up {batch[0][1] / seconds:4.2f}x")
    return 0


def batch_throughput(name, paths, work, count):
    """Seconds for grade_all on ``count`` submissions with 1 job and with one per core."""
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
        timings.append((jobs, time.perf_counter() - start))
    return timings


if __name__ == "__main__":
    sys.exit(main())

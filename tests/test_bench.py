"""Does ``backprop bench`` print every measurement the speed issue asks for (the floor, this
project's grading, stock otter run, grader.check after its first call, the load average,
the batch throughput), each grading scoring the solution alike? No timing is asserted."""

import re
import subprocess
import sys

import nbformat
import pytest

from autograder.instructor import bench

NUMBER = r"(\d+\.\d+)"


def bench_once(built, environ):
    """`backprop bench chain-rule --repeat 1 --batch 1`: (its output, the built paths)."""
    paths = built("chain-rule")
    proc = subprocess.run([sys.executable, "-m", "autograder.instructor.cli", "bench",
                           "chain-rule", "--repeat", "1", "--batch", "1"],
                          env=environ, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, paths


@pytest.mark.slow
@pytest.mark.started_early(work=bench_once)
def test_bench_prints_each_measurement_and_the_gradings_agree(started_early):
    out, paths = started_early
    assert re.search(r"median of 1 runs, \d+ cores, load average [\d. ]+\n", out), out
    rows = {label: re.search(rf"{re.escape(label)}\s+{NUMBER} s\s+{NUMBER}x floor(?:\s+score "
                             rf"(\S+))?", out) for label in
            (bench.FLOOR_LABEL, bench.OURS_LABEL, bench.STOCK_LABEL)}
    assert all(rows.values()), out
    assert float(rows[bench.FLOOR_LABEL][2]) == 1.0
    ours, stock = rows[bench.OURS_LABEL][3], rows[bench.STOCK_LABEL][3]
    assert float(ours) > 0 and ours == stock, out  # the solution scores alike both ways
    checks = re.search(r"grader.check after the first call\s+median\s+(\d+) ms, slowest\s+"
                       r"(\d+) ms \((\d+) checks\)", out)
    assert checks and int(checks[3]) > 0 and int(checks[1]) <= int(checks[2]), out
    # every check cell of the student notebook was timed
    student = nbformat.read(paths["student"], as_version=4)
    assert int(checks[3]) == sum("grader.check(" in c.source for c in student.cells
                                 if c.cell_type == "code")
    assert re.search(r"--jobs 1:\s+" + NUMBER + r" s, .*\(the grading alone " + NUMBER +
                     r" s, speed-up " + NUMBER + r"x; the CSV and report " + NUMBER + r" s\)",
                     out), out
    assert re.search(r"\nload average [\d. ]+\n", out), out

"""Does the class report look right to a TA: does it render in a real browser (headless
Chromium, driven over the DevTools protocol), do its images load and fit, do its feedback
links open, and are its charts free of blank margins?

The browser test is in the slow lane; `make test` installs Chromium when it is missing and
apt-get can run as root (the Makefile's `browser` step).
"""

import base64
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from autograder.instructor import report

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if os.path.exists("/usr/bin/chromium") else None)
SKIP_REASON = ("no Chromium (/usr/bin/chromium): `make test` installs it with apt-get when run "
               "as root; elsewhere run `apt-get install -y chromium` as root")
LONG = ("the gradient is transposed and the factor two of the squared loss is missing, "
        "which a long catalogue description says in full")


def records():
    """A class of five: multiple-choice items wrong, long diagnosed mistakes, a group, an
    upload that could not be graded, and student text that must stay text."""
    def record(file, q1_failed, q2_mistake, people, status="graded"):
        tests = [{"name": "q1", "score": 6 - len(q1_failed), "max_score": 6,
                  "output": "<script>alert(1)</script> $\\sqrt[{$"},
                 {"name": "q2", "score": 0 if q2_mistake else 3, "max_score": 3, "output": ""}]
        failed = {"q1": {f"test_q1_item_{i}": None for i in q1_failed}}
        if q2_mistake:
            failed["q2"] = {"test_q2_values": q2_mistake}
        return {"file": file, "status": status, "reason": "", "submission_id": file[-3:],
                "submitters": people, "results": {"tests": tests, "extra_data": {
                    "failed": failed, "mistakes": {"q2": [q2_mistake]} if q2_mistake else {}}}}
    return [record("submission_101", [3, 9], LONG, [{"name": "Ada", "email": "a@x.edu",
                                                      "sid": "1"}]),
            record("submission_102", [3], None, [{"name": "Pair One", "email": "", "sid": "2"},
                                                 {"name": "Pair Two", "email": "", "sid": "3"}]),
            record("submission_103", [], "the factor 2 is missing", []),
            record("submission_104", [1, 2, 3, 4], LONG, [{"name": "<b>Bob</b>"}]),
            {"file": "submission_105", "status": "error", "results": None,
             "reason": "not a Jupyter notebook", "submitters": [{"name": "Eve"}]}]


@pytest.fixture
def report_dir(tmp_path):
    rows = report.write_feedback_pages(records(), tmp_path, "demo")
    report.write_report(records(), tmp_path / "report.html", "demo", [], rows)
    return tmp_path


def embedded_pngs(page):
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_charts_have_no_blank_margins(report_dir):
    """Does each chart's ink reach within a few pixels of every edge (no blank band left
    by a fixed figure size or spacing)?"""
    import matplotlib.image
    import numpy as np
    pngs = embedded_pngs((report_dir / "report.html").read_text())
    assert len(pngs) == 3
    for png in pngs:
        pixels = matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3]
        ink = np.argwhere((pixels < 0.95).any(axis=2))
        height, width = pixels.shape[:2]
        top, left = ink.min(axis=0)
        bottom, right = ink.max(axis=0)
        assert max(top, left, height - 1 - bottom, width - 1 - right) <= 10, (
            pixels.shape, top, left, bottom, right)


class DevTools:
    """Chromium's DevTools protocol over --remote-debugging-pipe (fd 3 in, fd 4 out)."""

    def __init__(self):
        # short: Chromium's socket path in TMPDIR must fit a Unix socket name (108 bytes);
        # in the session's temporary folder, removed by close()
        folder = self.folder = Path(tempfile.mkdtemp(prefix="c"))
        (folder / "tmp").mkdir()
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():  # the child reads commands on fd 3 and writes answers on fd 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        args = [CHROMIUM, "--headless", "--remote-debugging-pipe", "--disable-gpu",
                "--no-first-run", "--hide-scrollbars", f"--user-data-dir={folder / 'profile'}",
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses its sandbox as root
        # fds 3 and 4 are kept: subprocess closes the others after preexec_fn
        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                     start_new_session=True,
                                     env={**os.environ, "TMPDIR": str(folder / "tmp")},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer, self._id, self.events, self.session = b"", 0, [], None

    def _read(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed its pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, timeout=60, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._id:
                assert "error" not in answer, answer
                return answer["result"]
            self.events.append(answer)

    def wait_for(self, event, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events if e.get("method") == event]
            if found:
                self.events.clear()
                return found[0]
            self.events.append(self._read(deadline))

    def open(self, url):
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression):
        return self.send("Runtime.evaluate", expression=expression,
                         returnByValue=True)["result"]["value"]

    def close(self):
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        os.killpg(self.proc.pid, signal.SIGKILL)  # its renderers and helpers too
        self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def browser():
    if not CHROMIUM:
        pytest.skip(SKIP_REASON)
    tools = DevTools()
    try:
        target = tools.send("Target.createTarget", url="about:blank")["targetId"]
        tools.session = tools.send("Target.attachToTarget", targetId=target,
                                   flatten=True)["sessionId"]
        tools.send("Page.enable")
        tools.send("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                   deviceScaleFactor=1, mobile=False)
        yield tools
    finally:
        tools.close()


IMAGES = """Array.from(document.images).map(i => ({loaded: i.complete && i.naturalWidth > 0,
  width: i.getBoundingClientRect().width, natural: i.naturalWidth}))"""


@pytest.mark.slow
def test_report_renders_in_chromium_with_its_images(report_dir, browser, tmp_path):
    """In headless Chromium: does the report load, its three charts load and fit the page
    width, no student text run as HTML, its feedback links open the submission's page, and
    a screenshot come out?"""
    browser.open((report_dir / "report.html").as_uri())
    assert browser.evaluate("document.title") == "demo: grading report"
    images = browser.evaluate(IMAGES)
    assert len(images) == 3 and all(i["loaded"] for i in images), images
    page_width = browser.evaluate("document.documentElement.clientWidth")
    assert all(i["width"] <= page_width for i in images), (images, page_width)
    assert browser.evaluate("document.documentElement.scrollWidth") <= page_width
    assert browser.evaluate("document.querySelectorAll('b, script').length") == 0
    rows = browser.evaluate("document.querySelectorAll('table.submissions tr').length")
    assert rows == 1 + 5
    shot = base64.b64decode(browser.send("Page.captureScreenshot", format="png",
                                         captureBeyondViewport=True)["data"])
    assert shot.startswith(b"\x89PNG")
    (tmp_path / "report.png").write_bytes(shot)

    links = browser.evaluate("Array.from(document.querySelectorAll('a'))"
                             ".filter(a => a.textContent == 'feedback').map(a => a.href)")
    assert len(links) == 5
    browser.open(links[1])
    assert "Pair One" in browser.evaluate("document.body.innerText")
    assert browser.evaluate("document.querySelectorAll('script').length") == 0

"""Run one piece of code in a connected kernel: wait for it within a time limit, keep a
bounded part of its output, and pick out the wire's reply (if it sent one).

Output beyond the cap is read and dropped, so a flood cannot exhaust the grader's memory;
a reply counts only if it carries the request's nonce, and only the last one is kept.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograder.runtime import wire
from autograder.runtime.kernel import KernelGone


class SandboxTimeout(Exception):
    """A cell or a call ran out of time."""


def clean_text(text: object) -> str:
    """Student text made safe to store: valid UTF-8 (lone surrogates become U+FFFD)."""
    return str(text).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


class BoundedOutput:
    """The first ``cap`` characters of what a cell prints; the rest is only counted."""

    def __init__(self, cap: float):
        self.cap = int(cap)
        self.kept: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        text = clean_text(text)
        if self.size < self.cap:
            self.kept.append(text[:self.cap - self.size])
        self.size += len(text)

    @property
    def text(self) -> str:
        return "".join(self.kept)

    @property
    def dropped(self) -> int:
        return max(0, self.size - self.cap)


@dataclass
class Outcome:
    """How a piece of code ended: ``status`` "ok" or "error", its kept output, the number of
    characters dropped, and the wire's reply (its JSON text) if one came."""
    status: str = "ok"
    output: str = ""
    dropped: int = 0
    reply: str | None = None


def _printed(kind: str, content: dict) -> str | None:
    """The text a message shows, or None for a message that shows nothing."""
    if kind == "stream":
        return content.get("text", "")
    if kind == "error":
        return f"{content.get('ename')}: {content.get('evalue')}"
    if kind in ("display_data", "execute_result"):
        return str(content.get("data", {}).get("text/plain", ""))
    return None


def _take_reply(data: object, outcome: Outcome, nonce: str) -> None:
    """A probe message: keep its reply if it carries our nonce (the last one at most, and
    none too large to parse safely)."""
    if isinstance(data, dict) and data.get("nonce") == nonce:
        reply = data.get("reply")
        outcome.reply = reply if isinstance(reply, str) and len(reply) <= wire.MAX_TEXT \
            else None


def handle(msg: dict, outcome: Outcome, output: BoundedOutput, nonce: str) -> bool:
    """Take one iopub message of our request into ``outcome`` and ``output``; True once the
    kernel is idle (the code has ended)."""
    kind, content = msg["msg_type"], msg["content"]
    if kind == "status":
        return content.get("execution_state") == "idle"
    if kind == "display_data" and wire.MIME in content.get("data", {}):
        _take_reply(content["data"][wire.MIME], outcome, nonce)
        return False
    text = _printed(kind, content)
    if text is not None:
        output.add(text)
        if kind == "error":
            outcome.status = "error"
    return False


def execute(client: Any, code: str, timeout: float, *, nonce: str, output_limit: float,
            is_alive: Callable[[], bool], silent: bool = False) -> Outcome:
    """Run ``code`` through ``client`` and wait until the kernel is idle again.

    Raises :class:`SandboxTimeout` after ``timeout`` seconds, and :class:`KernelGone` if the
    kernel dies (``is_alive()`` turns false) while nothing arrives.
    """
    msg_id = client.execute(code, silent=silent, store_history=False, allow_stdin=False)
    end = time.monotonic() + timeout
    outcome, output = Outcome(), BoundedOutput(output_limit)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise SandboxTimeout(timeout)
        try:
            msg = client.get_iopub_msg(timeout=min(left, 1.0))
        except Exception:  # queue.Empty: nothing yet (whatever it is, liveness decides)
            if not is_alive():
                raise KernelGone("the kernel died") from None
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id and \
                handle(msg, outcome, output, nonce):
            break
    outcome.output, outcome.dropped = output.text, output.dropped
    return outcome

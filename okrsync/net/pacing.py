"""Waiting before a 429 rather than after it: `Retry-After` and JIRA's
`X-RateLimit-*` headers read, and the next request paced by them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from okrsync.net.deadline import Deadline


def retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: `Retry-After` (seconds or an HTTP date), else
    JIRA's `X-RateLimit-Reset` (an ISO 8601 time). None when it asked nothing readable."""
    if not headers:
        return None
    wall = time.time() if now is None else now
    value = (headers.get("Retry-After") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, when.timestamp() - wall)
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if reset:
        try:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - wall)
    return None


# ---------------------------------------------------------------- pacing


class Pacer:
    """Slows down before a 429 rather than after: when an answer says few requests are
    left in the current window (`X-RateLimit-Remaining`), the next request waits for the
    window to reset (`X-RateLimit-Reset`, or `Retry-After`), within the run's deadline.

    JIRA Cloud limits requests per second per site and endpoint (burst limits): a pull
    that paces itself meets no 429 and wastes no retries.
    """

    def __init__(self, *, below: int = 2, longest: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.below, self.longest = below, longest
        self.sleep, self.clock = sleep, clock
        self._resume_at = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0
        """Seconds spent waiting for a window to reset, for the record."""

    def observe(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A `requests` response hook: note how much of the window is left."""
        headers = getattr(response, "headers", None) or {}
        remaining = (headers.get("X-RateLimit-Remaining") or "").strip()
        if remaining.isdigit() and int(remaining) < self.below:
            wait = retry_after(headers, now=self.clock())
            if wait is None:
                wait = 1.0
            with self._lock:
                self._resume_at = max(self._resume_at,
                                      self.clock() + min(wait, self.longest))
        return response

    def wait(self, deadline: Deadline | None = None) -> None:
        """Before a request: wait until the window has reset (never past `deadline`)."""
        with self._lock:
            pause = self._resume_at - self.clock()
        if deadline is not None:
            pause = min(pause, deadline.remaining())
        if pause > 0:
            self.waited += pause
            self.sleep(pause)

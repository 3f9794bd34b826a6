"""The whole run's time limit (`--max-seconds`): every retry loop and every request
respects it."""

from __future__ import annotations

import time
from collections.abc import Callable

from okrsync.i18n import Words, fragment, seconds


class Deadline:
    """The whole run's time limit: a monotonic end time that every retry loop and every
    request respects (a request's timeout is min(its timeout, the time left))."""

    def __init__(self, limit: float, *, label: str = "the run's time limit",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = float(limit)
        self.label = label
        self.clock = clock
        self.end = clock() + self.limit

    @classmethod
    def after(cls, limit: float, *, label: str = "the run's time limit",
              clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(limit, label=label, clock=clock)

    def remaining(self) -> float:
        return max(0.0, self.end - self.clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def cap(self, timeout: float) -> float:
        """`timeout`, shortened to the time left."""
        return min(timeout, self.remaining())

    def __str__(self) -> str:
        return self.text()

    def text(self, t: Words | None = None) -> str:
        """`--max-seconds (5.0 s)`, in `t`'s language (default: the person's)."""
        return f"{fragment(self.label, t)} ({seconds(self.limit, t)})"

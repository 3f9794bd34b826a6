"""One retry policy for Google Sheets, JIRA and the alert webhook (`RetryPolicy`).

Answers 429, 500, 502, 503 and 504 are retried with exponential backoff and jitter,
honoring the server's `Retry-After` (seconds or an HTTP date) and JIRA's
`X-RateLimit-Reset`, for at most the configured `max_retry_seconds`, never sleeping past
it nor past the run's `Deadline`. A timeout or a dropped connection is retried only
where the caller says the request is safe to repeat (reads); a write whose answer was
lost is never sent twice. When the policy gives up it says what happened: "JIRA
answered HTTP 503 three times over 12 s while searching; gave up: ...".

Retries wait with the run's sleep and measure with its clock (`waiting`): real time,
unless the run was handed others (a test's fake clock).
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from okrsync.i18n import Words, _, fragment, seconds, times
from okrsync.net.deadline import Deadline

T = TypeVar("T")

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers that mean the request was not applied and may be sent again."""


@dataclass(frozen=True)
class Waits:
    """How the retries of a run wait: `sleep`, and the monotonic `clock` that measures
    how long they have taken. Real time, unless the run was handed other ones (`waiting`)."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


REAL_TIME = Waits()
_waits: ContextVar[Waits | None] = ContextVar("okrsync_waits", default=None)


def run_waits() -> Waits:
    """The current run's sleep and clock (see `waiting`)."""
    return _waits.get() or REAL_TIME


@contextlib.contextmanager
def waiting(sleep: Callable[[float], None], clock: Callable[[], float]) -> Iterator[Waits]:
    """Within the block, a retry that is not given its own sleep and clock (the Google
    backend's, the alert webhook's) waits with `sleep` and measures with `clock`: a test
    hands a fake clock to a whole command this way, and the backoff it asks for is
    recorded instead of slept."""
    waits = Waits(sleep, clock)
    token = _waits.set(waits)
    try:
        yield waits
    finally:
        _waits.reset(token)


@dataclass(frozen=True)
class Failure:
    """One failed attempt, as a `classify` function reads the error.

    `said` completes "<service> …", in English: "answered HTTP 503", "did not answer in
    time"; `text` says it in any language. `wait` is what the server asked (Retry-After).
    `lost` marks a timeout or a dropped connection: those are tried at most
    `RetryPolicy.lost_tries` times. `timeout` is the time limit that was passed, if any.
    """

    said: str
    wait: float | None = None
    lost: bool = False
    status: int | None = None
    timeout: float | None = None

    def text(self, t: Words | None = None) -> str:
        """`said` in `t`'s language (default: the person's)."""
        t = t or _
        if answered := _ANSWERED.fullmatch(self.said):
            return t("answered HTTP {status}").format(status=answered[1])
        if self.timeout is not None:
            return t("did not answer in time (timeout {seconds})").format(
                seconds=t("{seconds} s").format(seconds=f"{self.timeout:g}"))
        return fragment(self.said, t)


_ANSWERED = re.compile(r"answered HTTP (\d+)")


class GaveUp(Exception):
    """The policy stopped retrying. `str()` says what happened, honestly, in the person's
    language; `text(t)` says it in another (a KR's problem is in the sheet's)."""

    def __init__(self, message: str, failure: Failure, attempts: int, elapsed: float,
                 error: BaseException, *, detail: str = "",
                 compose: Callable[[Words], str] | None = None,
                 service: str = "") -> None:
        super().__init__(message)
        self.failure, self.attempts, self.elapsed, self.error = failure, attempts, elapsed, error
        self.detail = detail or message
        """The message without the service's name in front (for a place that names it)."""
        self._compose = compose
        self._service = service

    def text(self, t: Words) -> str:
        """The message in `t`'s language."""
        if self._compose is None:
            return str(self)
        return t("{service} {detail}").format(service=fragment(self._service, t),
                                              detail=self._compose(t))

    def detail_text(self, t: Words) -> str:
        """`detail` (no service's name in front) in `t`'s language."""
        return self.detail if self._compose is None else self._compose(t)


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry a failed request and how long to wait, for one service.

    `max_seconds` bounds the time spent retrying (the config's `max_retry_seconds`);
    waits grow from `first_wait` by doubling up to `cap`, each multiplied by a random
    factor within `jitter`; a Retry-After is honored as asked (never shortened), and
    one that would pass `max_seconds` ends the retries at once. `max_tries` bounds the
    attempts of any kind, `lost_tries` those that timed out or lost their connection.
    """

    max_seconds: float
    first_wait: float = 1.0
    cap: float = 30.0
    jitter: tuple[float, float] = (0.8, 1.2)
    service: str = "the server"
    setting: str = "max_retry_seconds"
    max_tries: int | None = None
    lost_tries: int = 3
    sleep: Callable[[float], None] | None = field(default=None, compare=False, repr=False)
    """How to wait between tries; None: the run's (`waiting`), real time by default."""
    clock: Callable[[], float] | None = field(default=None, compare=False, repr=False)
    """The monotonic clock that times the tries; None: the run's, like `sleep`."""

    @classmethod
    def for_budget(cls, max_seconds: float, **kwargs: Any) -> RetryPolicy:
        """A policy whose first wait is at most a 60th of the budget (and at most 1 s),
        so that a short budget still gets several tries."""
        first = min(1.0, max(0.001, max_seconds / 60))
        return cls(max_seconds, first_wait=first, **kwargs)

    def wait(self, attempt: int, asked: float | None, rng: Callable[[], float]) -> float:
        """The pause before retry number `attempt` (1-based)."""
        low, high = self.jitter
        if asked is not None:
            return asked * (1 + (max(high, 1.0) - 1) * rng())
        backoff = min(self.cap, self.first_wait * 2 ** (attempt - 1))
        return backoff * (low + (high - low) * rng())

    def run(
        self,
        send: Callable[[], T],
        classify: Callable[[BaseException], Failure | None],
        what: str,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        deadline: Deadline | None = None,
        rng: Callable[[], float] = random.random,
    ) -> T:
        """`send()` until it answers, retrying what `classify` calls a Failure.

        An error `classify` returns None for is raised as it is. When retrying would
        pass `max_seconds`, the run's deadline, `max_tries` or `lost_tries`, GaveUp is
        raised with what happened. `sleep` and `clock` default to the policy's, else the
        run's (`waiting`; real time unless a caller handed other ones).
        """
        waits = run_waits()
        sleep = sleep or self.sleep or waits.sleep
        clock = clock or self.clock or waits.clock
        start = clock()
        budget_end = start + self.max_seconds
        attempts = 0
        lost = 0
        seen: dict[Failure, int] = {}
        last: Failure | None = None
        error: BaseException | None = None
        while True:
            if deadline is not None and deadline.expired and last is not None:
                assert error is not None
                raise self._gave_up(what, last, attempts, clock() - start, error, seen,
                                    _reached(deadline))
            attempts += 1
            try:
                return send()
            except BaseException as caught:  # noqa: BLE001 (classify decides)
                failure = classify(caught)
                if failure is None:
                    raise
                error, last = caught, failure
            assert error is not None
            seen[failure] = seen.get(failure, 0) + 1
            lost += failure.lost
            elapsed = clock() - start
            if self.max_tries is not None and attempts >= self.max_tries:
                raise self._gave_up(what, failure, attempts, elapsed, error, seen, None)
            if failure.lost and lost >= self.lost_tries:
                raise self._gave_up(what, failure, attempts, elapsed, error, seen, None)
            pause = self.wait(attempts, failure.wait, rng)
            end = budget_end if deadline is None else min(budget_end, deadline.end)
            if clock() + pause > end:
                why: Callable[[Words], str]
                asked = failure.wait is not None and clock() + failure.wait > budget_end
                if failure.wait is not None and asked:
                    why = self._asked_too_long(failure.wait, max(0.0, budget_end - clock()),
                                               attempts == 1)
                elif deadline is not None and deadline.end < budget_end:
                    why = _reached(deadline)
                else:
                    why = self._too_long()
                raise self._gave_up(what, failure, attempts, elapsed, error, seen, why,
                                    asked=asked)
            sleep(pause)

    def _asked_too_long(self, wait: float, left: float, first: bool
                        ) -> Callable[[Words], str]:
        """Why: the server asked for a wait past `max_seconds` (or past what is left)."""
        def why(t: Words) -> str:
            setting = fragment(self.setting, t)
            if first:
                return t("Retry-After asked for {wait} s, more than {setting} "
                         "({limit})").format(wait=f"{wait:g}", setting=setting,
                                             limit=f"{self.max_seconds:g}")
            return t("Retry-After asked for {wait} s, more than the {left} left of "
                     "{setting} ({limit})").format(wait=f"{wait:g}", left=seconds(left, t),
                                                   setting=setting,
                                                   limit=f"{self.max_seconds:g}")
        return why

    def _too_long(self) -> Callable[[Words], str]:
        def why(t: Words) -> str:
            return t("retrying longer would pass {setting} ({limit})").format(
                setting=fragment(self.setting, t), limit=f"{self.max_seconds:g}")
        return why

    def _gave_up(self, what: str, failure: Failure, attempts: int, elapsed: float,
                 error: BaseException, seen: Mapping[Failure, int],
                 why: Callable[[Words], str] | None, *, asked: bool = False) -> GaveUp:
        """`asked`: the server asked for a wait past the budget (Retry-After)."""
        retried_after = attempts == 1 and asked and why is not None

        def compose(t: Words) -> str:
            doing = fragment(what, t)
            if retried_after:
                assert why is not None
                return t("{said} while {what}; gave up after {elapsed} without retrying: "
                         "{why}").format(said=failure.text(t), what=doing,
                                         elapsed=seconds(elapsed, t), why=why(t))
            answered = _ANSWERED.fullmatch(failure.said)
            if len(seen) == 1 and attempts > 1 and answered:
                said = t("kept answering HTTP {status} ({times} over {elapsed})").format(
                    status=answered[1], times=times(attempts, t),
                    elapsed=seconds(elapsed, t))
            else:
                said = t("{what_happened} over {elapsed}").format(
                    what_happened=", ".join(
                        t("{said} {times}").format(said=seen_failure.text(t),
                                                   times=times(count, t))
                        for seen_failure, count in _by_said(seen).items()),
                    elapsed=seconds(elapsed, t))
            if why is None:
                return t("{said} while {what}; gave up").format(said=said, what=doing)
            return t("{said} while {what}; gave up: {why}").format(said=said, what=doing,
                                                                  why=why(t))

        detail = compose(_)
        return GaveUp(_("{service} {detail}").format(service=fragment(self.service),
                                                     detail=detail),
                      failure, attempts, elapsed, error, detail=detail, compose=compose,
                      service=self.service)


def _by_said(seen: Mapping[Failure, int]) -> dict[Failure, int]:
    """The failures seen, counted by what they said (one wait or another is the same)."""
    counted: dict[str, tuple[Failure, int]] = {}
    for failure, count in seen.items():
        first, before = counted.get(failure.said, (failure, 0))
        counted[failure.said] = (first, before + count)
    return dict(counted.values())


def _reached(deadline: Deadline) -> Callable[[Words], str]:
    def why(t: Words) -> str:
        return t("{deadline} is reached").format(deadline=deadline.text(t))
    return why

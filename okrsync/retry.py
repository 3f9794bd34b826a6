"""How long okrsync waits, and how it retries, for every server it talks to.

One policy for Google Sheets, JIRA and the alert webhook (`RetryPolicy`): answers 429,
500, 502, 503 and 504 are retried with exponential backoff and jitter, honoring the
server's `Retry-After` (seconds or an HTTP date) and JIRA's `X-RateLimit-Reset`, for at
most the configured `max_retry_seconds`, never sleeping past it nor past the run's
`Deadline`. A timeout or a dropped connection is retried only where the caller says the
request is safe to repeat (reads); a write whose answer was lost is never sent twice.
When the policy gives up it says what happened: "JIRA answered HTTP 503 three times over
12 s while searching; gave up: ...".

Each request also has a total time limit (`TimedAdapter`): a server that trickles its
answer a byte at a time cannot hold a pull longer than `timeout` seconds per request,
whatever the per-read socket timeout would allow.
"""

from __future__ import annotations

import contextlib
import heapq
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from okrsync.i18n import Words, _

T = TypeVar("T")

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers that mean the request was not applied and may be sent again."""

def times(count: int, t: Words | None = None) -> str:
    """`three times`, in `t`'s language (default: the person's)."""
    t = t or _
    counts = {1: t("once"), 2: t("twice"), 3: t("three times")}
    return counts.get(count) or t("{count} times").format(count=count)


def seconds(value: float, t: Words | None = None) -> str:
    """12 s, 0.8 s: a duration as a person reads it, in `t`'s language."""
    shown = f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    t = t or _
    return t("{seconds} s").format(seconds=shown)


def fragment(text: str, t: Words | None = None) -> str:
    """A fixed part of a message that callers give in English (what a request does, a
    service, a setting, a secret: `searching`, `the alert webhook`), in `t`'s language
    (default: the person's). Text not listed here (`JIRA`, `--max-seconds`) stays as it is.

    Callers name requests in English so that one failure can be told in two languages:
    the person's on the command line, the sheet's in a KR's problem."""
    t = t or _
    known = {
        # what a request does: "… while searching"
        "connecting": t("connecting"),
        "searching": t("searching"),
        "counting": t("counting"),
        "reading the field list": t("reading the field list"),
        "reading a filter": t("reading a filter"),
        "reading the statuses": t("reading the statuses"),
        "reading the projects": t("reading the projects"),
        "finding issues by key": t("finding issues by key"),
        "checking changed issues": t("checking changed issues"),
        "posting": t("posting"),
        "reading the sheet": t("reading the sheet"),
        "reading the spreadsheet's tabs": t("reading the spreadsheet's tabs"),
        "reading the change log": t("reading the change log"),
        "writing to the sheet": t("writing to the sheet"),
        "checking the sheet before writing": t("checking the sheet before writing"),
        "creating the dashboard tab": t("creating the dashboard tab"),
        "refreshing the saved Google token": t("refreshing the saved Google token"),
        # services, settings and time limits
        "the server": t("the server"),
        "the alert webhook": t("the alert webhook"),
        "the webhook's retry time": t("the webhook's retry time"),
        "the run's time limit": t("the run's time limit"),
        # secrets that must not cross the network unencrypted
        "the JIRA token": t("the JIRA token"),
        "the Google access token": t("the Google access token"),
        # what a failed attempt said
        "refused the connection": t("refused the connection"),
        "dropped the connection": t("dropped the connection"),
        "did not answer in time": t("did not answer in time"),
    }
    return known.get(text, text)


# ---------------------------------------------------------------- the run's deadline


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


# ---------------------------------------------------------------- Retry-After


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


# ---------------------------------------------------------------- how a run waits


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


# ---------------------------------------------------------------- the policy


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


# ---------------------------------------------------------------- what went wrong


def _chain(error: BaseException) -> list[BaseException]:
    """The error, its causes and the reasons urllib3 wraps inside requests' errors."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        item = todo.pop()
        if item is None or any(item is seen for seen in found) or len(found) > 20:
            continue
        found.append(item)
        reason = getattr(item, "reason", None)
        todo += [item.__cause__, item.__context__,
                 reason if isinstance(reason, BaseException) else None]
        todo += [arg for arg in getattr(item, "args", ()) if isinstance(arg, BaseException)]
    return found


def network_problem(error: BaseException) -> str | None:
    """'dns' when the host name did not resolve, 'tls' when the TLS handshake or the
    certificate failed, 'refused' when nothing listens; None otherwise."""
    import ssl

    from urllib3.exceptions import NameResolutionError

    chain = _chain(error)
    if any(isinstance(e, NameResolutionError | socket.gaierror) for e in chain):
        return "dns"
    if any(isinstance(e, ssl.SSLError | requests.exceptions.SSLError) for e in chain):
        return "tls"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused"
    return None


def lost_connection(error: BaseException, timeout: float) -> Failure:
    """A timeout or a lost connection, as a Failure to retry (reads only)."""
    if isinstance(error, requests.Timeout):
        return Failure(f"did not answer in time (timeout {timeout:g} s)", lost=True,
                       timeout=timeout)
    if network_problem(error) == "refused":
        return Failure("refused the connection", lost=True)
    return Failure("dropped the connection", lost=True)


def never_sent(error: BaseException) -> bool:
    """Whether the request surely never reached the server (no connection was made), so
    that even a write may be sent again."""
    from urllib3.exceptions import NewConnectionError

    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    return any(isinstance(e, NewConnectionError | ConnectionRefusedError)
               for e in _chain(error))


# ---------------------------------------------------------------- a total time per request


class RequestTooSlow(requests.exceptions.ReadTimeout):
    """The whole request (connecting, sending, the answer's headers and body) took longer
    than its time limit: a slow or trickling server, or the run's deadline."""


_current = threading.local()


IDLE_WATCHDOG = 0.5
"""Seconds the watchdog thread waits for another request before it ends."""


class _Watchdog:
    """One thread that cuts the connections of requests whose time is up: a request
    registers its watch with its end time, and a late answer finds its connection cut.
    (A thread per request would cost a thread start for each of a pull's hundreds of
    requests.) The thread ends after `idle` seconds without a watched request."""

    def __init__(self, idle: float = IDLE_WATCHDOG) -> None:
        self.idle = idle
        self._due: list[tuple[float, int, _Watch]] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._count = 0
        self._closed = False

    def schedule(self, watch: _Watch, limit: float) -> None:
        with self._wake:
            self._count += 1
            heapq.heappush(self._due, (time.monotonic() + limit, self._count, watch))
            if self._thread is None or not self._thread.is_alive():
                self._closed = False
                self._thread = threading.Thread(target=self._run, name="okrsync-watchdog",
                                                daemon=True)
                self._thread.start()
            self._wake.notify()

    def done(self) -> None:
        """A watched request ended: let the thread drop it (and end when idle)."""
        with self._wake:
            self._wake.notify()

    def close(self, wait: float = 5.0) -> None:
        """End the thread now (waiting at most `wait` seconds for it), dropping the
        watches of requests still running: their reads keep their own time limits."""
        with self._wake:
            self._due.clear()
            self._closed = True
            thread = self._thread
            self._wake.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    def _run(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                while self._due and (self._due[0][0] <= now or self._due[0][2].stopped):
                    _, _, watch = heapq.heappop(self._due)
                    if not watch.stopped:
                        watch.fire()
                if not self._due:  # idle: wait a little for more (unless closed), then end
                    if not self._closed:
                        self._wake.wait(self.idle)
                    if not self._due:
                        self._thread = None
                        return
                    continue
                self._wake.wait(self._due[0][0] - now)


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def own_watchdog(idle: float = IDLE_WATCHDOG) -> Iterator[_Watchdog]:
    """Within the block, requests are watched by a watchdog of their own, closed when
    the block ends (its thread ended, its watches dropped): a test, or a program that
    runs okrsync several times, keeps no watchdog thread or watch from one run to the
    next. A single run (the command line) needs none: it has the process's."""
    global _WATCHDOG
    previous, _WATCHDOG = _WATCHDOG, _Watchdog(idle)
    try:
        yield _WATCHDOG
    finally:
        mine, _WATCHDOG = _WATCHDOG, previous
        mine.close()


class _Watch:
    """Cuts the connection of one request when its time is up."""

    def __init__(self, limit: float) -> None:
        self.fired = False
        self.stopped = False
        self.limit = limit
        self._conn: Any = None
        self._lock = threading.Lock()
        self._watchdog = _WATCHDOG

    def start(self) -> None:
        self._watchdog = _WATCHDOG
        self._watchdog.schedule(self, self.limit)

    def stop(self) -> None:
        with self._lock:
            self._conn = None
            self.stopped = True
        self._watchdog.done()

    def claim(self, conn: Any) -> None:
        with self._lock:
            self._conn = conn
            conn._okrsync_watch = self
            if self.fired:
                _cut(conn)

    def fire(self) -> None:
        with self._lock:
            if self.stopped:
                return
            self.fired = True
            conn = self._conn
            if conn is not None and getattr(conn, "_okrsync_watch", None) is self:
                _cut(conn)


def _cut(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    sock = getattr(sock, "socket", sock)  # urllib3's TLS-in-TLS transport wraps one
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _claim(conn: Any) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.claim(conn)


class _Watched:
    """A connection that tells the current request's watch it is the one to cut."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        _claim(self)
        super().request(*args, **kwargs)  # type: ignore[misc]

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _claim(self)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class TimedAdapter(HTTPAdapter):
    """A requests transport adapter that limits each request's total time.

    The limit is `timeout` (or the caller's shorter timeout), shortened to what is left
    of the run's `deadline`. Connecting and each read wait at most that long, and a
    watchdog cuts the connection when the whole request (a trickling answer included)
    passes it; the caller then gets RequestTooSlow, a requests Timeout.
    """

    def __init__(self, timeout: float, deadline: Deadline | None = None) -> None:
        super().__init__(max_retries=0)
        self.timeout = float(timeout)
        self.deadline = deadline

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager

    def limit(self, timeout: Any = None) -> float:
        limit = self.timeout
        asked = [t for t in (timeout if isinstance(timeout, tuple) else (timeout,))
                 if isinstance(t, int | float)]
        if asked:
            limit = min(limit, max(asked))
        if self.deadline is not None:
            limit = self.deadline.cap(limit)
        return limit

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        limit = self.limit(timeout)
        if limit <= 0:
            assert self.deadline is not None
            raise RequestTooSlow(_("{deadline} is reached").format(deadline=self.deadline),
                                 request=request)
        watch = _Watch(limit)
        previous = getattr(_current, "watch", None)
        _current.watch = watch
        watch.start()
        try:
            response = super().send(request, stream=True, timeout=(limit, limit),
                                    verify=verify, cert=cert, proxies=proxies)
            if not stream:
                _body = response.content  # the body is read under the watch too
        except Exception as error:
            if watch.fired:
                raise RequestTooSlow(_("the answer took longer than {seconds}").format(
                    seconds=seconds(limit)), request=request) from error
            raise
        finally:
            watch.stop()
            _current.watch = previous
        return response


def timed_session(session: requests.Session, timeout: float,
                  deadline: Deadline | None = None) -> requests.Session:
    """`session`, sending every request through a TimedAdapter."""
    adapter = TimedAdapter(timeout, deadline)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# ---------------------------------------------------------------- plain http


_LOOPBACK = ("localhost", "::1")


def is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower()
    if host in _LOOPBACK or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_plain_http(url: str, key: str, allow_http: bool, secret: str) -> None:
    """Refuse an http:// URL to another machine unless the config allows it: `secret`
    (the token) would cross the network unencrypted. `key` names the setting, e.g.
    "[jira] server"; the `allow_http` key lives in the same section."""
    from urllib.parse import urlsplit

    from okrsync.errors import ConfigError
    from okrsync.redact import redact_url

    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or allow_http or is_loopback(parts.hostname or ""):
        return
    section = key.split("]")[0] + "]"
    raise ConfigError(_(
        "{key} is {url}, plain http: {secret} would travel unencrypted to {host}. Use "
        "https://, or, on a network you trust, set {section} allow_http = true").format(
        key=key, url=redact_url(url), secret=fragment(secret), host=parts.hostname,
        section=section))

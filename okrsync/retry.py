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
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

T = TypeVar("T")

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers that mean the request was not applied and may be sent again."""

_COUNTS = {1: "once", 2: "twice", 3: "three times"}


def times(count: int) -> str:
    return _COUNTS.get(count, f"{count} times")


def seconds(value: float) -> str:
    """12 s, 0.8 s: a duration as a person reads it."""
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


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
        return f"{self.label} ({seconds(self.limit)})"


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


# ---------------------------------------------------------------- the policy


@dataclass(frozen=True)
class Failure:
    """One failed attempt, as a `classify` function reads the error.

    `said` completes "<service> …": "answered HTTP 503", "did not answer in time".
    `wait` is what the server asked (Retry-After). `lost` marks a timeout or a dropped
    connection: those are tried at most `RetryPolicy.lost_tries` times.
    """

    said: str
    wait: float | None = None
    lost: bool = False
    status: int | None = None


class GaveUp(Exception):
    """The policy stopped retrying. `str()` says what happened, honestly."""

    def __init__(self, message: str, failure: Failure, attempts: int, elapsed: float,
                 error: BaseException, *, detail: str = "") -> None:
        super().__init__(message)
        self.failure, self.attempts, self.elapsed, self.error = failure, attempts, elapsed, error
        self.detail = detail or message
        """The message without the service's name in front (for a place that names it)."""


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
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        deadline: Deadline | None = None,
        rng: Callable[[], float] = random.random,
    ) -> T:
        """`send()` until it answers, retrying what `classify` calls a Failure.

        An error `classify` returns None for is raised as it is. When retrying would
        pass `max_seconds`, the run's deadline, `max_tries` or `lost_tries`, GaveUp is
        raised with what happened.
        """
        start = clock()
        budget_end = start + self.max_seconds
        attempts = 0
        lost = 0
        seen: dict[str, int] = {}
        last: Failure | None = None
        error: BaseException | None = None
        while True:
            if deadline is not None and deadline.expired and last is not None:
                assert error is not None
                raise self._gave_up(what, last, attempts, clock() - start, error, seen,
                                    f"{deadline} is reached")
            attempts += 1
            try:
                return send()
            except BaseException as caught:  # noqa: BLE001 (classify decides)
                failure = classify(caught)
                if failure is None:
                    raise
                error, last = caught, failure
            assert error is not None
            seen[failure.said] = seen.get(failure.said, 0) + 1
            lost += failure.lost
            elapsed = clock() - start
            if self.max_tries is not None and attempts >= self.max_tries:
                raise self._gave_up(what, failure, attempts, elapsed, error, seen, None)
            if failure.lost and lost >= self.lost_tries:
                raise self._gave_up(what, failure, attempts, elapsed, error, seen, None)
            pause = self.wait(attempts, failure.wait, rng)
            end = budget_end if deadline is None else min(budget_end, deadline.end)
            if clock() + pause > end:
                if failure.wait is not None and clock() + failure.wait > budget_end:
                    left = max(0.0, budget_end - clock())
                    why = (f"Retry-After asked for {failure.wait:g} s, more than "
                           + (f"{self.setting} ({self.max_seconds:g})" if attempts == 1
                              else f"the {seconds(left)} left of {self.setting} "
                                   f"({self.max_seconds:g})"))
                elif deadline is not None and deadline.end < budget_end:
                    why = f"{deadline} is reached"
                else:
                    why = f"retrying longer would pass {self.setting} ({self.max_seconds:g})"
                raise self._gave_up(what, failure, attempts, elapsed, error, seen, why)
            sleep(pause)

    def _gave_up(self, what: str, failure: Failure, attempts: int, elapsed: float,
                 error: BaseException, seen: Mapping[str, int], why: str | None) -> GaveUp:
        if attempts == 1 and why and why.startswith("Retry-After"):
            detail = (f"{failure.said} while {what}; gave up after {seconds(elapsed)} "
                      f"without retrying: {why}")
        else:
            if len(seen) == 1 and attempts > 1 and failure.said.startswith("answered "):
                said = (f"kept answering {failure.said.removeprefix('answered ')} "
                        f"({times(attempts)} over {seconds(elapsed)})")
            else:
                said = ", ".join(f"{said} {times(count)}" for said, count in seen.items())
                said += f" over {seconds(elapsed)}"
            detail = f"{said} while {what}; gave up"
            if why:
                detail += f": {why}"
        return GaveUp(f"{self.service} {detail}", failure, attempts, elapsed, error,
                      detail=detail)


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
        return Failure(f"did not answer in time (timeout {timeout:g} s)", lost=True)
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


class _Watch:
    """Cuts the connection of one request when its time is up."""

    def __init__(self, limit: float) -> None:
        self.fired = False
        self._conn: Any = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(limit, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        with self._lock:
            self._conn = None
        self._timer.cancel()

    def claim(self, conn: Any) -> None:
        with self._lock:
            self._conn = conn
            conn._okrsync_watch = self
            if self.fired:
                _cut(conn)

    def _fire(self) -> None:
        with self._lock:
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


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _claim(self)
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _claim(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _claim(self)
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _claim(self)
        return super().getresponse(*args, **kwargs)


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
            raise RequestTooSlow(f"{self.deadline} is reached", request=request)
        watch = _Watch(limit)
        previous = getattr(_current, "watch", None)
        _current.watch = watch
        watch.start()
        try:
            response = super().send(request, stream=True, timeout=(limit, limit),
                                    verify=verify, cert=cert, proxies=proxies)
            if not stream:
                _ = response.content  # the body is read under the watch too
        except Exception as error:
            if watch.fired:
                raise RequestTooSlow(f"the answer took longer than {seconds(limit)}",
                                     request=request) from error
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
    raise ConfigError(
        f"{key} is {redact_url(url)}, plain http: {secret} would travel unencrypted to "
        f"{parts.hostname}. Use https://, or, on a network you trust, set "
        f"{section} allow_http = true"
    )

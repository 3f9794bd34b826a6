"""A total time per request (`TimedAdapter`): a server that trickles its answer a byte
at a time cannot hold a pull longer than `timeout` seconds per request, whatever the
per-read socket timeout would allow. One watchdog thread cuts the requests that run
past their time."""

from __future__ import annotations

import contextlib
import heapq
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from okrsync.i18n import _, seconds
from okrsync.net.deadline import Deadline


class RequestTooSlow(requests.exceptions.ReadTimeout):
    """The whole request (connecting, sending, the answer's headers and body) took longer
    than its time limit: a slow or trickling server, or the run's deadline."""


_current = threading.local()


BODY_CHUNK = 1 << 20
"""An answer's body is read in pieces of up to this many bytes (requests reads 10 KB at
a time): a search page of 100 issues comes in one read, not five."""

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
        self._running = 0
        """Watched requests not yet ended."""
        self._closed = False

    def schedule(self, watch: _Watch, limit: float) -> None:
        with self._wake:
            self._count += 1
            self._running += 1
            due = time.monotonic() + limit
            sooner = not self._due or due < self._due[0][0]
            heapq.heappush(self._due, (due, self._count, watch))
            if self._thread is None or not self._thread.is_alive():
                self._closed = False
                self._thread = threading.Thread(target=self._run, name="okrsync-watchdog",
                                                daemon=True)
                self._thread.start()
            elif sooner:  # otherwise the thread already wakes in time for it
                self._wake.notify()

    def done(self) -> None:
        """A watched request ended. Its watch is dropped when the thread next wakes; once
        no request is running the thread is woken to drop them all and end when idle.
        (Waking it for every request would cost each of hundreds a thread switch.)"""
        with self._wake:
            self._running -= 1
            if self._running <= 0:
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


def current_watchdog() -> _Watchdog:
    """The watchdog that cuts the requests started now."""
    return _WATCHDOG


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

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        """The Response to urllib3's answer, as requests builds it, except for a copy of
        the answer's cookies into a jar of the response's own (`response.cookies`), which
        nothing here reads: the session takes them into its jar itself (`Session.send`),
        and parsing them twice cost a search page 4% of its CPU."""
        response = requests.Response()
        response.status_code = resp.status
        response.headers = CaseInsensitiveDict(resp.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url.decode() if isinstance(req.url, bytes) else str(req.url)
        response.request = req
        response.connection = self
        return response

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
            if not stream:  # the body is read under the watch too, as `content` reads it
                response._content = b"".join(response.iter_content(BODY_CHUNK)) or b""
                response._content_consumed = True
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
                  deadline: Deadline | None = None, *, site: str | None = None
                  ) -> requests.Session:
    """`session`, sending every request through a TimedAdapter.

    With `site`, every request of the session goes to that one site: the environment's
    proxy (`https_proxy`, `no_proxy`…) and certificate bundle (`REQUESTS_CA_BUNDLE`) are
    read for it once, as `requests` would otherwise read them on every request (a first
    pull sends hundreds). A `.netrc` entry then no longer replaces the session's token.
    """
    adapter = TimedAdapter(timeout, deadline)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if site is not None and session.trust_env:
        from requests.utils import get_environ_proxies

        for scheme, proxy in get_environ_proxies(site).items():
            session.proxies.setdefault(scheme, proxy)
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and session.verify is True:
            session.verify = bundle
        session.trust_env = False
    return session

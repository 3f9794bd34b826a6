"""What every local stand-in server shares: a threaded HTTP server on 127.0.0.1 that
records requests and can inject latency and faulty answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


class HttpError(Exception):
    """An answer other than 200: status, JSON body, extra headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass
class Fault:
    """Answer `status` (with `body` and `headers`) instead of serving, `times` times,
    to requests whose path contains `match` (and whose method is `method`, if set);
    `delay` seconds first. `times=-1` is forever; status 0 drops the connection. A `body`
    given as bytes is sent as it is (JSON no encoder would write).
    `trickle` sends the answer's body one byte every `trickle` seconds (headers at once),
    as a slow or hostile server does; the stand-in stops when the client hangs up."""

    status: int
    times: int = 1
    match: str = ""
    method: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    trickle: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, list[str]]
    body: Any
    size: int = 0
    """The body's length in bytes, as sent."""
    headers: dict[str, str] = field(default_factory=dict)


def _json_bytes(body: Any) -> bytes:
    """JSON as Google and Atlassian send it: UTF-8, and text that UTF-8 cannot carry (a
    lone surrogate a cell can hold) as a \\u escape."""
    try:
        return json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(body).encode()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer (a timeout, a cut trickle) is what the test
        wanted, not an error to print."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class StandIn:
    """Subclasses implement `route(method, path, params, headers, body) -> JSON`."""

    def answer_headers(self, path: str) -> dict[str, str]:
        """Headers sent with every answer that is not a fault (rate-limit headers, say)."""
        return {}

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.trickled = 0
        """Body bytes sent so far by trickling faults."""
        self.hooks: dict[int, Callable[[Any], None]] = {}
        """Run before answering the recorded request with this 1-based number."""
        self.path_hooks: list[tuple[str, Callable[[Any], None]]] = []
        """(match, hook): each runs once, before answering the first recorded request
        whose path `matches_path(match, …)`; see `before()`."""
        self.lock = threading.RLock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # serve_forever looks for shutdown() every poll interval: a hundredth of a second,
        # not its default half, since every stand-in is stopped at the end of its test.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def recorded(self, raw_path: str) -> bool:
        """Whether a request to this path counts as an API request (not e.g. a token)."""
        return True

    def fault_body(self, fault: Fault) -> Any:
        return fault.body

    def matches_path(self, match: str, path: str) -> bool:
        """Whether a fault's or hook's `match` selects a request to `path`: it is in the
        path (stand-ins may read some matches more narrowly)."""
        return match in path

    def fault_matches(self, fault: Fault, path: str) -> bool:
        """Whether `fault` answers a request to `path`."""
        return self.matches_path(fault.match, path)

    def before(self, match: str, hook: Callable[[Any], None]) -> None:
        """Run `hook(self)` once, just before answering the first request whose path
        `match` selects (whatever number that request has)."""
        with self.lock:
            self.path_hooks.append((match, hook))

    def route(self, method: str, path: str, params: dict[str, list[str]],
              headers: dict[str, str], body: Any) -> Any:
        raise NotImplementedError

    def _serve(self, method: str, target: str, headers: dict[str, str], raw: bytes
               ) -> tuple[int, Any, dict[str, str], float]:
        url = urlsplit(target)
        path = unquote(url.path)
        params = parse_qs(url.query, keep_blank_values=True)
        content_type = headers.get("Content-Type") or headers.get("content-type") or ""
        if raw and "json" in content_type or raw[:1] in (b"{", b"["):
            try:
                body: Any = json.loads(raw)
            except ValueError:
                return 400, {"error": "malformed JSON"}, {}, 0.0
        else:
            body = raw.decode() if raw else None
        if self.recorded(path):
            with self.lock:
                self.requests.append(Recorded(method, path, params, body, len(raw), headers))
                hook = self.hooks.pop(len(self.requests), None)
                due = [entry for entry in self.path_hooks
                       if self.matches_path(entry[0], path)]
                self.path_hooks = [entry for entry in self.path_hooks if entry not in due]
            if hook:
                hook(self)
            for _, path_hook in due:
                path_hook(self)
            if self.latency:
                time.sleep(self.latency)
            with self.lock:
                fault = next((f for f in self.faults if f.times != 0
                              and self.fault_matches(f, path) and f.method in ("", method)),
                             None)
                if fault is not None and fault.times > 0:
                    fault.times -= 1
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.status == 0:
                    return 0, None, {}, 0.0
                return fault.status, self.fault_body(fault), fault.headers, fault.trickle
        try:
            return 200, self.route(method, path, params, headers, body), self.answer_headers(
                path), 0.0
        except HttpError as error:
            return error.status, error.body, error.headers, 0.0

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: with Nagle's algorithm the body waits
            # for the client's delayed ACK of the headers, up to 40 ms per answer.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _go(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, extra, trickle = stand_in._serve(
                    method, self.path, dict(self.headers), raw)
                if status == 0:  # drop the connection mid-answer
                    self.close_connection = True
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")
                    return
                data = (b"" if body is None else body if isinstance(body, bytes)
                        else _json_bytes(body))  # bytes: a hostile server's answer, as is
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                if not trickle:
                    self.wfile.write(data)
                    return
                self.close_connection = True
                try:
                    for index in range(len(data)):
                        self.wfile.write(data[index:index + 1])
                        self.wfile.flush()
                        with stand_in.lock:
                            stand_in.trickled += 1
                        time.sleep(trickle)
                except OSError:  # the client hung up: what a trickle should end in
                    pass

            def do_GET(self) -> None:  # noqa: N802
                self._go("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._go("POST")

            def do_PUT(self) -> None:  # noqa: N802
                self._go("PUT")

        return Handler

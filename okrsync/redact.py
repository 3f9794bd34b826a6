"""Secrets never leave okrsync: not in what it prints, logs, posts or writes to a sheet.

Every secret okrsync handles (the JIRA token, the webhook URL, OAuth tokens) is
registered here when it is read, in every form it can take on the wire: as is, in
HTTP Basic's base64 of `email:token`, URL-encoded. `scrub` removes them, and anything
shaped like a credential (an `Authorization:` header, a password inside a URL), from
a text before it goes anywhere.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()

_HEADER = re.compile(r"(?i)\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key)"
                     r"(\s*[:=]\s*)[^\r\n,;]*")
_SCHEME = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{16,}")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")


def register(secret: str | None, *, user: str | None = None) -> None:
    """Remember a secret (and, with `user`, the Basic credentials it makes) to scrub."""
    if not secret or len(secret) < 4:
        return
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    if user:
        pair = f"{user}:{secret}"
        forms |= {pair, quote(pair, safe=""), base64.b64encode(pair.encode()).decode()}
    forms.add(base64.b64encode(secret.encode()).decode())
    with _lock:
        _secrets.update(form for form in forms if len(form) >= 4)


def forget_all() -> None:
    """For tests: start from no registered secrets."""
    with _lock:
        _secrets.clear()


@contextmanager
def isolated() -> Iterator[None]:
    """Within the block, no secret registered before it is known, and none registered in
    it is kept after: each test (or each run of a program that runs okrsync several
    times) starts from none, and the registry does not grow from one to the next. A
    single run (the command line) needs none: the process ends with it."""
    with _lock:
        before = set(_secrets)
        _secrets.clear()
    try:
        yield
    finally:
        with _lock:
            _secrets.clear()
            _secrets.update(before)


def scrub(text: str) -> str:
    """`text` without any registered secret or credential-shaped part."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _HEADER.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    text = _SCHEME.sub(lambda m: f"{m[1]} {MASK}", text)
    return _USERINFO.sub(lambda m: f"{m[1]}{MASK}@", text)


def redact_url(url: str) -> str:
    """A URL as it may be shown: no user name or password, no query (it may hold a key)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))

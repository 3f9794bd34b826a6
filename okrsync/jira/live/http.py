"""Talking to JIRA: one client of the `jira` library with okrsync's time limits, pacing
and retry policy; every failure becomes one of three public errors.

- `JiraRefused`: JIRA answered with an error of its own (400, 404, 500…) — a KR's
  search fails with JIRA's words; where nothing can go on without the answer, the run
  stops.
- `JiraUnavailable`: JIRA did not answer in time, or kept answering 429/5xx — the KRs
  that need it fail.
- `SourceError` (exit 3): the credentials were refused, or JIRA cannot be reached at
  all (DNS, TLS, connection refused) — the run stops, nothing is written.

Answers 429, 500, 502, 503 and 504 are retried (okrsync.net's policy, for `[jira]
max_retry_seconds`); so are timeouts and dropped connections, since everything okrsync
asks JIRA is a read, safe to repeat.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import msgspec
import requests
from jira import JIRA, JIRAError
from jira.resilientsession import raise_on_error

from okrsync.core.text import clean
from okrsync.errors import SourceError
from okrsync.i18n import _, _s, fragment
from okrsync.net.deadline import Deadline
from okrsync.net.failures import lost_connection, network_problem
from okrsync.net.pacing import Pacer, retry_after
from okrsync.net.policy import RETRIED_STATUSES, Failure, GaveUp, RetryPolicy
from okrsync.net.watchdog import timed_session
from okrsync.redact import redact_url, scrub

T = TypeVar("T")

MESSAGE_CHARS = 300
"""JIRA's own words are shown up to this length."""


def jira_policy(max_retry_seconds: float) -> RetryPolicy:
    return RetryPolicy.for_budget(max_retry_seconds, cap=30.0, jitter=(0.9, 1.1),
                                  service="JIRA", setting="[jira] max_retry_seconds")


class JiraUnavailable(SourceError):
    """JIRA did not answer one request in time, or kept answering 429/5xx."""

    def __init__(self, message: str, detail: str, problem: str = "") -> None:
        super().__init__(message)
        self.detail = detail
        """Without "JIRA" in front: a KR's problem is already shown as "JIRA: …"."""
        self.problem = problem or detail
        """`detail` in the sheet's language, for a KR's problem (shown as "JIRA: …")."""


class JiraRefused(SourceError):
    """JIRA answered a request with an error of its own (400, 404, 500…)."""

    def __init__(self, status: int, message: str, what: str,
                 messages: tuple[str, ...] = ()) -> None:
        super().__init__(_("JIRA refused {what} (HTTP {status}): {message}").format(
            what=fragment(what), status=status, message=message))
        self.status, self.message = status, message
        self.messages = messages
        """JIRA's `errorMessages`, one by one (cleaned, each bounded)."""
        self.problem = _s("JIRA refused {what} (HTTP {status}): {message}").format(
            what=fragment(what, _s), status=status, message=message)
        """The message in the sheet's language, for a KR's problem."""


def bounded(text: str) -> str:
    """JIRA's words as okrsync shows them: on one line, without control characters or
    secrets, at most MESSAGE_CHARS long."""
    text = scrub(clean(text, one_line=True))
    if len(text) > MESSAGE_CHARS:
        text = text[:MESSAGE_CHARS - 1] + "…"
    return scrub(text)


def error_messages(error: JIRAError) -> tuple[str, ...]:
    """JIRA's own words from {"errorMessages": [...], "errors": {...}}, each on one line,
    bounded, without control characters or secrets. Never the raw body or any header: a
    proxy's error page may echo the request's credentials."""
    messages: list[str] = []
    response = error.response
    if response is not None:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            listed = body.get("errorMessages")
            if isinstance(listed, list):
                messages += [str(m) for m in listed if m]
            elif isinstance(listed, str) and listed:
                messages.append(listed)
            fields = body.get("errors")
            if isinstance(fields, dict):
                messages += [f"{k}: {v}" for k, v in fields.items()]
    return tuple(bounded(m) for m in messages)


def jira_message(error: JIRAError) -> str:
    """JIRA's own words on one line, at most MESSAGE_CHARS long."""
    text = "; ".join(error_messages(error)) or _s("HTTP {status} without a JIRA message").format(
        status=error.status_code or "?")
    return bounded(text)


class _Unreadable(Exception):
    """An answer okrsync cannot take: nested past any sense (`deep`), not JSON, or JSON of
    another shape than JIRA gives to the request (`shape`, where it went wrong)."""

    def __init__(self, *, deep: bool = False, shape: str = "") -> None:
        super().__init__("nested too deep" if deep else shape or "not JSON")
        self.deep, self.shape = deep, shape

    def said(self, what: str, t: Callable[[str], str]) -> str:
        """What went wrong while `what`, in `t`'s language."""
        if self.deep:
            text = t("JIRA's answer while {what} could not be read (nested too deep)")
        elif self.shape:
            text = t("JIRA's answer while {what} could not be read (not the answer JIRA "
                     "gives to it: {shape})")
        else:
            text = t("JIRA's answer while {what} could not be read (not JSON)")
        return text.format(what=fragment(what, t), shape=bounded(self.shape))


class JiraHttp:
    """Every request okrsync sends to one JIRA site goes through `call`."""

    def __init__(self, client: JIRA, *, server: str, user: str, policy: RetryPolicy,
                 timeout: float, pacer: Pacer, sleep: Callable[[float], None],
                 clock: Callable[[], float], deadline: Deadline | None = None) -> None:
        self.client = client
        self.server = server.rstrip("/")
        self.shown = redact_url(self.server)
        """The server as messages show it: no user name, password or query."""
        self.user = user
        self.policy, self.timeout, self.pacer = policy, timeout, pacer
        self.sleep, self.clock, self.deadline = sleep, clock, deadline
        self._posts: dict[str, tuple[tuple[Any, ...], requests.PreparedRequest,
                                     dict[str, Any]]] = {}
        """By URL: what the session was, its POST prepared then, how it sends it (`post`)."""

    @staticmethod
    def client_for(server: str, version: str, auth: Mapping[str, Any], timeout: float,
                   deadline: Deadline | None, pacer: Pacer) -> JIRA:
        """A `jira` client whose every request has okrsync's time limits and pacing;
        nothing is sent yet. Its own retries are off: okrsync's policy retries."""
        client = JIRA(options={"server": server, "rest_api_version": version},
                      get_server_info=False, max_retries=0, timeout=timeout, validate=False,
                      **auth)
        timed_session(client._session, timeout, deadline, site=server)
        client._session.hooks["response"].append(pacer.observe)
        return client

    def close(self) -> None:
        self.client.close()

    # -- requests

    def call(self, send: Callable[[], T], what: str) -> T:
        """Send one request under the retry policy; every failure becomes a public error."""

        def paced() -> T:
            self.pacer.wait(self.deadline)
            try:
                return send()
            except RecursionError:  # how msgspec says it is nested too deep
                raise _Unreadable(deep=True) from None
            except msgspec.ValidationError as error:  # JSON, but not a search's answer
                raise _Unreadable(shape=str(error)) from None
            except (msgspec.DecodeError, json.JSONDecodeError):
                raise _Unreadable() from None

        try:
            return self.policy.run(paced, self._classify, what, sleep=self.sleep,
                                   clock=self.clock, deadline=self.deadline)
        except GaveUp as gave_up:
            if isinstance(gave_up.error, requests.RequestException) and not isinstance(
                    gave_up.error, requests.Timeout):
                raise SourceError(_("cannot reach JIRA at {server}: {problem}; nothing was "
                                    "written.").format(server=self.shown, problem=gave_up)
                                  ) from None
            raise JiraUnavailable(str(gave_up), gave_up.detail,
                                  gave_up.detail_text(_s)) from None
        except JIRAError as error:
            status = error.status_code or 0
            if status in (401, 403):
                raise SourceError(_(
                    "JIRA at {server} refused {user} (HTTP {status}) while {what}: check [jira] "
                    "email/auth and the token; nothing was written.").format(
                    server=self.shown, user=self.user, status=status, what=fragment(what))
                ) from None
            raise JiraRefused(status, jira_message(error), what,
                              error_messages(error)) from None
        except _Unreadable as error:  # not worth asking again: the KRs that need it fail
            raise JiraUnavailable(error.said(what, _), error.said(what, str),
                                  error.said(what, _s)) from None
        except requests.RequestException as error:
            raise self._unreachable(error, what) from None

    def get(self, path: str, params: Mapping[str, Any] | None, what: str) -> Any:
        """GET a REST resource (`status`, `project/search`) as JSON."""
        url = self.client._get_url(path)
        session = self.client._session
        return self.call(lambda: msgspec.json.decode(
            session.get(url, params=dict(params or {})).content), what)

    def post(self, path: str, body: Mapping[str, Any], what: str,
             decode: Callable[[bytes], T] = msgspec.json.decode) -> T:
        """POST a JSON body to the REST API, as is (the `jira` library would rename fields
        such as `id` after the site's clause names), and `decode` the answer (a search's
        decoder keeps only what okrsync reads): a first pull decodes tens of thousands of
        issues.

        A first pull also sends hundreds of searches to the same path: the request is
        prepared once (the session's headers, token and hooks, as the `jira` session
        prepares it; prepared again should any of them change), and each search sends a
        copy with its own body and the session's cookies of the moment; an answer other
        than 2xx raises JIRAError, as the `jira` session does.

        A redirect is never followed: on a 301, 302 or 303 a client asks the new address
        with a GET and no body, and on Server / DC such a GET of `/search` answers a page
        of every issue, which would be counted as the search's. The run stops instead,
        saying where JIRA went."""
        session = self.client._session
        url = self.client._get_url(path)
        state = (session, session.auth, tuple(session.headers.items()),
                 tuple(session.hooks["response"]))
        known = self._posts.get(url)
        if known is None or known[0] != state:
            prepared = session.prepare_request(requests.Request("POST", url, data=b"{}"))
            prepared.headers.pop("Cookie", None)
            known = self._posts[url] = state, prepared, session.merge_environment_settings(
                url, {}, None, session.verify, None)
        _, template, settings = known

        def send() -> T:
            request = template.copy()
            request.prepare_body(msgspec.json.encode(body), None)
            request.prepare_cookies(session.cookies)
            response = session.send(request, timeout=self.timeout, allow_redirects=False,
                                    **settings)
            if response.is_redirect:
                raise self._moved(response, what)
            raise_on_error(response)
            return decode(response.content)

        return self.call(send, what)

    def _moved(self, response: requests.Response, what: str) -> SourceError:
        location = redact_url(urljoin(response.url or self.server,
                                      response.headers.get("Location", "")))
        return SourceError(_(
            "JIRA at {server} answered by sending okrsync to {location} (HTTP {status}) while "
            "{what}: set [jira] server to the address JIRA has now; nothing was written."
        ).format(server=self.shown, location=location, status=response.status_code,
                 what=fragment(what)))

    def _classify(self, error: BaseException) -> Failure | None:
        if isinstance(error, JIRAError):
            status = error.status_code or 0
            if status in RETRIED_STATUSES:
                headers = error.response.headers if error.response is not None else None
                return Failure(f"answered HTTP {status}", wait=retry_after(headers),
                               status=status)
            return None
        if isinstance(error, requests.RequestException):
            if network_problem(error) in ("dns", "tls"):
                return None
            return lost_connection(error, self.timeout)  # reads are safe to repeat
        return None

    def _unreachable(self, error: requests.RequestException, what: str) -> SourceError:
        problem = network_problem(error)
        host = urlsplit(self.shown).netloc or self.shown
        if problem == "dns":
            return SourceError(_(
                "cannot find JIRA at {server}: the name {host} did not resolve (DNS). Check "
                "[jira] server and the network; nothing was written.").format(
                server=self.shown, host=urlsplit(self.server).hostname))
        if problem == "tls":
            return SourceError(_(
                "the TLS connection to JIRA at {host} failed while {what} (certificate or "
                "handshake: for a server with a private certificate authority, set "
                "REQUESTS_CA_BUNDLE to its certificate); nothing was written.").format(
                host=host, what=fragment(what)))
        return SourceError(_("cannot reach JIRA at {server} while {what} ({error}); nothing "
                             "was written.").format(server=self.shown, what=fragment(what),
                                                    error=error.__class__.__name__))

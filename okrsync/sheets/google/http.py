"""Talking to the Sheets API: the routed, time-limited session, the retry policy, and
Google's errors turned into messages a PM can act on.

429 and 5xx answers mean the request was not applied: always retried (okrsync.net's
policy, for `[google] max_retry_seconds`). A broken connection or a timeout is retried
only for reads: a write may have been applied before the connection broke, so it is
reported instead (the next pull writes whatever is still missing). Only a write whose
connection was never made is sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError

from okrsync.core.text import clean
from okrsync.errors import SourceError
from okrsync.i18n import _, fragment
from okrsync.net.deadline import Deadline
from okrsync.net.failures import lost_connection, network_problem, never_sent
from okrsync.net.pacing import retry_after
from okrsync.net.policy import RETRIED_STATUSES, Failure, GaveUp, RetryPolicy
from okrsync.net.watchdog import RequestTooSlow, timed_session
from okrsync.redact import redact_url, scrub
from okrsync.sheets.google.auth import refresh_failure, register_credentials, token_request
from okrsync.sheets.google.cells import encode_body
from okrsync.sheets.refs import SpreadsheetRef

GOOGLE_SHEETS = "https://sheets.googleapis.com"
T = TypeVar("T")


class RoutedSession(AuthorizedSession):
    """An authorized session that sends Sheets API requests to another base URL, each
    request limited in total time (and by the run's deadline), token requests too."""

    def __init__(self, credentials: Credentials, endpoint: str, *, timeout: float = 60.0,
                 deadline: Deadline | None = None) -> None:
        self._token_request = token_request(timeout, deadline)
        super().__init__(credentials, auth_request=self._token_request)
        self.endpoint = endpoint.rstrip("/")
        timed_session(self, timeout, deadline)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if url.startswith(GOOGLE_SHEETS) and self.endpoint != GOOGLE_SHEETS:
            url = self.endpoint + url[len(GOOGLE_SHEETS):]
        if kwargs.get("json") is not None and kwargs.get("data") is None:
            # gspread hands bodies to requests, whose stdlib encoder is slow for a whole
            # sheet's cells (a pull's cell writes come encoded already, as `batches`).
            kwargs["data"] = encode_body(kwargs.pop("json"))
            kwargs["headers"] = {**(kwargs.get("headers") or {}),
                                 "Content-Type": "application/json"}
        try:
            return super().request(method, url, *args, **kwargs)
        finally:
            register_credentials(self.credentials)  # a refreshed access token is a secret

    def close(self) -> None:
        super().close()
        self._token_request.session.close()


def google_policy(max_retry_seconds: float) -> RetryPolicy:
    return RetryPolicy.for_budget(max_retry_seconds, cap=64.0, jitter=(0.75, 1.25),
                                  service="Google Sheets",
                                  setting="[google] max_retry_seconds")


def api_message(error: APIError) -> str:
    """Google's own message, bounded, with control characters and secrets removed."""
    try:
        text = str(error.response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        text = error.response.text
    return scrub(clean(text[:300], one_line=True)).strip() or _("no message")


def _status(error: APIError) -> int:
    return int(error.response.status_code)


class SheetsHttp:
    """Sends one Sheets request at a time under the retry policy; explains failures.

    Retries wait with `sleep` and are timed by `clock`: by default the run's
    (okrsync.net.waiting; real time unless the caller handed other ones)."""

    def __init__(self, ref: SpreadsheetRef, endpoint: str, account: str | None,
                 policy: RetryPolicy, *, timeout: float,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] | None = None,
                 deadline: Deadline | None = None) -> None:
        self.ref, self.endpoint, self.account = ref, endpoint.rstrip("/"), account
        self.policy, self.timeout = policy, timeout
        self.sleep, self.clock, self.deadline = sleep, clock, deadline

    @property
    def host(self) -> str:
        return urlsplit(redact_url(self.endpoint)).netloc or redact_url(self.endpoint)

    def call(self, what: str, send: Callable[[], T], *, idempotent: bool = True,
             bad_request_raises: bool = False) -> T:
        """Send one request, retrying what is safe to retry, for a bounded time."""

        def classify(error: BaseException) -> Failure | None:
            if isinstance(error, APIError):
                status = _status(error)
                if status in RETRIED_STATUSES or (
                        status == 403 and "rateLimitExceeded" in error.response.text):
                    return Failure(f"answered HTTP {status}",
                                   wait=retry_after(error.response.headers), status=status)
                return None
            if isinstance(error, RefreshError):
                return None
            if isinstance(error, requests.RequestException | TransportError):
                if network_problem(error) in ("dns", "tls"):
                    return None
                if not idempotent and not never_sent(error):
                    return None
                return lost_connection(error, self.timeout)
            return None

        try:
            return self.policy.run(send, classify, what, sleep=self.sleep, clock=self.clock,
                                   deadline=self.deadline)
        except GaveUp as gave_up:
            raise self._gave_up(gave_up, what) from None
        except APIError as error:
            if bad_request_raises and _status(error) == 400:
                raise
            raise self.explain(error, what) from None
        except RefreshError as error:
            raise refresh_failure(error, what) from None
        except (requests.RequestException, TransportError) as error:
            raise self._connection(error, what, idempotent) from None

    def _gave_up(self, gave_up: GaveUp, what: str) -> SourceError:
        failure = gave_up.failure
        if failure.status == 429:
            return SourceError(_(
                "Google Sheets quota exceeded: {problem}. The quota is per minute; nothing "
                "was written; run again in a few minutes.").format(problem=gave_up))
        if failure.lost:
            return SourceError(_("cannot reach Google Sheets at {host}: {problem}; nothing "
                                 "was written.").format(host=self.host, problem=gave_up))
        return SourceError(_("{problem}; nothing was written. Try again later.").format(
            problem=gave_up))

    def _connection(self, error: Exception, what: str, idempotent: bool) -> SourceError:
        problem = network_problem(error)
        if isinstance(error, TransportError) and not isinstance(error, RequestTooSlow):
            return refresh_failure(error, what)
        doing = fragment(what)
        if problem == "dns":
            return SourceError(_(
                "cannot find Google Sheets at {host} while {what}: the name did not resolve "
                "(DNS). Check the network, or [google] api_endpoint; nothing was "
                "written.").format(host=self.host, what=doing))
        if problem == "tls":
            return SourceError(_(
                "the TLS connection to Google Sheets at {host} failed while {what} "
                "(certificate or handshake; a proxy that intercepts TLS needs its certificate "
                "in REQUESTS_CA_BUNDLE); nothing was written.").format(host=self.host,
                                                                       what=doing))
        if not idempotent:
            return SourceError(_(
                "the connection to Google Sheets broke while {what} ({error}), so the write "
                "may or may not have been applied. Run the pull again: it writes only what is "
                "still missing.").format(what=doing, error=error.__class__.__name__))
        return SourceError(_("cannot reach Google Sheets at {host} while {what} ({error}); "
                             "nothing was written.").format(
            host=self.host, what=doing, error=error.__class__.__name__))

    def explain(self, error: APIError, what: str) -> SourceError:
        status = _status(error)
        message = api_message(error)
        if status == 403:
            who = (_("the service account {account}").format(account=self.account)
                   if self.account else _("the Google account okrsync signs in with"))
            return SourceError(_(
                "no access to spreadsheet {id}: share it with {who} as Editor (Share → add "
                "the address → Editor).").format(id=self.ref.id, who=who))
        if status == 404:
            return SourceError(_(
                "spreadsheet {id} not found: check [sheet] spreadsheet (the id is the part of "
                "the URL after /d/).").format(id=self.ref.id))
        if status == 401:
            return SourceError(_("Google rejected the credentials while {what}: "
                                 "{message}").format(what=fragment(what), message=message))
        return SourceError(_("Google Sheets refused {what} (HTTP {status}): {message}").format(
            what=fragment(what), status=status, message=message))

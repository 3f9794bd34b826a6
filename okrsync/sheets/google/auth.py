"""Signing in to Google: a service-account key, the user's own account (OAuth, with a
token cache), or Application Default Credentials.

Every secret met here is registered with okrsync.redact as soon as it is read (the
service account's private key, the OAuth refresh token, client secret and access
token), so no message, log line or sheet cell can carry it. The token cache is written
readable by its owner only, and a cache others can read is warned about.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError

from okrsync.errors import ConfigError, SourceError, warn_if_readable_by_others
from okrsync.i18n import _, fragment
from okrsync.net.deadline import Deadline
from okrsync.net.failures import network_problem
from okrsync.net.watchdog import timed_session
from okrsync.redact import register

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
"""The OAuth token cache's file name, in okrsync's config folder."""
REFRESH_TIMEOUT = 30.0


def load_credentials(setting: str, base: Path, oauth_client: Path | None, *,
                     token_cache: Path, interactive: bool, timeout: float = REFRESH_TIMEOUT,
                     deadline: Deadline | None = None) -> Credentials:
    """`[google] credentials`: a service-account key file, `oauth` or `adc`.

    `token_cache` is where `oauth` keeps its token; `interactive` says whether a person
    can sign in in a browser now (never under cron).
    """
    if setting == "adc":
        import google.auth

        try:
            credentials, _project = google.auth.default(scopes=SCOPES)
        except GoogleAuthError as error:
            raise SourceError(_(
                "no Application Default Credentials found: run `gcloud auth "
                "application-default login`, or set [google] credentials to a service-account "
                "key file ({error})").format(error=error.__class__.__name__)) from None
        register_credentials(credentials)
        return credentials
    if setting == "oauth":
        return oauth_credentials(oauth_client, token_cache=token_cache,
                                 interactive=interactive, timeout=timeout, deadline=deadline)
    path = Path(setting).expanduser()
    path = path if path.is_absolute() else base / path
    return service_account_credentials(path)


def register_credentials(credentials: Any) -> None:
    """Register every secret the credentials hold (and the current access token)."""
    for name in ("token", "refresh_token", "client_secret", "_refresh_token",
                 "_client_secret"):
        value = getattr(credentials, name, None)
        if isinstance(value, str):
            register(value)


def service_account_credentials(path: Path) -> Credentials:
    from google.oauth2 import service_account

    from okrsync.files import FileRefused, read_small_file

    try:
        info = json.loads(read_small_file(path).decode("utf-8"))
        warn_if_readable_by_others(path, _("the service-account key"))
    except FileNotFoundError:
        raise SourceError(_("[google] credentials: key file {path} does not exist").format(
            path=path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, FileRefused):
        raise SourceError(_(
            "[google] credentials: {path} is not a JSON key file (download one from Google "
            "Cloud → IAM → Service accounts → Keys)").format(path=path)) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise SourceError(_(
            "[google] credentials: {path} is not a service-account key (its \"type\" is not "
            "\"service_account\")").format(path=path))
    key = info.get("private_key")
    if isinstance(key, str):
        register(key)
        for line in key.splitlines():
            if len(line) >= 16 and not line.startswith("-----"):
                register(line)
    register(info.get("private_key_id") if isinstance(info.get("private_key_id"), str)
             else None)
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    except (ValueError, KeyError) as error:
        field = str(error).split(":")[0]
        raise SourceError(_(
            "[google] credentials: the key file {path} is incomplete or damaged "
            "({field})").format(path=path, field=field)) from None


def token_request(timeout: float, deadline: Deadline | None = None) -> Any:
    """A google-auth transport for token requests, with okrsync's time limits."""
    from google.auth.transport.requests import Request

    return Request(timed_session(requests.Session(), timeout, deadline))


def refresh_failure(error: Exception, during: str) -> SourceError:
    """A token refresh that failed, said plainly: no network, or Google said no."""
    if isinstance(error, TransportError):
        problem = network_problem(error)
        why = {"dns": _("the name oauth2.googleapis.com did not resolve (DNS)"),
               "tls": _("the TLS connection failed (a proxy that intercepts TLS? set "
                        "REQUESTS_CA_BUNDLE to its certificate)"),
               "refused": _("the connection was refused")}.get(
            problem or "", _("the network failed or timed out"))
        return SourceError(_(
            "cannot reach Google's sign-in service to get an access token while {what}: "
            "{why}. Nothing was written; check the network (or proxy) and run again.").format(
            what=fragment(during), why=why))
    return SourceError(_(
        "Google rejected the credentials while {what}: {message}. Check [google] credentials "
        "(a revoked or deleted key? for oauth, run `okrsync check` in a terminal to sign in "
        "again).").format(what=fragment(during), message=_first_line(error)))


def oauth_credentials(client_file: Path | None, *, token_cache: Path, interactive: bool,
                      timeout: float = REFRESH_TIMEOUT,
                      deadline: Deadline | None = None) -> Credentials:
    """The user's own Google account: the cached token, refreshed; else a browser
    sign-in when `interactive`."""
    from google.oauth2.credentials import Credentials as UserCredentials

    cache = token_cache
    if cache.exists():
        warn_if_readable_by_others(cache, _("the Google token cache (it holds a refresh "
                                            "token)"))
        try:
            credentials = UserCredentials.from_authorized_user_file(str(cache), SCOPES)
        except (ValueError, OSError, UnicodeDecodeError):
            credentials = None  # damaged: sign in again
        if credentials is not None:
            register_credentials(credentials)
            if credentials.valid:
                return credentials
            if credentials.refresh_token:
                try:
                    credentials.refresh(token_request(timeout, deadline))
                except TransportError as error:
                    raise refresh_failure(error, "refreshing the saved Google token") from None
                except RefreshError:
                    pass  # revoked or expired for good: sign in again
                else:
                    register_credentials(credentials)
                    save_token(cache, credentials.to_json())
                    return credentials
    if not interactive:
        raise SourceError(_(
            "Google sign-in is needed, but this run has no terminal to ask on (cron?). Run "
            "`okrsync check` once in a terminal to sign in; the token is then kept in {cache} "
            "and reused").format(cache=cache))
    if client_file is None:
        raise ConfigError(_(
            "[google] oauth_client: set it to the OAuth client file (client_secret_….json) "
            "from Google Cloud → APIs & Services → Credentials"))
    from google_auth_oauthlib.flow import InstalledAppFlow

    warn_if_readable_by_others(client_file, _("the OAuth client file (it holds a client "
                                              "secret)"))
    flow = InstalledAppFlow.from_client_secrets_file(str(client_file), SCOPES)
    register((flow.client_config or {}).get("client_secret"))
    credentials = flow.run_local_server(port=0, open_browser=True)
    register_credentials(credentials)
    save_token(cache, credentials.to_json())
    return credentials


def save_token(path: Path, text: str) -> None:
    """Write the token cache readable by its owner only, even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            descriptor = -1
            file.write(text)
        os.replace(temporary, path)
    finally:
        if descriptor != -1:
            os.close(descriptor)
        if temporary.exists():
            temporary.unlink()


def account_of(credentials: Credentials) -> str | None:
    """The account that must be given access to the sheet, when known."""
    email = getattr(credentials, "service_account_email", None)
    return str(email) if email else None


def _first_line(error: Exception) -> str:
    from okrsync.core.text import clean
    from okrsync.redact import scrub

    text = str(error.args[0]) if error.args else str(error)
    lines = text.splitlines() or [""]
    return scrub(clean(lines[0][:200], one_line=True))

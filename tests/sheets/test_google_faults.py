"""The Google Sheets backend when the network or Google misbehaves, through the real
gspread and google-auth against the stand-in: trickling answers, plain http, DNS and TLS
failures, errors that echo the access token, the OAuth token cache."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.config import load_config
from okrsync.redact import forget_all
from okrsync.sheets.google import save_token
from okrsync.workspace import sheet_lock
from tests.helpers import GOOGLE_BOOK, google_dashboard
from tests.standins.base import Fault
from tests.standins.sheets import SheetsStandIn

runner = CliRunner()
TAB = "2024 OKR"


def pull(config: Path, *args: str):
    return runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20", *args])


def _set(config: Path, old: str, new: str) -> None:
    config.write_text(config.read_text().replace(old, new))


def test_a_trickling_read_stops_the_pull_within_the_timeout(tmp_path):
    with SheetsStandIn() as api:
        config = google_dashboard(api, tmp_path)
        _set(config, "max_retry_seconds = 2\n", "max_retry_seconds = 2\ntimeout = 0.3\n")
        before = api.values(GOOGLE_BOOK, TAB)
        body = {"sheets": [], "padding": "x" * 400}  # 20 s at a byte every 0.05 s
        api.faults.append(Fault(200, times=-1, method="GET", trickle=0.05, body=body))
        started = time.monotonic()
        result = pull(config)
        assert time.monotonic() - started < 5  # three tries of 0.3 s, and the rest of the run
        assert result.exit_code == 3, result.output
        assert "cannot reach Google Sheets at 127.0.0.1" in result.output
        assert "did not answer in time (timeout 0.3 s)" in result.output
        assert api.trickled < len(json.dumps(body)) / 2  # each answer was cut short
        assert api.values(GOOGLE_BOOK, TAB) == before and api.sheets_requests("POST") == []
    lock = sheet_lock(load_config(config))
    lock.acquire()  # nothing held
    lock.release()


def test_plain_http_to_another_machine_is_refused_unless_allowed(tmp_path):
    with SheetsStandIn() as api:
        config = google_dashboard(api, tmp_path)
        _set(config, f'api_endpoint = "{api.url}"', 'api_endpoint = "http://sheets.acme.invalid"')
        result = pull(config)
        assert result.exit_code == 2
        assert "[google] api_endpoint is http://sheets.acme.invalid, plain http" in result.output
        assert "set [google] allow_http = true" in result.output
        _set(config, "[google]\n", "[google]\nallow_http = true\n")
        result = pull(config)
    assert result.exit_code == 3  # allowed; then the name does not resolve, said as such
    assert "cannot find Google Sheets at sheets.acme.invalid" in result.output
    assert "did not resolve (DNS)" in result.output


def test_a_tls_failure_says_so(tmp_path):
    with SheetsStandIn() as api:
        config = google_dashboard(api, tmp_path)
        _set(config, f'api_endpoint = "{api.url}"',
             f'api_endpoint = "{api.url.replace("http://", "https://")}"')
        result = pull(config)
    assert result.exit_code == 3
    assert "the TLS connection to Google Sheets at 127.0.0.1" in result.output
    assert "unexpected" not in result.output


def test_an_error_echoing_the_access_token_is_shown_scrubbed_and_bounded(tmp_path):
    forget_all()
    with SheetsStandIn() as api:
        config = google_dashboard(api, tmp_path)
        seen: list[str] = []

        def echo(server: SheetsStandIn) -> None:
            token = next(iter(server.tokens))
            seen.append(token)
            page = (f"<html>Bad request\x1b[2J\r\nAuthorization: Bearer {token}\r\n"
                    f"access_token={token}" + " padding" * 100 + "</html>")
            server.faults.append(Fault(400, method="POST", body=page))

        api.hooks[4] = echo  # the write of a first pull (3 reads come before it)
        result = pull(config)
    assert result.exit_code == 3, result.output
    assert "Google Sheets refused writing to the sheet (HTTP 400)" in result.output
    assert seen and seen[0] not in result.output
    assert "\x1b" not in result.output
    error = next(line for line in result.output.splitlines() if "HTTP 400" in line)
    assert len(error) < 500


def _token_cache(home: Path, token_uri: str, mode: int) -> Path:
    cache = home / ".config" / "okrsync" / "google-token.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({
        "token": "ya29.cached-access-token", "refresh_token": "1//refresh-secret-value",
        "client_id": "123.apps.googleusercontent.com", "client_secret": "client-secret-value",
        "token_uri": token_uri, "scopes": ["https://www.googleapis.com/auth/spreadsheets"],
        "expiry": "2000-01-01T00:00:00Z"}))
    cache.chmod(mode)
    return cache


def test_an_oauth_refresh_that_cannot_reach_google_says_so(tmp_path, private_home):
    with SheetsStandIn() as api:
        config = google_dashboard(api, tmp_path)
        _set(config, 'credentials = "key.json"', 'credentials = "oauth"')
        with SheetsStandIn() as gone:
            closed = f"{gone.url}/token"
        _token_cache(private_home, closed, 0o644)
        result = pull(config)
    assert result.exit_code == 3, result.output
    assert "cannot reach Google's sign-in service to get an access token" in result.output
    assert "unexpected" not in result.output
    # The cache holds a refresh token: others being able to read it is warned about.
    assert "the Google token cache" in result.output and "chmod 600" in result.output
    for secret in ("1//refresh-secret-value", "client-secret-value", "ya29.cached"):
        assert secret not in result.output


def test_the_token_cache_is_written_readable_by_its_owner_only(tmp_path):
    old = os.umask(0)
    try:
        fresh = tmp_path / "okrsync" / "google-token.json"
        save_token(fresh, '{"token": "a"}')
        existing = tmp_path / "existing.json"
        existing.write_text("{}")
        existing.chmod(0o644)
        save_token(existing, '{"token": "b"}')
    finally:
        os.umask(old)
    for path, text in ((fresh, '{"token": "a"}'), (existing, '{"token": "b"}')):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.json", "okrsync"]


def test_a_proxy_from_the_environment_never_carries_the_access_token_in_clear(
        tmp_path, monkeypatch):
    with SheetsStandIn() as api:
        config = google_dashboard(api, tmp_path)
        before = api.values(GOOGLE_BOOK, TAB)
        for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp.invalid:8080")
        result = pull(config)
        assert result.exit_code == 2, result.output
        assert "[google] api_endpoint is http://127.0.0.1" in result.output
        assert "through the proxy http://proxy.corp.invalid:8080" in " ".join(
            result.output.split())
        assert api.requests == [] and api.values(GOOGLE_BOOK, TAB) == before

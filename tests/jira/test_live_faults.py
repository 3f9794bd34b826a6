"""The live JIRA source when the network or the server misbehaves, through the real jira
library against the stand-in: trickling answers, failures while connecting, errors that
echo the credentials, DNS and TLS failures, plain http, a password inside the URL."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.config import load_config
from okrsync.redact import forget_all
from okrsync.workspace import sheet_lock
from tests.helpers import EN_HEADER, make_workbook
from tests.standins.base import Fault, StandIn
from tests.standins.jira import JiraStandIn

runner = CliRunner()
EMAIL = "pm@acme.example"
TOKEN = "s3cr3t/T0K+EN=4f9a?&x"
"""A token with characters that URL-encoding changes, so every form differs."""
FORMS = {
    "plain": TOKEN,
    "basic": base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode(),
    "url-encoded": quote(TOKEN, safe=""),
    "form-encoded": quote_plus(TOKEN),
}


class Webhook(StandIn):
    """A chat webhook that records what it is sent."""

    def route(self, method, path, params, headers, body):
        return {"ok": True}


@pytest.fixture(params=["cloud", "server"])
def jira(request, monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", TOKEN)
    forget_all()
    with JiraStandIn(cloud=request.param == "cloud", email=EMAIL, token=TOKEN) as server:
        yield server


def _sheet(folder: Path, server: str, *, cloud: bool = True, webhook: str | None = None,
           **jira: object) -> Path:
    make_workbook(folder / "okr.xlsx", [
        EN_HEADER,
        ["Eng", "O", "Epic work", "", "0%", "100%", None, None, None, None, None, "EP-1"],
        ["Ops", "O", "Ops work", "", 0, 4, None, None, None, None, None, "labels = ops",
         "done_count"],
        ["Ops", "O", "Manual work", "", 0, 10, 3],  # no Q3 value: stale, an alert to post
    ])
    auth = f'email = "{EMAIL}"' if cloud else 'auth = "pat"'
    lines = ['[sheet]\nspreadsheet = "okr.xlsx"', "[jira]", f'server = "{server}"', auth,
             'token_env = "OKRSYNC_TEST_TOKEN"', "max_retry_seconds = 2"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in jira.items()]
    if webhook:
        lines += ["[alerts]", f'webhook = "{webhook}"', "stale_after_days = 0"]
    config = folder / "okrsync.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def _issues(jira: JiraStandIn) -> None:
    jira.add("EP-1", "indeterminate")
    for n in range(4):
        jira.add(f"ST-{n + 1}", "done" if n % 2 else "new", parent="EP-1")
        jira.add(f"OPS-{n + 1}", "done", labels=("ops",))


def pull(config: Path, *args: str):
    return runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20", *args])


def _nothing_held(config: Path) -> None:
    lock = sheet_lock(load_config(config))
    lock.acquire()  # the run let go of the sheet's lock
    lock.release()


def test_a_trickling_search_fails_its_krs_within_the_timeout(jira, tmp_path):
    _issues(jira)
    config = _sheet(tmp_path, jira.url, cloud=jira.cloud, timeout=0.3)
    body = {"issues": [], "padding": "x" * 400}
    jira.faults.append(Fault(200, times=-1, match="search", trickle=0.1, body=body))
    result = pull(config)
    assert result.exit_code == 1, result.output
    assert "did not answer in time (timeout 0.3 s)" in result.output
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value is None and sheet["I3"].value is None  # never half an answer
    # Each answer was cut after its 0.3 s: the server never got to send its body.
    assert jira.trickled < len(json.dumps(body)) / 2
    _nothing_held(config)


@pytest.mark.parametrize(
    ("fault", "said"),
    [(Fault(429, times=-1, match="serverInfo", headers={"Retry-After": "30"}),
      "JIRA answered HTTP 429 while connecting; gave up after"),
     (Fault(200, times=-1, match="serverInfo", trickle=0.1, body={"x": "y" * 100}),
      "JIRA did not answer in time (timeout 0.3 s)"),
     (Fault(503, times=-1, match="serverInfo"), "JIRA kept answering HTTP 503")],
    ids=["429", "trickle", "503"],
)
def test_a_failure_while_connecting_stops_the_run_with_its_own_message(jira, tmp_path, fault,
                                                                        said):
    _issues(jira)
    config = _sheet(tmp_path, jira.url, cloud=jira.cloud, timeout=0.3)
    before = (tmp_path / "okr.xlsx").read_bytes()
    jira.faults.append(fault)
    result = pull(config)
    assert result.exit_code == 3, result.output
    assert f"could not connect to JIRA at {jira.url}: {said}" in result.output
    assert "unexpected" not in result.output
    assert (tmp_path / "okr.xlsx").read_bytes() == before
    _nothing_held(config)


def _echo(status: int, jira: JiraStandIn) -> Fault:
    """An error whose body echoes the request's headers, as some proxies do."""
    auth = f"Basic {FORMS['basic']}" if jira.cloud else f"Bearer {TOKEN}"
    echoed = (f"Authorization: {auth}\r\nX-Token: {TOKEN}\r\nCookie: t={FORMS['url-encoded']}"
              f"\x1b[31m&token={FORMS['form-encoded']}")
    return Fault(status, times=-1, match="search", body={
        "errorMessages": [f"Bad request. You sent: {echoed}"],
        "errors": {"header": echoed}})


@pytest.mark.parametrize("status", [400, 500])
def test_the_token_appears_nowhere_when_jira_echoes_the_request(jira, tmp_path, status):
    _issues(jira)
    with Webhook() as hook:
        config = _sheet(tmp_path, jira.url, cloud=jira.cloud, webhook=f"{hook.url}/hooks/x")
        jira.faults.append(_echo(status, jira))
        result = pull(config)
        posts = [json.dumps(r.body, ensure_ascii=False) for r in hook.requests]
        connect_fault = _echo(status, jira)
        connect_fault.match = "serverInfo"
        jira.faults[:] = [connect_fault]
        at_connect = pull(config)
    assert result.exit_code == 1, result.output
    assert at_connect.exit_code == 3, at_connect.output
    assert posts, "the stale alerts were posted to the webhook"
    book = load_workbook(tmp_path / "okr.xlsx")
    cells = [str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows()
             for cell in row if cell.value is not None]
    assert any("JIRA" in c for c in cells)  # JIRA's words did land in the status cells
    everything = "\n".join([result.output, at_connect.output, *posts, *cells])
    for form, text in FORMS.items():
        assert text not in everything, form
    assert "\x1b" not in everything  # control characters never reach a terminal or cell
    for line in (result.output + at_connect.output).splitlines():
        assert len(line) < 700  # bounded: never a raw body or response headers
    assert "response headers" not in everything and "unexpected" not in everything


def test_a_password_in_the_server_url_is_never_shown(jira, tmp_path, monkeypatch):
    _issues(jira)
    server = jira.url.replace("http://", "http://alice:hunter2@")
    config = _sheet(tmp_path, server, cloud=jira.cloud)
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "a-wrong-token")
    result = pull(config)
    assert result.exit_code == 3
    assert f"JIRA at {jira.url} refused" in result.output
    assert "hunter2" not in result.output and "alice" not in result.output


def test_plain_http_to_another_machine_is_refused_unless_allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", TOKEN)
    config = _sheet(tmp_path, "http://jira.acme.invalid")
    result = pull(config)
    assert result.exit_code == 2
    assert "[jira] server is http://jira.acme.invalid, plain http" in result.output
    assert "set [jira] allow_http = true" in result.output
    allowed = _sheet(tmp_path, "http://jira.acme.invalid", allow_http=True)
    result = pull(allowed)
    # Allowed: it goes on, and the name does not resolve: said as such.
    assert result.exit_code == 3
    assert "cannot find JIRA at http://jira.acme.invalid: the name jira.acme.invalid did " \
           "not resolve (DNS)" in result.output


def test_a_tls_failure_says_so(jira, tmp_path):
    _issues(jira)
    config = _sheet(tmp_path, jira.url.replace("http://", "https://"), cloud=jira.cloud)
    result = pull(config)
    assert result.exit_code == 3
    assert "the TLS connection to JIRA at 127.0.0.1" in result.output
    assert "unexpected" not in result.output


def test_the_runs_deadline_bounds_every_request(jira, tmp_path):
    # A generous per-read timeout, a server that trickles, and --max-seconds 1: the run
    # gives up at its own deadline instead of reading a byte every 0.2 s for minutes.
    _issues(jira)
    config = _sheet(tmp_path, jira.url, cloud=jira.cloud, timeout=30)
    body = {"issues": [], "padding": "x" * 400}
    jira.faults.append(Fault(200, times=-1, match="search", trickle=0.2, body=body))
    result = pull(config, "--max-seconds", "1")
    assert result.exit_code == 1, result.output
    assert "--max-seconds" in result.output and "unexpected" not in result.output
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value is None and sheet["I3"].value is None
    assert jira.trickled < len(json.dumps(body)) / 2  # cut short, not read to the end
    _nothing_held(config)


def test_a_proxy_from_the_environment_never_carries_the_token_in_clear(jira, tmp_path,
                                                                       monkeypatch):
    """JIRA at a loopback http:// address, and http_proxy naming another machine: the
    requests would go to the proxy, token and all, unencrypted. Refused before anything
    is sent; with no_proxy naming the server, the pull goes straight to it."""
    _issues(jira)
    config = _sheet(tmp_path, jira.url, cloud=jira.cloud)
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", "http://proxy.corp.invalid:3128")
    result = pull(config)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"[jira] server is {jira.url}, plain http, and the environment sends it through " \
           "the proxy http://proxy.corp.invalid:3128 (http_proxy or all_proxy): the JIRA " \
           "token would travel unencrypted to proxy.corp.invalid. Use https://, add " \
           "127.0.0.1 to no_proxy" in text
    assert jira.requests == []
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value is None
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    assert pull(config).exit_code == 0


DEEP = b"[" * 200_000 + b"]" * 200_000


@pytest.mark.parametrize(("body", "said"), [
    (b'{"issues": [{"id": "1", "key": "A-1", "fields": {"status": ' + DEEP + b"}}]}",
     "could not be read (nested too deep)"),
    (b'{"junk": ' + DEEP + b', "issues": []}', "could not be read (nested too deep)"),
    (b'{"issues": ' + DEEP + b"}",
     "could not be read (not the answer JIRA gives to it: Expected `object`, got `array` - "
     "at `$.issues[0]`)"),
    (b'{"issues": [{"id": "1", "fields": {}}], "total": 1, "isLast": true}',
     "could not be read (not the answer JIRA gives to it: Object missing required field "
     "`key` - at `$.issues[0]`)"),
    (b'{"issues": null, "total": 0, "isLast": true}',
     "could not be read (not the answer JIRA gives to it: Expected `array`, got `null` - "
     "at `$.issues`)"),
], ids=["in-an-issue", "beside-the-issues", "issues-of-arrays", "an-issue-without-key",
        "issues-null"])
def test_an_answer_nested_past_any_sense_or_of_another_shape_fails_its_krs_not_the_run(
        jira, tmp_path, body, said):
    """A search answered with JSON nested 200,000 deep, or in a shape no search has (a
    broken proxy, a hostile server, an issue without a key): those KRs fail with a clear
    problem; the manual KR is still written."""
    _issues(jira)
    config = _sheet(tmp_path, jira.url, cloud=jira.cloud)
    jira.faults.append(Fault(200, times=-1, match="search", body=body))
    result = pull(config, "--log-format", "json")
    assert result.exit_code == 1, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    problems = {e["row"]: e["message"] for e in events if e["event"] == "problem"}
    assert set(problems) == {2, 3}
    for message in problems.values():
        assert f"JIRA's answer while searching {said}" in message
    assert "unexpected" not in result.output
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value is None and sheet["I3"].value is None
    assert sheet["K4"].value == pytest.approx(0.3)  # the manual KR: written


def test_a_server_page_without_its_total_fails_its_krs(tmp_path, monkeypatch):
    """Server / DC pages a search by `startAt` up to the answer's `total`: a page without
    one cannot say whether more follow. Reading on as if it were the last would count
    only the first page; those KRs fail instead."""
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", TOKEN)
    with JiraStandIn(cloud=False, email=EMAIL, token=TOKEN) as jira:
        _issues(jira)
        config = _sheet(tmp_path, jira.url, cloud=False)
        jira.faults.append(Fault(200, times=-1, match="search", body={
            "startAt": 0, "maxResults": 1000,
            "issues": [{"id": "10005", "key": "OPS-1", "fields": {}}]}))
        result = pull(config, "--log-format", "json")
    assert result.exit_code == 1, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    problems = {e["row"]: e["message"] for e in events if e["event"] == "problem"}
    assert set(problems) == {2, 3}
    assert "Object missing required field `total`" in problems[3]
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value is None and sheet["I3"].value is None

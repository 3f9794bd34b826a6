"""Running okrsync every week and every night: Andon, cron, history, undo, silos, init."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.config import load_config
from okrsync.workspace import sheet_lock
from tests.helpers import EN_HEADER, issue, make_workbook, team
from tests.standins.base import Fault, StandIn

runner = CliRunner()
AS_OF = ["--as-of", "2024-08-20"]


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


class Webhook(StandIn):
    """A chat webhook that records what it is sent."""

    def route(self, method, path, params, headers, body):
        return {"ok": True}


def test_andon_flags_a_kr_that_went_backwards_and_posts_to_the_webhook(tmp_path):
    with Webhook() as hook:
        config = team(tmp_path, 7, webhook=f"{hook.url}/hooks/okr", stale=90)
        first = run("pull", "-c", str(config), *AS_OF, "--fail-on", "regressed")
        assert first.exit_code == 0 and "Andon" not in first.output
        config = team(tmp_path, 3, webhook=f"{hook.url}/hooks/okr", stale=90)  # reopened
        second = run("pull", "-c", str(config), *AS_OF, "--fail-on", "regressed")
    assert second.exit_code == 4
    assert ("row 2 (Stories done) [regressed]: achievement went from 70% to 30%"
            in second.output)
    assert ("row 2 (Stories done) [off-track]: fell off track (was on track; 30% against "
            "64% expected)") in second.output
    posted = [r.body for r in hook.requests]
    assert len(posted) == 1 and set(posted[0]) == {"text"}
    assert "[regressed] row 2 Eng — Stories done (Kim): achievement went from 70% to 30%" in (
        posted[0]["text"])
    assert f"{hook.url}" not in second.output  # the webhook URL is a secret


def test_a_webhook_that_is_down_never_fails_the_pull(tmp_path, fake_time):
    with Webhook() as hook:
        hook.faults.append(Fault(503, times=-1))
        config = team(tmp_path, 7, webhook=f"{hook.url}/hooks/okr", stale=90)
        run("pull", "-c", str(config), *AS_OF)
        config = team(tmp_path, 4, webhook=f"{hook.url}/hooks/okr", stale=90)
        result = run("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 0
    assert "warning: the alert webhook did not take the alerts (HTTP 503)" in result.output
    assert len(hook.requests) == 3  # retried, then given up
    assert fake_time.slept == [1.0, 2.0]  # backing off 1 s, then 2 s
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value == pytest.approx(0.4)


def test_stale_krs(tmp_path):
    config = team(tmp_path, 7)
    result = run("pull", "-c", str(config), *AS_OF, "--fail-on", "stale")
    assert result.exit_code == 4
    assert "row 3 (Manual KR) [stale]: no value for Q3 yet, 50 days into the quarter" in (
        result.output)
    assert "Stories done) [stale]" not in result.output  # JIRA filled its Q3
    relaxed = team(tmp_path, 7, stale=60)
    assert run("pull", "-c", str(relaxed), *AS_OF, "--fail-on", "stale").exit_code == 0


def test_the_lock_lives_in_the_state_folder_of_the_test_s_own_home(tmp_path, private_home):
    config = team(tmp_path, 3)
    assert run("pull", "-c", str(config), *AS_OF).exit_code == 0
    locks = list((private_home / ".local" / "state" / "okrsync" / "locks").iterdir())
    assert [lock.suffix for lock in locks] == [".lock"]
    assert not (private_home / ".config" / "okrsync" / "locks").exists()  # not a setting


def test_a_second_pull_of_the_same_sheet_waits_for_nobody(tmp_path):
    config = team(tmp_path, 7)
    lock = sheet_lock(load_config(config))
    lock.acquire()
    try:
        result = run("pull", "-c", str(config), *AS_OF)
    finally:
        lock.release()
    assert result.exit_code == 5
    assert "another okrsync run is changing okr.xlsx right now; this one did nothing" in (
        result.output)
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value is None
    assert run("pull", "-c", str(config), *AS_OF).exit_code == 0


def test_quiet_prints_only_new_problems_and_alerts(tmp_path):
    config = team(tmp_path, 7, stale=90)
    assert run("pull", "-c", str(config), *AS_OF, "--quiet").output == ""
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, ["Eng", "Ship", "Bad", "", 0, "?"]])
    result = run("pull", "-c", str(config), *AS_OF, "--quiet")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Problems (these KRs were skipped or kept their old value):",
        "  row 2 (Bad): F2: '?' is not a number"]
    # The next night the sheet already says it: cron mails nothing, the exit code says it
    again = run("pull", "-c", str(config), *AS_OF, "--quiet")
    assert (again.exit_code, again.output) == (1, "")
    book = load_workbook(tmp_path / "okr.xlsx")
    book.active["F2"] = "??"  # another problem on the same row is new again
    book.save(tmp_path / "okr.xlsx")
    changed = run("pull", "-c", str(config), *AS_OF, "--quiet")
    assert changed.exit_code == 1 and "F2: '??' is not a number" in changed.output


def test_json_log_lines(tmp_path):
    config = team(tmp_path, 7)
    result = run("pull", "-c", str(config), *AS_OF, "--log-format", "json")
    events = [json.loads(line) for line in result.output.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "change" and kinds[-1] == "summary" and "alert" in kinds
    change = next(e for e in events if e["event"] == "change" and e["cell"] == "I2")
    assert change["old"] is None and change["new"] == 70.0
    assert events[-1]["written"] is True and events[-1]["exit_code"] == 0
    broken = run("pull", "-c", str(tmp_path / "nope.toml"), "--log-format", "json")
    assert broken.exit_code == 2
    error = json.loads(broken.output.strip().splitlines()[-1])
    assert error["event"] == "error" and error["exit_code"] == 2


def test_history_and_undo(tmp_path):
    config = team(tmp_path, 7)
    run("pull", "-c", str(config), *AS_OF)
    history = run("history", "-c", str(config), "--kr", "stories")
    assert "I2" in history.output and "(empty) → 70" in history.output
    assert "Manual KR" not in history.output
    assert "J3" not in run("history", "-c", str(config), "--row", "3").output
    # Someone corrects the achievement of the manual KR by hand after the pull.
    book = load_workbook(tmp_path / "okr.xlsx")
    book.active["K3"] = 0.99
    book.save(tmp_path / "okr.xlsx")
    result = run("undo", "-c", str(config))
    assert result.exit_code == 1
    assert "K3 (row 3, Manual KR): someone changed it since the pull; kept" in result.output
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value is None and sheet["K2"].value is None  # reverted
    assert sheet["K3"].value == 0.99  # the person's value stays
    again = run("undo", "-c", str(config))
    assert "Nothing to undo" in again.output
    log = list(load_workbook(tmp_path / "okr.xlsx")["okrsync log"].iter_rows(values_only=True))
    assert any(str(row[8]).startswith("undo of pull ") for row in log[1:])


def test_two_pulls_in_the_same_second_are_undone_one_at_a_time(tmp_path):
    """A run is known by its time to the millisecond: the second pull of a script that
    pulls twice in a row is undone alone, the first one's values stay."""
    from dataclasses import replace
    from datetime import datetime, timedelta, timezone

    from okrsync.commands.history import undo
    from okrsync.environment import Environment
    from okrsync.sync import run_pull

    first = datetime(2024, 8, 20, 9, 0, 0, 120_000, tzinfo=timezone(timedelta(hours=9)))
    config = load_config(team(tmp_path, 3))
    def at(moment: datetime) -> Environment:
        return replace(Environment.from_system(), clock=lambda: moment)

    run_pull(config, env=at(first))
    config = load_config(team(tmp_path, 7))
    run_pull(config, env=at(first + timedelta(milliseconds=400)))
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value == pytest.approx(0.7)
    result = undo(at(first + timedelta(seconds=5)), config)
    assert {r.cell for r in result.reverted} >= {"I2"} and not result.refused
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value == pytest.approx(0.3)


def test_report_since_shows_what_moved(tmp_path):
    config = team(tmp_path, 7)
    run("pull", "-c", str(config), *AS_OF)
    moved = json.loads(run("report", "-c", str(config), *AS_OF, "-f", "json", "--since",
                           "2000-01-01").output)
    assert [r["key_result"] for r in moved] == ["Stories done", "Manual KR"]
    cells = {c["cell"]: (c["old"], c["new"]) for c in moved[0]["changes"]}
    assert cells["I2"] == (None, 70.0)
    later = json.loads(run("report", "-c", str(config), *AS_OF, "-f", "json", "--since",
                           "2999-01-01").output)
    assert later == []


def test_html_report_is_self_contained_and_inert(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER, ["<b>Eng</b>", "Ship", "<script>alert(1)</script>", "Kim", 0, 10, 5]])
    (tmp_path / "okrsync.toml").write_text('[sheet]\nspreadsheet = "okr.xlsx"\n')
    page = run("report", "-c", str(tmp_path / "okrsync.toml"), *AS_OF, "-f", "html").output
    assert page.startswith("<!DOCTYPE html>") and "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Eng&lt;/b&gt;" in page
    assert "background:#b7791f" in page  # 50% by 2024-08-20: at risk, and its bar says so
    assert "http" not in page.replace("https://", "")  # nothing loaded from elsewhere


def test_overlaps_between_departments(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["Payments", "Stable", "결제 장애 자동 대응 12건 구축", "", 0, 12, None, None, None,
         None, None, "labels = andon"],
        ["Platform", "Ops", "결제 장애 자동 대응 체계 12건 구축", "", 0, 12, None, None, None,
         None, None, "E-1"],
        ["Platform", "Ops", "배포 리드타임 1일", "", 3, 1],
        ["CX", "App", "앱 만족도 4.5점", "", 4, 4.5],
    ])
    export = {"issues": [issue("A-1", "done", "E-1", labels=["andon"]),
                         issue("A-2", "new", "E-1", labels=["andon"]),
                         issue("A-3", "new", labels=["andon"])]}
    (tmp_path / "export.json").write_text(json.dumps(export))
    config = tmp_path / "okrsync.toml"
    config.write_text('[sheet]\nspreadsheet = "okr.xlsx"\n[jira]\nexport = "export.json"\n')
    result = run("overlaps", "-c", str(config))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    shared = next(line for line in lines if "A-1, A-2" in line)
    assert " 2 " in shared
    assert "KRs that read nearly the same" in result.output
    assert "배포 리드타임" not in result.output
    data = json.loads(run("overlaps", "-c", str(config), "-f", "json").output)
    (pair,) = data["shared_issues"]  # for a script: the two KRs, how many, which
    assert (pair["first"]["row"], pair["second"]["row"], pair["count"]) == (2, 3, 2)
    assert pair["sample"] == ["A-1", "A-2"]
    assert [(p["first"]["row"], p["second"]["row"]) for p in data["similar"]] == [(2, 3)]


def test_init_without_a_terminal_needs_flags(tmp_path):
    result = run("init", "-c", str(tmp_path / "okrsync.toml"))
    assert result.exit_code == 2 and "--spreadsheet" in result.output


@pytest.mark.parametrize(("lang", "header"), [("ko", "목표값 대비 달성률"), ("en", "Achievement")])
def test_init_creates_a_dashboard_okrsync_can_read(tmp_path, lang, header):
    config = tmp_path / "okrsync.toml"
    result = run("init", "-c", str(config), "--spreadsheet", "okr.xlsx", "--export",
                 "export.json", "--create-workbook", "--lang", lang)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "okr.xlsx")["OKR"]
    assert sheet.freeze_panes == "D3" and "G1:H1" in str(sheet.merged_cells)
    assert header in [c.value for c in sheet[1]]
    sheet.append(["Eng", "Ship", "KR", "", "", "Kim", 0, 10, 4])
    sheet.parent.save(tmp_path / "okr.xlsx")
    (tmp_path / "export.json").write_text('{"issues": []}')
    check = run("check", "-c", str(config), *AS_OF)
    assert check.exit_code == 0, check.output
    assert "1 KRs, 0 linked to JIRA" in check.output
    again = run("init", "-c", str(config), "--spreadsheet", "okr.xlsx")
    assert again.exit_code == 2 and "already exists; pass --force" in again.output


def test_init_asks_on_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr("okrsync.environment._is_terminal", lambda stream: True)
    config = tmp_path / "okrsync.toml"
    result = runner.invoke(app, ["init", "-c", str(config)],
                           input="https://acme.atlassian.net/wiki\nhttps://acme.atlassian.net\n"
                                 "pm@acme.com\n")
    assert result.exit_code == 2  # a wiki URL is no spreadsheet: said, nothing written
    assert not config.exists()
    result = runner.invoke(app, ["init", "-c", str(config)],
                           input="okr.xlsx\nhttps://acme.atlassian.net\npm@acme.com\nn\n")
    assert result.exit_code == 0, result.output
    settings = load_config(config)
    assert settings.sheet.spreadsheet == "okr.xlsx"
    assert (settings.jira.server, settings.jira.email) == ("https://acme.atlassian.net",
                                                           "pm@acme.com")
    # Declined: said how to lay it out later, never "check" a workbook that is not there.
    assert "okr.xlsx does not exist yet. To start from an empty dashboard: okrsync init" in \
        " ".join(result.output.split())
    assert "--create-workbook" in result.output and not (tmp_path / "okr.xlsx").exists()
    result = runner.invoke(app, ["init", "-c", str(config), "--force"],
                           input="okr.xlsx\n\n\n")  # no JIRA yet; yes, lay it out
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "okr.xlsx")["OKR"]["A1"].value
    assert run("check", "-c", str(config), *AS_OF).exit_code == 0


def _log_rows(path: Path) -> list[list]:
    sheet = load_workbook(path)["okrsync log"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _rewrite_log(path: Path, rows: list[list]) -> None:
    book = load_workbook(path)
    sheet = book["okrsync log"]
    sheet.delete_rows(1, sheet.max_row)
    for row in rows:
        sheet.append(row)
    book.save(path)


def _two_pulls(example: Path) -> Path:
    """The bundled example pulled on 13 August, then again on 20 August after a person
    typed a Q3 value for row 5 (the second pull changes its achievement and status)."""
    workbook = example.parent / "okr-dashboard.xlsx"
    assert run("pull", "-c", str(example), "--as-of", "2024-08-13").exit_code == 0
    book = load_workbook(workbook)
    book["2024 OKR"]["K5"] = "4.4점"
    book.save(workbook)
    assert run("pull", "-c", str(example), *AS_OF).exit_code == 0
    return workbook


def test_undo_reverts_the_newest_pull_after_a_person_sorted_the_log_newest_first(example):
    workbook = _two_pulls(example)
    header, *lines = _log_rows(workbook)
    changes = [line for line in lines if not str(line[1]).startswith("andon-")]
    assert {line[4] for line in changes if line[1] == changes[-1][1]} == {"M5", "P5"}
    assert len(changes) == 28
    _rewrite_log(workbook, [header, *sorted(lines, key=lambda line: line[0], reverse=True)])
    first = load_workbook(workbook)["2024 OKR"]

    result = run("undo", "-c", str(example))
    assert result.exit_code == 0, result.output
    assert "Reverted 2 cell(s) written by the pull of 8/20 " in result.output
    sheet = load_workbook(workbook)["2024 OKR"]
    assert sheet["M5"].value == pytest.approx(0.4) and sheet["P5"].value == "주의"
    for cell in ("M8", "K8", "P8", "M6", "P6", "Q11"):  # the first pull's cells are kept
        assert sheet[cell].value == first[cell].value, cell


def test_an_edited_log_line_never_steers_undo_outside_the_cells_okrsync_owns(example):
    workbook = _two_pulls(example)
    header, *lines = _log_rows(workbook)
    sheet = load_workbook(workbook)["2024 OKR"]
    kr_text, title = sheet["C8"].value, sheet["A3"].value
    newest = lines[-1][1]
    lines += [  # lines a person (or a script) added to the newest pull
        [lines[-1][0], newest, 8, kr_text, "C8", "Key Result", "hijacked", kr_text, "x"],
        [lines[-1][0], newest, 3, "", "A3", "부서", "hijacked", title, "x"],
        [lines[-1][0], newest, 8, kr_text, "G8", "목표 시작값", 99, sheet["G8"].value, "x"],
        [lines[-1][0], newest, 9, kr_text, "M8", "달성률", 0, sheet["M8"].value, "x"],
        [lines[-1][0], newest, 6, sheet["C6"].value, "K6", "3Q", 99, None, "x"],
    ]
    _rewrite_log(workbook, [header, *lines])

    result = run("undo", "-c", str(example))
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "Reverted 2 cell(s)" in text
    assert text.count("not a cell okrsync writes") == 4  # C8, A3, G8, K6 (a manual KR's)
    for cell in ("C8 (row 8", "A3 (row 3", "G8 (row 8", "K6 (row 6"):
        assert cell in text
    assert "the log line names row 9 but cell M8; it was edited" in text
    after = load_workbook(workbook)["2024 OKR"]
    assert after["C8"].value == kr_text and after["A3"].value == title
    assert after["G8"].value == sheet["G8"].value and after["M8"].value == sheet["M8"].value
    assert after["K6"].value == sheet["K6"].value


def test_a_plain_http_webhook_is_refused_before_anything_is_written(tmp_path):
    """A webhook's URL is a secret: over plain http to another machine it would travel
    unencrypted. The pull stops before writing and names the setting, never the URL's
    secret part; `[alerts] allow_http = true` lets it through."""
    hook = "http://hooks.acme.invalid/services/T0/B0/s3cretpart"
    config = team(tmp_path, 7, webhook=hook)
    before = (tmp_path / "okr.xlsx").read_bytes()
    result = run("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "[alerts] webhook is http://hooks.acme.invalid/…, plain http: the webhook's URL " \
           "would travel unencrypted to hooks.acme.invalid" in text
    assert "set [alerts] allow_http = true" in text and "s3cretpart" not in text
    assert (tmp_path / "okr.xlsx").read_bytes() == before
    assert run("pull", "-c", str(config), *AS_OF, "--dry-run").exit_code == 0

    config.write_text(config.read_text().replace(
        "[alerts]\n", '[alerts]\ndepartments = { "Eng" = "http://chat.acme.invalid/x/s3cret" }\n'
    ).replace(f'webhook = "{hook}"\n', ""))
    posted = run("digest", "-c", str(config), *AS_OF, "--post")
    assert posted.exit_code == 2, posted.output
    assert "[alerts.departments] Eng is http://chat.acme.invalid/…, plain http" in " ".join(
        posted.output.split())

    config.write_text(config.read_text() + "allow_http = true\n")
    result = run("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 0, result.output

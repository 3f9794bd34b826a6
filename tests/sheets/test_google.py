"""The Google Sheets backend against the local stand-in, through gspread and google-auth."""

from __future__ import annotations

import json
import math
import stat
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.commands.report import report as run_report
from okrsync.config import load_config
from okrsync.core.grid import a1
from okrsync.environment import Environment
from okrsync.errors import ExitCode, SourceError
from okrsync.sheets.google import backend, cells
from okrsync.sheets.refs import parse_spreadsheet
from okrsync.sync import run_pull
from tests.helpers import EN_HEADER, GOOGLE_BOOK, google_dashboard, issue
from tests.standins.sheets import Fault, SheetsStandIn

AS_OF = date(2024, 8, 20)
runner = CliRunner()


@pytest.fixture
def api():
    with SheetsStandIn() as server:
        yield server


def test_spreadsheet_references():
    assert parse_spreadsheet(GOOGLE_BOOK).id == GOOGLE_BOOK
    ref = parse_spreadsheet(f"https://docs.google.com/spreadsheets/d/{GOOGLE_BOOK}/edit#gid=42")
    assert (ref.id, ref.gid) == (GOOGLE_BOOK, 42)
    assert parse_spreadsheet(f"https://docs.google.com/spreadsheets/d/{GOOGLE_BOOK}/").gid is None
    assert parse_spreadsheet("okr.xlsx") is None


def test_pull_on_google_gives_the_same_results_as_on_xlsx(api, tmp_path, example, env):
    (tmp_path / "google").mkdir()
    config = google_dashboard(api, tmp_path / "google")
    google = run_pull(load_config(config), AS_OF)
    xlsx = run_pull(load_config(example), AS_OF)
    assert google.exit_code is ExitCode.OK
    assert [(c.cell, c.old, c.new) for c in google.changes] == [
        (c.cell, c.old, c.new) for c in xlsx.changes]
    assert google.recolored == xlsx.recolored
    values = api.values(GOOGLE_BOOK, "2024 OKR")
    assert values[7][10] == pytest.approx(0.55)  # K8: 55%, stored as a percentage
    assert values[11][10] == 7  # K12: done_count
    assert values[4][12] == pytest.approx(0.4)  # M5: achievement
    assert values[4][15] == "주의" and values[7][16] == "2024-08-20"  # a Korean sheet
    cell = api.books[GOOGLE_BOOK].sheet("2024 OKR").cells[(7, 12)]
    assert cell["userEnteredFormat"]["backgroundColorStyle"]["rgbColor"]["red"] > 0
    assert cell["userEnteredFormat"]["numberFormat"]["type"] == "PERCENT"
    report = run_report(env, load_config(config), as_of=AS_OF)
    offline = run_report(env, load_config(example), as_of=AS_OF)
    assert [(a.kr.text, a.achievement, a.status) for a in report.assessments] == [
        (a.kr.text, a.achievement, a.status) for a in offline.assessments]


def test_a_large_write_is_split_by_the_bytes_it_is_sent_as(api, tmp_path, example, monkeypatch):
    """Korean text is 3 bytes a character in UTF-8 and 6 as a JSON \\u escape: batches are
    sized by the very bytes sent, so none goes over the limit, and split, the pull writes
    what it writes in one piece."""
    monkeypatch.setattr(cells, "MAX_REQUEST_BYTES", 4_000)
    monkeypatch.setattr(backend, "LOG_ROWS_PER_REQUEST", 5)
    (tmp_path / "google").mkdir()
    config = google_dashboard(api, tmp_path / "google")
    result = run_pull(load_config(config), AS_OF)
    xlsx = run_pull(load_config(example), AS_OF)
    assert [(c.cell, c.new) for c in result.changes] == [(c.cell, c.new) for c in xlsx.changes]
    writes = [r for r in api.requests if r.path.endswith(":batchUpdate")]
    assert len(writes) >= 5
    assert all(0 < r.size <= 4_000 for r in writes)
    assert api.values(GOOGLE_BOOK, "2024 OKR")[4][15] == "주의"
    log = api.values(GOOGLE_BOOK, "okrsync log")
    assert log[0][:2] == ["time", "pull"] and log[0] not in log[1:]
    logged = iter(row[4] for row in log[1:])
    assert all(c.cell in logged for c in result.changes)  # every change, in order


def test_a_write_in_several_batches_logs_every_cell_of_the_batches_google_took(
        api, tmp_path, monkeypatch):
    """Google applies a batch whole or not at all. A write split into batches carries
    each batch's log lines in that batch: when Google refuses a later one, every cell the
    earlier ones wrote is in the log, and no log line names a cell left unwritten."""
    monkeypatch.setattr(cells, "MAX_REQUEST_BYTES", 4_000)
    monkeypatch.setattr(backend, "LOG_ROWS_PER_REQUEST", 5)
    config = google_dashboard(api, tmp_path)
    before = api.values(GOOGLE_BOOK, "2024 OKR")
    whole = {c.cell for c in run_pull(load_config(config), AS_OF, dry_run=True).changes}

    def refuse_the_second(server):
        server.before(":batchUpdate", lambda s: s.faults.append(
            Fault(400, times=-1, method="POST", match=":batchUpdate")))

    api.before(":batchUpdate", refuse_the_second)
    with pytest.raises(SourceError):
        run_pull(load_config(config), AS_OF)
    after = api.values(GOOGLE_BOOK, "2024 OKR")
    changed = {a1(r, c) for r, row in enumerate(after) for c, value in enumerate(row)
               if value != (before[r][c] if r < len(before) and c < len(before[r]) else None)}
    log = api.values(GOOGLE_BOOK, "okrsync log")
    assert log[0][:2] == ["time", "pull"]
    logged = {row[4] for row in log[1:]}
    assert changed and changed <= logged  # what the first batch wrote is logged
    assert whole - logged and not (whole - changed) & logged  # the rest neither


def test_a_pull_whose_later_batch_fails_raises_its_alarms_again_next_time(
        api, tmp_path, monkeypatch):
    """The Andon alarms' log lines travel in the last batch, as in one: a pull that fails
    part way shows and posts no alarm, and none is taken as raised already."""
    monkeypatch.setattr(cells, "MAX_REQUEST_BYTES", 4_000)
    monkeypatch.setattr(backend, "LOG_ROWS_PER_REQUEST", 5)
    config = google_dashboard(api, tmp_path)
    raised = sorted((a.key_result, a.alarm.value)
                    for a in run_pull(load_config(config), AS_OF, dry_run=True).alerts)
    assert raised

    def refuse_the_second(server):
        server.before(":batchUpdate", lambda s: s.faults.append(
            Fault(400, times=1, method="POST", match=":batchUpdate")))

    api.before(":batchUpdate", refuse_the_second)
    with pytest.raises(SourceError):
        run_pull(load_config(config), AS_OF)
    again = run_pull(load_config(config), AS_OF)
    assert sorted((a.key_result, a.alarm.value) for a in again.alerts) == raised


def test_a_write_split_into_batches_logs_what_one_batch_logs_in_the_same_order(
        tmp_path, monkeypatch):
    logs = []
    for limit, rows in ((1_900_000, 500), (4_000, 5)):
        monkeypatch.setattr(cells, "MAX_REQUEST_BYTES", limit)
        monkeypatch.setattr(backend, "LOG_ROWS_PER_REQUEST", rows)
        with SheetsStandIn() as server:
            (tmp_path / str(limit)).mkdir()
            run_pull(load_config(google_dashboard(server, tmp_path / str(limit))), AS_OF)
            assert len([r for r in server.requests if r.path.endswith(":batchUpdate")]) == (
                1 if limit > 10_000 else 10)
            logs.append([row[2:] for row in server.values(GOOGLE_BOOK, "okrsync log")])
    assert logs[0] == logs[1] and len(logs[0]) > 20


def test_text_utf8_cannot_carry_is_sent_as_google_sends_it():
    body = {"requests": [{"stringValue": "만족도 \ud800 점수"}, {"numberValue": 0.55}]}
    assert json.loads(cells.encode_body(body)) == body


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_a_number_that_is_not_finite_is_never_sent(number):
    """JSON has no NaN: sent, it would be null, an emptied cell. It is a bug, said so."""
    with pytest.raises(ValueError, match="not a finite number"):
        cells.log_cell(number)


def test_request_count_does_not_grow_with_the_number_of_krs(api, tmp_path):
    counts = []
    for size in (1, 500):
        api.books.clear()
        api.requests.clear()
        folder = tmp_path / str(size)
        folder.mkdir()
        rows = [EN_HEADER] + [
            ["Eng", "O", f"KR {n}", "", "0%", "100%", None, None, None, None, None, f"E-{n}"]
            for n in range(size)]

        def export(done_first: bool, size: int = size, folder: Path = folder) -> None:
            issues = [issue(f"C-{n}", "done" if n % 2 or (n == 0 and done_first) else "new",
                            f"E-{n}") for n in range(size)]
            (folder / "export.json").write_text(json.dumps({"issues": issues}))

        export(False)
        config = google_dashboard(api, folder, rows, tab="OKR", export="export.json", url=False)
        result = run_pull(load_config(config), AS_OF)
        assert result.exit_code is ExitCode.OK and len(result.changes) == 4 * size
        first = (len(api.sheets_requests("GET")), len(api.sheets_requests("POST")))
        api.requests.clear()
        export(True)  # one KR moves in JIRA
        again = run_pull(load_config(config), AS_OF)
        assert [c.cell for c in again.changes] == ["I2", "K2", "N2"]  # same day: same stamp
        counts.append((first, (len(api.sheets_requests("GET")),
                               len(api.sheets_requests("POST")))))
    # First pull: the one-request read is answered 400 (no log tab yet), then tabs, cells,
    # the check before writing, one write that also creates the log tab.
    # Every later pull: cells and tabs in one read, the check, one write.
    assert counts[0] == counts[1] == ((4, 1), (2, 1))
    assert api.token_requests <= 4


def test_nothing_outside_the_owned_cells_changes(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    def cells():
        sheet = api.books[GOOGLE_BOOK].sheet("2024 OKR")
        return {k: json.dumps(v, sort_keys=True) for k, v in sheet.cells.items()}

    def values_of(cells, key):
        return json.loads(cells.get(key, "{}")).get("userEnteredValue")

    before = cells()
    run_pull(load_config(config), AS_OF)
    after = cells()
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    owned = {8, 9, 10, 11, 12, 15, 16}  # quarters, achievement, status, synced
    assert changed and all(col in owned for _, col in changed), changed
    quarter_values = {(r, c) for r, c in changed if c in (8, 9, 10, 11)
                      and values_of(before, (r, c)) != values_of(after, (r, c))}
    assert quarter_values == {(7, 10), (10, 10), (11, 10), (14, 10)}  # 3Q of linked KRs
    assert api.books[GOOGLE_BOOK].sheet("운영 가이드").cells == {(0, 0): {
        "userEnteredValue": {"stringValue": "가이드"},
        "effectiveValue": {"stringValue": "가이드"}, "formattedValue": "가이드"}}


def test_second_pull_writes_nothing_and_dry_run_sends_no_write(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    run_pull(load_config(config), AS_OF, dry_run=True)
    assert api.sheets_requests("POST") == []
    run_pull(load_config(config), AS_OF)
    assert len(api.sheets_requests("POST")) == 1
    again = run_pull(load_config(config), AS_OF)
    assert again.changes == [] and again.recolored == 0
    assert len(api.sheets_requests("POST")) == 1


def test_change_log_tab_is_created_and_appended(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    run_pull(load_config(config), AS_OF)
    log = api.values(GOOGLE_BOOK, "okrsync log")
    assert log[0] == ["time", "pull", "row", "key result", "cell", "column", "old", "new",
                      "source"]
    k8 = next(row for row in log if row[4] == "K8")
    assert k8[2] == 8 and k8[7] == 55 and k8[8] == "JIRA CX-100 (done_ratio)"
    first = len(log)
    api.books[GOOGLE_BOOK].sheet("2024 OKR").set(
        5, 9, {"userEnteredValue": {"stringValue": "3.9분"}})
    run_pull(load_config(config), AS_OF)
    log = api.values(GOOGLE_BOOK, "okrsync log")
    assert [(row[4], row[6], row[7]) for row in log[first:]] == [
        ("M6", 45, 55), ("P6", "주의", "순항")]
    backend_log = load_config(config)
    from okrsync.workspace import open_sheet

    records = open_sheet(backend_log, Environment.from_system()).read_log()
    assert len(records) == len(log) - 1 and records[0].cell == "M5"


def test_text_starting_with_equals_stays_text(api, tmp_path):
    rows = [EN_HEADER, ["Eng", "O", "=1+1 KR", "", 0, 10, 5, None, None, None, None,
                        "E-1", "=2+2"]]
    config = google_dashboard(api, tmp_path, rows, tab="OKR", export="export.json", url=False)
    (tmp_path / "export.json").write_text(json.dumps({"issues": [issue("C-1", "done", "E-1")]}))
    result = run_pull(load_config(config), AS_OF)
    assert result.exit_code is ExitCode.PARTIAL
    status = api.books[GOOGLE_BOOK].sheet("OKR").cells[(1, 13)]["userEnteredValue"]
    assert status == {"stringValue": "no data · M2: unknown JIRA metric '=2+2'; use one of "
                      "done_ratio, done_count, count, points_done, points_ratio, "
                      "weighted, weighted_points, sum:<field name>"}


def test_a_row_inserted_between_read_and_write_is_caught(api, tmp_path):
    config = google_dashboard(api, tmp_path)

    def person_inserts_a_row(server):
        server.books[GOOGLE_BOOK].sheet("2024 OKR").cells  # noqa: B018
        book = server.books[GOOGLE_BOOK]
        server._apply(book, "insertDimension", {"range": {
            "sheetId": 777, "dimension": "ROWS", "startIndex": 9, "endIndex": 10}}, 0)

    api.hooks[3] = person_inserts_a_row  # after the two reads, before the check
    result = run_pull(load_config(config), AS_OF)
    assert result.exit_code is ExitCode.PARTIAL
    refused = {p.row for p in result.problems}
    assert refused == {10, 11, 12, 14, 15}  # every KR at or below the new row
    # The example is a Korean sheet: what okrsync reports on it is Korean.
    assert all("(pull 중에 행이 삽입, 삭제 또는 이동됨)" in p.message for p in result.problems)
    values = api.values(GOOGLE_BOOK, "2024 OKR")

    def at(r, c):
        return values[r][c] if r < len(values) and c < len(values[r]) else None

    assert at(7, 10) == pytest.approx(0.55)  # rows above were written
    assert at(11, 10) is None and at(12, 10) is None  # nothing landed one row off
    assert at(13, 15) is None and at(14, 15) is None  # nor on a status cell
    assert at(10, 2) == "결제 실패율 1% 이하로 낮추기"  # the person's row stands


def test_a_cell_edited_between_read_and_write_keeps_the_persons_value(api, tmp_path):
    config = google_dashboard(api, tmp_path)

    def person_types(server):
        server.books[GOOGLE_BOOK].sheet("2024 OKR").set(
            7, 10, {"userEnteredValue": {"numberValue": 0.5},
                    "userEnteredFormat": {"numberFormat": {"type": "PERCENT"}}})

    api.hooks[3] = person_types
    result = run_pull(load_config(config), AS_OF)
    assert [p.message for p in result.problems] == [  # a Korean sheet
        "쓰지 않음: pull 중에 누군가 K8 셀을 바꿨습니다. 그 값을 유지합니다"]
    assert api.values(GOOGLE_BOOK, "2024 OKR")[7][10] == 0.5
    assert "K8" not in [c.cell for c in result.changes]


def test_a_write_answered_by_something_other_than_google_is_never_taken_as_done(
        api, tmp_path):
    """A 200 whose body is not Google's answer (a proxy's login page after a redirect) is
    no proof the cells were written: the pull says the write may not have been applied,
    never that it wrote them."""
    config = google_dashboard(api, tmp_path)
    api.faults.append(Fault(200, method="POST", match=":batchUpdate",
                            body=b"<html>login</html>"))
    with pytest.raises(SourceError, match="may or may not have been applied"):
        run_pull(load_config(config), AS_OF)
    assert api.values(GOOGLE_BOOK, "2024 OKR")[7][10] is None


def test_quota_errors_are_retried(api, tmp_path, fake_time):
    config = google_dashboard(api, tmp_path)
    api.faults.append(Fault(429, times=2, headers={"Retry-After": "0"}))
    api.faults.append(Fault(503, times=1, method="POST"))
    result = run_pull(load_config(config), AS_OF)
    assert result.exit_code is ExitCode.OK and result.written
    assert len(fake_time.slept) == 3  # each answer retried once


def test_quota_exhausted_is_a_clear_failure_and_writes_nothing(api, tmp_path, fake_time):
    config = google_dashboard(api, tmp_path)
    api.faults.append(Fault(429, times=10_000, headers={"Retry-After": "1"}))
    with pytest.raises(SourceError, match="quota exceeded"):
        run_pull(load_config(config), AS_OF)
    api.faults.clear()
    assert api.values(GOOGLE_BOOK, "2024 OKR")[7][10] is None
    # waited the second Google asked for, once: a second wait would pass the 2 s allowed
    assert len(fake_time.slept) == 1 and 1.0 <= fake_time.slept[0] <= 1.25


def test_expired_token_is_refreshed(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    api.expire_tokens_after = 1
    result = run_pull(load_config(config), AS_OF)
    assert result.written and api.token_requests == 2


def _cli(config, *args):
    return runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20", *args])


def test_not_shared_says_which_account_needs_access(api, tmp_path):
    config = google_dashboard(api, tmp_path, shared=False)
    result = _cli(config)
    assert result.exit_code == 3
    assert ("share it with the service account okrsync@acme-okr.iam.gserviceaccount.com "
            "as Editor") in result.output


def test_unknown_spreadsheet_and_tab(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    text = config.read_text()
    config.write_text(text.replace(GOOGLE_BOOK, "1ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"))
    result = _cli(config)
    assert result.exit_code == 3 and "not found: check [sheet] spreadsheet" in result.output
    config.write_text(text.replace("#gid=777", "").replace(
        "[google]", 'worksheet = "없는 탭"\n[google]'))
    result = _cli(config)
    assert result.exit_code == 3
    assert "no tab '없는 탭'; its tabs are: '운영 가이드', '2024 OKR'" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "key file"),
        ("not json", "is not a JSON key file"),
        ('{"type": "authorized_user"}', "is not a service-account key"),
        ('{"type": "service_account"}', "incomplete or damaged"),
    ],
)
def test_bad_credentials_file(api, tmp_path, content, message):
    config = google_dashboard(api, tmp_path)
    key = tmp_path / "key.json"
    if content is None:
        key.unlink()
    else:
        key.write_text(content)
    result = _cli(config)
    assert result.exit_code == 3 and message in result.output


def test_revoked_key_exits_3_and_never_prints_the_key(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    api.keys.clear()  # the key was deleted in Google Cloud
    result = _cli(config)
    assert result.exit_code == 3
    assert "Google rejected the credentials" in result.output
    private = json.loads((tmp_path / "key.json").read_text())["private_key"]
    assert private.splitlines()[1] not in result.output
    assert stat.S_IMODE((tmp_path / "key.json").stat().st_mode) == 0o600


def test_unreachable_endpoint_exits_3(tmp_path, fake_time):
    with SheetsStandIn() as server:
        config = google_dashboard(server, tmp_path)
    result = _cli(config)
    assert result.exit_code == 3 and "cannot reach Google Sheets" in result.output
    assert len(fake_time.slept) == 2  # tried three times


def test_check_and_report_work_on_google(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    checked = runner.invoke(app, ["check", "-c", str(config), "--as-of", "2024-08-20"])
    assert checked.exit_code == 0, checked.output
    assert f"Google spreadsheet {GOOGLE_BOOK} [2024 OKR]" in checked.output
    assert api.sheets_requests("POST") == []
    _cli(config)
    report = runner.invoke(app, ["report", "-c", str(config), "--as-of", "2024-08-20",
                                 "-f", "json"])
    rows = json.loads(report.output)
    assert [r["achievement"] for r in rows] == pytest.approx(
        [0.4, 0.45, 0.45, 0.55, 0.7 / 1.5, 0.6, 7 / 12, 0.5, 0.45])


def test_oauth_without_a_terminal_says_to_sign_in_once(api, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = google_dashboard(api, tmp_path)
    config.write_text(config.read_text().replace('credentials = "key.json"',
                                                 'credentials = "oauth"'))
    result = _cli(config)
    assert result.exit_code == 3
    assert "Run `okrsync check` once in a terminal to sign in" in result.output


def test_init_create_sheet_lays_out_a_dashboard_tab(api, tmp_path):
    google_dashboard(api, tmp_path)  # the spreadsheet, shared with the key init is given
    result = runner.invoke(app, [
        "init", "-c", str(tmp_path / "new.toml"), "--spreadsheet", GOOGLE_BOOK,
        "--worksheet", "2025 OKR", "--credentials", "key.json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "new.toml").read_text()
    (tmp_path / "new.toml").write_text(text.replace(
        "[google]\n", f'[google]\napi_endpoint = "{api.url}"\n'))
    from okrsync.core.template import dashboard
    from okrsync.workspace import open_sheet

    backend = open_sheet(load_config(tmp_path / "new.toml"), Environment.from_system())
    backend.create_tab("2025 OKR", dashboard("en"))
    sheet = api.books[GOOGLE_BOOK].sheet("2025 OKR")
    assert sheet.frozen_rows == 2
    assert (0, 6, 1, 8) in sheet.merges and (0, 8, 1, 12) in sheet.merges
    assert api.values(GOOGLE_BOOK, "2025 OKR")[1][6:12] == [
        "Start", "Target", "Q1", "Q2", "Q3", "Q4"]
    assert sheet.cells[(5, 12)]["userEnteredFormat"]["numberFormat"]["type"] == "PERCENT"
    checked = runner.invoke(app, ["check", "-c", str(tmp_path / "new.toml"), "--as-of",
                                  "2025-02-01"])
    assert checked.exit_code == 0, checked.output
    assert "0 KRs" in checked.output


def _list_rule(*words: str, strict: bool = True) -> dict:
    return {"condition": {"type": "ONE_OF_LIST",
                          "values": [{"userEnteredValue": w} for w in words]},
            "strict": strict, "showCustomUi": True}


def test_protected_ranges_and_strict_validation_skip_their_cells_and_the_rest_is_written(
        api, tmp_path):
    """A team locks its dashboard down: the achievement column is protected for the PMO
    only, the status column is a dropdown of the team's own words that rejects anything
    else. Both are read with the sheet (one request); those cells are skipped and named,
    every other cell is written in one batch that Google takes, and the log holds only
    what was written. A warning-only protection and a rule a value meets let it through."""
    config = google_dashboard(api, tmp_path, url=False)
    tab = "2024 OKR"
    api.protect(GOOGLE_BOOK, tab, (4, 12, 16, 13), description="달성률은 PMO가 관리")
    api.protect(GOOGLE_BOOK, tab, (4, 10, 16, 11), warning_only=True)  # K: a warning, no lock
    api.validate(GOOGLE_BOOK, tab, [(r, 15) for r in range(4, 15)],
                 _list_rule("정상", "지연", "위험"))
    api.validate(GOOGLE_BOOK, tab, [(r, 16) for r in range(4, 15)],
                 {"condition": {"type": "NOT_BLANK"}, "strict": True})
    api.requests.clear()

    result = runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-13",
                                 "--log-format", "json"])
    assert result.exit_code == 1, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    problems = [(e["row"], e["message"]) for e in events if e["event"] == "problem"]
    # In the sheet's language (a Korean sheet), each naming its cell, column and why.
    assert (8, "쓰지 않음: M8 (목표값 대비 달성률)은(는) okrsync 계정(okrsync@acme-okr.iam."
               "gserviceaccount.com)이 편집할 수 없는 보호된 범위 (달성률은 PMO가 관리)에 "
               "있습니다. 그 범위의 편집 권한을 주거나 보호를 해제하세요") in problems
    assert (8, "쓰지 않음: P8 (상태)에는 정상, 지연, 위험만 입력할 수 있습니다(그 밖의 값은 "
               "거부하는 데이터 유효성 검사 규칙). '순항'은(는) 입력할 수 없습니다") in problems
    assert len(problems) == 18  # M and P of the nine KRs: each named
    reads = [r.params["fields"][0] for r in api.sheets_requests("GET")]
    # As without locks: one read that fails (no log tab yet), the tabs, the tab's cells
    # with its protections and rules, the check before writing.
    assert len(reads) == 4
    assert "protectedRanges" in reads[2] and "dataValidation" in reads[2]
    assert len(api.sheets_requests("POST")) == 1  # one batch, taken

    values = api.values(GOOGLE_BOOK, tab)
    assert values[7][10] == pytest.approx(0.55) and values[7][16] == "2024-08-13"  # K8, Q8
    assert values[7][12] is None and values[7][15] is None  # M8 and P8 kept as they were
    log = api.values(GOOGLE_BOOK, "okrsync log")  # the cells written (beside the alarms raised)
    assert {row[4] for row in log[1:] if not row[1].startswith("andon-")} == {
        "K8", "Q8", "K11", "Q11", "K12", "Q12", "K15", "Q15"}

    pmo = next(p for p in api.books[GOOGLE_BOOK].sheet(tab).protected if p.get("description"))
    pmo["editors"]["users"].append("okrsync@acme-okr.iam.gserviceaccount.com")  # shared
    api.validate(GOOGLE_BOOK, tab, [(r, 15) for r in range(4, 15)],
                 _list_rule("순항", "주의", "위험", "완료", "데이터 없음"))
    again = runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-13"])
    assert again.exit_code == 0, again.output  # now allowed: everything is written
    values = api.values(GOOGLE_BOOK, tab)
    assert values[7][12] == pytest.approx(0.55) and values[7][15] == "순항"


def test_a_list_taken_from_another_tab_is_judged_and_a_locked_log_tab_stops_the_write(
        api, tmp_path):
    """Every pull after the first reads the tab, its protections and rules in one
    request. A status dropdown whose words come from another tab: okrsync's words that
    are on it are written, the one that is not is skipped and named. A log tab okrsync
    may not add to stops the write before anything is sent (nothing unlogged is ever
    written)."""
    config = google_dashboard(api, tmp_path, url=False)
    tab = "2024 OKR"
    assert runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-13"]
                         ).exit_code == 0
    api.add_sheet(GOOGLE_BOOK, "목록", [["주의"], ["위험"], ["완료"]])  # no 순항
    api.validate(GOOGLE_BOOK, tab, [(r, 15) for r in range(4, 15)],
                 {"condition": {"type": "ONE_OF_RANGE",
                                "values": [{"userEnteredValue": "='목록'!$A$1:$A$3"}]},
                  "strict": True})
    sheet = api.books[GOOGLE_BOOK].sheet(tab)
    for row in range(4, 15):  # a person clears the statuses: okrsync writes them again
        sheet.set(row, 15, {k: v for k, v in sheet.cells.get((row, 15), {}).items()
                            if k == "dataValidation"})
    api.requests.clear()
    result = runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-13",
                                 "--log-format", "json"])
    assert result.exit_code == 1, result.output
    problems = [e["message"] for e in map(json.loads, result.stdout.splitlines())
                if e["event"] == "problem"]
    assert problems == [f"쓰지 않음: P{row} (상태)에는 주의, 위험, 완료만 입력할 수 있습니다"
                        "(그 밖의 값은 거부하는 데이터 유효성 검사 규칙). '순항'은(는) 입력할 수 "
                        "없습니다" for row in (8, 11, 12)]
    values = api.values(GOOGLE_BOOK, tab)
    assert values[4][15] == "주의" and values[7][15] is None
    fields = [r.params["fields"][0] for r in api.sheets_requests("GET") if "fields" in r.params]
    assert "protectedRanges" in fields[0] and "rowData" in fields[0]  # one read, as ever

    api.protect(GOOGLE_BOOK, "okrsync log")  # the whole log tab, for its owner only
    before = api.values(GOOGLE_BOOK, tab)
    sheet = api.books[GOOGLE_BOOK].sheet(tab)  # as the last batchUpdate left it
    sheet.set(4, 15, {"dataValidation": sheet.cells[(4, 15)]["dataValidation"]})
    api.requests.clear()
    locked = runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-13"])
    assert locked.exit_code == 3, locked.output
    assert "the okrsync log tab of Google spreadsheet" in locked.output
    assert "okrsync's account (okrsync@acme-okr.iam.gserviceaccount.com) may not add to it; " \
           "nothing was written" in " ".join(locked.output.split())
    assert api.sheets_requests("POST") == []
    assert api.values(GOOGLE_BOOK, tab)[4][15] is None and before[4][15] == "주의"


@pytest.mark.parametrize(("condition", "entered", "takes"), [
    ({"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": "0"},
                                           {"userEnteredValue": "1"}]},
     {"numberValue": 0.45}, True),  # 45% as stored
    ({"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": "0"},
                                           {"userEnteredValue": "1"}]},
     {"numberValue": 1.2}, False),
    ({"type": "NUMBER_GREATER_THAN_EQ", "values": [{"userEnteredValue": "0"}]},
     {"stringValue": "순항"}, False),
    ({"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "7"}]}, {"numberValue": 7.0},
     True),
    ({"type": "TEXT_CONTAINS", "values": [{"userEnteredValue": "2024"}]},
     {"stringValue": "2024-08-20"}, True),
    ({"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": "=LEN(A1)<5"}]},
     {"stringValue": "x"}, None),  # not guessed: skipped and said so
    ({"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "a"}]}, {}, True),  # clearing
])
def test_strict_rules_are_judged_as_sheets_judges_them(condition, entered, takes):
    from okrsync.sheets.google.locks import judge

    assert judge({"condition": condition, "strict": True}, entered, {}).takes is takes

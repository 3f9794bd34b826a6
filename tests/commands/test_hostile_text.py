"""What a sheet or JIRA says is data everywhere it goes: terminal, Markdown, CSV, HTML,
JSON, chat posts and error lines never run, render or ring it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from typer.testing import CliRunner

from okrsync.alerts import alert_message
from okrsync.chat import payloads
from okrsync.cli import app
from okrsync.commands.report import ReportResult
from okrsync.config import Webhook as ChatWebhook
from okrsync.core.andon import Alarm, Alert
from okrsync.core.calendar import Period
from okrsync.core.grid import Grid
from okrsync.core.layout import detect_layout
from okrsync.core.okr import read_key_results
from okrsync.core.plan import assess
from okrsync.core.progress import Thresholds
from okrsync.render.registry import render
from okrsync.render.terminal import make_console
from tests.helpers import (
    EN_HEADER,
    EXAMPLES,
    GOOGLE_BOOK,
    google_dashboard,
    make_workbook,
    write_config,
    xlsx_rows,
)
from tests.standins.base import StandIn
from tests.standins.sheets import SheetsStandIn

AS_OF = ["--as-of", "2024-08-20"]
HOSTILE = [
    "\x1b]0;PWNED\x07 title", "\x1b[31mred\x1b[0m", "[link=http://evil.example]L[/link]",
    "[/nope] closing tag", "[x] box", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "![x](http://tracker.example/p.png)",
    "[c](javascript:alert(1))", "line\rbreak", "=HYPERLINK(\"http://evil\",\"x\")",
    "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tTAB", "<!channel> <http://evil|Log in>",
    "\u202eevil\u202c", ":smile: emoji code",
]
IN_A_WORKBOOK = [text for text in HOSTILE if not ILLEGAL_CHARACTERS_RE.search(text)]
"""What an .xlsx can hold (XML forbids ESC and BEL; those reach okrsync from Google
Sheets and JIRA, and are fuzzed below)."""
TAB = "2024 OKR"
runner = CliRunner()


class Webhook(StandIn):
    def route(self, method, path, params, headers, body):
        return {"ok": True}


def okrsync(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _dashboard(folder: Path, webhook: str) -> Path:
    rows = [[f"Dept {n % 2} {text}", f"Obj {text}", f"KR {n} {text}", text, 0, 10, 2]
            for n, text in enumerate(IN_A_WORKBOOK)]
    make_workbook(folder / "okr.xlsx", [EN_HEADER, *rows])
    config = folder / "okrsync.toml"
    config.write_text(f'[sheet]\nspreadsheet = "okr.xlsx"\n[alerts]\nwebhook = "{webhook}"\n'
                      "stale_after_days = 10\n", encoding="utf-8")
    config.chmod(0o600)
    return config


def _inert(output: str) -> None:
    assert "\x1b" not in output and "\x07" not in output and "\r" not in output
    assert "\u202e" not in output


def test_every_format_keeps_hostile_text_inert(tmp_path):
    with Webhook() as hook:
        config = _dashboard(tmp_path, f"{hook.url}/hooks/okr")
        runs = {"pull": okrsync("pull", "-c", str(config), *AS_OF),
                "pull json": okrsync("pull", "-c", str(config), *AS_OF, "--log-format", "json")}
        posts = [r.body["text"] for r in hook.requests]
    for fmt in ("table", "markdown", "json", "csv", "html"):
        runs[f"report {fmt}"] = okrsync("report", "-c", str(config), *AS_OF, "-f", fmt)
    for command in ("check", "history", "overlaps"):
        runs[command] = okrsync(command, "-c", str(config), *AS_OF[: 2 if command != "history"
                                                                    else 0])
    for name, result in runs.items():
        assert result.exit_code in (0, 4), (name, result.output)
        _inert(result.output)
    table = runs["report table"].output
    assert "[link=http://evil.example]L[/link]" in table and "[/nope] closing tag" in table
    assert "[x] box" in table and ":smile:" in table  # shown as typed, never as markup
    markdown = runs["report markdown"].output
    for raw in ("<script>", "<img", "![x](", "[c](javascript:"):
        assert raw not in markdown
    assert "<script>" not in runs["report html"].output
    rows = list(csv.reader(io.StringIO(runs["report csv"].output)))
    for cell in (c for row in rows for c in row):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert json.loads(runs["report json"].output)
    for line in runs["pull json"].output.splitlines():
        json.loads(line)
    assert len(posts) == 1  # the first pull's alarms; the second raises nothing new
    for post in posts:
        _inert(post)
        assert "<!channel>" not in post and "<http://evil|" not in post
        assert "&lt;!channel&gt;" in post
        assert str(tmp_path) not in post  # no local path in a chat post


def test_a_lone_surrogate_fails_its_kr_readably():
    # The core rule; the run through Google Sheets is below.
    grid = Grid([["Key Result", "Start", "Target", "Q1"], ["KR \ud800", 0, 10, 5],
                 ["fine", 0, 10, 5]])
    krs = read_key_results(grid, detect_layout(grid))
    assert krs[0].errors == ["A2: holds characters that are not valid text (KR \\ud800); "
                             "retype the key result"]
    assert krs[1].errors == []


@settings(suppress_health_check=[HealthCheck.too_slow])  # examples: tests/conftest.py
@given(texts=st.lists(st.text(max_size=30), min_size=1, max_size=4))
def test_fuzzed_cell_text_renders_safely_in_every_format(texts):
    _render_safely(texts, ("table", "markdown", "json", "csv"))
    alerts = [Alert(2, f"KR {t}", t, t, Alarm.STALE, t) for t in texts]
    for chat in ("slack", "google-chat", "teams", "jandi", "dooray"):
        hook = ChatWebhook(url="https://chat.example/hook", chat=chat)
        for body in payloads(hook, alert_message(alerts, "okr.xlsx"), {}):
            post = json.dumps(body, ensure_ascii=False)
            post.encode("utf-8")
            assert "<!" not in post and "\x1b" not in post and "<at>" not in post


@settings(max_examples=max(4, settings.default.max_examples // 8),  # each draws charts
          suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(max_size=30), min_size=1, max_size=3))
def test_fuzzed_cell_text_renders_safely_in_html_with_its_charts(texts):
    _render_safely(texts, ("html",))


def _render_safely(texts, formats):
    header = ["Department", "Objective", "Key Result", "Owner", "Start", "Target", "Q1"]
    grid = Grid([header] + [[t, t, f"KR{n} {t}", t, 0, 10, 3] for n, t in enumerate(texts)])
    period = Period.at(date(2024, 8, 20))
    items = [assess(kr, period, Thresholds()) for kr in read_key_results(grid,
                                                                        detect_layout(grid))]
    result = ReportResult(items, period, [])
    for fmt in formats:
        rendered = render(result, fmt)
        if not isinstance(rendered, str):
            console = make_console(file=io.StringIO(), width=100)
            console.print(rendered)
            rendered = console.file.getvalue()
        rendered.encode("utf-8")  # never a lone surrogate
        assert "\x1b" not in rendered and "\x07" not in rendered


def test_a_lone_surrogate_from_google_fails_its_kr_and_every_format_still_renders(tmp_path):
    """Item 11: a Google cell can hold a lone surrogate (Google sends it as a \\u escape)."""
    with SheetsStandIn() as api:
        rows, merges, formats = xlsx_rows(EXAMPLES / "okr-dashboard.xlsx", TAB)
        rows[4][2] = "앱 사용자 만족도 \ud800 점수"
        (tmp_path / "jira-export.json").write_bytes((EXAMPLES / "jira-export.json").read_bytes())
        config = google_dashboard(api, tmp_path, rows, merges=merges, formats=formats)
        before = api.values(GOOGLE_BOOK, TAB)
        checked = okrsync("check", "-c", str(config), *AS_OF)
        pulled = okrsync("pull", "-c", str(config), *AS_OF)
        after = api.values(GOOGLE_BOOK, TAB)
        log = api.values(GOOGLE_BOOK, "okrsync log")
        reports = {fmt: okrsync("report", "-c", str(config), *AS_OF, "-f", fmt)
                   for fmt in ("table", "markdown", "json", "csv", "html")}
    said = "C5: 텍스트로 쓸 수 없는 문자가 들어 있습니다 (앱 사용자 만족도 \\ud800 점수)"
    assert checked.exit_code == 1 and said in checked.output, checked.output
    assert pulled.exit_code == 1 and said in pulled.output, pulled.output
    assert after != before  # the other key results were written
    # The bad row keeps its values; its status says why it has none.
    assert after[4][:15] == before[4][:15]
    assert after[4][15] == f"데이터 없음 · {said}. Key Result 값을 다시 입력하세요"
    assert ["앱 사용자 만족도 \\ud800 점수", "P5"] in [row[3:5] for row in log]
    for fmt, result in reports.items():
        assert result.exit_code == 1, (fmt, result.output)  # a report with a problem
        result.output.encode("utf-8")  # never a lone surrogate on the way out
        assert "unexpected" not in result.output


def test_a_jql_nested_past_any_sense_fails_its_kr_not_the_run(tmp_path):
    """Item 10: 3,000 nested parentheses."""
    deep = "(" * 3000 + "project = DPX" + ")" * 3000
    rows = [["Eng", "O", "Deep", "", 0, 10, None, None, None, None, None, deep, "count"],
            ["Eng", "O", "Plain", "", 0, 10, None, None, None, None, None, "project = DPX",
             "count"]]
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, *rows])
    (tmp_path / "export.json").write_text(json.dumps({
        "startAt": 0, "maxResults": 50, "total": 1,
        "issues": [{"id": "1", "key": "DPX-1", "fields": {
            "project": {"key": "DPX"}, "issuetype": {"name": "Task"},
            "status": {"name": "Done", "statusCategory": {"key": "done"}}}}]}),
        encoding="utf-8")
    config = write_config(tmp_path, "okr.xlsx", "export.json")
    result = okrsync("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 1, result.output
    assert "unexpected" not in result.output and "Recursion" not in result.output
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value is None and sheet["N2"].value.startswith("no data · ")
    assert sheet["I3"].value == 1  # the other KR was written

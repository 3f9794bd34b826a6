"""`[sheet] notes = true`: the evidence behind each JIRA value, on its cell (a Google Sheets
note, an Excel comment), written with the value in the same request, never over a note a
person wrote, and taken away with the value by `okrsync undo`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.config import load_config
from okrsync.sync import run_pull
from tests.helpers import (
    AS_OF_DATE,
    EN_HEADER,
    GOOGLE_BOOK,
    KO_HEADER,
    google_dashboard,
    issue,
    make_workbook,
    write_config,
)
from tests.standins.sheets import SheetsStandIn

runner = CliRunner()
CLI_AS_OF = ["--as-of", "2024-08-20"]


@pytest.fixture
def api():
    with SheetsStandIn() as server:
        yield server


def _notes_on(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[sheet]\n", "[sheet]\nnotes = true\n", 1), encoding="utf-8")


def _lines(note: str) -> list[str]:
    return note.split("\n")


# -- Google Sheets


def test_google_notes_go_with_the_value_in_the_same_request_and_a_persons_note_stays(
        api, tmp_path):
    config = google_dashboard(api, tmp_path)  # the bundled example: a Korean sheet
    _notes_on(config)
    sheet = api.books[GOOGLE_BOOK].sheet("2024 OKR")
    person = "지난주 회의: 목표 조정 검토 중"
    sheet.set(10, 10, {**sheet.cells.get((10, 10), {}), "note": person})  # K11, a JIRA KR
    pulled = run_pull(load_config(config), AS_OF_DATE)
    assert {c.cell for c in pulled.changes} >= {"K8", "K11"}
    assert len(api.sheets_requests("POST")) == 1  # notes ride in the write itself
    note = api.books[GOOGLE_BOOK].sheet("2024 OKR").cells[(7, 10)]["note"]
    first, *_, signed = _lines(note)
    assert first.startswith("JIRA CX-100 (done_ratio): "), note
    assert "완료" in first and first.endswith("→ 55%"), note  # the sheet's language
    assert signed.startswith("okrsync · "), note
    kept = api.books[GOOGLE_BOOK].sheet("2024 OKR").cells[(10, 10)]
    assert kept["note"] == person and "userEnteredValue" in kept  # the value went in
    again = run_pull(load_config(config), AS_OF_DATE)
    assert again.changes == [] and len(api.sheets_requests("POST")) == 1  # nothing new


def test_google_without_notes_writes_none(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    run_pull(load_config(config), AS_OF_DATE)
    update = api.sheets_requests("POST")[0].body
    assert "note" not in json.dumps(update)
    cells = api.books[GOOGLE_BOOK].sheet("2024 OKR").cells.values()
    assert not any("note" in cell for cell in cells)


# -- Excel


def _workbook(folder: Path, header: list[str], done: int) -> Path:
    """Two KRs on DLV-100 (points, with an unestimated issue) and DLV-200 (done ratio)."""
    make_workbook(folder / "okr.xlsx", [header,
        ["Eng", "O", "Delivery", "", "0%", "100%", None, None, None, None, None, "DLV-100",
         "points_ratio"],
        ["Eng", "O", "Quality", "", "0%", "100%", None, None, None, None, None, "DLV-200",
         "done_ratio"]])
    _export(folder, done)
    config = write_config(folder, "okr.xlsx", "export.json")
    _notes_on(config)
    return config


def _export(folder: Path, done: int) -> None:
    """DLV-200 has four issues, `done` of them done."""
    issues = [issue("DLV-310", "done", "DLV-100", customfield_10016=5),
              issue("DLV-311", "indeterminate", "DLV-100", customfield_10016=5),
              issue("DLV-316", "new", "DLV-100", customfield_10016=None)]
    issues += [issue(f"DLV-4{n:02}", "done" if n < done else "new", "DLV-200")
               for n in range(4)]
    (folder / "export.json").write_text(json.dumps({
        "issues": issues, "names": {"customfield_10016": "Story point estimate"},
        "isLast": True}), encoding="utf-8")


def _comment(folder: Path, cell: str) -> Comment | None:
    return load_workbook(folder / "okr.xlsx").active[cell].comment


def test_excel_comments_say_how_each_value_came_about_with_its_caveat(tmp_path):
    config = _workbook(tmp_path, EN_HEADER, done=1)
    pulled = runner.invoke(app, ["pull", "-c", str(config), *CLI_AS_OF])
    assert pulled.exit_code == 0, pulled.output
    delivery, quality = _comment(tmp_path, "I2"), _comment(tmp_path, "I3")
    assert delivery is not None and quality is not None
    assert delivery.author == quality.author == "okrsync"
    assert _lines(delivery.text)[:2] == [
        "JIRA DLV-100 (points_ratio): 5 of 10 Story point estimate (customfield_10016) done"
        " → 50%",
        "1 unestimated issue(s) (DLV-316) counted as 0 points"]
    assert _lines(quality.text)[0] == "JIRA DLV-200 (done_ratio): 1 of 4 issue(s) done → 25%"
    assert _lines(quality.text)[-1].startswith("okrsync · ")


def test_excel_comments_follow_the_value_and_leave_a_persons_comment_alone(tmp_path):
    config = _workbook(tmp_path, KO_HEADER, done=1)
    book = load_workbook(tmp_path / "okr.xlsx")
    book.active["I2"].comment = Comment("PM 메모: 추정 회의 예정", "Kim")
    book.save(tmp_path / "okr.xlsx")
    assert runner.invoke(app, ["pull", "-c", str(config), *CLI_AS_OF]).exit_code == 0
    person = _comment(tmp_path, "I2")
    assert person is not None and (person.author, person.text) == ("Kim",
                                                                   "PM 메모: 추정 회의 예정")
    first = _comment(tmp_path, "I3")
    assert first is not None and _lines(first.text)[0] == (
        "JIRA DLV-200 (done_ratio): 4개 중 1개 완료 → 25%")
    stamp = (tmp_path / "okr.xlsx").stat().st_mtime_ns
    assert runner.invoke(app, ["pull", "-c", str(config), *CLI_AS_OF]).exit_code == 0
    assert (tmp_path / "okr.xlsx").stat().st_mtime_ns == stamp  # same value: not touched
    _export(tmp_path, done=3)  # a day later (a pull is known by its second)
    assert runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-21"]
                         ).exit_code == 0
    moved = _comment(tmp_path, "I3")
    assert moved is not None and _lines(moved.text)[0] == (
        "JIRA DLV-200 (done_ratio): 4개 중 3개 완료 → 75%")
    undone = runner.invoke(app, ["undo", "-c", str(config)])
    assert undone.exit_code == 0, undone.output
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I3"].value == pytest.approx(0.25)
    assert sheet["I3"].comment is None  # the evidence of the undone value went with it
    assert sheet["I2"].comment is not None and sheet["I2"].comment.author == "Kim"

"""The change log reads the same from every backend: one parser (LogRecord.from_cells),
and the odd values a person (or Google's UNFORMATTED_VALUE) can leave in the log tab."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from okrsync.core.template import dashboard
from okrsync.sheets.base import LOG_HEADER, LOG_TAB, LogRecord
from okrsync.sheets.xlsx import XlsxSheet


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("", None), ("   ", None), (None, None), (True, "TRUE"), (False, "FALSE"), (55, 55.0),
     (0.55, 0.55), (0, 0.0), ("at risk", "at risk"), ("0", "0"),
     (date(2024, 8, 20), "2024-08-20"), (datetime(2024, 8, 20, 9, 30), "2024-08-20T09:30:00")],
)
def test_odd_values_read_the_same_everywhere(cell, expected):
    record = LogRecord.from_cells(["2024-08-20T10:00:00+09:00", "p1", 8, "KR", "K8", "3Q",
                                   cell, cell, "JIRA"])
    assert record is not None
    assert record.old == expected and record.new == expected


def test_short_rows_numbers_as_texts_and_rows_without_a_time():
    assert LogRecord.from_cells([]) is None
    assert LogRecord.from_cells(["", "p1", 3]) is None
    assert LogRecord.from_cells([None, "note below the log"]) is None
    short = LogRecord.from_cells(["t", 7, 8.0, 2024])
    assert short == LogRecord("t", "7", 8, "2024", "", "", None, None, "")
    assert LogRecord.from_cells(["t", "p", "12", "KR", True]).row == 12
    assert LogRecord.from_cells(["t", "p", "row?", "KR"]).row == 0
    assert LogRecord.from_cells(["t", "p", True, "KR"]).row == 0


def test_the_xlsx_and_a_google_style_row_give_the_same_record(tmp_path):
    row = ["2024-08-20T10:00:00+09:00", "p1", 8, "KR", "K8", "3Q", "", True, "JIRA"]
    book = Workbook()
    sheet = book.active
    sheet.title = "OKR"
    log = book.create_sheet(LOG_TAB)
    log.append(list(LOG_HEADER))
    log.append(row)
    book.save(tmp_path / "okr.xlsx")
    from_xlsx = XlsxSheet(tmp_path / "okr.xlsx").read_log()
    assert from_xlsx == [LogRecord.from_cells(row)]
    assert from_xlsx[0].old is None and from_xlsx[0].new == "TRUE"


def test_the_xlsx_backend_creates_an_empty_dashboard(tmp_path):
    path = tmp_path / "okr.xlsx"
    XlsxSheet(path).create_dashboard("2025 OKR", dashboard("en"))
    sheet = load_workbook(path)["2025 OKR"]
    assert sheet.freeze_panes == "D3"
    assert "G1:H1" in {str(m) for m in sheet.merged_cells.ranges}
    assert [sheet.cell(2, c).value for c in range(7, 13)] == [
        "Start", "Target", "Q1", "Q2", "Q3", "Q4"]
    assert sheet["A1"].font.b and sheet.column_dimensions["C"].width > 10
    from okrsync.errors import ConfigError

    with pytest.raises(ConfigError, match="already exists; pass --force"):
        XlsxSheet(path).create_dashboard("2025 OKR", dashboard("en"))
    XlsxSheet(path).create_dashboard("OKR", dashboard("ko"), replace=True)
    assert load_workbook(path).sheetnames == ["OKR"]

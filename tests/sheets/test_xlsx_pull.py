"""Pulls on .xlsx workbooks: what is written, and what is never touched."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from okrsync.config import load_config
from okrsync.core.grid import CellWrite, ValueKind
from okrsync.errors import ConfigError, ExitCode, SourceError
from okrsync.sheets.base import LOG_TAB
from okrsync.sheets.xlsx import XlsxSheet
from okrsync.sync import run_pull
from tests.helpers import EN_HEADER, issue, make_workbook, snapshot, write_config

AS_OF = date(2024, 8, 20)  # Q3, 64% of the year passed


def pull(config: Path, **kwargs):
    return run_pull(load_config(config), kwargs.pop("as_of", AS_OF), **kwargs)


def test_example_pull_writes_jira_values_achievement_status_and_colors(example):
    result = pull(example)
    assert result.exit_code is ExitCode.OK and result.written
    sheet = load_workbook(example.parent / "okr-dashboard.xlsx")["2024 OKR"]
    # 상담 자동화 (CX-100, 완료율): 11 of 20 children done; the row is %-formatted.
    assert sheet["K8"].value == pytest.approx(0.55)
    assert "%" in sheet["K8"].number_format
    # PAY-120 points_ratio: 24 of 40 points; KR typed as "0%" → "100%" text.
    assert sheet["K11"].value == pytest.approx(0.60)
    # Andon JQL done_count: 7 issues done.
    assert sheet["K12"].value == 7
    # Two epics, 9 of 20 children done.
    assert sheet["K15"].value == pytest.approx(0.45)
    # Achievement of manual KRs from typed values; the 3분 KR goes down.
    assert sheet["M5"].value == pytest.approx(0.4)
    assert sheet["M6"].value == pytest.approx(0.45)
    assert sheet["M10"].value == pytest.approx(0.47)  # 46.67%: whole percents, one rule
    assert "%" in sheet["M5"].number_format
    assert sheet["P5"].value == "주의"  # a Korean sheet gets Korean statuses
    assert sheet["P8"].value == "순항"
    assert sheet["Q8"].value == "2024-08-20"
    assert sheet["Q5"].value is None  # manual KRs are not "synced"
    # Colors: achievement cell and every quarter cell with a value.
    assert sheet["M8"].fill.fgColor.rgb.endswith(_color_of(0.55))
    assert sheet["I5"].fill.fgColor.rgb.endswith(_color_of(0.2))  # 4.1점: (4.1-4)/(0.5)
    assert sheet["L5"].fill.fill_type is None  # no Q4 value, no color


def _color_of(value: float) -> str:
    from okrsync.core.progress import color

    return color(value)


def test_a_pull_changes_no_cell_it_does_not_own(example):
    workbook = example.parent / "okr-dashboard.xlsx"
    before = snapshot(workbook)
    result = pull(example)
    after = snapshot(workbook)
    assert set(after) == set(before) | {LOG_TAB}
    assert after["운영 가이드"] == before["운영 가이드"]
    owned_columns = {"I", "J", "K", "L", "M", "P", "Q"}  # quarters, achievement, status, synced
    changed = {
        address for address in before["2024 OKR"]
        if before["2024 OKR"][address] != after["2024 OKR"].get(address)
    }
    assert changed, "the pull should have changed something"
    assert all(address.rstrip("0123456789") in owned_columns for address in changed), changed
    # Quarter values: only the current quarter (3Q = K) of JIRA-linked rows.
    values_changed = {
        address for address in changed
        if before["2024 OKR"][address][0] != after["2024 OKR"][address][0]
    }
    quarter_values = {a for a in values_changed if a[0] in "IJKL"}
    assert quarter_values == {"K8", "K11", "K12", "K15"}
    # The formula in an unknown column survives as a formula.
    assert after["2024 OKR"]["R5"][0].startswith("=COUNTA")
    # Every value changed is listed (the synced stamps of the JIRA rows included).
    assert {change.cell for change in result.changes} == values_changed
    assert {a for a in values_changed if a[0] == "Q"} == {"Q8", "Q11", "Q12", "Q15"}


def test_pull_is_idempotent(example):
    workbook = example.parent / "okr-dashboard.xlsx"
    pull(example)
    first = workbook.read_bytes()
    second = pull(example)
    assert second.changes == [] and second.recolored == 0 and not second.written
    assert workbook.read_bytes() == first


def test_dry_run_writes_nothing(example):
    workbook = example.parent / "okr-dashboard.xlsx"
    before = workbook.read_bytes()
    result = pull(example, dry_run=True)
    assert result.changes and not result.written
    assert workbook.read_bytes() == before


def test_output_keeps_the_original(example, tmp_path):
    workbook = example.parent / "okr-dashboard.xlsx"
    before = workbook.read_bytes()
    out = tmp_path / "out.xlsx"
    pull(example, output=out)
    assert workbook.read_bytes() == before
    assert load_workbook(out)["2024 OKR"]["K8"].value == pytest.approx(0.55)



def test_output_makes_the_copy_even_when_nothing_changes(example, tmp_path):
    """`--output` asks for a copy: a pull with no value to change still makes it, and
    still refuses to replace a file that is not an earlier copy of this workbook."""
    pull(example)  # everything up to date in place
    out = tmp_path / "copy.xlsx"
    again = pull(example, output=out)
    assert not again.changes and out.exists()
    assert load_workbook(out)["2024 OKR"]["K8"].value == pytest.approx(0.55)
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"someone's own file")
    with pytest.raises(ConfigError, match="already exists and is not a copy"):
        pull(example, output=other)
    assert other.read_bytes() == b"someone's own file"


def test_a_percent_written_into_an_unformatted_cell_shows_a_whole_percent(example):
    """As every report shows achievement: 46.67% reads 47% in the sheet too."""
    workbook = example.parent / "okr-dashboard.xlsx"
    before = load_workbook(workbook)["2024 OKR"]
    assert before["M8"].number_format == "General"
    pull(example)
    sheet = load_workbook(workbook)["2024 OKR"]
    assert sheet["M8"].number_format == "0%"
    assert sheet["M8"].value == pytest.approx(0.55)

def test_change_log_records_old_and_new(example):
    pull(example)
    workbook = example.parent / "okr-dashboard.xlsx"
    rows = list(load_workbook(workbook)[LOG_TAB].iter_rows(values_only=True))
    assert rows[0] == ("time", "pull", "row", "key result", "cell", "column", "old", "new",
                       "source")
    k8 = next(r for r in rows if r[4] == "K8")
    assert k8[2] == 8 and k8[3] == "상담 자동화 에픽 완료" and k8[6] is None and k8[7] == 55
    assert k8[8] == "JIRA CX-100 (done_ratio)"
    records = XlsxSheet(workbook, "2024 OKR").read_log()
    assert len(records) == len(rows) - 1


def _sheet_with(tmp_path, rows, export_issues=(), **kwargs):
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, *rows], **kwargs)
    (tmp_path / "export.json").write_text(json.dumps({"issues": list(export_issues)}))
    return write_config(tmp_path, "okr.xlsx", "export.json")


def test_bad_value_fails_only_its_kr(tmp_path):
    config = _sheet_with(
        tmp_path,
        [
            ["Eng", "Ship", "good", "Kim", 0, 10, 5],
            ["Eng", "Ship", "bad", "Lee", 0, "열 개", 5],
            ["Eng", "Ship", "linked", "Park", "0%", "100%", None, None, None, None, None,
             "E-1"],
        ],
        [issue("E-2", "done", "E-1"), issue("E-3", "new", "E-1")],
    )
    result = pull(config)
    assert result.exit_code is ExitCode.PARTIAL
    assert [(p.row, p.message) for p in result.problems] == [(3, "F3: '열 개' is not a number")]
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["K2"].value == pytest.approx(0.5)
    assert sheet["I4"].value == pytest.approx(0.5)  # the linked KR is still written
    assert sheet["K3"].value is None  # the bad KR is skipped
    assert sheet["N3"].value == "no data · F3: '열 개' is not a number"


def test_bad_link_fails_only_its_kr(tmp_path):
    config = _sheet_with(
        tmp_path,
        [
            ["Eng", "O", "unknown metric", "", 0, 10, None, None, None, None, None, "E-1",
             "velocity"],
            ["Eng", "O", "bad jql", "", 0, 10, None, None, None, None, None, "summary ~ x",
             "count"],
            ["Eng", "O", "good", "", 0, 10, None, None, None, None, None, "E-1", "count"],
        ],
        [issue("E-2", "done", "E-1")],
    )
    result = pull(config)
    assert result.exit_code is ExitCode.PARTIAL
    messages = {p.row: p.message for p in result.problems}
    assert messages[2].startswith("M2: unknown JIRA metric 'velocity'")
    assert "JIRA server is needed" in messages[3]
    assert load_workbook(tmp_path / "okr.xlsx").active["I4"].value == 1


def test_formulas_in_owned_cells_are_left_alone(tmp_path):
    config = _sheet_with(
        tmp_path,
        [
            ["Eng", "O", "formula achievement", "", 0, 10, 5, None, None, None, "=(G2-E2)/(F2-E2)"],
            ["Eng", "O", "formula quarter", "", 0, 10, 5, None, "=G3*2", None, None, "E-1"],
        ],
        [issue("E-2", "done", "E-1")],
    )
    result = pull(config)
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["K2"].value == "=(G2-E2)/(F2-E2)"
    assert sheet["K2"].fill.fill_type == "solid"  # still colored
    assert sheet["I3"].value == "=G3*2"
    assert [p.message for p in result.problems] == [
        "I3 holds a formula, so JIRA's value has nowhere to go (okrsync leaves formulas alone); "
        "clear the cell or unlink the KR"]


def test_text_starting_with_equals_is_written_as_text(tmp_path):
    path = make_workbook(tmp_path / "w.xlsx", [EN_HEADER, ["d", "o", "kr", "", 0, 1]])
    sheet = XlsxSheet(path)
    sheet.read()
    sheet.write([CellWrite(1, 13, True, "=HYPERLINK(\"http://x\")", ValueKind.TEXT)], [])
    cell = load_workbook(path).active["N2"]
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


def test_a_workbook_changed_since_the_read_is_not_overwritten(tmp_path):
    path = make_workbook(tmp_path / "w.xlsx", [EN_HEADER, ["d", "o", "kr", "", 0, 1]])
    sheet = XlsxSheet(path)
    sheet.read()
    make_workbook(path, [EN_HEADER, ["someone", "else", "saved", "", 0, 1]])
    before = path.read_bytes()
    with pytest.raises(SourceError, match="changed by someone else"):
        sheet.write([CellWrite(1, 13, True, "x", ValueKind.TEXT)], [])
    assert path.read_bytes() == before


def test_a_crash_while_saving_leaves_the_original_intact(tmp_path, monkeypatch):
    path = make_workbook(tmp_path / "w.xlsx", [EN_HEADER, ["d", "o", "kr", "", 0, 1]])
    before = path.read_bytes()
    sheet = XlsxSheet(path)
    sheet.read()

    def crash(self, stream):
        stream.write(b"half a zip")  # okrsync saves through the temporary file's descriptor
        raise OSError("disk full")

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", crash)
    with pytest.raises(SourceError, match="cannot save .*w.xlsx: disk full. Nothing was "):
        sheet.write([CellWrite(1, 13, True, "x", ValueKind.TEXT)], [])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.xlsx"]


def test_missing_tab_lists_the_tabs(tmp_path):
    make_workbook(tmp_path / "w.xlsx", [EN_HEADER], title="Sheet A")
    with pytest.raises(SourceError, match="no tab 'Nope'; its tabs are: 'Sheet A'"):
        XlsxSheet(tmp_path / "w.xlsx", "Nope").read()


def test_fiscal_year_moves_the_current_quarter(tmp_path):
    config = _sheet_with(
        tmp_path,
        [["Eng", "O", "linked", "", 0, 100, None, None, None, None, None, "E-1", "count"]],
        [issue("E-2", "done", "E-1"), issue("E-3", "new", "E-1")],
    )
    text = config.read_text() + "[okr]\nfiscal_year_start_month = 4\n"
    config.write_text(text)
    pull(config, as_of=date(2025, 2, 10))  # FY starting April 2024: Q4
    assert load_workbook(tmp_path / "okr.xlsx").active["J2"].value == 2


def test_a_sheet_for_another_year_is_never_written(tmp_path):
    config = _sheet_with(
        tmp_path,
        [["Eng", "O", "linked", "", 0, 100, None, None, None, None, None, "E-1", "count"]],
        [issue("E-2", "done", "E-1")],
    )
    config.write_text(config.read_text() + "[okr]\nyear = 2024\n")
    before = (tmp_path / "okr.xlsx").read_bytes()
    with pytest.raises(ConfigError, match=r"\[okr\] year: the sheet is for 2024, but "
                                          r"2025-02-10 falls in OKR year 2025"):
        pull(config, as_of=date(2025, 2, 10))
    assert (tmp_path / "okr.xlsx").read_bytes() == before
    assert pull(config).exit_code is ExitCode.OK  # a 2024 date is fine


def test_a_workbook_with_a_chart_is_not_overwritten(tmp_path):
    from openpyxl.chart import BarChart, Reference

    config = _sheet_with(tmp_path, [["Eng", "O", "kr", "", 0, 10, 5]])
    book = load_workbook(tmp_path / "okr.xlsx")
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=7, min_row=1, max_row=2))
    book.active.add_chart(chart, "Q5")
    book.save(tmp_path / "okr.xlsx")
    before = (tmp_path / "okr.xlsx").read_bytes()
    with pytest.raises(SourceError, match="contains charts and drawings or images, which "
                                          "openpyxl"):
        pull(config)
    assert (tmp_path / "okr.xlsx").read_bytes() == before
    assert pull(config, dry_run=True).changes  # reading and dry runs still work
    copy = tmp_path / "copy.xlsx"
    assert pull(config, output=copy).written  # and a copy can be written
    assert load_workbook(copy).active["K2"].value == pytest.approx(0.5)


def test_an_empty_percent_formatted_quarter_cell_gets_a_percentage(tmp_path):
    # Start and target typed as plain numbers; only the quarter cells are formatted as
    # percentages. JIRA's 50 (a share) must show as 50%, not 5000%.
    config = _sheet_with(
        tmp_path,
        [["Eng", "Ship", "linked", "Kim", 0, 100, None, None, None, None, None, "E-1"]],
        [issue("E-2", "done", "E-1"), issue("E-3", "new", "E-1")],
        number_formats={"G2": "0%", "H2": "0%", "I2": "0%", "J2": "0%"},
    )
    result = pull(config)
    assert result.exit_code is ExitCode.OK, result.problems
    cell = load_workbook(tmp_path / "okr.xlsx").active["I2"]
    assert cell.value == pytest.approx(0.5) and "%" in cell.number_format

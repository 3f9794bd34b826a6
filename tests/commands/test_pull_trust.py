"""Pulls and checks driven through the CLI: every number written is one okrsync can
stand behind, and `check` says so before anything is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.config import load_config
from okrsync.workspace import sheet_identity
from tests.helpers import EN_HEADER, issue_id, make_workbook, write_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jira"
AS_OF = ["--as-of", "2024-08-20"]
runner = CliRunner()


def okrsync(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def dashboard(folder: Path, rows, export: str) -> Path:
    make_workbook(folder / "okr.xlsx", [EN_HEADER, *rows])
    shutil.copy(FIXTURES / export, folder / export)
    return write_config(folder, "okr.xlsx", export)


def kr(text: str, start, target, link: str, metric: str = ""):
    return ["Eng", "O", text, "", start, target, None, None, None, None, None, link, metric]


@pytest.mark.parametrize(("export", "link", "metric"), [
    ("server-no-status-category.json", "statusCategory = Done", "count"),  # item 2
    ("cloud-two-story-point-fields-both.json", "TMSP-70", "points_ratio"),  # item 3
    ("all-fields-export.csv", "key = DI-99999", "count"),  # item 4
])
def test_check_fails_where_a_pull_could_not_stand_behind_a_number(tmp_path, export, link,
                                                                   metric):
    start, target = (0, 10) if metric == "count" else ("0%", "100%")
    config = dashboard(tmp_path, [kr("KR", start, target, link, metric)], export)
    checked = okrsync("check", "-c", str(config), *AS_OF)
    assert checked.exit_code == 1, checked.output
    assert "a pull would be partial" in checked.output
    pulled = okrsync("pull", "-c", str(config), *AS_OF)
    assert pulled.exit_code == 1
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value is None  # no number written
    assert sheet["N2"].value.startswith("no data · JIRA: ")
    assert str(tmp_path) not in sheet["N2"].value  # item 7: nothing machine-specific


@pytest.mark.parametrize("export", ["error-response.json", "not-a-search.json"])
def test_an_export_that_is_not_a_search_result_stops_check_and_pull(tmp_path, export):
    config = dashboard(tmp_path, [kr("KR", 0, 10, "project = DPX", "count")], export)
    before = (tmp_path / "okr.xlsx").read_bytes()
    for command in ("check", "pull"):
        result = okrsync(command, "-c", str(config), *AS_OF)
        assert result.exit_code == 3, result.output
        assert "search result" in result.output and "nothing was written" in result.output
    assert (tmp_path / "okr.xlsx").read_bytes() == before


def test_an_epic_without_names_is_counted_whole(tmp_path):
    # Item 1: JIRA Server 7, no names: JUZT-21's stories hang on Epic Link.
    config = dashboard(tmp_path, [kr("Epic", "0%", "100%", "JUZT-21"),
                                  kr("By JQL", 0, 10, '"Epic Link" = JUZT-21', "count")],
                       "server7-epic-no-names.json")
    result = okrsync("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value == pytest.approx(0.3333)
    assert sheet["I3"].value == 2


@pytest.mark.parametrize(("start", "target", "metric", "message"), [
    ("0%", "100%", "count", "this KR is kept in %"),
    (0, 12, "", "this KR counts in plain numbers"),
    ("0건", "12건", "done_ratio", "this KR counts in 건"),
])
def test_a_metric_whose_unit_does_not_fit_the_kr_is_a_problem(tmp_path, start, target,
                                                                metric, message):
    config = dashboard(tmp_path, [kr("KR", start, target, "TMSP-70", metric)],
                       "cloud-two-story-point-fields.json")
    result = okrsync("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 1 and message in result.output, result.output
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value is None


def test_non_finite_numbers_fail_their_kr_before_anything_is_written(tmp_path):
    config = dashboard(tmp_path, [kr("KR", "-1e308", "1e308", "", ""),
                                  kr("fine", 0, 10, "", "")], "not-a-search.json")
    config.write_text(config.read_text().replace('export = "not-a-search.json"', ""))
    sheet = load_workbook(tmp_path / "okr.xlsx")
    sheet.active["E2"], sheet.active["F2"], sheet.active["G2"] = -1e308, 1e308, 0
    sheet.active["G3"] = 5
    sheet.save(tmp_path / "okr.xlsx")
    assert okrsync("check", "-c", str(config), *AS_OF).exit_code == 1
    result = okrsync("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 1 and "too large" in result.output, result.output
    written = load_workbook(tmp_path / "okr.xlsx").active
    assert written["K2"].value is None and written["N2"].value.startswith("no data")
    assert written["K3"].value == pytest.approx(0.5)


def test_one_workbook_has_one_lock_however_the_config_spells_it(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER])
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.xlsx").symlink_to(tmp_path / "okr.xlsx")
    spellings = [('"okr.xlsx"', 'worksheet = "OKR"'), ('"sub/../okr.xlsx"', ""),
                 ('"link.xlsx"', ""), (f'"{tmp_path / "okr.xlsx"}"', 'worksheet = "OKR"')]
    identities = set()
    for number, (spreadsheet, worksheet) in enumerate(spellings):
        path = tmp_path / f"c{number}.toml"
        path.write_text(f"[sheet]\nspreadsheet = {spreadsheet}\n{worksheet}\n", encoding="utf-8")
        identities.add(sheet_identity(load_config(path)))
    assert len(identities) == 1


def test_a_sheet_naming_its_year_is_never_pulled_in_another(tmp_path):
    # January: this year's values would go into last year's Q1, over what people typed.
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, kr("KR", 0, 10, "JUZT-21", "count")],
                  title="2024 OKR")
    shutil.copy(FIXTURES / "server7-epic-no-names.json", tmp_path / "export.json")
    config = write_config(tmp_path, "okr.xlsx", "export.json")
    before = (tmp_path / "okr.xlsx").read_bytes()
    for command in ("check", "pull", "report"):
        result = okrsync(command, "-c", str(config), "--as-of", "2025-01-10")
        assert result.exit_code == 2, result.output
        assert ("the sheet is for 2024 (the tab name '2024 OKR'), but 2025-01-10 falls in OKR "
                "year 2025") in result.output
        assert "set [okr] year = 2025" in result.output
    assert (tmp_path / "okr.xlsx").read_bytes() == before
    # Said so in the config: the sheet is this year's after all.
    config = write_config(tmp_path, "okr.xlsx", "export.json", year=2025)
    assert okrsync("check", "-c", str(config), "--as-of", "2025-01-10").exit_code == 0


@pytest.mark.parametrize(("row", "said"), [
    # A count of done issues is no score (item 13, beyond %): never 1 written into 4.0점→4.5점.
    (kr("Score", "4.0점", "4.5점", "JUZT-21", "done_count"),
     "done_count counts issues, but this KR is kept in 점"),
    (kr("Minutes", "5분", "3점", ""), "E2, F2: the values are in different units (분, 점)"),
    (["Eng", "O", "Quarter", "", "5분", "3분", "4점"],
     "E2, G2: the values are in different units (분, 점)"),
    (["Eng", "O", None, "", 0, 10, None, None, None, None, None, "JUZT-21", "count"],
     "C2: no key result, but a JIRA link in L2"),
])
def test_what_cannot_be_compared_is_a_problem_named_by_its_cells(tmp_path, row, said):
    config = dashboard(tmp_path, [row], "server7-epic-no-names.json")
    checked = okrsync("check", "-c", str(config), *AS_OF)
    assert checked.exit_code == 1, checked.output
    assert said in checked.output
    assert okrsync("pull", "-c", str(config), *AS_OF).exit_code == 1
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value is None and sheet["K2"].value is None  # no number written


def test_superscripts_and_digits_of_other_scripts_are_problems_not_digits(tmp_path):
    """`10²` is not 102 (NFKC would fold ² into 2) and `1٠5` (an Arabic-Indic zero that
    looks like a dot) is not 105, in the sheet and in a JIRA field alike."""
    import json

    from tests.helpers import issue

    (tmp_path / "export.json").write_text(json.dumps({
        "names": {"customfield_2": "Revenue"},
        "issues": [issue("P-1", "done", "P-100", customfield_2="1٠5"),
                   issue("P-2", "done", "P-100", customfield_2="10")]}), encoding="utf-8")
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["Eng", "O", "Squared", "", 0, "10²", 5],
        ["Eng", "O", "Dotted", "", 0, 200, "1٠5"],
        kr("Revenue", 0, 500, "P-100", "sum:Revenue"),
        ["Eng", "O", "Plain", "", 0, 10, 5]])
    config = write_config(tmp_path, "okr.xlsx", "export.json")
    result = okrsync("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 1, result.output
    flat = " ".join(result.output.split())
    assert "F2: '10²' is not a number: ² (superscript two) is not a digit 0–9" in flat
    assert "G3: '1٠5' is not a number: ٠ (arabic-indic digit zero) is not a digit 0–9" in flat
    assert "Revenue holds something that is not a number on P-1" in flat
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert [sheet[f"K{row}"].value for row in (2, 3, 4)] == [None, None, None]
    assert sheet["I4"].value is None  # no sum written from half the issues
    assert sheet["K5"].value == pytest.approx(0.5)  # the clean KR is written


def test_the_lock_holds_while_its_run_saves_the_workbook(tmp_path):
    """A run holds the sheet's lock and saves the workbook (a new file renamed over the
    old one): a second run still meets the lock and does nothing."""
    from okrsync.core.grid import CellWrite, ValueKind
    from okrsync.sheets.xlsx import XlsxSheet
    from okrsync.workspace import sheet_lock

    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, ["Eng", "O", "kr", "", 0, 10, 5]])
    config = write_config(tmp_path, "okr.xlsx")
    inode = (tmp_path / "okr.xlsx").stat().st_ino
    lock = sheet_lock(load_config(config))
    lock.acquire()
    try:
        running = XlsxSheet(tmp_path / "okr.xlsx")  # the first run, writing
        running.read()
        running.write([CellWrite(1, 10, True, 50.0, ValueKind.PERCENT)], [])
        assert (tmp_path / "okr.xlsx").stat().st_ino != inode
        second = okrsync("pull", "-c", str(config), *AS_OF)
        assert second.exit_code == 5, second.output
        assert "another okrsync run is changing okr.xlsx right now" in second.output
    finally:
        lock.release()


def test_a_cloud_export_is_known_by_its_epic_parents(tmp_path):
    """Issue 21 item 5: no hierarchyLevel, no nextPageToken, no names, no Epic Link field:
    issues whose parent is an epic are a JIRA Cloud export, and the epic's children count."""
    import json

    def bean(key: str, category: str, parent: str | None = None) -> dict:
        fields: dict = {"status": {"name": category, "statusCategory": {"key": category}},
                        "issuetype": {"name": "Epic" if parent is None else "Story",
                                      "subtask": False}}
        if parent:
            fields["parent"] = {"id": issue_id(parent), "key": parent,
                                "fields": {"issuetype": {"name": "Epic"}}}
        return {"id": issue_id(key), "key": key, "fields": fields}

    (tmp_path / "export.json").write_text(json.dumps({
        "startAt": 0, "maxResults": 50, "total": 4,
        "issues": [bean("DLV-100", "indeterminate"), bean("DLV-1", "done", "DLV-100"),
                   bean("DLV-2", "new", "DLV-100"), bean("DLV-3", "done", "DLV-100")]}),
        encoding="utf-8")
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, kr("Epic", 0, 10, "DLV-100",
                                                        "done_count")])
    config = write_config(tmp_path, "okr.xlsx", "export.json")
    result = okrsync("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value == 2

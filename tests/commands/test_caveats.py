"""An open unestimated issue is a caveat, not a problem: the KR gets JIRA's number (the
issue counts 0 points, as JIRA's own reports count it) and every output says so."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, KO_HEADER, unestimated_dashboard

AS_OF = ["--as-of", "2024-08-20"]
runner = CliRunner()


def test_the_kr_gets_jiras_number_and_every_output_names_the_unestimated_issue(tmp_path):
    config = unestimated_dashboard(tmp_path, EN_HEADER)
    checked = runner.invoke(app, ["check", "-c", str(config), *AS_OF])
    assert checked.exit_code == 0, checked.output  # a caveat is not a partial pull
    assert "1 unestimated issue(s) (DLV-316) counted as 0 points" in checked.output
    pulled = runner.invoke(app, ["pull", "-c", str(config), *AS_OF])
    assert pulled.exit_code == 0, pulled.output
    assert "row 2 (Delivery): 1 unestimated issue(s) (DLV-316) counted as 0 points" in (
        pulled.output)
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value == pytest.approx(0.7)  # (5 + 2) of 10 points, as JIRA says
    assert sheet["N2"].value.endswith("· 1 unestimated issue(s) (DLV-316) counted as 0 points")
    events = runner.invoke(app, ["pull", "-c", str(config), *AS_OF, "--dry-run",
                                 "--log-format", "json"])
    caveats = [json.loads(line) for line in events.output.splitlines()
               if '"caveat"' in line]
    assert caveats == [{"event": "caveat", "row": 2, "key_result": "Delivery",
                        "message": "1 unestimated issue(s) (DLV-316) counted as 0 points"}]


def test_the_report_and_the_digest_show_the_caveat_the_pull_wrote(tmp_path):
    config = unestimated_dashboard(tmp_path, EN_HEADER)
    assert runner.invoke(app, ["pull", "-c", str(config), *AS_OF]).exit_code == 0
    said = "1 unestimated issue(s) (DLV-316) counted as 0 points"
    table = runner.invoke(app, ["report", "-c", str(config), *AS_OF])
    assert table.exit_code == 0 and f"row 2 (Delivery): {said}" in table.output
    markdown = runner.invoke(app, ["report", "-c", str(config), *AS_OF, "-f", "markdown"])
    assert f"※ {said}" in markdown.output, markdown.output
    (found,) = json.loads(runner.invoke(app, ["report", "-c", str(config), *AS_OF,
                                              "-f", "json"]).output)
    assert found["caveats"] == [said] and found["error"] is None
    digest = runner.invoke(app, ["digest", "-c", str(config), *AS_OF])
    assert f"(※ {said})" in digest.output, digest.output


def test_a_korean_sheet_says_it_in_korean(tmp_path):
    config = unestimated_dashboard(tmp_path, KO_HEADER)
    pulled = runner.invoke(app, ["pull", "-c", str(config), *AS_OF])
    assert pulled.exit_code == 0, pulled.output
    status = load_workbook(tmp_path / "okr.xlsx").active["N2"].value
    assert status.endswith("· 미추정 이슈 1개(DLV-316)는 0포인트로 셈"), status

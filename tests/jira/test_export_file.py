"""The file `okrsync export` writes: it says which JIRA it came from (the manifest's
"deployment"), which an offline pull takes rather than guess from the issues' shapes;
and it is told from any other file by how it begins, so that only it is replaced
without --force."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.jira.export import ExportSource
from okrsync.jira.links import IssueKeys
from tests.helpers import EN_HEADER, live_config, make_workbook
from tests.standins.jira import JiraStandIn

runner = CliRunner()


@pytest.mark.parametrize("cloud", [True, False], ids=["cloud", "server"])
def test_an_okrsync_export_knows_its_deployment(tmp_path, monkeypatch, cloud):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "s3cr3t-T0KEN-4f9a")
    with JiraStandIn(cloud=cloud) as jira:
        jira.add("EP-1", "indeterminate", issuetype="Epic")
        for number, category in enumerate(["done", "new"], start=1):
            jira.add(f"ST-{number}", category, epic="EP-1")
        make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, [
            "Eng", "O", "Epic", "", 0, 10, None, None, None, None, None, "EP-1",
            "done_count"]])
        config = live_config(tmp_path, jira, "okr.xlsx")
        saved = tmp_path / "jira-export.json"
        result = runner.invoke(app, ["export", "-c", str(config), "-o", str(saved)])
        assert result.exit_code == 0, result.output
    source = ExportSource.load(saved)
    contents = source.contents
    assert contents.cloud is cloud
    assert contents.epic_problem == ""
    assert (contents.epic_field is None) is cloud  # Server / DC: Epic Link, found by name
    expected = 'parent in (EP-1)' + ('' if cloud else ' OR "Epic Link" in (EP-1)')
    assert source.query_of(IssueKeys(("EP-1",))) == expected


def test_export_replaces_its_own_file_never_a_jira_export_that_mentions_okrsync(
        tmp_path, monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "s3cr3t-T0KEN-4f9a")
    with JiraStandIn(cloud=True) as jira:
        jira.add("EP-1", "indeterminate", issuetype="Epic")
        jira.add("ST-1", "done", epic="EP-1", labels=("okrsync",))
        make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, [
            "Eng", "O", "Epic", "", 0, 10, None, None, None, None, None, "EP-1", "count"]])
        config = live_config(tmp_path, jira, "okr.xlsx")
        saved = tmp_path / "jira-export.json"
        export = ["export", "-c", str(config), "-o", str(saved)]
        for _ in range(2):  # okrsync's own file is replaced
            result = runner.invoke(app, export)
            assert result.exit_code == 0, result.output
        by_hand = tmp_path / "by-hand.json"  # saved from JIRA: the label is in it
        by_hand.write_text('{"expand": "names,schema", "startAt": 0, "issues": [{"key": '
                           '"ST-1", "fields": {"labels": ["okrsync"]}}], "total": 1}',
                           encoding="utf-8")
        before = by_hand.read_bytes()
        result = runner.invoke(app, ["export", "-c", str(config), "-o", str(by_hand)])
        assert result.exit_code == 2 and "is not an okrsync export" in result.output
        assert by_hand.read_bytes() == before
        result = runner.invoke(app, ["export", "-c", str(config), "-o", str(by_hand),
                                     "--force"])
        assert result.exit_code == 0, result.output

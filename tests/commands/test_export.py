"""`okrsync export`: a file from a machine that reaches JIRA, that an offline pull can
check whole and answers exactly as JIRA did."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, live_config, make_workbook, write_config
from tests.standins.jira import JiraStandIn

AS_OF = ["--as-of", "2024-08-20"]
runner = CliRunner()
KRS = [("EP-1", "done_ratio", "0%", "100%"), ("labels = okr", "count", 0, 10),
       ("filter=42", "done_count", 0, 10),
       ("project = ST AND created >= -2d", "count", 0, 10)]  # no export could answer this


def _sheet(folder, krs=KRS):
    rows = [["Eng", "O", f"KR {n}", "", start, target, None, None, None, None, None, link,
             metric] for n, (link, metric, start, target) in enumerate(krs)]
    make_workbook(folder / "okr.xlsx", [EN_HEADER, *rows])


@pytest.mark.parametrize("cloud", [True, False], ids=["cloud", "server"])
def test_an_offline_pull_from_the_export_writes_what_a_live_pull_writes(tmp_path, monkeypatch,
                                                                      cloud):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "s3cr3t-T0KEN-4f9a")
    live, offline = tmp_path / "live", tmp_path / "offline"
    live.mkdir(), offline.mkdir()
    with JiraStandIn(cloud=cloud) as jira:
        jira.add("EP-1", "indeterminate", issuetype="Epic")
        for number, category in enumerate(["done", "done", "new", "indeterminate"], 1):
            jira.add(f"ST-{number}", category, epic="EP-1", labels=("okr",))
        jira.filters[42] = "labels = okr AND statusCategory = Done"
        jira.advance(3 * 24 * 60)
        jira.add("ST-9", "new", labels=("late",))  # made within the last two days
        _sheet(live)
        config = live_config(live, jira, "okr.xlsx")
        saved = offline / "jira-export.json"
        result = runner.invoke(app, ["export", "-c", str(config), "-o", str(saved)])
        assert result.exit_code == 0, result.output
        assert f"Saved 5 issue(s) for 4 link(s) from {jira.url}" in result.output
        pulled = runner.invoke(app, ["pull", "-c", str(config), *AS_OF])
        assert pulled.exit_code == 0, pulled.output
    _sheet(offline)
    config = write_config(offline, "okr.xlsx", "jira-export.json")
    pulled = runner.invoke(app, ["pull", "-c", str(config), *AS_OF])
    assert pulled.exit_code == 0, pulled.output
    want = [[c.value for c in row[8:9]] for row in load_workbook(live / "okr.xlsx").active]
    got = [[c.value for c in row[8:9]] for row in load_workbook(offline / "okr.xlsx").active]
    assert got == want and got[1:] == [[0.5], [4], [2], [1]]
    assert saved.stat().st_mode & 0o777 == 0o600


def _made(tmp_path, monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "s3cr3t-T0KEN-4f9a")
    with JiraStandIn(cloud=True) as jira:
        jira.add("EP-1", "indeterminate", issuetype="Epic")
        for number in range(1, 4):
            jira.add(f"ST-{number}", "done", epic="EP-1")
        _sheet(tmp_path, KRS[:1])
        result = runner.invoke(app, ["export", "-c", str(live_config(tmp_path, jira,
                                                                     "okr.xlsx"))])
        assert result.exit_code == 0, result.output
    return tmp_path / "jira-export.json"


def test_a_file_that_lost_an_issue_stops_the_pull(tmp_path, monkeypatch):
    saved = _made(tmp_path, monkeypatch)
    document = json.loads(saved.read_text(encoding="utf-8"))
    document["issues"] = [i for i in document["issues"] if i["key"] != "ST-2"]
    document["total"] = len(document["issues"])
    saved.write_text(json.dumps(document), encoding="utf-8")
    config = write_config(tmp_path, "okr.xlsx", "jira-export.json")
    before = (tmp_path / "okr.xlsx").read_bytes()
    result = runner.invoke(app, ["pull", "-c", str(config), *AS_OF])
    assert result.exit_code == 3, result.output
    assert "lacks 1 of the 3 issues JIRA found for EP-1" in result.output
    assert (tmp_path / "okr.xlsx").read_bytes() == before


def test_a_link_the_export_was_not_made_for_is_that_krs_problem(tmp_path, monkeypatch):
    _made(tmp_path, monkeypatch)
    _sheet(tmp_path, [*KRS[:1], ("labels = other", "count", 0, 10)])
    config = write_config(tmp_path, "okr.xlsx", "jira-export.json")
    result = runner.invoke(app, ["pull", "-c", str(config), *AS_OF])
    assert result.exit_code == 1, result.output
    assert "labels = other is not in the okrsync export jira-export.json" in result.output
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value == 1  # EP-1: 3 of 3


def test_export_needs_a_live_jira_and_never_replaces_a_foreign_file(tmp_path):
    config = write_config(tmp_path, "okr.xlsx", "jira-export.json")
    _sheet(tmp_path)
    result = runner.invoke(app, ["export", "-c", str(config)])
    assert result.exit_code == 2 and "set [jira] server" in result.output
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    config.write_text(config.read_text().replace(
        'export = "jira-export.json"', 'server = "https://jira.example"\nauth = "pat"'))
    result = runner.invoke(app, ["export", "-c", str(config), "-o",
                                 str(tmp_path / "notes.json")])
    assert result.exit_code == 2 and "is not an okrsync export" in result.output
    assert (tmp_path / "notes.json").read_text() == "{}"

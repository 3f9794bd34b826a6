"""`okrsync explain`: which issues made a KR's number, and how — from an export and from
a live JIRA, for a person and for scripts."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, live_config, make_workbook, unestimated_dashboard
from tests.standins.jira import JiraStandIn

AS_OF = ["--as-of", "2024-08-20"]
runner = CliRunner()


def test_every_issue_the_arithmetic_and_the_caveat_are_shown(tmp_path):
    config = unestimated_dashboard(tmp_path, EN_HEADER)
    result = runner.invoke(app, ["explain", "-c", str(config), "--row", "2", *AS_OF])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Row 2 · Delivery" in out
    assert "DLV-100 — the child issues of DLV-100" in out
    assert "Counted: 7 of 10 Story point estimate (customfield_10016) done → 70%" in out
    assert "Caveat: 1 unestimated issue(s) (DLV-316) counted as 0 points" in out
    assert "(now 70 − start 0) ÷ (target 100 − start 0) = 70%" in out
    lines = {line.split()[0]: line.split() for line in out.splitlines()
             if line.strip().startswith("DLV-3")}
    assert lines["DLV-310"][-3:] == ["Done", "done", "5"]
    assert lines["DLV-316"][-3:] == ["not", "done", "–"]  # open, and no estimate
    data = json.loads(runner.invoke(app, ["explain", "-c", str(config), "--kr", "deliv",
                                          *AS_OF, "-f", "json"]).output)
    assert [i["key"] for i in data[0]["issues"]] == ["DLV-310", "DLV-311", "DLV-316",
                                                      "DLV-317"]
    assert data[0]["value"] == pytest.approx(70.0)
    assert [i["value"] for i in data[0]["issues"]] == [5, 3, None, 2]
    assert data[0]["achievement"] == pytest.approx(0.7)  # a fraction, as in report JSON
    assert data[0]["caveats"] == ["1 unestimated issue(s) (DLV-316) counted as 0 points"]
    assert data[0]["caveats"] == ["1 unestimated issue(s) (DLV-316) counted as 0 points"]


def test_a_kr_that_is_not_there_is_a_usage_error(tmp_path):
    config = unestimated_dashboard(tmp_path, EN_HEADER)
    for args, said in ((["--row", "9"], "no KR on row 9; KRs are on rows 2"),
                       (["--kr", "nope"], "no KR's text contains 'nope'"),
                       ([], "--row ROW or --kr TEXT")):
        result = runner.invoke(app, ["explain", "-c", str(config), *args, *AS_OF])
        assert result.exit_code == 2 and said in result.output, result.output


@pytest.mark.parametrize("cloud", [True, False], ids=["cloud", "server"])
def test_live_jira_shows_the_search_and_a_link_to_it(tmp_path, monkeypatch, cloud):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "s3cr3t-T0KEN-4f9a")
    with JiraStandIn(cloud=cloud) as jira:
        jira.add("EP-1", "indeterminate", issuetype="Epic")
        for number, category in enumerate(["done", "done", "new"], start=1):
            jira.add(f"ST-{number}", category, epic="EP-1")
        make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, [
            "Eng", "O", "Epic", "", 0, 10, None, None, None, None, None, "EP-1", "count"]])
        config = live_config(tmp_path, jira, "okr.xlsx")
        result = runner.invoke(app, ["explain", "-c", str(config), "--row", "2", *AS_OF,
                                     "-f", "json"])
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.output)
    expected = 'parent in ("EP-1")' + ('' if cloud else ' OR "Epic Link" in ("EP-1")')
    assert found["jql"] == expected
    assert unquote(found["url"]) == f"{jira.url}/issues/?jql={expected}"
    # a count is explained by the issues it counted, each with its summary
    assert [(i["key"], i["summary"], i["done"]) for i in found["issues"]] == [
        ("ST-1", "ST-1 work", True), ("ST-2", "ST-2 work", True), ("ST-3", "ST-3 work", False)]
    assert found["arithmetic"] == "3 issue(s)"


def test_explain_works_on_the_teams_day_as_the_pull_does(tmp_path):
    """At 00:30 on 1 January in Seoul (15:30 UTC the day before) the pull already works in
    the new year and quarter; so does explain, for the same `[okr] timezone`."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from okrsync.commands.explain import explain
    from okrsync.config import load_config
    from okrsync.environment import Environment
    from okrsync.sync import run_pull

    config = unestimated_dashboard(tmp_path, EN_HEADER)
    config.write_text(config.read_text() + '[okr]\ntimezone = "Asia/Seoul"\n')
    env = replace(Environment.from_system(),
                  clock=lambda: datetime(2024, 12, 31, 15, 30, tzinfo=UTC))
    pulled = run_pull(load_config(config), env=env, dry_run=True)
    explained = explain(env, load_config(config), row=2)
    assert pulled.state.period.quarter == explained.period.quarter == 1
    assert pulled.state.period.year.label == explained.period.year.label == 2025


def test_the_metric_is_named_in_the_sheets_language_with_its_id(example):
    result = runner.invoke(app, ["explain", "-c", str(example), "--row", "8", *AS_OF])
    assert result.exit_code == 0, result.output
    assert "기준: 완료율 (done_ratio)" in result.output

"""The search okrsync shows for a link (`okrsync explain`, the manifest of `okrsync
export`) is JQL JIRA runs as it stands, and costs no request of its own."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, live_config, make_workbook, write_config
from tests.standins.jira import JiraStandIn

AS_OF = ["--as-of", "2024-08-20"]
runner = CliRunner()


def _filter_requests(jira: JiraStandIn) -> int:
    return sum(1 for r in jira.requests if "/filter" in r.path)


@pytest.mark.parametrize("cloud", [True, False], ids=["cloud", "server"])
def test_a_saved_filter_is_shown_as_the_jql_that_runs_it(tmp_path, monkeypatch, cloud):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "s3cr3t-T0KEN-4f9a")
    with JiraStandIn(cloud=cloud) as jira:
        for number, category in enumerate(["done", "new", "done"], start=1):
            jira.add(f"ST-{number}", category, labels=("okr",))
        jira.filters[42] = "labels = okr ORDER BY key"
        make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, [
            "Eng", "O", "Filter", "", 0, 10, None, None, None, None, None, "filter=42",
            "done_count"]])
        config = live_config(tmp_path, jira, "okr.xlsx")
        jira.requests.clear()
        result = runner.invoke(app, ["explain", "-c", str(config), "--row", "2", *AS_OF,
                                     "-f", "json"])
        assert result.exit_code == 0, result.output
        (found,) = json.loads(result.output)
        assert found["jql"] == "filter = 42"
        assert unquote(found["url"]) == f"{jira.url}/issues/?jql=filter = 42"
        assert _filter_requests(jira) == 1  # read once, for the pull

        jira.requests.clear()
        saved = tmp_path / "jira-export.json"
        result = runner.invoke(app, ["export", "-c", str(config), "-o", str(saved)])
        assert result.exit_code == 0, result.output
        (entry,) = json.loads(saved.read_text(encoding="utf-8"))["okrsync"]["links"]
        assert (entry["link"], entry["jql"], entry["count"]) == ("filter=42", "filter = 42", 3)
        assert _filter_requests(jira) == 1

    # offline, from that export: the same search, and the same count
    offline = write_config(tmp_path, "okr.xlsx", export="jira-export.json")
    result = runner.invoke(app, ["explain", "-c", str(offline), "--row", "2", *AS_OF,
                                 "-f", "json"])
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.output)
    assert found["jql"] == "filter = 42"
    assert found["current"] == 2

"""JIRA misbehaving. A KR whose issues could not be fetched completely keeps its old
value (exit 1); a refusal of the credentials stops the run before anything is written."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, JIRA_TOKEN, live_config, make_workbook
from tests.standins.base import Fault
from tests.standins.jira import JiraStandIn

pytestmark = pytest.mark.usefixtures("fake_time")  # retries wait on a fake clock

runner = CliRunner()


@pytest.fixture(params=["cloud", "server"])
def jira(request, monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", JIRA_TOKEN)
    with JiraStandIn(cloud=request.param == "cloud") as server:
        yield server


def _sheet(tmp_path, jira, *, big: int = 250, **config):
    """KR 1: an epic with `big` children (several pages); KR 2: a small JQL."""
    jira.add("EP-1", "indeterminate")
    for n in range(big):
        jira.add(f"ST-{n + 1}", "done" if n % 2 else "new", parent="EP-1")
    for n in range(4):
        jira.add(f"OPS-{n + 1}", "done", labels=("ops",))
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["Eng", "O", "Big epic", "", "0%", "100%", None, None, None, None, None, "EP-1"],
        ["Ops", "O", "Ops work", "", 0, 4, None, None, None, None, None, "labels = ops",
         "done_count"],
    ])
    return live_config(tmp_path, jira, "okr.xlsx", **config)


def pull(config):
    return runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20"])


def cells(tmp_path):
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    return sheet["I2"].value, sheet["I3"].value


def test_paging_that_fails_after_a_page_fails_only_that_kr(jira, tmp_path):
    config = _sheet(tmp_path, jira, big=250 if jira.cloud else 2500, max_workers=1)
    # The first search page comes back; every later request answers 500.
    jira.hooks[len(jira.requests) + 3] = lambda server: server.faults.append(
        Fault(500, times=-1, match="/search"))
    result = pull(config)
    assert result.exit_code == 1, result.output
    assert "row 2 (Big epic): JIRA:" in result.output
    big, ops = cells(tmp_path)
    assert big is None  # never a value computed from half the issues


@pytest.mark.parametrize(
    "fault",
    [Fault(429, times=3, headers={"Retry-After": "0"}), Fault(503, times=2),
     Fault(502, times=1)],
    ids=["429", "503", "502"],
)
def test_rate_limits_and_unavailability_are_retried(jira, tmp_path, fault):
    config = _sheet(tmp_path, jira, big=20)
    jira.faults.append(fault)
    result = pull(config)
    assert result.exit_code == 0, result.output
    assert cells(tmp_path) == (pytest.approx(0.5), 4)


def test_rate_limited_for_too_long_fails_the_krs_not_the_run(jira, tmp_path):
    config = _sheet(tmp_path, jira, big=20)
    connect = len(jira.requests)
    jira.hooks[connect + 3] = lambda server: server.faults.append(
        Fault(429, times=-1, headers={"Retry-After": "1"}, match="search"))
    result = pull(config)
    assert result.exit_code == 1
    assert "JIRA: kept answering HTTP 429" in result.output  # the KRs' problem


def test_dropped_connection_stops_before_writing(jira, tmp_path):
    config = _sheet(tmp_path, jira, big=20)
    before = (tmp_path / "okr.xlsx").read_bytes()
    jira.faults.append(Fault(0, times=-1, match="search"))
    result = pull(config)
    assert result.exit_code == 3
    assert f"cannot reach JIRA at {jira.url}" in result.output
    assert (tmp_path / "okr.xlsx").read_bytes() == before


def test_credentials_revoked_mid_run_stop_everything(jira, tmp_path):
    config = _sheet(tmp_path, jira, big=20, max_workers=1)
    before = (tmp_path / "okr.xlsx").read_bytes()

    def revoke(server):
        server.token = "rotated"

    jira.hooks[3] = revoke
    result = pull(config)
    assert result.exit_code == 3
    assert "refused" in result.output and "nothing was written" in result.output
    assert (tmp_path / "okr.xlsx").read_bytes() == before
    assert JIRA_TOKEN not in result.output

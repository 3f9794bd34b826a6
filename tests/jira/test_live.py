"""The live JIRA source against the local stand-in, in Cloud and Server / DC mode."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.config import load_config
from okrsync.errors import ExitCode
from okrsync.jira.live.source import Site, connect
from okrsync.sync import run_pull
from tests.conftest import EXAMPLES
from tests.helpers import EN_HEADER, JIRA_TOKEN, live_config, make_workbook, snapshot
from tests.standins.base import Fault
from tests.standins.jira import JiraStandIn

AS_OF = date(2024, 8, 20)
runner = CliRunner()


def load_example_issues(jira: JiraStandIn) -> None:
    """The issues of the bundled export, as they would live on the server."""
    document = json.loads((EXAMPLES / "jira-export.json").read_text(encoding="utf-8"))
    parents = {raw["fields"]["parent"]["key"] for raw in document["issues"]
               if raw["fields"].get("parent")}
    for key in sorted(parents):  # the export holds the children; JIRA has the epics too
        jira.add(key, "indeterminate")
    for raw in document["issues"]:
        fields = raw["fields"]
        jira.add(raw["key"], fields["status"]["statusCategory"]["key"],
                 parent=(fields.get("parent") or {}).get("key"),
                 labels=tuple(fields.get("labels") or ()),
                 points=fields.get("customfield_10016"))


@pytest.fixture(params=["cloud", "server"])
def jira(request):
    with JiraStandIn(cloud=request.param == "cloud") as server:
        yield server


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", JIRA_TOKEN)


def test_live_pull_gives_the_same_sheet_as_the_offline_export(jira, example, tmp_path):
    load_example_issues(jira)
    live_folder = tmp_path / "live"
    live_folder.mkdir()
    shutil.copy(EXAMPLES / "okr-dashboard.xlsx", live_folder / "okr-dashboard.xlsx")
    offline = run_pull(load_config(example), AS_OF)
    live = run_pull(load_config(live_config(live_folder, jira)), AS_OF)
    assert live.exit_code is ExitCode.OK, live.problems
    assert [(c.cell, c.new) for c in live.changes] == [(c.cell, c.new) for c in offline.changes]
    expected = snapshot(example.parent / "okr-dashboard.xlsx")["2024 OKR"]
    got = snapshot(live_folder / "okr-dashboard.xlsx")["2024 OKR"]
    assert got == expected
    searched = [r.path for r in jira.requests  # issue searches (not project/filter search)
                if "search" in r.path and not r.path.endswith(("project/search",
                                                               "filter/search"))]
    if jira.cloud:
        assert all(p == "/rest/api/3/search/jql" for p in searched)
    else:
        assert all(p == "/rest/api/2/search" for p in searched)


def test_every_search_is_sent_as_the_jira_session_sends_it(jira, tmp_path):
    """Searches are sent from one prepared request: each still carries the token, a JSON
    body of its own, and the cookie JIRA set on an earlier answer (renewed on the first
    search's answer: the last search carries the new one)."""
    config = _epics(tmp_path, jira, 3, 400)  # over a page, on Server / DC too
    jira.before("search", lambda site: setattr(site, "xsrf", "B0_renewed_lin"))
    result = run_pull(load_config(config), AS_OF)
    assert result.exit_code is ExitCode.OK, result.problems
    searches = [r for r in jira.requests if r.method == "POST" and "search" in r.path]
    assert len(searches) >= 2
    bodies = [json.dumps(r.body, sort_keys=True) for r in searches]
    assert len(set(bodies)) == len(bodies)
    assert searches[-1].headers["Cookie"] == "atlassian.xsrf.token=B0_renewed_lin"
    assert all(r.headers.get("Content-Type") == "application/json" for r in searches)


def _epics(folder: Path, jira: JiraStandIn, count: int, children: int) -> Path:
    rows = [EN_HEADER]
    for n in range(count):
        rows.append(["Eng", "O", f"KR {n}", "", "0%", "100%", None, None, None, None, None,
                     f"EP-{n + 1}", "done_ratio"])
        jira.add(f"EP-{n + 1}", "indeterminate")
        for c in range(children):
            jira.add(f"ST-{n * children + c + 1}", "done" if c % 3 == 0 else "new",
                     parent=f"EP-{n + 1}")
    make_workbook(folder / "okr.xlsx", rows)
    return live_config(folder, jira, "okr.xlsx")


def test_many_epic_links_are_answered_by_few_searches(jira, tmp_path):
    config = _epics(tmp_path, jira, 200, 6)
    result = run_pull(load_config(config), AS_OF)
    assert result.exit_code is ExitCode.OK
    assert len(result.changes) == 800  # Q3 value, synced stamp, achievement, status
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I2"].value == pytest.approx(2 / 6, abs=1e-4)  # 33.33%
    page = 100 if jira.cloud else 1000
    minimum = -(-1200 // page)  # 1,200 child issues
    assert jira.searches() <= minimum * 1.5 + 1, jira.searches()  # not 200 × pages


def test_identical_links_are_fetched_once_and_counts_use_the_count_endpoint(jira, tmp_path):
    for n in range(30):
        jira.add(f"PAY-{n + 1}", "done" if n < 12 else "new", labels=("andon",))
    rows = [EN_HEADER] + [
        ["Eng", "O", f"KR {n}", "", 0, 30, None, None, None, None, None,
         "project = PAY AND labels = andon", metric]
        for n, metric in enumerate(["count", "count", "done_count"])]
    make_workbook(tmp_path / "okr.xlsx", rows)
    result = run_pull(load_config(live_config(tmp_path, jira, "okr.xlsx")), AS_OF)
    assert result.exit_code is ExitCode.OK
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert [sheet[f"I{r}"].value for r in (2, 3, 4)] == [30, 30, 12]
    # One search serves done_count; count needs more than a count only when shared.
    assert jira.searches() == 1


def test_count_only_link_is_counted_exactly_in_one_request(jira, tmp_path):
    for n in range(7):
        jira.add(f"PAY-{n + 1}", "done", labels=("andon",))
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, [
        "Eng", "O", "KR", "", 0, 10, None, None, None, None, None, "labels = andon", "count"]])
    run_pull(load_config(live_config(tmp_path, jira, "okr.xlsx")), AS_OF)
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value == 7
    searches = [r for r in jira.requests if r.path.endswith(("/search", "/search/jql"))
                and "project" not in r.path]
    assert len(searches) == 1 and searches[0].body["fields"] == ["id"]
    if jira.cloud:  # key-only pages, not the eventually consistent approximate-count
        assert searches[0].path == "/rest/api/3/search/jql"
        assert searches[0].body["maxResults"] == 5000
    else:  # one page: its total, and the ids too when they fit (the next pull needs them)
        assert searches[0].path == "/rest/api/2/search"
        assert searches[0].body["maxResults"] == 1000


def test_bad_jql_and_missing_key_fail_only_their_kr(jira, tmp_path):
    jira.add("EP-1", "indeterminate")
    jira.add("ST-1", "done", parent="EP-1")
    jira.filters[42] = "project = ST"
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["Eng", "O", "bad field", "", 0, 10, None, None, None, None, None, "nonsense = 1",
         "count"],
        ["Eng", "O", "missing epic", "", 0, 100, None, None, None, None, None, "NOPE-9"],
        ["Eng", "O", "good epic", "", 0, 10, None, None, None, None, None, "EP-1", "count"],
        ["Eng", "O", "saved filter", "", 0, 10, None, None, None, None, None, "filter=42",
         "done_count"],
        ["Eng", "O", "gone filter", "", 0, 100, None, None, None, None, None, "filter=7"],
    ])
    result = run_pull(load_config(live_config(tmp_path, jira, "okr.xlsx")), AS_OF)
    assert result.exit_code is ExitCode.PARTIAL
    problems = {p.row: p.message for p in result.problems}
    assert problems[2] == ("JIRA: Field 'nonsense' does not exist or you do not have "
                           "permission to view it.")
    assert "NOPE-9" in problems[3]
    assert "filter=7: The selected filter is not available to you" in problems[6]
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["I4"].value == 1 and sheet["I5"].value == 1


def test_a_thousand_unknown_keys_cost_a_bounded_number_of_requests(jira, tmp_path):
    """JIRA names every key it cannot find in one answer: okrsync asks again without
    them, never once per key."""
    jira.add("EP-1", "indeterminate")
    jira.add("ST-1", "done", parent="EP-1")
    bad = ", ".join(f"GONE-{n}" for n in range(1, 1001))
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["Eng", "O", "many keys", "", 0, 10, None, None, None, None, None, bad, "count"],
        ["Eng", "O", "mixed", "", 0, 10, None, None, None, None, None, "EP-1, GONE-7",
         "count"],
        ["Eng", "O", "good epic", "", 0, 10, None, None, None, None, None, "EP-1", "count"]])
    jira.requests.clear()
    result = run_pull(load_config(live_config(tmp_path, jira, "okr.xlsx")), AS_OF)
    problems = {p.row: p.message for p in result.problems}
    assert problems[2] == "JIRA: An issue with key 'GONE-1' does not exist for field 'key'."
    assert problems[3] == "JIRA: An issue with key 'GONE-7' does not exist for field 'key'."
    assert 4 not in problems  # the good epic is answered
    assert [a.jira_value for a in result.state.assessments][2] == 1
    # 1,000 keys in chunks of 200: one refused search and one without the bad keys each
    assert len(jira.requests) <= 20


def test_a_429_storm_is_survived(jira, tmp_path):
    config = _epics(tmp_path, jira, 5, 3)
    jira.faults.append(Fault(429, times=4, headers={"Retry-After": "0"}))
    jira.faults.append(Fault(503, times=1, match="search"))
    result = run_pull(load_config(config), AS_OF)
    assert result.exit_code is ExitCode.OK
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value == pytest.approx(1 / 3, abs=1e-4)


def test_a_search_that_times_out_fails_only_its_kr(jira, tmp_path):
    for n in range(3):
        jira.add(f"PAY-{n + 1}", "done", labels=("a",))
        jira.add(f"OPS-{n + 1}", "done", labels=("b",))
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["Eng", "O", "slow", "", 0, 10, None, None, None, None, None, "labels = a", "done_count"],
        ["Eng", "O", "fast", "", 0, 10, None, None, None, None, None, "labels = b", "done_count"],
    ])
    config = live_config(tmp_path, jira, "okr.xlsx", timeout=0.2, max_workers=1)
    # Timeouts of a search are retried (a read is safe to repeat): it times out each time.
    jira.faults.append(Fault(200, times=3, match="search", delay=0.5, body={"issues": []}))
    result = run_pull(load_config(config), AS_OF)
    assert result.exit_code is ExitCode.PARTIAL
    assert [p.row for p in result.problems] == [2]
    assert "did not answer in time" in result.problems[0].message
    assert load_workbook(tmp_path / "okr.xlsx").active["I3"].value == 3


def _cli(config: Path, *args: str):
    return runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20", *args])


def test_bad_credentials_exit_3_fast_naming_server_and_user(jira, tmp_path, monkeypatch):
    config = _epics(tmp_path, jira, 2, 2)
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "wrong-token-value")
    result = _cli(config)
    assert result.exit_code == 3
    assert f"JIRA at {jira.url} refused" in result.output
    if jira.cloud:
        assert "pm@acme.example" in result.output
    assert "wrong-token-value" not in result.output
    assert len(jira.requests) == 1


def test_missing_token_variable_is_a_config_error(jira, tmp_path, monkeypatch):
    config = _epics(tmp_path, jira, 1, 1)
    monkeypatch.delenv("OKRSYNC_TEST_TOKEN")
    result = _cli(config)
    assert result.exit_code == 2
    assert "[jira] token_env: the environment variable OKRSYNC_TEST_TOKEN is not set" in (
        result.output)


def test_the_token_appears_nowhere(jira, tmp_path):
    config = _epics(tmp_path, jira, 3, 2)
    jira.add("X-1", "done")
    outputs = [_cli(config, "--report").output, _cli(config).output,
               runner.invoke(app, ["check", "-c", str(config)]).output]
    jira.faults.append(Fault(500, times=-1))
    outputs.append(_cli(config).output)
    log = snapshot(tmp_path / "okr.xlsx")
    for text in [*outputs, json.dumps(log, default=str)]:
        assert JIRA_TOKEN not in text


def test_story_points_and_sum_fields_are_found_by_name(jira, tmp_path):
    jira.add("EP-1", "indeterminate")
    for n, (category, points) in enumerate([("done", 3), ("done", 5), ("new", 8)]):
        jira.add(f"ST-{n + 1}", category, parent="EP-1", points=points,
                 customfield_10050=100 * (n + 1))
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["Eng", "O", "points", "", 0, 16, None, None, None, None, None, "EP-1", "points_done"],
        ["Eng", "O", "ratio", "", "0%", "100%", None, None, None, None, None, "EP-1",
         "points_ratio"],
        ["Eng", "O", "revenue", "", 0, 1000, None, None, None, None, None, "EP-1",
         "sum:Revenue"],
        ["Eng", "O", "nothing", "", 0, 1000, None, None, None, None, None, "EP-1",
         "sum:No Such Field"],
    ])
    result = run_pull(load_config(live_config(tmp_path, jira, "okr.xlsx")), AS_OF)
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert [sheet[f"I{r}"].value for r in (2, 3, 4)] == [8, pytest.approx(0.5), 600]
    assert [p.row for p in result.problems] == [5]
    assert "no field 'No Such Field'" in result.problems[0].message


def _jqls(jira: JiraStandIn) -> list[str]:
    """The JQL of every issue search JIRA was asked, Cloud (body) or Server (query)."""
    found = []
    for r in jira.requests:
        if isinstance(r.body, dict) and "jql" in r.body:
            found.append(str(r.body["jql"]))
        found += r.params.get("jql", [])
    return found


def test_a_workbooks_identity_survives_every_save_and_a_copy_to_another_machine(
        jira, tmp_path, monkeypatch):
    """The JIRA cache of an .xlsx dashboard is keyed by an identity kept in the workbook:
    the nightly pull after a pull that saved the workbook reads only what changed, and so
    does the first pull of a copy on another machine. The cache holds one scope per
    dashboard."""
    import socket
    import sqlite3

    from okrsync.environment import Environment
    from okrsync.jira.live.cache import FILE

    config = _epics(tmp_path, jira, 3, 4)
    pull = ["pull", "-c", str(config), "--as-of", "2024-08-20"]
    cache = Environment.from_system().cache_dir / FILE
    assert runner.invoke(app, pull).exit_code == 0
    inode = (tmp_path / "okr.xlsx").stat().st_ino
    jira.requests.clear()
    jira.add("ST-13", "done", parent="EP-1")  # a new issue overnight

    assert runner.invoke(app, [*pull[:-1], "2024-08-21"]).exit_code == 0
    assert (tmp_path / "okr.xlsx").stat().st_ino != inode  # saved anew by the first pull
    assert any('updated >= "-' in jql for jql in _jqls(jira)), _jqls(jira)  # what changed
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value == pytest.approx(0.6)

    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(tmp_path / "okr.xlsx", other / "okr.xlsx")  # copied to another machine
    shutil.copy(config, other / "live.toml")
    monkeypatch.setattr(socket, "gethostname", lambda: "another-machine")
    jira.requests.clear()
    assert runner.invoke(app, ["pull", "-c", str(other / "live.toml"), "--as-of",
                               "2024-08-22"]).exit_code == 0
    assert any('updated >= "-' in jql for jql in _jqls(jira)), _jqls(jira)
    with sqlite3.connect(cache) as db:
        assert len(db.execute("select scope from reads").fetchall()) == 1


@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_search_answered_by_a_redirect_stops_the_pull(jira, tmp_path, status):
    """Followed, a 301 or 302 turns the search into a GET without its JQL: on Server / DC
    that answers a page of every issue, which would be counted as the KR's. The run stops
    and says where JIRA went, without the query the address carried."""
    config = _epics(tmp_path, jira, 2, 5)
    before = snapshot(tmp_path / "okr.xlsx")
    jira.faults.append(Fault(status, match="search", times=-1, headers={
        "Location": "/jira/rest/api/2/search?os_authType=basic&token=hunter2"}))
    result = runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20"])
    assert result.exit_code == ExitCode.COULD_NOT_RUN, result.output
    text = " ".join(result.output.split())
    assert f"sending okrsync to {jira.url}/jira/rest/api/2/search (HTTP {status})" in text
    assert "set [jira] server" in text and "nothing was written" in text
    assert "hunter2" not in text
    assert snapshot(tmp_path / "okr.xlsx") == before
    assert not [r for r in jira.requests if r.path.startswith("/jira/")]  # never followed


def test_a_search_after_the_session_changed_is_sent_as_the_session_is_now(jira):
    """The prepared search follows its session: a header or hook added later applies."""
    jira.add("ST-1", "done")
    api = connect(Site(jira.url, jira.token, jira.email if jira.cloud else None,
                       pat=not jira.cloud, allow_http=True))
    path = "search/jql" if jira.cloud else "search"
    body = {"jql": "project = ST", "fields": ["status"]}
    api.http.post(path, body, "searching")
    session = api.http.client._session
    seen: list[int] = []
    session.hooks["response"].append(lambda response, *args, **kwargs: seen.append(1))
    session.headers["X-Okrsync-Test"] = "later"
    api.http.post(path, body, "searching")
    api.http.close()
    assert seen == [1]
    assert jira.requests[-1].headers.get("X-Okrsync-Test") == "later"

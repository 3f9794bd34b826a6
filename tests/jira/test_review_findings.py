"""The nightly (incremental) JIRA read writes what a full read writes, and costs no more
than the site's changes call for, in the scenarios a review of it raised.

Built on the helpers of tests/helpers.py: `jira_env(cache)` is a nightly pull,
`jira_env(None)` a full read with no cache at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from okrsync.config import load_config
from okrsync.sync import run_pull
from tests.helpers import AS_OF_DATE, jira_env, live_dashboard, pulled_values
from tests.jira import test_incremental as incremental
from tests.standins.jira import JiraStandIn

# pytest fixtures shared with test_incremental, found here under their names:
jira = incremental.jira  # the Cloud and Server / DC stand-ins
token = incremental.token  # autouse: the JIRA token in the environment


def _counted(jira: JiraStandIn, pull: Callable[[], Any]) -> tuple[Any, int]:
    jira.requests.clear()
    value = pull()
    asked = len(jira.requests)
    jira.requests.clear()
    return value, asked


# -- a busy site


def test_a_busy_site_elsewhere_costs_a_nightly_what_a_quiet_night_costs(jira, tmp_path):
    """The changed-issues search (`updated >= "-Nm"`) is site-wide: 1,500 issues edited
    overnight in a project no link reaches cost a nightly no pages of metric fields (on
    Cloud, their ids do not go to jql/match either). A busy night elsewhere costs what a
    quiet night costs, give or take a page of ids, and the values are a full read's."""
    jira.add("E-1", "indeterminate", issuetype="Epic")
    for number in range(1, 4):
        jira.add(f"W-{number}", "done", epic="E-1", labels=("okr",))
    for number in range(1, 1501):
        jira.add(f"BUSY-{number}", "new")
    config = live_dashboard(tmp_path, jira, [("E-1", "count", 0, 100),
                                          ("project = W AND labels = okr", "count", 0, 100)])
    nightly = jira_env(tmp_path / "cache")
    pulled_values(config, nightly)
    jira.advance(24 * 60)
    _, quiet = _counted(jira, lambda: pulled_values(config, nightly))
    jira.advance(24 * 60)
    for number in range(1, 1501):
        jira.change(f"BUSY-{number}", category="done")
    got, busy = _counted(jira, lambda: pulled_values(config, nightly))
    assert got == pulled_values(config, jira_env(None))
    assert busy <= quiet + 1, f"busy night {busy} requests, quiet night {quiet}"


# -- a key that names another issue


def test_a_key_that_now_names_another_issue_is_not_trusted_forever(jira, tmp_path):
    """Project E is deleted and created again (Atlassian: a deleted project's key can be
    reused; historical keys also lose to current ones after a migration), so E-1 is now
    another issue. The nightly, and a `--full` pull with the same cache, resolve the key
    again and count the new E-1's children, as a read with no cache does."""
    jira.add("E-1", "indeterminate")
    for number in range(2, 5):
        jira.add(f"E-{number}", "done", subtask_of="E-1")
    config = live_dashboard(tmp_path, jira, [("E-1", "count", 0, 100)])
    nightly = jira_env(tmp_path / "cache")
    assert [v for v, _ in pulled_values(config, nightly).values()] == [3]
    jira.advance(60)
    for key in ("E-2", "E-3", "E-4", "E-1"):
        jira.delete(key)
    jira.add("E-1", "indeterminate")  # the project made again: new issues, the same keys
    jira.add("E-2", "new", subtask_of="E-1")
    expected = pulled_values(config, jira_env(None))
    assert [v for v, _ in expected.values()] == [1]
    assert pulled_values(config, nightly) == expected
    forced = run_pull(load_config(config), AS_OF_DATE, env=nightly, dry_run=True, full=True)
    assert {a.kr.text: (a.jira_value, tuple(a.problems))
            for a in forced.state.assessments} == expected


# -- an epic deleted


def test_a_deleted_epic_is_reported_as_a_full_read_reports_it(jira, tmp_path):
    """When the epic a KR names is deleted, the nightly reports it in the words a full
    read does (JIRA naming the missing key), and writes the same status cell."""
    jira.add("E-1", "indeterminate", issuetype="Epic")
    for number in range(1, 4):
        jira.add(f"W-{number}", "done", epic="E-1")
    config = live_dashboard(tmp_path, jira, [("E-1", "count", 0, 100)])
    nightly = jira_env(tmp_path / "cache")
    pulled_values(config, nightly)
    jira.advance(60)
    jira.delete("E-1")
    assert pulled_values(config, nightly) == pulled_values(config, jira_env(None))


# -- project category (Cloud)


class _CategoryJira(JiraStandIn):
    """The stand-in plus JQL's `category` field: a project's category, set by an
    administrator on the project (no issue is edited), compared by name."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.categories: dict[str, str] = {}

    def _jql_values(self, field: str) -> Callable[[dict[str, Any]], Iterable[str]] | None:
        if field == "category":
            return lambda raw: [self.categories.get(raw["fields"]["project"]["key"], "")]
        return super()._jql_values(field)


@pytest.fixture
def cloud_categories():
    with _CategoryJira(cloud=True) as server:
        yield server


def test_a_project_put_in_a_category_is_counted_the_next_night(cloud_categories, tmp_path):
    """`category = X` changes with no issue edited (an administrator files a project
    under a category), so the nightly asks it again: a project moved into the category
    is counted the next night, not at the weekly full read."""
    jira = cloud_categories
    for number in range(1, 4):
        jira.add(f"W-{number}", "new")
        jira.add(f"Z-{number}", "new")
    jira.categories = {"W": "Platform"}
    jira.advance(120)  # nothing edited since: no issue is in the nightly's window
    config = live_dashboard(tmp_path, jira, [("category = Platform", "count", 0, 100)])
    nightly = jira_env(tmp_path / "cache")
    assert [v for v, _ in pulled_values(config, nightly).values()] == [3]
    jira.advance(24 * 60)
    jira.categories["Z"] = "Platform"  # an administrator files project Z under Platform
    expected = pulled_values(config, jira_env(None))
    assert [v for v, _ in expected.values()] == [6]
    assert pulled_values(config, nightly) == expected


# -- overlapping queries (Server / DC)


@pytest.fixture
def server():
    with JiraStandIn(cloud=False) as site:
        yield site


def test_overlapping_queries_in_one_count_group_do_not_hide_a_wrong_membership(server,
                                                                                  tmp_path):
    """Server / DC works out `project = W AND NOT labels = a` from the changed issues, as
    JIRA reads NOT: `NOT labels = a` is `labels != a`, which matches no issue without
    labels. W-2, whose labels were cleared, leaves the count, even though the group's one
    count (`(A) OR (B)`) cannot show it: B = `project = W` holds W-2 anyway."""
    jira = server
    for number in range(1, 5):
        jira.add(f"W-{number}", "new", labels=("a",) if number == 1 else ("b",))
    config = live_dashboard(tmp_path, jira, [("project = W AND NOT labels = a", "count", 0, 100),
                                          ("project = W", "count", 0, 100)])
    nightly = jira_env(tmp_path / "cache")
    assert [v for v, _ in pulled_values(config, nightly).values()] == [3, 4]
    jira.advance(60)
    jira.change("W-2", labels=())  # JIRA: no longer matches `NOT labels = a`
    expected = pulled_values(config, jira_env(None))
    assert [v for v, _ in expected.values()] == [2, 4]
    assert pulled_values(config, nightly) == expected


# -- a big count-only query


def test_a_big_count_only_query_costs_a_nightly_no_more_than_a_full_read(jira, tmp_path):
    """A count needs no ids. A full read counts a count-only JQL link in one page (Server:
    its `total`) or id pages of 5,000 (Cloud); the nightly asks no more issue searches
    and jql/match requests than that, plus the changed-issues search, with 6,000 members
    (it does not list every member again, by id pages or through jql/match)."""
    jira.add("E-1", "indeterminate", issuetype="Epic")
    for number in range(1, 901):
        jira.add(f"W-{number}", "new", epic="E-1")
    query = "parent = E-1" if jira.cloud else '"Epic Link" = E-1'
    config = live_dashboard(tmp_path, jira, [(query, "count", 0, 10000)])
    nightly = jira_env(tmp_path / "cache")
    pulled_values(config, nightly)  # 900 members: their ids are kept
    jira.advance(60)
    for number in range(901, 6001):
        jira.add(f"W-{number}", "new", epic="E-1")
    jira.advance(60)
    pulled_values(config, nightly)  # 6,000 members, listed by id: kept
    jira.advance(24 * 60)
    jira.change("W-1", category="done")
    got: list[Any] = []
    nightly_searches = jira_searches(jira, lambda: got.append(pulled_values(config, nightly)))
    full_searches = jira_searches(jira, lambda: got.append(pulled_values(config, jira_env(None))))
    assert got[0] == got[1]
    # one more for the changed-issues search is fair; the members listed again are not
    assert nightly_searches <= full_searches + 1, (nightly_searches, full_searches)


def jira_searches(jira: JiraStandIn, pull: Callable[[], Any]) -> int:
    """Issue searches and jql/match requests one pull asks."""
    jira.requests.clear()
    pull()
    asked = jira.searches() + sum(1 for r in jira.requests if r.path.endswith("jql/match"))
    jira.requests.clear()
    return asked


# -- time between connecting and asking


def test_time_spent_before_the_changes_search_does_not_shrink_its_window(jira, tmp_path,
                                                                           fake_time):
    """JIRA counts the window (`updated >= "-Nm"`) back from the moment it answers the
    search, not from connect. Reading the site first (projects, statuses, saved filters,
    components, keys to resolve, each perhaps waiting out a rate limit or retries) can
    take longer than the search index's margin: with a quarter of an hour passing between
    connecting and the first issue search, an edit made just after the last read is still
    seen."""
    jira.add("E-1", "indeterminate", issuetype="Epic")
    for number in range(1, 4):
        jira.add(f"W-{number}", "new", epic="E-1")
    config = live_dashboard(tmp_path, jira, [("E-1", "done_count", 0, 100)])
    jira.advance(60)
    nightly = jira_env(tmp_path / "cache")
    assert [v for v, _ in pulled_values(config, nightly).values()] == [0]
    jira.advance(1)
    jira.change("W-1", category="done")  # a minute after the last read
    jira.advance(24 * 60)
    jira.requests.clear()
    searches_before: list[int] = []

    def slow(site: JiraStandIn) -> None:  # a slow (rate-limited) read of the site: a
        site.advance(15)  # quarter of an hour passes on JIRA's clock and on okrsync's
        fake_time.sleep(15 * 60)
        searches_before.append(site.searches())

    # The statuses are the site's last read before the changed-issues search, on Cloud
    # and on Server / DC. The time must pass before okrsync sends that search (time
    # passing while JIRA holds a request is bounded by the request's own time limit).
    jira.before("/status", slow)
    got = pulled_values(config, nightly)
    assert searches_before == [0], "the site's statuses were not read before any search"
    assert any('updated >= "-' in (r.body or {}).get("jql", "") for r in jira.requests
               if isinstance(r.body, dict))
    assert [v for v, _ in got.values()] == [1]
    assert got == pulled_values(config, jira_env(None))

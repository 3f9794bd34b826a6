"""A nightly pull asks JIRA only what changed, and writes exactly what a full read writes.

Against the JIRA stand-in, Cloud and Server / DC, the site changes the ways a real one
does overnight: issues change status, points, labels and components, move between
epics, are deleted or created; issues and epics move to another project (new keys, the
old ones still resolving; the sheet keeps the old key or is updated to the new one);
an administrator moves a status into another category; a saved filter is edited; a
component is renamed; the account is granted or denied a project; JIRA's clock moves
across midnight in another time zone than okrsync's, and okrsync's own clock is hours
off; a pull is killed half way. After each step the nightly pull's values equal those
of a full read. `pytest --soak` runs many more steps.
"""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from datetime import UTC, date, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from okrsync.environment import Environment
from okrsync.jira.live import IssueCache
from okrsync.jira.live.cache import FILE
from tests.helpers import (
    dry_pull,
    jira_env,
    live_dashboard,
    pulled_values,
)
from tests.standins.base import Fault
from tests.standins.jira import JiraStandIn

AS_OF = date(2024, 8, 20)
TOKEN = "s3cr3t-T0KEN-4f9a"
SEOUL = timezone(timedelta(hours=9))
EPICS = [f"E-{n}" for n in range(1, 6)]
KRS = [("E-1", "done_ratio", "0%", "100%"), ("E-2, E-3", "points_ratio", "0%", "100%"),
       ("E-4", "count", 0, 100), ("E-5", "done_count", 0, 100),
       ("project = W AND labels = a", "done_ratio", "0%", "100%"),
       ("labels = b", "count", 0, 100), ("project = W", "points_done", 0, 1000),
       ("labels = a AND statusCategory = Done", "count", 0, 100),
       ("filter = 777 AND statusCategory != Done", "count", 0, 100),
       ("filter=778", "done_ratio", "0%", "100%"),
       ("project = W AND component = API", "count", 0, 100),
       ("labels = a", "done_count", 0, 100),
       ('project = W AND summary ~ "order by" AND created >= -2d', "count", 0, 100)]
"""Epic links (one with a child in another project), JQL by label, status category,
a nested saved filter, a saved filter link, a component by name, a query any project
can add to, and a relative date after the words "order by" inside a string."""
JIRA_COLUMN = 12


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", TOKEN)


@pytest.fixture(params=["cloud", "server"])
def jira(request):
    with JiraStandIn(cloud=request.param == "cloud") as server:
        server.zone = UTC  # JIRA in UTC; okrsync's clock in Seoul (below)
        yield server


def _setup(folder: Path, jira: JiraStandIn, rng: random.Random,
           krs: list[tuple[str, str, Any, Any]] = KRS) -> Path:
    for epic in EPICS:
        jira.add(epic, "indeterminate", issuetype="Epic")
    jira.add("Z-1", "new")  # projects issues and epics move to
    jira.add("V-1", "new")
    for number in range(1, 41):
        jira.add(f"W-{number}", rng.choice(["new", "indeterminate", "done"]),
                 epic=rng.choice(EPICS), labels=tuple(rng.sample(["a", "b", "c"], 2)),
                 points=rng.choice([1, 2, 3, 5, 8]),
                 components=(rng.choice(["API", "Web"]),))
    jira.add("R-1", "indeterminate", status_name="In Review")
    jira.change("W-1", status_name="In Review")
    for number in range(1, 4):  # a project the account cannot see yet
        jira.add(f"X-{number}", rng.choice(["new", "done"]), epic="E-1", labels=("a",))
    jira.deny("X")
    jira.filters[777] = "project = W AND labels = b ORDER BY key"
    jira.filters[778] = "labels = c"
    return live_dashboard(folder, jira, krs)



def _how(config: Path, env: Environment) -> str:
    source = dry_pull(config, env).state.source
    return source.last.how


def _relink(config: Path, old: str, new: str) -> None:
    """A PM updates the sheet to an issue's new key."""
    path = config.parent / "okr.xlsx"
    book = load_workbook(path)
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        cell = row[JIRA_COLUMN - 1]
        if isinstance(cell.value, str) and old in cell.value.split(", "):
            cell.value = ", ".join(new if part == old else part
                                   for part in cell.value.split(", "))
    book.save(path)


def _mutate(jira: JiraStandIn, config: Path, rng: random.Random, created: list[int]) -> None:
    for _ in range(rng.randint(1, 4)):
        keys = [raw["key"] for raw in jira.issues
                if raw["key"].split("-")[0] in ("W", "V", "Z")
                and raw["fields"]["issuetype"]["name"] != "Epic"
                and raw["key"] not in ("Z-1", "V-1")]
        action = rng.choice(["status", "move", "points", "labels", "delete", "new", "project",
                             "epic", "category", "filter", "rename", "grant", "component",
                             "review"])
        key = rng.choice(keys) if keys else None
        if action == "new" or key is None:
            created[0] += 1
            jira.add(f"W-{created[0]}", rng.choice(["new", "done"]), epic=rng.choice(EPICS),
                     labels=("a",), points=rng.choice([1, 3]), components=("API",))
        elif action == "status":
            jira.change(key, category=rng.choice(["new", "indeterminate", "done"]))
        elif action == "review":
            jira.change(key, status_name="In Review")
        elif action == "move":
            jira.change(key, epic=rng.choice(EPICS))
        elif action == "points":
            jira.change(key, points=rng.choice([0, 2, 13]))
        elif action == "labels":
            jira.change(key, labels=tuple(rng.sample(["a", "b", "c"], rng.randint(0, 2))))
        elif action == "component":
            jira.change(key, components=(rng.choice(["API", "Web"]),))
        elif action == "project":  # an issue moves to another project: a new key
            jira.move(key, "V" if key.startswith("Z") else rng.choice(["V", "Z"]))
        elif action == "epic":  # an epic moves; the sheet may keep its old key
            epic = rng.choice([raw["key"] for raw in jira.issues
                               if raw["fields"]["issuetype"]["name"] == "Epic"])
            new = jira.move(epic, rng.choice(["Z", "V"]))
            if rng.random() < 0.5:
                _relink(config, epic, new)
        elif action == "category":  # an administrator moves "In Review" to another category
            jira.recategorize("In Review", rng.choice(["indeterminate", "done"]))
        elif action == "filter":
            jira.filters[rng.choice([777, 778])] = rng.choice([
                "project = W AND labels = b", "labels = a", "labels = c",
                "project = W AND labels = c ORDER BY created"])
        elif action == "rename":  # API and Web swap their names
            jira.rename("W", "component", "API", "tmp")
            jira.rename("W", "component", "Web", "API")
            jira.rename("W", "component", "tmp", "Web")
        elif action == "grant":
            (jira.grant if "X" in jira.hidden else jira.deny)("X")
        else:
            jira.delete(key)


def _steps(soak: bool) -> int:
    return 40 if soak else 8


def test_a_nightly_pull_writes_what_a_full_read_writes(jira, tmp_path, soak):
    rng = random.Random(20240820)
    config = _setup(tmp_path, jira, rng)
    full = jira_env(None)
    nightly = jira_env(tmp_path / "cache")
    assert pulled_values(config, nightly) == pulled_values(config, full)
    created = [100]
    cheaper = 0
    for step in range(_steps(soak)):
        jira.advance(rng.choice([1, 37, 180, 23 * 60 + 59, 25 * 60]))  # across midnight
        _mutate(jira, config, rng, created)
        # okrsync's clock in Seoul, hours off JIRA's: it decides nothing about JIRA
        skew = timedelta(hours=rng.choice([-7, 0, 5]))
        now = (jira.now + skew).astimezone(SEOUL)
        if step % 3 == 2:  # a pull killed half way through its read: nothing is saved
            original = IssueCache.save
            IssueCache.save = lambda self, state, **_: (_ for _ in ()).throw(  # type: ignore
                KeyboardInterrupt)
            try:
                with pytest.raises(KeyboardInterrupt):
                    pulled_values(config, nightly, now)
            finally:
                IssueCache.save = original  # type: ignore[method-assign]
            _mutate(jira, config, rng, created)
        jira.requests.clear()
        result = dry_pull(config, nightly, now)
        got = {a.kr.text: (a.jira_value, tuple(a.problems)) for a in result.state.assessments}
        asked = len(jira.requests)
        jira.requests.clear()
        assert got == pulled_values(config, full), f"step {step}"
        if result.state.source.last.how == "changes" and asked < len(jira.requests):
            cheaper += 1
    assert cheaper >= _steps(soak) // 2  # most pulls read only what changed, for less


def _epic_config(tmp_path: Path, jira: JiraStandIn, link: str = "E-1",
                 metric: str = "count") -> Path:
    jira.add("E-1", "indeterminate", issuetype="Epic")
    for number in range(1, 6):
        jira.add(f"W-{number}", "done" if number < 3 else "new", epic="E-1")
    jira.add("Z-1", "new")
    return live_dashboard(tmp_path, jira, [(link, metric, 0, 100)])


def _value(config: Path, env: Environment) -> object:
    (assessment,) = dry_pull(config, env).state.assessments
    return assessment.jira_value if not assessment.problems else assessment.problems


@pytest.mark.parametrize("relinked", [False, True])
def test_an_epic_moved_to_another_project_keeps_its_children(jira, tmp_path, relinked):
    config = _epic_config(tmp_path, jira, metric="done_count")
    nightly = jira_env(tmp_path / "cache")
    assert _value(config, nightly) == 2
    jira.advance(60)
    new = jira.move("E-1", "Z")  # its children now name Z-2; their `updated` stays
    jira.change("W-3", category="done")
    if relinked:
        _relink(config, "E-1", new)
    assert _value(config, nightly) == 3 == _value(config, jira_env(None))
    assert _how(config, nightly) == "changes"


def test_an_issue_seen_under_two_keys_is_one_issue(jira, tmp_path):
    # The sheet names the issue by its old key and its new one; the metric changes.
    config = _epic_config(tmp_path, jira)
    nightly = jira_env(tmp_path / "cache")
    assert _value(config, nightly) == 5
    jira.advance(30)
    new = jira.move("E-1", "Z")
    config = live_dashboard(tmp_path, jira, [(f"E-1, {new}", "done_count", 0, 100)])
    assert _value(config, nightly) == 2 == _value(config, jira_env(None))
    moved = jira.move("W-1", "V")
    jira.change(moved, category="new")
    assert _value(config, nightly) == 1 == _value(config, jira_env(None))


def test_a_status_moved_to_another_category_counts_by_its_new_category(jira, tmp_path):
    jira.add("E-1", "indeterminate", issuetype="Epic")
    for number in range(1, 5):
        jira.add(f"W-{number}", "indeterminate", epic="E-1", status_name="In Review",
                 labels=("a",))
    config = live_dashboard(tmp_path, jira, [("E-1", "done_count", 0, 100),
                                          ("labels = a AND statusCategory = Done", "count",
                                           0, 100)])
    nightly = jira_env(tmp_path / "cache")
    pulled_values(config, nightly)
    jira.advance(60)
    jira.recategorize("In Review", "done")  # no issue is edited
    jira.requests.clear()
    values = pulled_values(config, nightly)
    reread = [r.body for r in jira.requests if isinstance(r.body, dict)
              and "parent in" in r.body.get("jql", "") and "status" in r.body.get("fields", ())]
    assert reread == []  # the epic's children were not read again: no issue changed
    assert [v for v, _ in values.values()] == [4, 4]
    assert values == pulled_values(config, jira_env(None))


def test_an_edited_saved_filter_and_a_renamed_component_are_read_again(jira, tmp_path):
    for number in range(1, 7):
        jira.add(f"W-{number}", "new", labels=("a",) if number < 4 else ("b",),
                 components=("API",) if number < 5 else ("Web",))
    jira.filters[777] = "labels = a"
    config = live_dashboard(tmp_path, jira, [
        ("filter=777", "count", 0, 100), ("project = W AND filter = 777", "count", 0, 100),
        ("project = W AND component = API", "count", 0, 100)])
    nightly = jira_env(tmp_path / "cache")
    assert [v for v, _ in pulled_values(config, nightly).values()] == [3, 3, 4]
    jira.advance(10)
    jira.filters[777] = "labels = b AND component = Old"  # its owner edits it
    jira.rename("W", "component", "API", "Old")  # API is now called Old,
    jira.rename("W", "component", "Web", "API")  # and Web is called API
    values = pulled_values(config, nightly)
    assert [v for v, _ in values.values()] == [1, 1, 2]
    assert values == pulled_values(config, jira_env(None))


def test_a_project_granted_to_the_account_is_counted_the_next_night(jira, tmp_path):
    jira.add("E-1", "indeterminate", issuetype="Epic")
    jira.add("W-1", "done", epic="E-1", labels=("okr",))
    jira.add("X-1", "done", epic="E-1", labels=("okr",))
    jira.add("X-2", "new", labels=("okr",))
    jira.deny("X")  # week one: "okrsync cannot see project X"
    config = live_dashboard(tmp_path, jira, [("E-1", "count", 0, 100),
                                          ("labels = okr", "count", 0, 100)])
    nightly = jira_env(tmp_path / "cache")
    assert [v for v, _ in pulled_values(config, nightly).values()] == [1, 1]
    jira.advance(24 * 60)
    jira.grant("X")  # no issue is edited
    values = pulled_values(config, nightly)
    assert [v for v, _ in values.values()] == [2, 3]
    assert values == pulled_values(config, jira_env(None))


def test_a_relative_date_inside_a_saved_filter_is_asked_every_night(jira, tmp_path):
    jira.add("W-1", "new", labels=("a",))
    jira.filters[900] = "labels = a AND created >= -1d"
    config = live_dashboard(tmp_path, jira, [("project = W AND filter = 900", "count", 0, 10)])
    nightly = jira_env(tmp_path / "cache")
    assert _value(config, nightly) == 1
    jira.advance(2 * 24 * 60)  # nothing edited; W-1 is now older than a day
    assert _value(config, nightly) == 0 == _value(config, jira_env(None))


def test_okrsyncs_clock_decides_nothing_jiras_does(jira, tmp_path):
    config = _epic_config(tmp_path, jira, metric="done_count")
    nightly = jira_env(tmp_path / "cache")
    fast = jira.now + timedelta(hours=6)  # a VM that booted before its clock was set
    assert pulled_values(config, nightly, fast)
    jira.advance(60)
    jira.change("W-3", category="done")  # an hour later on JIRA, hours "before" okrsync's
    assert _value(config, nightly) == 3 == _value(config, jira_env(None))
    jira.now -= timedelta(hours=3)  # JIRA's own clock went back: read everything
    assert _how(config, nightly) == "full"


def test_the_cache_is_rebuilt_when_it_cannot_be_trusted(jira, tmp_path):
    config = _setup(tmp_path, jira, random.Random(7))
    nightly = jira_env(tmp_path / "cache")
    expected = pulled_values(config, jira_env(None))
    assert pulled_values(config, nightly) == expected
    (tmp_path / "cache" / FILE).write_bytes(b"not a database" * 100)
    assert pulled_values(config, nightly) == expected  # a damaged cache: a full read, no error
    jira.change("W-1", category="done")
    expected = pulled_values(config, jira_env(None))
    jira.advance(8 * 24 * 60)  # older than full_refresh_days: everything read again
    jira.requests.clear()
    assert pulled_values(config, nightly) == expected
    searched = [r.body.get("jql") for r in jira.requests
                if isinstance(r.body, dict) and "jql" in r.body]
    assert searched and not any("updated >=" in (jql or "") for jql in searched)


def test_the_cache_is_for_its_owner_only(jira, tmp_path):
    config = _epic_config(tmp_path, jira)
    pulled_values(config, jira_env(tmp_path / "cache"))
    assert (tmp_path / "cache" / FILE).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700  # nor can others list it
    assert all(path.stat().st_mode & 0o077 == 0 for path in (tmp_path / "cache").iterdir())


def test_a_nightly_pull_asks_for_far_less_than_a_full_read(jira, tmp_path):
    config = _setup(tmp_path, jira, random.Random(3))
    nightly = jira_env(tmp_path / "cache")
    jira.requests.clear()
    pulled_values(config, nightly)
    first = len(jira.requests)
    jira.advance(24 * 60)
    jira.change("W-3", category="done")
    jira.requests.clear()
    pulled_values(config, nightly)
    searches = [str(r.body) for r in jira.requests if r.path.endswith(("jql", "search"))]
    assert any("updated >=" in body for body in searches)
    assert len(jira.requests) < first


def test_a_query_naming_its_project_by_name_finds_an_issue_added_overnight(tmp_path):
    # Cloud checks the changed issues in a query's projects against it (jql/match); the
    # query names project W by its name, while an issue's key tells its project's key.
    with JiraStandIn(cloud=True) as jira:
        jira.name_project("W", "Wallet")
        for number in range(1, 4):
            jira.add(f"W-{number}", "new", labels=("okr",))
        jira.add("Z-1", "new", labels=("okr",))
        config = live_dashboard(tmp_path, jira, [('project = "Wallet" AND labels = okr',
                                               "count", 0, 100)])
        nightly = jira_env(tmp_path / "cache")
        assert _value(config, nightly) == 3
        jira.advance(60)
        jira.add("W-4", "new", labels=("okr",))
        jira.add("Z-2", "new", labels=("okr",))
        result = dry_pull(config, nightly)
        (assessment,) = result.state.assessments
        assert result.state.source.last.how == "changes"
        assert assessment.jira_value == 4 == _value(config, jira_env(None))


@pytest.mark.parametrize("matches", [[], [{"matchedIssues": [], "errors": []}] * 3, [{}] * 2,
                                     [{"matchedIssues": None, "errors": None}] * 2],
                         ids=["none", "one-too-many", "empty-entries", "null-entries"])
def test_a_match_answer_that_cannot_say_which_query_is_which_is_not_used(tmp_path, matches):
    """JIRA answers POST /jql/match with one entry per query, in order, each with its
    matched issues and errors. An answer with another number of entries, or entries
    without them (a broken proxy, a changed API), is not guessed from: the queries are
    read in full, and the numbers are those a full read writes."""
    with JiraStandIn(cloud=True) as jira:
        for number in range(1, 4):
            jira.add(f"W-{number}", "new", labels=("okr",))
        config = live_dashboard(tmp_path, jira, [("project = W AND labels = okr", "count",
                                                  0, 100),
                                                 ("labels = okr", "done_count", 0, 100)])
        nightly = jira_env(tmp_path / "cache")
        assert [v for v, _ in pulled_values(config, nightly).values()] == [3, 0]
        jira.advance(60)
        jira.add("W-4", "new", labels=("okr",))
        jira.change("W-1", category="done")
        jira.faults.append(Fault(200, times=-1, match="jql/match", body={"matches": matches}))
        values = pulled_values(config, nightly)
        assert any(r.path.endswith("jql/match") for r in jira.requests)
        assert [v for v, _ in values.values()] == [4, 1]
        assert values == pulled_values(config, jira_env(None))


def test_full_refresh_days_0_reads_everything_every_time(jira, tmp_path):
    config = _epic_config(tmp_path, jira)
    config.write_text(config.read_text() + "full_refresh_days = 0\n", encoding="utf-8")
    nightly = jira_env(tmp_path / "cache")
    for _ in range(2):
        last = dry_pull(config, nightly).state.source.last
        assert (last.how, last.why) == ("full", "asked")


def test_a_nightly_pull_over_a_cache_nested_past_any_sense_reads_everything_again(
        jira, tmp_path):
    """A damaged cache (here JSON nested 100,000 deep) makes the next pull read JIRA in
    full and write what a full read writes, not stop."""
    jira.add("E-1", "indeterminate", issuetype="Epic")
    for number in range(1, 4):
        jira.add(f"W-{number}", "done" if number % 2 else "new", epic="E-1")
    config = live_dashboard(tmp_path, jira, [("E-1", "done_ratio", "0%", "100%")])
    cache = tmp_path / "cache"
    nightly = jira_env(cache)
    first = pulled_values(config, nightly)
    with closing(sqlite3.connect(cache / FILE)) as db, db:
        db.execute("update reads set issues = ?", (b"[" * 100_000 + b"]" * 100_000,))
    assert pulled_values(config, nightly) == first == pulled_values(config, jira_env(None))

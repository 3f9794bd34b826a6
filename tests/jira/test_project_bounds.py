"""The projects a JQL can match in, whichever way it names them (key, name, any case, one
project twice): a nightly pull looks for a query's new members only among the changed
issues of those projects, so it must write what a full read writes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrsync.jira.jql import dependencies, exact_predicate
from okrsync.jira.model import Issue
from tests.helpers import dry_pull, jira_env, live_dashboard, pulled_values
from tests.standins.jira import JiraStandIn

TOKEN = "s3cr3t-T0KEN-4f9a"


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", TOKEN)


def _nightly_equals_full(tmp_path, jira, krs, overnight):
    config = live_dashboard(tmp_path, jira, krs)
    nightly = jira_env(tmp_path / "cache")
    first = pulled_values(config, nightly)
    assert first == pulled_values(config, jira_env(None))
    jira.advance(60)
    overnight(jira)
    result = dry_pull(config, nightly)
    got = {a.kr.text: (a.jira_value, tuple(a.problems)) for a in result.state.assessments}
    assert result.state.source.last.how == "changes"
    assert got == pulled_values(config, jira_env(None))
    return got


@pytest.mark.parametrize("cloud", [False, True], ids=["server", "cloud"])
@pytest.mark.parametrize("jql", [
    'project = W AND project = "Wallet" AND labels = okr',
    'project in (W, Z) AND project in ("Wallet", Z) AND labels = okr'])
def test_a_query_naming_one_project_by_key_and_by_name(tmp_path, cloud, jql):
    """`project = W AND project = "Wallet"` is project W, by its key and by its name. The
    second query matches the new issue too, so a check of both queries' count together
    could not notice it missing from the first."""
    with JiraStandIn(cloud=cloud) as jira:
        jira.name_project("W", "Wallet")
        for number in range(1, 4):
            jira.add(f"W-{number}", "new", labels=("okr",))
        jira.add("Z-1", "new")
        got = _nightly_equals_full(tmp_path, jira, [
            (jql, "count", 0, 100),
            ("labels = okr", "count", 0, 100)],
            lambda jira: jira.add("W-4", "new", labels=("okr",)))
        assert [v for v, _ in got.values()] == [4, 4]


@pytest.mark.parametrize("cloud", [False, True], ids=["server", "cloud"])
@pytest.mark.parametrize("jql", [
    'project = "Wallet" AND labels = okr', "project = w AND labels = okr",
    'project in ("WALLET", Z) AND labels = okr', "project = W OR labels = okr",
    "project = NOPE OR labels = okr", "project in (W_2, W) AND labels = okr",
    "project != Z AND labels = okr", "NOT project = Z AND labels = okr"])
def test_spellings_of_a_project(tmp_path, cloud, jql):
    with JiraStandIn(cloud=cloud) as jira:
        jira.name_project("W", "Wallet")
        for number in range(1, 4):
            jira.add(f"W-{number}", "new", labels=("okr",))
        jira.add("W_2-1", "new", labels=("okr",))
        jira.add("Z-1", "new", labels=("okr",))

        def overnight(jira):
            jira.add("W-4", "new", labels=("okr",))
            jira.add("W_2-2", "new", labels=("okr",))
            jira.add("Z-2", "new", labels=("okr",))
            jira.move("W-1", "Z")
            jira.move("Z-1", "W")

        _nightly_equals_full(tmp_path, jira, [(jql, "count", 0, 100),
                                              ("labels = okr", "count", 0, 100)], overnight)


PROJECTS = [("W", "Wallet"), ("Z", "Zeta"), ("A1_B", "Shop 2"), ("Q", "W")]
"""Project Q is named W, another project's key."""

_spelling = st.sampled_from(PROJECTS).flatmap(lambda project: st.sampled_from(
    [project[0], project[0].lower(), f'"{project[1]}"', f'"{project[1].upper()}"']))
_clause = st.one_of(
    _spelling.map(lambda name: f"project = {name}"),
    st.lists(_spelling, min_size=1, max_size=3).map(
        lambda names: f"project in ({', '.join(names)})"),
    st.sampled_from("abc").map(lambda label: f"labels = {label}"))
_jql = st.recursive(_clause, lambda inner: st.tuples(
    st.sampled_from([" AND ", " OR "]), st.lists(inner, min_size=2, max_size=3)).map(
    lambda parts: "(" + parts[0].join(parts[1]) + ")"), max_leaves=6)
_issues = [Issue(f"{key}-{n}", "new", project=key, project_name=name, labels=labels)
           for key, name in PROJECTS
           for n, labels in enumerate([(), ("a",), ("b", "c"), ("a", "b", "c")])]


@given(_jql)
def test_every_issue_a_query_matches_is_in_a_project_it_names(jql):
    projects = dependencies(jql).projects
    exact = exact_predicate(jql)
    if projects is None or exact is None:
        return
    for issue in _issues:
        if exact[0](issue):
            assert {issue.project.lower(), issue.project_name.lower()} & projects, issue.key

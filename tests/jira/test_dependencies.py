"""What a JQL's answer depends on, read from the parsed query, never from its text."""

import pytest

from okrsync.jira.jql import dependencies, exact_predicate, without_order_by
from okrsync.jira.model import Issue


@pytest.mark.parametrize(("query", "why"), [
    ("sprint in openSprints()", "openSprints()"),
    ("assignee = currentUser() AND project = W", "currentUser()"),
    ("updated >= -7d", "-7d"),
    ('created > "-2w 3d"', "-2w 3d"),
    ("status WAS Done", "WAS"),
    ("status CHANGED AFTER startOfWeek()", "CHANGED"),
    ('sprint = "Sprint 5"', "sprint"),
    ("component = API", "component"),
    ('filter = "My open bugs"', "filter 'My open bugs'"),
    ("lastViewed >= startOfDay()", "lastViewed"),
    # a relative date after the words "order by" inside a string is still seen
    ('project = W AND summary ~ "order by" AND created >= -2d', "-2d"),
])
def test_what_can_change_without_an_edit_makes_a_query_volatile(query, why):
    found = dependencies(query)
    assert why in found.volatile


@pytest.mark.parametrize("query", [
    "project = W AND labels = a", "sprint = 12", 'created > "2024-08-01"',
    "project = W AND component = API", 'summary ~ "-7d"', "labels = a ORDER BY created",
    'labels = a ORDER BY "-7d"'])
def test_what_changes_only_with_its_issues_is_not_volatile(query):
    assert dependencies(query).volatile == ()


def test_filters_statuses_projects_and_names_are_found_wherever_they_stand():
    found = dependencies("(project in (W, V) AND filter = 777) OR (project = Z AND "
                         "(statusCategory = Done OR component in (API, 10001)))")
    assert found.filters == {777}
    assert found.statuses
    assert found.projects == {"w", "v", "z"}
    # named in whichever of the query's projects it may be (a component is a project's)
    assert found.names == {("component", p, "api") for p in "wvz"}
    assert dependencies("labels = a OR project = W").projects is None
    assert dependencies("NOT project = W").projects is None


def test_an_unreadable_query_is_volatile_and_left_to_jira():
    found = dependencies("(" * 300 + "a = b" + ")" * 300)
    assert found.volatile == ("unreadable",)
    assert dependencies("project = ").volatile == ("unreadable",)


def test_order_by_is_cut_where_it_starts_not_inside_a_string():
    assert without_order_by('summary ~ "order by" ORDER BY key') == 'summary ~ "order by"'
    assert without_order_by("labels = a") == "labels = a"


def test_a_query_is_decided_locally_only_where_the_fields_decide_it_as_jira_does():
    issue = Issue("W-1", "done", status="Done", project="W", labels=("okr",), id="1")
    predicate, labels = exact_predicate("project = w AND labels = okr AND status = done")
    assert predicate(issue) and labels == {"okr"}
    for query in ("status = 10001", "parent = E-1", "key = W-1", "filter = 7",
                  "sprint in openSprints()", "updated >= -1d"):
        assert exact_predicate(query) is None, query

"""The stand-in's JQL gives JIRA's documented answers (Atlassian, "Advanced searching -
operators reference" and "keywords reference"), whatever okrsync's own reading of JQL
does: these tables state JIRA's behaviour, not okrsync's."""

from __future__ import annotations

import pytest

from tests.standins.base import HttpError
from tests.standins.jira import JiraStandIn


def _site(cloud: bool) -> JiraStandIn:
    site = JiraStandIn(cloud=cloud)
    site.add("EP-1", "indeterminate", issuetype="Epic")
    site.add("ST-1", "done", epic="EP-1", labels=("Backend",), components=("API",))
    site.add("ST-2", "new", epic="EP-1")
    site.add("ST-3", "indeterminate", labels=("backend", "web"))
    site.add("OPS-1", "new", issuetype="Task", labels=("ops",), fix_versions=("1.0",))
    site.add("OPS-2", "new", issuetype="Sub-task", subtask_of="OPS-1")
    return site


@pytest.fixture(params=["cloud", "server"])
def site(request):
    with _site(request.param == "cloud") as server:
        yield server


def keys(site: JiraStandIn, jql: str) -> list[str]:
    return sorted(raw["key"] for raw in site._evaluate(jql, bounded=False))


def refused(site: JiraStandIn, jql: str) -> list[str]:
    with pytest.raises(HttpError) as error:
        site._evaluate(jql, bounded=False)
    assert error.value.status == 400
    return list(error.value.body["errorMessages"])


NO_LABELS = ["EP-1", "OPS-2", "ST-2"]


@pytest.mark.parametrize(("jql", "expected"), [
    # != and NOT IN never match an issue whose field is empty
    ("labels != web", ["OPS-1", "ST-1"]),
    ("labels not in (web, ops)", ["ST-1"]),
    ("component != API", []),
    ('fixVersion not in ("1.0")', []),
    # NOT f = v is f != v: it does not match an empty field either
    ("NOT labels = web", ["OPS-1", "ST-1"]),
    ("NOT labels in (web, ops)", ["ST-1"]),
    ("NOT (labels = web OR labels = ops)", ["ST-1"]),
    ("NOT NOT labels = web", ["ST-3"]),
    ("NOT (labels != web)", ["ST-3"]),
    ("project = ST AND NOT labels = backend", []),
    # IS EMPTY, and = / != EMPTY which mean the same
    ("labels is EMPTY", NO_LABELS),
    ("labels = EMPTY", NO_LABELS),
    ("labels is not EMPTY", ["OPS-1", "ST-1", "ST-3"]),
    ("labels != NULL", ["OPS-1", "ST-1", "ST-3"]),
    ("NOT labels is EMPTY", ["OPS-1", "ST-1", "ST-3"]),
    ("component is EMPTY", ["EP-1", "OPS-1", "OPS-2", "ST-2", "ST-3"]),
    # IN is several =, so EMPTY listed matches an empty field; NOT IN is several !=
    ("labels in (EMPTY, web)", [*NO_LABELS, "ST-3"]),
    ("labels not in (EMPTY, web)", ["OPS-1", "ST-1"]),
    # labels compare without case (JIRA 7.10 and later, Cloud)
    ("labels = backend", ["ST-1", "ST-3"]),
    ("labels in (BACKEND)", ["ST-1", "ST-3"]),
    ("labels != BACKEND", ["OPS-1"]),
    # a project by key (any case), name or id; statuses and types by name or id
    ("project = ST", ["ST-1", "ST-2", "ST-3"]),
    ("project = st", ["ST-1", "ST-2", "ST-3"]),
    ('project in ("OPS", EP)', ["EP-1", "OPS-1", "OPS-2"]),
    ("project != ST", ["EP-1", "OPS-1", "OPS-2"]),
    ('status = "in progress"', ["EP-1", "ST-3"]),
    ("status = 10001", ["ST-1"]),
    ("issuetype in (Task, 10003)", ["OPS-1", "OPS-2"]),
    ("type != Story", ["EP-1", "OPS-1", "OPS-2"]),
    # a status category by name, key or id
    ("statusCategory = Done", ["ST-1"]),
    ("statusCategory = 3", ["ST-1"]),
    ('statusCategory = "To Do"', ["OPS-1", "OPS-2", "ST-2"]),
    ("statusCategory != new", ["EP-1", "ST-1", "ST-3"]),
    # issues by key or id; sub-tasks by parent on both
    ("key = st-1", ["ST-1"]),
    ("issuekey in (ST-1, OPS-1)", ["OPS-1", "ST-1"]),
    ("parent = OPS-1", ["OPS-2"]),
    ("parent != OPS-1 AND project = OPS", []),
    ("parent is EMPTY AND project = OPS", ["OPS-1"]),
    # precedence: NOT, then AND, then OR; parentheses group
    ("project = OPS OR project = ST AND labels = web", ["OPS-1", "OPS-2", "ST-3"]),
    ("(project = OPS OR project = ST) AND labels = web", ["ST-3"]),
    ("project = ST AND labels = web OR project = OPS", ["OPS-1", "OPS-2", "ST-3"]),
    ("NOT project = ST AND labels is EMPTY", ["EP-1", "OPS-2"]),
    ("labels = web || labels = ops && project = OPS", ["OPS-1", "ST-3"]),
    ("!(project = ST)", ["EP-1", "OPS-1", "OPS-2"]),
    # ORDER BY only sorts; words inside strings are never keywords
    ("project = OPS ORDER BY key DESC, created", ["OPS-1", "OPS-2"]),
    ('project = ST AND summary ~ "order by"', []),
    ('summary ~ "OPS"', ["OPS-1", "OPS-2"]),
    ('summary !~ "ops"', ["EP-1", "ST-1", "ST-2", "ST-3"]),
])
def test_jql_gives_jiras_documented_answers(site, jql, expected):
    assert keys(site, jql) == expected


def test_a_moved_issue_answers_to_its_old_key_and_its_id(site):
    moved = site.move("ST-3", "NEW")
    epic = site.move("EP-1", "Z")
    number = site._by_key[moved]["id"]
    assert keys(site, "key = ST-3") == keys(site, f"key = {moved}") == [moved]
    assert keys(site, f"id = {number}") == keys(site, 'issuekey in ("st-3")') == [moved]
    children = ["ST-1", "ST-2"]
    if site.cloud:  # the children name the epic's new key; the old one still finds them
        assert keys(site, "parent = EP-1") == keys(site, f"parent = {epic}") == children
    else:
        assert keys(site, '"Epic Link" = EP-1') == keys(site, f"cf[10014] in ({epic})") \
            == children
        assert keys(site, "parent = EP-1") == []  # Server / DC: epics are linked otherwise
    assert keys(site, "project = ST") == children


def test_components_and_versions_are_named_by_their_current_names(site):
    site.rename("ST", "component", "API", "Gateway")
    assert keys(site, "component = Gateway") == ["ST-1"]
    assert refused(site, "component = API") == [
        "The value 'API' does not exist for the field 'component'."]
    version = next(iter(site._named[("OPS", "version")]))
    assert keys(site, f"fixVersion = {version}") == keys(site, 'fixVersion = "1.0"') \
        == ["OPS-1"]


def test_values_the_site_does_not_know_are_refused_one_message_each(site):
    assert refused(site, "project = NOPE OR project in (ST, GONE)") == [
        "The value 'NOPE' does not exist for the field 'project'.",
        "The value 'GONE' does not exist for the field 'project'."]
    assert refused(site, 'key in (ST-1, ST-99, "not a key")') == [
        "An issue with key 'ST-99' does not exist for field 'key'.",
        "The issue key 'not a key' for field 'key' is invalid."]
    assert refused(site, "nonsense = 1 AND status = Nope") == [
        "Field 'nonsense' does not exist or you do not have permission to view it.",
        "The value 'Nope' does not exist for the field 'status'."]
    site.deny("OPS")  # an issue or project the account cannot see does not exist for it
    assert refused(site, "parent = OPS-1") == [
        "An issue with key 'OPS-1' does not exist for field 'parent'."]
    assert refused(site, "project = OPS") == [
        "The value 'OPS' does not exist for the field 'project'."]
    assert keys(site, "labels = ops") == []


def test_a_query_jira_cannot_read_is_refused(site):
    for jql in ("project = ", "project = ST AND", "(project = ST", "labels = a b",
                'summary ~ "open'):
        (message,) = refused(site, jql)
        assert message.startswith("Error in the JQL Query: "), (jql, message)
    assert refused(site, "labels > a") == [
        "The operator '>' is not supported by the 'labels' field."]
    assert refused(site, "labels in a") == [
        "The operator 'in' does not support the non-list value 'a' for field 'labels'."]


def test_saved_filters_stand_where_they_are_named(site):
    site.filters[5] = "labels = web ORDER BY key"
    site.filters[6] = "filter = 5 OR project = OPS"
    assert keys(site, "filter = 6 AND statusCategory != Done") == ["OPS-1", "OPS-2", "ST-3"]
    assert refused(site, "filter = 7") == [
        "The value '7' does not exist for the field 'filter'."]
    with pytest.raises(NotImplementedError):
        keys(site, "NOT filter = 5")


def test_relative_and_absolute_dates_are_on_the_sites_clock(site):
    site.advance(60)
    site.change("ST-2", labels=("late",))
    assert keys(site, 'updated >= "-30m"') == ["ST-2"]
    assert keys(site, "NOT updated >= -30m") == ["EP-1", "OPS-1", "OPS-2", "ST-1", "ST-3"]
    assert keys(site, 'created < "2024-08-01 09:30" AND updated > "2024/08/01 09:30"') \
        == ["ST-2"]
    assert refused(site, 'created > "yesterday"')[0].startswith(
        "Date value 'yesterday' for field 'created' is invalid.")


def test_cloud_refuses_a_query_without_a_restriction():
    with _site(cloud=True) as cloud:
        with pytest.raises(HttpError) as error:
            cloud._evaluate("ORDER BY created", bounded=True)
        assert "Unbounded JQL" in error.value.body["errorMessages"][0]
        assert len(cloud._evaluate("", bounded=False)) == 6


@pytest.mark.parametrize("jql", [
    "project in projectsLeadByUser()", "status WAS Done", "status CHANGED",
    "assignee = currentUser()", "priority = High", "sprint = 5", '"Revenue" > 3',
    'text ~ "web"', 'summary ~ "wor*"', 'summary ~ "works"', "created = -1d",
    "category = Platform"])
def test_what_the_stand_in_does_not_evaluate_it_says_so(site, jql):
    with pytest.raises(NotImplementedError, match="the stand-in cannot evaluate"):
        keys(site, jql)

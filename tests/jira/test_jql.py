"""The JQL subset evaluated on exports: ids where keys go, depth, full-width input."""

import pytest

from okrsync.errors import KRError
from okrsync.jira.jql import MAX_DEPTH, compile_jql
from okrsync.jira.links import IssueKeys, Jql, parse_link
from okrsync.jira.model import Issue

ISSUES = [
    Issue("JUZT-5", "done", id="46025", parent="JUZT-1", parent_id="43403"),
    Issue("JUZT-6", "new", id="46026"),
]


@pytest.mark.parametrize("query", ["id = 46025", "key = 46025", "issuekey = 46025",
                                   "parent = 43403", "key in (46025, 99999)",
                                   "key = juzt-5"])
def test_issue_ids_are_accepted_where_keys_go(query):
    predicate = compile_jql(query)
    assert [i.key for i in ISSUES if predicate(i)] == ["JUZT-5"]


def test_deeply_nested_jql_fails_its_kr_not_the_run():
    compile_jql("(" * MAX_DEPTH + "project = A" + ")" * MAX_DEPTH)
    with pytest.raises(KRError, match="nests"):
        compile_jql("(" * 3000 + "project = A" + ")" * 3000)
    with pytest.raises(KRError, match="nests"):
        compile_jql("NOT " * 3000 + "project = A")


@pytest.mark.parametrize(
    ("text", "link"),
    [("INF-1，INF-99", IssueKeys(("INF-1", "INF-99"))),
     ("ＩＮＦ－１", IssueKeys(("INF-1",))),
     ("project ＝ PAY", Jql("project = PAY"))],
)
def test_full_width_input_from_a_korean_keyboard_is_folded(text, link):
    assert parse_link(text) == link


@pytest.mark.parametrize(("query", "field"), [("label = web", "labels"),
                                              ("components = API", "component"),
                                              ("project = A AND NOT label = web", "labels")])
def test_a_field_name_jira_refuses_is_refused_on_an_export_too(query, field):
    """JIRA knows these fields as `labels` and `component` and refuses the query; okrsync
    does not give the KR a number JIRA would never have given."""
    with pytest.raises(KRError, match=f"the field is '{field}'"):
        compile_jql(query)


def test_the_right_field_names_are_evaluated():
    issues = [Issue("A-1", "done", labels=("web",), components=("API",)), Issue("A-2", "new")]
    predicate = compile_jql("labels = web AND component = API")
    assert [i.key for i in issues if predicate(i)] == ["A-1"]

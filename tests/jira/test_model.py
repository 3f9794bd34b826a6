"""An issue as JIRA's REST API answers it becomes an Issue with each field in its place."""

from okrsync.jira.model import Issue, issue_from_rest, rest_issue


def test_every_field_of_a_rest_issue_lands_in_its_own_place():
    item = {
        "id": "10042", "key": "pay-7",
        "fields": {
            "summary": "결제 재시도 정책",
            "status": {"id": "3", "name": "진행 중",
                       "statusCategory": {"key": "indeterminate", "id": 4}},
            "project": {"key": "PAY", "name": "결제"},
            "issuetype": {"name": "Story"},
            "parent": {"id": "10001", "key": "pay-1"},
            "customfield_10014": "pay-2",
            "labels": ["kr-3", "q3"],
            "components": [{"name": "API"}],
            "fixVersions": [{"name": "2024.3"}],
            "customfield_10016": 5,
            "customfield_10020": "3 pts",
            "customfield_10030": 1.5,
        },
    }
    issue = issue_from_rest(
        rest_issue(item), {"customfield_10016": "Story Points", "customfield_10020": "Estimate",
               "customfield_10030": "Cost"},
        {"customfield_10016": "Story Points", "customfield_10020": "Estimate"},
        "customfield_10014", keep_numbers=False)
    assert issue == Issue(
        key="PAY-7", id="10042", status_category="indeterminate", status="진행 중",
        status_id="3", summary="결제 재시도 정책", project="PAY", project_name="결제",
        issuetype="Story", parent="PAY-1", parent_id="10001", epic="PAY-2",
        labels=("kr-3", "q3"), components=("API",), fix_versions=("2024.3",),
        points={"Story Points": 5.0}, unreadable=frozenset({"points:Estimate"}))

    numbers = issue_from_rest(rest_issue(item), {"customfield_10030": "Cost"}, None, None).numbers
    assert numbers == {"customfield_10016": 5.0, "customfield_10030": 1.5, "cost": 1.5}


def test_an_issue_with_only_a_key_has_every_other_field_empty():
    issue = issue_from_rest(rest_issue({"key": "A-1"}), {}, None, None)
    assert issue == Issue("A-1", "")
    assert (issue.points, issue.numbers, issue.unreadable) == ({}, {}, frozenset())


def test_a_lone_label_component_or_version_is_a_list_of_one():
    """JIRA answers these fields as lists; a value given alone (an export edited by hand,
    an odd proxy) counts as one, never split into letters, and an empty name as none."""
    issue = issue_from_rest(rest_issue({"key": "A-1", "fields": {
        "labels": "kr-3", "components": {"name": "API"}, "fixVersions": 2024,
    }}), {}, None, None)
    assert (issue.labels, issue.components, issue.fix_versions) == (("kr-3",), ("API",),
                                                                     ("2024",))
    issue = issue_from_rest(rest_issue({"key": "A-1", "fields": {
        "labels": [None, "", "q3"], "components": [{"id": "7"}, {"name": "Web"}],
    }}), {}, None, None)
    assert (issue.labels, issue.components) == (("q3",), ("Web",))


def test_only_the_fields_a_search_asked_for_are_read_as_numbers():
    """Two fields named Effort; the search asked for customfield_2. Another field JIRA
    (or a proxy) sent anyway never stands in for it, nor makes it unreadable."""
    names = {"customfield_2": "Effort", "customfield_3": "Effort"}
    for other in (100, "x"):
        item = rest_issue({"key": "A-1", "fields": {"customfield_2": 5,
                                                    "customfield_3": other}})
        issue = issue_from_rest(item, names, None, None, asked={"customfield_2"})
        assert issue.numbers == {"customfield_2": 5.0, "effort": 5.0}
        assert issue.unreadable == frozenset()


def test_odd_values_where_a_name_belongs_read_as_their_name_or_nothing():
    """A summary, status, type or project given as an object or a list (never JIRA's own
    shape) reads as the object's name, or as nothing: never as Python's text of it."""
    issue = issue_from_rest(rest_issue({"key": "A-1", "fields": {
        "summary": {}, "status": ["Done"], "issuetype": {"id": "7"},
        "project": {"key": {"name": "PAY"}, "name": ["결제"]},
    }}), {}, None, None)
    assert (issue.summary, issue.status, issue.issuetype) == ("", "", "")
    assert (issue.project, issue.project_name) == ("PAY", "")
    issue = issue_from_rest(rest_issue({"key": "A-1", "fields": {
        "summary": {"value": "결제 재시도"}, "status": "Done", "issuetype": 5}}),
        {}, None, None)
    assert (issue.summary, issue.status, issue.issuetype) == ("결제 재시도", "Done", "5")

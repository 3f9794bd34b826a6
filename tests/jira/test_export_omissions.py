"""A property: whatever an export leaves out, okrsync gives the value the complete export
gives, or a problem — never a different number."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrsync.errors import KRError, SourceError
from okrsync.jira.export import ExportSource
from okrsync.jira.links import IssueKeys, Jql
from okrsync.jira.metrics import Kind, Metric
from tests.helpers import status

EPIC_LINK, POINTS = "customfield_10301", "customfield_10106"
NAMES = {"summary": "Summary", "status": "Status", "project": "Project", "labels": "Labels",
         "issuetype": "Issue Type", EPIC_LINK: "Epic Link", POINTS: "Story Points"}

issue_strategy = st.fixed_dictionaries({
    "epic": st.integers(0, 2),
    "category": st.sampled_from(["new", "indeterminate", "done"]),
    "points": st.one_of(st.none(), st.integers(0, 13)),
    "labels": st.lists(st.sampled_from(["a", "b"]), unique=True),
    "subtask": st.booleans(),
})
omissions = st.fixed_dictionaries({
    "names": st.booleans(),
    "categories": st.sets(st.integers(3, 14), max_size=4),
    "project": st.booleans(),
    "duplicate": st.one_of(st.none(), st.tuples(st.integers(0, 20), st.booleans())),
    "pages": st.one_of(st.none(), st.integers(1, 20)),
})
LINKS = [IssueKeys(("P-1",)), IssueKeys(("P-2", "P-3")), Jql("project = P AND labels = a"),
         Jql('"Epic Link" = P-2'), Jql("statusCategory = Done"), Jql("labels in (a, b)")]
METRICS = [Metric(kind) for kind in (Kind.DONE_RATIO, Kind.DONE_COUNT, Kind.COUNT,
                                     Kind.POINTS_DONE, Kind.POINTS_RATIO)]


def server_export(issues: list[dict[str, Any]]) -> dict[str, Any]:
    """A complete JIRA Server search response (fields=*all&expand=names)."""
    raw = [{"id": str(10001 + n), "key": f"P-{n + 1}", "fields": {
        "summary": "epic", "status": status("indeterminate"), "project": {"key": "P", "name": "P"},
        "labels": [], "issuetype": {"name": "Epic", "subtask": False}, EPIC_LINK: None,
        POINTS: None}} for n in range(3)]
    for n, item in enumerate(issues, start=4):
        fields: dict[str, Any] = {
            "summary": "work", "status": status(item["category"]),
            "project": {"key": "P", "name": "P"}, "labels": item["labels"],
            "issuetype": {"name": "Sub-task" if item["subtask"] else "Story",
                          "subtask": item["subtask"]},
            EPIC_LINK: None, POINTS: item["points"]}
        epic = f"P-{item['epic'] + 1}"
        if item["subtask"]:
            fields["parent"] = {"id": str(10001 + item["epic"]), "key": epic}
        else:
            fields[EPIC_LINK] = epic
        raw.append({"id": str(10000 + n), "key": f"P-{n}", "fields": fields})
    return {"expand": "schema,names", "startAt": 0, "maxResults": 1000, "total": len(raw),
            "issues": raw, "names": NAMES}


def omit(document: dict[str, Any], what: dict[str, Any]) -> Any:
    document = copy.deepcopy(document)
    issues = document["issues"]
    if what["names"]:
        del document["names"]
    for index in what["categories"]:
        if index < len(issues):
            del issues[index]["fields"]["status"]["statusCategory"]
    if what["project"]:
        for item in issues:
            del item["fields"]["project"]
    if what["duplicate"] is not None:
        index, contradict = what["duplicate"]
        if index < len(issues):
            twin = copy.deepcopy(issues[index])
            if contradict:
                twin["fields"]["labels"] = ["b", "a", "c"]
            issues.append(twin)
            document["total"] = len(issues) - 1
    if what["pages"] is not None and what["pages"] < len(issues):
        document["issues"] = issues[:what["pages"]]  # one page saved, not all
    return document


def answers(path: Path, document: Any) -> dict[Any, float | KRError] | None:
    path.write_text(json.dumps(document), encoding="utf-8")
    try:
        source = ExportSource.load(path)
    except SourceError:
        return None  # the whole pull stops, writing nothing
    found = source.measure([(link, metric) for link in LINKS for metric in METRICS])
    return {key: value if isinstance(value, KRError) else value.value
            for key, value in found.items()}


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(issues=st.lists(issue_strategy, max_size=12), what=omissions)
def test_an_export_with_omissions_never_gives_a_different_number(tmp_path, issues, what):
    complete = server_export(issues)
    truth = answers(tmp_path / "complete.json", complete)
    assert truth is not None
    found = answers(tmp_path / "partial.json", omit(complete, what))
    if found is None:
        return
    for key, value in found.items():
        if isinstance(value, KRError):
            continue
        assert not isinstance(truth[key], KRError), (key, value, truth[key])
        assert value == truth[key], (key, value, truth[key])

"""A JIRA export file as the issue source: no server needed.

Two formats are read:
- JSON as JIRA's REST search returns it (`{"issues": [...], "names": {...}}`, the
  `names` map coming with `expand=names`), one response or a list of pages;
- CSV from JIRA's "Export issues → CSV (all fields)".
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from okrsync.errors import KRError, SourceError
from okrsync.jira.jql import compile_jql
from okrsync.jira.links import IssueKeys, Jql, Link, SavedFilter
from okrsync.jira.metrics import Kind, Metric
from okrsync.jira.model import (
    STORY_POINT_NAMES,
    Issue,
    as_number,
    category_key,
    field_name,
    issue_from_rest,
    points_field_of,
)
from okrsync.jira.source import IssueSource


class ExportSource(IssueSource):
    """Issues read once from a file; links are resolved locally."""

    def __init__(
        self,
        issues: Sequence[Issue],
        fields: Iterable[str],
        origin: str,
        points_field: str | None = None,
    ) -> None:
        self.all = list(issues)
        self.points_field = points_field
        self.fields = {field_name(name) for name in fields}
        self.origin = origin
        self.children: dict[str, list[Issue]] = defaultdict(list)
        for issue in self.all:
            for parent in {issue.parent, issue.epic} - {None}:
                self.children[parent.upper()].append(issue)  # type: ignore[union-attr]

    @classmethod
    def load(cls, path: Path, story_points_field: str | None = None) -> ExportSource:
        if not path.is_file():
            raise SourceError(f"JIRA export {path} does not exist")
        try:
            if path.suffix.lower() == ".csv":
                with path.open(encoding="utf-8-sig", newline="") as stream:
                    issues, fields, points = _from_csv(csv.reader(stream), story_points_field)
            else:
                with path.open(encoding="utf-8-sig") as stream:
                    issues, fields, points = _from_json(json.load(stream), story_points_field)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as error:
            raise SourceError(f"JIRA export {path} cannot be read: {error}") from error
        return cls(issues, fields, str(path), points)

    def check_metric(self, metric: Metric) -> None:
        if metric.needs_points and self.points_field is None:
            raise KRError(
                f"no story points field found in the JIRA export {self.origin} (looked for "
                f"{', '.join(STORY_POINT_NAMES)}); set [jira] story_points_field"
            )
        if metric.kind is Kind.SUM and field_name(metric.field or "") not in self.fields:
            raise KRError(f"field {metric.field!r} is not in the JIRA export {self.origin}")

    def issues(
        self, links: Iterable[Link], metrics: Iterable[Metric] = ()
    ) -> dict[Link, Sequence[Issue] | KRError]:
        return {link: self._resolve(link) for link in links}

    def _resolve(self, link: Link) -> Sequence[Issue] | KRError:
        if isinstance(link, IssueKeys):
            found: dict[str, Issue] = {}
            for key in link.keys:
                for issue in self.children.get(key, ()):
                    found[issue.key] = issue
            if not found:
                return KRError(f"no child issues of {link} in the JIRA export {self.origin}")
            return list(found.values())
        if isinstance(link, SavedFilter):
            return KRError(f"{link}: saved filters live on the JIRA server; an export file "
                           "cannot answer them (write the filter's JQL instead)")
        assert isinstance(link, Jql)
        try:
            predicate = compile_jql(link.query)
        except KRError as error:
            return error
        return [issue for issue in self.all if predicate(issue)]


# ---------------------------------------------------------------- JSON (REST search)


def _pages(document: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(document, Mapping):
        yield document
    elif isinstance(document, list) and all(isinstance(item, Mapping) for item in document):
        if document and "issues" in document[0]:
            yield from document
        else:
            yield {"issues": document}
    else:
        raise SourceError("a JSON JIRA export must be a search response "
                          '({"issues": [...]}) or a list of issues')


Parsed = tuple[list[Issue], set[str], str | None]
"""Issues, the field names and ids seen, and the story points field found."""


def _from_json(document: Any, points_field: str | None) -> Parsed:
    pages = list(_pages(document))
    names: dict[str, str] = {}
    for page in pages:
        names.update(page.get("names") or {})
    raw = [issue for page in pages for issue in page.get("issues") or []]
    points = points_field_of(names, points_field)
    epic_field = next((key for key, name in names.items() if field_name(name) == "epic link"),
                      None)
    fields: set[str] = set()
    issues = []
    for position, item in enumerate(raw):
        if not isinstance(item, Mapping) or "key" not in item:
            raise SourceError(f"issue #{position + 1} in the JIRA export has no key")
        issues.append(issue_from_rest(item, names, points, epic_field, fields))
    if points and field_name(points) not in fields:
        points = None
    return issues, fields, points


# ---------------------------------------------------------------- CSV (Export issues)

_CSV_MULTI = {"labels": "labels", "component/s": "components", "components": "components",
              "fix version/s": "fix_versions", "fix versions": "fix_versions"}


def _column(header: str) -> str:
    """`Custom field (Story Points)` → `story points`."""
    name = field_name(header)
    if name.startswith("custom field (") and name.endswith(")"):
        name = name[len("custom field ("):-1]
    return name


def _from_csv(rows: Iterator[list[str]], points_field: str | None) -> Parsed:
    try:
        header = next(rows)
    except StopIteration:
        raise SourceError("the JIRA CSV export is empty") from None
    columns = [_column(h) for h in header]
    if "issue key" not in columns:
        raise SourceError("the JIRA CSV export has no 'Issue key' column")
    if "status category" not in columns:
        raise SourceError(
            "the JIRA CSV export has no 'Status Category' column, so done issues cannot be "
            "told apart (okrsync never guesses from status names); export all fields, or "
            "use a JSON export"
        )
    points = points_field_of({c: c for c in columns}, points_field)
    if points is not None and field_name(points) not in columns:
        points = None
    records = []
    ids: dict[str, str] = {}
    for line_no, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = defaultdict(list)
        for name, cell in zip(columns, row, strict=False):
            cell = cell.strip()
            if name in _CSV_MULTI:
                if cell:
                    multi[_CSV_MULTI[name]].append(cell)
            elif cell and name not in single:
                single[name] = cell
        if not single.get("issue key"):
            raise SourceError(f"line {line_no} of the JIRA CSV export has no issue key")
        if single.get("issue id"):
            ids[single["issue id"]] = single["issue key"].upper()
        records.append((single, multi))

    def key_of(value: str | None) -> str | None:
        if not value:
            return None
        return ids.get(value, value).upper() if value.isdigit() else value.upper()

    issues = []
    for single, multi in records:
        numbers = {name: n for name, value in single.items() if (n := as_number(value)) is not None}
        category = single.get("status category", "")
        issues.append(Issue(
            key=single["issue key"].upper(),
            status_category=category_key(category) or category.lower(),
            status=single.get("status", ""),
            summary=single.get("summary", ""),
            project=single.get("project key", ""),
            project_name=single.get("project name", ""),
            issuetype=single.get("issue type", ""),
            parent=key_of(single.get("parent key") or single.get("parent")
                          or single.get("parent id")),
            epic=key_of(single.get("epic link")),
            labels=tuple(multi["labels"]),
            components=tuple(multi["components"]),
            fix_versions=tuple(multi["fix_versions"]),
            story_points=as_number(single.get(points)) if points else None,
            numbers=numbers,
        ))
    return issues, set(columns), points

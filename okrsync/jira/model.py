"""JIRA issues as the metrics see them, whichever source they came from."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

DONE = "done"
"""The key of JIRA's Done status category (id 3). "Done" is never a status name."""

STORY_POINT_NAMES = (
    "story points", "story point estimate", "스토리 포인트", "스토리 포인트 추정치",
)
"""Field names JIRA uses for story points (company-managed, team-managed, Korean UI)."""

_CATEGORY_NAMES = {
    "done": DONE, "완료": DONE, "3": DONE,
    "indeterminate": "indeterminate", "in progress": "indeterminate", "진행 중": "indeterminate",
    "4": "indeterminate",
    "new": "new", "to do": "new", "해야 할 일": "new", "2": "new",
    "undefined": "undefined", "no category": "undefined", "1": "undefined",
}


def category_key(value: str) -> str | None:
    """A status category given as key, name (English or Korean) or id → its key."""
    return _CATEGORY_NAMES.get(value.strip().lower())


def field_name(text: str) -> str:
    """Field names compare case- and space-insensitively: `Story Points` = `story  points`."""
    return " ".join(text.lower().split())


@dataclass(frozen=True, slots=True)
class Issue:
    """One JIRA issue, reduced to what links and metrics look at."""

    key: str
    status_category: str
    status: str = ""
    summary: str = ""
    project: str = ""
    project_name: str = ""
    issuetype: str = ""
    parent: str | None = None
    epic: str | None = None
    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()
    story_points: float | None = None
    numbers: Mapping[str, float] = field(default_factory=dict)
    """Other numeric fields, by id and by `field_name()` of their name."""

    @property
    def done(self) -> bool:
        return self.status_category == DONE



def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    return None


def _name(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("key") or value.get("value") or "")
    return "" if value is None else str(value)


def issue_from_rest(
    item: Mapping[str, Any],
    names: Mapping[str, str],
    points_field: str | None,
    epic_field: str | None,
    seen_fields: set[str] | None = None,
    keep_numbers: bool = True,
) -> Issue:
    """An issue as JIRA's REST API returns it (`{"key", "fields": {...}}`).

    `names` maps field ids to names (`expand=names` or `GET /field`); `seen_fields`,
    when given, collects every field id and name met. Without `keep_numbers` the other
    numeric fields are not kept (no `sum:` metric needs them), and repeated texts are
    shared: a pull over hundreds of thousands of issues stays small.
    """
    fields: Mapping[str, Any] = item.get("fields") or {}
    status = fields.get("status") or {}
    category = (status.get("statusCategory") or {}).get("key") or ""
    numbers: Mapping[str, float] = _NO_NUMBERS
    if keep_numbers or seen_fields is not None:
        numbers = _numbers(fields, names, seen_fields)
    parent = fields.get("parent")
    epic = fields.get(epic_field) if epic_field else None
    project = fields.get("project") or {}
    return Issue(
        key=str(item["key"]).upper(),
        status_category=category_key(category) or category,
        status=sys.intern(_name(status)),
        summary=str(fields.get("summary") or ""),
        project=sys.intern(str(project.get("key") or "")),
        project_name=sys.intern(str(project.get("name") or "")),
        issuetype=sys.intern(_name(fields.get("issuetype"))),
        parent=sys.intern(str(parent["key"]).upper())
        if isinstance(parent, Mapping) and parent.get("key") else None,
        epic=sys.intern(str(epic).upper()) if isinstance(epic, str) and epic else None,
        labels=tuple(sys.intern(str(label)) for label in fields.get("labels") or ()),
        components=tuple(_name(c) for c in fields.get("components") or ()),
        fix_versions=tuple(_name(v) for v in fields.get("fixVersions") or ()),
        story_points=as_number(fields.get(points_field)) if points_field else None,
        numbers=numbers,
    )


_NO_NUMBERS: Mapping[str, float] = MappingProxyType({})


def _numbers(fields: Mapping[str, Any], names: Mapping[str, str],
             seen_fields: set[str] | None) -> Mapping[str, float]:
    numbers: dict[str, float] = {}
    for field_id, value in fields.items():
        label = names.get(field_id, field_id)
        if seen_fields is not None:
            seen_fields.update({field_name(field_id), field_name(label)})
        number = as_number(value) if not isinstance(value, str) else None
        if number is not None:
            numbers[field_name(field_id)] = number
            numbers[field_name(label)] = number
    return numbers or _NO_NUMBERS


def points_field_of(candidates: Mapping[str, str], configured: str | None) -> str | None:
    """The id/column of the story points field: configured by name or id, else by name."""
    by_name = {field_name(name): key for key, name in candidates.items()}
    if configured:
        wanted = field_name(configured)
        if configured in candidates:
            return configured
        return by_name.get(wanted, configured)
    for name in STORY_POINT_NAMES:
        if name in by_name:
            return by_name[name]
    return None

"""JIRA issues as the metrics see them, whichever source they came from."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Container, Mapping
from types import MappingProxyType
from typing import Any

import msgspec

DONE = "done"
"""The key of JIRA's Done status category (id 3). "Done" is never a status name."""

CATEGORIES = ("new", "indeterminate", DONE, "undefined")
"""JIRA's status category keys: To Do (2), In Progress (4), Done (3), No Category (1)."""

STORY_POINT_NAMES = (
    "story points", "story point estimate", "스토리 포인트", "스토리 포인트 추정치",
)
"""Field names JIRA uses for story points (company-managed, team-managed, Korean UI)."""

ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")

_CATEGORY_NAMES = {
    "done": DONE, "완료": DONE, "3": DONE,
    "indeterminate": "indeterminate", "in progress": "indeterminate", "진행 중": "indeterminate",
    "4": "indeterminate",
    "new": "new", "to do": "new", "해야 할 일": "new", "2": "new",
    "undefined": "undefined", "no category": "undefined", "1": "undefined",
}


_KEYS = frozenset(CATEGORIES)


def category_key(value: object) -> str | None:
    """A status category given as key, name (English or Korean) or id → its key."""
    if value is None or isinstance(value, bool):
        return None
    return _CATEGORY_NAMES.get(str(value).strip().lower())


def field_name(text: str) -> str:
    """Field names compare case- and space-insensitively: `Story Points` = `story  points`."""
    return " ".join(text.lower().split())


_NO_NUMBERS: Mapping[str, float] = MappingProxyType({})


class Issue(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    """One JIRA issue, reduced to what links and metrics look at.

    A frozen msgspec Struct rather than a dataclass: a first pull makes tens of thousands
    of them, several times faster; it holds only texts, numbers and tuples (never a
    cycle), so Python's cycle collector need not track it. Encoded (only in the issue
    cache), it holds the fields that differ from their defaults."""

    key: str
    status_category: str
    """One of CATEGORIES, or "" when the source did not say (never guessed from a name)."""
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
    points: Mapping[str, float] = _NO_NUMBERS
    """Story points by the field that holds them ("Story Points (customfield_10026)"):
    only fields that may hold story points, and only where the issue has a value."""
    numbers: Mapping[str, float] = _NO_NUMBERS
    """Other numeric fields, by id and by `field_name()` of their name."""
    id: str = ""
    parent_id: str | None = None
    unreadable: frozenset[str] = frozenset()
    """Fields that hold a value which is not a number (`3 pts`, `{"value": 3}`, `1,5`):
    by the names `numbers` uses, and story-point fields as `points:` + the name `points`
    uses. A metric reading one fails its KR."""
    status_id: str = ""
    """The status's id: its category is the site's to change (an administrator can move
    a status into another category without editing any issue)."""

    @property
    def done(self) -> bool:
        return self.status_category == DONE


def as_number(value: Any) -> float | None:
    """A field's number; None when it holds none. Non-finite numbers are kept (as inf or
    nan) so that the metric using them can report them instead of summing them."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return math.inf
    if isinstance(value, str):
        text = value.strip()
        if not _PLAIN.fullmatch(text.replace(",", "")):
            return None  # float() would read `1٠5` as 105 and `1_000` as 1000
        if "," in text:  # only as thousands: 1,234.5; never a decimal comma (1,5)
            if not _THOUSANDS.fullmatch(text):
                return None
            text = text.replace(",", "")
        try:
            return float(text)
        except ValueError:
            return None
    return None


UNREADABLE_POINTS = "points:"
"""How a story-point field holding something that is not a number is named in
`Issue.unreadable`."""

_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan)",
                    re.ASCII | re.IGNORECASE)
"""A number as JSON or a CSV export writes it, in ASCII digits only."""


def is_blank(value: Any) -> bool:
    """No value at all (as opposed to a value that is not a number)."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def interned(names: set[str]) -> frozenset[str]:
    """The same few sets of field names on every issue, kept once."""
    if not names:
        return _NONE
    key = frozenset(names)
    return _SETS.setdefault(key, key)


_NONE: frozenset[str] = frozenset()
_SETS: dict[frozenset[str], frozenset[str]] = {}


Plain = str | int | float | bool | None
Odd = list[Any] | Plain
"""Any JSON value other than an object, kept as it is."""


class RestObject(msgspec.Struct, gc=False):
    """What okrsync reads of any object in an issue's fields: a status (with its
    category), project, issue type, parent, component, version, or a custom field's
    option. Everything else in it (a parent's own fields, every `self` and icon URL) is
    skipped while decoding, never built."""

    id: Any = None
    key: Any = None
    name: Any = None
    value: Any = None
    statusCategory: RestObject | Odd = None  # noqa: N815 (JIRA's name)


Value = RestObject | list[RestObject | list[Any] | Plain] | Plain
"""A field's value as okrsync reads it: objects, alone or in a list (components and
versions come so), as RestObjects; anything else as it is."""


class RestIssue(msgspec.Struct, gc=False):
    """One issue as JIRA's REST API answers it (`{"id", "key", "fields": {...}}`), as
    okrsync reads it. Any JSON is taken where JIRA answers an object, so an odd value is
    the converting code's to judge, not a reason to refuse the whole page; only an issue
    without a key is refused."""

    key: Any
    id: Any = None
    fields: dict[str, Value] | Odd = None


def rest_issue(item: Mapping[str, Any]) -> RestIssue:
    """An issue decoded as plain JSON (an export file), as okrsync reads it."""
    return msgspec.convert(item, RestIssue)


def _name(value: Any) -> str:
    """The text of a value where a name belongs: an object's name (or key, or value), a
    text or number as it is; nothing for a list, null, or an object without one."""
    if type(value) is str:
        return value
    if type(value) is RestObject:
        value = value.name or value.key or value.value
    elif type(value) is dict:  # an object inside an object's member
        value = value.get("name") or value.get("key") or value.get("value")
    if value is None or isinstance(value, list | dict | RestObject):
        return ""
    return value if type(value) is str else str(value)


def _status_category(status: Any) -> str:
    """The category key of a REST `status` object; "" when it has none."""
    category = status.statusCategory if type(status) is RestObject else None
    if type(category) is not RestObject:
        return ""
    key = category.key
    if type(key) is str and key in _KEYS:  # as JIRA sends it
        return key
    for part in (key, category.id, category.name):
        found = category_key(part)
        if found:
            return found
    return ""


def _key(value: Any) -> str | None:
    return sys.intern(value.strip().upper()) if isinstance(value, str) and value.strip() else None


def _interned(value: Any) -> str:
    """A short text repeated on many issues (a status, project or type name), kept once."""
    return sys.intern(_name(value))


def _names(value: Any) -> tuple[str, ...]:
    """The names in a field holding a list (labels, components, versions); a value
    given alone counts as a list of one, and an empty name as none."""
    values = value if type(value) is list else (value,)
    return tuple(name for item in values if (name := _interned(item)))


def issue_from_rest(
    item: RestIssue,
    names: Mapping[str, str],
    points_fields: Mapping[str, str] | str | None,
    epic_field: str | None,
    seen_fields: set[str] | None = None,
    keep_numbers: bool = True,
    asked: Container[str] | None = None,
) -> Issue:
    """An issue as JIRA's REST API returns it.

    `names` maps field ids to names (`expand=names` or `GET /field`); `points_fields`
    maps the ids of fields that may hold story points to how they are shown;
    `seen_fields`, when given, collects every field id and name met. Without
    `keep_numbers` the other numeric fields are not kept (no `sum:` metric needs
    them); with `asked` (the fields a search asked for), no other field JIRA sent is
    (another field of the same name would stand in for the asked one). Repeated texts
    are shared: a pull over hundreds of thousands of issues
    stays small. A first pull turns tens of thousands of issues into Issues here, so
    it checks exact types (what decoding makes), never the slower abstract Mapping.
    """
    fields = item.fields
    if type(fields) is not dict:
        fields = {}
    get = fields.get
    numbers: Mapping[str, float] = _NO_NUMBERS
    unreadable: set[str] = set()
    if keep_numbers or seen_fields is not None:
        numbers = _numbers(fields, names, seen_fields, unreadable, asked)
    if isinstance(points_fields, str):
        points_fields = {points_fields: names.get(points_fields, points_fields)}
    points: dict[str, float] = {}
    if points_fields:
        for field_id, shown in points_fields.items():
            value = get(field_id)
            if type(value) is float:  # as JIRA sends an estimate
                points[shown] = value
            elif (number := as_number(value)) is not None:
                points[shown] = number
            elif not is_blank(value):
                unreadable.add(UNREADABLE_POINTS + shown)
    parent = get("parent")
    parent_key = parent_id = None
    if type(parent) is RestObject:
        parent_key = _key(parent.key)
        parent_id = str(parent.id) if parent.id is not None else None
    project = get("project")
    if type(project) is not RestObject:
        project = None
    status = get("status")
    if type(status) is RestObject:  # as JIRA sends it: a category key and a name
        category = status.statusCategory
        status_category = category.key if type(category) is RestObject else None
        if type(status_category) is not str or status_category not in _KEYS:
            status_category = _status_category(status)
        status_name = status.name
        if type(status_name) is not str or not status_name:
            status_name = _name(status)
        status_id = "" if status.id is None else sys.intern(str(status.id))
    else:
        status_category = status_id = ""
        status_name = "" if status is None else _name(status)
    labels = get("labels")
    components = get("components")
    versions = get("fixVersions")
    issuetype = get("issuetype")
    summary = get("summary")
    key = item.key
    # By position, in Issue's field order: a first pull makes tens of thousands, and
    # naming each of 18 fields costs three times the making (tests check every field).
    return Issue(
        (key if type(key) is str else str(key)).upper(),
        status_category,
        sys.intern(status_name),
        _name(summary),
        _interned(project.key) if project else "",
        _interned(project.name) if project else "",
        _interned(issuetype) if issuetype is not None else "",
        parent_key,
        _key(get(epic_field)) if epic_field else None,
        _names(labels) if labels else (),
        _names(components) if components else (),
        _names(versions) if versions else (),
        points or _NO_NUMBERS,
        numbers,
        str(item.id or ""),
        parent_id,
        interned(unreadable) if unreadable else _NONE,
        status_id,
    )


_FIELD_KEYS: dict[tuple[str, str], tuple[str, str]] = {}
"""(field id, name) → their `field_name()`s: the same few dozen fields on every issue."""


def _numbers(fields: Mapping[str, Any], names: Mapping[str, str],
             seen_fields: set[str] | None, unreadable: set[str],
             asked: Container[str] | None = None) -> Mapping[str, float]:
    """The fields holding numbers (of those `asked`, when given), by id and by name; the
    names of those holding something else go into `unreadable` (a `sum:` over one fails
    its KR)."""
    numbers: dict[str, float] = {}
    for field_id, value in fields.items():
        if asked is not None and field_id not in asked:
            continue
        label = names.get(field_id, field_id)
        keys = _FIELD_KEYS.get((field_id, label))
        if keys is None:
            keys = _FIELD_KEYS.setdefault((field_id, label),
                                          (field_name(field_id), field_name(label)))
        if seen_fields is not None:
            seen_fields.update(keys)
        if is_blank(value):
            continue
        number = None if isinstance(value, str | list | RestObject) else as_number(value)
        if number is not None:
            numbers[keys[0]] = number
            numbers[keys[1]] = number
        else:
            unreadable.update(keys)
    return numbers or _NO_NUMBERS


def points_fields_of(candidates: Mapping[str, str], configured: str | None) -> dict[str, str]:
    """The fields that may hold story points, id (or column) → how to show it.

    `candidates` maps field ids to names. With `[jira] story_points_field` set, only
    that field (by name or id); otherwise every field named like story points: when
    several hold values for a KR's issues, the metric reports the ambiguity.
    """
    def shown(key: str) -> str:
        name = candidates.get(key, key)
        return name if field_name(name) == field_name(key) else f"{name} ({key})"

    if configured:
        wanted = field_name(configured)
        for key, name in candidates.items():
            if key == configured or field_name(key) == wanted or field_name(name) == wanted:
                return {key: shown(key)}
        return {configured: configured}
    return {key: shown(key) for key, name in candidates.items()
            if field_name(name) in STORY_POINT_NAMES}

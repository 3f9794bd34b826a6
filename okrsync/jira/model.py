"""JIRA issues as the metrics see them, whichever source they came from."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
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


ISSUE_KEY = re.compile(r"\b([A-Za-z][A-Za-z0-9_]*-\d+)\b")

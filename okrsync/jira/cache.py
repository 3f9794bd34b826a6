"""What the last pull learnt from JIRA, so the next one asks only what can have changed.

One SQLite file in the user's cache folder holds, per JIRA site and sheet, the member
issues of every link (with only the fields the metrics need) and when they were last
synced. It is a cache: anything wrong with it (a file that cannot be read, a different
version, other fields asked for) makes the pull start over with a full read, and it is
written in one transaction at the end of a successful sync, so a pull killed half way
leaves the previous state, never a half one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from okrsync.jira.model import Issue, interned

SCHEMA = 4
"""Bumped when what is stored changes: an older cache is then rebuilt, never read."""


@dataclass
class SyncState:
    """One site's and sheet's issues and link memberships, as of `synced_at`."""

    signature: str
    """What was asked (site, fields, metrics): another signature means a full read."""
    full_at: datetime
    """When everything was last read in full."""
    synced_at: datetime
    """When the last sync started: issues updated since then are asked again."""
    issues: dict[str, Issue] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    """A link's members: `parent:KEY` → child keys, `jql:QUERY` → keys."""
    ids: dict[str, str] = field(default_factory=dict)
    """Issue key → JIRA's numeric id (what /jql/match takes)."""


_COLUMNS = ("key", "id", "status_category", "status", "project", "project_name",
            "issuetype", "parent", "parent_id", "epic", "labels", "components",
            "fix_versions", "points", "numbers", "unreadable")
"""What is kept of an issue, one column each (the summary is not: no metric reads it);
the last six hold JSON, or nothing when empty."""


def _row(scope: str, issue: Issue) -> tuple[Any, ...]:
    return (scope, issue.key, issue.id, issue.status_category, issue.status, issue.project,
            issue.project_name, issue.issuetype, issue.parent, issue.parent_id, issue.epic,
            _json(issue.labels), _json(issue.components), _json(issue.fix_versions),
            _json(issue.points), _json(issue.numbers), _json(sorted(issue.unreadable)))


def _json(value: Any) -> str | None:
    if not value:
        return None
    return json.dumps(dict(value) if isinstance(value, Mapping) else value,
                      ensure_ascii=False, allow_nan=True)


def _issue(row: Sequence[Any]) -> Issue:
    data = dict(zip(_COLUMNS, row, strict=True))
    for name in ("labels", "components", "fix_versions"):
        data[name] = tuple(json.loads(data[name])) if data[name] else ()
    for name in ("points", "numbers"):
        data[name] = json.loads(data[name]) if data[name] else {}
    data["unreadable"] = interned(set(json.loads(data["unreadable"] or "[]")))
    return Issue(**data)


class SyncCache:
    """The SQLite file; `scope` tells the site and sheet apart inside it."""

    def __init__(self, path: Path, scope: str) -> None:
        self.path = path
        self.scope = scope

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("create table if not exists sync (scope text primary key, "
                           "schema integer, signature text, full_at text, synced_at text, "
                           "members text, ids text)")
        connection.execute("create table if not exists issues (scope text, "
                           + ", ".join(f"{name} text" for name in _COLUMNS)
                           + ", primary key (scope, key))")
        return connection

    def load(self) -> SyncState | None:
        """The stored state, or None when there is none or it cannot be trusted."""
        try:
            with closing(self._connect()) as db:
                row = db.execute("select schema, signature, full_at, synced_at, members, ids "
                                 "from sync where scope = ?", (self.scope,)).fetchone()
                if row is None or row[0] != SCHEMA:
                    return None
                rows = db.execute(f"select {', '.join(_COLUMNS)} from issues where scope = ?",
                                  (self.scope,)).fetchall()
            members, ids = json.loads(row[4]), json.loads(row[5])
            if not (isinstance(members, dict) and isinstance(ids, dict)):
                return None
            issues = {issue.key: issue for issue in map(_issue, rows)}
            return SyncState(row[1], datetime.fromisoformat(row[2]),
                             datetime.fromisoformat(row[3]), issues,
                             {str(k): [str(m) for m in v] for k, v in members.items()},
                             {str(k): str(v) for k, v in ids.items()})
        except (sqlite3.Error, OSError, ValueError, TypeError, KeyError):
            return None  # a damaged cache is rebuilt, never trusted

    def save(self, state: SyncState, *, changed: AbstractSet[str] | None = None,
             gone: AbstractSet[str] = frozenset()) -> None:
        """Store `state` in one transaction: every issue, or (after an incremental sync)
        only the `changed` ones and the removal of the `gone` ones."""
        placeholders = ", ".join("?" * (len(_COLUMNS) + 1))
        try:
            with closing(self._connect()) as db, db:
                if changed is None:
                    db.execute("delete from issues where scope = ?", (self.scope,))
                    rows = [_row(self.scope, issue) for issue in state.issues.values()]
                else:
                    db.executemany("delete from issues where scope = ? and key = ?",
                                   [(self.scope, key) for key in gone])
                    rows = [_row(self.scope, state.issues[key]) for key in changed
                            if key in state.issues]
                db.executemany(f"insert or replace into issues values ({placeholders})", rows)
                db.execute("insert or replace into sync values (?, ?, ?, ?, ?, ?, ?)", (
                    self.scope, SCHEMA, state.signature, state.full_at.isoformat(),
                    state.synced_at.isoformat(), json.dumps(state.members),
                    json.dumps(state.ids)))
        except (sqlite3.Error, OSError):
            self.forget()  # the next pull reads everything again

    def forget(self) -> None:
        try:
            with closing(self._connect()) as db, db:
                db.execute("delete from sync where scope = ?", (self.scope,))
                db.execute("delete from issues where scope = ?", (self.scope,))
        except (sqlite3.Error, OSError):
            with suppress(OSError):
                self.path.unlink(missing_ok=True)


def member_key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def signature(parts: Mapping[str, Any]) -> str:
    return json.dumps(dict(sorted(parts.items())), sort_keys=True, default=str)

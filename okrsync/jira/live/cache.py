"""What the last read of JIRA learnt, so the next one asks only what can have changed.

One SQLite file in the user's cache folder holds, per JIRA site, account and sheet (a
`scope`), the member issues of every link (only the fields the metrics need), keyed
by JIRA's issue id — a key is a label that changes when an issue moves to another
project, an id never does —, every key each linked issue was seen under, what the
site looked like (statuses, projects, saved filters, component and version names), and
when it was read, on JIRA's clock.

It is a cache: anything wrong with it (a file that cannot be read, another version)
makes the pull start over with a full read. It is written in one transaction at the
end of a successful read, so a pull killed half way leaves the previous state, never a
half one; it is readable by its owner only. Scopes not used for `PRUNE_DAYS` are
removed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Mapping
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from okrsync.jira.live.cursor import Cursor
from okrsync.jira.model import Issue

SCHEMA = 7
"""Bumped when what is stored changes: an older cache is then rebuilt, never read."""

FILE = "jira-cache.sqlite3"

PAGE_SIZE = 65536
"""SQLite's largest page: the issues of a scope are one value of several megabytes,
written in a sixteenth of the writes its 4 KB default would take."""

PRUNE_DAYS = 60
"""A scope (site, account and sheet) not read for this long is removed."""


@dataclass
class Site:
    """What can change which issues a link means without any issue being edited."""

    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Status id → (name, category key)."""
    projects: frozenset[tuple[str, str, str]] = frozenset()
    """(id, key, name) of every project the account can browse."""
    filters: dict[int, str] = field(default_factory=dict)
    """Saved filter id → its JQL."""
    names: dict[tuple[str, str, str], tuple[str, ...]] = field(default_factory=dict)
    """(kind, project, lower-cased name) → the ids of the components or versions."""

    def to_json(self) -> str:
        return json.dumps({
            "statuses": self.statuses, "projects": sorted(self.projects),
            "filters": {str(k): v for k, v in self.filters.items()},
            "names": [[*k, list(v)] for k, v in sorted(self.names.items())]})

    @classmethod
    def from_json(cls, text: str) -> Site:
        data = json.loads(text)
        return cls({str(k): (str(v[0]), str(v[1])) for k, v in data["statuses"].items()},
                   frozenset((str(a), str(b), str(c)) for a, b, c in data["projects"]),
                   {int(k): str(v) for k, v in data["filters"].items()},
                   {(str(a), str(b), str(c)): tuple(map(str, ids))
                    for a, b, c, ids in data["names"]})


@dataclass
class Snapshot:
    """One scope's issues and link memberships, as of `cursor.read_at`."""

    cursor: Cursor
    issues: dict[str, Issue] = field(default_factory=dict)
    """Issue id → the issue."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """A link's members, by issue id: `parent:ID` → children, `jql:…` → matches."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Every key a linked issue was seen under → its id (JIRA never reuses a key)."""
    site: Site = field(default_factory=Site)


def _plain(value: Any) -> Any:
    """What msgpack cannot hold as it is: an issue's empty `points` or `numbers` (a
    read-only mapping), as a dict."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"an issue holds a {type(value).__name__}")  # the cache is dropped


_encode = msgspec.msgpack.Encoder(enc_hook=_plain).encode
_decode_issues = msgspec.msgpack.Decoder(list[Issue]).decode
"""Issues are stored as msgpack, each as the Issue it is (the fields it holds other than
their defaults; numbers in full, `inf` and `nan` included) and read back typed: a
nightly pull loads tens of thousands of them."""


def _kept(issue: Issue) -> Issue:
    """An issue as it is stored: without its summary (no metric reads it)."""
    return msgspec.structs.replace(issue, summary="") if issue.summary else issue


class IssueCache:
    """The SQLite file; `scope` tells the site, account and sheet apart inside it. Each
    scope is one row: the cursor, the issues (msgpack), and the members and keys (JSON);
    a nightly pull rewrites them all at once: faster than tens of thousands of rows."""

    def __init__(self, path: Path, scope: str) -> None:
        self.path = path
        self.scope = scope

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():  # readable by its owner only, like the tokens
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        with suppress(OSError):
            if self.path.stat().st_mode & 0o077:
                self.path.chmod(0o600)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute(f"pragma page_size = {PAGE_SIZE}")  # for a new file or a vacuum
        connection.execute("create table if not exists reads (scope text primary key, "
                           "schema integer, signature text, full_at text, read_at text, "
                           "issues blob, members blob, aliases blob, site text, used real)")
        return connection

    def load(self) -> Snapshot | None:
        """The stored snapshot, or None when there is none or it cannot be trusted."""
        try:
            with closing(self._connect()) as db:
                row = db.execute("select schema, signature, full_at, read_at, issues, members, "
                                 "aliases, site from reads where scope = ?",
                                 (self.scope,)).fetchone()
            if row is None or row[0] != SCHEMA:
                return None
            stored = _decode_issues(row[4])
            members, aliases = map(msgspec.json.decode, row[5:7])
            if not (isinstance(members, dict) and isinstance(aliases, dict)):
                return None
            cursor = Cursor(row[1], datetime.fromisoformat(row[2]),
                            datetime.fromisoformat(row[3]))
            issues = {issue.id: issue for issue in stored}
            return Snapshot(cursor, issues,
                            {str(k): [str(m) for m in v] for k, v in members.items()},
                            {str(k): str(v) for k, v in aliases.items()},
                            Site.from_json(row[7]))
        except (sqlite3.Error, OSError, ValueError, TypeError, KeyError, IndexError,
                RecursionError):  # JSON nested past any sense
            return None  # a damaged cache is rebuilt, never trusted

    def save(self, snapshot: Snapshot) -> None:
        """Store `snapshot` in one transaction."""
        cursor = snapshot.cursor
        try:
            issues = _encode([_kept(issue) for issue in snapshot.issues.values()])
            with closing(self._connect()) as db:
                with db:
                    db.execute("insert or replace into reads values "
                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (
                        self.scope, SCHEMA, cursor.signature, cursor.full_at.isoformat(),
                        cursor.read_at.isoformat(), issues,
                        msgspec.json.encode(snapshot.members),
                        msgspec.json.encode(snapshot.aliases), snapshot.site.to_json(),
                        time.time()))
                    pruned = self._prune(db)
                if pruned:
                    db.execute("vacuum")  # give the space back: the file shrinks
        except (sqlite3.Error, OSError, TypeError, ValueError):
            self.forget()  # the next pull reads everything again

    def _prune(self, db: sqlite3.Connection) -> int:
        """Remove the scopes not used for PRUNE_DAYS; how many."""
        old = time.time() - PRUNE_DAYS * 86400
        stale = [row[0] for row in db.execute("select scope, used from reads")
                 if row[1] is None or row[1] < old]
        for scope in stale:
            db.execute("delete from reads where scope = ?", (scope,))
        return len(stale)

    def forget(self) -> None:
        try:
            with closing(self._connect()) as db, db:
                db.execute("delete from reads where scope = ?", (self.scope,))
        except (sqlite3.Error, OSError):
            with suppress(OSError):
                self.path.unlink(missing_ok=True)


def signature(parts: Mapping[str, Any]) -> str:
    return json.dumps(dict(sorted(parts.items())), sort_keys=True, default=str)

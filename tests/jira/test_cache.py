"""The issue cache keeps every issue exactly as read, and trusts nothing it cannot read."""

import math
import sqlite3
from contextlib import closing
from datetime import UTC, datetime

import msgspec
import pytest

from okrsync.jira.live.cache import IssueCache, Site, Snapshot
from okrsync.jira.live.cursor import Cursor
from okrsync.jira.model import Issue

NOW = datetime(2024, 8, 20, 9, 0, tzinfo=UTC)


def test_issues_come_back_as_they_went_in_non_finite_numbers_too(tmp_path):
    issues = {
        "1": Issue("A-1", "done", status="Done", id="1", status_id="10001", parent="E-1",
                   parent_id="9", labels=("a", "b"), points={"Story Points": 3.0}),
        "2": Issue("A-2", "new", id="2", points={"Story Points": math.inf},
                   numbers={"cost": math.nan, "customfield_1": -1.5},
                   unreadable=frozenset({"points:Estimate"}), epic="E-2",
                   components=("API",), fix_versions=("1.0",)),
    }
    snapshot = Snapshot(Cursor("sig", NOW, NOW), issues, {"parent:9": ["1"]}, {"E-1": "9"},
                        Site({"10001": ("Done", "done")}, frozenset({("1", "A", "A")}),
                             {777: "labels = a"}, {("component", "a", "api"): ("5",)}))
    cache = IssueCache(tmp_path / "cache.sqlite3", "scope")
    cache.save(snapshot)
    loaded = IssueCache(tmp_path / "cache.sqlite3", "scope").load()
    assert loaded is not None
    assert loaded.issues["1"] == issues["1"]
    two = loaded.issues["2"]
    assert two.points["Story Points"] == math.inf and math.isnan(two.numbers["cost"])
    assert (two.unreadable, two.epic, two.components) == (
        issues["2"].unreadable, "E-2", ("API",))
    assert (loaded.members, loaded.aliases, loaded.site, loaded.cursor) == (
        snapshot.members, snapshot.aliases, snapshot.site, snapshot.cursor)
    assert IssueCache(tmp_path / "cache.sqlite3", "another").load() is None


def test_a_damaged_cache_is_not_trusted(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = IssueCache(path, "scope")
    cache.save(Snapshot(Cursor("sig", NOW, NOW)))
    assert cache.load() is not None
    path.write_bytes(b"\x00garbage" * 50)
    assert cache.load() is None


@pytest.mark.parametrize("column", ["issues", "members", "aliases", "site"])
def test_a_cache_nested_past_any_sense_is_not_trusted(tmp_path, column):
    """A damaged or tampered cache whose JSON nests 100,000 deep is rebuilt like any
    other damage, not raised (the JSON reader gives up with a RecursionError)."""
    path = tmp_path / "cache.sqlite3"
    cache = IssueCache(path, "scope")
    cache.save(Snapshot(Cursor("sig", NOW, NOW), {"1": Issue("A-1", "done", id="1")},
                        {"parent:9": ["1"]}, {"E-1": "9"}))
    assert cache.load() is not None
    deep = b"[" * 100_000 + b"]" * 100_000
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"update reads set {column} = ?",  # noqa: S608 (a fixed column name)
                   (deep.decode() if column == "site" else deep,))
    assert cache.load() is None


def test_the_cache_keeps_no_summary(tmp_path):
    """Summaries are read only to show a reader which issues made a number: the file on
    disk never holds them."""
    path = tmp_path / "cache.sqlite3"
    cache = IssueCache(path, "scope")
    cache.save(Snapshot(Cursor("sig", NOW, NOW),
                        {"1": Issue("A-1", "done", id="1", summary="극비 인수 검토")}))
    loaded = cache.load()
    assert loaded is not None and loaded.issues["1"] == Issue("A-1", "done", id="1")
    assert "극비 인수 검토".encode() not in path.read_bytes()


def test_stored_issues_of_another_shape_are_not_trusted(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = IssueCache(path, "scope")
    cache.save(Snapshot(Cursor("sig", NOW, NOW), {"1": Issue("A-1", "done", id="1")}))
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("update reads set issues = ?",
                   (msgspec.msgpack.encode([{"key": 5, "status_category": "done"}]),))
    assert cache.load() is None


def test_an_issue_the_cache_cannot_hold_drops_the_cache_not_the_pull(tmp_path):
    cache = IssueCache(tmp_path / "cache.sqlite3", "scope")
    cache.save(Snapshot(Cursor("sig", NOW, NOW), {"1": Issue("A-1", "done", id="1")}))
    cache.save(Snapshot(Cursor("sig", NOW, NOW),
                        {"1": Issue("A-1", "done", id="1", labels=(object(),))}))  # type: ignore[arg-type]
    assert cache.load() is None  # the next pull reads everything again

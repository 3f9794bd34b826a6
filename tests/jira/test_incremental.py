"""A nightly pull asks JIRA only what changed, and writes exactly what a full pull writes.

A randomized equivalence test against the JIRA stand-in (Cloud and Server / DC): issues
change status, move between epics, are deleted or created, their story points change;
the clock moves across midnight, in another time zone than JIRA's; a pull is killed
half way through its sync. After each step the incremental pull's values equal those
of a full read. `pytest --soak` runs many more steps.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta, timezone
from pathlib import Path

import pytest

from okrsync.config import load_config
from okrsync.environment import Environment
from okrsync.jira.cache import SyncCache
from okrsync.sync import Reach, run_pull
from tests.helpers import EN_HEADER, make_workbook
from tests.standins.jira import JiraStandIn

AS_OF = date(2024, 8, 20)
TOKEN = "s3cr3t-T0KEN-4f9a"
EPICS = [f"E-{n}" for n in range(1, 6)]
KRS = [("E-1", "done_ratio", "0%", "100%"), ("E-2, E-3", "points_ratio", "0%", "100%"),
       ("E-4", "count", 0, 100), ("E-5", "done_count", 0, 100),
       ("project = W AND labels = a", "done_ratio", "0%", "100%"),
       ("labels = b", "count", 0, 100), ("project = W", "points_done", 0, 1000),
       ("labels = a AND statusCategory = Done", "count", 0, 100)]


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", TOKEN)


@pytest.fixture
def jira():
    """JIRA Cloud: Server / DC is read in full every time (below)."""
    with JiraStandIn(cloud=True) as server:
        yield server


def _setup(folder: Path, jira: JiraStandIn, rng: random.Random) -> Path:
    for epic in EPICS:
        jira.add(epic, "indeterminate", issuetype="Epic")
    for number in range(1, 41):
        jira.add(f"W-{number}", rng.choice(["new", "indeterminate", "done"]),
                 epic=rng.choice(EPICS), labels=tuple(rng.sample(["a", "b", "c"], 2)),
                 points=rng.choice([1, 2, 3, 5, 8]))
    rows = [["Eng", "O", f"KR {n}", "", start, target, None, None, None, None, None, link,
             metric] for n, (link, metric, start, target) in enumerate(KRS)]
    make_workbook(folder / "okr.xlsx", [EN_HEADER, *rows])
    auth = 'email = "pm@acme.example"' if jira.cloud else 'auth = "pat"'
    config = folder / "live.toml"
    config.write_text("\n".join([
        '[sheet]\nspreadsheet = "okr.xlsx"', "[jira]", f'server = "{jira.url}"', auth,
        'token_env = "OKRSYNC_TEST_TOKEN"', "max_retry_seconds = 3"]) + "\n",
        encoding="utf-8")
    return config


def _values(config: Path, reach: Reach) -> dict[str, object]:
    result = run_pull(load_config(config), AS_OF, dry_run=True, reach=reach)
    return {a.kr.text: (a.jira_value, tuple(a.problems)) for a in result.state.assessments}


def _mutate(jira: JiraStandIn, rng: random.Random, created: list[int]) -> None:
    keys = [raw["key"] for raw in jira.issues if raw["key"].startswith("W-")]
    for _ in range(rng.randint(1, 4)):
        action = rng.choice(["status", "move", "points", "labels", "delete", "new"])
        key = rng.choice(keys) if keys else None
        if action == "new" or key is None:
            created[0] += 1
            jira.add(f"W-{created[0]}", rng.choice(["new", "done"]), epic=rng.choice(EPICS),
                     labels=("a",), points=rng.choice([1, 3]))
        elif action == "status":
            jira.change(key, category=rng.choice(["new", "indeterminate", "done"]))
        elif action == "move":
            jira.change(key, epic=rng.choice(EPICS))
        elif action == "points":
            jira.change(key, points=rng.choice([0, 2, 13]))
        elif action == "labels":
            jira.change(key, labels=tuple(rng.sample(["a", "b", "c"], rng.randint(0, 2))))
        else:
            jira.delete(key)
            keys.remove(key)


def _steps(soak: bool) -> int:
    return 40 if soak else 6


def test_an_incremental_pull_writes_what_a_full_pull_writes(jira, tmp_path, soak):
    rng = random.Random(20240820)
    config = _setup(tmp_path, jira, rng)
    seoul = timezone(timedelta(hours=9))  # okrsync's clock in KST; JIRA's in UTC
    env = Environment.from_system()
    reach = Reach(cache_dir=tmp_path / "cache", clock=lambda: jira.now.astimezone(seoul))
    full = Reach()
    assert _values(config, reach) == _values(config, full)
    created = [100]
    incremental = 0
    for step in range(_steps(soak)):
        jira.advance(rng.choice([1, 37, 180, 23 * 60 + 59, 25 * 60]))  # across midnight
        _mutate(jira, rng, created)
        if step % 3 == 2:  # a pull killed half way through its sync: nothing is saved
            original = SyncCache.save
            SyncCache.save = lambda self, state, **_: (_ for _ in ()).throw(KeyboardInterrupt)
            try:
                with pytest.raises(KeyboardInterrupt):
                    _values(config, reach)
            finally:
                SyncCache.save = original
            _mutate(jira, rng, created)
        jira.requests.clear()
        got = _values(config, reach)
        asked = len(jira.requests)
        jira.requests.clear()
        assert got == _values(config, full), f"step {step}"
        if asked < len(jira.requests):
            incremental += 1
    assert incremental >= _steps(soak) // 2  # most pulls asked less than a full read
    assert env.cache_dir != tmp_path / "cache"


def test_the_cache_is_rebuilt_when_it_cannot_be_trusted(jira, tmp_path):
    config = _setup(tmp_path, jira, random.Random(7))
    reach = Reach(cache_dir=tmp_path / "cache", clock=lambda: jira.now)
    expected = _values(config, Reach())
    assert _values(config, reach) == expected
    (tmp_path / "cache" / "jira-sync.sqlite3").write_bytes(b"not a database" * 100)
    assert _values(config, reach) == expected  # a damaged cache: a full read, no error
    jira.change("W-1", category="done")
    expected = _values(config, Reach())
    jira.advance(8 * 24 * 60)  # older than full_refresh_days: everything read again
    jira.requests.clear()
    assert _values(config, reach) == expected
    searched = [r.body.get("jql") for r in jira.requests
                if isinstance(r.body, dict) and "jql" in r.body]
    assert searched and not any("updated >=" in (jql or "") for jql in searched)


def test_a_nightly_pull_asks_for_far_less_than_a_full_read(jira, tmp_path):
    config = _setup(tmp_path, jira, random.Random(3))
    reach = Reach(cache_dir=tmp_path / "cache", clock=lambda: jira.now)
    jira.requests.clear()
    _values(config, reach)
    first = len(jira.requests)
    jira.advance(24 * 60)
    jira.change("W-3", category="done")
    jira.requests.clear()
    _values(config, reach)
    searches = [json.dumps(r.body) for r in jira.requests if r.path.endswith(("jql", "search"))]
    assert any("updated >=" in body for body in searches)
    assert len(jira.requests) < first
    assert replace(reach, full=True).full


def test_server_and_data_center_are_read_in_full_every_time(tmp_path):
    # Their pages hold 1,000 issues with fields or without, and they have no /jql/match:
    # reading only what changed would cost as many requests as reading everything.
    with JiraStandIn(cloud=False) as jira:
        config = _setup(tmp_path, jira, random.Random(5))
        reach = Reach(cache_dir=tmp_path / "cache", clock=lambda: jira.now)
        first = _values(config, reach)
        jira.advance(60)
        jira.change("W-2", category="done")
        assert _values(config, reach) == _values(config, Reach()) != first
        assert not (tmp_path / "cache").exists()

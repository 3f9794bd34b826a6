"""The one watchdog thread that cuts requests past their time: it cuts a trickling
answer, and it ends once no request is watched (a long-running process keeps no thread
for requests long finished). Each test has its own watchdog (tests/conftest.py); these
make theirs end after a twentieth of a second idle, not half a second."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from okrsync.net.watchdog import current_watchdog, own_watchdog, timed_session
from tests.standins.base import Fault, StandIn


class Echo(StandIn):
    def route(self, method, path, params, headers, body):
        return {"ok": True}


def _watchdogs() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "okrsync-watchdog"]


def _gone_within(seconds: float) -> bool:
    end = time.monotonic() + seconds
    while _watchdogs() and time.monotonic() < end:
        time.sleep(0.05)
    return not _watchdogs()


def test_the_watchdog_ends_when_no_request_is_watched():
    with own_watchdog(idle=0.05), Echo() as server, \
            timed_session(requests.Session(), timeout=600) as session:
        for _ in range(5):  # each watch is due in 10 minutes, and stopped at once
            assert session.get(f"{server.url}/x").json() == {"ok": True}
        assert _gone_within(3), _watchdogs()
        assert session.get(f"{server.url}/x").json() == {"ok": True}  # and comes back


def test_the_watchdog_cuts_a_trickling_answer_and_then_ends():
    with own_watchdog(idle=0.05), Echo() as server, \
            timed_session(requests.Session(), timeout=0.2) as session:
        server.faults.append(Fault(200, times=-1, trickle=0.02, body={"x": "y" * 200}))
        started = time.monotonic()
        with pytest.raises(requests.exceptions.Timeout):
            session.get(f"{server.url}/x")
        assert time.monotonic() - started < 2  # not the 4 s the whole answer takes
        assert server.trickled < 100
        assert _gone_within(3), _watchdogs()


def test_a_watchdog_of_its_own_ends_with_its_block_and_leaves_the_outer_one_alone():
    outer = current_watchdog()  # the test's (tests/conftest.py)
    with Echo() as server, timed_session(requests.Session(), timeout=600) as session:
        with own_watchdog(idle=600) as mine:  # it would wait ten minutes for more
            assert current_watchdog() is mine
            assert session.get(f"{server.url}/x").json() == {"ok": True}
            assert len(_watchdogs()) == 1  # idle, waiting for more
        assert current_watchdog() is outer
        assert _watchdogs() == []  # ended with the block, at once

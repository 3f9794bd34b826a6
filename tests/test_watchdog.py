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


class Proxy(StandIn):
    """An HTTP proxy as far as a client can tell: it answers every request itself, and
    keeps the host each was meant for."""

    def __init__(self) -> None:
        super().__init__()
        self.hosts: list[str] = []

    def route(self, method, path, params, headers, body):
        self.hosts.append(headers.get("Host", ""))
        return {"via": "proxy"}


def test_a_session_for_one_site_reads_the_proxy_from_the_environment_once(monkeypatch):
    with Proxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        session = timed_session(requests.Session(), 5, site="http://jira.example.com")
        monkeypatch.delenv("http_proxy")  # read once: later changes do not matter
        assert session.get("http://jira.example.com/rest/api/2/serverInfo").json() == {
            "via": "proxy"}
        assert proxy.hosts == ["jira.example.com"]


def test_no_proxy_naming_the_site_is_honoured(monkeypatch):
    with Proxy() as proxy, Echo() as server:
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        session = timed_session(requests.Session(), 5, site=server.url)
        assert session.get(f"{server.url}/x").json() == {"ok": True}
        assert proxy.hosts == []


def test_a_session_for_one_site_keeps_the_certificate_bundle_and_its_own_token(
        monkeypatch, tmp_path):
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    (tmp_path / ".netrc").write_text("machine jira.example.com login someone password other\n")
    monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
    session = requests.Session()
    session.headers["Authorization"] = "Bearer the-token"
    timed_session(session, 5, site="https://jira.example.com")
    assert session.verify == str(bundle)
    prepared = session.prepare_request(requests.Request("GET", "https://jira.example.com/x"))
    assert prepared.headers["Authorization"] == "Bearer the-token"  # not the .netrc login

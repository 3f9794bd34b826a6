"""JIRA Cloud's burst limits: okrsync slows down before a 429 rather than after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from okrsync.jira.live import Site, connect
from okrsync.net.pacing import Pacer
from tests.standins.jira import JiraStandIn

TOKEN = "s3cr3t-T0KEN-4f9a"


class Response:
    def __init__(self, headers):
        self.headers = headers


def test_a_window_nearly_used_up_makes_the_next_request_wait_for_its_reset():
    now = [1000.0]
    slept = []
    pacer = Pacer(sleep=slept.append, clock=lambda: now[0])
    pacer.observe(Response({"X-RateLimit-Remaining": "57"}))
    pacer.wait()
    assert slept == []
    reset = datetime.fromtimestamp(now[0] + 3, UTC).isoformat()
    pacer.observe(Response({"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": reset}))
    pacer.wait()
    assert slept == [3.0]
    pacer.observe(Response({"X-RateLimit-Remaining": "0", "Retry-After": "600"}))
    pacer.wait()
    assert slept[-1] == 30.0  # never longer than `longest`: the retry policy takes over


class Limited(JiraStandIn):
    """A site that says, on every answer, that its window is used up for a second."""

    def answer_headers(self, path):
        reset = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        return {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset, "RateLimit-Reason": "jira-burst-based"}


def test_a_live_source_paces_itself_by_the_answers_headers():
    slept = []
    with Limited(cloud=True) as jira:
        jira.add("A-1", "done", labels=("x",))
        api = connect(Site(jira.url, TOKEN, jira.email), sleep=slept.append)
        try:
            api.ids("labels = x")
        finally:
            api.close()
    # Every request after the first waited for the window to reset, never longer.
    assert len(slept) == len(jira.requests) - 1 >= 1
    assert all(0 < pause <= 1.5 for pause in slept)

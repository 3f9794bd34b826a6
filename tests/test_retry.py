"""okrsync's one retry policy, driven by a fake clock: no test here waits for real."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from okrsync.net.deadline import Deadline
from okrsync.net.pacing import retry_after
from okrsync.net.policy import REAL_TIME, Failure, GaveUp, RetryPolicy, run_waits, waiting
from tests.helpers import FakeTime


class Answer(Exception):
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.headers = status, headers or {}


def classify(error: BaseException) -> Failure | None:
    if isinstance(error, Answer) and error.status in (429, 500, 502, 503, 504):
        return Failure(f"answered HTTP {error.status}", wait=retry_after(error.headers),
                       status=error.status)
    if isinstance(error, TimeoutError):
        return Failure("did not answer in time", lost=True)
    return None


def failing(*answers: BaseException, then: object = "ok"):
    queue = list(answers)
    calls = []

    def send():
        calls.append(1)
        if queue:
            raise queue.pop(0)
        return then

    return send, calls


POLICY = RetryPolicy(60, first_wait=1.0, cap=30.0, jitter=(1.0, 1.0), service="JIRA",
                     setting="[jira] max_retry_seconds")


def run(policy, send, fake, **kwargs):
    return policy.run(send, classify, "searching", sleep=fake.sleep, clock=fake.clock,
                      **kwargs)


def test_backoff_doubles_up_to_the_cap_and_succeeds():
    fake = FakeTime()
    send, calls = failing(*[Answer(503)] * 6)
    policy = RetryPolicy(600, first_wait=1.0, cap=8.0, jitter=(1.0, 1.0))
    assert run(policy, send, fake) == "ok"
    assert fake.slept == [1, 2, 4, 8, 8, 8] and len(calls) == 7


def test_jitter_stays_within_its_bounds():
    policy = RetryPolicy(60, first_wait=2.0, jitter=(0.8, 1.2))
    assert policy.wait(1, None, lambda: 0.0) == pytest.approx(1.6)
    assert policy.wait(1, None, lambda: 1.0) == pytest.approx(2.4)
    # The server's Retry-After is never shortened by jitter.
    assert policy.wait(1, 5.0, lambda: 0.0) == 5.0
    assert 5.0 <= policy.wait(1, 5.0, lambda: 1.0) <= 6.0


def test_retry_after_in_seconds_an_http_date_and_jiras_rate_limit_reset():
    now = datetime(2024, 8, 20, 10, 0, tzinfo=UTC).timestamp()
    assert retry_after({"Retry-After": "7"}, now=now) == 7
    later = format_datetime(datetime(2024, 8, 20, 10, 0, 42, tzinfo=UTC), usegmt=True)
    assert retry_after({"Retry-After": later}, now=now) == pytest.approx(42)
    assert retry_after({"X-RateLimit-Reset": "2024-08-20T10:01Z"}, now=now) == 60
    assert retry_after({"Retry-After": "soon"}, now=now) is None
    assert retry_after({}, now=now) is None
    past = format_datetime(datetime(2024, 8, 20, 9, 0, tzinfo=UTC), usegmt=True)
    assert retry_after({"Retry-After": past}, now=now) == 0


def test_retry_after_is_honored():
    fake = FakeTime()
    send, _ = failing(Answer(429, {"Retry-After": "12"}))
    assert run(POLICY, send, fake) == "ok"
    assert fake.slept == [12]


def test_a_retry_after_past_the_budget_gives_up_at_once_and_says_why():
    fake = FakeTime()
    send, calls = failing(Answer(429, {"Retry-After": "120"}))

    def slow_send():
        fake.now += 0.8  # the answer took 0.8 s
        return send()

    with pytest.raises(GaveUp) as caught:
        run(POLICY, slow_send, fake)
    assert str(caught.value) == (
        "JIRA answered HTTP 429 while searching; gave up after 0.8 s without retrying: "
        "Retry-After asked for 120 s, more than [jira] max_retry_seconds (60)")
    assert fake.slept == [] and len(calls) == 1


def test_giving_up_says_what_happened_how_often_and_for_how_long():
    fake = FakeTime()
    send, calls = failing(*[Answer(503)] * 100)
    policy = RetryPolicy(12, first_wait=2.0, cap=30.0, jitter=(1.0, 1.0), service="JIRA",
                         setting="[jira] max_retry_seconds")
    with pytest.raises(GaveUp) as caught:
        run(policy, send, fake)
    assert str(caught.value) == (
        "JIRA kept answering HTTP 503 (three times over 6.0 s) while searching; gave up: "
        "retrying longer would pass [jira] max_retry_seconds (12)")
    assert sum(fake.slept) <= 12 and len(calls) == 3


def test_never_sleeps_past_the_runs_deadline():
    fake = FakeTime()
    deadline = Deadline(5, label="--max-seconds", clock=fake.clock)
    send, _ = failing(*[Answer(502)] * 100)
    with pytest.raises(GaveUp) as caught:
        run(POLICY, send, fake, deadline=deadline)
    assert fake.now <= deadline.end
    assert "gave up: --max-seconds (5.0 s) is reached" in str(caught.value)


def test_lost_answers_are_tried_three_times_then_given_up():
    fake = FakeTime()
    send, calls = failing(*[TimeoutError()] * 10)
    with pytest.raises(GaveUp) as caught:
        run(POLICY, send, fake)
    assert len(calls) == 3
    assert str(caught.value).startswith("JIRA did not answer in time three times over 3.0 s")


def test_other_errors_are_not_retried():
    fake = FakeTime()
    send, calls = failing(Answer(400))
    with pytest.raises(Answer):
        run(POLICY, send, fake)
    assert len(calls) == 1 and fake.slept == []


def test_max_tries_bounds_every_kind_of_attempt():
    fake = FakeTime()
    send, calls = failing(*[Answer(503)] * 10)
    with pytest.raises(GaveUp):
        run(RetryPolicy(600, first_wait=0.5, max_tries=3), send, fake)
    assert len(calls) == 3 and len(fake.slept) == 2


def test_a_short_budget_still_gets_several_tries():
    policy = RetryPolicy.for_budget(3)
    assert policy.first_wait == pytest.approx(0.05)
    assert RetryPolicy.for_budget(120).first_wait == 1.0


def test_deadline_caps_each_timeout():
    fake = FakeTime()
    deadline = Deadline.after(10, clock=fake.clock)
    assert deadline.cap(30) == 10
    fake.now += 7
    assert deadline.cap(30) == pytest.approx(3) and not deadline.expired
    fake.now += timedelta(seconds=4).total_seconds()
    assert deadline.remaining() == 0 and deadline.expired


def test_a_policy_waits_on_the_runs_clock_unless_it_has_its_own():
    assert run_waits() is REAL_TIME  # nothing handed: real time
    runs, own, given = FakeTime(), FakeTime(), FakeTime()
    policy = RetryPolicy(60, first_wait=1.0, jitter=(1.0, 1.0))
    with waiting(runs.sleep, runs.clock):
        send, calls = failing(Answer(503), Answer(503))
        assert policy.run(send, classify, "searching") == "ok" and len(calls) == 3
        assert runs.slept == [1.0, 2.0]
        mine = RetryPolicy(60, first_wait=1.0, jitter=(1.0, 1.0), sleep=own.sleep,
                           clock=own.clock)
        send, _ = failing(Answer(503))
        assert mine.run(send, classify, "searching") == "ok"
        send, _ = failing(Answer(503))
        assert mine.run(send, classify, "searching", sleep=given.sleep,
                        clock=given.clock) == "ok"
    assert (runs.slept, own.slept, given.slept) == ([1.0, 2.0], [1.0], [1.0])
    assert run_waits() is REAL_TIME  # and the run's ends with its block


def test_the_runs_clock_times_the_budget():
    runs = FakeTime()
    send, calls = failing(*[Answer(503)] * 10)
    with waiting(runs.sleep, runs.clock), pytest.raises(GaveUp) as caught:
        RetryPolicy(6, first_wait=1.0, jitter=(1.0, 1.0)).run(send, classify, "searching")
    assert runs.slept == [1.0, 2.0] and len(calls) == 3  # a wait of 4 s more would pass 6 s
    assert "three times over 3.0 s" in str(caught.value)

"""How okrsync talks to every server (Google Sheets, JIRA, the alert webhook), one small
module per concern: `policy` (when to retry and how long to wait, on the run's clock),
`deadline` (the run's time limit), `pacing` (Retry-After and rate-limit headers),
`watchdog` (a total time per request), `failures` (what went wrong, as a person can act
on it) and `guard` (no secret over plain http).
"""

from okrsync.net.deadline import Deadline
from okrsync.net.failures import lost_connection, network_problem, never_sent
from okrsync.net.guard import is_loopback, refuse_plain_http
from okrsync.net.pacing import Pacer, retry_after
from okrsync.net.policy import (
    REAL_TIME,
    RETRIED_STATUSES,
    Failure,
    GaveUp,
    RetryPolicy,
    Waits,
    run_waits,
    waiting,
)
from okrsync.net.watchdog import RequestTooSlow, TimedAdapter, own_watchdog, timed_session

__all__ = [
    "REAL_TIME",
    "RETRIED_STATUSES",
    "Deadline",
    "Failure",
    "GaveUp",
    "Pacer",
    "RequestTooSlow",
    "RetryPolicy",
    "TimedAdapter",
    "Waits",
    "is_loopback",
    "lost_connection",
    "network_problem",
    "never_sent",
    "own_watchdog",
    "refuse_plain_http",
    "retry_after",
    "run_waits",
    "timed_session",
    "waiting",
]

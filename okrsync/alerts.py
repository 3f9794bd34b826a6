"""Posting Andon alerts to a chat webhook (Slack-compatible `{"text": ...}`).

A webhook that is down never fails the pull: it is tried at most three times (okrsync's
retry policy: 429 and 5xx answers, and connections that were never made; a post whose
answer was lost is not sent again, so an alert is never posted twice), each post limited
to five seconds in total, then reported as a warning. The URL is a secret (it lets anyone
post): it is registered with okrsync.redact and never printed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from okrsync.core.andon import Alarm, Alert
from okrsync.core.text import clean
from okrsync.i18n import _, words
from okrsync.net.deadline import Deadline
from okrsync.net.failures import never_sent
from okrsync.net.pacing import retry_after
from okrsync.net.policy import RETRIED_STATUSES, Failure, GaveUp, RetryPolicy
from okrsync.net.watchdog import timed_session
from okrsync.redact import register, scrub

ATTEMPTS = 3
TIMEOUT = 5.0


def webhook_policy(sleep: Callable[[float], None] | None = None,
                   clock: Callable[[], float] | None = None) -> RetryPolicy:
    """The webhook's retry policy: three tries, 1 s then 2 s apart, within 20 s. Its
    waits use `sleep` and `clock` (default: the run's, okrsync.net.waiting)."""
    return RetryPolicy(max_seconds=20.0, first_wait=1.0, cap=4.0, jitter=(1.0, 1.0),
                       service="the alert webhook", setting="the webhook's retry time",
                       max_tries=ATTEMPTS, sleep=sleep, clock=clock)


def slack_text(text: object) -> str:
    """Text from a sheet or JIRA for a Slack-compatible message: `&`, `<`, `>` escaped as
    Slack asks, so `<!channel>` or `<http://evil|Log in>` stay text and ping no one."""
    safe = scrub(clean(str(text), one_line=True))
    return safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def alert_text(alerts: Sequence[Alert], sheet: str, lang: str = "en") -> str:
    """The chat post for the sheet's people, in the sheet's language `lang`."""
    t = words(lang)
    alarms = {Alarm.REGRESSED: t("regressed"), Alarm.OFF_TRACK: t("off-track"),
              Alarm.STALE: t("stale")}
    lines = [":rotating_light: okrsync: " + t("{count} KR(s) need attention in {sheet}").format(
        count=len(alerts), sheet=slack_text(sheet))]
    for alert in alerts:
        who = f" ({slack_text(alert.owner)})" if alert.owner else ""
        lines.append("• " + t("[{alarm}] row {row} {department} — {kr}{owner}: {detail}").format(
            alarm=alarms[alert.alarm], row=alert.row, department=slack_text(alert.department),
            kr=slack_text(alert.key_result), owner=who, detail=slack_text(alert.detail)))
    return "\n".join(lines)


class _Refused(Exception):
    def __init__(self, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.headers = status, headers


def post_alerts(
    url: str, alerts: Sequence[Alert], sheet: str,
    sleep: Callable[[float], None] | None = None, *,
    policy: RetryPolicy | None = None, deadline: Deadline | None = None, lang: str = "en",
) -> str | None:
    """Post the alerts in the sheet's language `lang`; None when delivered, else a warning
    to show (in the person's language; never the URL). `policy` defaults to
    `webhook_policy(sleep)`."""
    problem = post_text(url, alert_text(alerts, sheet, lang), sleep, policy=policy,
                        deadline=deadline)
    if problem is None:
        return None
    return _("the alert webhook did not take the alerts ({problem}); the pull itself is "
             "fine").format(problem=problem)


def post_text(
    url: str, text: str, sleep: Callable[[float], None] | None = None, *,
    policy: RetryPolicy | None = None, deadline: Deadline | None = None,
) -> str | None:
    """Post `text` as a Slack-compatible `{"text": ...}` message; None when delivered,
    else what went wrong ("HTTP 503", "ReadTimeout; it may have been posted"), never
    the URL. `policy` defaults to `webhook_policy(sleep)`."""
    import requests

    register(url)
    body = {"text": text}
    session = timed_session(requests.Session(), TIMEOUT, deadline)

    def send() -> None:
        response = session.post(url, json=body, timeout=TIMEOUT)
        if not response.ok:
            raise _Refused(response.status_code, response.headers)

    def classify(error: BaseException) -> Failure | None:
        if isinstance(error, _Refused) and error.status in RETRIED_STATUSES:
            return Failure(f"answered HTTP {error.status}", wait=retry_after(error.headers),
                           status=error.status)
        if isinstance(error, requests.RequestException) and never_sent(error):
            return Failure("refused the connection", lost=True)
        return None

    try:
        (policy or webhook_policy(sleep)).run(send, classify, "posting", sleep=sleep,
                                              deadline=deadline)
    except GaveUp as gave_up:
        return (f"HTTP {gave_up.failure.status}" if gave_up.failure.status
                else gave_up.error.__class__.__name__)
    except _Refused as error:
        return f"HTTP {error.status}"
    except requests.RequestException as error:
        return _("{error}; it may have been posted").format(error=error.__class__.__name__)
    finally:
        session.close()
    return None

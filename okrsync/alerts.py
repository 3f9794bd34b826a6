"""Posting Andon alerts to a chat webhook (Slack-compatible `{"text": ...}`).

A webhook that is down never fails the pull: it is retried a few times with a short
timeout, then reported as a warning. The URL is a secret (it lets anyone post), so
it is never printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from okrsync.core.andon import Alert
from okrsync.core.text import clean
from okrsync.redact import scrub

ATTEMPTS = 3
TIMEOUT = 5.0


def slack_text(text: object) -> str:
    """Text from a sheet or JIRA for a Slack-compatible message: `&`, `<`, `>` escaped as
    Slack asks, so `<!channel>` or `<http://evil|Log in>` stay text and ping no one."""
    safe = scrub(clean(str(text), one_line=True))
    return safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def alert_text(alerts: Sequence[Alert], sheet: str) -> str:
    lines = [f":rotating_light: okrsync: {len(alerts)} KR(s) need attention in "
             f"{slack_text(sheet)}"]
    for alert in alerts:
        who = f" ({slack_text(alert.owner)})" if alert.owner else ""
        lines.append(f"• [{alert.alarm}] row {alert.row} {slack_text(alert.department)} — "
                     f"{slack_text(alert.key_result)}{who}: {slack_text(alert.detail)}")
    return "\n".join(lines)


def post_alerts(
    url: str, alerts: Sequence[Alert], sheet: str, sleep: Callable[[float], None] = time.sleep
) -> str | None:
    """Post the alerts; None when delivered, else a warning to show."""
    import requests

    body = {"text": alert_text(alerts, sheet)}
    problem = ""
    for attempt in range(ATTEMPTS):
        try:
            response = requests.post(url, json=body, timeout=TIMEOUT)
        except requests.RequestException as error:
            problem = error.__class__.__name__
        else:
            if response.ok:
                return None
            problem = f"HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                break
        if attempt + 1 < ATTEMPTS:
            sleep(2.0 ** attempt)
    return f"the alert webhook did not take the alerts ({problem}); the pull itself is fine"

"""Posting Andon alerts to the team's chat (`[alerts] webhook`, in its chat tool's format:
okrsync.chat).

A webhook that is down never fails the pull: it is tried at most three times, then
reported as a warning. Only new alarms are posted (okrsync.core.andon), so a night with
nothing new posts nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from okrsync.chat import Line, Message, Owner, Section, deliver
from okrsync.config import Webhook
from okrsync.core.andon import Alert, alarm_word
from okrsync.i18n import _, words
from okrsync.net.deadline import Deadline


def alert_message(alerts: Sequence[Alert], sheet: str, lang: str = "en") -> Message:
    """The chat post for the sheet's people, in the sheet's language `lang`: one line per
    alert, naming (or, where configured, mentioning) its owner."""
    t = words(lang)
    lines: list[Line] = []
    for alert in alerts:
        head = "[" + alarm_word(alert.alarm, t) + "] " + t("row {row}").format(
            row=alert.row) + f" {alert.department} — {alert.key_result}"
        owner: Line = (" (", Owner(alert.owner), ")") if alert.owner else ()
        lines.append((head, *owner, ": " + alert.detail))
    title = "okrsync: " + t("{count} KR(s) need attention in {sheet}").format(
        count=len(alerts), sheet=sheet)
    return Message(title, [Section("", lines)], alarm=True)


def post_alerts(
    webhook: Webhook, alerts: Sequence[Alert], sheet: str, *,
    owners: Mapping[str, str] | None = None, deadline: Deadline | None = None,
    lang: str = "en",
) -> str | None:
    """Post the alerts in the sheet's language `lang`; None when delivered, else a warning
    to show (in the person's language; never the URL)."""
    problem = deliver(webhook, alert_message(alerts, sheet, lang), owners, deadline=deadline)
    if problem is None:
        return None
    return _("the alert webhook did not take the alerts ({problem}); the pull itself is "
             "fine").format(problem=problem)

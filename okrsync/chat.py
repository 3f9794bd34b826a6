"""Posting to the chat tools Korean teams use, each through its incoming webhook in the
format its documentation gives (`[alerts] webhook` and `[alerts.departments]` say which:
`chat = "…"`, Slack-compatible when not said):

- `slack`: `{"text": …}` in Slack's mrkdwn; `&`, `<`, `>` escaped as Slack asks, so a KR
  named `<!channel>` pings no one; owners mentioned as `<@U0123ABC>`. A post stays under
  4,000 characters (Slack's advice for a message); a longer one is split.
- `google-chat`: `{"text": …}` in Google Chat's markup; owners mentioned as
  `<users/123…>`; the `<` of a sheet's text cannot open a mention or link.
- `teams`: a Teams Workflows webhook ("When a Teams webhook request is received"), which
  takes Adaptive Cards only: `{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": {AdaptiveCard}}]}`; owners
  mentioned as `<at>name</at>` with a `mention` entity naming their e-mail (UPN).
- `jandi`: `{"body", "connectColor", "connectInfo": [{"title", "description"}]}` with
  `Accept: application/vnd.tosslab.jandi-v2+json`; JANDI's incoming webhook mentions no one.
- `dooray`: `{"botName", "text", "attachments": [{"title", "text", "color"}]}`; a hook
  takes one post a second, so the parts of a split message are a second apart; no mentions.

What to post is built once, in no tool's format (`Message`: a title, sections of lines,
owners marked as `Owner`), and each tool's `Format` lays it out, escapes the sheet's text
and splits it to its size. Delivery is tried at most three times (okrsync's retry policy:
429 and 5xx answers, and connections that were never made; a post whose answer was lost is
not sent again, so nothing is posted twice), each post limited to five seconds in all.
Webhook URLs are secrets: registered with okrsync.redact and never printed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from okrsync.config import Webhook
from okrsync.core.text import clean
from okrsync.i18n import _
from okrsync.net.deadline import Deadline
from okrsync.net.policy import RETRIED_STATUSES, Failure, GaveUp, RetryPolicy, run_waits
from okrsync.redact import register, scrub

ATTEMPTS = 3
TIMEOUT = 5.0
ZWSP = "\u200b"
"""A zero-width space: put after a character that would start markup, it keeps the text
as it reads and stops the markup."""


@dataclass(frozen=True)
class Owner:
    """A KR's owner in a line: named, or @mentioned where the chat and `[alerts.owners]`
    allow."""

    name: str


Part = str | Owner
Line = tuple[Part, ...]


@dataclass(frozen=True)
class Section:
    title: str
    lines: Sequence[Line]


@dataclass(frozen=True)
class Message:
    """What to post, in no tool's format. Texts are plain (each format escapes them)."""

    title: str
    sections: Sequence[Section]
    footer: str = ""
    alarm: bool = False
    """An Andon alert (red), not a brief."""


@dataclass
class _Part:
    """One post of a message split to a tool's size."""

    title: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    footer: str = ""
    size: int = 0
    mentioned: dict[str, str] = field(default_factory=dict)
    """Owner name → chat id, of the owners mentioned in this part."""


class Format:
    """How one chat tool takes a message. Subclasses say how text is escaped, owners
    mentioned and a part laid out."""

    limit = 3500
    """Characters of text in one post (the tool's limit, with room for its markup)."""
    pause = 0.0
    """Seconds between the posts of a split message."""
    headers: Mapping[str, str] = {}

    def __init__(self, owners: Mapping[str, str]) -> None:
        self.owners = {name.casefold(): chat_id for name, chat_id in owners.items()}

    def text(self, text: str) -> str:
        """Text from a sheet or JIRA, safe in this tool: one line, no control characters,
        no secrets, no markup."""
        return scrub(clean(str(text), one_line=True))

    def mention(self, name: str, chat_id: str) -> str:
        return self.text(name)

    def bold(self, text: str) -> str:
        return text

    def line(self, line: Line, mentioned: dict[str, str]) -> str:
        """One line in this tool's markup; the owners it mentions are added to
        `mentioned` (name → chat id)."""
        out = []
        for part in line:
            if isinstance(part, Owner):
                chat_id = self.owners.get(part.name.casefold())
                if chat_id:
                    mentioned[part.name] = chat_id
                out.append(self.mention(part.name, chat_id) if chat_id else self.text(part.name))
            else:
                out.append(self.text(part))
        return "".join(out)

    def payloads(self, message: Message) -> list[dict[str, Any]]:
        """The posts that carry `message`, split to this tool's size; a part after the
        first says which it is (`(2/3)`)."""
        parts = self._split(message)
        bodies = []
        for number, part in enumerate(parts, 1):
            if len(parts) > 1:
                part.title += f" ({number}/{len(parts)})"
            bodies.append(self.layout(part, message))
        return bodies

    def _split(self, message: Message) -> list[_Part]:
        title = self.text(message.title)
        parts = [_Part(title, size=len(title))]
        for section in message.sections:
            heading = self.text(section.title)
            lines: list[str] = []
            parts[-1].sections.append((heading, lines))
            parts[-1].size += len(heading)
            for line in section.lines:
                mentioned: dict[str, str] = {}
                shown = self.line(line, mentioned)
                if len(shown) > self.limit // 2:
                    shown = shown[: self.limit // 2 - 1] + "…"
                if parts[-1].size + len(shown) + 1 > self.limit:
                    lines = []
                    parts.append(_Part(title, [(heading, lines)], size=len(title) + len(heading)))
                lines.append(shown)
                parts[-1].mentioned.update(mentioned)
                parts[-1].size += len(shown) + 1
        parts[-1].footer = self.text(message.footer) if message.footer else ""
        return parts

    def layout(self, part: _Part, message: Message) -> dict[str, Any]:
        raise NotImplementedError


class Slack(Format):
    def text(self, text: str) -> str:
        """Escaped as Slack asks (`&amp;`, `&lt;`, `&gt;`): `<!channel>` or `<http://x|Log in>`
        typed in a sheet stay text and ping no one."""
        return super().text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def mention(self, name: str, chat_id: str) -> str:
        return f"<@{chat_id}>"

    def bold(self, text: str) -> str:
        return f"*{text}*"

    def markup(self, part: _Part) -> str:
        lines = [self.bold(part.title)]
        for heading, items in part.sections:
            if heading:
                lines.append(self.bold(heading))
            lines += [f"• {item}" for item in items]
        if part.footer:
            lines.append(part.footer)
        return "\n".join(lines)

    def layout(self, part: _Part, message: Message) -> dict[str, Any]:
        return {"text": self.markup(part)}


class GoogleChat(Slack):
    def text(self, text: str) -> str:
        """`<` followed by a zero-width space: `<users/all>` typed in a sheet stays text."""
        return Format.text(self, text).replace("<", "<" + ZWSP)

    def mention(self, name: str, chat_id: str) -> str:
        return f"<users/{chat_id.removeprefix('users/')}>"


class Teams(Format):
    limit = 8000

    def text(self, text: str) -> str:
        """Markdown and `<at>` tags kept from starting: a zero-width space after `<`, `[`,
        `*`, `_` and `` ` ``."""
        shown = super().text(text)
        for char in "<[*_`":
            shown = shown.replace(char, char + ZWSP)
        return shown

    def mention(self, name: str, chat_id: str) -> str:
        return f"<at>{self.text(name)}</at>"

    def layout(self, part: _Part, message: Message) -> dict[str, Any]:
        body: list[dict[str, Any]] = [{"type": "TextBlock", "text": part.title, "wrap": True,
                                       "weight": "Bolder", "size": "Medium",
                                       "color": "Attention" if message.alarm else "Default"}]
        for heading, items in part.sections:
            if heading:
                body.append({"type": "TextBlock", "text": heading, "wrap": True,
                             "weight": "Bolder", "spacing": "Medium"})
            if items:
                body.append({"type": "TextBlock", "wrap": True,
                             "text": "\n".join(f"- {item}" for item in items)})
        if part.footer:
            body.append({"type": "TextBlock", "text": part.footer, "wrap": True,
                         "isSubtle": True, "size": "Small"})
        entities = [{"type": "mention", "text": f"<at>{self.text(name)}</at>",
                     "mentioned": {"id": chat_id, "name": self.text(name)}}
                    for name, chat_id in part.mentioned.items()]
        card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard", "version": "1.4", "body": body,
                "msteams": {"width": "Full", **({"entities": entities} if entities else {})}}
        return {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
            "content": card}]}


class Jandi(Format):
    headers = {"Accept": "application/vnd.tosslab.jandi-v2+json"}

    def text(self, text: str) -> str:
        """`[` followed by a zero-width space: JANDI's `[text](url)` links stay text."""
        return super().text(text).replace("[", "[" + ZWSP)

    def layout(self, part: _Part, message: Message) -> dict[str, Any]:
        info = [{"title": heading or "-", "description": "\n".join(f"• {i}" for i in items)}
                for heading, items in part.sections]
        if part.footer:
            info.append({"title": part.footer, "description": ""})
        return {"body": part.title, "connectColor": "#C0392B" if message.alarm else "#2E8B57",
                "connectInfo": info}


class Dooray(Jandi):
    headers = {}
    pause = 1.0  # "훅(hook)은 1초 당 1회 발송이 가능합니다" (Dooray's incoming hook guide)

    def layout(self, part: _Part, message: Message) -> dict[str, Any]:
        attachments = [{"title": heading, "text": "\n".join(f"• {i}" for i in items),
                        "color": "red" if message.alarm else "green"}
                       for heading, items in part.sections]
        if part.footer:
            attachments.append({"title": "", "text": part.footer, "color": "gray"})
        return {"botName": "okrsync", "text": part.title, "attachments": attachments}


FORMATS: dict[str, type[Format]] = {"slack": Slack, "google-chat": GoogleChat,
                                    "teams": Teams, "jandi": Jandi, "dooray": Dooray}


def payloads(webhook: Webhook, message: Message, owners: Mapping[str, str]
             ) -> list[dict[str, Any]]:
    """The posts that carry `message` to `webhook`'s chat tool."""
    return FORMATS[webhook.chat](owners).payloads(message)


WEBHOOK_POLICY = RetryPolicy(max_seconds=20.0, first_wait=1.0, cap=4.0, jitter=(1.0, 1.0),
                             service="the alert webhook", setting="the webhook's retry time",
                             max_tries=ATTEMPTS)
"""Three tries, 1 s then 2 s apart, within 20 s, waiting on the run's clock
(okrsync.net.policy.waiting)."""


class _Refused(Exception):
    def __init__(self, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.headers = status, headers


def deliver(
    webhook: Webhook, message: Message, owners: Mapping[str, str] | None = None, *,
    deadline: Deadline | None = None,
) -> str | None:
    """Post `message` to `webhook` in its chat tool's format; None when every part was
    delivered, else what went wrong ("HTTP 503", "ReadTimeout; it may have been posted",
    "part 2 of 3: HTTP 503"), never the URL."""
    import requests

    from okrsync.net.failures import never_sent
    from okrsync.net.pacing import retry_after
    from okrsync.net.watchdog import timed_session

    register(webhook.url)
    style = FORMATS[webhook.chat](owners or {})
    bodies = style.payloads(message)
    session = timed_session(requests.Session(), TIMEOUT, deadline)
    session.headers.update(style.headers)

    def send(body: dict[str, Any]) -> None:
        response = session.post(webhook.url, json=body, timeout=TIMEOUT)
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
        for number, body in enumerate(bodies, 1):
            if number > 1 and style.pause:
                run_waits().sleep(style.pause)
            problem = _attempt(functools.partial(send, body), classify, deadline)
            if problem is not None:
                return problem if len(bodies) == 1 else _("part {number} of {parts}: "
                                                          "{problem}").format(
                    number=number, parts=len(bodies), problem=problem)
    finally:
        session.close()
    return None


def _attempt(send: Callable[[], None], classify: Callable[[BaseException], Failure | None],
             deadline: Deadline | None) -> str | None:
    import requests

    try:
        WEBHOOK_POLICY.run(send, classify, "posting", deadline=deadline)
    except GaveUp as gave_up:
        return (f"HTTP {gave_up.failure.status}" if gave_up.failure.status
                else gave_up.error.__class__.__name__)
    except _Refused as error:
        return f"HTTP {error.status}"
    except requests.RequestException as error:
        return _("{error}; it may have been posted").format(error=error.__class__.__name__)
    return None

"""Chat tools' incoming webhooks, as their documentation describes what they accept.

The path says which tool a webhook is (`/slack/…`, `/google-chat/…`, `/teams/…`,
`/jandi/…`, `/dooray/…`); each answers 400 to a body its tool would refuse, as the real
ones do, and records what it took. Formats, from each tool's documentation:

- Slack incoming webhooks: JSON `{"text": …}` (mrkdwn; `<@U…>` mentions), text past
  40,000 characters truncated, 4,000 advised per message.
- Google Chat incoming webhooks: JSON `{"text": …}` (`<users/{user}>` mentions).
- Microsoft Teams Workflows ("When a Teams webhook request is received"): Adaptive Cards
  only: `{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard", "body":
  [...]}}]}`; a `<at>name</at>` mention needs an entity of type `mention` in
  `content.msteams.entities`.
- JANDI: `Accept: application/vnd.tosslab.jandi-v2+json`, `Content-Type:
  application/json`, `{"body" (required), "connectColor", "connectInfo": [{"title",
  "description"}]}`.
- Dooray!: `{"botName", "botIconImage", "text", "attachments": [{"title", "titleLink",
  "text", "color"}]}`; one post a second per hook.
"""

from __future__ import annotations

import re
from typing import Any

from tests.standins.base import HttpError, StandIn

TOOLS = ("slack", "google-chat", "teams", "jandi", "dooray")
LIMITS = {"slack": 4000, "google-chat": 4096, "jandi": 4000, "dooray": 4000}
"""The most characters of text a post carries that this stand-in takes."""


def _bad(why: str) -> HttpError:
    return HttpError(400, {"error": why})


def _text(body: Any, key: str, tool: str) -> str:
    if not isinstance(body, dict) or not isinstance(body.get(key), str) or not body[key]:
        raise _bad(f"{tool}: no {key}")
    return body[key]


def check(tool: str, headers: dict[str, str], body: Any) -> str:
    """The text a tool would show for `body`, or HttpError(400) where it would refuse it."""
    if "json" not in headers.get("content-type", ""):
        raise _bad("not JSON")
    if tool in ("slack", "google-chat"):
        text = _text(body, "text", tool)
        shown = text
    elif tool == "teams":
        if not isinstance(body, dict) or body.get("type") != "message":
            raise _bad("teams: not a message")
        attachments = body.get("attachments")
        if not isinstance(attachments, list) or len(attachments) != 1:
            raise _bad("teams: one attachment")
        attachment = attachments[0]
        if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
            raise _bad("teams: Workflows take Adaptive Cards only")
        card = attachment.get("content") or {}
        if card.get("type") != "AdaptiveCard" or not isinstance(card.get("body"), list):
            raise _bad("teams: not an AdaptiveCard")
        texts = []
        for element in card["body"]:
            if element.get("type") != "TextBlock" or not isinstance(element.get("text"), str):
                raise _bad("teams: unknown element")
            texts.append(element["text"])
        shown = "\n".join(texts)
        entities = (card.get("msteams") or {}).get("entities") or []
        named = {e.get("text") for e in entities
                 if e.get("type") == "mention" and (e.get("mentioned") or {}).get("id")}
        for tag in re.findall(r"<at>.*?</at>", shown):
            if tag not in named:
                raise _bad(f"teams: {tag} has no mention entity")
        if len(str(body).encode()) > 28_000:
            raise _bad("teams: card larger than 28 KB")
        text = shown
    elif tool == "jandi":
        if headers.get("accept") != "application/vnd.tosslab.jandi-v2+json":
            raise _bad("jandi: Accept must be application/vnd.tosslab.jandi-v2+json")
        text = _text(body, "body", tool)
        info = body.get("connectInfo", [])
        if not isinstance(info, list) or not all(
                isinstance(i, dict) and isinstance(i.get("title"), str)
                and isinstance(i.get("description", ""), str) for i in info):
            raise _bad("jandi: connectInfo is a list of {title, description}")
        shown = "\n".join([text] + [f"{i['title']}\n{i.get('description', '')}" for i in info])
    elif tool == "dooray":
        text = _text(body, "text", tool)
        if not isinstance(body.get("botName"), str):
            raise _bad("dooray: botName")
        attachments = body.get("attachments", [])
        if not isinstance(attachments, list) or not all(
                isinstance(a, dict) and set(a) <= {"title", "titleLink", "text", "color"}
                for a in attachments):
            raise _bad("dooray: attachments are {title, titleLink, text, color}")
        shown = "\n".join([text] + [f"{a.get('title', '')}\n{a.get('text', '')}"
                                    for a in attachments])
    else:
        raise HttpError(404, {"error": "no such hook"})
    if tool in LIMITS and len(shown) > LIMITS[tool]:
        raise _bad(f"{tool}: {len(shown)} characters")
    return shown


class ChatHooks(StandIn):
    """Incoming webhooks of every tool: `url_for(tool)`. `shown[tool]` lists the texts
    each tool took, in order. (Dooray's one post a second is okrsync's to keep: tests
    check the waits on their fake clock.)"""

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[str, list[str]] = {tool: [] for tool in TOOLS}

    def url_for(self, tool: str, name: str = "okr") -> str:
        return f"{self.url}/{tool}/{name}"

    def route(self, method: str, path: str, params: dict[str, list[str]],
              headers: dict[str, str], body: Any) -> Any:
        tool = path.strip("/").split("/")[0]
        lowered = {k.lower(): v for k, v in headers.items()}
        self.shown[tool].append(check(tool, lowered, body))
        return {"ok": True}

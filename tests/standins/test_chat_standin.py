"""The chat webhook stand-ins refuse what the real tools refuse, so a test that passes
through them proves the format, and take what okrsync sends each tool."""

from __future__ import annotations

import pytest
import requests

from okrsync.chat import Message, Owner, Section, payloads
from okrsync.config import Webhook
from tests.standins.chat import TOOLS, ChatHooks

MESSAGE = Message("CX실 · 주간 OKR 브리핑", [Section("이번 주 먼저 볼 것", [
    ("[위험 진입] 결제 실패율 (", Owner("정하은"), ") — 달성률 30%")])], footer="okr.xlsx")
OWNERS = {"정하은": "U0123"}

WRONG = {
    "slack": [{"blocks": []}, {"text": ""}],
    "google-chat": [{"cards": []}],
    "teams": [{"text": "Office 365 connector text"},
              {"type": "message", "attachments": [{
                  "contentType": "application/vnd.microsoft.card.thumbnail", "content": {}}]},
              {"type": "message", "attachments": [{
                  "contentType": "application/vnd.microsoft.card.adaptive",
                  "content": {"type": "AdaptiveCard", "body": [
                      {"type": "TextBlock", "text": "<at>정하은</at>"}]}}]}],
    "jandi": [{"text": "slack style"}, {"body": "ok", "connectInfo": "not a list"}],
    "dooray": [{"text": "no bot name"}, {"botName": "b", "text": "t",
                                         "attachments": [{"fields": []}]}],
}


def _post(hooks: ChatHooks, tool: str, body: object, headers: dict[str, str] | None = None
          ) -> int:
    headers = headers if headers is not None else (
        {"Accept": "application/vnd.tosslab.jandi-v2+json"} if tool == "jandi" else {})
    return requests.post(hooks.url_for(tool), json=body, headers=headers, timeout=5).status_code


@pytest.mark.parametrize("tool", TOOLS)
def test_each_stand_in_refuses_another_tools_format(tool):
    with ChatHooks() as hooks:
        for body in WRONG[tool]:
            assert _post(hooks, tool, body) == 400, body
        for other in TOOLS:
            texts = ("slack", "google-chat", "dooray")  # a body with a `text` Slack takes
            if other == tool or (tool in ("slack", "google-chat") and other in texts):
                continue
            body = payloads(Webhook(url="https://x.example", chat=other), MESSAGE, OWNERS)
            assert _post(hooks, tool, body[0]) == 400, other
        assert hooks.shown[tool] == []


@pytest.mark.parametrize("tool", TOOLS)
def test_each_stand_in_takes_what_okrsync_sends_that_tool(tool):
    with ChatHooks() as hooks:
        for body in payloads(Webhook(url="https://x.example", chat=tool), MESSAGE, OWNERS):
            assert _post(hooks, tool, body) == 200
    assert "이번 주 먼저 볼 것" in hooks.shown[tool][0]


def test_jandi_wants_its_own_accept_header():
    body = payloads(Webhook(url="https://x.example", chat="jandi"), MESSAGE, {})[0]
    with ChatHooks() as hooks:
        assert _post(hooks, "jandi", body, headers={}) == 400


def test_a_split_teams_card_mentions_in_every_part_whom_it_names():
    lines = [(f"KR {n} " + "긴 설명 " * 20 + "(", Owner("정하은"), ")") for n in range(120)]
    message = Message("브리핑", [Section("바뀐 KR", lines)])
    bodies = payloads(Webhook(url="https://x.example", chat="teams"), message,
                      {"정하은": "haeun.jung@acme.com"})
    assert len(bodies) > 1
    with ChatHooks() as hooks:
        assert [_post(hooks, "teams", body) for body in bodies] == [200] * len(bodies)
    assert all("<at>정하은</at>" in shown for shown in hooks.shown["teams"])

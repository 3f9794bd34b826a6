"""`okrsync digest`: the weekly brief a PM posts without editing: it leads with what needs
attention, tells every KR at most once as a person says it, and goes to each department's
chat tool in that tool's format; what was delivered is remembered with the sheet."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import finish_children
from tests.standins.base import Fault
from tests.standins.chat import TOOLS, ChatHooks

runner = CliRunner()
AS_OF = ["--as-of", "2024-08-20"]


def okrsync(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _two_pulls_a_week_apart(example: Path) -> None:
    assert okrsync("pull", "-c", str(example), "--as-of", "2024-08-13").exit_code == 0
    finish_children(example.parent, 3)
    assert okrsync("pull", "-c", str(example), *AS_OF).exit_code == 0


def _brief(example: Path, *args: str) -> dict:
    result = okrsync("digest", "-c", str(example), *AS_OF, "-f", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_brief_leads_with_what_needs_attention_and_tells_each_kr_once(example):
    _two_pulls_a_week_apart(example)
    brief = _brief(example)
    attention = brief["attention"]
    assert [a["why"] for a in attention] == ["owed"] * 5  # no value for Q3 from five owners
    assert all(a["owner"] for a in attention)
    departments = {d["department"]: d for d in brief["departments"]}
    assert list(departments) == ["CX실", "결제실", "플랫폼실"]
    cx = {kr["key_result"]: kr for kr in departments["CX실"]["key_results"]}
    epic = cx["상담 자동화 에픽 완료"]
    # The week's move (the first pull on the 13th is before the last seven days).
    assert [(c["field"], c["old"], c["new"]) for c in epic["changes"]] == [
        ("Q3", 55.0, 70.0), ("achievement", 0.55, 0.7)]
    assert cx["앱 사용자 만족도 점수 4.5점 이상 달성"]["owed"] is True
    assert departments["결제실"]["since"] == "2024-08-14"


def test_the_brief_reads_as_a_korean_pm_would_post_it(example):
    _two_pulls_a_week_apart(example)
    result = okrsync("digest", "-c", str(example), *AS_OF)
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("주간 OKR 브리핑 · 2024-08-20 · 3분기 · 연간 일정 64% 경과")
    first = text.index("이번 주 먼저 볼 것")
    assert first < text.index("CX실 —")  # attention leads
    assert "상담 자동화 에픽 완료 (최유나): 3분기 값 55% → 70% (+15%p), 순항" in text
    for raw in ("분기별 데이터", "목표값 대비 달성률", "(빈 셀)", "없음\n", "Andon 경보"):
        assert raw not in text, raw  # no raw column names, empty cells or empty sections
    section = text[text.index("CX실 —"):text.index("결제실 —")]
    for kr in ("앱 사용자 만족도 점수 4.5점 이상 달성", "상담 자동화 에픽 완료"):
        assert section.count(kr) == 1, kr  # every KR at most once in its department
    assert "  김민지: 앱 사용자 만족도 점수 4.5점 이상 달성" in section  # the reminder list


def test_a_first_value_is_first_recorded_and_the_units_are_kept(example):
    assert okrsync("pull", "-c", str(example), "--as-of", "2024-08-13").exit_code == 0
    result = okrsync("digest", "-c", str(example), *AS_OF, "--since", "2024-08-13",
                     "-d", "CX실")
    assert "상담 자동화 에픽 완료 (최유나): 처음 기록: 55%, 순항" in result.output


def test_report_and_digest_json_share_field_names_and_scale(example):
    _two_pulls_a_week_apart(example)
    report = json.loads(okrsync("report", "-c", str(example), *AS_OF, "-f", "json",
                                "--since", "2024-08-14").output)
    digest = _brief(example)
    in_report = next(kr for kr in report if kr["key_result"] == "상담 자동화 에픽 완료")
    in_digest = next(kr for d in digest["departments"] for kr in d["key_results"]
                     if kr["key_result"] == "상담 자동화 에픽 완료")
    for key, value in in_report.items():
        assert in_digest[key] == value, key
    assert in_digest["achievement"] == 0.7


def _with_webhooks(example: Path, hooks: ChatHooks, departments: dict[str, str],
                   default: str = "slack", owners: str = "") -> None:
    config = example.read_text(encoding="utf-8")
    config += f'\n[alerts]\nwebhook = {{ url = "{hooks.url_for(default)}", chat = "{default}" }}\n'
    if owners:
        config += f"owners = {{ {owners} }}\n"
    config += "[alerts.departments]\n" + "".join(
        f'"{name}" = {{ url = "{hooks.url_for(tool, name)}", chat = "{tool}" }}\n'
        for name, tool in departments.items())
    example.write_text(config, encoding="utf-8")
    example.chmod(0o600)


def test_each_department_gets_its_brief_in_its_own_chat_tools_format(example):
    _two_pulls_a_week_apart(example)
    with ChatHooks() as hooks:
        _with_webhooks(example, hooks, {"CX실": "teams", "결제실": "jandi"})
        result = okrsync("digest", "-c", str(example), *AS_OF, "--post")
    assert result.exit_code == 0, result.output
    assert [len(hooks.shown[tool]) for tool in TOOLS] == [1, 0, 1, 1, 0]
    cx, pay, platform = hooks.shown["teams"][0], hooks.shown["jandi"][0], hooks.shown["slack"][0]
    assert cx.startswith("CX실 · 주간 OKR 브리핑") and "결제실" not in cx
    assert "3분기 값 55% → 70% (+15%p), 순항" in cx
    assert pay.startswith("결제실 · ") and "플랫폼실" not in pay
    assert platform.startswith("*플랫폼실 · ")  # no webhook of its own: the default one
    assert "이번 주 먼저 볼 것" in platform and "오세린" in platform
    assert hooks.url not in result.output  # webhook URLs are secrets
    assert "/tmp" not in cx + pay + platform  # no local path in a chat post


@pytest.mark.parametrize(("tool", "mention"), [
    ("slack", "<@U0KIM>"), ("google-chat", "<users/1234>"), ("teams", "<at>김민지</at>"),
    ("jandi", "김민지"), ("dooray", "김민지")])
def test_owners_are_mentioned_where_a_chat_can_and_a_map_says_who(example, tool, mention):
    _two_pulls_a_week_apart(example)
    ids = {"slack": "U0KIM", "google-chat": "users/1234", "teams": "minji.kim@acme.com"}
    owners = f'"김민지" = "{ids.get(tool, "minji")}"'
    with ChatHooks() as hooks:
        _with_webhooks(example, hooks, {"CX실": tool}, owners=owners)
        result = okrsync("digest", "-c", str(example), *AS_OF, "-d", "CX실", "--post")
    assert result.exit_code == 0, result.output
    [post] = hooks.shown[tool]
    assert mention in post
    assert "이도윤" in post and "<@" not in post.replace("<@U0KIM>", "")  # unmapped: named


def test_sheet_text_cannot_ping_or_link_in_any_chat(example):
    """A KR named `<!channel>` or `[x](http://…)` stays text in every tool."""
    from openpyxl import load_workbook

    book = load_workbook(example.parent / "okr-dashboard.xlsx")
    book["2024 OKR"]["C5"] = "<!channel> <users/all> [x](http://evil.example) **b**"
    book.save(example.parent / "okr-dashboard.xlsx")
    _two_pulls_a_week_apart(example)
    with ChatHooks() as hooks:
        _with_webhooks(example, hooks, {"CX실": "slack"})
        for tool in TOOLS:
            config = re.sub(r'"CX실" = \{ url = "[^"]+", chat = "[\w-]+" \}',
                            f'"CX실" = {{ url = "{hooks.url_for(tool, "cx")}", chat = "{tool}" }}',
                            example.read_text(encoding="utf-8"))
            example.write_text(config, encoding="utf-8")
            assert okrsync("digest", "-c", str(example), *AS_OF, "-d", "CX실",
                           "--post").exit_code == 0
    slack, gchat, teams, jandi, dooray = (hooks.shown[tool][0] for tool in TOOLS)
    assert "&lt;!channel&gt;" in slack and "<!channel>" not in slack
    assert "<users/all>" not in gchat and "<!channel>" not in gchat
    for post in (teams, jandi, dooray):
        assert "[x](http" not in post  # no link from the sheet's text
    assert "<at>" not in teams and "**b**" not in teams  # no mention tag, no markup


def test_a_long_brief_is_split_to_the_chat_tools_size(tmp_path, fake_time):
    from tests.helpers import EN_HEADER, make_workbook

    rows = [["Eng", "Ship", f"KR {n} " + "long words " * 12, f"owner {n}", 0, 10, 1, 2]
            for n in range(120)]
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, *rows])
    with ChatHooks() as hooks:
        (tmp_path / "okrsync.toml").write_text(
            '[sheet]\nspreadsheet = "okr.xlsx"\n[alerts]\n'
            f'webhook = {{ url = "{hooks.url_for("dooray")}", chat = "dooray" }}\n'
            '[alerts.departments]\n'
            f'"Eng" = "{hooks.url_for("slack")}"\n', encoding="utf-8")
        (tmp_path / "okrsync.toml").chmod(0o600)
        result = okrsync("digest", "-c", str(tmp_path / "okrsync.toml"), *AS_OF, "--post")
        assert result.exit_code == 0, result.output
        posts = hooks.shown["slack"]
        assert len(posts) > 1 and all(len(post) <= 4000 for post in posts)
        assert posts[1].startswith(f"*Eng · Weekly OKR brief · 2024-08-20 · Q3 · 64% of the "
                                   f"year passed (2/{len(posts)})*")
        assert sum(post.count("• ") for post in posts) >= 120  # every KR is told somewhere
        make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, *[["Ops", *row[1:]] for row in rows]])
        assert okrsync("digest", "-c", str(tmp_path / "okrsync.toml"), *AS_OF,
                       "--post").exit_code == 0
        assert len(hooks.shown["dooray"]) > 1
        assert fake_time.slept == [1.0] * (len(hooks.shown["dooray"]) - 1)  # one a second


def test_a_delivered_brief_is_remembered_with_the_sheet_even_on_a_new_machine(
        example, private_home, monkeypatch, tmp_path):
    _two_pulls_a_week_apart(example)
    with ChatHooks() as hooks:
        _with_webhooks(example, hooks, {})
        assert okrsync("digest", "-c", str(example), *AS_OF, "--post").exit_code == 0
        finish_children(example.parent, 1)
        assert okrsync("pull", "-c", str(example), "--as-of", "2024-08-27").exit_code == 0
        new_home = tmp_path / "new-machine"
        for name in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            monkeypatch.setenv(name, str(new_home / name.lower()))
        later = okrsync("digest", "-c", str(example), "--as-of", "2024-08-27", "-f", "json")
    brief = json.loads(later.output)
    cx = brief["departments"][0]
    assert cx["since"] == "2024-08-20"  # where the posted brief left off, on any machine
    epic = next(kr for kr in cx["key_results"] if kr["key_result"] == "상담 자동화 에픽 완료")
    assert [(c["field"], c["old"], c["new"]) for c in epic["changes"]] == [
        ("Q3", 70.0, 75.0), ("achievement", 0.7, 0.75)]  # only what moved after that brief
    assert not list(private_home.rglob("digests.json"))  # nothing kept per user


def test_a_failure_after_posting_says_what_was_posted(example):
    """The posts went out, then the sheet could not take the record of them (here a person
    saved the workbook meanwhile): the digest says what was posted and how to go on."""
    _two_pulls_a_week_apart(example)
    workbook = example.parent / "okr-dashboard.xlsx"
    with ChatHooks() as hooks:
        _with_webhooks(example, hooks, {})
        hooks.hooks[1] = lambda _: os.utime(workbook, ns=(1, 1))  # saved during the post
        result = okrsync("digest", "-c", str(example), *AS_OF, "--post")
    assert result.exit_code == 3
    assert len(hooks.shown["slack"]) == 3  # every brief went out
    assert ("the briefs of CX실, 결제실, 플랫폼실 were posted, but okrsync could not record "
            "that in the okrsync log tab") in result.output
    assert "--since 2024-08-20" in result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output


def test_a_department_whose_webhook_is_down_makes_the_digest_partial(example, fake_time):
    _two_pulls_a_week_apart(example)
    with ChatHooks() as hooks:
        _with_webhooks(example, hooks, {"CX실": "slack", "결제실": "jandi"})
        hooks.faults.append(Fault(503, times=-1, match="/jandi/"))
        result = okrsync("digest", "-c", str(example), *AS_OF, "--post", "-f", "json")
    assert result.exit_code == 1
    answer = json.loads(result.output)
    assert answer["posted"] == ["CX실", "플랫폼실"]
    assert answer["warnings"] == ["the brief of 결제실 was not delivered: HTTP 503"]
    assert hooks.url not in result.output
    assert [r.path for r in hooks.requests].count("/jandi/결제실") == 3  # tried three times,
    assert fake_time.slept == [1.0, 2.0]  # backing off 1 s, then 2 s


def test_post_without_any_webhook_is_a_config_error(example):
    result = okrsync("digest", "-c", str(example), *AS_OF, "--post")
    assert result.exit_code == 2, result.output
    assert "--post needs a webhook: set [alerts] webhook" in result.output
    assert "CX실" not in result.output  # stopped before the brief was made

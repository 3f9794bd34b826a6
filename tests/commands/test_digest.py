"""`okrsync digest`: the weekly brief, per department, from the sheet and its change log."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from okrsync.cli import app
from tests.standins.base import Fault, StandIn

runner = CliRunner()


def okrsync(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _jira_moves(folder: Path, done: int) -> None:
    """`done` more children of CX-100 finish in JIRA."""
    path = folder / "jira-export.json"
    export = json.loads(path.read_text(encoding="utf-8"))
    for issue in export["issues"]:
        fields = issue["fields"]
        if (done and (fields.get("parent") or {}).get("key") == "CX-100"
                and fields["status"]["statusCategory"]["key"] != "done"):
            fields["status"]["statusCategory"]["key"] = "done"
            done -= 1
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")


def _two_pulls_a_week_apart(example: Path) -> None:
    assert okrsync("pull", "-c", str(example), "--as-of", "2024-08-13").exit_code == 0
    _jira_moves(example.parent, 3)
    assert okrsync("pull", "-c", str(example), "--as-of", "2024-08-20").exit_code == 0


def test_the_brief_shows_moves_reminders_and_forecasts_per_department(example):
    _two_pulls_a_week_apart(example)
    result = okrsync("digest", "-c", str(example), "--as-of", "2024-08-20", "--since",
                     "2024-08-14", "-f", "json")
    assert result.exit_code == 0, result.output
    brief = {d["department"]: d for d in json.loads(result.output)["departments"]}
    assert list(brief) == ["CX실", "결제실", "플랫폼실"]
    cx = brief["CX실"]
    moved = {(m["key_result"], m["column"]): (m["old"], m["new"]) for m in cx["moved"]}
    assert moved[("상담 자동화 에픽 완료", "분기별 데이터 3Q")] == (55, 70)
    assert moved[("상담 자동화 에픽 완료", "목표값 대비 달성률")] == (55, 70)
    assert cx["owed"] == {"김민지": ["앱 사용자 만족도 점수 4.5점 이상 달성"],
                          "이도윤": ["주문 완료까지 평균 소요 시간 3분 이하로 단축"],
                          "박서준": ["월간 활성 사용자 수 20% 증가"]}
    assert brief["결제실"]["moved"] == []  # nothing of theirs moved that week
    forecasts = {f["key_result"]: f for f in cx["forecasts"]}
    assert forecasts["상담 자동화 에픽 완료"]["achievement_at_year_end"] > 1.0


def test_the_brief_reads_as_korean_for_a_korean_sheet(example):
    _two_pulls_a_week_apart(example)
    result = okrsync("digest", "-c", str(example), "--as-of", "2024-08-20", "--since",
                     "2024-08-14", "-d", "CX실")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("주간 OKR 브리핑 · 2024-08-20 · 3분기 · 연간 일정 64% 경과")
    assert "3분기 값 입력 요청" in text
    assert "김민지: 앱 사용자 만족도 점수 4.5점 이상 달성" in text
    assert "상담 자동화 에픽 완료: 분기별 데이터 3Q 55 → 70" in text
    assert "결제실" not in text


class Hooks(StandIn):
    """Chat webhooks: records what each path is sent; /down answers 503."""

    def route(self, method, path, params, headers, body):
        return {"ok": True}


def _with_webhooks(example: Path, hooks: Hooks) -> None:
    config = example.read_text(encoding="utf-8")
    config += (f'\n[alerts]\nwebhook = "{hooks.url}/hooks/company"\n'
               f'[alerts.departments]\n"CX실" = "{hooks.url}/hooks/cx"\n'
               f'"결제실" = "{hooks.url}/hooks/pay"\n')
    example.write_text(config, encoding="utf-8")
    example.chmod(0o600)


def test_each_department_gets_its_own_brief_on_its_own_webhook(example):
    _two_pulls_a_week_apart(example)
    with Hooks() as hooks:
        _with_webhooks(example, hooks)
        result = okrsync("digest", "-c", str(example), "--as-of", "2024-08-20", "--since",
                         "2024-08-14", "--post")
    assert result.exit_code == 0, result.output
    posts = {r.path: r.body["text"] for r in hooks.requests}
    assert sorted(posts) == ["/hooks/company", "/hooks/cx", "/hooks/pay"]  # one each
    assert "*CX실*" in posts["/hooks/cx"] and "결제실" not in posts["/hooks/cx"]
    assert "*결제실*" in posts["/hooks/pay"]
    assert "*플랫폼실*" in posts["/hooks/company"]  # no hook of its own: the default one
    assert "김민지: 앱 사용자 만족도 점수 4.5점 이상 달성" in posts["/hooks/cx"]
    assert hooks.url not in result.output  # webhook URLs are secrets
    assert "/tmp" not in posts["/hooks/cx"]  # no local path in a chat post


def test_a_posted_digest_is_remembered_so_the_next_starts_there(example):
    _two_pulls_a_week_apart(example)
    with Hooks() as hooks:
        _with_webhooks(example, hooks)
        okrsync("digest", "-c", str(example), "--as-of", "2024-08-20", "--post")
        later = okrsync("digest", "-c", str(example), "--as-of", "2024-08-27", "-f", "json")
    assert json.loads(later.output)["since"] == "2024-08-20"


def test_a_department_whose_webhook_is_down_makes_the_digest_partial(example, fake_time):
    _two_pulls_a_week_apart(example)
    with Hooks() as hooks:
        _with_webhooks(example, hooks)
        example.write_text(example.read_text().replace("/hooks/pay", "/down"), encoding="utf-8")
        hooks.faults.append(Fault(503, times=-1, match="/down"))
        result = okrsync("digest", "-c", str(example), "--as-of", "2024-08-20", "--post",
                         "-f", "json")
    assert result.exit_code == 1
    answer = json.loads(result.output)
    assert answer["posted"] == ["CX실", "플랫폼실"]
    assert answer["warnings"] == ["the brief of 결제실 was not delivered: HTTP 503"]
    assert hooks.url not in result.output
    assert [r.path for r in hooks.requests].count("/down") == 3  # tried three times,
    assert fake_time.slept == [1.0, 2.0]  # backing off 1 s, then 2 s


def test_post_without_any_webhook_is_a_config_error(example):
    result = okrsync("digest", "-c", str(example), "--as-of", "2024-08-20", "--post")
    assert result.exit_code == 2, result.output
    assert "--post needs a webhook: set [alerts] webhook" in result.output
    assert "CX실" not in result.output  # stopped before the brief was made


def test_a_posted_digest_is_remembered_after_a_pull_saves_the_workbook(example):
    """The digest remembers its last post by the workbook's identity, which a pull's save
    (a new file renamed over the old one) does not change."""
    assert okrsync("pull", "-c", str(example), "--as-of", "2024-08-13").exit_code == 0
    with Hooks() as hooks:
        _with_webhooks(example, hooks)
        posted = okrsync("digest", "-c", str(example), "--as-of", "2024-08-13", "--post")
        assert posted.exit_code == 0, posted.output
        _jira_moves(example.parent, 3)
        assert okrsync("pull", "-c", str(example), "--as-of", "2024-08-20").exit_code == 0
        later = okrsync("digest", "-c", str(example), "--as-of", "2024-08-27", "-f", "json")
    assert json.loads(later.output)["since"] == "2024-08-13"  # not the last 7 days

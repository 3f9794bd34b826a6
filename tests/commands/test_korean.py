"""Korean first, through the command line: the sheet's language for what is written into
it and reported on it, the person's (the locale) for the command line's own messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.errors import ExitCode
from tests.helpers import EN_HEADER, KO_HEADER, finish_children, make_workbook, write_config

runner = CliRunner()
AS_OF = ["--as-of", "2024-08-20"]  # Q3, 64% of the year passed, 50 days into the quarter

def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def korean(monkeypatch: pytest.MonkeyPatch) -> None:
    """The person's locale is Korean."""
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")


def dashboard(folder: Path, header: list[str], status: str = "") -> Path:
    """Three KRs (row 2: a value that is no number; row 3: on track; row 4: now off track,
    its status cell saying `status`), every one with a Q3 value, so that nothing is stale.
    Returns the config."""
    folder.mkdir()
    make_workbook(folder / "okr.xlsx", [
        header,
        ["Growth", "Grow", "Signups", "Kim", 0, 100, 10, "abc", 40, None],
        [None, None, "Retention", "Lee", 0, 100, 20, 50, 70, None],
        [None, None, "Revenue", "Park", 0, 100, 5, 8, 10, None, None, None, None, status],
    ])
    return write_config(folder, "okr.xlsx")


def cell(config: Path, address: str) -> object:
    return load_workbook(config.parent / "okr.xlsx")["OKR"][address].value


def test_a_korean_and_an_english_sheet_side_by_side(tmp_path):
    korean_sheet = dashboard(tmp_path / "ko", KO_HEADER)
    english_sheet = dashboard(tmp_path / "en", EN_HEADER)
    ko = run("pull", "-c", str(korean_sheet), *AS_OF)
    en = run("pull", "-c", str(english_sheet), *AS_OF)
    again = run("pull", "-c", str(korean_sheet), *AS_OF)
    assert ko.exit_code == en.exit_code == ExitCode.PARTIAL
    # Each sheet is written in its own language, in one process.
    assert cell(korean_sheet, "N3") == "순항" and cell(korean_sheet, "N4") == "위험"
    assert cell(english_sheet, "N3") == "on track" and cell(english_sheet, "N4") == "off track"
    assert cell(korean_sheet, "N2") == "데이터 없음 · H2: 숫자가 아닙니다 ('abc')"
    assert cell(english_sheet, "N2") == "no data · H2: 'abc' is not a number"
    # The person's language (LANG=C) frames both; the problems are the sheet's.
    assert "Problems (these KRs were skipped or kept their old value):" in ko.output
    assert "row 2 (Signups): H2: 숫자가 아닙니다 ('abc')" in ko.output
    assert "row 2 (Signups): H2: 'abc' is not a number" in en.output
    assert "3 KRs (0 linked to JIRA), 1 problem(s)." in ko.output
    assert "숫자가 아닙니다" not in en.output
    assert "Nothing to change in" in again.output  # the Korean cells read back as written


def test_a_problem_written_into_a_korean_sheet_is_korean(tmp_path):
    config = dashboard(tmp_path / "ko", KO_HEADER)
    (config.parent / "okr.xlsx").unlink()
    make_workbook(config.parent / "okr.xlsx", [
        KO_HEADER,
        ["CX실", "만족도", "앱 평점 4.5점 이상", "김민지", "4점", "4.5점", 4.1, "모름", "없음",
         None],
        [None, None, "응답 시간 단축", "이서준", 5, 3, None, None, 2, None],
    ])
    result = run("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == ExitCode.PARTIAL
    assert cell(config, "N2") == "데이터 없음 · H2: 숫자가 아닙니다 ('모름')"
    # target 3 from start 5: 2 is past the target (done); nothing else is claimed.
    assert cell(config, "N3") == "완료"


def test_statuses_written_in_the_other_language_still_raise_the_alarm(tmp_path):
    """A Korean sheet whose status cell still says `on track` (written when it was
    English), and an English sheet whose cell says `순항`: both KRs are off track now, and
    both raise the off-track alarm, each in its sheet's language."""
    korean_sheet = dashboard(tmp_path / "ko", KO_HEADER, status="on track")
    english_sheet = dashboard(tmp_path / "en", EN_HEADER, status="순항")
    ko = run("pull", "-c", str(korean_sheet), *AS_OF, "--fail-on", "off-track")
    en = run("pull", "-c", str(english_sheet), *AS_OF, "--fail-on", "off-track")
    assert ko.exit_code == en.exit_code == ExitCode.ANDON
    assert "Andon — KRs that need attention:" in ko.output
    assert ("row 4 (Revenue) [off-track]: 위험 상태가 되었습니다 (이전: 순항, 현재 10%, "
            "기대치 64%)") in ko.output
    assert ("row 4 (Revenue) [off-track]: fell off track (was on track; 10% against 64% "
            "expected)") in en.output
    assert cell(korean_sheet, "N4") == "위험" and cell(english_sheet, "N4") == "off track"


def test_a_stale_kr_is_told_in_the_sheets_language(tmp_path):
    config = dashboard(tmp_path / "ko", KO_HEADER)
    (config.parent / "okr.xlsx").unlink()
    make_workbook(config.parent / "okr.xlsx", [
        KO_HEADER, ["CX실", "만족도", "앱 평점", "김민지", 0, 100, 20, 40, None, None]])
    result = run("pull", "-c", str(config), *AS_OF, "--fail-on", "stale")
    assert result.exit_code == ExitCode.ANDON
    assert "[stale]: 3분기 값이 아직 없습니다 (분기 시작 후 50일 경과)" in result.output


def test_a_korean_locale_gets_korean_messages(example, korean, tmp_path):
    dry = run("pull", "-c", str(example), *AS_OF, "--dry-run")
    assert dry.exit_code == ExitCode.OK
    assert "바뀔 값 — 미리 보기(저장하지 않음)" in dry.output
    assert ("미리 보기(저장하지 않음): okr-dashboard.xlsx [2024 OKR]에서 값 26개가 바뀌고 "
            "셀 31개의 색이 바뀝니다.") in dry.output
    result = run("pull", "-c", str(example), *AS_OF)
    assert result.exit_code == ExitCode.OK
    assert "K8" in result.output and "(빈 셀) → 55%" in result.output
    assert ("에 값 26개를 기록하고 셀 31개에 색을 칠했습니다. KR 9개 (JIRA 연동 4개), 문제 0건."
            in result.output)
    assert "Wrote" not in result.output
    missing = run("pull", "-c", str(tmp_path / "nowhere.toml"), *AS_OF)
    assert missing.exit_code == ExitCode.USAGE
    assert "오류: 설정 파일을 찾을 수 없습니다: " in missing.output
    assert "(`okrsync init`으로 만드세요. 모든 키는 README의 설정 절에 있습니다)" in missing.output
    check = run("check", "-c", str(example), *AS_OF)
    assert check.exit_code == ExitCode.OK
    assert "찾은 열" in check.output and "정상: 지금 pull하면 문제없이 끝납니다" in check.output
    row = next(line for line in check.output.splitlines() if "목표값 대비 달성률" in line)
    assert row.split()[-1] == "달성률"  # the column is read as the achievement


def test_a_korean_locale_reads_english_sheets_problems_in_english(tmp_path, korean):
    config = dashboard(tmp_path / "en", EN_HEADER)
    result = run("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == ExitCode.PARTIAL
    assert "문제 (이 KR들은 건너뛰었거나 이전 값을 유지했습니다):" in result.output
    assert "2행 (Signups): H2: 'abc' is not a number" in result.output
    assert cell(config, "N2") == "no data · H2: 'abc' is not a number"


def test_the_c_locale_gets_english_messages(example, tmp_path):
    result = run("pull", "-c", str(example), *AS_OF)
    assert result.exit_code == ExitCode.OK
    assert "Wrote 26 value(s) and 31 color(s)" in result.output
    assert "9 KRs (4 linked to JIRA), 0 problem(s)." in result.output
    missing = run("pull", "-c", str(tmp_path / "nowhere.toml"), *AS_OF)
    assert missing.exit_code == ExitCode.USAGE
    assert "error: config file " in missing.output and "not found" in missing.output
    assert "오류" not in missing.output


def test_a_layout_error_speaks_the_persons_language(tmp_path, korean):
    config = tmp_path / "okrsync.toml"
    make_workbook(tmp_path / "okr.xlsx", [["부서", "목표", "Key Result", "1Q", "2Q"]])
    write_config(tmp_path, "okr.xlsx")
    result = run("check", "-c", str(config), *AS_OF)
    assert result.exit_code == ExitCode.USAGE
    assert ("오류: 필수 열을 찾지 못했습니다: 목표 시작값 (Start), 목표 목표값 (Target). "
            "1행에서 찾은 헤더: ") in result.output


def test_an_unexpected_failure_is_one_korean_line(example, korean, monkeypatch):
    import okrsync.commands.report as report

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(report, "report", broken)
    result = run("report", "-c", str(example), *AS_OF)
    assert result.exit_code == ExitCode.COULD_NOT_RUN
    assert ("오류: 예상하지 못한 오류 ZeroDivisionError: division by zero. 더 이상 아무것도 "
            "하지 않았습니다.") in result.output


@pytest.fixture(params=["cloud", "server"])
def jira(request, monkeypatch):
    from okrsync.redact import forget_all
    from tests.standins.jira import JiraStandIn

    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", "s3cr3t-T0KEN-4f9a")
    forget_all()
    with JiraStandIn(cloud=request.param == "cloud") as server:
        yield server


def test_problems_made_on_the_search_threads_speak_the_sheets_language(jira, tmp_path,
                                                                     fake_time):
    """The live source searches on a pool of threads: a KR that fails there (JIRA keeps
    answering 503) is told in the sheet's language, in Korean as in English."""
    from tests.standins.base import Fault

    jira.add("EP-1", "indeterminate")
    jira.add("ST-1", "done", parent="EP-1")
    jira.faults.append(Fault(503, times=-1, match="search"))
    configs = {}
    for lang, header in (("ko", KO_HEADER), ("en", EN_HEADER)):
        folder = tmp_path / lang
        folder.mkdir()
        make_workbook(folder / "okr.xlsx", [
            header,
            ["Eng", "O", "Epic work", "", "0%", "100%", 10, 20, None, None, None, "EP-1"],
            ["Ops", "O", "Ops work", "", 0, 4, 1, 2, None, None, None, "labels = ops",
             "done_count"],
        ])
        auth = 'email = "pm@acme.example"' if jira.cloud else 'auth = "pat"'
        (folder / "okrsync.toml").write_text(
            f'[sheet]\nspreadsheet = "okr.xlsx"\n[jira]\nserver = "{jira.url}"\n{auth}\n'
            'token_env = "OKRSYNC_TEST_TOKEN"\nmax_retry_seconds = 0.5\n', encoding="utf-8")
        configs[lang] = folder / "okrsync.toml"
    ko = run("pull", "-c", str(configs["ko"]), *AS_OF)
    en = run("pull", "-c", str(configs["en"]), *AS_OF)
    assert ko.exit_code == en.exit_code == ExitCode.PARTIAL, ko.output + en.output
    for address in ("N2", "N3"):
        written = str(cell(configs["ko"], address))
        assert written.startswith("데이터 없음 · JIRA: 검색 중 "), written
        assert "HTTP 503 응답" in written and "재시도를 중단했습니다" in written, written
        assert "gave up" not in written and "searching" not in written
        english = str(cell(configs["en"], address))
        assert english.startswith("no data · JIRA: "), english
        assert "HTTP 503" in english and "while searching; gave up" in english, english


def test_korean_reads_as_a_korean_pm_would_say_it(example, korean, tmp_path):
    """The wording a PM's read asked for, through the commands people run."""
    made = run("init", "-c", str(tmp_path / "new.toml"), "--spreadsheet", "new.xlsx",
               "--export", "jira-export.json")
    assert "설정 파일 " in made.output and "new.toml을 만들었습니다." in made.output
    example.write_text(example.read_text(encoding="utf-8")
                       + '\n[alerts]\nwebhook = "https://hooks.example/okr"\n', encoding="utf-8")
    example.chmod(0o644)
    pulled = run("pull", "-c", str(example), *AS_OF, "--dry-run")
    assert ("okrsync.toml에 웹훅 URL(비밀 정보)이 있는데 이 컴퓨터의 다른 사용자도 읽을 수 "
            "있습니다") in pulled.output
    example.chmod(0o600)
    run("pull", "-c", str(example), "--as-of", "2024-08-13")
    finish_children(example.parent, 3)
    run("pull", "-c", str(example), *AS_OF)
    history = run("history", "-c", str(example), "--row", "8")
    assert "(완료율)" in history.output and "done_ratio" not in history.output
    undone = run("undo", "-c", str(example))
    assert re.search(r"8월 20일 \d\d:\d\d pull에서 바꾼 셀 \d+개를 되돌렸습니다", undone.output)


def test_a_metric_that_does_not_fit_the_unit_echoes_what_was_typed(tmp_path, korean):
    folder = tmp_path / "ko"
    folder.mkdir()
    make_workbook(folder / "okr.xlsx", [
        KO_HEADER, ["CX실", "만족도", "앱 평점", "김민지", "4점", "4.5점", None, None, None, None,
                    None, "CX-1", "완료 수"]])
    (folder / "export.json").write_text('{"issues": []}')
    config = write_config(folder, "okr.xlsx", "export.json")
    result = run("pull", "-c", str(config), *AS_OF)
    assert "'완료 수'는 이슈 개수를 세는 기준이라 '점' 단위 KR에는 쓸 수 없습니다" in result.output


def test_overlaps_and_andon_speak_plain_korean(tmp_path, korean):
    import json

    from tests.helpers import issue

    make_workbook(tmp_path / "okr.xlsx", [
        KO_HEADER,
        ["결제실", "안정", "결제 장애 자동 대응 2건 구축", "", 0, 2, None, None, None, None,
         None, "labels = andon", "완료 수"],
        ["플랫폼실", "운영", "결제 장애 자동 대응 체계 2건 구축", "", 0, 2, None, None, None,
         None, None, "E-1", "완료 수"]])
    export = {"issues": [issue("A-1", "done", "E-1", labels=["andon"]),
                         issue("A-2", "done", "E-1", labels=["andon"])]}
    (tmp_path / "export.json").write_text(json.dumps(export))
    config = write_config(tmp_path, "okr.xlsx", "export.json")
    overlaps = run("overlaps", "-c", str(config), *AS_OF)
    assert "겹치는 이슈" in overlaps.output and "예시" in overlaps.output
    run("pull", "-c", str(config), *AS_OF)
    export["issues"][0] = issue("A-1", "new", "E-1", labels=["andon"])  # reopened: 완료 → 주의
    (tmp_path / "export.json").write_text(json.dumps(export))
    fell = run("pull", "-c", str(config), "--as-of", "2024-08-21")
    assert "[하락]" in fell.output and "후퇴" not in fell.output and "경보" not in fell.output

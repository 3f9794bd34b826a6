"""The commands as a user runs them: output, files and exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, make_workbook, write_config

runner = CliRunner()
AS_OF = ["--as-of", "2024-08-20"]


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_pull_prints_changes_and_exits_0(example):
    result = run("pull", "-c", str(example), *AS_OF)
    assert result.exit_code == 0, result.output
    assert "K8     (empty) → 55%" in result.output
    assert "M6     (empty) → 45%" in result.output
    assert "Wrote 26 value(s) and 31 color(s)" in result.output
    assert "9 KRs (4 linked to JIRA), 0 problem(s)." in result.output
    again = run("pull", "-c", str(example), *AS_OF)
    assert "Nothing to change" in again.output and again.exit_code == 0


def test_pull_dry_run_says_so(example):
    result = run("pull", "-c", str(example), *AS_OF, "--dry-run")
    assert result.exit_code == 0
    assert "Dry run: 26 value(s) and 31 color(s) would change" in result.output
    assert "nothing was written" in result.output
    sheet = load_workbook(example.parent / "okr-dashboard.xlsx")["2024 OKR"]
    assert sheet["K8"].value is None


def test_pull_with_report(example):
    result = run("pull", "-c", str(example), *AS_OF, "--report")
    assert "전체: KR 9개, 평균 달성률 49% — 순항 3, 주의 6" in result.output  # a Korean sheet


def test_report_json_shape(example):
    run("pull", "-c", str(example), *AS_OF)
    result = run("report", "-c", str(example), *AS_OF, "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert len(rows) == 9
    first = rows[0]
    assert first == {
        "row": 5, "department": "CX실", "objective": "최고의 사용자 경험을 제공하는 배달 앱 만들기",
        "key_result": "앱 사용자 만족도 점수 4.5점 이상 달성", "owner": "김민지",
        "start": 4.0, "target": 4.5,
        "quarters": {"Q1": 4.1, "Q2": 4.2, "Q3": None, "Q4": None},
        "current": 4.2, "achievement": pytest.approx(0.4), "status": "at risk",
        "jira": None, "metric": None, "error": None, "caveats": [],
        # 40% by the end of Q2 (day 182 of 366): 80% by year end, the target in March.
        "forecast": {"achievement_at_year_end": 0.8044, "target_date": "2025-03-30"},
    }
    linked = next(r for r in rows if r["jira"] == "CX-100")
    assert linked["quarters"]["Q3"] == 55.0 and linked["achievement"] == pytest.approx(0.55)
    assert linked["metric"] == "완료율"


def test_report_reads_without_asking_jira_or_writing(example):
    workbook = example.parent / "okr-dashboard.xlsx"
    before = workbook.read_bytes()
    (example.parent / "jira-export.json").unlink()
    result = run("report", "-c", str(example), *AS_OF, "--format", "json")
    assert result.exit_code == 0
    assert workbook.read_bytes() == before
    linked = next(r for r in json.loads(result.output) if r["jira"] == "CX-100")
    assert linked["current"] == 45.0  # the sheet as it stands: 2Q's value


def test_report_table_fits_80_columns_and_shows_the_numbers(example):
    run("pull", "-c", str(example), *AS_OF)
    result = run("report", "-c", str(example), *AS_OF)
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "OKR 진행 현황 · 2024-08-20 · 3분기 · 연간 일정 64% 경과"
    assert "CX실 — KR 4개, 평균 달성률 46%" in result.output
    assert "결제실 — KR 3개, 평균 달성률 55%" in result.output
    row = next(line for line in lines if "주문 완료까지" in line)
    assert "5분→4.1분→3분" in row and "45%" in row and "주의" in row
    row = next(line for line in lines if "상담 자동화" in line)
    assert "0%→55%→100%" in row and "순항" in row
    assert "전체: KR 9개, 평균 달성률 49% — 순항 3, 주의 6" in result.output


def test_report_markdown(example):
    run("pull", "-c", str(example), *AS_OF)
    result = run("report", "-c", str(example), *AS_OF, "-f", "markdown", "-d", "결제실")
    assert result.output.startswith("# OKR 진행 현황 — 2024-08-20 · 3분기 · 연간 일정 64% 경과")
    assert "## 결제실" in result.output and "## CX실" not in result.output
    assert ("| 결제 실패율 1% 이하로 낮추기 | 정하은 | 2.5% | 1.8% | 1% | 47% | 주의 | "
            "연말 예상 " in result.output)


def test_report_csv_and_filters(example):
    run("pull", "-c", str(example), *AS_OF)
    result = run("report", "-c", str(example), *AS_OF, "-f", "csv", "--status", "on track")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["Key Result"] for r in rows] == [
        "상담 자동화 에픽 완료",
        "간편결제 리뉴얼 스토리 포인트 완료",
        "결제 장애 자동 대응(Andon) 12건 구축",
    ]
    assert rows[2]["Q3"] == "7.0"
    owner = run("report", "-c", str(example), *AS_OF, "-f", "csv", "--owner", "정하은")
    assert len(list(csv.DictReader(io.StringIO(owner.output)))) == 2
    korean = run("report", "-c", str(example), *AS_OF, "-f", "csv", "--status", "순항")
    assert korean.output == result.output  # a status named as the sheet writes it


def test_unknown_department_is_a_usage_error(example):
    result = run("report", "-c", str(example), *AS_OF, "-d", "마케팅실")
    assert result.exit_code == 2
    assert "CX실, 결제실, 플랫폼실" in result.output


def test_bad_value_exits_1(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, ["d", "o", "kr", "", 0, "ten"],
                                          ["d", "o", "kr2", "", 0, 10, 5]])
    config = write_config(tmp_path, "okr.xlsx")
    result = run("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 1
    assert "row 2 (kr): F2: 'ten' is not a number" in result.output


def test_config_errors_exit_2_and_name_the_key(tmp_path):
    config = tmp_path / "okrsync.toml"
    config.write_text('[sheet]\nspreadsheet = "a.xlsx"\ncolour = 1\n[okr]\n'
                      'fiscal_year_start_month = "april"\n')
    result = run("pull", "-c", str(config))
    assert result.exit_code == 2
    assert "[sheet] colour: unknown key" in result.output
    assert "[okr] fiscal_year_start_month: Input should be a valid integer" in result.output


def test_missing_config_exits_2(tmp_path):
    result = run("report", "-c", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "not found" in result.output


def test_missing_workbook_exits_3(tmp_path):
    config = write_config(tmp_path, "missing.xlsx")
    result = run("pull", "-c", str(config))
    assert result.exit_code == 3
    assert "missing.xlsx does not exist" in result.output


def test_unreadable_layout_exits_2(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [["Key Result", "Owner", "Q1"], ["a", "b", 1]])
    result = run("report", "-c", str(write_config(tmp_path, "okr.xlsx")))
    assert result.exit_code == 2
    assert "Required column not found: 목표 시작값 (Start), 목표 목표값 (Target)." in result.output
    assert "Headers seen in row 1: 'Key Result', 'Owner', 'Q1'." in result.output


def test_bad_date_is_a_usage_error(example):
    result = run("pull", "-c", str(example), "--as-of", "20/08/2024")
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["pull", "report"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "--config" in result.output


def test_check_shows_the_mapping_and_exits_0_when_clean(example):
    result = run("check", "-c", str(example), *AS_OF)
    assert result.exit_code == 0, result.output
    assert "header in row 3–4" in result.output
    assert "  G        목표 시작값           start" in result.output
    assert "  K        분기별 데이터 3Q      Q3" in result.output
    assert "9 KRs, 4 linked to JIRA; Q3 is the current quarter." in result.output
    assert "OK: a pull would be clean (26 value(s) would change)." in result.output
    sheet = load_workbook(example.parent / "okr-dashboard.xlsx")["2024 OKR"]
    assert sheet["K8"].value is None  # check writes nothing



@pytest.mark.parametrize(("lang", "dry", "ok"), [
    ("en", "Dry run: nothing would change in okr-dashboard.xlsx [2024 OKR]; nothing was written.",
     "OK: a pull would be clean (no value would change)."),
    ("ko", "미리 보기(저장하지 않음): okr-dashboard.xlsx [2024 OKR]에서 바뀔 값이 없습니다.",
     "정상: 지금 pull하면 문제없이 끝납니다 (바뀔 값 없음)."),
])
def test_nothing_to_change_is_said_without_counting_zeros(example, monkeypatch, lang, dry, ok):
    assert run("pull", "-c", str(example), *AS_OF).exit_code == 0
    monkeypatch.setenv("LANG", "ko_KR.UTF-8" if lang == "ko" else "C.UTF-8")
    result = run("pull", "-c", str(example), *AS_OF, "--dry-run")
    assert result.exit_code == 0, result.output
    assert dry in " ".join(result.output.split())
    result = run("check", "-c", str(example), *AS_OF)
    assert ok in " ".join(result.output.split())

def test_check_lists_problems_and_exits_1(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER,
        ["d", "o", "kr", "", 0, "ten"],
        ["d", "o", "linked", "", 0, 10, None, None, None, None, None, "X-1"],
    ])
    result = run("check", "-c", str(write_config(tmp_path, "okr.xlsx")), *AS_OF)
    assert result.exit_code == 1
    assert "row 2 (kr): F2: 'ten' is not a number" in result.output
    assert "row 3 (linked): the KR links JIRA but the config has no [jira] source" in result.output
    assert "2 problem(s): a pull would be partial." in result.output

"""`okrsync report`: what it shows agrees with the sheet, in one number language, in every
format; the terminal table fits the terminal; narrowed to a few KRs, what they are about."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rich.cells import cell_len
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import finish_children

runner = CliRunner()
AS_OF = ["--as-of", "2024-08-20"]


def okrsync(*args: str, **env: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env=env or None)


def test_report_kr_shows_the_descriptions_of_the_krs_it_finds(example):
    result = runner.invoke(app, ["report", "-c", str(example), "--as-of", "2024-08-20",
                                 "--kr", "자동"])
    assert result.exit_code == 0, result.output
    assert "챗봇 1차 응대 자동화" in result.output  # 상담 자동화 에픽 완료's description
    assert "andon 라벨 작업 완료 수" in " ".join(result.output.split())  # wrapped or not
    assert "주문 완료까지" not in result.output
    markdown = runner.invoke(app, ["report", "-c", str(example), "--as-of", "2024-08-20",
                                   "--kr", "상담", "-f", "markdown"])
    assert "상담 자동화 에픽 완료 — _챗봇 1차 응대 자동화_" in markdown.output
    plain = runner.invoke(app, ["report", "-c", str(example), "--as-of", "2024-08-20"])
    assert "챗봇 1차 응대 자동화" not in plain.output


def _broken_link(example: Path) -> None:
    """CX-100's KR now links an epic JIRA does not have; a pull finds the problem."""
    workbook = example.parent / "okr-dashboard.xlsx"
    book = load_workbook(workbook)
    book["2024 OKR"]["N8"] = "CX-999"
    book["2024 OKR"]["K8"] = 0.42  # a value typed earlier: 42%, nothing to stand behind now
    book.save(workbook)
    assert okrsync("pull", "-c", str(example), *AS_OF).exit_code == 1


def test_a_kr_with_a_problem_is_no_data_with_its_reason_in_every_report(example):
    _broken_link(example)
    status = load_workbook(example.parent / "okr-dashboard.xlsx")["2024 OKR"]["P8"].value
    assert status.startswith("데이터 없음 · JIRA: ")  # what the sheet says
    reason = "JIRA 내보내기 파일 jira-export.json에 CX-999의 하위 이슈가 없습니다"
    outputs = {fmt: okrsync("report", "-c", str(example), *AS_OF, "-f", fmt)
               for fmt in ("table", "markdown", "json", "csv", "html")}
    for fmt, result in outputs.items():
        assert result.exit_code == 1, fmt  # a report with a problem
        assert reason in " ".join(result.output.split()), fmt
    line = next(line for line in outputs["table"].output.splitlines() if "0%→42%" in line)
    assert "   –   데이터 없음 !" in line  # the value as typed, but no achievement from it
    kr = next(k for k in json.loads(outputs["json"].output) if k["row"] == 8)
    assert kr["status"] == "no data" and kr["achievement"] is None
    assert kr["error"] == f"JIRA: {reason}" and kr["forecast"] is None
    row = next(r for r in csv.DictReader(io.StringIO(outputs["csv"].output.lstrip("\ufeff")))
               if r["행"] == "8")
    assert row["상태"] == "데이터 없음" and row["달성률"] == ""
    on_track = okrsync("report", "-c", str(example), *AS_OF, "--status", "순항")
    assert "상담 자동화" not in on_track.output  # not on track by a stale number either
    no_data = okrsync("report", "-c", str(example), *AS_OF, "--status", "데이터 없음")
    assert "상담 자동화 에픽 완료" in no_data.output


def test_achievement_reads_the_same_in_every_output(example):
    """46.67% is 47% everywhere; a move is in %p; JSON keeps the fraction."""
    okrsync("pull", "-c", str(example), "--as-of", "2024-08-13")
    finish_children(example.parent, 3)
    okrsync("pull", "-c", str(example), *AS_OF)
    sheet = load_workbook(example.parent / "okr-dashboard.xlsx")["2024 OKR"]
    assert sheet["M10"].value == pytest.approx(0.47)
    table = okrsync("report", "-c", str(example), *AS_OF, "-d", "결제실").output
    markdown = okrsync("report", "-c", str(example), *AS_OF, "-f", "markdown").output
    html = okrsync("report", "-c", str(example), *AS_OF, "-f", "html").output
    raw = okrsync("report", "-c", str(example), *AS_OF, "-f", "csv").output
    digest = okrsync("digest", "-c", str(example), *AS_OF, "-d", "결제실", "--since",
                     "2024-08-01").output
    for output in (table, markdown, html, digest):
        assert "46.67" not in output
    assert re.search(r"결제 실패율 1% 이하로.*47%", " ".join(table.split()))
    assert "| 결제 실패율 1% 이하로 낮추기 | 정하은 | 2.5% | 1.8% | 1% | 47% |" in markdown
    assert "47%</td>" in html
    assert raw.startswith("\ufeff")  # Excel on Korean Windows reads it as UTF-8
    row = next(r for r in csv.DictReader(io.StringIO(raw.lstrip("\ufeff")))
               if r["행"] == "10")
    assert row["달성률"] == "47%" and row["연말 예상 달성률"] == "94%"
    assert "처음 기록: 달성률" not in digest  # okrsync's first write is no move of the KR
    moved = json.loads(okrsync("report", "-c", str(example), *AS_OF, "-f", "json",
                               "--since", "2024-08-14").output)
    epic = next(k for k in moved if k["row"] == 8)
    assert epic["achievement"] == 0.7
    assert [(c["field"], c["old"], c["new"]) for c in epic["changes"]] == [
        ("Q3", 55.0, 70.0), ("achievement", 0.55, 0.7)]
    since = okrsync("report", "-c", str(example), *AS_OF, "--since", "2024-08-14").output
    assert "상담 자동화 에픽 완료 — 3분기 값 55% → 70% (+15%p)" in since
    assert "상담 자동화 에픽 완료 — 달성률 55% → 70% (+15%p)" in since


@pytest.mark.parametrize("columns", [80, 120])
def test_the_terminal_table_fits_the_terminal_and_every_department_lines_up(example,
                                                                           columns):
    result = okrsync("report", "-c", str(example), *AS_OF, COLUMNS=str(columns))
    lines = result.output.splitlines()
    assert max(cell_len(line) for line in lines) <= columns  # Hangul counts two
    rules = [line for line in lines if set(line.strip()) == {"─"}]
    assert len(rules) == 3 and {cell_len(rule) for rule in rules} == {columns}
    headers = [line for line in lines if line.startswith("Key Result")]
    assert all(header.rstrip().endswith("연말 예상") for header in headers)  # the forecast
    wrapped = lines[lines.index(next(line for line in lines if "4.5점 이상" in line
                                     or "앱 사용자 만족도" in line)) + 1]
    assert wrapped.startswith(" ") and wrapped.strip()  # a wrapped name stays under its KR

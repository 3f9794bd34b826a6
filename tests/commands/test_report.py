"""`okrsync report` narrowed to a few KRs shows what they are about."""

from __future__ import annotations

from typer.testing import CliRunner

from okrsync.cli import app

runner = CliRunner()


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

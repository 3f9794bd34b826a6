"""Charts in the HTML report and digest: inline SVG that holds sheet text as text, speaks
the sheet's language, draws the forecast to the year's end, and costs nothing to the
commands that make no HTML."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.commands.report import ReportResult
from okrsync.core.calendar import Period
from okrsync.core.forecast import forecast
from okrsync.core.grid import Grid
from okrsync.core.layout import detect_layout
from okrsync.core.okr import read_key_results
from okrsync.core.plan import assess
from okrsync.core.progress import Thresholds
from okrsync.render import charts
from okrsync.render.registry import render

ROOT = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2024-08-20"]
SVG = "{http://www.w3.org/2000/svg}"
runner = CliRunner()


def okrsync(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _result(rows: list[list[object]], day: date = date(2024, 8, 20),
            language: str = "en") -> ReportResult:
    header = ["Department", "Objective", "Key Result", "Owner", "Start", "Target",
              "Q1", "Q2", "Q3", "Q4"]
    grid = Grid([header, *rows])
    period = Period.at(day)
    items = [assess(kr, period, Thresholds())
             for kr in read_key_results(grid, detect_layout(grid))]
    return ReportResult(items, period, [], language=language)


def _svgs(page: str) -> list[ET.Element]:
    """Every chart of a page, parsed as the XML it must be (the page leaves out the
    namespace declarations that an HTML parser does not need)."""
    found = re.findall(r"<svg .*?</svg>", page, re.DOTALL)
    return [ET.fromstring(svg.replace(
        "<svg ", '<svg xmlns="http://www.w3.org/2000/svg" '
                 'xmlns:xlink="http://www.w3.org/1999/xlink" ', 1)) for svg in found]


def _texts(svg: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in svg.iter(f"{SVG}text")]


HOSTILE = ["<script>alert(1)</script>", "$\\alpha$ & </svg><b>", "]]><!-- x",
           "<img src=x onerror=alert(1)>"]


def test_sheet_text_in_a_chart_stays_text():
    result = _result([["<b>Eng</b>", "O", name, "Kim", 0, 10, 5, None, None, None]
                      for name in HOSTILE])
    page = render(result, "html")
    assert isinstance(page, str)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert not re.search(r"\son\w+=", page.replace(" onerror=alert(1)&gt;", ""))
    svgs = _svgs(page)
    assert len(svgs) == 1 + len(HOSTILE)  # the department's, and one per KR
    labels = _texts(svgs[0])
    for name in HOSTILE:
        assert name in labels  # drawn as the characters typed; `$…$` is not math
    assert svgs[0].get("aria-label") == "Achievement by KR · KRs by status"
    for svg, name in zip(svgs[1:], HOSTILE, strict=True):
        assert svg.get("aria-label", "").startswith(name)
        assert not list(svg.iter(f"{SVG}script"))


def test_a_page_with_charts_loads_nothing_and_is_the_same_every_time():
    result = _result([["Eng", "O", f"KR {n}", "Kim", 0, 10, n, n + 1, None, None]
                      for n in range(3)])
    page = render(result, "html")
    assert isinstance(page, str)
    assert "http" not in page  # no namespace URL, DOCTYPE or link: nothing to fetch
    assert not re.search(r"\b(src|href)=\"(?!#)|url\((?!#)|@import", page)
    assert render(result, "html") == page  # no date, no random ids


def test_charts_speak_the_sheets_language(example):
    okrsync("pull", "-c", str(example), *AS_OF)
    korean = okrsync("report", "-c", str(example), *AS_OF, "-f", "html")
    texts = [text for svg in _svgs(korean) for text in _texts(svg)]
    for word in ("KR별 달성률", "상태별 KR 수", "3분기", "순항", "주의", "시작값 4점",
                 "목표값 4.5점", "분기별 값", "현재 속도의 전망", "오늘까지 기대치 (64%)"):
        assert word in texts, word
    assert "Achievement by KR" not in korean
    config = example.read_text(encoding="utf-8") + '\n[okr]\nlanguage = "en"\n'
    example.write_text(config.replace("[okr]\nfiscal_year_start_month = 1\n\n", ""),
                       encoding="utf-8")
    english = okrsync("report", "-c", str(example), *AS_OF, "-f", "html")
    texts = [text for svg in _svgs(english) for text in _texts(svg)]
    for word in ("Achievement by KR", "KRs by status", "Q3", "on track", "Start 4점"):
        assert word in texts, word


def test_every_department_and_kr_gets_its_charts_in_report_and_digest(example):
    okrsync("pull", "-c", str(example), *AS_OF)
    report = okrsync("report", "-c", str(example), *AS_OF, "-f", "html")
    digest = okrsync("digest", "-c", str(example), *AS_OF, "-f", "html")
    for page in (report, digest):
        assert page.count('<figure class="chart department">') == 3
        assert page.count('<figure class="chart kr">') == 9
        assert "@media print" in page


def test_the_forecast_continues_dashed_to_the_years_end():
    # 0 → 30 by the end of Q1, 50 by 2024-08-20 (Q3): the pace from the year's start.
    result = _result([["Eng", "O", "Deploys", "Kim", 0, 100, 30, 40, 50, None]])
    item, period = result.assessments[0], result.period
    ahead = forecast(item.kr, period)
    assert ahead is not None
    with charts._drawing() as Figure:
        figure = charts._kr_figure(Figure, item, period, "en", ahead)
    assert figure is not None
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    values, dashed = lines["Values"], lines["Forecast at its pace"]
    days = [(period.year.quarter_start(2) - timedelta(days=1) - period.year.start).days,
            (period.year.quarter_start(3) - timedelta(days=1) - period.year.start).days,
            (period.as_of - period.year.start).days]
    assert list(values.get_xdata()) == [0, *days]
    assert list(values.get_ydata()) == [0, 30, 40, 50]
    assert dashed.get_linestyle() == "--"
    assert list(dashed.get_xdata()) == [days[-1], 366]  # today → the year's end
    assert dashed.get_ydata()[0] == 50
    assert dashed.get_ydata()[1] == pytest.approx(ahead.achievement_at_year_end * 100)
    assert ahead.achievement_at_year_end > 0.7


def test_a_kr_without_numbers_gets_no_chart_and_a_kr_with_a_problem_no_forecast():
    result = _result([["Eng", "O", "Nothing yet", "Kim", None, None, None, None, None, None],
                      ["Eng", "O", "Broken", "Kim", 0, 10, "lots", None, None, None]])
    page = render(result, "html")
    assert isinstance(page, str)
    assert page.count('<figure class="chart kr">') == 1
    assert "Forecast at its pace" not in page


def test_help_and_a_pull_never_import_the_charting_library(example):
    """`okrsync --help` and a pull stay quick: matplotlib loads only for an HTML page."""
    code = (
        "import sys\n"
        "from okrsync.cli import app\n"
        "for args in (['--help'], ['pull', '-c', sys.argv[1], '--as-of', '2024-08-20']):\n"
        "    try:\n"
        "        app(args, prog_name='okrsync')\n"
        "    except SystemExit as stop:\n"
        "        assert stop.code in (0, None), (args, stop.code)\n"
        "    print('AFTER', args[0], sorted(m for m in sys.modules if m == 'matplotlib' or "
        "m.startswith(('matplotlib.', 'okrsync.render.charts'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(example)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "AFTER --help []" in done.stdout and "AFTER pull []" in done.stdout, done.stdout


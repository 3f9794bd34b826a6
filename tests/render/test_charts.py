"""Charts in the HTML report and digest: small hand-made inline SVG that holds sheet text
as text, speaks the sheet's language, wraps KR names instead of cutting them, draws each
KR's forecast dashed to the year's end, and keeps a 1,000-KR page within a mailable size
and time."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.commands.report import ReportResult
from okrsync.core.calendar import Period
from okrsync.core.forecast import forecast
from okrsync.core.grid import Grid
from okrsync.core.layout import detect_layout
from okrsync.core.okr import KeyResult, read_key_results
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
    assert len(svgs) == 2 + len(HOSTILE)  # the department's two, and a sparkline per KR
    labels = _texts(svgs[0])
    for name in HOSTILE:
        assert name in labels  # drawn as the characters typed
    assert svgs[0].get("aria-label") == "Achievement by KR"
    for svg in svgs:
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
    for word in ("순항", "주의", "오늘까지 기대치 64%"):
        assert word in texts, word
    assert any(text.startswith("부서 평균 ") for text in texts)
    for caption in ("KR별 달성률", "상태별 KR 수"):
        assert f"<figcaption>{caption}</figcaption>" in korean
    assert "Achievement by KR" not in korean
    config = example.read_text(encoding="utf-8") + '\n[okr]\nlanguage = "en"\n'
    example.write_text(config.replace("[okr]\nfiscal_year_start_month = 1\n\n", ""),
                       encoding="utf-8")
    english = okrsync("report", "-c", str(example), *AS_OF, "-f", "html")
    texts = [text for svg in _svgs(english) for text in _texts(svg)]
    for word in ("on track", "at risk", "Expected by today 64%"):
        assert word in texts, word


def test_every_department_gets_its_charts_and_every_kr_its_sparkline(example):
    okrsync("pull", "-c", str(example), *AS_OF)
    report = okrsync("report", "-c", str(example), *AS_OF, "-f", "html")
    digest = okrsync("digest", "-c", str(example), *AS_OF, "-f", "html")
    for page in (report, digest):
        assert page.count('<figure class="chart department">') == 3
        assert page.count('<figure class="chart status">') == 3
        assert "@media print" in page and 'name="viewport"' in page
    assert report.count('<svg class="spark"') == 9


def test_a_long_kr_name_is_wrapped_not_cut():
    name = "주문 완료까지 평균 소요 시간을 3분 이하로 단축하고 고객 만족도를 4.5점 이상으로 올린다"
    result = _result([["Eng", "O", name, "Kim", 0, 10, 5, None, None, None]])
    page = render(result, "html")
    assert isinstance(page, str)
    lines = [t for t in _texts(_svgs(page)[0]) if t not in ("50%",) and "%" not in t]
    assert len(lines) > 1 and " ".join(lines) == name  # every word, over several lines
    for line in lines:
        assert charts.text_width(line, charts.FONT) <= charts.WIDTH


def _points(spark: ET.Element) -> list[tuple[float, float]]:
    line = next(spark.iter(f"{SVG}polyline"))
    return [tuple(map(float, p.split(","))) for p in line.get("points", "").split()]


def test_the_sparkline_draws_the_quarters_and_the_forecast_dashed_to_the_years_end():
    # 0 → 30 by the end of Q1, 40 by the end of Q2, 50 by 2024-08-20 (Q3).
    result = _result([["Eng", "O", "Deploys", "Kim", 0, 100, 30, 40, 50, None]])
    item, period = result.assessments[0], result.period
    ahead = forecast(item.kr, period)
    assert ahead is not None and ahead.achievement_at_year_end > 0.7
    spark = _svgs(charts.sparkline(item, period, ahead))[0]
    points = _points(spark)
    assert len(points) == 4 and points[0][0] == 2  # the start, then Q1, Q2 and today
    assert [y for _, y in points] == sorted((y for _, y in points), reverse=True)  # rising
    dashed = [p for p in spark.iter(f"{SVG}path") if p.get("stroke-dasharray")]
    assert len(dashed) == 1
    start, end = dashed[0].get("d", "").removeprefix("M").split("L")
    assert start == ",".join(f"{v:g}" for v in points[-1])  # from today's value…
    assert end.startswith(f"{charts.SPARK_WIDTH - 2},")  # …to the year's end
    assert len(ET.tostring(spark)) < 700  # a few hundred bytes


def test_a_kr_without_numbers_gets_no_sparkline_and_a_kr_with_a_problem_no_forecast():
    result = _result([["Eng", "O", "Nothing yet", "Kim", None, None, None, None, None, None],
                      ["Eng", "O", "Broken", "Kim", 0, 10, "lots", None, None, None]])
    page = render(result, "html")
    assert isinstance(page, str)
    sparks = re.findall(r'<svg class="spark".*?</svg>', page)
    assert len(sparks) == 1 and "stroke-dasharray" not in sparks[0]


def _company(krs: int) -> ReportResult:
    period = Period.at(date(2024, 8, 20))
    items = []
    for n in range(krs):
        kr = KeyResult(row=n + 2, department=f"{n // 250:02d}실", objective=f"목표 {n // 50}",
                       text=f"KR {n:05d} 주문 완료까지 평균 소요 시간 단축", owner=f"담당 {n % 40}",
                       description="설명", unit="%", start=0.0, target=100.0,
                       quarters={1: float(n % 40), 2: float(20 + n % 50), 3: None, 4: None})
        items.append(assess(kr, period, Thresholds()))
    return ReportResult(items, period, [], language="ko")


def test_a_company_wide_page_stays_mailable():
    """1,000 KRs: within 1.5 MB (how long it takes: benchmarks/html_at_scale.py)."""
    page = render(_company(1000), "html")
    assert isinstance(page, str)
    assert len(page.encode()) < 1_500_000, len(page.encode())
    assert page.count('<figure class="chart department">') == 4
    assert page.count('<svg class="spark"') == 1000
    assert "가장 뒤처진 KR 25개의 달성률" in page  # a department of 250 KRs: its laggards

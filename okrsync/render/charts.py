"""Charts for the HTML report and digest: static SVG, inlined in the page, safe to mail.

Per department, each KR's achievement (with the department's average and the pace the
calendar expects by today) and its KRs by status; per KR, its quarters against its start
and target, and its forecast (`okrsync.core.forecast`) as a dashed continuation to the
end of the OKR year. No script, no link, no font or image from elsewhere: the page shows
the same on a laptop, in a mail client that keeps SVG, and on paper.

Why matplotlib, and not pygal (the other library that writes SVG from Python we weighed):

- It never writes script. pygal always puts a `<script>` holding the chart's whole config
  (titles and labels included) into its SVG, and its tooltips need JavaScript; a mailed
  page must carry none, so pygal's output would need surgery after every release.
- With `svg.fonttype = "none"` text stays `<text>`: the reader's browser draws Hangul with
  the CJK font it has (the SVG names Noto Sans CJK KR, Malgun Gothic and Apple SD Gothic
  Neo before the generic sans-serif), and text can be selected, searched and prints sharp.
  matplotlib measures labels with the real fonts, falling back per glyph, so Korean labels
  get the room they need; pygal sizes every character at 0.6 em, too narrow for Hangul.
- A dashed continuation, reference lines and legends outside the axes are plain API; the
  output is deterministic (`svg.hashsalt`, no date) and every text is XML-escaped by its
  writer. matplotlib is maintained by a large team with regular releases, and typed.

The cost is weight: about 40 MB installed with its dependencies and half a second to
import. okrsync already needs numpy (through pandas), and matplotlib is imported here
only, when an HTML page is made: `okrsync --help` and pulls never load it
(tests/render/test_charts.py checks).

Every text from the sheet goes through `shown` (one line, control characters visible,
secrets removed), `$` is never read as math, and the SVG writer escapes `<`, `>`, `&`:
a KR named `<script>` is drawn as those characters.
"""

from __future__ import annotations

import io
import logging
import math
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from okrsync.core.calendar import Period
from okrsync.core.forecast import Forecast, latest_date
from okrsync.core.plan import Assessment
from okrsync.core.progress import STATUS_COLOR, NotComputable, status_word
from okrsync.i18n import words
from okrsync.kr_table import STATUS_ORDER
from okrsync.render.text import forecast_text, percent, shown, value

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FONTS = ["Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", "Apple SD Gothic Neo",
         "NanumGothic", "Noto Sans CJK JP", "DejaVu Sans"]
"""Fonts for chart text, Korean-capable first. The SVG names them all, then sans-serif;
the browser draws with the first it has. matplotlib measures with the first it finds
(DejaVu Sans, which it bundles, as the last resort)."""

_SETTINGS: Any = {  # matplotlib types its keys as literals
    "svg.fonttype": "none",  # text stays text, drawn by the browser
    "svg.hashsalt": "okrsync",  # the same sheet gives the same page
    "text.parse_math": False,  # a KR named `$x$` is not math
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "axes.labelcolor": "#333333",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "legend.frameon": False,
    "legend.fontsize": 7.5,
}
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
_LABEL_WIDTH = 34
"""KR names on the department chart are cut to this many columns (Hangul counts two)."""
_SHOWN_RANGE = (-0.5, 1.5)
"""Bars beyond these achievements are drawn to the edge; their labels give the number."""
_GREY = "#888888"
_SIZE = 8.5
_SMALL = 7.5
_ROW = 19.0
"""Points per bar on the department chart."""
_PACE = "#555555"

STYLE = (
    ".charts{display:flex;flex-wrap:wrap;gap:12px 20px;margin:8px 0 18px}"
    "figure.chart{margin:0;max-width:100%}figure.chart svg{display:block;max-width:100%;"
    "height:auto}figure.chart figcaption{font-size:13px;color:#333;margin:0 0 2px;"
    "max-width:420px}figure.kr{width:400px}"
    "@media print{body{margin:0;color:#000}h1,h2,h3{break-after:avoid}"
    "figure.chart,tr{break-inside:avoid}.charts{gap:6px 12px}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}"
)
"""The page CSS the charts need, print included (each chart kept whole on a page)."""


@contextmanager
def _drawing() -> Iterator[type[Figure]]:
    """matplotlib, quietly, with okrsync's settings: its font warnings (a family this
    machine lacks, a glyph missing from the fallback font) are no concern of the reader,
    whose browser draws the text."""
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_SETTINGS), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        yield Figure


def _svg(figure: Figure, label: str) -> str:
    """The figure as an `<svg>` element to inline in HTML: no XML prolog, DOCTYPE or
    namespace declarations (an HTML parser needs none and they name URLs), labelled for
    screen readers."""
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata=_NO_METADATA)
    text = out.getvalue()
    text = text[text.index("<svg"):]
    head, rest = text.split(">", 1)  # the root tag: attributes written by matplotlib only
    attributes = [a for a in head.removeprefix("<svg").split()
                  if not a.startswith(("xmlns", "version="))]
    return ("<svg " + " ".join(attributes) + f' role="img" aria-label="{escape(label)}">'
            + rest.strip())


def _figure(svg: str, caption: str, kind: str) -> str:
    return (f'<figure class="chart {kind}"><figcaption>{escape(shown(caption))}'
            f"</figcaption>{svg}</figure>")


def _columns(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def short(text: str, width: int = _LABEL_WIDTH) -> str:
    """`text` as shown, cut to `width` columns with an ellipsis (Hangul counts two)."""
    text = shown(text)
    if sum(map(_columns, text)) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += _columns(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def _achieved(item: Assessment) -> float | None:
    achieved = item.achievement
    if isinstance(achieved, NotComputable) or not math.isfinite(achieved):
        return None
    return achieved


def _width(texts: Iterable[str], size: float = _SIZE) -> float:
    """The widest of `texts` in points, measured with the fonts matplotlib found (the
    fallback font for glyphs the first lacks): enough room for labels without running
    matplotlib's layout engine, which would draw every chart twice."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(size=size)
    return max((text_to_path.get_text_width_height_descent(text, font, ismath=False)[0]
                for text in texts), default=0.0)


class _Frame:
    """A figure laid out in points: its size, and axes placed by their margins."""

    def __init__(self, figure_class: type[Figure], width: float, height: float) -> None:
        self.width, self.height = width, height
        self.figure = figure_class(figsize=(width / 72, height / 72))

    def axes(self, left: float, top: float, width: float, height: float) -> Axes:
        """Axes whose top-left corner is `left`, `top` points from the figure's."""
        return self.figure.add_axes((left / self.width, 1 - (top + height) / self.height,
                                     width / self.width, height / self.height))

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Figure coordinates of the point `x`, `y` points from the top-left corner."""
        return x / self.width, 1 - y / self.height


def _label(axes: Axes, text: str, x: float, y: float) -> None:
    """A number written just right of a bar's end or a line's last point."""
    axes.annotate(text, (x, y), xytext=(3, 0), textcoords="offset points", va="center",
                  fontsize=_SMALL, color="#333333", annotation_clip=False,
                  bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                        "edgecolor": "none"})


def department_chart(items: Sequence[Assessment], period: Period, lang: str) -> str:
    """One department in one figure: each KR's achievement as a bar colored by its
    status, against the department's average and the pace expected by today; beside it,
    how many KRs have each status."""
    if not items:
        return ""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    t = words(lang)
    achieved = [_achieved(item) for item in items]
    known = [a for a in achieved if a is not None]
    mean = sum(known) / len(known) if known else None
    low, high = _SHOWN_RANGE
    names = [short(item.kr.text) for item in items]
    statuses = [status_word(s, lang) for s in STATUS_ORDER]
    titles = (t("Achievement by KR"), t("KRs by status"))
    with _drawing() as Figure:
        names_width, statuses_width = _width(names) + 8, _width(statuses) + 8
        bars_width, counts_width = 330.0, 150.0
        rows = len(items)
        top, bottom = 18.0, 40.0
        frame = _Frame(Figure, names_width + bars_width + 24 + statuses_width + counts_width
                       + 16, top + _ROW * max(rows, len(STATUS_ORDER)) + bottom)
        axes = frame.axes(names_width, top, bars_width, _ROW * rows)
        left = min([0.0, *(max(low, a) for a in known)])
        right = max([1.0, *(min(high, a) for a in known)])
        drawn = [0.0 if a is None else min(high, max(low, a)) for a in achieved]
        axes.barh(range(rows), drawn, height=0.62,
                  color=[STATUS_COLOR[item.status] for item in items])
        for row, (a, at) in enumerate(zip(achieved, drawn, strict=True)):
            _label(axes, "–" if a is None else percent(a), max(at, 0.0), row)
        axes.axvline(period.expected, color=_PACE, linestyle=":", linewidth=1.2,
                     label=t("Expected by today ({percent})").format(
                         percent=percent(period.expected)))
        if mean is not None:
            axes.axvline(mean, color="#222222", linestyle="--", linewidth=1,
                         label=t("Department average ({percent})").format(
                             percent=percent(mean)))
        axes.axvline(0, color=_GREY, linewidth=0.6)
        axes.set_yticks(range(rows), names)
        axes.set_ylim(rows - 0.5, -0.5)  # the sheet's order, top to bottom
        axes.set_xlim(left - 0.02, right + 0.14)  # room for the labels
        axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes.tick_params(axis="y", length=0)
        axes.grid(axis="x", color="#e4e4e4", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.set_title(titles[0], loc="left", fontsize=_SIZE)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -18 / (_ROW * rows)),
                    ncols=2, borderaxespad=0)

        counts_left = names_width + bars_width + 24 + statuses_width
        axes = frame.axes(counts_left, top, counts_width, _ROW * len(STATUS_ORDER))
        counts = [sum(item.status is status for item in items) for status in STATUS_ORDER]
        axes.barh(range(len(STATUS_ORDER)), counts, height=0.62,
                  color=[STATUS_COLOR[s] for s in STATUS_ORDER])
        for row, count in enumerate(counts):
            _label(axes, str(count), count, row)
        axes.set_yticks(range(len(STATUS_ORDER)), statuses)
        axes.set_ylim(len(STATUS_ORDER) - 0.5, -0.5)
        axes.set_xlim(0, max(counts) * 1.2 + 0.4)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(axis="y", length=0)
        axes.set_title(titles[1], loc="left", fontsize=_SIZE)
        svg = _svg(frame.figure, " · ".join(titles))
    return f'<div class="charts"><figure class="chart department">{svg}</figure></div>'


def _day_of(period: Period, quarter: int) -> date:
    """When a quarter's value was true: today for the current quarter (and a later one
    typed early), otherwise the quarter's last day (as the forecast reads it)."""
    year = period.year
    if quarter >= period.quarter:
        return period.as_of
    return (year.quarter_start(quarter + 1) if quarter < 4 else year.end) - timedelta(days=1)


def kr_chart(item: Assessment, period: Period, lang: str, ahead: Forecast | None) -> str:
    """One KR: its value at the end of each quarter (today for this one) from its start,
    the start and target as lines, and its forecast `ahead` dashed from the latest value
    to the year's end. Empty when the KR has no number to draw."""
    caption = shown(item.kr.text)
    if ahead is not None:
        caption += " — " + forecast_text(ahead, lang)
    with _drawing() as Figure:
        figure = _kr_figure(Figure, item, period, lang, ahead)
        return "" if figure is None else _figure(_svg(figure, caption), caption, "kr")


def _kr_figure(figure_class: type[Figure], item: Assessment, period: Period, lang: str,
               ahead: Forecast | None) -> Figure | None:
    kr = item.kr
    t = words(lang)
    year = period.year
    total = (year.end - year.start).days

    def x(day: date) -> int:
        return (day - year.start).days

    points = [(x(_day_of(period, q)), v) for q, v in sorted(kr.quarters.items())
              if v is not None and math.isfinite(v)]
    if kr.start is not None and math.isfinite(kr.start):
        points.insert(0, (0, kr.start))
    references = [(f"{t(name)} {shown(value(kr, level))}", level, line_color, style)
                  for name, level, line_color, style in (
                      ("Start", kr.start, _GREY, ":"), ("Target", kr.target, "#1e7b45", "-."))
                  if level is not None and math.isfinite(level)]
    if not points and not references:
        return None
    ys = [v for _, v in points] + [level for _, level, _, _ in references]
    ending = None
    when = latest_date(kr, period)
    if (ahead is not None and kr.start is not None and kr.target is not None
            and kr.current is not None and when is not None):
        end = kr.start + ahead.achievement_at_year_end * (kr.target - kr.start)
        if math.isfinite(end):
            ending = (x(when), kr.current, end, percent(ahead.achievement_at_year_end))
            ys.append(end)
    labels_width = _width(name for name, _, _, _ in references) + 8
    frame = _Frame(figure_class, 300.0, 148.0)
    axes = frame.axes(labels_width, 6, 300 - labels_width - 30, 148 - 6 - 42)
    color = STATUS_COLOR[item.status]
    for _, level, line_color, style in references:
        axes.axhline(level, color=line_color, linestyle=style, linewidth=1)
    if points:
        axes.plot([p[0] for p in points], [p[1] for p in points], color=color,
                  marker="o", markersize=3.5, linewidth=1.8, label=t("Values"))
    if ending is not None:
        since, now, end, label = ending
        axes.plot([since, total], [now, end], color=color, linestyle="--", linewidth=1.4,
                  label=t("Forecast at its pace"))
        _label(axes, label, total, end)
    axes.axvline(x(period.as_of), color="#bbbbbb", linewidth=0.8, label=t("Today"))
    axes.set_xlim(0, total)
    starts = [x(year.quarter_start(q)) for q in range(1, 5)]
    middles = [(a + b) / 2 for a, b in zip(starts, [*starts[1:], total], strict=True)]
    axes.set_xticks(middles, [t("Q{quarter}").format(quarter=q) for q in range(1, 5)])
    axes.set_xticks(starts[1:], minor=True)
    axes.tick_params(axis="x", which="both", length=0)
    axes.grid(axis="x", which="minor", color="#e4e4e4", linewidth=0.6)
    low, high = min(ys), max(ys)
    pad = (high - low) * 0.12 or abs(high) * 0.1 or 1.0
    axes.set_ylim(low - pad, high + pad)
    axes.set_yticks([level for _, level, _, _ in references],
                    [name for name, _, _, _ in references])
    axes.tick_params(axis="y", length=0)
    frame.figure.legend(loc="lower center", bbox_to_anchor=frame.point(150, 146), ncols=3,
                        borderaxespad=0)
    return frame.figure


def kr_charts(items: Sequence[tuple[Assessment, Forecast | None]], period: Period,
              lang: str) -> str:
    """The KR charts of a department, side by side as the page's width allows."""
    figures = [kr_chart(item, period, lang, ahead) for item, ahead in items]
    return '<div class="charts">' + "".join(figures) + "</div>" if any(figures) else ""

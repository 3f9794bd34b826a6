"""Charts for the HTML report and digest: small static SVG written by hand, inlined in the
page, safe to mail, readable on a phone.

- Per department, each KR's achievement as a bar colored by its status, against the pace
  the calendar expects by today and the department's average, KR names wrapped above
  their bars (never cut); beside it, how many KRs have each status. A department of more
  than `MOST_BARS` KRs shows the ones furthest behind (the table lists them all).
- Per KR, a sparkline of a few hundred bytes: its start, its quarters (today for this one),
  and its forecast (`okrsync.core.forecast`) dashed to the end of the OKR year, against
  its target.

No script, no link, no font or image from elsewhere: the page shows the same on a laptop,
in a mail client that keeps SVG, and on paper. Text stays `<text>`, drawn by the reader's
browser with its CJK font (the page names Noto Sans CJK KR, Malgun Gothic and Apple SD
Gothic Neo before sans-serif). An SVG cannot measure its text, so lines are wrapped by an
estimate that errs wide: a Hangul syllable is one em, other characters 0.62 em. Charts are
drawn at the size they are read (`WIDTH` CSS pixels, never wider than the page), so their
text is as large on a phone as on a laptop.

Every text from the sheet goes through `shown` (one line, control characters visible,
secrets removed) and is XML-escaped: a KR named `<script>` is drawn as those characters.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from okrsync.core.calendar import Period
from okrsync.core.forecast import Forecast, latest_date
from okrsync.core.plan import Assessment
from okrsync.core.progress import STATUS_COLOR, NotComputable, status_word
from okrsync.i18n import words
from okrsync.kr_table import STATUS_ORDER
from okrsync.render.text import percent, shown

WIDTH = 340
"""The charts' width in CSS pixels: fits a 390 px phone with the page's margins."""
FONT = 13
SMALL = 11
MOST_BARS = 25
"""A department chart shows at most this many KRs (those furthest behind)."""
_PACE = "#555"
_SHOWN_RANGE = (0.0, 1.5)
"""Bars are drawn from 0% to 150%; their labels give the real number."""


def _em(char: str) -> float:
    """A character's width in em, erring wide."""
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    return 0.35 if char == " " else 0.62


def text_width(text: str, size: float) -> float:
    return sum(map(_em, text)) * size


def wrap(text: str, width: float, size: float = FONT) -> list[str]:
    """`text` in lines no wider than `width` pixels at `size`: broken between words, as
    Korean is (`word-break: keep-all`), and inside a word only when it is wider alone."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if text_width(line + char, size) > width and line:
                lines.append(line)
                line = ""
            line += char
    if line or not lines:
        lines.append(line)
    return lines


def _text(x: float, y: float, text: str, *, size: int = FONT, anchor: str = "start",
          fill: str = "#222", weight: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}"{bold}>{escape(text)}</text>')


def _svg(width: float, height: float, body: Sequence[str], label: str) -> str:
    return (f'<svg viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
            f'role="img" aria-label="{escape(shown(label))}">{"".join(body)}</svg>')


def _figure(svg: str, caption: str, kind: str) -> str:
    return (f'<figure class="chart {kind}"><figcaption>{escape(shown(caption))}'
            f"</figcaption>{svg}</figure>")


def _achieved(item: Assessment) -> float | None:
    achieved = item.achievement
    if isinstance(achieved, NotComputable) or not math.isfinite(achieved):
        return None
    return achieved


def department_chart(items: Sequence[Assessment], period: Period, lang: str) -> str:
    """One department: each KR's achievement (colored by its status) against the pace
    expected by today and the department's average; beside it, its KRs by status."""
    if not items:
        return ""
    t = words(lang)
    known = [a for a in map(_achieved, items) if a is not None]
    mean = sum(known) / len(known) if known else None
    shown_items = list(items)
    caption = t("Achievement by KR")
    if len(items) > MOST_BARS:
        shown_items = sorted(items, key=lambda i: (_achieved(i) is not None,
                                                   _achieved(i) or 0.0))[:MOST_BARS]
        shown_items.sort(key=lambda i: i.kr.row)
        caption = t("Achievement of the {count} KRs furthest behind").format(count=MOST_BARS)
    return ('<div class="charts">'
            + _figure(_bars(shown_items, period, mean, lang), caption, "department")
            + _figure(_statuses(items, lang), t("KRs by status"), "status") + "</div>")


def _bars(items: Sequence[Assessment], period: Period, mean: float | None, lang: str) -> str:
    t = words(lang)
    low, high = _SHOWN_RANGE
    label_room = 48  # the percentages, right-aligned beside the bars
    plot = WIDTH - label_room - 2
    right = max([1.0, *(min(high, a) for a in map(_achieved, items) if a is not None)])

    def x(value: float) -> float:
        return round(1 + plot * (min(right, max(low, value)) - low) / (right - low), 1)

    body: list[str] = []
    rows: list[float] = []
    y = 4.0
    for item in items:
        for line in wrap(shown(item.kr.text), WIDTH - 2):
            y += FONT + 3
            body.append(_text(1, y, line))
        y += 5
        achieved = _achieved(item)
        end = x(achieved) if achieved is not None else x(0)
        color = STATUS_COLOR[item.status]
        body.append(f'<rect x="1" y="{y:g}" width="{max(end - 1, 0):g}" height="9" '
                    f'fill="{color}"/>')
        body.append(_text(WIDTH - 1, y + 9, percent(achieved), size=SMALL, anchor="end",
                          fill="#333"))
        rows.append(y)
        y += 14
    legend = [(t("Expected by today {percent}").format(percent=percent(period.expected)),
               period.expected,
               _PACE, "2 3")]
    if mean is not None:
        legend.append((t("Department average {percent}").format(percent=percent(mean)), mean,
                       "#222", "6 3"))
    for _label, level, color, dashes in legend:  # across each bar, not its name
        marks = "".join(f"M{x(level)} {row - 3:g}V{row + 12:g}" for row in rows)
        body.append(f'<path d="{marks}" stroke="{color}" stroke-width="1.2" '
                    f'stroke-dasharray="{dashes}"/>')
    y += 6
    for label, _level, color, dashes in legend:
        y += FONT + 4
        body.append(f'<line x1="1" y1="{y - 4:g}" x2="22" y2="{y - 4:g}" stroke="{color}" '
                    f'stroke-width="1.2" stroke-dasharray="{dashes}"/>')
        body.append(_text(28, y, label, size=SMALL))
    return _svg(WIDTH, y + 6, body, t("Achievement by KR"))


def _statuses(items: Sequence[Assessment], lang: str) -> str:
    t = words(lang)
    counts = [sum(item.status is status for item in items) for status in STATUS_ORDER]
    names = [status_word(status, lang) for status in STATUS_ORDER]
    name_room = max(text_width(name, FONT) for name in names) + 8
    plot = WIDTH - name_room - 36
    most = max(counts) or 1
    body = []
    for row, (status, name, count) in enumerate(zip(STATUS_ORDER, names, counts, strict=True)):
        y = 4 + row * 22
        body.append(_text(1, y + 13, name))
        width = round(plot * count / most, 1)
        body.append(f'<rect x="{name_room:g}" y="{y + 3}" width="{width:g}" height="12" '
                    f'fill="{STATUS_COLOR[status]}"/>')
        body.append(_text(name_room + width + 4, y + 13, str(count), size=SMALL))
    return _svg(WIDTH, 4 + 22 * len(STATUS_ORDER), body, t("KRs by status"))


def _day_of(period: Period, quarter: int) -> date:
    """When a quarter's value was true: today for the current quarter (and a later one
    typed early), otherwise the quarter's last day (as the forecast reads it)."""
    year = period.year
    if quarter >= period.quarter:
        return period.as_of
    return (year.quarter_start(quarter + 1) if quarter < 4 else year.end) - timedelta(days=1)


SPARK_WIDTH = 96
SPARK_HEIGHT = 28


def sparkline(item: Assessment, period: Period, ahead: Forecast | None) -> str:
    """One KR in a few hundred bytes: its start and quarter values over the OKR year as a
    line in its status's color, its forecast dashed to the year's end, its target as a
    faint line. Empty when the KR has no number to draw. Decorative (the row around it
    says the same in words)."""
    kr = item.kr
    year = period.year
    total = (year.end - year.start).days
    points = [((_day_of(period, q) - year.start).days, v) for q, v in sorted(kr.quarters.items())
              if v is not None and math.isfinite(v)]
    if kr.start is not None and math.isfinite(kr.start):
        points.insert(0, (0, kr.start))
    if not points:
        return ""
    ys = [v for _, v in points]
    target = kr.target if kr.target is not None and math.isfinite(kr.target) else None
    if target is not None:
        ys.append(target)
    end = None
    when = latest_date(kr, period)
    if (ahead is not None and kr.start is not None and target is not None
            and kr.current is not None and when is not None):
        end = kr.start + ahead.achievement_at_year_end * (target - kr.start)
        if math.isfinite(end):
            ys.append(end)
        else:
            end = None
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0

    def xy(day: float, value: float) -> str:
        return (f"{2 + (SPARK_WIDTH - 4) * day / total:.0f},"
                f"{SPARK_HEIGHT - 3 - (SPARK_HEIGHT - 6) * (value - low) / span:.0f}")

    color = STATUS_COLOR[item.status]
    body = []
    if target is not None:
        body.append(f'<path d="M{xy(0, target)}H{SPARK_WIDTH - 2}" stroke="#1e7b45" '
                    f'stroke-opacity=".45"/>')
    if end is not None and kr.current is not None and when is not None:
        body.append(f'<path d="M{xy((when - year.start).days, kr.current)}L{xy(total, end)}" '
                    f'stroke="{color}" stroke-dasharray="3 2"/>')
    body.append(f'<polyline points="{" ".join(xy(d, v) for d, v in points)}" '
                f'stroke="{color}" stroke-width="1.8"/>')
    last = xy(*points[-1]).split(",")
    body.append(f'<circle cx="{last[0]}" cy="{last[1]}" r="2.2" fill="{color}"/>')
    return (f'<svg class="spark" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" '
            f'width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" fill="none" aria-hidden="true">'
            + "".join(body) + "</svg>")

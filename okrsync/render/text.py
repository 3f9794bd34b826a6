"""How values and texts from a sheet or JIRA are shown, whatever the format.

Everything from a sheet cell or a JIRA answer passes through `shown` (terminal, plain
text), `markdown_text`, `csv_safe`, `html_text` or `to_json` before it is output:
control characters made visible, secrets removed, and never read as markup.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from okrsync.core.calendar import Period
from okrsync.core.forecast import CALL_OUT_BELOW, Forecast, forecast
from okrsync.core.layout import ALIASES, Column, normalise
from okrsync.core.okr import KeyResult
from okrsync.core.plan import Assessment
from okrsync.core.progress import (
    NotComputable,
    Status,
    percent_points,
    status_from_word,
    status_word,
)
from okrsync.core.text import clean
from okrsync.core.values import format_number
from okrsync.errors import KRError
from okrsync.i18n import Words, _, words
from okrsync.jira.metrics import parse_metric
from okrsync.kr_table import ACHIEVEMENT, STATUS, STATUS_ORDER, Move
from okrsync.redact import scrub
from okrsync.sheets.base import LogRecord

_SPARK = "▁▂▃▄▅▆▇█"


def shown(text: object) -> str:
    """Text from a sheet or JIRA as it may be printed: one line, control characters
    visible, secrets removed. Never markup: `[link=…]` stays text."""
    return scrub(clean(str(text), one_line=True))


def value(kr: KeyResult, number: float | None) -> str:
    """A KR's number with the unit people typed: `4.2점`, `45%`, `₩1,000`."""
    if number is None:
        return "–"
    text = format_number(round(number, 2))
    if kr.unit in ("₩", "$", "€", "£", "¥"):
        return kr.unit + text
    return text + kr.unit


def percent(achievement: float | NotComputable | None) -> str:
    """An achievement as every output shows it (`47%`, one rounding rule:
    `percent_points`), or `–` without one."""
    if achievement is None or isinstance(achievement, NotComputable) or achievement != achievement:
        return "–"
    return f"{percent_points(achievement)}%"


def points_delta(old: float, new: float) -> str:
    """The move between two achievements in percentage points, as shown: `+15%p`, `−5%p`
    (the difference of the whole percentages each shows)."""
    delta = percent_points(new) - percent_points(old)
    return f"{'+' if delta >= 0 else '−'}{abs(delta)}%p"


def bar(achievement: float | NotComputable, width: int = 10) -> str:
    if isinstance(achievement, NotComputable):
        return "·" * width
    filled = round(min(1.0, max(0.0, achievement)) * width)
    return "█" * filled + "░" * (width - filled)


def trend(kr: KeyResult) -> str:
    """One character per quarter, its height the quarter's achievement; `·` for no value."""
    marks = []
    for quarter in range(1, 5):
        achieved = kr.quarter_achievement(quarter)
        if kr.quarters.get(quarter) is None or isinstance(achieved, NotComputable):
            marks.append("·")
        else:
            level = min(1.0, max(0.0, achieved))
            marks.append(_SPARK[min(len(_SPARK) - 1, int(level * len(_SPARK)))])
    return "".join(marks)


def status_counts(counts: dict[str, Any], lang: str = "en") -> str:
    t = words(lang)
    parts = [f"{status_word(s, lang)} {counts[str(s)]}" if lang == "ko"
             else f"{counts[str(s)]} {s}" for s in STATUS_ORDER if counts.get(str(s))]
    return ", ".join(parts) or t("no KRs")


def average(mean: float | None) -> str:
    return percent(mean)


def heading(period: Period, lang: str) -> str:
    """`2024-08-20 · Q3 · 64% of the year passed`."""
    t = words(lang)
    return t("{day} · Q{quarter} · {passed} of the year passed").format(
        day=period.as_of.isoformat(), quarter=period.quarter,
        passed=percent(period.expected))


def forecast_text(ahead: Forecast | None, lang: str) -> str:
    """`82% by year end, target on 2024-12-10`, or – without a forecast."""
    t = words(lang)
    if ahead is None:
        return "–"
    text = t("{percent} by year end").format(percent=percent(ahead.achievement_at_year_end))
    if ahead.target_date is not None:
        text += ", " + t("target on {day}").format(day=ahead.target_date.isoformat())
    return text


def called_out(item: Assessment, period: Period) -> Forecast | None:
    """The forecast of a KR on track by the calendar but heading below 70% by year end."""
    if item.status is not Status.ON_TRACK or item.problems:
        return None
    ahead = forecast(item.kr, period)
    if ahead is not None and ahead.achievement_at_year_end < CALL_OUT_BELOW:
        return ahead
    return None


def call_out_text(ahead: Forecast, lang: str) -> str:
    t = words(lang)
    return t("on track by the calendar, but at its own pace it reaches only {percent} by "
             "year end").format(
        percent=percent(ahead.achievement_at_year_end))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]!|~])")
"""What Markdown could read as markup. Parentheses are left alone: with `[` and `]`
escaped they can start no link, and `결제 장애 대응(Andon)` stays readable as typed."""


def markdown_text(text: object) -> str:
    """Text for a Markdown document: every Markdown and HTML character escaped, so a KR
    named `![x](http://…)` or `<script>` stays text, and one line, so tables hold."""
    safe = shown(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", safe)


def html_text(text: object) -> str:
    return html.escape(shown(text))


_ESCAPED_IN_JSON = re.compile(
    r"[\ud800-\udfff\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def to_json(data: Any, indent: int | None = 2) -> str:
    """JSON that any stream and terminal can carry: lone surrogates, C1 controls and
    bidi overrides from a cell are written as JSON escapes (the data is unchanged);
    secrets are removed."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return scrub(_ESCAPED_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: object) -> object:
    """A CSV field a spreadsheet will not run: text starting with =, +, -, @, tab or CR
    gets a leading `'` (as OWASP advises); numbers stay numbers."""
    if not isinstance(text, str):
        return text
    text = scrub(clean(text))
    return "'" + text if text.startswith(_FORMULA_START) else text


def cell_value(cell: object, unit: str = "", t: Words | None = None) -> str:
    """A cell's value as the change log and the terminal show it; an empty one in `t`'s
    language (default: the person's; a report on the sheet passes the sheet's)."""
    if cell is None or cell == "":
        t = t or _
        return t("(empty)")
    if isinstance(cell, float) or (unit and isinstance(cell, int)
                                   and not isinstance(cell, bool)):
        return format_number(round(cell, 2)) + unit
    return shown(cell)


JIRA_SOURCE = re.compile(r"JIRA (?P<link>.+) \((?P<metric>[^()]+)\)")
"""How the change log names a value JIRA gave: `JIRA CX-100 (done_ratio)`."""


def logged_unit(record: LogRecord) -> str:
    """The change log keeps numbers only: an achievement's, and a value JIRA gave as a
    share done (`done_ratio`, `points_ratio`…), are percentages."""
    if normalise(record.column) in ALIASES[Column.ACHIEVEMENT]:
        return "%"
    if found := JIRA_SOURCE.fullmatch(record.source):
        try:
            return "%" if parse_metric(found["metric"]).gives_share else ""
        except KRError:
            return ""
    return ""


def field_name(field: str, t: Words) -> str:
    """What a move is of, as people say it: `3분기 값`, `달성률`, `상태`."""
    if field.startswith("Q") and field[1:].isdigit():
        return t("Q{quarter} value").format(quarter=field[1:])
    if field == ACHIEVEMENT:
        return t("achievement")
    if field == STATUS:
        return t("status")
    return shown(field)


def move_value(field: str, found: float | str | None, kr: KeyResult, lang: str) -> str:
    """A moved cell's old or new value as the KR shows it: a quarter's value in the KR's
    unit (`4.2점`, `70%`), an achievement as a whole percent, a status in `lang`."""
    t = words(lang)
    if found is None:
        return t("(empty)")
    if field == STATUS and (status := status_from_word(str(found))) is not None:
        return status_word(status, lang)
    if isinstance(found, float):
        return percent(found) if field == ACHIEVEMENT else value(kr, found)
    return shown(found)


def _delta(field: str, old: float, new: float, kr: KeyResult) -> str:
    if field == ACHIEVEMENT:
        return points_delta(old, new)
    change = round(new - old, 4)
    sign = "+" if change >= 0 else "−"
    if kr.unit == "%":
        return f"{sign}{format_number(abs(change))}%p"
    return sign + value(kr, abs(change))


def move_text(move: Move, kr: KeyResult, lang: str, named: bool = True) -> str:
    """One move as a person says it: `3분기 값 55% → 70% (+15%p)`, `달성률 40% → 45%
    (+5%p)`, `상태 주의 → 순항`; a first value `처음 기록: 70%`. `named=False` leaves out
    what moved (`주의 → 순항`)."""
    t = words(lang)
    name = field_name(move.field, t)
    new = move_value(move.field, move.new, kr, lang)
    if move.old is None and move.field != STATUS:
        first = new if move.field.startswith("Q") else f"{name} {new}"
        return t("first recorded: {value}").format(value=first)
    text = f"{move_value(move.field, move.old, kr, lang)} → {new}"
    if isinstance(move.old, float) and isinstance(move.new, float):
        text += f" ({_delta(move.field, move.old, move.new, kr)})"
    return f"{name} {text}" if named else text

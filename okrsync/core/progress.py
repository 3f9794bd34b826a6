"""Achievement, status against pace, and the red → yellow → green gradient."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class Status(StrEnum):
    """Where a KR stands against the pace expected for the date."""

    DONE = "done"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    NO_DATA = "no data"


STATUS_WORDS: dict[str, dict[Status, str]] = {
    "en": {status: status.value for status in Status},
    "ko": {Status.DONE: "완료", Status.ON_TRACK: "순항", Status.AT_RISK: "주의",
           Status.OFF_TRACK: "위험", Status.NO_DATA: "데이터 없음"},
}
"""How a status is written in a sheet of each language."""


def status_word(status: Status, lang: str) -> str:
    return STATUS_WORDS.get(lang, STATUS_WORDS["en"])[status]


def status_from_word(word: str) -> Status | None:
    """A status written in any language (`at risk`, `주의`) → the status."""
    wanted = " ".join(word.strip().lower().split())
    for table in STATUS_WORDS.values():
        for status, text in table.items():
            if text == wanted:
                return status
    return None


class NotComputable(StrEnum):
    """Why a KR has no achievement. Explicit, so it is never mistaken for 0%."""

    NO_START = "no start value"
    NO_TARGET = "no target value"
    TARGET_EQUALS_START = "target equals start"
    NO_VALUE = "no quarter has a value yet"
    PROBLEM = "the KR has a problem"
    OUT_OF_RANGE = "the numbers are too large to compute with"


@dataclass(frozen=True)
class Thresholds:
    """How far behind the expected pace a KR may be before it is at risk / off track.

    Both are in achievement points (0.10 = 10 percentage points of the whole KR).
    """

    on_track_margin: float = 0.10
    at_risk_margin: float = 0.25


def achievement(
    start: float | None, target: float | None, current: float | None
) -> float | NotComputable:
    """(current − start) / (target − start): 1.0 means the target is reached.

    Works for KRs that go down (target < start): from 5분 to 3분, 4분 is 0.5.
    Not clamped: overshooting gives more than 1.0, going backwards less than 0.
    """
    if start is None:
        return NotComputable.NO_START
    if target is None:
        return NotComputable.NO_TARGET
    if target == start:
        return NotComputable.TARGET_EQUALS_START
    if current is None:
        return NotComputable.NO_VALUE
    moved, span = current - start, target - start
    if not (math.isfinite(moved) and math.isfinite(span) and math.isfinite(moved / span)):
        return NotComputable.OUT_OF_RANGE
    return moved / span


def status(value: float | NotComputable, expected: float, thresholds: Thresholds) -> Status:
    """The status of a KR with achievement `value` when `expected` of the year is over.

    - done: achievement ≥ 100%
    - on track: achievement ≥ expected − on_track_margin
    - at risk: achievement ≥ expected − at_risk_margin
    - off track: below that
    - no data: achievement not computable
    """
    if isinstance(value, NotComputable):
        return Status.NO_DATA
    if value >= 1.0:
        return Status.DONE
    if value >= expected - thresholds.on_track_margin:
        return Status.ON_TRACK
    if value >= expected - thresholds.at_risk_margin:
        return Status.AT_RISK
    return Status.OFF_TRACK


def percent_points(achievement: float) -> int:
    """An achievement (1.0 = the target) as the whole percentage every output shows: the
    sheet's achievement cell, the terminal, Markdown, HTML, CSV, the digest and chat posts.

    Half a point rounds up (46.5% → 47%, not Python's 46%), and a KR short of its target
    never reads 100% (99.6% → 99%): 100% means done, as its status says. Deltas are
    differences of these whole points (47% → 52% is +5%p), so they add up as shown.
    """
    if not math.isfinite(achievement):
        raise ValueError(f"not a finite achievement: {achievement!r}")
    points = int(Decimal(repr(achievement * 100)).quantize(Decimal(1), ROUND_HALF_UP))
    if achievement < 1.0 and points >= 100:
        return 99
    return points


# Google Sheets' own colour-scale stops, so the dashboard looks as if a person had
# set a conditional format.
RED = (0xE6, 0x7C, 0x73)
YELLOW = (0xFF, 0xD6, 0x66)
GREEN = (0x57, 0xBB, 0x8A)


def color(value: float) -> str:
    """The fill for an achievement as `RRGGBB`: 0% red, 50% yellow, ≥100% green."""
    value = min(1.0, max(0.0, value))
    if value <= 0.5:
        low, high, t = RED, YELLOW, value / 0.5
    else:
        low, high, t = YELLOW, GREEN, (value - 0.5) / 0.5
    return "".join(f"{round(a + (b - a) * t):02X}" for a, b in zip(low, high, strict=True))


STATUS_COLOR = {Status.DONE: "#1e7b45", Status.ON_TRACK: "#2e8b57", Status.AT_RISK: "#b7791f",
                Status.OFF_TRACK: "#c0392b", Status.NO_DATA: "#888888"}
"""Each status's color as HTML reports and their charts show it (`#RRGGBB`)."""

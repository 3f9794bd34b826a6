"""The OKR year: which quarter a date falls in and how much of the year has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class OkrYear:
    """A fiscal year starting on the first day of `start_month`.

    `label` is the calendar year in which the fiscal year ends, as in "FY2025" for
    April 2024 – March 2025; for a January start it is simply the calendar year.
    """

    start: date
    end: date  # exclusive

    @classmethod
    def containing(cls, day: date, start_month: int = 1) -> OkrYear:
        if not 1 <= start_month <= 12:
            raise ValueError(f"fiscal_year_start_month must be 1–12, not {start_month}")
        year = day.year if day.month >= start_month else day.year - 1
        start = date(year, start_month, 1)
        end = date(year + 1, start_month, 1)
        return cls(start, end)

    @property
    def label(self) -> int:
        return self.end.year if self.start.month != 1 else self.start.year

    def quarter(self, day: date) -> int:
        """1–4: the fiscal quarter `day` falls in (clamped to this year)."""
        if day < self.start:
            return 1
        if day >= self.end:
            return 4
        months = (day.year - self.start.year) * 12 + day.month - self.start.month
        return months // 3 + 1

    def quarter_start(self, quarter: int) -> date:
        months = self.start.month - 1 + (quarter - 1) * 3
        return date(self.start.year + months // 12, months % 12 + 1, 1)

    def elapsed(self, day: date) -> float:
        """Share of the year passed by the end of `day`, 0.0–1.0."""
        total = (self.end - self.start).days
        done = (day - self.start).days + 1
        return min(1.0, max(0.0, done / total))


@dataclass(frozen=True)
class Period:
    """The date a run works on, and what follows from it."""

    as_of: date
    year: OkrYear

    @classmethod
    def at(cls, as_of: date, fiscal_year_start_month: int = 1) -> Period:
        return cls(as_of, OkrYear.containing(as_of, fiscal_year_start_month))

    @property
    def quarter(self) -> int:
        return self.year.quarter(self.as_of)

    @property
    def days_into_quarter(self) -> int:
        return (self.as_of - self.year.quarter_start(self.quarter)).days

    @property
    def expected(self) -> float:
        """The achievement a KR on pace has reached by now: the share of the year passed."""
        return self.year.elapsed(self.as_of)

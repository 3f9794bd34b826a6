"""The change log keeps numbers only; history and undo show them with the unit the KR
shows: a share JIRA gave and an achievement as percents, a count as a number."""

from __future__ import annotations

import pytest

from okrsync.render.text import cell_value, logged_unit
from okrsync.sheets.base import LogRecord


def _record(column: str, source: str, new: object) -> LogRecord:
    return LogRecord("2024-08-20T09:00:00+09:00", "20240820-090000", 8, "KR", "K8", column,
                     None, new, source)


@pytest.mark.parametrize(("column", "source", "new", "shown"), [
    ("3Q", "JIRA CX-100 (done_ratio)", 70, "70%"),
    ("3Q", "JIRA CX-100 (완료율)", 70, "70%"),
    ("3Q", "JIRA CX-100 (points_ratio)", 62.5, "62.5%"),
    ("3Q", "JIRA CX-100 (done_count)", 14, "14"),
    ("3Q", "JIRA labels = a (count)", 1200, "1200"),
    ("3Q", "JIRA CX-100 (not a metric)", 14, "14"),
    ("달성률", "okrsync", 70.0, "70%"),
    ("3Q", "okrsync", 14, "14"),
])
def test_a_logged_number_is_shown_in_its_unit(column, source, new, shown):
    record = _record(column, source, new)
    assert cell_value(record.new, logged_unit(record)) == shown

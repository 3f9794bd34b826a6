"""Bad input, generated: never a traceback, always a message naming the cell or key,
and the other KRs still processed."""

from __future__ import annotations

import contextlib
import math
import string
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrsync.config import load_config
from okrsync.core.calendar import Period
from okrsync.core.grid import Grid
from okrsync.core.layout import ALIASES, detect_layout
from okrsync.core.okr import read_key_results
from okrsync.core.plan import assess, plan_pull
from okrsync.core.progress import Thresholds
from okrsync.core.values import parse_number
from okrsync.errors import ConfigError, KRError, LayoutError
from okrsync.jira.jql import compile_jql
from okrsync.jira.links import parse_link
from okrsync.jira.metrics import parse_metric

KNOWN = [alias for aliases in ALIASES.values() for alias in aliases] + [
    "Q1", "2Q", "3분기", "24Q4", "목표", "분기별 데이터", "Notes", ""]
LOOKALIKES = "０１２３４５６７８９，．％−－₩￦⁰¹²³ⅠⅡⅢ٣۳"
value_text = st.one_of(
    st.text(alphabet=string.digits + ",.%-+ 점분만억원₩$kK" + LOOKALIKES, max_size=14),
    st.text(max_size=12),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "9" * 400, "−5", "１２", "N/A",
                     "-", "", "   ", "4.5점", "1.2만", "₩1,000,000", "20 %", "3분 이하"]),
)
cell = st.one_of(st.none(), value_text,
                 st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(min_value=-10**20, max_value=10**20))


@given(value_text)
def test_values_parse_or_fail_with_krerror(text):
    try:
        number = parse_number(text)
    except KRError as error:
        assert repr(text)[:20] in str(error) or "too large" in str(error)
        return
    assert number is None or math.isfinite(number)


@given(st.lists(st.sampled_from(KNOWN), min_size=1, max_size=20), st.randoms())
def test_any_header_is_read_or_explained(headers, rng):
    rng.shuffle(headers)
    try:
        layout = detect_layout(Grid([headers, ["x"] * len(headers)]))
    except LayoutError as error:
        assert "not found" in str(error) or "No header row" in str(error) or (
            "more than one column" in str(error).lower())
        return
    assert set(layout.columns.values()).isdisjoint(layout.quarters.values())


HEADER = ["Department", "Objective", "Key Result", "Owner", "Start", "Target", "Q1", "Q2",
          "Q3", "Q4", "Achievement", "JIRA", "JIRA metric", "Status"]


@settings(suppress_health_check=[HealthCheck.too_slow])  # examples: tests/conftest.py
@given(st.lists(st.lists(cell, min_size=0, max_size=14), min_size=1, max_size=12))
def test_any_rows_give_krs_errors_or_writes_but_never_crash(rows):
    grid = Grid([HEADER, *rows])
    layout = detect_layout(grid)
    krs = read_key_results(grid, layout)
    period = Period.at(date(2024, 8, 20))
    items = [assess(kr, period, Thresholds()) for kr in krs]
    plan = plan_pull(grid, layout, items, period, "2024-08-20", {})
    for kr in krs:
        for error in kr.errors:
            assert error[0] in "CEFGHIJ" and error[1].isdigit()  # names the cell
    written = {(w.row, w.col) for w in plan.writes}
    owned = {6, 7, 8, 9, 10, 13}
    assert all(col in owned for _, col in written)
    bad = {kr.row for kr in krs if kr.errors}
    assert all(col == 13 for row, col in written if row in bad)  # only the status cell


@given(st.text(max_size=60))
def test_any_link_cell_is_a_link_or_a_krerror(text):
    try:
        link = parse_link(text)
    except KRError:
        return
    if type(link).__name__ == "Jql":
        with contextlib.suppress(KRError):
            compile_jql(link.query)


@pytest.mark.parametrize("query", [
    "project = \"PAY\" OR 1=1 --", "labels = 'a'' OR ''1'='1'", "summary ~ \"\\\"; DROP\"",
    "project = PAY) OR (project = X", "project in ()", "((((", "\"", "'", "parent = PAY-1 AND",
    "project = PAY ORDER BY", "NOT NOT NOT project = X", "labels = \"=HYPERLINK()\"",
])
def test_hostile_jql_is_a_krerror_or_a_query(query):
    try:
        predicate = compile_jql(query)
    except KRError:
        return
    assert callable(predicate)


@given(st.text(max_size=30))
def test_any_metric_cell_is_a_metric_or_a_krerror(text):
    try:
        parse_metric(text)
    except KRError as error:
        assert "metric" in str(error)


toml_value = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(),
                       st.text(alphabet=string.ascii_letters + " ./:-", max_size=12),
                       st.lists(st.integers(), max_size=2))
section = st.dictionaries(st.sampled_from(["spreadsheet", "worksheet", "export", "server",
                                           "email", "fiscal_year_start_month", "webhook",
                                           "timeout", "max_workers", "colour"]), toml_value,
                          max_size=4)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["sheet", "jira", "okr", "google", "alerts", "extra"]),
                       section, max_size=4))
def test_any_config_loads_or_names_the_key(tmp_path, sections):
    text = "".join(f"[{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in body.items())
                   for name, body in sections.items())
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as error:
        message = str(error)
        assert message.startswith(str(path)) or "[" in message

"""What a pull writes: only numbers okrsync can stand behind, only in cells it owns."""

from datetime import date

from okrsync.core.calendar import Period
from okrsync.core.grid import Grid, Merge, ValueKind
from okrsync.core.layout import detect_layout
from okrsync.core.okr import read_key_results
from okrsync.core.plan import assess, owned_cell_problems, plan_pull
from okrsync.core.progress import NotComputable, Status, Thresholds

HEADER = ["Key Result", "Start", "Target", "Q1", "Q2", "Q3", "Q4", "Achievement", "JIRA",
          "Status", "Last synced"]
PERIOD = Period.at(date(2024, 8, 20))  # Q3, 64% of the year passed


def _plan(rows, *, jira=None, problems=None, merges=(), formulas=(), percent=(), fills=None):
    grid = Grid([HEADER, *rows], merges=list(merges), formulas=frozenset(formulas),
                percent=frozenset(percent), fills=fills or {})
    layout = detect_layout(grid)
    krs = read_key_results(grid, layout)
    jira = jira or {}
    problems = problems or {}
    for kr in krs:
        if kr.row in jira:
            kr.quarters[PERIOD.quarter] = jira[kr.row]
    items = [assess(kr, PERIOD, Thresholds(), problems.get(kr.row, ()), jira.get(kr.row))
             for kr in krs]
    return grid, layout, krs, items, plan_pull(grid, layout, items, PERIOD, "2024-08-20",
                                               {row: "JIRA X-1" for row in jira})


def test_a_kr_with_a_problem_is_no_data_and_keeps_its_cells():
    # Q1 and Q2 say the KR is far behind: without its JIRA answer it must not be called
    # "off track", nor have its achievement rewritten or its cells recolored.
    _, _, _, items, plan = _plan(
        [["KR", 0, 100, 5, 10, None, None, 0.1, "X-1", "on track", ""]],
        problems={1: ["JIRA: no child issues of X-1"]})
    (item,) = items
    assert item.status is Status.NO_DATA
    assert item.achievement is NotComputable.PROBLEM
    assert [(w.col, w.value) for w in plan.writes] == [
        (9, "no data · JIRA: no child issues of X-1")]
    assert all(w.fill is None for w in plan.writes)


def test_the_synced_stamp_moves_only_with_jira_s_value():
    row = ["KR", 0, 100, 10, 20, 30, None, 30, "X-1", "off track", "2024-08-19"]
    *_, plan = _plan([row], jira={1: 30.0})
    assert [w for w in plan.writes if w.set_value] == plan.changes == []  # nothing new
    *_, plan = _plan([row], jira={1: 35.0})
    assert {c.cell: (c.old, c.new) for c in plan.changes} == {
        "F2": (30, 35.0), "H2": (30, 35.0), "K2": ("2024-08-19", "2024-08-20")}
    blank = [*row[:10], None]
    *_, plan = _plan([blank], jira={1: 30.0})
    assert [(c.cell, c.new) for c in plan.changes] == [("K2", "2024-08-20")]


def test_owned_cells_inside_merged_cells_are_a_problem_before_anything_is_written():
    grid, layout, krs, *_ = _plan(
        [["KR", 0, 100, 10, 20, None, None, None, "X-1", "", ""]],
        merges=[Merge(1, 8, 2, 10)])  # JIRA link merged over the status cell
    assert owned_cell_problems(grid, layout, krs[0], PERIOD) == [
        "J2 is inside the merged cells I2:J2, so okrsync cannot write it; unmerge them"]


def test_a_formula_where_jira_s_value_goes_is_found_before_jira_is_asked():
    grid, layout, krs, *_ = _plan(
        [["KR", 0, 100, 10, 20, "=E2*2", None, None, "X-1", "", ""]], formulas={(1, 5)})
    (problem,) = owned_cell_problems(grid, layout, krs[0], PERIOD)
    assert problem.startswith("F2 holds a formula")


def test_a_percent_formatted_quarter_cell_gets_a_percentage():
    *_, plan = _plan([["KR", 0, 100, 10, 20, None, None, None, "X-1", "", ""]],
                     jira={1: 45.0}, percent={(1, 5)})
    (write,) = [w for w in plan.writes if w.col == 5]
    assert (write.value, write.kind) == (45.0, ValueKind.PERCENT)


def test_numbers_too_large_to_compute_with_are_a_problem():
    _, _, krs, items, plan = _plan([["KR", -1e308, 1e308, 0, None, None, None, None, "", "",
                                     ""]])
    assert "too large" in krs[0].errors[0]
    assert items[0].status is Status.NO_DATA
    assert [w.col for w in plan.writes] == [9]

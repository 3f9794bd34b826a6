import pytest

from okrsync.core.grid import Grid, Merge
from okrsync.core.layout import Column, detect_layout, quarter_of, sheet_year
from okrsync.errors import LayoutError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q1", (1, None)),
        ("1Q", (1, None)),
        ("2분기", (2, None)),
        ("24Q3", (3, 2024)),
        ("2024 Q4", (4, 2024)),
        ("Q1 실적", (1, None)),
        ("2024년 1분기", (1, 2024)),
        ("FY25 Q2", (2, 2025)),
        ("q2 (actual)", (2, None)),
    ],
)
def test_quarter_headers(text, expected):
    assert quarter_of(text) == expected


@pytest.mark.parametrize("text", ["Q5", "분기별 데이터", "Quarter", "목표"])
def test_not_quarter_headers(text):
    assert quarter_of(text) is None


def test_english_single_row_any_order():
    grid = Grid([
        ["Owner", "Q2", "Target", "Key Result", "Notes", "Q1", "Start", "Department", "Q4", "Q3"],
        ["Kim", 2, 10, "Ship it", "x", 1, 0, "Eng", None, None],
    ])
    layout = detect_layout(grid)
    assert layout.header_rows == (0,)
    assert layout.columns[Column.KEY_RESULT] == 3
    assert layout.columns[Column.START] == 6
    assert layout.columns[Column.TARGET] == 2
    assert layout.columns[Column.DEPARTMENT] == 7
    assert dict(layout.quarters) == {1: 5, 2: 1, 3: 9, 4: 8}
    assert 4 not in layout.columns.values()  # "Notes" is unknown and left alone


def test_korean_two_row_header_with_merged_groups():
    top = ["부서", "목표", "Key Result", "담당자", "목표", None, "분기별 데이터", None, None, None,
           "목표값 대비 달성률"]
    sub = [None, None, None, None, "시작값", "목표값", "1Q", "2Q", "3Q", "4Q", None]
    grid = Grid(
        [["2024 OKR"], [], top, sub, ["CX실", "O", "KR", "김", "4점", "4.5점", "4.1점"]],
        merges=[Merge(2, 4, 3, 6), Merge(2, 6, 3, 10), Merge(2, 0, 4, 1)],
    )
    layout = detect_layout(grid)
    assert layout.header_rows == (2, 3)
    assert layout.first_data_row == 4
    assert layout.columns[Column.OBJECTIVE] == 1
    assert layout.columns[Column.START] == 4
    assert layout.columns[Column.TARGET] == 5
    assert layout.columns[Column.ACHIEVEMENT] == 10
    assert dict(layout.quarters) == {1: 6, 2: 7, 3: 8, 4: 9}


def test_two_row_header_without_merges_spreads_the_group_cell():
    top = ["Key Result", "목표", None, "분기별 데이터", None, None, None]
    sub = [None, "시작값", "목표값", "Q1", "Q2", "Q3", "Q4"]
    layout = detect_layout(Grid([top, sub, ["KR", 1, 2]]))
    assert layout.columns[Column.START] == 1
    assert layout.columns[Column.TARGET] == 2
    assert Column.OBJECTIVE not in layout.columns


def test_jira_columns_in_korean_and_english():
    base = ["Key Result", "Start", "Target", "Q1"]
    korean = detect_layout(Grid([[*base, "JIRA 연동", "JIRA 기준", "상태", "마지막 동기화"]]))
    english = detect_layout(Grid([[*base, "JIRA", "JIRA metric", "Status", "Last synced"]]))
    for layout in (korean, english):
        assert [layout.columns[c] for c in (Column.JIRA, Column.METRIC, Column.STATUS,
                                            Column.SYNCED)] == [4, 5, 6, 7]


def test_quarter_columns_of_several_years_pick_the_year_worked_on():
    grid = Grid([["Key Result", "Start", "Target", "24Q1", "24Q2", "25Q1", "25Q2"]])
    assert dict(detect_layout(grid, 2025).quarters) == {1: 5, 2: 6}
    assert dict(detect_layout(grid, 2024).quarters) == {1: 3, 2: 4}
    with pytest.raises(LayoutError, match="OKR year 2026"):
        detect_layout(grid, 2026)


def test_missing_column_names_it_and_shows_what_was_seen():
    grid = Grid([["부서", "목표", "Key Result", "담당자", "1Q", "2Q"]])
    with pytest.raises(LayoutError) as caught:
        detect_layout(grid)
    message = str(caught.value)
    assert "목표 시작값 (Start)" in message
    assert "목표 목표값 (Target)" in message
    assert "'담당자'" in message and "row 1" in message


def test_empty_sheet():
    with pytest.raises(LayoutError, match="No header row"):
        detect_layout(Grid([["hello"], ["world"]]))


def test_duplicate_quarter_is_an_error():
    with pytest.raises(LayoutError, match="Quarter 1 appears in more than one column"):
        detect_layout(Grid([["KR", "Start", "Target", "Q1", "1Q"]]))


def test_headers_with_units_and_punctuation():
    grid = Grid([["Key Result:", "Start *", "Target (goal)", "Progress %", "2024.Q1",
                  "Q2 (actual)"]])
    layout = detect_layout(grid)
    assert layout.columns[Column.ACHIEVEMENT] == 3
    assert dict(layout.quarters) == {1: 4, 2: 5}


def test_a_data_row_never_becomes_a_second_header_row():
    # A real OKR tool's export: a one-row header whose first data row holds the words
    # "Objective" and "Progress" (values that happen to be header words).
    grid = Grid([
        ["Id", "Key Result", "Object Type", "Metric Name", "Start", "Target", "Q1", "Q2",
         "Progress", "Status"],
        ["1", "Grow revenue", "Objective", "Progress", "", "", "", "", "", "On track"],
        ["2", "ARR 10억", "Key Result", "ARR", 5, 10, 6, 7, 0.4, "On track"],
    ])
    layout = detect_layout(grid)
    assert layout.header_rows == (0,)
    assert Column.OBJECTIVE not in layout.columns
    assert layout.columns[Column.ACHIEVEMENT] == 8


def test_a_one_row_header_under_a_title_and_a_blank_row_is_one_row():
    grid = Grid([
        ["2024 OKR"],
        [],
        ["Department", "Key Result", "Start", "Target", "Q1", "Q2", "Q3", "Q4"],
        ["CX", "NPS 40", 20, 40, 25],
    ])
    assert detect_layout(grid).header_rows == (2,)


def test_sub_headers_sit_under_group_cells():
    grid = Grid([
        ["Key Result", "목표", None, "분기", None, "Owner"],
        [None, "시작값", "목표값", "Q1", "Q2", None],
        ["KR", 0, 10, 5, 6, "Kim"],
    ], merges=[Merge(0, 1, 1, 3), Merge(0, 3, 1, 5)])
    layout = detect_layout(grid)
    assert layout.header_rows == (0, 1)
    assert (layout.columns[Column.START], layout.columns[Column.TARGET]) == (1, 2)
    assert layout.columns[Column.OWNER] == 5


@pytest.mark.parametrize(("headers", "named"), [
    (["KR", "Goal", "Start", "Target", "Q1"], "B 'Goal', D 'Target'"),
    (["KR", "Start", "Target", "Q1", "Status", "상태"], "E 'Status', F '상태'"),
])
def test_two_columns_read_as_one_value_column_is_an_error(headers, named):
    with pytest.raises(LayoutError, match=f"More than one column reads as .*: {named}"):
        detect_layout(Grid([headers]))


def test_two_department_columns_are_a_hierarchy_the_first_is_the_department():
    layout = detect_layout(Grid([["본부", "팀", "KR", "시작값", "목표값", "1Q"]]))
    assert layout.columns[Column.DEPARTMENT] == 0


@pytest.mark.parametrize(("title", "above", "year"), [
    ("2024 OKR", [], (2024, "the tab name '2024 OKR'")),
    ("OKR", [["2025 OKR 대시보드"]], (2025, "cell A1 '2025 OKR 대시보드'")),
    ("FY2026", [["FY2026 OKR"]], (2026, "the tab name 'FY2026'")),
    ("OKR", [], None),  # names no year
    ("2024 OKR", [["updated 2025-01-03"]], None),  # names two: none is trusted
    ("OKR 12345", [["20245 KRs"]], None),  # not years
])
def test_the_year_a_sheet_names_for_itself(title, above, year):
    grid = Grid([*above, ["KR", "Start", "Target", "Q1"]], title=title)
    assert sheet_year(grid, detect_layout(grid)) == year


def test_a_title_right_above_the_header_is_a_title_not_a_group_row():
    grid = Grid([["2024 OKR 대시보드"], EN_ROW])
    layout = detect_layout(grid)
    assert layout.header_rows == (1,) and layout.labels[:3] == ("KR", "Start", "Target")
    assert layout.language == "en"


EN_ROW = ["KR", "Start", "Target", "Q1", "Q2", "Q3", "Q4", "Status"]

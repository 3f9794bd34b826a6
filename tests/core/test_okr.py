from okrsync.core.grid import Grid, Merge
from okrsync.core.layout import detect_layout
from okrsync.core.okr import read_key_results

HEADER = ["부서", "목표", "Key Result", "담당자", "목표 시작값", "목표 목표값",
          "1Q", "2Q", "3Q", "4Q"]


def read(rows, merges=()):
    grid = Grid([HEADER, *rows], merges=list(merges))
    return read_key_results(grid, detect_layout(grid))


def test_merged_department_and_objective_are_inherited():
    krs = read(
        [
            ["CX실", "앱 경험", "만족도 4.5점", "김", "4.0점", "4.5점", "4.1점"],
            [None, None, "주문 3분", "이", "5분", "3분", "4.6분"],
            [None, "문의 해결", "자동화", "최", "0%", "100%", "20%"],
            [],
            ["결제실", None, "실패율 1%", "정", "2.5%", "1%"],
        ],
        merges=[Merge(1, 0, 4, 1), Merge(1, 1, 3, 2)],
    )
    assert [(kr.department, kr.objective, kr.text) for kr in krs] == [
        ("CX실", "앱 경험", "만족도 4.5점"),
        ("CX실", "앱 경험", "주문 3분"),
        ("CX실", "문의 해결", "자동화"),
        ("결제실", "", "실패율 1%"),  # a new department does not inherit the old objective
    ]
    assert [kr.sheet_row for kr in krs] == [2, 3, 4, 6]
    assert krs[0].unit == "점" and krs[2].unit == "%"


def test_values_latest_quarter_and_blank_markers():
    (kr,) = read([["D", "O", "KR", "", "1,000", "₩2,000", "1.2천", "-", "N/A"]])
    assert (kr.start, kr.target) == (1000.0, 2000.0)
    assert kr.quarters == {1: 1200.0, 2: None, 3: None, 4: None}
    assert kr.current == 1200.0 and kr.current_quarter == 1


def test_spacer_rows_notes_and_repeated_headers_are_not_krs():
    grid = Grid(
        [
            HEADER,
            ["D", "O", "KR one", "", 0, 10, 5],
            [None] * 10,
            ["※ 달성률 = (현재 − 시작) ÷ (목표 − 시작)"],
            [None, None, "* 참고: 3Q부터 기준 변경"],
            [None, None, "merged note across columns"],
            HEADER,
        ],
        merges=[Merge(5, 2, 6, 8)],
    )
    krs = read_key_results(grid, detect_layout(grid))
    assert [kr.text for kr in krs] == ["KR one"]


def test_unreadable_value_is_reported_with_its_cell_and_other_krs_go_on():
    krs = read([
        ["D", "O", "good", "", 0, 10, 5],
        ["D", "O", "bad", "", 0, "4.5점?", 5],
    ])
    assert krs[0].errors == []
    assert krs[1].errors == ["F3: '4.5점?' is not a number"]

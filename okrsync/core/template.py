"""An empty dashboard in the usual Korean layout, for `okrsync init` to lay out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    rows: tuple[tuple[str, ...], tuple[str, ...]]
    """Two header rows: groups on top, sub-headers below ("" where none)."""
    merges: tuple[tuple[int, int, int, int], ...]
    """(row0, col0, row1, col1), end-exclusive."""
    widths: tuple[int, ...]
    """Column widths in characters."""
    percent_columns: tuple[int, ...]

    @property
    def width(self) -> int:
        return len(self.rows[0])


_KO = (
    ("부서", "목표", "Key Result", "Key Result 설명", "Key Result 히스토리", "담당자",
     "목표", "", "분기별 데이터", "", "", "", "목표값 대비 달성률", "JIRA 연동", "JIRA 기준",
     "상태", "마지막 동기화"),
    ("", "", "", "", "", "", "시작값", "목표값", "1Q", "2Q", "3Q", "4Q", "", "", "", "", ""),
)
_EN = (
    ("Department", "Objective", "Key Result", "Description", "History", "Owner",
     "Baseline and target", "", "Quarterly actuals", "", "", "", "Achievement", "JIRA",
     "JIRA metric", "Status", "Last synced"),
    ("", "", "", "", "", "", "Start", "Target", "Q1", "Q2", "Q3", "Q4", "", "", "", "", ""),
)


def dashboard(lang: str = "ko") -> Template:
    rows = _KO if lang == "ko" else _EN
    singles = tuple((0, col, 2, col + 1) for col in (0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16))
    return Template(
        rows=rows,
        merges=((0, 6, 1, 8), (0, 8, 1, 12), *singles),
        widths=(12, 28, 36, 28, 24, 10, 10, 10, 9, 9, 9, 9, 14, 30, 14, 30, 18),
        percent_columns=(12,),
    )

"""What people do to a Google sheet while okrsync runs, done to the stand-in's model."""

from __future__ import annotations

from tests.standins.sheets import Sheet


def insert_row(sheet: Sheet, index: int) -> None:
    sheet.cells = {((r + 1 if r >= index else r), c): v for (r, c), v in sheet.cells.items()}


def delete_row(sheet: Sheet, index: int) -> None:
    sheet.cells = {((r - 1 if r > index else r), c): v for (r, c), v in sheet.cells.items()
                   if r != index}


def swap_columns(sheet: Sheet, first: int, second: int) -> None:
    def moved(c: int) -> int:
        return second if c == first else first if c == second else c

    sheet.cells = {(r, moved(c)): v for (r, c), v in sheet.cells.items()}


def type_value(sheet: Sheet, row: int, col: int, value: object) -> None:
    from tests.standins.sheets import entered

    sheet.set(row, col, entered(value))

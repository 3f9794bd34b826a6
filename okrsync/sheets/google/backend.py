"""One tab of a Google spreadsheet as the dashboard, through gspread's HTTP client.

Requests per pull, whatever the number of KRs:
1. `spreadsheets.get` with a field mask: every tab's id, title and size, and merges;
2. `spreadsheets.get` of the tab's grid: values, formulas, number formats, fills, data
   validation, and the tab's (and the log tab's) protected ranges (1 and 2 are one
   request when `[sheet] worksheet` names the tab and the change-log tab exists, i.e. on
   every pull after the first);
3. (only when there is something to write) `spreadsheets.get` of the KR column and the
   columns about to be written, to check that nobody moved a row or edited one of
   those cells while JIRA was being asked;
   (and, only when a strict rule lists words from a range, one `values.batchGet` of
   those words);
4. one `spreadsheets.batchUpdate` with every value, every color and the change log
   lines (split only where one request would pass Google's recommended 2 MB), leaving
   out the cells a protected range or a strict rule would make Google refuse it for
   (okrsync.sheets.google.locks).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from google.auth.credentials import Credentials
from gspread import Client
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL
from gspread.utils import absolute_range_name

from okrsync.core.grid import CellWrite, Grid, a1
from okrsync.core.template import Template
from okrsync.errors import SourceError
from okrsync.i18n import _, _s
from okrsync.net.deadline import Deadline
from okrsync.net.guard import refuse_plain_http
from okrsync.net.policy import RetryPolicy
from okrsync.sheets.base import (
    LOG_HEADER,
    LOG_TAB,
    PERCENT_FORMAT,
    LogRecord,
    SheetBackend,
    WriteReport,
)
from okrsync.sheets.google import cells
from okrsync.sheets.google.auth import account_of
from okrsync.sheets.google.cells import (
    batches,
    cell_data,
    color,
    column_letters,
    encode_body,
    grid_from_data,
    log_cell,
    notes_of,
)
from okrsync.sheets.google.http import GOOGLE_SHEETS, RoutedSession, SheetsHttp, google_policy
from okrsync.sheets.google.locks import Lock, judge, list_source, locks_of, strict_rules
from okrsync.sheets.refs import SpreadsheetRef

LOG_ROWS_PER_REQUEST = 500
"""Change-log rows per appendCells request: a pull's writes are split into batches
under MAX_REQUEST_BYTES between requests, never inside one."""

_CellItem = tuple[int, int, dict[str, Any], tuple[str, ...]]
"""A cell to write: its column, row, cell data and field mask."""

_CELL_FIELDS = (
    "userEnteredValue,effectiveValue,formattedValue,effectiveFormat.numberFormat,"
    "userEnteredFormat(backgroundColor,backgroundColorStyle,numberFormat)"
)
"""What a cell is read for; a read of the tab adds its validation rule (`_take_locks`),
the check before writing its note (only okrsync's own note is replaced)."""
_LOCK_FIELDS = ("protectedRanges(range,namedRangeId,description,warningOnly,"
                "requestingUserCanEdit,unprotectedRanges)")
"""How a team locks a tab down: read with its cells (and their dataValidation)."""
_STRUCTURE_FIELDS = (
    "spreadsheetId,properties.title,"
    "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),merges)"
)
_DATA_FIELDS = f"sheets(data(startRow,startColumn,rowData(values({_CELL_FIELDS},note))))"
_SHEET_FIELDS = (
    f"namedRanges(namedRangeId,range),sheets(properties(sheetId,title),{_LOCK_FIELDS},"
    f"data(startRow,startColumn,rowData(values({_CELL_FIELDS},dataValidation))))"
)
_COMBINED_FIELDS = (
    f"namedRanges(namedRangeId,range),sheets(properties(sheetId,title),merges,{_LOCK_FIELDS},"
    f"data(startRow,startColumn,rowData(values({_CELL_FIELDS},dataValidation))))"
)


class GoogleSheet(SheetBackend):
    """One tab of a Google spreadsheet."""

    def __init__(
        self,
        ref: SpreadsheetRef,
        worksheet: str | None,
        credentials: Credentials,
        *,
        endpoint: str = GOOGLE_SHEETS,
        timeout: float = 60.0,
        max_retry_seconds: float = 120.0,
        allow_http: bool = False,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        refuse_plain_http(endpoint, "[google] api_endpoint", allow_http,
                          "the Google access token")
        self.ref = ref
        self.worksheet = worksheet
        self.account = account_of(credentials)
        self.endpoint = endpoint.rstrip("/")
        session = RoutedSession(credentials, endpoint, timeout=timeout, deadline=deadline)
        self.client = Client(None, session=session)  # type: ignore[arg-type]
        self.client.http_client.set_timeout(timeout)
        self.max_retry_seconds = max_retry_seconds
        self.http = SheetsHttp(ref, endpoint, self.account,
                               policy or google_policy(max_retry_seconds), timeout=timeout,
                               sleep=sleep, clock=clock, deadline=deadline)
        self._sheet_id: int | None = None
        self._title: str | None = None
        self._log_sheet_id: int | None = None
        self._sheet_ids: set[int] = set()
        self._grid: Grid | None = None
        self._header_rows: tuple[int, ...] = ()
        self._locks: list[Lock] = []
        """Protected ranges of the tab that okrsync's account may not edit."""
        self._log_locks: list[Lock] = []
        self._rules: dict[tuple[int, int], dict[str, Any]] = {}
        """Strict data validation rules of the tab's cells."""
        self._notes: dict[tuple[int, int], str] = {}
        """The notes of the cells about to be written, as read just before writing."""

    @property
    def name(self) -> str:
        tab = self._title or self.worksheet
        return _("Google spreadsheet {id}").format(id=self.ref.id) + (f" [{tab}]" if tab else "")

    # -- reading

    def read(self, *, for_writing: bool = True) -> Grid:
        if self.worksheet is not None and (grid := self._read_with_log()) is not None:
            return grid
        http = self.client.http_client
        meta = self.http.call("reading the spreadsheet's tabs", lambda: http.fetch_sheet_metadata(
            self.ref.id, params={"fields": _STRUCTURE_FIELDS}))
        sheets = meta.get("sheets") or []
        self._sheet_ids = {s["properties"].get("sheetId", 0) for s in sheets}
        chosen = self._choose(sheets)
        props = chosen["properties"]
        self._sheet_id, self._title = props.get("sheetId", 0), props["title"]
        self._log_sheet_id = next(
            (s["properties"].get("sheetId", 0) for s in sheets
             if s["properties"]["title"] == LOG_TAB), None)
        ranges = [absolute_range_name(props["title"])]
        if self._log_sheet_id is not None:  # its protection, in the same request
            ranges.append(absolute_range_name(LOG_TAB, "A1"))
        data = self.http.call("reading the sheet", lambda: http.fetch_sheet_metadata(
            self.ref.id, params={"ranges": ranges, "fields": _SHEET_FIELDS}))
        found = {s["properties"]["title"]: s for s in data.get("sheets") or []}
        main = found.get(props["title"]) or {}
        self._take_locks(main, found.get(LOG_TAB), data.get("namedRanges") or [])
        self._grid = grid_from_data(main.get("data") or [], chosen.get("merges") or [],
                                    props["title"])
        return self._grid

    def _take_locks(self, main: Mapping[str, Any], log: Mapping[str, Any] | None,
                    named: Sequence[Mapping[str, Any]]) -> None:
        """Note the protected ranges that lock okrsync out and the strict validation
        rules, as read with the tab."""
        ranges = {str(n.get("namedRangeId")): n.get("range") or {} for n in named}
        self._locks = locks_of(main.get("protectedRanges") or [], ranges)
        self._log_locks = locks_of((log or {}).get("protectedRanges") or [], ranges)
        self._rules = strict_rules(main.get("data") or [])

    def _read_with_log(self) -> Grid | None:
        """One request instead of two when the tab's title is known and the change-log
        tab exists (every pull after the first): the tab's cells, merges and id, and the
        log tab's id. None when either range does not parse (the longer way explains)."""
        assert self.worksheet is not None
        http = self.client.http_client
        ranges = [absolute_range_name(self.worksheet), absolute_range_name(LOG_TAB, "A1")]
        try:
            data = self.http.call("reading the sheet", lambda: http.fetch_sheet_metadata(
                self.ref.id, params={"ranges": ranges, "fields": _COMBINED_FIELDS}),
                bad_request_raises=True)
        except APIError:
            return None
        found = {s["properties"]["title"]: s for s in data.get("sheets") or []}
        main, log = found.get(self.worksheet), found.get(LOG_TAB)
        if main is None or log is None:
            return None
        self._sheet_id, self._title = main["properties"].get("sheetId", 0), self.worksheet
        self._log_sheet_id = log["properties"].get("sheetId", 0)
        self._take_locks(main, log, data.get("namedRanges") or [])
        self._grid = grid_from_data(main.get("data") or [], main.get("merges") or [],
                                    self.worksheet or "")
        return self._grid

    def _choose(self, sheets: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        titles = [s["properties"]["title"] for s in sheets if s["properties"]["title"] != LOG_TAB]
        if self.worksheet is not None:
            for sheet in sheets:
                if sheet["properties"]["title"] == self.worksheet:
                    return sheet
            raise SourceError(_("spreadsheet {id} has no tab {tab}; its tabs are: {tabs}").format(
                id=self.ref.id, tab=repr(self.worksheet), tabs=", ".join(repr(t) for t in titles)))
        if self.ref.gid is not None:
            for sheet in sheets:
                if sheet["properties"].get("sheetId", 0) == self.ref.gid:
                    return sheet
            raise SourceError(_(
                "spreadsheet {id} has no tab with gid={gid} (from the URL); its tabs are: "
                "{tabs}").format(id=self.ref.id, gid=self.ref.gid,
                                 tabs=", ".join(repr(t) for t in titles)))
        for sheet in sheets:
            if sheet["properties"]["title"] != LOG_TAB:
                return sheet
        raise SourceError(_("spreadsheet {id} has no tab").format(id=self.ref.id))

    # -- laying out a new dashboard

    def create_tab(self, title: str, template: Template) -> None:
        """The former name of create_dashboard."""
        self.create_dashboard(title, template)

    def create_dashboard(self, title: str, template: Template, *, replace: bool = False
                         ) -> None:
        """Add a tab with an empty dashboard: headers, merges, widths, frozen header. An
        existing tab is never replaced (`replace` is for workbook files)."""
        http = self.client.http_client
        meta = self.http.call("reading the spreadsheet's tabs", lambda: http.fetch_sheet_metadata(
            self.ref.id, params={"fields": _STRUCTURE_FIELDS}))
        sheets = meta.get("sheets") or []
        if any(s["properties"]["title"] == title for s in sheets):
            raise SourceError(_("spreadsheet {id} already has a tab {tab}; choose another "
                                "--worksheet").format(id=self.ref.id, tab=repr(title)))
        taken = {s["properties"].get("sheetId", 0) for s in sheets}
        new_id = next(i for i in iter(lambda: random.randint(1_000_000, 2_000_000_000), None)  # noqa: S311
                      if i not in taken)
        header_format = {"textFormat": {"bold": True},
                         "backgroundColorStyle": {"rgbColor": color("D9D9D9")},
                         "horizontalAlignment": "CENTER", "verticalAlignment": "MIDDLE",
                         "wrapStrategy": "WRAP"}
        rows = [{"values": [({"userEnteredValue": {"stringValue": text}} if text else {})
                            | {"userEnteredFormat": header_format} for text in row]}
                for row in template.rows]
        requests_: list[dict[str, Any]] = [
            {"addSheet": {"properties": {"sheetId": new_id, "title": title, "gridProperties": {
                "frozenRowCount": len(template.rows), "frozenColumnCount": 3}}}},
            {"updateCells": {"range": {"sheetId": new_id, "startRowIndex": 0,
                                       "endRowIndex": len(rows), "startColumnIndex": 0,
                                       "endColumnIndex": template.width},
                             "rows": rows,
                             "fields": "userEnteredValue,userEnteredFormat.textFormat.bold,"
                                       "userEnteredFormat.backgroundColorStyle,"
                                       "userEnteredFormat.horizontalAlignment,"
                                       "userEnteredFormat.verticalAlignment,"
                                       "userEnteredFormat.wrapStrategy"}},
        ]
        requests_ += [{"mergeCells": {"mergeType": "MERGE_ALL", "range": {
            "sheetId": new_id, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0,
            "endColumnIndex": c1}}} for r0, c0, r1, c1 in template.merges]
        requests_ += [{"updateDimensionProperties": {
            "range": {"sheetId": new_id, "dimension": "COLUMNS", "startIndex": c,
                      "endIndex": c + 1},
            "properties": {"pixelSize": width * 7 + 10}, "fields": "pixelSize"}}
            for c, width in enumerate(template.widths)]
        requests_ += [{"repeatCell": {
            "range": {"sheetId": new_id, "startRowIndex": len(template.rows),
                      "endRowIndex": 1000, "startColumnIndex": c, "endColumnIndex": c + 1},
            "cell": {"userEnteredFormat": {"numberFormat": {"type": "PERCENT",
                                                            "pattern": PERCENT_FORMAT}}},
            "fields": "userEnteredFormat.numberFormat"}} for c in template.percent_columns]
        body = {"requests": requests_}
        self.http.call("creating the dashboard tab",
                   functools.partial(http.batch_update, self.ref.id, body))

    # -- writing

    def _verify(self, writes: Sequence[CellWrite]) -> WriteReport:
        """Re-read the KR column and the written columns; skip what moved or changed."""
        assert self._grid is not None and self._title is not None
        columns = sorted({w.col for w in writes} | {w.anchor[0] for w in writes if w.anchor})
        ranges = [absolute_range_name(self._title, f"{column_letters(c)}:{column_letters(c)}")
                  for c in columns]
        http = self.client.http_client
        data = self.http.call(
            "checking the sheet before writing", lambda: http.fetch_sheet_metadata(
                self.ref.id, params={"ranges": ranges, "fields": _DATA_FIELDS}))
        blocks = [block for sheet in data.get("sheets") or [] for block in sheet.get("data") or []]
        now = grid_from_data(blocks, [])
        self._notes = notes_of(blocks)  # as they are now: only okrsync's are replaced
        report = WriteReport()
        moved = [c for c in columns if any(now.text(r, c) != self._grid.text(r, c)
                                           for r in self._header_rows)]
        if moved:
            names = ", ".join(column_letters(c) for c in moved)
            for write in writes:
                report.skipped[(write.row, write.col)] = _s(
                    "not written: the header of column {columns} changed during the pull (a "
                    "column was moved, inserted or deleted); run again").format(columns=names)
            return report
        for write in writes:
            if write.anchor is not None:
                col, text = write.anchor
                found = now.text(write.row, col)
                if found != text:
                    if found:
                        problem = _s(
                            "not written: row {row} held {text} when read and now holds {found} "
                            "(a row was inserted, deleted or moved during the pull); run again")
                    else:
                        problem = _s(
                            "not written: row {row} held {text} when read and is now empty (a "
                            "row was inserted, deleted or moved during the pull); run again")
                    report.skipped[(write.row, write.col)] = problem.format(
                        row=write.row + 1, text=repr(text), found=repr(found))
                    continue
            if write.set_value and now.get(write.row, write.col) != self._grid.get(
                write.row, write.col
            ):
                report.skipped[(write.row, write.col)] = _s(
                    "not written: {cell} was changed by someone during the pull; their value is "
                    "kept").format(cell=a1(write.row, write.col))
        return report

    def write(self, writes: Sequence[CellWrite], log: Sequence[LogRecord],
              header_rows: Sequence[int] = ()) -> WriteReport:
        if self._grid is None or self._sheet_id is None:
            raise RuntimeError("read() must come before write()")
        self._header_rows = tuple(header_rows)
        report = self._verify(writes) if writes else WriteReport()
        kept = [w for w in writes if (w.row, w.col) not in report.skipped]
        listed = self._lists([w for w in kept if w.set_value])
        for write in kept:
            if (why := self._locked_out(write, listed)) is not None:
                report.skipped[(write.row, write.col)] = why
        kept = [w for w in kept if (w.row, w.col) not in report.skipped]
        if log and self._log_locked():
            raise SourceError(_(
                "the okrsync log tab of {sheet} is protected, and okrsync's account "
                "({account}) may not add to it; nothing was written (okrsync writes nothing "
                "it cannot log). Give the account edit access to the okrsync log tab, or "
                "remove its protection.").format(sheet=self.name, account=self.account))
        if writes and not kept:  # every cell refused: nothing is written, no log line
            return report
        skipped_cells = {a1(r, c) for r, c in report.skipped}
        lines = [record for record in log if record.cell not in skipped_cells]
        new_tab = bool(lines) and self._log_sheet_id is None
        if new_tab:
            self._log_sheet_id = self._new_sheet_id()
        logged = [(line.cell, {"values": [log_cell(v) for v in line.as_row()]})
                  for line in lines]
        try:
            for body in self._bodies(self._cell_items(kept), logged, new_tab):
                self.http.call("writing to the sheet",
                               functools.partial(self._batch_update, body), idempotent=False)
                new_tab = False
        except BaseException:
            if new_tab:  # the log tab was never made
                self._log_sheet_id = None
            raise
        return report

    def _bodies(self, items: Sequence[_CellItem], logged: Sequence[tuple[str, dict[str, Any]]],
                new_tab: bool) -> list[bytes]:
        """The batchUpdate bodies that write the cells (`_cell_items`) and append the log
        rows, each with the cell it names: usually one. Google applies a batch whole or not
        at all, so a write too big for one is split between rows, in the order of the
        rows, and each batch carries the log rows of its own cells; the log rows that name
        no cell written (the Andon alarms) come last, as in one batch. Should a later batch
        fail, every cell written is logged and nothing unwritten is. A new log tab and its
        header row open the first batch."""
        head = self._log_requests([], new_tab)
        rows_of = {a1(item[1], item[0]): item[1] for item in items}
        whole = list(batches(head + self._cell_requests(items)
                             + self._log_requests([row for _, row in logged])))
        if len(whole) <= 1 or len(set(rows_of.values())) <= 1:
            return whole
        groups: dict[int, tuple[list[_CellItem], list[dict[str, Any]]]] = {}
        for item in items:
            groups.setdefault(item[1], ([], []))[0].append(item)
        unwritten: list[dict[str, Any]] = []
        for cell, row in logged:
            (groups[rows_of[cell]][1] if cell in rows_of else unwritten).append(row)
        ordered = [groups[row] for row in sorted(groups)] + [([], unwritten)]

        bodies: list[bytes] = []
        part_items: list[_CellItem] = []
        part_rows: list[dict[str, Any]] = []
        size = sum(len(encode_body(request)) + 1 for request in head)

        def overhead(log_rows: int) -> int:  # the envelope, and each appendCells' own
            return 16 + 120 * (log_rows // LOG_ROWS_PER_REQUEST + 1)

        for cells_, log_rows in ordered:
            if not cells_ and not log_rows:
                continue
            grows = sum(len(encode_body(request)) + 1
                        for request in self._cell_requests(cells_)) + sum(
                len(encode_body(row)) + 1 for row in log_rows)
            if (part_items or part_rows) and size + grows + overhead(
                    len(part_rows) + len(log_rows)) > cells.MAX_REQUEST_BYTES:
                bodies.extend(self._packed(head, part_items, part_rows))
                head, part_items, part_rows, size = [], [], [], 0
            part_items += cells_
            part_rows += log_rows
            size += grows
        bodies.extend(self._packed(head, part_items, part_rows))
        return bodies

    def _packed(self, head: list[dict[str, Any]], items: list[_CellItem],
                rows: list[dict[str, Any]]) -> list[bytes]:
        """One body (as sized by `_bodies`): its cells, merged as `_cell_requests` merges
        them, then its log rows."""
        items.sort(key=lambda item: (item[0], item[3], item[1]))
        return list(batches(head + self._cell_requests(items) + self._log_requests(rows)))

    def _batch_update(self, body: bytes) -> Any:
        """gspread's `batch_update`, sent as the very bytes `batches` sized; Google's answer
        is read as gspread reads it: a 2xx that is not Google's JSON (a proxy's login page,
        an empty answer) is no proof the write was applied."""
        return self.client.http_client.request(
            "post", SPREADSHEET_BATCH_UPDATE_URL % self.ref.id, data=body,
            headers={"Content-Type": "application/json"}).json()

    def _log_locked(self) -> bool:
        """Whether appending to the log tab would touch a range locking okrsync out (a
        lock on its header row alone does not)."""
        return any(lock.rect.row1 is None or lock.rect.row1 > 1 for lock in self._log_locks)

    def _column(self, col: int) -> str:
        """A column as its header names it (the lowest header row that does)."""
        assert self._grid is not None
        names = [t for row in self._header_rows if (t := self._grid.text(row, col))]
        return names[-1] if names else column_letters(col)

    def _locked_out(self, write: CellWrite, listed: Mapping[str, Grid]) -> str | None:
        """Why a cell must not be sent (a protected range, a strict rule its value
        breaks), in the sheet's language; None when it may."""
        assert self._grid is not None
        cell = (write.row, write.col)
        where = f"{a1(*cell)} ({self._column(write.col)})"
        for lock in self._locks:
            if cell in lock:
                about = f" ({lock.description})" if lock.description else ""
                return _s("not written: {cell} is in a protected range{about} that okrsync's "
                          "account ({account}) may not edit; give it edit access there, or "
                          "remove the protection").format(cell=where, about=about,
                                                          account=self.account)
        rule = self._rules.get(cell)
        if rule is None or not write.set_value:
            return None
        entered = cell_data(write, cell in self._grid.percent)[0].get("userEnteredValue", {})
        verdict = judge(rule, entered, listed)
        if verdict.takes:
            return None
        value = repr(write.value) if write.value is not None else ""
        if verdict.takes is False and verdict.allowed:
            return _s("not written: {cell} accepts only {allowed} (a data validation rule "
                      "that rejects anything else), not {value}").format(
                cell=where, allowed=", ".join(verdict.allowed), value=value)
        if verdict.takes is False:
            return _s("not written: {cell} has a data validation rule ({rule}) that rejects "
                      "{value}").format(cell=where, rule=verdict.kind, value=value)
        return _s("not written: {cell} has a data validation rule ({rule}) that rejects "
                  "other input, which okrsync cannot check; make the rule show a warning "
                  "instead, or clear it").format(cell=where, rule=verdict.kind)

    def _lists(self, writes: Sequence[CellWrite]) -> dict[str, Grid]:
        """The words of the list rules taken from a range, for the cells about to be
        written (one request, only when there are such rules)."""
        sources = sorted({source for w in writes
                          if (rule := self._rules.get((w.row, w.col))) is not None
                          and (source := list_source(rule)) is not None})
        if not sources:
            return {}
        http = self.client.http_client
        assert self._title is not None
        ranges = [source if "!" in source else absolute_range_name(self._title, source)
                  for source in sources]  # a range without a tab is on the rule's own tab
        try:
            answer = self.http.call("checking the sheet before writing", lambda:
                                    http.values_batch_get(self.ref.id, ranges),
                                    bad_request_raises=True)
        except APIError:  # a range that does not parse: such rules cannot be judged
            return {}
        found = answer.get("valueRanges") or []
        return {source: Grid(entry.get("values") or [])
                for source, entry in zip(sources, found, strict=False)}

    def _cell_items(self, writes: Sequence[CellWrite]) -> list[_CellItem]:
        """Each write as (column, row, its cell data, its field mask), in the order
        `_cell_requests` merges them."""
        assert self._grid is not None
        return sorted(
            ((w.col, w.row, *cell_data(w, (w.row, w.col) in self._grid.percent,
                                       self._notes.get((w.row, w.col))))
             for w in writes),
            key=lambda item: (item[0], item[3], item[1]),
        )

    def _cell_requests(self, prepared: Sequence[_CellItem]) -> list[dict[str, Any]]:
        """updateCells requests: one per run of adjacent rows in a column with one mask."""
        result: list[dict[str, Any]] = []
        run: list[_CellItem] = []

        def flush() -> None:
            if not run:
                return
            col, first = run[0][0], run[0][1]
            result.append({"updateCells": {
                "range": {"sheetId": self._sheet_id, "startRowIndex": first,
                          "endRowIndex": first + len(run), "startColumnIndex": col,
                          "endColumnIndex": col + 1},
                "rows": [{"values": [data]} for _, _, data, _ in run],
                "fields": ",".join(run[0][3]),
            }})
            run.clear()

        for item in prepared:
            if run and (item[0] != run[-1][0] or item[3] != run[-1][3]
                        or item[1] != run[-1][1] + 1):
                flush()
            run.append(item)
        flush()
        return result

    def _new_sheet_id(self) -> int:
        new_id = random.randint(1_000_000, 2_000_000_000)  # noqa: S311
        while new_id in self._sheet_ids:
            new_id = random.randint(1_000_000, 2_000_000_000)  # noqa: S311
        return new_id

    def _log_requests(self, rows: Sequence[dict[str, Any]], new_tab: bool = False
                      ) -> list[dict[str, Any]]:
        """Requests appending `rows` to the log tab (`_log_sheet_id`); with `new_tab`,
        making the tab first, with its header row."""
        if not rows and not new_tab:
            return []
        requests_: list[dict[str, Any]] = []
        rows = list(rows)
        if new_tab:
            requests_.append({"addSheet": {"properties": {
                "sheetId": self._log_sheet_id, "title": LOG_TAB,
                "gridProperties": {"frozenRowCount": 1}}}})
            rows.insert(0, {"values": [log_cell(v) for v in LOG_HEADER]})
        requests_ += [{"appendCells": {"sheetId": self._log_sheet_id,
                                       "rows": rows[start:start + LOG_ROWS_PER_REQUEST],
                                       "fields": "userEnteredValue"}}
                      for start in range(0, len(rows), LOG_ROWS_PER_REQUEST)]
        return requests_

    def close(self) -> None:
        self.client.http_client.session.close()

    def read_log(self) -> list[LogRecord]:
        http = self.client.http_client
        if self._sheet_id is None:
            self.read()
        if self._log_sheet_id is None:
            return []
        answer = self.http.call("reading the change log", lambda: http.values_batch_get(
            self.ref.id, [absolute_range_name(LOG_TAB)],
            params={"valueRenderOption": "UNFORMATTED_VALUE"}))
        values = (answer.get("valueRanges") or [{}])[0].get("values") or []
        return [record for row in values[1:]
                if (record := LogRecord.from_cells(row)) is not None]

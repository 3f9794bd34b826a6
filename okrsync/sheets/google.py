"""A Google spreadsheet as the dashboard, through gspread's HTTP client and google-auth.

Requests per pull, whatever the number of KRs:
1. `spreadsheets.get` with a field mask: every tab's id, title and size, and merges;
2. `spreadsheets.get` of the tab's grid: values, formulas, number formats, fills
   (1 and 2 are one request when `[sheet] worksheet` names the tab and the change-log
   tab exists, i.e. on every pull after the first);
3. (only when there is something to write) `spreadsheets.get` of the KR column and the
   columns about to be written, to check that nobody moved a row or edited one of
   those cells while JIRA was being asked;
4. one `spreadsheets.batchUpdate` with every value, every color and the change log
   lines (split only where one request would pass Google's recommended 2 MB).

How cells are read: a number is taken from the cell's effective (unformatted) value,
so a rounded display never loses precision; a cell whose number format is a
percentage is scaled to its displayed value (0.2 shown as 20% reads as 20); dates and
errors are read as they are displayed; text as typed.
"""

from __future__ import annotations

import functools
import json
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession
from gspread import Client
from gspread.exceptions import APIError
from gspread.utils import absolute_range_name, rowcol_to_a1

from okrsync.core.grid import CellWrite, Grid, Merge, ValueKind, a1
from okrsync.core.template import Template
from okrsync.core.values import CellValue
from okrsync.errors import ConfigError, SourceError, warn_if_readable_by_others
from okrsync.sheets.base import LOG_HEADER, LOG_TAB, LogRecord, SheetBackend, WriteReport
from okrsync.sheets.refs import SpreadsheetRef

GOOGLE_SHEETS = "https://sheets.googleapis.com"
SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
MAX_REQUEST_BYTES = 1_900_000
"""Google recommends at most 2 MB per request; stay under it with a margin."""

_CELL_FIELDS = (
    "userEnteredValue,effectiveValue,formattedValue,effectiveFormat.numberFormat,"
    "userEnteredFormat(backgroundColor,backgroundColorStyle,numberFormat)"
)
_STRUCTURE_FIELDS = (
    "spreadsheetId,properties.title,"
    "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),merges)"
)
_DATA_FIELDS = f"sheets(data(startRow,startColumn,rowData(values({_CELL_FIELDS}))))"
_COMBINED_FIELDS = (
    "sheets(properties(sheetId,title),merges,"
    f"data(startRow,startColumn,rowData(values({_CELL_FIELDS}))))"
)

T = TypeVar("T")
BACKOFF_START = 1.0
"""Seconds before the first retry; doubled each time, up to 64."""


class RoutedSession(AuthorizedSession):
    """An authorized session that sends Sheets API requests to another base URL."""

    def __init__(self, credentials: Credentials, endpoint: str) -> None:
        super().__init__(credentials)
        self.endpoint = endpoint.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if url.startswith(GOOGLE_SHEETS) and self.endpoint != GOOGLE_SHEETS:
            url = self.endpoint + url[len(GOOGLE_SHEETS):]
        return super().request(method, url, *args, **kwargs)


# ---------------------------------------------------------------- credentials


def load_credentials(setting: str, base: Path, oauth_client: Path | None) -> Credentials:
    """`[google] credentials`: a service-account key file, `oauth` or `adc`."""
    if setting == "adc":
        import google.auth

        try:
            credentials, _ = google.auth.default(scopes=SCOPES)
        except GoogleAuthError as error:
            raise SourceError(
                "no Application Default Credentials found: run `gcloud auth "
                "application-default login`, or set [google] credentials to a "
                f"service-account key file ({error.__class__.__name__})"
            ) from None
        return credentials
    if setting == "oauth":
        return _oauth_credentials(oauth_client)
    path = Path(setting).expanduser()
    path = path if path.is_absolute() else base / path
    return service_account_credentials(path)


def service_account_credentials(path: Path) -> Credentials:
    from google.oauth2 import service_account

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        warn_if_readable_by_others(path, "the service-account key")
    except FileNotFoundError:
        raise SourceError(f"[google] credentials: key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise SourceError(
            f"[google] credentials: {path} is not a JSON key file (download one from "
            "Google Cloud → IAM → Service accounts → Keys)"
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise SourceError(
            f"[google] credentials: {path} is not a service-account key "
            "(its \"type\" is not \"service_account\")"
        )
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    except (ValueError, KeyError) as error:
        field = str(error).split(":")[0]
        raise SourceError(
            f"[google] credentials: the key file {path} is incomplete or damaged ({field})"
        ) from None


def token_cache() -> Path:
    import typer

    return Path(typer.get_app_dir("okrsync")) / "google-token.json"


def _oauth_credentials(client_file: Path | None) -> Credentials:
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials as UserCredentials

    cache = token_cache()
    if cache.exists():
        credentials = UserCredentials.from_authorized_user_file(str(cache), SCOPES)
        if credentials.valid:
            return credentials
        if credentials.refresh_token:
            try:
                credentials.refresh(Request())
            except RefreshError:
                pass
            else:
                _save_token(cache, credentials.to_json())
                return credentials
    if not sys.stdin.isatty():
        raise SourceError(
            "Google sign-in is needed, but this run has no terminal to ask on (cron?). "
            "Run `okrsync check` once in a terminal to sign in; the token is then kept in "
            f"{cache} and reused"
        )
    if client_file is None:
        raise ConfigError(
            "[google] oauth_client: set it to the OAuth client file (client_secret_….json) "
            "from Google Cloud → APIs & Services → Credentials"
        )
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_file), SCOPES)
    credentials = flow.run_local_server(port=0, open_browser=True)
    _save_token(cache, credentials.to_json())
    return credentials


def _save_token(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")


def account_of(credentials: Credentials) -> str | None:
    """The account that must be given access to the sheet, when known."""
    email = getattr(credentials, "service_account_email", None)
    return str(email) if email else None


# ---------------------------------------------------------------- cells


def _rgb(color: Mapping[str, float] | None) -> str | None:
    if color is None:
        return None
    return "".join(f"{round(float(color.get(c, 0)) * 255):02X}" for c in ("red", "green", "blue"))


def _color(hex_rgb: str) -> dict[str, float]:
    return {name: round(int(hex_rgb[i:i + 2], 16) / 255, 4) for name, i in
            (("red", 0), ("green", 2), ("blue", 4))}


def _is_percent(cell: Mapping[str, Any]) -> bool:
    number_format = (cell.get("effectiveFormat") or {}).get("numberFormat") or (
        cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    return number_format.get("type") == "PERCENT" or "%" in number_format.get("pattern", "")


def _cell_value(cell: Mapping[str, Any]) -> CellValue:
    effective = cell.get("effectiveValue") or {}
    number_format = ((cell.get("effectiveFormat") or {}).get("numberFormat") or {}).get("type")
    if "numberValue" in effective and number_format not in ("DATE", "TIME", "DATE_TIME"):
        number = float(effective["numberValue"])
        return round(number * 100, 10) if _is_percent(cell) else number
    if "stringValue" in effective:
        return str(effective["stringValue"])
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    shown = cell.get("formattedValue")
    return str(shown) if shown not in (None, "") else None


def _fill(cell: Mapping[str, Any]) -> str | None:
    fmt = cell.get("userEnteredFormat") or {}
    style = fmt.get("backgroundColorStyle")
    if style and "rgbColor" in style:
        return _rgb(style["rgbColor"])
    return _rgb(fmt.get("backgroundColor")) if "backgroundColor" in fmt else None


def grid_from_data(data: Sequence[Mapping[str, Any]], merges: Sequence[Mapping[str, Any]]) -> Grid:
    """A Grid from `GridData` blocks (trailing empty cells and rows may be missing)."""
    rows: dict[int, dict[int, CellValue]] = {}
    formulas: set[tuple[int, int]] = set()
    percent: set[tuple[int, int]] = set()
    fills: dict[tuple[int, int], str] = {}
    for block in data:
        top, left = block.get("startRow", 0), block.get("startColumn", 0)
        for r, row in enumerate(block.get("rowData") or [], start=top):
            for c, cell in enumerate(row.get("values") or [], start=left):
                if not cell:
                    continue
                rows.setdefault(r, {})[c] = _cell_value(cell)
                if "formulaValue" in (cell.get("userEnteredValue") or {}):
                    formulas.add((r, c))
                if _is_percent(cell):
                    percent.add((r, c))
                if (color := _fill(cell)) is not None:
                    fills[(r, c)] = color
    height = max(rows, default=-1) + 1
    values = []
    for r in range(height):
        cells = rows.get(r, {})
        values.append([cells.get(c) for c in range(max(cells, default=-1) + 1)])
    grid_merges = [
        Merge(m.get("startRowIndex", 0), m.get("startColumnIndex", 0), m["endRowIndex"],
              m["endColumnIndex"])
        for m in merges
    ]
    return Grid(values, grid_merges, frozenset(formulas), frozenset(percent), fills)


def _cell_data(write: CellWrite, is_percent: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
    """CellData for one write and the field mask it needs."""
    data: dict[str, Any] = {}
    fields: list[str] = []
    if write.set_value:
        fields.append("userEnteredValue")
        value = write.value
        if value is None:
            pass
        elif write.kind is ValueKind.TEXT or isinstance(value, str):
            # stringValue is never parsed: a leading "=" stays text, never a formula.
            data["userEnteredValue"] = {"stringValue": str(value)}
        elif write.kind is ValueKind.PERCENT:
            data["userEnteredValue"] = {"numberValue": value / 100}
            if not is_percent:
                data.setdefault("userEnteredFormat", {})["numberFormat"] = {
                    "type": "PERCENT", "pattern": "0.0%"}
                fields.append("userEnteredFormat.numberFormat")
        else:
            data["userEnteredValue"] = {"numberValue": value}
    if write.fill is not None:
        data.setdefault("userEnteredFormat", {})["backgroundColorStyle"] = {
            "rgbColor": _color(write.fill)}
        fields.append("userEnteredFormat.backgroundColorStyle")
    return data, tuple(fields)


def _log_cell(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"stringValue": str(value)}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def _chunks(requests_: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Batches of requests, each under MAX_REQUEST_BYTES once serialized."""
    batch: list[dict[str, Any]] = []
    size = 0
    for request in requests_:
        length = len(json.dumps(request, ensure_ascii=False).encode()) + 2
        if batch and size + length > MAX_REQUEST_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(request)
        size += length
    if batch:
        yield batch


# ---------------------------------------------------------------- the backend


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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ref = ref
        self.worksheet = worksheet
        self.account = account_of(credentials)
        self.endpoint = endpoint.rstrip("/")
        self.client = Client(None, session=RoutedSession(credentials, endpoint))  # type: ignore[arg-type]
        self.client.http_client.set_timeout(timeout)
        self.max_retry_seconds = max_retry_seconds
        self.sleep = sleep
        self._sheet_id: int | None = None
        self._title: str | None = None
        self._log_sheet_id: int | None = None
        self._sheet_ids: set[int] = set()
        self._grid: Grid | None = None
        self._header_rows: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        tab = self._title or self.worksheet
        return f"Google spreadsheet {self.ref.id}" + (f" [{tab}]" if tab else "")

    # -- talking to the API, with bounded retries and messages a PM understands

    def _call(self, what: str, send: Callable[[], T], *, idempotent: bool = True,
              bad_request_raises: bool = False) -> T:
        """Send one request, retrying what is safe to retry, for a bounded time.

        429 and 5xx answers mean the request was not applied: always retried. A broken
        connection or a timeout is retried only for reads: a write may have been applied
        before the connection broke, so it is reported instead (the next pull writes
        whatever is still missing).
        """
        deadline = time.monotonic() + self.max_retry_seconds
        delay = BACKOFF_START
        connection_attempts = 0
        while True:
            try:
                return send()
            except APIError as error:
                status = error.response.status_code
                retry_after = error.response.headers.get("Retry-After")
                if status in (429, 500, 502, 503, 504) or (
                    status == 403 and "rateLimitExceeded" in error.response.text
                ):
                    wait = float(retry_after) if retry_after and retry_after.isdigit() else delay
                    wait = min(wait, 64.0) * (0.75 + random.random() / 2)  # noqa: S311
                    if time.monotonic() + wait <= deadline:
                        self.sleep(wait)
                        delay = min(delay * 2, 64.0)
                        continue
                    if status == 429:
                        raise SourceError(
                            f"Google Sheets quota exceeded while {what}, still after "
                            f"{self.max_retry_seconds:.0f} s of retries. The quota is per "
                            "minute; run again in a few minutes."
                        ) from None
                    raise SourceError(
                        f"Google Sheets kept failing while {what} (HTTP {status}); "
                        "nothing was written. Try again later."
                    ) from None
                if bad_request_raises and status == 400:
                    raise
                raise self._explain(error, what) from None
            except RefreshError as error:
                raise SourceError(
                    f"Google rejected the credentials while {what}: {_first_line(error)}. "
                    "Check [google] credentials (a revoked or deleted key?)."
                ) from None
            except (requests.RequestException, TransportError) as error:
                if not idempotent:
                    raise SourceError(
                        f"the connection to Google Sheets broke while {what} "
                        f"({error.__class__.__name__}), so the write may or may not have "
                        "been applied. Run the pull again: it writes only what is still "
                        "missing."
                    ) from None
                connection_attempts += 1
                if connection_attempts < 3 and time.monotonic() + delay <= deadline:
                    self.sleep(delay)
                    delay = min(delay * 2, 64.0)
                    continue
                host = urlsplit(self.endpoint).netloc
                raise SourceError(
                    f"cannot reach Google Sheets at {host} while {what} "
                    f"({error.__class__.__name__}); nothing was written."
                ) from None

    def _explain(self, error: APIError, what: str) -> SourceError:
        status = error.response.status_code
        message = _api_message(error)
        if status == 403:
            who = (f"the service account {self.account}" if self.account
                   else "the Google account okrsync signs in with")
            return SourceError(
                f"no access to spreadsheet {self.ref.id}: share it with {who} as Editor "
                "(Share → add the address → Editor)."
            )
        if status == 404:
            return SourceError(
                f"spreadsheet {self.ref.id} not found: check [sheet] spreadsheet "
                "(the id is the part of the URL after /d/)."
            )
        if status == 401:
            return SourceError(f"Google rejected the credentials while {what}: {message}")
        return SourceError(f"Google Sheets refused {what} (HTTP {status}): {message}")

    # -- reading

    def read(self) -> Grid:
        if self.worksheet is not None and (grid := self._read_with_log()) is not None:
            return grid
        http = self.client.http_client
        meta = self._call("reading the spreadsheet's tabs", lambda: http.fetch_sheet_metadata(
            self.ref.id, params={"fields": _STRUCTURE_FIELDS}))
        sheets = meta.get("sheets") or []
        self._sheet_ids = {s["properties"].get("sheetId", 0) for s in sheets}
        chosen = self._choose(sheets)
        props = chosen["properties"]
        self._sheet_id, self._title = props.get("sheetId", 0), props["title"]
        self._log_sheet_id = next(
            (s["properties"].get("sheetId", 0) for s in sheets
             if s["properties"]["title"] == LOG_TAB), None)
        data = self._call("reading the sheet", lambda: http.fetch_sheet_metadata(
            self.ref.id,
            params={"ranges": absolute_range_name(props["title"]), "fields": _DATA_FIELDS}))
        blocks = [block for sheet in data.get("sheets") or [] for block in sheet.get("data") or []]
        self._grid = grid_from_data(blocks, chosen.get("merges") or [])
        return self._grid

    def _read_with_log(self) -> Grid | None:
        """One request instead of two when the tab's title is known and the change-log
        tab exists (every pull after the first): the tab's cells, merges and id, and the
        log tab's id. None when either range does not parse (the longer way explains)."""
        assert self.worksheet is not None
        http = self.client.http_client
        ranges = [absolute_range_name(self.worksheet), absolute_range_name(LOG_TAB, "A1")]
        try:
            data = self._call("reading the sheet", lambda: http.fetch_sheet_metadata(
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
        self._grid = grid_from_data(main.get("data") or [], main.get("merges") or [])
        return self._grid

    def _choose(self, sheets: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        titles = [s["properties"]["title"] for s in sheets if s["properties"]["title"] != LOG_TAB]
        if self.worksheet is not None:
            for sheet in sheets:
                if sheet["properties"]["title"] == self.worksheet:
                    return sheet
            raise SourceError(
                f"spreadsheet {self.ref.id} has no tab {self.worksheet!r}; its tabs are: "
                + ", ".join(repr(t) for t in titles)
            )
        if self.ref.gid is not None:
            for sheet in sheets:
                if sheet["properties"].get("sheetId", 0) == self.ref.gid:
                    return sheet
            raise SourceError(
                f"spreadsheet {self.ref.id} has no tab with gid={self.ref.gid} (from the URL); "
                "its tabs are: " + ", ".join(repr(t) for t in titles)
            )
        for sheet in sheets:
            if sheet["properties"]["title"] != LOG_TAB:
                return sheet
        raise SourceError(f"spreadsheet {self.ref.id} has no tab")

    # -- laying out a new dashboard

    def create_tab(self, title: str, template: Template) -> None:
        """Add a tab with an empty dashboard: headers, merges, widths, frozen header."""
        http = self.client.http_client
        meta = self._call("reading the spreadsheet's tabs", lambda: http.fetch_sheet_metadata(
            self.ref.id, params={"fields": _STRUCTURE_FIELDS}))
        sheets = meta.get("sheets") or []
        if any(s["properties"]["title"] == title for s in sheets):
            raise SourceError(f"spreadsheet {self.ref.id} already has a tab {title!r}; choose "
                              "another --worksheet")
        taken = {s["properties"].get("sheetId", 0) for s in sheets}
        new_id = next(i for i in iter(lambda: random.randint(1_000_000, 2_000_000_000), None)  # noqa: S311
                      if i not in taken)
        header_format = {"textFormat": {"bold": True},
                         "backgroundColorStyle": {"rgbColor": _color("D9D9D9")},
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
                                                            "pattern": "0%"}}},
            "fields": "userEnteredFormat.numberFormat"}} for c in template.percent_columns]
        body = {"requests": requests_}
        self._call("creating the dashboard tab",
                   functools.partial(http.batch_update, self.ref.id, body))

    # -- writing

    def _verify(self, writes: Sequence[CellWrite]) -> WriteReport:
        """Re-read the KR column and the written columns; skip what moved or changed."""
        assert self._grid is not None and self._title is not None
        columns = sorted({w.col for w in writes} | {w.anchor[0] for w in writes if w.anchor})
        ranges = [absolute_range_name(self._title, f"{_col(c)}:{_col(c)}") for c in columns]
        http = self.client.http_client
        data = self._call("checking the sheet before writing", lambda: http.fetch_sheet_metadata(
            self.ref.id, params={"ranges": ranges, "fields": _DATA_FIELDS}))
        blocks = [block for sheet in data.get("sheets") or [] for block in sheet.get("data") or []]
        now = grid_from_data(blocks, [])
        report = WriteReport()
        moved = [c for c in columns if any(now.text(r, c) != self._grid.text(r, c)
                                           for r in self._header_rows)]
        if moved:
            names = ", ".join(_col(c) for c in moved)
            for write in writes:
                report.skipped[(write.row, write.col)] = (
                    f"not written: the header of column {names} changed during the pull "
                    "(a column was moved, inserted or deleted); run again")
            return report
        for write in writes:
            if write.anchor is not None:
                col, text = write.anchor
                found = now.text(write.row, col)
                if found != text:
                    shown = f"now holds {found!r}" if found else "is now empty"
                    report.skipped[(write.row, write.col)] = (
                        f"not written: row {write.row + 1} held {text!r} when read and {shown} "
                        "(a row was inserted, deleted or moved during the pull); run again"
                    )
                    continue
            if write.set_value and now.get(write.row, write.col) != self._grid.get(
                write.row, write.col
            ):
                report.skipped[(write.row, write.col)] = (
                    f"not written: {a1(write.row, write.col)} was changed by someone during "
                    "the pull; their value is kept"
                )
        return report

    def write(self, writes: Sequence[CellWrite], log: Sequence[LogRecord],
              header_rows: Sequence[int] = ()) -> WriteReport:
        if self._grid is None or self._sheet_id is None:
            raise RuntimeError("read() must come before write()")
        self._header_rows = tuple(header_rows)
        report = self._verify(writes) if writes else WriteReport()
        kept = [w for w in writes if (w.row, w.col) not in report.skipped]
        skipped_cells = {a1(r, c) for r, c in report.skipped}
        lines = [record for record in log if record.cell not in skipped_cells]
        requests_ = self._cell_requests(kept) + self._log_requests(lines)
        http = self.client.http_client
        for batch in _chunks(requests_):
            body = {"requests": batch}
            self._call("writing to the sheet",
                       functools.partial(http.batch_update, self.ref.id, body), idempotent=False)
        return report

    def _cell_requests(self, writes: Sequence[CellWrite]) -> list[dict[str, Any]]:
        """updateCells requests: one per run of adjacent rows in a column with one mask."""
        assert self._grid is not None
        prepared = sorted(
            ((w.col, w.row, *_cell_data(w, (w.row, w.col) in self._grid.percent)) for w in writes),
            key=lambda item: (item[0], item[3], item[1]),
        )
        result: list[dict[str, Any]] = []
        run: list[tuple[int, int, dict[str, Any], tuple[str, ...]]] = []

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

    def _log_requests(self, lines: Sequence[LogRecord]) -> list[dict[str, Any]]:
        if not lines:
            return []
        requests_: list[dict[str, Any]] = []
        rows = [{"values": [_log_cell(v) for v in line.as_row()]} for line in lines]
        if self._log_sheet_id is None:
            new_id = random.randint(1_000_000, 2_000_000_000)  # noqa: S311
            while new_id in self._sheet_ids:
                new_id = random.randint(1_000_000, 2_000_000_000)  # noqa: S311
            requests_.append({"addSheet": {"properties": {
                "sheetId": new_id, "title": LOG_TAB,
                "gridProperties": {"frozenRowCount": 1}}}})
            rows.insert(0, {"values": [_log_cell(v) for v in LOG_HEADER]})
            self._log_sheet_id = new_id
        requests_.append({"appendCells": {"sheetId": self._log_sheet_id, "rows": rows,
                                          "fields": "userEnteredValue"}})
        return requests_

    def close(self) -> None:
        self.client.http_client.session.close()

    def read_log(self) -> list[LogRecord]:
        http = self.client.http_client
        if self._sheet_id is None:
            self.read()
        if self._log_sheet_id is None:
            return []
        answer = self._call("reading the change log", lambda: http.values_batch_get(
            self.ref.id, [absolute_range_name(LOG_TAB)],
            params={"valueRenderOption": "UNFORMATTED_VALUE"}))
        values = (answer.get("valueRanges") or [{}])[0].get("values") or []
        records = []
        for row in values[1:]:
            cells = list(row) + [None] * (len(LOG_HEADER) - len(row))
            if not cells[0]:
                continue
            records.append(LogRecord(
                str(cells[0]), str(cells[1] or ""), int(cells[2] or 0), str(cells[3] or ""),
                str(cells[4] or ""), str(cells[5] or ""), _log_value(cells[6]),
                _log_value(cells[7]), str(cells[8] or "")))
        return records


def _log_value(value: object) -> float | str | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return str(value)


def _col(index: int) -> str:
    return rowcol_to_a1(1, index + 1).rstrip("0123456789")


def _api_message(error: APIError) -> str:
    try:
        return str(error.response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return error.response.text[:200]


def _first_line(error: Exception) -> str:
    text = str(error.args[0]) if error.args else str(error)
    return text.splitlines()[0][:200]

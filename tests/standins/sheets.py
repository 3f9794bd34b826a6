"""A local stand-in for the Google Sheets API v4 and Google's OAuth token endpoint.

It behaves like the real service as described by Google's discovery document and the
traffic gspread recorded from the live API (tests/reference/, cut by its refresh.py):
- every request needs a Bearer token issued by its token endpoint, which runs the
  real JWT-bearer grant (signature checked against the service account's key);
- request bodies are validated against the discovery document's schemas: an unknown
  field or a wrong type is a 400, as the real API answers;
- spreadsheets.get honours `fields` masks and `ranges`, reports merges, and trims
  trailing empty cells and rows; values.batchGet answers `valueRanges`;
- spreadsheets.batchUpdate is atomic: one invalid request and nothing is applied;
- protected ranges (`protect`): spreadsheets.get lists them per sheet, each with
  `requestingUserCanEdit` for the account asking (and its `editors` only to those who may
  edit it); a batchUpdate touching a cell of one the account may not edit (values or
  formats; a warning-only range may be edited) fails as a whole with Google's 400 "You
  are trying to edit a protected cell or object…";
- data validation (`validate`): a cell's `dataValidation` is part of its CellData; a
  strict rule ("reject input") rejects a value that breaks it, failing the whole batch
  with a 400 naming the cell (the words Sheets shows a person), while a lenient rule
  takes any value;
- errors come in Google's shape: {"error": {"code", "message", "status"}}.
It counts requests and can inject latency, 429/5xx answers and edits made "by a
person" between two requests.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from google.auth import jwt

from .base import Fault, HttpError, Recorded, StandIn

__all__ = ["Fault", "Recorded", "SheetsStandIn", "entered"]

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
DISCOVERY = json.loads((REFERENCE / "sheets.v4.discovery.json").read_text(encoding="utf-8"))
SCHEMAS: dict[str, Any] = DISCOVERY["schemas"]
STANDARD_PARAMS = set(DISCOVERY.get("parameters", {}))

Cell = dict[str, Any]


def google_error(code: int, message: str, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


class ApiError(HttpError):
    """An error in Google's shape: {"error": {"code", "message", "status"}}."""

    def __init__(self, code: int, message: str, status: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(code, google_error(code, message, status), headers)


class OAuthError(HttpError):
    """The token endpoint's own error shape: {"error": ..., "error_description": ...}."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(400, {"error": error, "error_description": description})


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m[1].lower(), name)


def validate(value: Any, schema: dict[str, Any], path: str) -> None:
    """Check `value` against a discovery-document schema, as the real API does."""
    if "$ref" in schema:
        schema = SCHEMAS[schema["$ref"]]
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            raise ApiError(400, f"Invalid value at '{path}', expected an object",
                           "INVALID_ARGUMENT")
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            where = f"{path}.{_snake(key)}" if path else _snake(key)
            if properties is not None and key in properties:
                validate(item, properties[key], where)
            elif extra is not None:
                validate(item, extra, where)
            else:
                at = f" at '{path}'" if path else ""
                raise ApiError(400, f'Invalid JSON payload received. Unknown name "{key}"{at}: '
                               "Cannot find field.", "INVALID_ARGUMENT")
    elif kind == "array":
        if not isinstance(value, list):
            raise ApiError(400, f"Invalid value at '{path}', expected a list", "INVALID_ARGUMENT")
        for index, item in enumerate(value):
            validate(item, schema["items"], f"{path}[{index}]")
    elif kind == "string":
        ok = isinstance(value, str) or (schema.get("format") in ("int64", "uint64")
                                        and isinstance(value, int))
        if not ok:
            raise ApiError(400, f'Invalid value at \'{path}\' ({type(value).__name__}), '
                           f'"{value}"', "INVALID_ARGUMENT")
        if "enum" in schema and value not in schema["enum"]:
            raise ApiError(400, f"Invalid value at '{path}', \"{value}\"", "INVALID_ARGUMENT")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ApiError(400, f"Invalid value at '{path}', {value!r}", "INVALID_ARGUMENT")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ApiError(400, f"Invalid value at '{path}', {value!r}", "INVALID_ARGUMENT")
    elif kind == "boolean" and not isinstance(value, bool):
        raise ApiError(400, f"Invalid value at '{path}', {value!r}", "INVALID_ARGUMENT")


# ---------------------------------------------------------------- field masks


def parse_mask(text: str) -> dict[str, Any]:
    """`a.b,c(d,e(f))` → {"a": {"b": {}}, "c": {"d": {}, "e": {"f": {}}}}; {} = everything."""
    tree: dict[str, Any] = {}
    pos = 0

    def parse_list(node: dict[str, Any]) -> None:
        nonlocal pos
        while pos < len(text):
            start = pos
            while pos < len(text) and text[pos] not in ",()":
                pos += 1
            parts = text[start:pos].strip().split(".")
            target = node
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            leaf = target.setdefault(parts[-1], {}) if parts[-1] else target
            if pos < len(text) and text[pos] == "(":
                pos += 1
                parse_list(leaf)
                pos += 1  # ")"
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return

    parse_list(tree)
    return tree


def apply_mask(value: Any, mask: dict[str, Any]) -> Any:
    if not mask or value is None:
        return value
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, sub in mask.items():
        if key == "*":
            return value
        if key in value:
            result[key] = apply_mask(value[key], sub)
    return result


# ---------------------------------------------------------------- the model


def _display(cell: Cell) -> Cell:
    """Fill effectiveValue, formattedValue and effectiveFormat from what was entered."""
    entered = cell.get("userEnteredValue")
    result = {k: v for k, v in cell.items()
              if k not in ("effectiveValue", "formattedValue", "effectiveFormat")}
    if entered is None:
        return result
    effective = cell.get("effectiveValue", {}) if "formulaValue" in entered else dict(entered)
    fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat")
    if effective:
        result["effectiveValue"] = effective
        if "numberValue" in effective:
            number = effective["numberValue"]
            if fmt and fmt.get("type") == "PERCENT":
                decimals = fmt.get("pattern", "0%").split(".")[-1].count("0") if "." in fmt.get(
                    "pattern", "") else 0
                result["formattedValue"] = f"{number * 100:.{decimals}f}%"
            else:
                result["formattedValue"] = f"{number:g}" if number != int(number) else str(
                    int(number))
        elif "boolValue" in effective:
            result["formattedValue"] = "TRUE" if effective["boolValue"] else "FALSE"
        else:
            result["formattedValue"] = str(next(iter(effective.values())))
    if fmt:
        result["effectiveFormat"] = {"numberFormat": fmt}
    return result


@dataclass
class Sheet:
    sheet_id: int
    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    rows: int = 1000
    columns: int = 26
    frozen_rows: int = 0
    widths: dict[int, int] = field(default_factory=dict)
    protected: list[dict[str, Any]] = field(default_factory=list)
    """ProtectedRange objects as stored (`editors` kept, `requestingUserCanEdit` not: it
    depends on who asks)."""
    edited: dict[tuple[int, int], Cell | None] | None = None
    """While one request of a batchUpdate applies: each cell it set, as it was before."""

    def properties(self, index: int) -> dict[str, Any]:
        grid = {"rowCount": self.rows, "columnCount": self.columns}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        props: dict[str, Any] = {"title": self.title, "index": index, "sheetType": "GRID",
                                 "gridProperties": grid}
        if self.sheet_id:
            props["sheetId"] = self.sheet_id  # proto3: zero is omitted, as Google does
        return props

    def last_row(self) -> int:
        return max((r for (r, _), cell in self.cells.items() if cell), default=-1)

    def set(self, row: int, col: int, cell: Cell) -> None:
        if self.edited is not None and (row, col) not in self.edited:
            self.edited[(row, col)] = self.cells.get((row, col))
        if cell:
            self.cells[(row, col)] = _display(cell)
        else:
            self.cells.pop((row, col), None)
        self.rows = max(self.rows, row + 1)
        self.columns = max(self.columns, col + 1)


@dataclass
class Spreadsheet:
    id: str
    title: str
    sheets: list[Sheet]
    shared_with: set[str]

    def sheet(self, title: str | None = None, sheet_id: int | None = None) -> Sheet:
        for sheet in self.sheets:
            if (title is not None and sheet.title == title) or (
                    sheet_id is not None and sheet.sheet_id == sheet_id):
                return sheet
        raise ApiError(400, f"Unable to parse range: {title}" if title is not None
                       else f"No grid with id: {sheet_id}", "INVALID_ARGUMENT")


def _col_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def parse_range(book: Spreadsheet, text: str) -> tuple[Sheet, int, int, int | None, int | None]:
    """A1 range → (sheet, row0, col0, row1 or None, col1 or None), end-exclusive."""
    cell_pattern = r"[A-Z]+\d*(?::[A-Z]+\d*)?|\d+:\d+|[A-Z]+\d*:[A-Z]*\d*"
    if text.startswith("'"):
        end = text.find("'", 1)
        while end != -1 and text[end:end + 2] == "''":
            end = text.find("'", end + 2)
        if end == -1:
            raise ApiError(400, f"Unable to parse range: {text}", "INVALID_ARGUMENT")
        name: str | None = text[1:end].replace("''", "'")
        rest = text[end + 1:]
        if rest and not rest.startswith("!"):
            raise ApiError(400, f"Unable to parse range: {text}", "INVALID_ARGUMENT")
        cells = rest[1:]
    elif "!" in text:
        name, cells = text.rsplit("!", 1)
    elif re.fullmatch(cell_pattern, text):
        name, cells = None, text
    else:
        name, cells = text, ""
    if cells and not re.fullmatch(cell_pattern, cells):
        raise ApiError(400, f"Unable to parse range: {text}", "INVALID_ARGUMENT")
    sheet = book.sheets[0] if name is None else book.sheet(name)
    if not cells:
        return sheet, 0, 0, None, None
    parts = cells.split(":")

    def corner(part: str) -> tuple[int | None, int | None]:
        m = re.fullmatch(r"([A-Z]*)(\d*)", part)
        assert m
        return (int(m[2]) - 1 if m[2] else None), (_col_index(m[1]) if m[1] else None)

    r0, c0 = corner(parts[0])
    r1, c1 = corner(parts[-1])
    return (sheet, r0 or 0, c0 or 0, None if r1 is None else r1 + 1,
            None if c1 is None else c1 + 1)


def _grid_data(sheet: Sheet, r0: int, c0: int, r1: int | None, c1: int | None) -> dict[str, Any]:
    cells = {(r, c): cell for (r, c), cell in sheet.cells.items()
             if r >= r0 and c >= c0 and (r1 is None or r < r1) and (c1 is None or c < c1)}
    last_column: dict[int, int] = {}
    for r, c in cells:
        last_column[r] = max(c, last_column.get(r, c))
    rows = []
    for r in range(r0, max(last_column, default=r0 - 1) + 1):
        if r not in last_column:
            rows.append({})
            continue
        rows.append({"values": [copy.deepcopy(cells.get((r, c), {}))
                                for c in range(c0, last_column[r] + 1)]})
    data: dict[str, Any] = {"rowMetadata": [], "columnMetadata": []}
    if r0:
        data["startRow"] = r0
    if c0:
        data["startColumn"] = c0
    if rows:
        data["rowData"] = rows
    return data


def _merge_json(merge: tuple[int, int, int, int], sheet_id: int) -> dict[str, int]:
    r0, c0, r1, c1 = merge
    result = {"startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0,
              "endColumnIndex": c1}
    if sheet_id:
        result["sheetId"] = sheet_id
    return {k: v for k, v in result.items() if v or k.startswith("end")}


def _set_path(target: dict[str, Any], source: dict[str, Any], path: list[str]) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        if head in source:
            target[head] = copy.deepcopy(source[head])
        else:
            target.pop(head, None)
        return
    sub_source = source.get(head) or {}
    sub_target = target.setdefault(head, {})
    _set_path(sub_target, sub_source, rest)
    if not sub_target:
        target.pop(head, None)


# ---------------------------------------------------------------- the server


class SheetsStandIn(StandIn):
    """Start with `with SheetsStandIn() as api:`; `api.url` is the endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.books: dict[str, Spreadsheet] = {}
        self.keys: dict[str, tuple[str, str]] = {}  # client_email → (public PEM, private key id)
        self.tokens: dict[str, str] = {}  # access token → account
        self.token_requests = 0
        self.expire_tokens_after: int | None = None

    def recorded(self, raw_path: str) -> bool:
        return raw_path != "/token"

    def fault_body(self, fault: Fault) -> Any:
        if fault.body is not None:
            return fault.body
        if fault.status == 429:
            return google_error(429, "Quota exceeded for quota metric 'Read requests' and limit "
                                "'Read requests per minute per user' of service "
                                "'sheets.googleapis.com'", "RESOURCE_EXHAUSTED")
        status = {500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}.get(
            fault.status, "UNKNOWN")
        return google_error(fault.status, "The service is currently unavailable.", status)

    # -- test set-up

    def service_account(self, email: str = "okrsync@acme-okr.iam.gserviceaccount.com"
                        ) -> dict[str, str]:
        """A new service-account key whose token_uri points here."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        key_id = secrets.token_hex(20)
        self.keys[email] = (public, key_id)
        return {
            "type": "service_account", "project_id": "acme-okr", "private_key_id": key_id,
            "private_key": private, "client_email": email, "client_id": "1234567890",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": f"{self.url}/token",
        }

    def add_spreadsheet(self, book_id: str, title: str = "OKR", *, shared_with: set[str]
                        ) -> Spreadsheet:
        book = Spreadsheet(book_id, title, [], set(shared_with))
        self.books[book_id] = book
        return book

    def add_sheet(self, book_id: str, title: str, rows: list[list[Any]], *,
                  sheet_id: int | None = None, merges: list[tuple[int, int, int, int]] = (),
                  formats: dict[tuple[int, int], dict[str, Any]] | None = None) -> Sheet:
        """A tab filled as a person would type: numbers as numbers, text as text.

        A cell given as {"formula": "=…", "value": v} is a formula showing v.
        """
        book = self.books[book_id]
        sheet = Sheet(sheet_id if sheet_id is not None else len(book.sheets) and
                      secrets.randbelow(10**9) + 1, title, merges=list(merges))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = entered(value)
                if formats and (r, c) in formats:
                    cell["userEnteredFormat"] = formats[(r, c)]
                sheet.set(r, c, cell)
        book.sheets.append(sheet)
        return sheet

    def protect(self, book_id: str, title: str, cells: tuple[int, int, int, int] | None = None,
                *, editors: tuple[str, ...] = (), description: str = "",
                warning_only: bool = False) -> dict[str, Any]:
        """Protect a range (row0, col0, row1, col1, end-exclusive) of a tab, or the whole
        tab, as a person does in Data → Protect sheets and ranges: only `editors` (and
        the owner, who is not okrsync) may edit it; a warning-only range anyone may."""
        sheet = self.books[book_id].sheet(title)
        grid: dict[str, Any] = {"sheetId": sheet.sheet_id}
        if cells is not None:
            grid |= {"startRowIndex": cells[0], "startColumnIndex": cells[1],
                     "endRowIndex": cells[2], "endColumnIndex": cells[3]}
        protected: dict[str, Any] = {
            "protectedRangeId": secrets.randbelow(10**9) + 1, "range": grid,
            "warningOnly": warning_only}
        if description:
            protected["description"] = description
        if not warning_only:
            protected["editors"] = {"users": ["owner@acme.example", *editors]}
        validate(protected, {"$ref": "ProtectedRange"}, "protectedRange")
        sheet.protected.append(protected)
        return protected

    def validate(self, book_id: str, title: str, cells: list[tuple[int, int]],
                 rule: dict[str, Any]) -> None:
        """Give cells a data validation rule (DataValidationRule), as Data → Data
        validation does."""
        validate(rule, {"$ref": "DataValidationRule"}, "rule")
        sheet = self.books[book_id].sheet(title)
        for row, col in cells:
            cell = copy.deepcopy(sheet.cells.get((row, col), {}))
            cell["dataValidation"] = copy.deepcopy(rule)
            sheet.cells[(row, col)] = cell
            sheet.rows, sheet.columns = max(sheet.rows, row + 1), max(sheet.columns, col + 1)

    def sheets_requests(self, method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if method is None or r.method == method]

    def values(self, book_id: str, title: str) -> list[list[Any]]:
        """The tab as a person sees it: effective values, trailing blanks trimmed."""
        sheet = self.books[book_id].sheet(title)
        height = sheet.last_row() + 1
        result = []
        for r in range(height):
            row = [(sheet.cells.get((r, c)) or {}).get("effectiveValue", {})
                   for c in range(sheet.columns)]
            flat = [next(iter(v.values())) if v else None for v in row]
            while flat and flat[-1] is None:
                flat.pop()
            result.append(flat)
        return result

    # -- serving

    def route(self, method: str, path: str, params: dict[str, list[str]],
              headers: dict[str, str], body: Any) -> Any:
        if path == "/token" and method == "POST":
            return self._token(body or "")
        account = self._authenticate(headers)
        match = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        if not match:
            raise ApiError(404, "Method not found.", "NOT_FOUND")
        book_id, rest = match[1], match[2]
        self._check_params(method, rest, params)
        with self.lock:
            book = self.books.get(book_id)
            if book is None:
                raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
            if account not in book.shared_with:
                raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
            if method == "GET" and rest == "":
                return self._get(book, params, account)
            if method == "POST" and rest == ":batchUpdate":
                return self._batch_update(book, body, account)
            if method == "GET" and rest == "/values:batchGet":
                return self._values_batch_get(book, params)
            if rest.startswith("/values/") and method in ("GET", "PUT"):
                target = rest.removeprefix("/values/")
                if method == "GET":
                    params = {**params, "ranges": [target]}
                    return self._values_batch_get(book, params)["valueRanges"][0]
                return self._values_update(book, target, params, body)
        raise ApiError(404, "Method not found.", "NOT_FOUND")

    def _values_update(self, book: Spreadsheet, target: str, params: dict[str, list[str]],
                       body: Any) -> dict[str, Any]:
        """values.update, as gspread's update_cell uses it."""
        validate(body, {"$ref": "ValueRange"}, "")
        option = params.get("valueInputOption", [""])[0]
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, "Invalid valueInputOption", "INVALID_ARGUMENT")
        sheet, r0, c0, _, _ = parse_range(book, target)
        count = 0
        for r, row in enumerate(body.get("values") or [], start=r0):
            for c, value in enumerate(row, start=c0):
                if option == "USER_ENTERED" and isinstance(value, str):
                    with contextlib.suppress(ValueError):
                        value = float(value.replace(",", ""))
                sheet.set(r, c, entered(value))
                count += 1
        return {"spreadsheetId": book.id, "updatedRange": target, "updatedCells": count}

    def _token(self, raw: str) -> dict[str, Any]:
        form = parse_qs(raw)
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            raise OAuthError("unsupported_grant_type", "Invalid grant_type.")
        assertion = form["assertion"][0]
        claims = jwt.decode(assertion, verify=False)
        email = claims.get("iss", "")
        if email not in self.keys:
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        public, _ = self.keys[email]
        try:
            # google-auth addresses the assertion to Google's token endpoint even when
            # the key's token_uri sends it elsewhere; Google accepts both.
            jwt.decode(assertion, certs=public,
                       audience=["https://oauth2.googleapis.com/token", f"{self.url}/token"])
        except ValueError:
            raise OAuthError("invalid_grant", "Invalid JWT Signature.") from None
        token = "ya29." + secrets.token_urlsafe(24)
        with self.lock:
            self.token_requests += 1
            self.tokens[token] = email
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _authenticate(self, headers: dict[str, str]) -> str:
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        token = auth.removeprefix("Bearer ").strip()
        with self.lock:
            if self.expire_tokens_after is not None:
                if self.expire_tokens_after <= 0:
                    self.tokens.clear()
                    self.expire_tokens_after = None
                else:
                    self.expire_tokens_after -= 1
            account = self.tokens.get(token)
        if not auth.startswith("Bearer ") or account is None:
            raise ApiError(
                401, "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential. See "
                "https://developers.google.com/identity/sign-in/web/devconsole-project.",
                "UNAUTHENTICATED", {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
        return account

    def _check_params(self, method: str, rest: str, params: dict[str, list[str]]) -> None:
        if rest.startswith("/values/"):
            rest = "/values/{range}"
        name = {("GET", ""): ("spreadsheets", "get"),
                ("POST", ":batchUpdate"): ("spreadsheets", "batchUpdate"),
                ("GET", "/values:batchGet"): ("values", "batchGet"),
                ("GET", "/values/{range}"): ("values", "get"),
                ("PUT", "/values/{range}"): ("values", "update")}.get((method, rest))
        if name is None:
            return
        resource = DISCOVERY["resources"]["spreadsheets"]
        if name[0] == "values":
            resource = resource["resources"]["values"]
        allowed = set(resource["methods"][name[1]].get("parameters", {})) | STANDARD_PARAMS
        for key in params:
            if key not in allowed:
                raise ApiError(400, f'Invalid JSON payload received. Unknown name "{key}": '
                               "Cannot bind query parameter. Field '{key}' could not be found "
                               "in request message.", "INVALID_ARGUMENT")

    def _get(self, book: Spreadsheet, params: dict[str, list[str]], account: str = ""
             ) -> dict[str, Any]:
        mask_text = params.get("fields", [""])[0]
        mask = parse_mask(mask_text) if mask_text else {}
        with_data = bool(mask_text) and "data" in (mask.get("sheets") or {}) or (
            not mask_text and params.get("includeGridData", ["false"])[0].lower() == "true")
        ranges = params.get("ranges", [])
        chosen: list[tuple[Sheet, list[dict[str, Any]]]] = []
        if ranges:
            for text in ranges:
                sheet, r0, c0, r1, c1 = parse_range(book, text)
                entry = next((e for e in chosen if e[0] is sheet), None)
                if entry is None:
                    entry = (sheet, [])
                    chosen.append(entry)
                entry[1].append(_grid_data(sheet, r0, c0, r1, c1))
        else:
            chosen = [(sheet, [_grid_data(sheet, 0, 0, None, None)]) for sheet in book.sheets]
        sheets = []
        for sheet, blocks in chosen:
            item: dict[str, Any] = {"properties": sheet.properties(book.sheets.index(sheet))}
            if sheet.merges:
                item["merges"] = [_merge_json(m, sheet.sheet_id) for m in sheet.merges]
            if sheet.protected:
                item["protectedRanges"] = [_as_seen_by(p, account) for p in sheet.protected]
            if with_data:
                item["data"] = blocks
            sheets.append(item)
        full = {"spreadsheetId": book.id, "properties": {"title": book.title, "locale": "ko_KR",
                                                          "timeZone": "Asia/Seoul"},
                "sheets": sheets, "spreadsheetUrl":
                    f"https://docs.google.com/spreadsheets/d/{book.id}/edit"}
        return apply_mask(full, mask) if mask else full

    def _values_batch_get(self, book: Spreadsheet, params: dict[str, list[str]]
                          ) -> dict[str, Any]:
        rendering = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        result = []
        for text in params.get("ranges", []):
            sheet, r0, c0, r1, c1 = parse_range(book, text)
            block = _grid_data(sheet, r0, c0, r1, c1)
            values = []
            for row in block.get("rowData", []):
                line = []
                for cell in row.get("values", []):
                    if rendering == "FORMATTED_VALUE":
                        line.append(cell.get("formattedValue", ""))
                    else:
                        effective = cell.get("effectiveValue") or {}
                        line.append(next(iter(effective.values())) if effective else "")
                while line and line[-1] == "":
                    line.pop()
                values.append(line)
            while values and not values[-1]:
                values.pop()
            quoted = "'" + sheet.title.replace("'", "''") + "'"
            entry: dict[str, Any] = {"range": f"{quoted}!A1:Z{max(len(values), 1)}",
                                     "majorDimension": "ROWS"}
            if values:
                entry["values"] = values
            result.append(entry)
        return {"spreadsheetId": book.id, "valueRanges": result}

    def _batch_update(self, book: Spreadsheet, body: Any, account: str = "") -> dict[str, Any]:
        validate(body, {"$ref": "BatchUpdateSpreadsheetRequest"}, "")
        work = copy.deepcopy(book)
        replies = []
        for index, request in enumerate(body.get("requests") or []):
            if len(request) != 1:
                raise ApiError(400, f"Invalid requests[{index}]: exactly one kind of request "
                               "must be set", "INVALID_ARGUMENT")
            kind, payload = next(iter(request.items()))
            cell_wise = kind in ("updateCells", "appendCells", "repeatCell")
            before = {} if cell_wise else {id(sheet): dict(sheet.cells)
                                           for sheet in work.sheets}
            for sheet in work.sheets:
                sheet.edited = {}
            replies.append(self._apply(work, kind, payload, index))
            for sheet in work.sheets:  # what this request changed: allowed?
                edited, sheet.edited = sheet.edited or {}, None
                if not cell_wise:  # cells moved (rows inserted): compare them all
                    old = before.get(id(sheet), {})
                    edited = {key: old.get(key) for key in set(old) | set(sheet.cells)}
                for key, was in edited.items():
                    if was != sheet.cells.get(key):
                        _check_edit(work, sheet, key, was, sheet.cells.get(key),
                                    account, index, kind)
        book.sheets = work.sheets
        return {"spreadsheetId": book.id, "replies": replies}

    def _apply(self, book: Spreadsheet, kind: str, payload: dict[str, Any], index: int
               ) -> dict[str, Any]:
        if kind == "updateCells":
            fields = payload.get("fields")
            if not fields:
                raise ApiError(400, f"Invalid requests[{index}].updateCells: fields is required",
                               "INVALID_ARGUMENT")
            rows = payload.get("rows") or []
            if "range" in payload:
                rng = payload["range"]
                sheet = book.sheet(sheet_id=rng.get("sheetId", 0))
                r0, r1 = rng.get("startRowIndex", 0), rng.get("endRowIndex")
                c0, c1 = rng.get("startColumnIndex", 0), rng.get("endColumnIndex")
                r1 = r1 if r1 is not None else r0 + len(rows)
                c1 = c1 if c1 is not None else c0 + max((len(r.get("values", [])) for r in rows),
                                                        default=0)
            else:
                start = payload["start"]
                sheet = book.sheet(sheet_id=start.get("sheetId", 0))
                r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
                r1 = r0 + len(rows)
                c1 = c0 + max((len(r.get("values", [])) for r in rows), default=0)
            paths = [p.strip().split(".") for p in fields.split(",")]
            for r in range(r0, r1):
                row = rows[r - r0] if r - r0 < len(rows) else {}
                values = row.get("values") or []
                for c in range(c0, c1):
                    new = values[c - c0] if c - c0 < len(values) else {}
                    cell = copy.deepcopy(sheet.cells.get((r, c), {}))
                    if paths == [["*"]]:
                        cell = copy.deepcopy(new)
                    else:
                        for path in paths:
                            _set_path(cell, new, path)
                    if "userEnteredValue" in cell and "formulaValue" in cell["userEnteredValue"]:
                        raise ApiError(400, "the stand-in cannot evaluate formulas",
                                       "INVALID_ARGUMENT")
                    sheet.set(r, c, cell)
            return {}
        if kind == "appendCells":
            sheet = book.sheet(sheet_id=payload.get("sheetId", 0))
            start = sheet.last_row() + 1
            paths = [p.strip().split(".") for p in payload.get("fields", "*").split(",")]
            for offset, row in enumerate(payload.get("rows") or []):
                for c, new in enumerate(row.get("values") or []):
                    cell: Cell = {}
                    for path in paths:
                        if path == ["*"]:
                            cell = copy.deepcopy(new)
                        else:
                            _set_path(cell, new, path)
                    sheet.set(start + offset, c, cell)
            return {}
        if kind == "addSheet":
            props = payload.get("properties") or {}
            title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
            if any(s.title == title for s in book.sheets):
                raise ApiError(400, f'Invalid requests[{index}].addSheet: A sheet with the name '
                               f'"{title}" already exists. Please enter another name.',
                               "INVALID_ARGUMENT")
            sheet_id = props.get("sheetId", secrets.randbelow(10**9) + 1)
            if any(s.sheet_id == sheet_id for s in book.sheets):
                raise ApiError(400, f"Invalid requests[{index}].addSheet: Sheet with id "
                               f"{sheet_id} already exists.", "INVALID_ARGUMENT")
            sheet = Sheet(sheet_id, title,
                          frozen_rows=(props.get("gridProperties") or {}).get("frozenRowCount", 0))
            book.sheets.append(sheet)
            return {"addSheet": {"properties": sheet.properties(len(book.sheets) - 1)}}
        if kind == "mergeCells":
            rng = payload["range"]
            sheet = book.sheet(sheet_id=rng.get("sheetId", 0))
            sheet.merges.append((rng.get("startRowIndex", 0), rng.get("startColumnIndex", 0),
                                 rng["endRowIndex"], rng["endColumnIndex"]))
            return {}
        if kind == "updateDimensionProperties":
            rng = payload["range"]
            sheet = book.sheet(sheet_id=rng.get("sheetId", 0))
            for index in range(rng.get("startIndex", 0), rng["endIndex"]):
                sheet.widths[index] = payload["properties"]["pixelSize"]
            return {}
        if kind == "repeatCell":
            rng = payload["range"]
            sheet = book.sheet(sheet_id=rng.get("sheetId", 0))
            paths = [p.strip().split(".") for p in payload["fields"].split(",")]
            for r in range(rng.get("startRowIndex", 0), rng["endRowIndex"]):
                for c in range(rng.get("startColumnIndex", 0), rng["endColumnIndex"]):
                    cell = copy.deepcopy(sheet.cells.get((r, c), {}))
                    for path in paths:
                        _set_path(cell, payload["cell"], path)
                    sheet.set(r, c, cell)
            return {}
        if kind == "insertDimension":
            rng = payload["range"]
            sheet = book.sheet(sheet_id=rng.get("sheetId", 0))
            if rng["dimension"] != "ROWS":
                raise ApiError(400, "the stand-in inserts rows only", "INVALID_ARGUMENT")
            start, count = rng["startIndex"], rng["endIndex"] - rng["startIndex"]
            sheet.cells = {((r + count if r >= start else r), c): cell
                           for (r, c), cell in sheet.cells.items()}
            sheet.merges = [((m[0] + count if m[0] >= start else m[0]), m[1],
                             (m[2] + count if m[2] > start else m[2]), m[3]) for m in sheet.merges]
            sheet.rows += count
            return {}
        raise ApiError(400, f"the stand-in does not implement {kind}", "INVALID_ARGUMENT")


# ---------------------------------------------------------------- protection, validation

PROTECTED = ("You are trying to edit a protected cell or object. Please contact the "
             "spreadsheet owner to remove protection if you need to edit.")


def _can_edit(protected: dict[str, Any], account: str) -> bool:
    return bool(protected.get("warningOnly")) or account in (
        protected.get("editors") or {}).get("users", [])


def _as_seen_by(protected: dict[str, Any], account: str) -> dict[str, Any]:
    """A ProtectedRange as spreadsheets.get shows it to `account`."""
    seen = copy.deepcopy(protected)
    seen["requestingUserCanEdit"] = _can_edit(protected, account)
    if not seen["requestingUserCanEdit"]:
        seen.pop("editors", None)  # only visible to those who may edit the range
    return seen


def _inside(grid: dict[str, Any], row: int, col: int) -> bool:
    return (grid.get("startRowIndex", 0) <= row < grid.get("endRowIndex", 10**9)
            and grid.get("startColumnIndex", 0) <= col < grid.get("endColumnIndex", 10**9))


def _check_edit(book: Spreadsheet, sheet: Sheet, key: tuple[int, int], old: Cell | None,
                new: Cell | None, account: str, index: int, kind: str) -> None:
    row, col = key
    for protected in sheet.protected:
        if _inside(protected["range"], row, col) and not any(
                _inside(u, row, col) for u in protected.get("unprotectedRanges") or []
        ) and not _can_edit(protected, account):
            raise ApiError(400, PROTECTED, "INVALID_ARGUMENT")
    rule = (new or {}).get("dataValidation")
    value = (new or {}).get("userEnteredValue")
    if (rule and rule.get("strict") and value
            and value != (old or {}).get("userEnteredValue")
            and not _rule_accepts(book, sheet, rule, value)):
        cell = f"{_letters(col)}{row + 1}"
        raise ApiError(400, f"Invalid requests[{index}].{kind}: The data you entered in cell "
                       f"{cell} violates the data validation rules set on this cell.",
                       "INVALID_ARGUMENT")


def _letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _shown(value: dict[str, Any]) -> str:
    """An entered value as Sheets shows it in a list: numbers without a trailing .0."""
    if "numberValue" in value:
        number = value["numberValue"]
        return str(int(number)) if float(number).is_integer() else str(number)
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    return str(next(iter(value.values())))


def _rule_accepts(book: Spreadsheet, sheet: Sheet, rule: dict[str, Any],
                  value: dict[str, Any]) -> bool:
    """Whether a strict rule takes an entered value, as Sheets judges it for the
    conditions the stand-in models (the others are refused loudly, never guessed)."""
    condition = rule.get("condition") or {}
    kind = condition.get("type")
    given = [v.get("userEnteredValue", "") for v in condition.get("values") or []]
    number = value.get("numberValue")
    text = _shown(value)
    if kind == "ONE_OF_LIST":
        return text in given
    if kind == "ONE_OF_RANGE":
        target, r0, c0, r1, c1 = parse_range(book, given[0].lstrip("=").replace("$", ""))
        listed = {_shown(cell["effectiveValue"]) for (r, c), cell in target.cells.items()
                  if r >= r0 and c >= c0 and (r1 is None or r < r1)
                  and (c1 is None or c < c1) and cell.get("effectiveValue")}
        return text in listed
    if kind and kind.startswith("NUMBER_"):
        if number is None:
            return False
        bounds = [float(v) for v in given]
        return {"NUMBER_GREATER": lambda: number > bounds[0],
                "NUMBER_GREATER_THAN_EQ": lambda: number >= bounds[0],
                "NUMBER_LESS": lambda: number < bounds[0],
                "NUMBER_LESS_THAN_EQ": lambda: number <= bounds[0],
                "NUMBER_EQ": lambda: number == bounds[0],
                "NUMBER_NOT_EQ": lambda: number != bounds[0],
                "NUMBER_BETWEEN": lambda: bounds[0] <= number <= bounds[1],
                "NUMBER_NOT_BETWEEN": lambda: not bounds[0] <= number <= bounds[1]}[kind]()
    if kind == "TEXT_EQ":
        return text == given[0]
    if kind == "TEXT_CONTAINS":
        return given[0] in text
    if kind == "BLANK":
        return False
    if kind == "NOT_BLANK":
        return True
    raise ApiError(400, f"the stand-in does not evaluate {kind} rules", "INVALID_ARGUMENT")


def entered(value: Any) -> Cell:
    """What typing `value` into a cell stores."""
    if value is None:
        return {}
    if isinstance(value, dict) and "formula" in value:
        shown = value["value"]
        effective = ({"numberValue": shown} if isinstance(shown, int | float)
                     else {"stringValue": str(shown)})
        return {"userEnteredValue": {"formulaValue": value["formula"]},
                "effectiveValue": effective}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}

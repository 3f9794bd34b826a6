"""A Google spreadsheet as the dashboard, one module per concept (as gspread splits its
own): `auth` signs in, `http` talks to the API (time limits, retries, error messages),
`cells` converts between Sheets cells and okrsync's Grid, `backend` is the SheetBackend.
"""

from okrsync.sheets.google.auth import (
    SCOPES,
    account_of,
    load_credentials,
    save_token,
    service_account_credentials,
)
from okrsync.sheets.google.backend import GoogleSheet
from okrsync.sheets.google.cells import MAX_REQUEST_BYTES, grid_from_data
from okrsync.sheets.google.http import GOOGLE_SHEETS, RoutedSession, api_message

__all__ = [
    "GOOGLE_SHEETS",
    "MAX_REQUEST_BYTES",
    "SCOPES",
    "GoogleSheet",
    "RoutedSession",
    "account_of",
    "api_message",
    "grid_from_data",
    "load_credentials",
    "save_token",
    "service_account_credentials",
]

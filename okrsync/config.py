"""The TOML config file, validated; and the sheet and JIRA source it describes."""

from __future__ import annotations

import tomllib
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from okrsync.core.progress import Thresholds
from okrsync.errors import ConfigError, warn_if_readable_by_others
from okrsync.i18n import _


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SheetConfig(_Section):
    spreadsheet: str = Field(min_length=1)
    """An .xlsx path (relative to the config file), or a Google spreadsheet id or URL."""
    worksheet: str | None = None
    """The tab's title; default the tab in the URL's #gid=, else the first."""
    notes: bool = False
    """Put the evidence behind each JIRA value on its cell (a Google Sheets note, an Excel
    comment), written with the value."""


    @field_validator("spreadsheet")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        from okrsync.sheets.refs import is_workbook, parse_spreadsheet

        if not is_workbook(value) and parse_spreadsheet(value) is None:
            raise ValueError(_("{value} is neither an .xlsx workbook path nor a Google "
                               "spreadsheet id or URL "
                               "(https://docs.google.com/spreadsheets/d/…)").format(
                value=repr(value)))
        return value


class GoogleConfig(_Section):
    credentials: str = "adc"
    """A service-account key file, `oauth` (sign in as yourself) or `adc`."""
    oauth_client: str | None = None
    """For `oauth`: the OAuth client file (client_secret_….json) from Google Cloud."""
    api_endpoint: str = "https://sheets.googleapis.com"
    """Where Sheets API requests go (a proxy or private endpoint)."""
    timeout: float = Field(default=60.0, gt=0)
    """Seconds to wait for one Sheets request."""
    max_retry_seconds: float = Field(default=120.0, ge=0)
    """How long to keep retrying when Google answers 429 or 5xx before giving up."""
    allow_http: bool = False
    """Allow a plain http:// api_endpoint (other than this machine): the access token
    would travel unencrypted. Without it such an endpoint is refused."""


class JiraConfig(_Section):
    export: str | None = None
    """A JIRA export file (.json from the REST search, or .csv), relative to the config."""
    server: str | None = Field(default=None, pattern=r"^https?://")
    """A live JIRA: https://acme.atlassian.net or your Server / Data Center URL."""
    auth: Literal["basic", "pat"] = "basic"
    """basic: e-mail + API token (Cloud); pat: personal access token (Server / DC)."""
    email: str | None = None
    """For auth = "basic": the account's e-mail."""
    token_env: str = "JIRA_API_TOKEN"
    """The environment variable holding the API token or PAT (never the config file)."""
    story_points_field: str | None = None
    """The story points field's name or id; default found by name."""
    weights: dict[str, float] = Field(
        default_factory=lambda: {"new": 0.0, "indeterminate": 0.5, "done": 1.0})
    """How much an issue counts in the `weighted` metrics by its status category:
    To Do (new), In Progress (indeterminate), Done."""

    @field_validator("weights")
    @classmethod
    def _weights_are_shares(cls, value: dict[str, float]) -> dict[str, float]:
        for key, weight in value.items():
            if key not in ("new", "indeterminate", "done"):
                raise ValueError(_("{key}: weights are given for new, indeterminate and done "
                                   "(JIRA's status categories To Do, In Progress, "
                                   "Done)").format(key=key))
            if not 0 <= weight <= 1:
                raise ValueError(_("{key} = {weight}: a weight is between 0 and 1").format(
                    key=key, weight=weight))
        return {"new": 0.0, "indeterminate": 0.5, "done": 1.0} | value
    max_workers: int = Field(default=8, ge=1, le=32)
    """How many searches run at once against the server."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for one JIRA request."""
    max_retry_seconds: float = Field(default=60.0, ge=0)
    """How long to keep retrying when JIRA answers 429 or 5xx."""
    allow_http: bool = False
    """Allow a plain http:// server (other than this machine): the token would travel
    unencrypted. Without it such a server is refused."""
    full_refresh_days: float = Field(default=7.0, ge=0)
    """A pull reads only what changed in JIRA since the last one, and everything again
    when the last full read is older than this (0: every pull reads everything)."""

    @model_validator(mode="after")
    def _one_source(self) -> JiraConfig:
        if self.export and self.server:
            raise ValueError(_("set either export or server, not both"))
        if self.server and self.auth == "basic" and not self.email:
            raise ValueError(_('email is required with auth = "basic" (JIRA Cloud)'))
        return self


class OkrConfig(_Section):
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    year: int | None = Field(default=None, ge=2000, le=2100)
    """The OKR year the sheet is for. When set, a run dated outside it stops instead of
    writing this year's JIRA values into last year's quarter columns."""
    on_track_margin: float = Field(default=0.10, ge=0, le=1)
    at_risk_margin: float = Field(default=0.25, ge=0, le=1)
    language: Literal["auto", "ko", "en"] = "auto"
    """The words okrsync writes into the sheet and its reports use: auto (Korean when the
    headers are Korean), ko or en."""
    timezone: str | None = None
    """The team's time zone (an IANA name, `Asia/Seoul`), for the synced stamp, the change
    log's times and what "today" is; default the machine's."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(_("{zone} is not a time zone name; use one such as "
                                   "Asia/Seoul or UTC").format(zone=repr(value))) from None
        return value

    @property
    def zone(self) -> tzinfo | None:
        """The configured time zone, or None for the machine's."""
        if self.timezone is None:
            return None
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _margins_in_order(self) -> OkrConfig:
        if self.on_track_margin > self.at_risk_margin:
            raise ValueError(_("on_track_margin ({on}) is larger than at_risk_margin ({risk}): "
                               "a KR must fall further behind to be off track than to be "
                               "at risk").format(on=self.on_track_margin,
                                               risk=self.at_risk_margin))
        return self

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(self.on_track_margin, self.at_risk_margin)


class Webhook(_Section):
    """A chat's incoming webhook: its URL (a secret) and the chat tool behind it."""

    url: str
    chat: Literal["slack", "google-chat", "teams", "jandi", "dooray"] = "slack"
    """Which format the webhook takes: slack (and anything Slack-compatible, the default),
    google-chat, teams (a Teams Workflows webhook), jandi or dooray."""

    @field_validator("url")
    @classmethod
    def _a_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(_("a webhook is an https:// URL"))
        return value

    @model_validator(mode="before")
    @classmethod
    def _from_url(cls, value: Any) -> Any:
        """A bare URL is a Slack-compatible webhook."""
        return {"url": value} if isinstance(value, str) else value


class AlertsConfig(_Section):
    webhook: Webhook | None = None
    """Where to post Andon alerts (and digests of departments without their own): a URL
    (Slack-compatible) or { url = "…", chat = "teams" }. A secret."""
    stale_after_days: int = Field(default=30, ge=0, le=92)
    """A KR with no value for the current quarter this many days into it is stale."""
    departments: dict[str, Webhook] = Field(default_factory=dict)
    """One webhook per department for `okrsync digest --post`: {"결제실" = "https://…"},
    or {"결제실" = { url = "…", chat = "jandi" }}; departments not listed go to `webhook`.
    Secrets, like `webhook`."""
    owners: dict[str, str] = Field(default_factory=dict)
    """Owner (as the sheet's owner column writes them) → their id in the chat tool, to
    @mention them in chat posts: a Slack member id (U0123ABC), a Google Chat user id
    (users/123… or 123…), a Teams user's e-mail (UPN). Owners not listed are named."""
    allow_http: bool = False
    """Allow plain http:// webhooks (other than on this machine): their URLs, secrets,
    would travel unencrypted. Without it such a webhook is refused."""

    def refuse_plain_http(self, *, departments: bool) -> None:
        """ConfigError for a webhook whose URL would cross the network unencrypted (see
        okrsync.net.guard): `webhook`, and with `departments` every department's too."""
        from okrsync.net.guard import refuse_plain_http

        hooks = [("[alerts] webhook", self.webhook)] + [
            (f"[alerts.departments] {name}", hook)
            for name, hook in (self.departments.items() if departments else ())]
        for key, hook in hooks:
            if hook is not None:
                refuse_plain_http(hook.url, key, self.allow_http, "the webhook's URL",
                                  url_is_secret=True)


class DigestConfig(_Section):
    stalled_weeks: int = Field(default=3, ge=1, le=52)
    """A KR whose values have not moved for this many weeks is listed as stalled."""


class Config(_Section):
    sheet: SheetConfig
    google: GoogleConfig = GoogleConfig()
    jira: JiraConfig = JiraConfig()
    okr: OkrConfig = OkrConfig()
    alerts: AlertsConfig = AlertsConfig()
    digest: DigestConfig = DigestConfig()
    _base: Path = PrivateAttr(default=Path("."))
    """The config file's folder: relative paths are taken from here."""

    @property
    def base(self) -> Path:
        return self._base

    def path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self._base / path


def _location(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc]
    if len(parts) >= 2:
        return f"[{parts[0]}] {'.'.join(parts[1:])}"
    return f"[{parts[0]}]" if parts else _("(top level)")


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return _("unknown key")
    if error["type"] == "missing":
        return _("required key is missing")
    return str(error["msg"]).removeprefix("Value error, ")


def load_config(path: Path) -> Config:
    """Read and validate the config; every problem names its key."""
    from okrsync.files import FileRefused, read_small_file

    try:
        raw = tomllib.loads(read_small_file(path).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(_(
            "config file {path} not found: `okrsync init` makes one (every key is in the "
            "README's configuration section)").format(
            path=path)) from None
    except (OSError, UnicodeDecodeError, FileRefused) as error:
        raise ConfigError(_("config file {path} cannot be read: {error}").format(
            path=path, error=error)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(_("config file {path} is not valid TOML: {error}").format(
            path=path, error=error)) from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{_location(e['loc'])}: {_message(dict(e))}" for e in error.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
    config._base = path.resolve().parent
    if config.alerts.webhook or config.alerts.departments:
        warn_if_readable_by_others(path, _("the config (it holds the alert webhook URL, a "
                                           "secret)"))
    return config

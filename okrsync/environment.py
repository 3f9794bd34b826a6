"""Where okrsync runs: the terminal, its folders and the clock, made once and handed down.

Nothing below the command layer asks the terminal, the CLI framework or the system
clock by itself: it is given an `Environment`. Tests make one with their own folders,
streams and date.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TextIO

from okrsync.net.deadline import Deadline


def default_config_dir() -> Path:
    """okrsync's per-user config folder, by the platform's rules: `$XDG_CONFIG_HOME/okrsync`
    or `~/.config/okrsync` on Linux, `~/Library/Application Support/okrsync` on macOS,
    `%APPDATA%\\okrsync` on Windows. Home of the Google sign-in token. (What alerts and
    digests remember lives with the sheet, in its change log: okrsync.logbook.)"""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.environ.get("LOCALAPPDATA")
        return Path(base or Path.home()) / "okrsync"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "okrsync"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "okrsync"


def _cache_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "okrsync" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "okrsync"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "okrsync"


def default_state_dir() -> Path:
    """okrsync's per-user state folder, by the platform's rules: `$XDG_STATE_HOME/okrsync`
    or `~/.local/state/okrsync` on Linux, `~/Library/Application Support/okrsync` on macOS,
    `%LOCALAPPDATA%\\okrsync` on Windows. Home of the sheet locks.

    Not `$XDG_RUNTIME_DIR`, although locks are what it is for: a cron job has none, and a
    run from cron and one from a terminal must meet the same lock."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "okrsync"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "okrsync"
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "okrsync"


def default_lock_dir() -> Path:
    """Where the sheet locks live: `locks` in the per-user state folder."""
    return default_state_dir() / "locks"


TOKEN_FILE = "google-token.json"
"""The Google sign-in token, kept in the config folder."""


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass(frozen=True)
class Environment:
    """The terminal, folders and clock of one run."""

    stdout: TextIO
    stderr: TextIO
    interactive: bool
    """A person can answer questions (stdin is a terminal): never true under cron."""
    progress: bool
    """Progress bars may be drawn (stderr is a terminal)."""
    config_dir: Path
    """Per-user settings: the Google sign-in token."""
    cache_dir: Path | None
    """What can be rebuilt: the JIRA issue cache (None: none is kept, JIRA is read in
    full every time)."""
    state_dir: Path
    """Per-user state okrsync keeps for itself, nothing a person edits: the sheet locks."""
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    language: str = "en"
    """The language of messages: `ko` when the locale is Korean (LANG=ko_KR.UTF-8)."""
    deadline: Deadline | None = None
    """The run's time limit (`--max-seconds`): every request stops there."""

    @classmethod
    def from_system(cls) -> Environment:
        return cls(
            stdout=sys.stdout, stderr=sys.stderr,
            interactive=_is_terminal(sys.stdin), progress=_is_terminal(sys.stderr),
            config_dir=default_config_dir(), cache_dir=_cache_dir(), state_dir=default_state_dir(),
            language=locale_language(),
        )

    def limited(self, max_seconds: float | None) -> Environment:
        """This environment with a time limit on the whole run (`--max-seconds`)."""
        if not max_seconds:
            return replace(self, deadline=None)
        return replace(self, deadline=Deadline(max_seconds, label="--max-seconds"))

    def now(self, as_of: date | None = None, zone: tzinfo | None = None) -> datetime:
        """The time of the run in `zone` (`[okr] timezone`; default the machine's): with
        `--as-of`, that day (at the clock's time of day), so that a run dated back is
        logged on the day it works as."""
        now = self.clock()
        if zone is not None:
            now = now.astimezone(zone)
        return now if as_of is None else datetime.combine(as_of, now.timetz())

    def today(self, as_of: date | None = None, zone: tzinfo | None = None) -> date:
        """The date a run works on: `--as-of` when given, else today in `zone`."""
        return as_of or self.now(zone=zone).date()

    @property
    def lock_dir(self) -> Path:
        return self.state_dir / "locks"

    @property
    def token_cache(self) -> Path:
        return self.config_dir / TOKEN_FILE


def locale_language(environ: dict[str, str] | None = None) -> str:
    """`ko` or `en` from the POSIX locale variables (LC_ALL, LC_MESSAGES, LANG, LANGUAGE)."""
    environ = dict(os.environ) if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(name, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"

"""One exception hierarchy with user-facing messages, and the exit codes they map to."""

from __future__ import annotations

import logging
import stat
from enum import IntEnum
from pathlib import Path

from okrsync.i18n import _

log = logging.getLogger("okrsync")
"""Warnings for the user (a secret file others can read, …); the CLI prints them."""


def warn_if_readable_by_others(path: Path, what: str) -> None:
    """Warn when a file holding a secret can be read by other users of the machine;
    `what` names the file in the person's language (`_("the service-account key")`)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(_("{what} {path} can be read by other users of this machine; run: "
                      "chmod 600 {path}").format(what=what, path=path))


class ExitCode(IntEnum):
    """Process exit codes. Documented in the README; never renumber."""

    OK = 0
    """Everything was read, computed and written."""
    PARTIAL = 1
    """Some KRs failed (bad value, bad link); all the others were written."""
    USAGE = 2
    """Bad command line, config or sheet layout; nothing was written."""
    COULD_NOT_RUN = 3
    """A file, the network or the credentials failed; nothing was written."""
    ANDON = 4
    """The pull worked, and found KRs matching --fail-on (went backwards, off track, stale)."""
    LOCKED = 5
    """Another okrsync run on the same sheet is in progress; this one did nothing."""


class OkrsyncError(Exception):
    """An error the user can act on. `str()` is the message shown to them."""

    exit_code: ExitCode = ExitCode.COULD_NOT_RUN


class ConfigError(OkrsyncError):
    """The config file or a command-line option is wrong."""

    exit_code = ExitCode.USAGE


class LayoutError(OkrsyncError):
    """The sheet's header could not be understood."""

    exit_code = ExitCode.USAGE


class SourceError(OkrsyncError):
    """A sheet or JIRA source could not be read or written at all."""

    exit_code = ExitCode.COULD_NOT_RUN


class LockedError(OkrsyncError):
    """Another run holds the sheet's lock."""

    exit_code = ExitCode.LOCKED


class KRError(Exception):
    """A problem confined to one Key Result: it is reported, and the others go on."""

"""Reading the small files a person names (the config, a service-account key): regular
files only, and only up to a size no real one reaches, so that `-c /dev/zero` is refused
at once instead of read until memory runs out, and a named pipe instead of waited on
forever."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from okrsync.i18n import _

SMALL_FILE_BYTES = 1_000_000
"""A config or a key file is a few kilobytes; a megabyte is beyond any real one."""


class FileRefused(Exception):
    """A file okrsync will not read; `str()` says why, in the person's language."""


def read_small_file(path: Path, limit: int = SMALL_FILE_BYTES) -> bytes:
    """The bytes of the regular file at `path`. FileRefused for anything else (a device,
    a pipe, a folder) or anything larger than `limit`; OSError when it cannot be opened.

    It is opened without waiting (a pipe with no writer would block the open itself) and
    checked through the descriptor it is read from, so it cannot be swapped meanwhile."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(_("it is not a regular file (a folder, a device or a pipe)"))
        too_large = _("it is larger than {limit:,} bytes, far more than such a file holds")
        if info.st_size > limit:
            raise FileRefused(too_large.format(limit=limit))
        with os.fdopen(os.dup(descriptor), "rb") as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:  # it grew since it was looked at
            raise FileRefused(too_large.format(limit=limit))
        return data
    finally:
        os.close(descriptor)

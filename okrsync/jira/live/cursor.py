"""Where a read of JIRA starts: everything, or only what changed since the last read.

A pure decision, measured only on JIRA's clock (`serverInfo.serverTime`): the machine
okrsync runs on may be hours off (a VM that booted before its clock was set), and
the issues' `updated` stamps are JIRA's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

MARGIN_MINUTES = 10
"""Asked on top of the time since the last read: JIRA's search index may lag behind an
edit, and `updated` is compared to the minute."""


@dataclass(frozen=True)
class Cursor:
    """What the cache says about the last read."""

    signature: str
    """What was asked (site, fields, metrics): another signature means a full read."""
    full_at: datetime
    """JIRA's time when everything was last read in full."""
    read_at: datetime
    """JIRA's time when the last read started: issues updated since are asked again."""


@dataclass(frozen=True)
class FullRead:
    reason: str
    """first | asked | changed | refresh | clock | no-clock"""


@dataclass(frozen=True)
class ChangesSince:
    minutes: int
    """Ask for issues updated in the last `minutes` (JIRA counts them back itself)."""

    @property
    def jql(self) -> str:
        return f'updated >= "-{self.minutes}m"'


Decision = FullRead | ChangesSince


def decide(previous: Cursor | None, *, signature: str, now: datetime | None, full: bool,
           full_refresh_days: float) -> Decision:
    """Read everything, or what changed since the last read.

    `now` is JIRA's clock at this read; without it nothing can be measured, so
    everything is read. A `full_refresh_days` of 0 reads everything every time.
    """
    if full or full_refresh_days == 0:
        return FullRead("asked")
    if previous is None:
        return FullRead("first")
    if now is None:
        return FullRead("no-clock")
    if previous.signature != signature:
        return FullRead("changed")
    if now < previous.read_at or now < previous.full_at:
        return FullRead("clock")  # JIRA's clock went back: what it says cannot be measured
    if now - previous.full_at > timedelta(days=full_refresh_days):
        return FullRead("refresh")
    elapsed = (now - previous.read_at).total_seconds()
    return ChangesSince(math.ceil(elapsed / 60) + MARGIN_MINUTES)

"""`okrsync export`: save, from a machine that reaches JIRA, exactly what the sheet's links
need, into one file an offline pull can trust.

The file is a JIRA search result (`{"issues": [...], "names": {...}}`, every issue as
JIRA answered it, with the fields the sheet's metrics read and each summary) plus a
manifest, `okrsync`: the site, JIRA's time, and for each link the search JIRA ran, how
many issues it found and which. An offline pull answers each link from the manifest
(exactly what JIRA answered, functions and all) and refuses the file when an issue the
manifest names is missing: unlike a hand-saved Cloud export, paged by `nextPageToken`
with no total, it cannot be missing a page unnoticed.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from okrsync.config import Config
from okrsync.environment import Environment
from okrsync.errors import ConfigError, ExitCode, KRError, SourceError
from okrsync.i18n import _
from okrsync.jira.links import Link, parse_link
from okrsync.jira.metrics import Metric, parse_metric
from okrsync.sync import load_state
from okrsync.workspace import open_source

FORMAT = 1
"""The manifest's format; an offline pull refuses one it does not know."""

HEAD = b'{"okrsync": '
"""How every file okrsync export writes begins: the manifest comes first."""


@dataclass
class ExportResult:
    path: Path
    site: str
    links: int
    issues: int
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(link, why it could not be saved): those KRs will have a problem offline too."""

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.problems else ExitCode.OK


def is_export(path: Path) -> bool:
    """Whether `path` is a file okrsync export wrote (it may be replaced): it begins as
    they all do, where a JIRA search result never does (a label "okrsync" further on
    proves nothing)."""
    try:
        with path.open("rb") as stream:
            return stream.read(len(HEAD)) == HEAD
    except OSError:
        return False


class _Issues:
    """The issues JIRA answers, kept on disk as they come (tens of thousands of them
    need not be held in memory), each once."""

    def __init__(self, folder: Path) -> None:
        handle, name = tempfile.mkstemp(prefix=".okrsync-export-", suffix=".jsonl",
                                        dir=folder)
        self.path = Path(name)
        self.stream = os.fdopen(handle, "wb")
        self.lock = threading.Lock()

    def add(self, item: dict[str, Any]) -> None:
        line = msgspec.json.encode(item) + b"\n"
        with self.lock:
            self.stream.write(line)

    def close(self) -> None:
        self.stream.close()
        self.path.unlink(missing_ok=True)


def export(env: Environment, config: Config, *, output: Path | None = None,
           force: bool = False, as_of: date | None = None) -> ExportResult:
    """Every issue the sheet's JIRA links count, with the manifest, into `output`
    (default: `jira-export.json` beside the config, where `[jira] export` finds it)."""
    if not config.jira.server:
        raise ConfigError(_("okrsync export reads a live JIRA: set [jira] server (and its "
                            "token) in the config of the machine that reaches JIRA"))
    output = (output or config.path("jira-export.json")).expanduser()
    if output.is_symlink() or (output.exists() and not output.is_file()):
        raise ConfigError(_("--output {path} is not a regular file").format(path=output))
    if output.exists() and not force and not is_export(output):
        raise ConfigError(_("--output {path} exists and is not an okrsync export; pass "
                            "--force to replace it").format(path=output))
    if not output.parent.is_dir():
        raise SourceError(_("--output: the folder {folder} does not exist").format(
            folder=output.parent))
    state, _sources = load_state(config, as_of, env=env, with_jira=False)
    state.close()
    wanted: dict[Link, set[Metric]] = {}
    problems: list[tuple[str, str]] = []
    for item in state.assessments:
        kr = item.kr
        if not kr.linked:
            continue
        try:
            link = parse_link(kr.link)
            metric = parse_metric(kr.metric)
        except KRError as error:
            problems.append((kr.link, str(error)))
            continue
        wanted.setdefault(link, set()).add(metric)
    issues = _Issues(output.parent)
    try:
        source = open_source(config, env, evidence=True, raw=issues.add)
        assert source is not None
        try:
            found = source.issues(wanted, {m for metrics in wanted.values() for m in metrics})
            from okrsync.jira.live import LiveSource

            assert isinstance(source, LiveSource)
            api = source.api
            manifest: list[dict[str, Any]] = []
            for link, answer in found.items():
                entry: dict[str, Any] = {"link": str(link), "jql": source.query_of(link)}
                if isinstance(answer, KRError):
                    entry["problem"] = str(answer)
                    problems.append((str(link), str(answer)))
                else:
                    entry["count"] = len(answer)
                    entry["ids"] = [issue.id for issue in answer]
                manifest.append(entry)
            names = api.names()
            site = api.shown
            about = {"format": FORMAT, "site": site,
                     "deployment": "Cloud" if api.cloud else "Server",
                     "saved_at": api.server_time.isoformat() if api.server_time else None,
                     "links": manifest}
        finally:
            source.close()
        issues.stream.flush()
        count = _write(output, issues.path, about, names)
    finally:
        issues.close()
    return ExportResult(output, site, len(manifest), count, problems)


def _write(output: Path, lines: Path, about: dict[str, Any], names: dict[str, str]) -> int:
    """The export, written whole or not at all (a temporary file renamed over `output`):
    every issue once, then the manifest."""
    seen: set[str] = set()
    handle, name = tempfile.mkstemp(prefix=".okrsync-export-", suffix=".json",
                                    dir=output.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out, lines.open("rb") as stream:
            out.write(HEAD + msgspec.json.encode(about) + b', "names": '
                      + msgspec.json.encode(names) + b', "startAt": 0, "issues": [')
            for line in stream:
                item = msgspec.json.decode(line)
                number = str(item.get("id") or item.get("key"))
                if number in seen:
                    continue
                out.write((b", " if seen else b"") + msgspec.json.encode(item))
                seen.add(number)
            out.write(b'], "total": ' + str(len(seen)).encode() + b"}\n")
        os.chmod(temporary, 0o600)  # what JIRA holds is for whoever may read JIRA
        os.replace(temporary, output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return len(seen)

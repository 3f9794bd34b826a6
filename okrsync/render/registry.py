"""One renderer: any command's result, in any format it supports.

    render(result, "markdown") -> str | a rich renderable

`table` is for the terminal (rich); `markdown`, `html`, `csv` are documents; `json` is
for scripts (for `pull`, one JSON event per line, for log collectors). A renderer's
module is imported when it is first used: a nightly pull loads the pull's renderers
only, not the HTML documents and digests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from rich.console import RenderableType

from okrsync.errors import ConfigError
from okrsync.i18n import _

Rendered = str | RenderableType
Renderer = Callable[..., Rendered]

RENDERERS: dict[str, dict[str, str]] = {
    "ReportResult": {"table": "terminal.report_table", "markdown": "documents.report_markdown",
                     "json": "documents.report_json", "csv": "documents.report_csv",
                     "html": "documents.report_html"},
    "PullResult": {"table": "terminal.pull_summary", "json": "data.pull_events"},
    "CheckResult": {"table": "terminal.check_summary", "json": "data.check_json"},
    "HistoryResult": {"table": "terminal.history_table", "json": "data.history_json",
                      "csv": "data.history_csv"},
    "UndoResult": {"table": "terminal.undo_summary", "json": "data.undo_json"},
    "Overlaps": {"table": "terminal.overlaps_table", "json": "data.overlaps_json"},
    "InitResult": {"table": "terminal.init_summary", "json": "data.init_json"},
    "ExportResult": {"table": "terminal.export_summary"},
    "ExplainResult": {"table": "explain.explain_table", "markdown": "explain.explain_markdown",
                      "json": "explain.explain_json"},
    "DigestResult": {"table": "digest.digest_table", "markdown": "digest.digest_markdown",
                     "html": "digest.digest_html", "json": "digest.digest_json"},
}
"""A result's class name → format → the renderer, as `module.function` under
okrsync.render."""


def renderer(kind: type, fmt: str) -> Renderer:
    """The renderer of results of class `kind` in `fmt` (imported now: a pull loads its
    renderer before it writes); ConfigError naming the formats it has when it has not
    that one."""
    renderers = RENDERERS[kind.__name__]
    if fmt not in renderers:
        raise ConfigError(_("--format: {format} is not available here; choose one of "
                            "{formats}").format(format=repr(fmt), formats=", ".join(renderers)))
    module, _dot, name = renderers[fmt].rpartition(".")
    found: Renderer = getattr(importlib.import_module(f"okrsync.render.{module}"), name)
    return found


def render(result: object, fmt: str = "table", **options: Any) -> Rendered:
    """`result` in `fmt` (options such as `quiet` go to the renderer)."""
    return renderer(type(result), fmt)(result, **options)

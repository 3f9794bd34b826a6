"""Every renderer the registry names exists: a renderer is imported only when first used,
so a misspelt one would otherwise show only when someone asks for that format."""

from __future__ import annotations

import pytest

from okrsync.errors import ConfigError
from okrsync.render.registry import RENDERERS, renderer


@pytest.mark.parametrize(("kind", "fmt"), [(kind, fmt) for kind, formats in RENDERERS.items()
                                           for fmt in formats])
def test_every_named_renderer_is_a_function(kind, fmt):
    found = renderer(type(kind, (), {}), fmt)
    assert callable(found)


def test_a_format_a_result_has_not_is_refused_with_the_ones_it_has():
    with pytest.raises(ConfigError, match="choose one of table, json"):
        renderer(type("PullResult", (), {}), "html")


def test_every_command_result_has_a_table():
    from okrsync.commands.check import CheckResult
    from okrsync.commands.digest import DigestResult
    from okrsync.commands.explain import ExplainResult
    from okrsync.commands.export import ExportResult
    from okrsync.commands.history import HistoryResult, UndoResult
    from okrsync.commands.init import InitResult
    from okrsync.commands.overlaps import Overlaps
    from okrsync.commands.pull import PullResult
    from okrsync.commands.report import ReportResult

    for kind in (CheckResult, DigestResult, ExplainResult, ExportResult, HistoryResult,
                 UndoResult, InitResult, Overlaps, PullResult, ReportResult):
        assert callable(renderer(kind, "table"))


@pytest.mark.parametrize(("formats", "kind"), [
    ("ReportFormat", "ReportResult"), ("DigestFormat", "DigestResult"),
    ("ExplainFormat", "ExplainResult"), ("HistoryFormat", "HistoryResult"),
    ("DataFormat", "CheckResult"), ("DataFormat", "Overlaps")])
def test_every_format_a_command_offers_has_a_renderer(formats, kind):
    """`--format` choices are the CLI's; the renderers the registry's: they must agree, or
    a user picks a format the command cannot print."""
    from okrsync import cli

    assert {f.value for f in getattr(cli, formats)} <= set(RENDERERS[kind])

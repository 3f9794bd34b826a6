"""Weighted progress: every issue counts by its status category, the same on an export
and on a live JIRA."""

from __future__ import annotations

import json

import pytest

from okrsync.config import Config, load_config
from okrsync.errors import ConfigError
from okrsync.jira.export import ExportSource
from okrsync.jira.links import Jql
from okrsync.jira.live import LiveSource, Site, connect
from okrsync.jira.metrics import Kind, Metric, compute, parse_metric
from okrsync.jira.model import Issue
from tests.helpers import issue
from tests.standins.jira import JiraStandIn

ISSUES = [("W-1", "done", 5), ("W-2", "indeterminate", 3), ("W-3", "new", 2),
          ("W-4", "done", None)]
"""W-4 is done without an estimate: it adds no points (an open one would fail the KR)."""


@pytest.mark.parametrize(("text", "kind"), [("weighted", Kind.WEIGHTED),
                                             ("가중 완료율", Kind.WEIGHTED),
                                             ("weighted_points", Kind.WEIGHTED_POINTS),
                                             ("가중 포인트 완료율", Kind.WEIGHTED_POINTS)])
def test_metric_names(text, kind):
    assert parse_metric(text) == Metric(kind)


def test_weighted_counts_in_progress_as_half_and_weights_can_be_set():
    issues = [Issue(key, category, points={"Story Points": p} if p else {})
              for key, category, p in ISSUES]
    assert compute(Metric(Kind.WEIGHTED), issues).value == pytest.approx(
        100 * (1 + 0.5 + 0 + 1) / 4)
    # points 5 done, 3 in progress (half), 2 to do: (5 + 1.5) / 10
    assert compute(Metric(Kind.WEIGHTED_POINTS), issues).value == pytest.approx(65.0)
    weights = {"new": 0.0, "indeterminate": 0.25, "done": 1.0}
    assert compute(Metric(Kind.WEIGHTED), issues, weights).value == pytest.approx(56.25)


def test_weights_are_checked_where_the_config_says_them(tmp_path):
    config = Config.model_validate({"sheet": {"spreadsheet": "a.xlsx"},
                                    "jira": {"weights": {"indeterminate": 0.3}}})
    assert config.jira.weights == {"new": 0.0, "indeterminate": 0.3, "done": 1.0}
    for bad, said in (("{ indeterminate = 1.5 }", "between 0 and 1"),
                      ("{ blocked = 0.5 }", "new, indeterminate and done")):
        path = tmp_path / "okrsync.toml"
        path.write_text(f'[sheet]\nspreadsheet = "a.xlsx"\n[jira]\nweights = {bad}\n')
        with pytest.raises(ConfigError, match=rf"\[jira\] weights: .*{said}"):
            load_config(path)


def test_an_export_and_a_live_jira_give_the_same_weighted_numbers(tmp_path, monkeypatch):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"issues": [
        issue(key, category, None, labels=["okr"], customfield_10016=points)
        for key, category, points in ISSUES],
        "names": {"customfield_10016": "Story point estimate"}, "isLast": True}))
    link = Jql("labels = okr")
    wanted = [(link, Metric(Kind.WEIGHTED)), (link, Metric(Kind.WEIGHTED_POINTS))]
    offline = ExportSource.load(path).measure(wanted)
    with JiraStandIn(cloud=True) as jira:
        for key, category, points in ISSUES:
            jira.add(key, category, labels=("okr",), points=points)
        source = LiveSource(connect(Site(jira.url, jira.token, jira.email)))
        try:
            live = source.measure(wanted)
        finally:
            source.close()
    assert {k: v.value for k, v in live.items()} == {k: v.value for k, v in offline.items()}
    assert offline[wanted[0]].value == pytest.approx(62.5)
    assert offline[wanted[1]].value == pytest.approx(65.0)

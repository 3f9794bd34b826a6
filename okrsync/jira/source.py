"""The interface every JIRA source implements, and the computation they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence

from okrsync.errors import KRError
from okrsync.i18n import _s
from okrsync.jira.links import Jql, Link, SavedFilter
from okrsync.jira.metrics import WEIGHTS, Measured, Metric, compute
from okrsync.jira.model import Issue

Measurement = tuple[Link, Metric]


class IssueSource(ABC):
    """Answers, for each link, the issues it counts; and from them, each metric's value.

    Sources work on all links of a pull at once so that a live server can batch,
    deduplicate and parallelise; one link's failure is returned as its KRError,
    never raised.
    """

    @abstractmethod
    def issues(
        self, links: Iterable[Link], metrics: Iterable[Metric] = ()
    ) -> Mapping[Link, Sequence[Issue] | KRError]:
        """The issues of every link. `metrics` tells which fields are needed."""

    def close(self) -> None:  # noqa: B027 (nothing to release by default)
        """Release connections; the source is not used afterwards."""

    @abstractmethod
    def check_metric(self, metric: Metric) -> None:
        """Raise KRError when this source cannot compute `metric` (an unknown field)."""

    def query_of(self, link: Link) -> str | None:
        """The JQL that finds the link's issues, as JIRA would run it (for a reader who
        wants to check them in JIRA); None where there is none to show."""
        if isinstance(link, Jql):
            return link.query
        if isinstance(link, SavedFilter):  # JIRA reads the filter's JQL itself
            return f"filter = {link.id}"
        return None

    def navigator(self, query: str) -> str | None:
        """A link to the same search in JIRA's issue navigator, where the site is known."""
        return None

    def answers(
        self, wanted: Sequence[Measurement]
    ) -> Mapping[Link, Sequence[Issue] | int | KRError]:
        """What each link needs to be measured: its issues, or (when the server can count
        and only counts are wanted) the number of issues."""
        return self.issues({link for link, _ in wanted}, {metric for _, metric in wanted})

    def measure(
        self, wanted: Iterable[Measurement], weights: Mapping[str, float] = WEIGHTS,
    ) -> dict[Measurement, Measured | KRError]:
        """The value of each (link, metric), with its evidence; `weights` for the
        weighted metrics."""
        wanted = list(dict.fromkeys(wanted))
        found = self.answers(wanted)
        results: dict[Measurement, Measured | KRError] = {}
        for link, metric in wanted:
            issues = found[link]
            if isinstance(issues, KRError):
                results[(link, metric)] = issues
                continue
            if isinstance(issues, int):  # counted by JIRA, not listed
                results[(link, metric)] = Measured(
                    float(issues), (), _s("{count} issue(s)").format(count=issues))
                continue
            try:
                self.check_metric(metric)
                results[(link, metric)] = compute(metric, issues, weights)
            except KRError as error:
                results[(link, metric)] = error
        return results

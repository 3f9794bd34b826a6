"""A live JIRA as the issue source: `connect()` opens the site, `LiveSource` answers links.

JIRA Cloud and Server / Data Center are told apart by the server itself
(`serverInfo.deploymentType`), never by config; the dialect is in `api.py`.

Speed: every KR linking parent keys is answered by one search over all those parents
(chunked), grouped locally; identical links are fetched once; independent searches
run on a bounded pool; only the fields a metric needs are asked for; with the issue
cache, a pull reads only what changed since the last one (`reader.py`).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote, urlsplit

from okrsync.errors import ConfigError, KRError, SourceError
from okrsync.i18n import _, _s
from okrsync.jira.links import IssueKeys, Link
from okrsync.jira.live.api import CloudApi, JiraApi, ServerApi
from okrsync.jira.live.cache import IssueCache, signature
from okrsync.jira.live.http import JiraHttp, JiraRefused, JiraUnavailable, jira_policy
from okrsync.jira.live.reader import Answer, Reader, ReadResult, Task
from okrsync.jira.metrics import Kind, Metric
from okrsync.jira.model import Issue, RestIssue, issue_from_rest, points_fields_of
from okrsync.jira.source import IssueSource, Measurement
from okrsync.net.deadline import Deadline
from okrsync.net.guard import refuse_plain_http
from okrsync.net.pacing import Pacer
from okrsync.net.policy import RetryPolicy, run_waits
from okrsync.redact import register


@dataclass(frozen=True)
class Site:
    """How to reach one JIRA site (the `[jira]` config, with the token)."""

    server: str
    token: str = field(repr=False)
    email: str | None = None
    pat: bool = False
    timeout: float = 30.0
    max_retry_seconds: float = 60.0
    allow_http: bool = False

    @classmethod
    def from_config(cls, jira: Any, environ: Mapping[str, str] | None = None) -> Site:
        """The `[jira]` section; the token comes from the environment only."""
        environ = os.environ if environ is None else environ
        token = environ.get(jira.token_env, "").strip()
        if not token:
            raise ConfigError(_(
                "[jira] token_env: the environment variable {variable} is not set; put the "
                "JIRA API token (Cloud) or personal access token (Server / DC) in it").format(
                variable=jira.token_env))
        return cls(jira.server, token, jira.email, jira.auth == "pat", jira.timeout,
                   jira.max_retry_seconds, jira.allow_http)


def connect(site: Site, *, deadline: Deadline | None = None,
            sleep: Callable[[float], None] | None = None,
            clock: Callable[[], float] | None = None,
            policy: RetryPolicy | None = None) -> JiraApi:
    """Open the site: one request (`serverInfo`) tells Cloud from Server / DC and gives
    JIRA's clock. Raises SourceError (exit 3) when JIRA cannot be reached or refuses.

    Retries wait with `sleep` and measure with `clock`: by default the run's (real time,
    unless the run was handed others)."""
    waits = run_waits()
    sleep = sleep or waits.sleep
    clock = clock or waits.clock
    register(site.token, user=None if site.pat else site.email)
    register(urlsplit(site.server).password)  # a password inside the URL is a secret too
    refuse_plain_http(site.server, "[jira] server", site.allow_http, "the JIRA token")
    server = site.server.rstrip("/")
    auth: dict[str, Any] = ({"token_auth": site.token} if site.pat
                            else {"basic_auth": (site.email, site.token)})
    pacer = Pacer(sleep=sleep)
    http = JiraHttp(JiraHttp.client_for(server, "2", auth, site.timeout, deadline, pacer),
                    server=server, user=site.email or _("the personal access token"),
                    policy=policy or jira_policy(site.max_retry_seconds),
                    timeout=site.timeout, pacer=pacer, sleep=sleep, clock=clock,
                    deadline=deadline)
    try:
        info = http.call(http.client.server_info, "connecting")
    except (JiraRefused, JiraUnavailable) as error:
        http.close()
        raise SourceError(_("could not connect to JIRA at {server}: {error}. Nothing was "
                            "written; check [jira] server, or try again later.").format(
            server=http.shown, error=error)) from None
    except SourceError:
        http.close()
        raise
    info = info if isinstance(info, dict) else {}
    cloud = info.get("deploymentType") == "Cloud"
    if cloud:  # REST v3 from here on
        http.client.close()
        http.client = JiraHttp.client_for(server, "3", auth, site.timeout, deadline, pacer)
    return (CloudApi if cloud else ServerApi)(http, info)


class LiveSource(IssueSource):
    """Issues searched on a JIRA site, all links of a pull at once."""

    def __init__(self, api: JiraApi, *, cache: IssueCache | None = None,
                 story_points_field: str | None = None, max_workers: int = 8,
                 show_progress: bool = False, full: bool = False,
                 full_refresh_days: float = 7.0, summaries: bool = False,
                 raw: Callable[[dict[str, Any]], None] | None = None) -> None:
        """`summaries`: also read each issue's summary (to show a reader which issues
        made a number; no metric needs it). `raw` is handed every issue as JIRA answered
        it (`okrsync export` saves them)."""
        self.api = api
        self.cache = cache
        self.configured_points = story_points_field
        self.max_workers, self.show_progress = max_workers, show_progress
        self.full, self.full_refresh_days = full, full_refresh_days
        self.summaries = summaries
        api.answered = raw
        self.last: ReadResult | None = None
        """How the last read went (full, or only what changed, and why)."""

    @property
    def shown(self) -> str:
        return self.api.shown

    def close(self) -> None:
        self.api.close()

    # -- fields

    def _points_fields(self) -> dict[str, str]:
        """Fields that may hold story points; with [jira] story_points_field, that one
        (none when JIRA has no such field)."""
        if self.configured_points and self.api.field_id(self.configured_points) is None:
            return {}
        return points_fields_of(self.api.names(), self.configured_points)

    def check_metric(self, metric: Metric) -> None:
        if metric.needs_points and not self._points_fields():
            raise KRError(_s("JIRA at {server} has no story points field (set [jira] "
                             "story_points_field)").format(server=self.shown))
        if metric.kind is Kind.SUM and self.api.field_id(metric.field or "") is None:
            raise KRError(_s("JIRA at {server} has no field {field}").format(
                server=self.shown, field=repr(metric.field)))

    def query_of(self, link: Link) -> str | None:
        if isinstance(link, IssueKeys):
            return self.api.children_jql(link.keys)
        return super().query_of(link)

    def navigator(self, query: str) -> str | None:
        return f"{self.api.shown}/issues/?jql={quote(query, safe='')}"

    def _wanted_fields(self, metrics: Iterable[Metric]) -> list[str]:
        fields = {"status", "parent"} | ({"summary"} if self.summaries else set())
        for metric in metrics:
            if metric.needs_points:
                fields.update(self._points_fields())
            if metric.kind is Kind.SUM and (found := self.api.field_id(metric.field or "")):
                fields.add(found)
        if (epic := self.api.epic_field()) is not None:
            fields.add(epic)
        return sorted(fields)

    # -- answering

    def issues(self, links: Iterable[Link], metrics: Iterable[Metric] = ()
               ) -> dict[Link, Sequence[Issue] | KRError]:
        # no link is asked for a count only: every answer is issues or a problem
        return cast(dict[Link, Sequence[Issue] | KRError],
                    self._read(dict.fromkeys(links, False), list(metrics)))

    def answers(self, wanted: Sequence[Measurement]) -> dict[Link, Answer]:
        count_only: dict[Link, bool] = {}
        for link, metric in wanted:  # with summaries, a reader wants the issues listed
            count_only[link] = (count_only.get(link, True) and metric.count_only
                                and not self.summaries)
        return self._read(count_only, [metric for _, metric in wanted])

    def _read(self, links: Mapping[Link, bool], metrics: list[Metric]) -> dict[Link, Answer]:
        api = self.api
        fields = self._wanted_fields(metrics)
        # The field list is read only where it is needed: story points and sums find
        # their fields by name, and Server / DC finds its Epic Link field.
        needs_fields = any(m.needs_points or m.kind is Kind.SUM for m in metrics)
        names = api.names() if needs_fields or not api.cloud else {}
        points = self._points_fields() if any(m.needs_points for m in metrics) else None
        epic = api.epic_field()
        keep_numbers = any(m.kind is Kind.SUM for m in metrics)
        asked = frozenset(fields)

        def issue(item: RestIssue) -> Issue:  # by position: called for every issue
            return issue_from_rest(item, names, points, epic, None, keep_numbers, asked)

        reader = Reader(api, self.cache, fields=fields, into=issue, signature=signature({
            "site": api.http.server, "cloud": api.cloud, "fields": fields, "epic": epic,
            "points": points, "numbers": keep_numbers, "names": bool(names)}),
            full=self.full, full_refresh_days=self.full_refresh_days, run=self._run,
            chains=self.max_workers if api.cloud else 1)
        self.last = reader.read(links)
        return self.last.answers

    def _run(self, tasks: Sequence[Task]) -> None:
        """Run independent searches on the bounded pool, with a bar on a terminal."""
        if not tasks:
            return
        progress = None
        if self.show_progress:
            from rich.progress import Progress

            progress = Progress(transient=True)
            progress.start()
            bar = progress.add_task(_("Asking JIRA"), total=len(tasks))
        try:
            with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
                # Each task in a copy of this context: its messages speak the run's languages.
                futures = [pool.submit(contextvars.copy_context().run, task) for task in tasks]
                try:
                    for future in futures:
                        future.result()
                        if progress is not None:
                            progress.advance(bar)
                except BaseException:
                    for future in futures:  # stop at once: e.g. the credentials were refused
                        future.cancel()
                    raise
        finally:
            if progress is not None:
                progress.stop()


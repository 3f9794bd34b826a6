"""A live JIRA server as the issue source, through the `jira` library.

JIRA Cloud and Server / Data Center are told apart by the server itself
(`serverInfo.deploymentType`), never by config:
- Cloud: REST v3, `/search/jql` paged with `nextPageToken`, `/search/approximate-count`
  for count-only metrics;
- Server / DC: REST v2, `/search` paged with `startAt`/`total`, a zero-row page for
  counts; classic epics link their children through the "Epic Link" field.

Speed: every KR linking parent keys is answered by one search over all those parents
(chunked), grouped locally; identical links are fetched once; independent searches
run on a bounded pool; only the fields a metric needs are asked for.
"""

from __future__ import annotations

import functools
import os
import random
import sys
import threading
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from okrsync.errors import ConfigError, KRError, SourceError
from okrsync.jira.links import IssueKeys, Jql, Link, SavedFilter
from okrsync.jira.metrics import Kind, Metric
from okrsync.jira.model import Issue, field_name, issue_from_rest, points_fields_of
from okrsync.jira.source import IssueSource, Measurement

T = TypeVar("T")
BACKOFF_START = 1.0
"""Seconds before the first retry; doubled each time, up to 30."""

# jira warns when a search asks for zero rows; okrsync does that on purpose to count.
warnings.filterwarnings("ignore", message="All issues cannot be fetched at once")

PARENT_CHUNK = 200
"""At most this many parent keys per search: keeps the JQL well under JIRA's limits."""

PAGE_SIZE = 1000
"""Asked per page; the server answers with as many as it allows."""
_RETRYABLE = {429, 502, 503, 504}


def _quote(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


class LiveSource(IssueSource):
    """Issues searched on a JIRA server, all links of a pull at once."""

    def __init__(
        self,
        server: str,
        *,
        email: str | None,
        token: str,
        pat: bool = False,
        story_points_field: str | None = None,
        max_workers: int = 8,
        timeout: float = 30.0,
        max_retry_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        show_progress: bool | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.user = email or "the personal access token"
        self.max_workers = max_workers
        self.max_retry_seconds = max_retry_seconds
        self.sleep = sleep
        self.show_progress = sys.stderr.isatty() if show_progress is None else show_progress
        self.configured_points = story_points_field
        self._fields: list[dict[str, Any]] | None = None
        self._to_issue: Callable[[dict[str, Any]], Issue] = functools.partial(
            issue_from_rest, names={}, points_fields=None, epic_field=None)  # set per fetch
        self._lock = threading.Lock()
        self.requests = 0
        options = {"server": self.server, "rest_api_version": "2"}
        auth: dict[str, Any] = {"token_auth": token} if pat else {"basic_auth": (email, token)}
        probe = self._connect(options, auth, timeout)
        self.cloud = probe.deploymentType == "Cloud"
        self.client = (
            self._connect({**options, "rest_api_version": "3"}, auth, timeout)
            if self.cloud else probe
        )

    # -- connection and retries

    def _connect(self, options: dict[str, Any], auth: dict[str, Any], timeout: float) -> JIRA:
        def connect() -> JIRA:
            return JIRA(options=options, get_server_info=True, max_retries=0, timeout=timeout,
                        validate=False, **auth)

        return self._call(connect, "connecting")

    def _call(self, send: Callable[[], T], what: str) -> T:
        """Send one request: retry 429/503 (honoring Retry-After) for a bounded time."""
        deadline = time.monotonic() + self.max_retry_seconds
        delay = BACKOFF_START
        broken = 0
        while True:
            with self._lock:
                self.requests += 1
            try:
                return send()
            except JIRAError as error:
                status = error.status_code or 0
                if status in (401, 403):
                    raise SourceError(
                        f"JIRA at {self.server} refused {self.user} (HTTP {status}) while "
                        f"{what}: check [jira] email/auth and the token; nothing was written."
                    ) from None
                if status in _RETRYABLE:
                    header = (error.response.headers.get("Retry-After")
                              if error.response is not None else None)
                    wait = float(header) if header and header.replace(".", "", 1).isdigit() \
                        else delay
                    wait = min(wait, 30.0) * (0.9 + random.random() / 5)  # noqa: S311
                    if time.monotonic() + wait <= deadline:
                        self.sleep(wait)
                        delay = min(delay * 2, 30.0)
                        continue
                    raise _Unavailable(
                        f"JIRA kept answering HTTP {status} while {what} "
                        f"(retried for {self.max_retry_seconds:.0f} s)"
                    ) from None
                raise
            except requests.Timeout:
                raise _Unavailable(f"JIRA did not answer in time while {what}") from None
            except requests.RequestException as error:
                # Refused or dropped connections: searches are safe to repeat.
                broken += 1
                if broken < 3 and time.monotonic() + delay <= deadline:
                    self.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    continue
                raise SourceError(f"cannot reach JIRA at {self.server} while {what} "
                                  f"({error.__class__.__name__}); nothing was written.") from None

    def close(self) -> None:
        self.client.close()

    # -- fields

    def _all_fields(self) -> list[dict[str, Any]]:
        if self._fields is None:
            self._fields = self._call(self.client.fields, "reading the field list")
        return self._fields

    def _names(self) -> dict[str, str]:
        return {f["id"]: f["name"] for f in self._all_fields()}

    def _field_id(self, name: str) -> str | None:
        wanted = field_name(name)
        for item in self._all_fields():
            if field_name(item["id"]) == wanted or field_name(item["name"]) == wanted:
                return str(item["id"])
        return None

    def _points_fields(self) -> dict[str, str]:
        """Fields that may hold story points; with [jira] story_points_field, that one
        (none when JIRA has no such field)."""
        if self.configured_points and self._field_id(self.configured_points) is None:
            return {}
        return points_fields_of(self._names(), self.configured_points)

    def _epic_field(self) -> str | None:
        return None if self.cloud else self._field_id("Epic Link")

    def check_metric(self, metric: Metric) -> None:
        if metric.needs_points and not self._points_fields():
            raise KRError(f"JIRA at {self.server} has no story points field (set "
                          "[jira] story_points_field)")
        if metric.kind is Kind.SUM and self._field_id(metric.field or "") is None:
            raise KRError(f"JIRA at {self.server} has no field {metric.field!r}")

    def _wanted_fields(self, metrics: Iterable[Metric]) -> list[str]:
        fields = {"status", "parent"}
        for metric in metrics:
            if metric.needs_points:
                fields.update(self._points_fields())
            if metric.kind is Kind.SUM and (found := self._field_id(metric.field or "")):
                fields.add(found)
        if (epic := self._epic_field()) is not None:
            fields.add(epic)
        return sorted(fields)

    # -- searching

    def _search(self, jql: str, fields: list[str]) -> list[Issue]:
        """Every issue matching `jql`, page by page, with `fields` only.

        Each page is reduced to Issues as it arrives, so memory holds what the metrics
        need, not JIRA's JSON. An issue met on two pages (the search moved while it was
        paged) is kept once, as last seen.
        """
        issues: dict[str, Issue] = {}
        page: Any
        if self.cloud:
            token: str | None = None
            while True:
                page = self._call(functools.partial(
                    self.client.enhanced_search_issues, jql, nextPageToken=token,
                    maxResults=PAGE_SIZE, fields=list(fields), json_result=True, use_post=True),
                    "searching")
                issues.update((i.key, i) for i in map(self._to_issue, page.get("issues") or []))
                token = page.get("nextPageToken")
                if not token or page.get("isLast"):
                    return list(issues.values())
        start = 0
        while True:
            page = self._call(functools.partial(
                self.client.search_issues, jql, startAt=start, maxResults=PAGE_SIZE,
                fields=list(fields), validate_query=True, json_result=True, use_post=True),
                "searching")
            batch = page.get("issues") or []
            issues.update((i.key, i) for i in map(self._to_issue, batch))
            start += len(batch)
            if not batch or start >= int(page.get("total") or 0):
                return list(issues.values())

    def _count(self, jql: str) -> int:
        if self.cloud:
            return int(self._call(lambda: self.client.approximate_issue_count(jql), "counting"))
        page = self._call(lambda: self.client.search_issues(
            jql, startAt=0, maxResults=0, fields=["key"], json_result=True, use_post=True),
            "counting")
        return int(page.get("total") or 0)

    def _parents_jql(self, keys: Sequence[str]) -> str:
        listed = ", ".join(_quote(k) for k in keys)
        clause = f"parent in ({listed})"
        if not self.cloud and self._epic_field() is not None:
            clause += f' OR "Epic Link" in ({listed})'
        return clause

    def _children(self, keys: Sequence[str], fields: list[str]
                  ) -> dict[str, list[Issue] | KRError]:
        """Children of each key. A chunk JIRA rejects is split to find the bad key."""
        try:
            found = self._search(self._parents_jql(keys), fields)
        except JIRAError as error:
            if len(keys) == 1:
                return {keys[0]: KRError(_jira_message(error))}
            middle = len(keys) // 2
            return {**self._children(keys[:middle], fields),
                    **self._children(keys[middle:], fields)}
        except _Unavailable as error:
            return dict.fromkeys(keys, KRError(str(error)))
        result: dict[str, list[Issue] | KRError] = {key: [] for key in keys}
        for issue in found:
            for parent in {issue.parent, issue.epic} - {None}:
                bucket = result.get(str(parent))
                if isinstance(bucket, list):
                    bucket.append(issue)
        return result

    def _resolve_filter(self, link: SavedFilter) -> str | KRError:
        try:
            return str(self._call(lambda: self.client.filter(str(link.id)), "reading a filter")
                       .jql)
        except JIRAError as error:
            return KRError(f"{link}: {_jira_message(error)}")
        except _Unavailable as error:
            return KRError(str(error))

    def _run(self, tasks: Sequence[Callable[[], None]]) -> None:
        """Run independent searches on the bounded pool, with a bar on a terminal."""
        if not tasks:
            return
        progress = None
        if self.show_progress:
            from rich.progress import Progress

            progress = Progress(transient=True)
            progress.start()
            bar = progress.add_task("Asking JIRA", total=len(tasks))
        try:
            with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
                futures = [pool.submit(task) for task in tasks]
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

    def issues(
        self, links: Iterable[Link], metrics: Iterable[Metric] = ()
    ) -> dict[Link, Sequence[Issue] | KRError]:
        return self._fetch({link: False for link in links}, list(metrics))

    def answers(self, wanted: Sequence[Measurement]) -> dict[Link, Any]:
        count_only: dict[Link, bool] = {}
        for link, metric in wanted:
            count_only[link] = count_only.get(link, True) and metric.count_only
        return self._fetch(count_only, [metric for _, metric in wanted])

    def _fetch(self, links: Mapping[Link, bool], metrics: list[Metric]
               ) -> dict[Link, Any]:
        """Issues (or, where only a count is needed, the count) of every link."""
        fields = self._wanted_fields(metrics)
        names = self._names() if (self._fields is not None) else {}
        points = self._points_fields() if any(m.needs_points for m in metrics) else None
        epic = self._epic_field()
        self._to_issue = functools.partial(
            issue_from_rest, names=names, points_fields=points, epic_field=epic,
            keep_numbers=any(m.kind is Kind.SUM for m in metrics))
        results: dict[Link, Any] = {}
        tasks: list[Callable[[], None]] = []

        parents = sorted({key for link in links if isinstance(link, IssueKeys)
                          for key in link.keys})
        children: dict[str, list[Issue] | KRError] = {}

        def fetch_children(chunk: Sequence[str]) -> None:
            answer = self._children(chunk, fields)
            with self._lock:
                children.update(answer)

        # Cloud pages (100 issues) come one after another, token by token: splitting the
        # parents into one search per worker lets the pool fetch pages side by side, at
        # the cost of at most one partial page per search. Server pages hold 1,000.
        chains = self.max_workers if self.cloud else 1
        size = max(1, min(PARENT_CHUNK, -(-len(parents) // chains)))
        for index in range(0, len(parents), size):
            chunk = parents[index:index + size]
            tasks.append(functools.partial(fetch_children, chunk))

        queries: dict[Link, str | KRError] = {}
        for link in links:
            if isinstance(link, Jql):
                queries[link] = link.query
            elif isinstance(link, SavedFilter):
                queries[link] = self._resolve_filter(link)

        def fetch_query(link: Link, jql: str, count: bool) -> None:
            try:
                answer: Any = self._count(jql) if count else self._search(jql, fields)
            except JIRAError as error:
                answer = KRError(_jira_message(error))
            except _Unavailable as error:
                answer = KRError(str(error))
            with self._lock:
                results[link] = answer

        by_query: dict[tuple[str, bool], list[Link]] = defaultdict(list)
        for link, jql in queries.items():
            if isinstance(jql, KRError):
                results[link] = jql
            else:
                by_query[(jql, links[link])].append(link)
        shared: dict[tuple[str, bool], Link] = {}
        for (jql, count), group in by_query.items():
            shared[(jql, count)] = group[0]
            tasks.append(functools.partial(fetch_query, group[0], jql, count))
        self._run(tasks)
        for (_, _), group in by_query.items():
            for link in group[1:]:
                results[link] = results[group[0]]

        for link in links:
            if isinstance(link, IssueKeys):
                merged: dict[str, Issue] = {}
                error = None
                for key in link.keys:
                    answer = children.get(key, [])
                    if isinstance(answer, KRError):
                        error = answer
                        break
                    for issue in answer:
                        merged[issue.key] = issue
                if error is not None:
                    results[link] = error
                elif not merged:
                    results[link] = KRError(f"no child issues of {link} in JIRA")
                else:
                    results[link] = list(merged.values())
        return results


class _Unavailable(Exception):
    """JIRA did not answer one search in time; only the KRs that need it fail."""


def _jira_message(error: JIRAError) -> str:
    """JIRA's own words from {"errorMessages": [...], "errors": {...}}."""
    response = error.response
    if response is not None:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            messages = list(body.get("errorMessages") or [])
            messages += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
            if messages:
                return "; ".join(str(m) for m in messages)
    return str(error.text or f"HTTP {error.status_code}")


def open_live(config: Any) -> LiveSource:
    """A LiveSource from the `[jira]` config; the token comes from the environment only."""
    jira = config.jira
    token = os.environ.get(jira.token_env, "").strip()
    if not token:
        raise ConfigError(
            f"[jira] token_env: the environment variable {jira.token_env} is not set; put the "
            "JIRA API token (Cloud) or personal access token (Server / DC) in it"
        )
    return LiveSource(
        jira.server, email=jira.email, token=token, pat=jira.auth == "pat",
        story_points_field=jira.story_points_field, max_workers=jira.max_workers,
        timeout=jira.timeout, max_retry_seconds=jira.max_retry_seconds,
    )

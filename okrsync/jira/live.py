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

import contextvars
import functools
import json
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from jira import JIRA, JIRAError

from okrsync.core.text import clean
from okrsync.errors import ConfigError, KRError, SourceError
from okrsync.i18n import _, _s
from okrsync.jira.cache import SyncCache, signature
from okrsync.jira.links import Link, SavedFilter
from okrsync.jira.metrics import Kind, Metric
from okrsync.jira.model import Issue, field_name, issue_from_rest, points_fields_of
from okrsync.jira.source import IssueSource, Measurement
from okrsync.redact import redact_url, register, scrub
from okrsync.retry import (
    RETRIED_STATUSES,
    Deadline,
    Failure,
    GaveUp,
    Pacer,
    RetryPolicy,
    fragment,
    lost_connection,
    network_problem,
    refuse_plain_http,
    retry_after,
    timed_session,
)

T = TypeVar("T")
MESSAGE_CHARS = 300
"""JIRA's own words are shown up to this length."""

# jira warns when a search asks for zero rows; okrsync does that on purpose to count.
warnings.filterwarnings("ignore", message="All issues cannot be fetched at once")

PARENT_CHUNK = 200
"""At most this many parent keys per search: keeps the JQL well under JIRA's limits."""

PAGE_SIZE = 1000
"""Asked per page; the server answers with as many as it allows."""

KEY_PAGE_SIZE = 5000
"""Asked per page when only keys are wanted (JIRA Cloud's most for such pages)."""

MATCH_LIMIT = 1000
"""Issue ids and queries per POST /jql/match."""


def jira_policy(max_retry_seconds: float) -> RetryPolicy:
    return RetryPolicy.for_budget(max_retry_seconds, cap=30.0, jitter=(0.9, 1.1),
                                  service="JIRA", setting="[jira] max_retry_seconds")


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
        allow_http: bool = False,
        show_progress: bool = False,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        deadline: Deadline | None = None,
        cache: SyncCache | None = None,
        full_refresh_days: float = 7.0,
        full: bool = False,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        register(token, user=None if pat else email)
        parts = urlsplit(server)
        register(parts.password)  # a password inside the URL is a secret too
        refuse_plain_http(server, "[jira] server", allow_http, "the JIRA token")
        self.server = server.rstrip("/")
        self.shown = redact_url(self.server)
        """The server as messages show it: no user name, password or query."""
        self.user = email or _("the personal access token")
        self.max_workers = max_workers
        self.max_retry_seconds = max_retry_seconds
        self.timeout = timeout
        self.policy = policy or jira_policy(max_retry_seconds)
        self.sleep, self.clock, self.deadline = sleep, clock, deadline
        self.pacer = Pacer(sleep=sleep)
        self.show_progress = show_progress
        self.configured_points = story_points_field
        self.cache, self.full_refresh_days, self.full = cache, full_refresh_days, full
        self.wall_clock = wall_clock
        self.synced: str = "full"
        """How the last fetch went: `full` (everything read), or `incremental`."""
        self._fields: list[dict[str, Any]] | None = None
        self._to_issue: Callable[[dict[str, Any]], Issue] = functools.partial(
            issue_from_rest, names={}, points_fields=None, epic_field=None)  # set per fetch
        self._lock = threading.Lock()
        self.requests = 0
        options = {"server": self.server, "rest_api_version": "2"}
        auth: dict[str, Any] = {"token_auth": token} if pat else {"basic_auth": (email, token)}
        probe = self._connect(options, auth)
        try:
            info = self._call(probe.server_info, "connecting")
        except (_Refused, _Unavailable) as error:
            probe.close()
            raise SourceError(_("could not connect to JIRA at {server}: {error}. Nothing was "
                                "written; check [jira] server, or try again later.").format(
                server=self.shown, error=error)) from None
        except SourceError:
            probe.close()
            raise
        info = info if isinstance(info, dict) else {}
        self.cloud = info.get("deploymentType") == "Cloud"
        if self.cloud:
            probe.close()
            self.client = self._connect({**options, "rest_api_version": "3"}, auth)
        else:
            self.client = probe
        # What the library would have learnt by asking itself (it decides which API
        # calls exist from these).
        self.client.deploymentType = info.get("deploymentType")
        versions = info.get("versionNumbers")
        self.client._version = tuple(versions) if isinstance(versions, list) else (0, 0, 0)

    # -- connection and retries

    def _connect(self, options: dict[str, Any], auth: dict[str, Any]) -> JIRA:
        """A client whose every request has okrsync's time limits; nothing is sent yet."""
        client = JIRA(options=options, get_server_info=False, max_retries=0,
                      timeout=self.timeout, validate=False, **auth)
        timed_session(client._session, self.timeout, self.deadline)
        client._session.hooks["response"].append(self.pacer.observe)
        return client

    def _classify(self, error: BaseException) -> Failure | None:
        if isinstance(error, JIRAError):
            status = error.status_code or 0
            if status in RETRIED_STATUSES:
                headers = error.response.headers if error.response is not None else None
                return Failure(f"answered HTTP {status}", wait=retry_after(headers),
                               status=status)
            return None
        if isinstance(error, requests.RequestException):
            if network_problem(error) in ("dns", "tls"):
                return None
            return lost_connection(error, self.timeout)  # searches are safe to repeat
        return None

    def _call(self, send: Callable[[], T], what: str) -> T:
        """Send one request under the retry policy; every failure becomes a message."""

        def counted() -> T:
            self.pacer.wait(self.deadline)
            with self._lock:
                self.requests += 1
            return send()

        try:
            return self.policy.run(counted, self._classify, what, sleep=self.sleep,
                                   clock=self.clock, deadline=self.deadline)
        except GaveUp as gave_up:
            if isinstance(gave_up.error, requests.RequestException) and not isinstance(
                    gave_up.error, requests.Timeout):
                raise SourceError(_("cannot reach JIRA at {server}: {problem}; nothing was "
                                    "written.").format(server=self.shown, problem=gave_up)
                                  ) from None
            raise _Unavailable(str(gave_up), gave_up.detail, gave_up.detail_text(_s)) from None
        except JIRAError as error:
            status = error.status_code or 0
            if status in (401, 403):
                raise SourceError(_(
                    "JIRA at {server} refused {user} (HTTP {status}) while {what}: check [jira] "
                    "email/auth and the token; nothing was written.").format(
                    server=self.shown, user=self.user, status=status, what=fragment(what))
                ) from None
            raise _Refused(status, jira_message(error), what) from None
        except requests.RequestException as error:
            problem = network_problem(error)
            host = urlsplit(self.shown).netloc or self.shown
            if problem == "dns":
                raise SourceError(_(
                    "cannot find JIRA at {server}: the name {host} did not resolve (DNS). Check "
                    "[jira] server and the network; nothing was written.").format(
                    server=self.shown, host=urlsplit(self.server).hostname)) from None
            if problem == "tls":
                raise SourceError(_(
                    "the TLS connection to JIRA at {host} failed while {what} (certificate or "
                    "handshake: for a server with a private certificate authority, set "
                    "REQUESTS_CA_BUNDLE to its certificate); nothing was written.").format(
                    host=host, what=fragment(what))) from None
            raise SourceError(_("cannot reach JIRA at {server} while {what} ({error}); nothing "
                                "was written.").format(server=self.shown, what=fragment(what),
                                                       error=error.__class__.__name__)) from None

    def close(self) -> None:
        self.client.close()

    # -- fields

    def _all_fields(self) -> list[dict[str, Any]]:
        if self._fields is None:
            self._fields = self._call(self.client.fields, "reading the field list")
            # The library would read the same list again to translate field names.
            self.client._fields_cache_value = {
                name: item["id"] for item in self._fields for name in
                item.get("clauseNames") or ()}
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
            raise KRError(_s("JIRA at {server} has no story points field (set [jira] "
                             "story_points_field)").format(server=self.shown))
        if metric.kind is Kind.SUM and self._field_id(metric.field or "") is None:
            raise KRError(_s("JIRA at {server} has no field {field}").format(
                server=self.shown, field=repr(metric.field)))

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
        """How many issues match, exactly: on Server / DC the `total` of a zero-row page;
        on Cloud, the keys themselves (pages of 5,000), because Cloud's approximate-count
        is eventually consistent and okrsync writes only numbers it can stand behind."""
        if self.cloud:
            return len(self._keys(jql))
        page = self._call(lambda: self.client.search_issues(
            jql, startAt=0, maxResults=0, fields=["key"], json_result=True, use_post=True),
            "counting")
        return int(page.get("total") or 0)

    def _post(self, path: str, body: dict[str, Any], what: str) -> Any:
        """POST a JSON body to the REST API, as is (the `jira` library would rename
        fields such as `id` after the site's clause names)."""
        url = self.client._get_url(path)
        send = functools.partial(self.client._session.post, url, data=json.dumps(body))
        return self._call(send, what).json()

    def _keys(self, jql: str) -> dict[str, str]:
        """Key → id of every issue matching `jql`, from id-only pages (Cloud gives up to
        5,000 a page when only ids are asked for; Server / DC 1,000)."""
        found: dict[str, str] = {}
        body: dict[str, Any] = {"jql": jql, "fields": ["id"]}
        start = 0
        while True:
            if self.cloud:
                page = self._post("search/jql", body | {"maxResults": KEY_PAGE_SIZE},
                                  "searching")
            else:
                page = self._post("search", body | {"maxResults": PAGE_SIZE, "startAt": start},
                                  "searching")
            batch = page.get("issues") or []
            start += len(batch)
            found.update((str(raw["key"]).upper(), str(raw.get("id") or "")) for raw in batch)
            if self.cloud:
                if not page.get("nextPageToken") or page.get("isLast"):
                    return found
                body["nextPageToken"] = page["nextPageToken"]
            elif not batch or start >= int(page.get("total") or 0):
                return found

    def _match(self, ids: Sequence[str], queries: Sequence[str]
               ) -> list[set[str] | KRError]:
        """Which of the issue `ids` each query matches (Cloud's POST /jql/match), split
        to stay within its limits."""
        matched: list[set[str] | KRError] = [set() for _ in queries]
        numbers = sorted({int(i) for i in ids if i.isdigit()})
        for start in range(0, len(queries), MATCH_LIMIT):
            chunk = list(queries[start:start + MATCH_LIMIT])
            for first in range(0, max(1, len(numbers)), MATCH_LIMIT):
                body = {"issueIds": numbers[first:first + MATCH_LIMIT] or [], "jqls": chunk}
                if not body["issueIds"]:
                    break
                answer = self._post("jql/match", body, "checking changed issues")
                for offset, entry in enumerate(answer.get("matches") or []):
                    index = start + offset
                    known = matched[index]
                    if entry.get("errors"):
                        matched[index] = KRError(scrub(clean(
                            "; ".join(map(str, entry["errors"])), one_line=True))[:300])
                    elif isinstance(known, set):
                        known |= {str(i) for i in entry.get("matchedIssues") or []}
        return matched

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
        except _Refused as error:
            if len(keys) == 1:
                return {keys[0]: KRError(error.message)}
            middle = len(keys) // 2
            return {**self._children(keys[:middle], fields),
                    **self._children(keys[middle:], fields)}
        except _Unavailable as error:
            return dict.fromkeys(keys, KRError(error.problem))
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
        except _Refused as error:
            return KRError(f"{link}: {error.message}")
        except _Unavailable as error:
            return KRError(error.problem)

    def _run(self, tasks: Sequence[Callable[[], None]]) -> None:
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
        """Issues (or, where only a count is needed, the count) of every link: in full, or,
        with a sync cache, only what can have changed since the last pull."""
        fields = self._wanted_fields(metrics)
        names = self._names() if (self._fields is not None) else {}
        points = self._points_fields() if any(m.needs_points for m in metrics) else None
        epic = self._epic_field()
        keep_numbers = any(m.kind is Kind.SUM for m in metrics)
        self._to_issue = functools.partial(
            issue_from_rest, names=names, points_fields=points, epic_field=epic,
            keep_numbers=keep_numbers)
        from okrsync.jira.sync import Sync

        # Server / DC pages hold 1,000 issues whether fields are asked or not, and it has
        # no /jql/match: reading only what changed would cost as much as reading it all.
        cache = self.cache if self.cloud else None
        return Sync(self, cache, fields, signature({
            "site": self.server, "cloud": self.cloud, "fields": fields, "epic": epic,
            "points": points, "numbers": keep_numbers, "names": bool(names)})).fetch(links)


class _Unavailable(SourceError):
    """JIRA did not answer one request in time, or kept answering 429/5xx: the KRs that
    need it fail; where nothing can go on without it (connecting, the field list) the
    run stops."""

    def __init__(self, message: str, detail: str, problem: str = "") -> None:
        super().__init__(message)
        self.detail = detail
        """Without "JIRA" in front: a KR's problem is already shown as "JIRA: …"."""
        self.problem = problem or detail
        """`detail` in the sheet's language, for a KR's problem (shown as "JIRA: …")."""


class _Refused(SourceError):
    """JIRA answered a request with an error of its own (400, 404, 500…): a KR's search
    fails with JIRA's words; elsewhere the run stops."""

    def __init__(self, status: int, message: str, what: str) -> None:
        super().__init__(_("JIRA refused {what} (HTTP {status}): {message}").format(
            what=fragment(what), status=status, message=message))
        self.status, self.message = status, message
        self.problem = _s("JIRA refused {what} (HTTP {status}): {message}").format(
            what=fragment(what, _s), status=status, message=message)
        """The message in the sheet's language, for a KR's problem."""


def jira_message(error: JIRAError) -> str:
    """JIRA's own words from {"errorMessages": [...], "errors": {...}}, at most
    MESSAGE_CHARS long, on one line, without control characters or secrets. Never the
    raw body or any header: a proxy's error page may echo the request's credentials."""
    messages: list[str] = []
    response = error.response
    if response is not None:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            listed = body.get("errorMessages")
            if isinstance(listed, list):
                messages += [str(m) for m in listed if m]
            elif isinstance(listed, str) and listed:
                messages.append(listed)
            fields = body.get("errors")
            if isinstance(fields, dict):
                messages += [f"{k}: {v}" for k, v in fields.items()]
    text = "; ".join(messages) or _s("HTTP {status} without a JIRA message").format(
        status=error.status_code or "?")
    text = scrub(clean(text, one_line=True))
    if len(text) > MESSAGE_CHARS:
        text = text[:MESSAGE_CHARS - 1] + "…"
    return scrub(text)


def open_live(config: Any, *, show_progress: bool = False,
              deadline: Deadline | None = None, cache: SyncCache | None = None,
              full: bool = False, clock: Callable[[], datetime] | None = None) -> LiveSource:
    """A LiveSource from the `[jira]` config; the token comes from the environment only."""
    jira = config.jira
    token = os.environ.get(jira.token_env, "").strip()
    if not token:
        raise ConfigError(_(
            "[jira] token_env: the environment variable {variable} is not set; put the JIRA API "
            "token (Cloud) or personal access token (Server / DC) in it").format(
            variable=jira.token_env))
    return LiveSource(
        jira.server, email=jira.email, token=token, pat=jira.auth == "pat",
        story_points_field=jira.story_points_field, max_workers=jira.max_workers,
        timeout=jira.timeout, max_retry_seconds=jira.max_retry_seconds,
        allow_http=jira.allow_http, show_progress=show_progress, deadline=deadline,
        cache=cache, full=full or jira.full_refresh_days == 0,
        full_refresh_days=jira.full_refresh_days,
        wall_clock=clock or (lambda: datetime.now(UTC)),
    )

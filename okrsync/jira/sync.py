"""A nightly pull costs what changed: JIRA is asked only what can have changed since the
last pull, and the answers are the ones a full read would give.

After a full read, the member issues of every link (with the fields the metrics need)
are kept in the sync cache. A later pull asks:
- the issues updated since the last sync, by a relative date the server evaluates
  (`updated >= "-95m"`, so no time zone can skew it), with a safety margin;
- the members of epic and parent links, as key-only pages (up to 5,000 issues a page on
  Cloud), which shows deletions and moves; a member not yet known is read in full;
- on Cloud, which of the changed and known issues each JQL link matches, many queries
  at once (`POST /rest/api/3/jql/match`). A query whose answer can change without any
  issue changing (a function such as `openSprints()` or `currentUser()`, a relative
  date, WAS / CHANGED) is asked again in full, as is every query on Server / DC;
- saved filters are read again every time (their JQL may have been edited).

Everything is read in full again on `okrsync pull --full`, when the cache is older
than `[jira] full_refresh_days`, when the site, the fields or the metrics change, when
the clock went backwards, and when the cache cannot be read. Only a full read notices
what changes without any issue being updated: a JIRA administrator moving a status to
another status category; that stays unnoticed for at most `full_refresh_days`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from okrsync.errors import KRError
from okrsync.i18n import _s
from okrsync.jira.cache import SyncCache, SyncState, member_key
from okrsync.jira.links import IssueKeys, Jql, Link, SavedFilter
from okrsync.jira.live import PARENT_CHUNK, LiveSource
from okrsync.jira.live import _Refused as Refused
from okrsync.jira.live import _Unavailable as Unavailable
from okrsync.jira.model import Issue

MARGIN_MINUTES = 10
"""Asked on top of the time since the last sync: JIRA's search index may lag, and
`updated` is kept to the minute."""

KEY_CHUNK = 200
"""Issues read by key per search."""

_VOLATILE = re.compile(
    r"""(?ix)
    (?<![\w"'])(?!(?:in|not|and|or|is|was|by|order)\b)[a-z_][\w.]*\s*\(   # a function
  | (?<![\w.])["']?[-+]?\d+\s*[ywdhm]\b                                  # a relative date
  | \b(?:was|changed|during|before|after|on)\b                          # history
    """)


def volatile(query: str) -> bool:
    """Whether a query's answer can change without any issue being updated."""
    return bool(_VOLATILE.search(re.sub(r"(?is)\border\s+by\b.*$", "", query)))


class Sync:
    """One fetch of every link of a pull, through the sync cache."""

    def __init__(self, live: LiveSource, cache: SyncCache | None, fields: list[str],
                 signature: str) -> None:
        """Without a cache, everything is read in full (and nothing is kept)."""
        self.live, self.cache, self.fields, self.signature = live, cache, fields, signature

    def fetch(self, links: Mapping[Link, bool]) -> dict[Link, Any]:
        live = self.live
        now = live.wall_clock()
        previous = None if live.full or self.cache is None else self.cache.load()
        if previous is not None and (
                previous.signature != self.signature or previous.synced_at > now
                or now - previous.full_at > timedelta(days=live.full_refresh_days)):
            previous = None
        state = SyncState(self.signature, now if previous is None else previous.full_at, now,
                          dict(previous.issues) if previous else {}, {},
                          dict(previous.ids) if previous else {})
        self.touched: set[str] = set()
        if previous is not None:
            try:
                changed = live._search(self._changed_since(previous.synced_at, now),
                                       self.fields)
            except (Refused, Unavailable):
                previous = None  # cannot know what changed: read everything
                state = SyncState(self.signature, now, now, {}, {}, {})
            else:
                self._remember(state, changed)
        live.synced = "full" if previous is None else "incremental"
        results = self._read(links, state, previous,
                             changed=set() if previous is None else {i.key for i in changed})
        members = _all_members(state)
        gone = {key for key in state.issues if key not in members}
        state.issues = {key: issue for key, issue in state.issues.items() if key in members}
        state.ids = {key: value for key, value in state.ids.items() if key in members}
        if self.cache is not None and previous is None:
            self.cache.save(state)
        elif self.cache is not None:  # only what this sync learnt is written
            self.cache.save(state, changed=self.touched & members, gone=gone)
        return results

    @staticmethod
    def _changed_since(synced_at: datetime, now: datetime) -> str:
        minutes = math.ceil((now - synced_at).total_seconds() / 60) + MARGIN_MINUTES
        return f'updated >= "-{minutes}m"'

    def _remember(self, state: SyncState, issues: Sequence[Issue]) -> None:
        for issue in issues:
            if state.issues.get(issue.key) != issue:
                self.touched.add(issue.key)
            state.issues[issue.key] = issue
            if issue.id:
                state.ids[issue.key] = issue.id

    # -- reading every link

    def _read(self, links: Mapping[Link, bool], state: SyncState, previous: SyncState | None,
              changed: set[str]) -> dict[Link, Any]:
        live = self.live
        results: dict[Link, Any] = {}
        parents = sorted({key for link in links if isinstance(link, IssueKeys)
                          for key in link.keys})
        children: dict[str, list[Issue] | KRError] = {}
        tasks: list[Callable[[], None]] = []
        # A full read splits the parents across the pool (Cloud pages hold 100 issues and
        # come one after another); key-only pages hold 5,000: one search per chunk.
        chains = live.max_workers if live.cloud and previous is None else 1
        size = max(1, min(PARENT_CHUNK, -(-len(parents) // chains)))
        for index in range(0, len(parents), size):
            chunk = parents[index:index + size]
            read = self._parents_in_full if previous is None else self._parents_by_key
            tasks.append(functools.partial(read, chunk, state, children))

        queries: dict[Link, str | KRError] = {}
        for link in links:
            if isinstance(link, Jql):
                queries[link] = link.query
            elif isinstance(link, SavedFilter):
                queries[link] = live._resolve_filter(link)
        by_query: dict[str, list[Link]] = {}
        for link, query in queries.items():
            if isinstance(query, KRError):
                results[link] = query
            else:
                by_query.setdefault(query, []).append(link)
        counted = {q: all(links[link] for link in group) for q, group in by_query.items()}
        answers: dict[str, list[Issue] | int | KRError] = {}
        matchable = [q for q in by_query if previous is not None and live.cloud
                     and not volatile(q) and member_key("jql", q) in previous.members]
        for query in by_query:
            if query not in matchable:
                tasks.append(functools.partial(self._query_in_full, query, counted[query],
                                               state, answers))
        live._run(tasks)
        if matchable:
            assert previous is not None
            self._match(matchable, counted, state, previous, changed, answers)
        for query, group in by_query.items():
            for link in group:
                results[link] = answers[query]
        for link in links:
            if isinstance(link, IssueKeys):
                results[link] = _merged(link, children)
        return results

    def _parents_in_full(self, chunk: Sequence[str], state: SyncState,
                         children: dict[str, list[Issue] | KRError]) -> None:
        found = self.live._children(chunk, self.fields)
        with self.live._lock:
            for parent, answer in found.items():
                children[parent] = answer
                if isinstance(answer, list):
                    self._remember(state, answer)
                    state.members[member_key("parent", parent)] = [i.key for i in answer]

    def _parents_by_key(self, chunk: Sequence[str], state: SyncState,
                        children: dict[str, list[Issue] | KRError]) -> None:
        """The current children of `chunk` from key-only pages; issues not known yet are
        read in full; a parent JIRA rejects is found by halving the chunk."""
        live = self.live
        try:
            keys = live._keys(live._parents_jql(chunk))
        except Refused as error:
            if len(chunk) == 1:
                with live._lock:
                    children[chunk[0]] = KRError(error.message)
                return
            middle = len(chunk) // 2
            self._parents_by_key(chunk[:middle], state, children)
            self._parents_by_key(chunk[middle:], state, children)
            return
        except Unavailable as error:
            with live._lock:
                children.update(dict.fromkeys(chunk, KRError(error.problem)))
            return
        with live._lock:
            missing = [key for key in keys if key not in state.issues]
        try:
            self._read_by_key(missing, state)
        except (Refused, Unavailable) as error:
            with live._lock:
                children.update(dict.fromkeys(chunk, KRError(error.problem)))
            return
        wanted = set(chunk)
        found: dict[str, list[Issue]] = {parent: [] for parent in chunk}
        with live._lock:
            for key, number in keys.items():
                if number:
                    state.ids[key] = number
                issue = state.issues.get(key)
                if issue is None:
                    continue
                for parent in {issue.parent, issue.epic} & wanted:
                    assert parent is not None
                    found[parent].append(issue)
            for parent, issues in found.items():
                children[parent] = issues
                state.members[member_key("parent", parent)] = [i.key for i in issues]

    def _read_by_key(self, keys: Sequence[str], state: SyncState) -> None:
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = keys[start:start + KEY_CHUNK]
            issues = self.live._search(f"key in ({', '.join(chunk)})", self.fields)
            with self.live._lock:
                self._remember(state, issues)

    def _query_in_full(self, query: str, count: bool, state: SyncState,
                       answers: dict[str, list[Issue] | int | KRError]) -> None:
        live = self.live
        answer: list[Issue] | int | KRError
        members: list[str] | None = None
        try:
            if count and live.cloud:
                keys = live._keys(query)
                answer, members = len(keys), list(keys)
                with live._lock:
                    state.ids.update((k, v) for k, v in keys.items() if v)
            elif count:
                answer = live._count(query)
            else:
                answer = live._search(query, self.fields)
                members = [issue.key for issue in answer]
                with live._lock:
                    self._remember(state, answer)
        except Refused as error:
            answer = KRError(error.message)
        except Unavailable as error:
            answer = KRError(error.problem)
        with live._lock:
            answers[query] = answer
            if members is not None and live.cloud and not volatile(query):
                state.members[member_key("jql", query)] = members

    def _match(self, queries: list[str], counted: Mapping[str, bool], state: SyncState,
               previous: SyncState, changed: set[str],
               answers: dict[str, list[Issue] | int | KRError]) -> None:
        """Cloud: which known or changed issues each query matches now, in few requests."""
        live = self.live
        candidates = set(changed)
        for query in queries:
            candidates |= set(previous.members[member_key("jql", query)])
        ids = {key: state.ids[key] for key in candidates if key in state.ids}
        try:
            matched = live._match(list(ids.values()), queries)
        except (Refused, Unavailable):
            for query in queries:  # the slow way, still exact
                self._query_in_full(query, counted[query], state, answers)
            return
        key_of = {number: key for key, number in ids.items()}
        for query, found in zip(queries, matched, strict=True):
            if isinstance(found, KRError):
                answers[query] = found
                continue
            members = sorted(key_of[number] for number in found if number in key_of)
            state.members[member_key("jql", query)] = members
            if counted[query]:
                answers[query] = len(members)
                continue
            missing = [key for key in members if key not in state.issues]
            try:
                self._read_by_key(missing, state)
            except (Refused, Unavailable) as error:
                answers[query] = KRError(error.problem)
                continue
            answers[query] = [state.issues[key] for key in members]


def _merged(link: IssueKeys, children: Mapping[str, list[Issue] | KRError]
            ) -> list[Issue] | KRError:
    merged: dict[str, Issue] = {}
    for key in link.keys:
        answer = children.get(key, [])
        if isinstance(answer, KRError):
            return answer
        for issue in answer:
            merged[issue.key] = issue
    if not merged:
        return KRError(_s("no child issues of {link} in JIRA").format(link=link))
    return list(merged.values())


def _all_members(state: SyncState) -> set[str]:
    return {key for members in state.members.values() for key in members}

"""The JIRA REST API as okrsync uses it, in two dialects.

`JiraApi` names what okrsync asks a JIRA site; `CloudApi` (REST v3) and `ServerApi`
(Server / Data Center, REST v2) say how. Nothing above this module knows which
dialect it talks to, except through `can_match` (only Cloud can check issues against
JQL in bulk).

- Cloud: `/search/jql` paged by `nextPageToken` (no total; 5,000 ids a page when only
  ids are asked, 100 issues with fields), `POST /jql/match`, `filter/search` for many
  saved filters at once, `project/search` paged; epics are parents.
- Server / DC: `/search` paged by `startAt` with `total` (1,000 a page, ids or not),
  zero-row pages to count, one `filter/{id}` each, `project` in one answer; classic
  epics link their children through the "Epic Link" field.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import msgspec

from okrsync.errors import KRError
from okrsync.jira.live.http import JiraHttp, JiraRefused, bounded
from okrsync.jira.model import Issue, RestIssue, field_name

KEY_CHUNK = 200
"""At most this many keys or ids in one JQL list: keeps the query well under JIRA's
limits."""

PAGE_SIZE = 1000
"""Asked per page; the server answers with as many as it allows."""

MATCH_LIMIT = 1000
"""Issue ids and queries per POST /jql/match."""

FILTERS_PER_SEARCH = 100
"""Saved filters asked per GET /filter/search (JIRA takes up to 200 ids)."""

Into = Callable[[RestIssue], Issue]
"""Turns one issue as JIRA answers it into an Issue."""


class SearchPage(msgspec.Struct, kw_only=True, gc=False):
    """One page of Cloud's `/search/jql` as okrsync reads it: its issues are decoded
    straight into RestIssues (a first pull decodes tens of thousands, and half of each is
    a parent's nested fields, skipped unbuilt). A page without `issues` has none; one
    whose `issues` is not a list (null) is not a search's answer."""

    issues: list[RestIssue] = msgspec.field(default_factory=list)
    nextPageToken: Any = None  # noqa: N815 (JIRA's names)
    isLast: Any = None  # noqa: N815


class CountedPage(SearchPage, kw_only=True):
    """One page of Server / DC's `/search`: paged by `startAt` up to its `total`, so a page
    without a total cannot be paged (reading on as if it were the last would drop the
    rest unseen)."""

    total: int


decode_search = msgspec.json.Decoder(SearchPage).decode
decode_counted = msgspec.json.Decoder(CountedPage).decode


class Matched(msgspec.Struct, gc=False):
    """What `POST /jql/match` says of one query: the issues it matches and its errors
    (JIRA always sends both; an entry without them cannot say the query matched none)."""

    matchedIssues: list[int]  # noqa: N815 (JIRA's name)
    errors: list[str]


class MatchAnswer(msgspec.Struct, gc=False):
    matches: list[Matched]


_decode_match = msgspec.json.Decoder(MatchAnswer).decode


def match_decoder(queries: int) -> Callable[[bytes], MatchAnswer]:
    """Decodes a `POST /jql/match` answer for `queries` queries: JIRA answers one entry
    per query, in their order, so an answer with another number of entries cannot tell
    which is which."""
    def decode(body: bytes) -> MatchAnswer:
        answer = _decode_match(body)
        if len(answer.matches) != queries:
            raise msgspec.ValidationError(f"{len(answer.matches)} results for {queries} queries")
        return answer
    return decode


_MISSING = re.compile(r"(?:An issue with key|The issue key) '([^']+)'")
"""How JIRA names each issue a query refers to that does not exist (or cannot be seen)."""


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def listed(values: Iterable[str]) -> str:
    """`"A-1", "A-2"`: values for a JQL list."""
    return ", ".join(quote(value) for value in values)


def missing_keys(error: JiraRefused) -> dict[str, str]:
    """The issues JIRA says do not exist, each with JIRA's own words about it."""
    found: dict[str, str] = {}
    for message in error.messages:
        if match := _MISSING.search(message):
            found[match[1].upper()] = message
    return found


def server_time(info: Mapping[str, Any]) -> datetime | None:
    """`serverInfo.serverTime` (`2024-08-20T09:15:00.000+0900`) as an aware datetime."""
    text = info.get("serverTime")
    if not isinstance(text, str):
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass(frozen=True)
class Resolved:
    """An issue key from the sheet, as JIRA knows the issue now."""

    id: str
    key: str
    """Its key now (another one when it moved to another project)."""


@dataclass(frozen=True)
class Project:
    id: str
    key: str
    name: str

    def named(self, names: Iterable[str]) -> bool:
        """Whether any of `names` (lower-cased keys, names or ids) is this project."""
        return bool({self.id, self.key.lower(), self.name.lower()} & set(names))


def _by_id(issues: Iterable[Issue]) -> list[Issue]:
    """Each issue once, as last seen (a search that moved while it was paged shows an
    issue on two pages)."""
    return list({issue.id or issue.key: issue for issue in issues}.values())


def _keys(raw: Iterable[RestIssue]) -> dict[str, str]:
    """Id → key of issues as JIRA answers them."""
    return {str(item.id or ""): str(item.key).upper() for item in raw}


class JiraApi(ABC):
    """One JIRA site, as okrsync asks it things."""

    cloud: ClassVar[bool]
    can_match: ClassVar[bool]
    """Whether `match` answers (Cloud's POST /jql/match)."""

    def __init__(self, http: JiraHttp, info: Mapping[str, Any]) -> None:
        self.http = http
        self.server_time = server_time(info)
        """JIRA's own clock when okrsync connected: every window is measured on it."""
        self.connected = http.clock()
        """When okrsync connected, on the run's monotonic clock: how long ago JIRA said
        `server_time` (time spent since widens a window JIRA counts back from its now)."""
        self._fields: list[dict[str, Any]] | None = None
        self._fields_lock = threading.Lock()
        self.answered: Callable[[dict[str, Any]], None] | None = None
        """Handed every issue a search finds, whole, as JIRA answered it (`okrsync export`
        saves them)."""

    @property
    def shown(self) -> str:
        return self.http.shown

    def close(self) -> None:
        self.http.close()

    # -- fields

    def fields(self) -> list[dict[str, Any]]:
        """Every field of the site (`GET /field`), asked once."""
        with self._fields_lock:  # searches on the pool ask at once
            if self._fields is None:
                fields = self.http.get("field", None, "reading the field list")
                self._fields = [f for f in fields or () if isinstance(f, dict) and "id" in f]
            return self._fields

    def names(self) -> dict[str, str]:
        return {str(f["id"]): str(f.get("name") or f["id"]) for f in self.fields()}

    def field_id(self, name: str) -> str | None:
        wanted = field_name(name)
        for item in self.fields():
            if field_name(str(item["id"])) == wanted or field_name(
                    str(item.get("name") or "")) == wanted:
                return str(item["id"])
        return None

    def epic_field(self) -> str | None:
        """The classic Epic Link field, where children name their epic (Server / DC)."""
        return None

    # -- searching

    page: ClassVar[type[SearchPage]]
    """What a page of the site's searches holds."""

    @classmethod
    def _decode(cls, body: bytes) -> SearchPage:
        return (decode_search if cls.page is SearchPage else decode_counted)(body)

    def _found(self, body: bytes) -> SearchPage:
        """A page of a search for issues; each is also handed to `answered`, whole."""
        if self.answered is None:
            return self._decode(body)
        answer: dict[str, Any] = msgspec.json.decode(body)
        page = msgspec.convert(answer, self.page)
        for item in answer.get("issues") or ():
            self.answered(item)
        return page

    @abstractmethod
    def search(self, jql: str, fields: Sequence[str], into: Into) -> list[Issue]:
        """Every issue matching `jql`, with `fields` only. Each page becomes Issues as it
        arrives; an issue met on two pages (the search moved while it was paged) is kept
        once, as last seen."""

    @abstractmethod
    def ids(self, jql: str) -> dict[str, str]:
        """Id → key of every issue matching `jql`, from id-only pages."""

    def count(self, jql: str) -> int:
        """How many issues match `jql`, exactly: asked where `match` does not answer
        (Server / DC). Cloud counts by listing the ids (`counted`): its approximate count
        is eventually consistent, and okrsync writes only numbers it can stand behind."""
        raise NotImplementedError

    def counted(self, jql: str) -> tuple[int, dict[str, str] | None]:
        """How many issues match `jql`, and, where that costs no more requests than the
        count itself, which (id → key); None when they were not all listed."""
        found = self.ids(jql)
        return len(found), found

    def match(self, ids: Sequence[str], queries: Sequence[str]) -> list[set[str] | KRError]:
        """Which of the issue `ids` each query matches."""
        raise NotImplementedError

    @abstractmethod
    def children_jql(self, keys: Sequence[str]) -> str:
        """The JQL for the children of the issues `keys` (parents, epics)."""

    def by_ids(self, ids: Sequence[str], fields: Sequence[str], into: Into) -> list[Issue]:
        """The issues with these ids (an id JIRA no longer knows is left out)."""
        found: list[Issue] = []
        for start in range(0, len(ids), KEY_CHUNK):
            chunk = list(ids[start:start + KEY_CHUNK])
            while chunk:
                try:
                    found += self.search(f"id in ({', '.join(chunk)})", fields, into)
                    break
                except JiraRefused as error:  # deleted meanwhile: JIRA names it
                    gone = set(missing_keys(error))
                    if not gone & set(chunk):
                        raise
                    chunk = [number for number in chunk if number not in gone]
        return found

    def resolve(self, keys: Sequence[str], known: Mapping[str, str] | None = None
                ) -> dict[str, Resolved | KRError]:
        """What each issue key names now: its id and current key (a key the issue had
        before it moved to another project still resolves), or, for a key JIRA does not
        know, its words about it. `known` (key → id, from an earlier read) tells moved
        issues apart. Costs a request per 200 keys, one more for keys JIRA rejects, and
        one per moved key that cannot be told apart from another."""
        result: dict[str, Resolved | KRError] = {}
        for start in range(0, len(keys), KEY_CHUNK):
            self._resolve(list(keys[start:start + KEY_CHUNK]), result, known or {})
        return result

    def _resolve(self, asked: list[str], result: dict[str, Resolved | KRError],
                 known: Mapping[str, str]) -> None:
        while asked:
            try:
                found = self.ids(f"key in ({listed(asked)})")
                break
            except JiraRefused as error:
                missing = {k: m for k, m in missing_keys(error).items() if k in asked}
                if not missing:
                    if len(asked) == 1:
                        result[asked[0]] = KRError(error.message)
                        return
                    middle = len(asked) // 2
                    self._resolve(asked[:middle], result, known)
                    self._resolve(asked[middle:], result, known)
                    return
                for key, message in missing.items():
                    result[key] = KRError(message)
                asked = [key for key in asked if key not in missing]
        else:
            return
        by_key = {key.upper(): number for number, key in found.items()}
        for key in asked:
            if key in by_key:
                result[key] = Resolved(by_key[key], key)
            elif known.get(key) in found:  # moved since an earlier read told us its id
                result[key] = Resolved(known[key], found[known[key]].upper())
        taken = {r.id for k, r in result.items() if k in asked and isinstance(r, Resolved)}
        unmatched = [key for key in asked if key not in result]
        others = {number: key for number, key in found.items() if number not in taken}
        if len(unmatched) == 1 and len(others) == 1:  # one moved issue: it is that one
            number, now = next(iter(others.items()))
            result[unmatched[0]] = Resolved(number, now.upper())
            return
        for key in unmatched:  # several moved at once: ask each
            try:
                raw = self.http.get(f"issue/{key}", {"fields": "id"}, "finding issues by key")
            except JiraRefused as error:
                result[key] = KRError(error.message)
                continue
            result[key] = Resolved(str(raw.get("id") or ""), str(raw.get("key") or key).upper())

    # -- what changes membership without any issue being edited

    @abstractmethod
    def filters(self, ids: Sequence[int]) -> dict[int, str | KRError]:
        """The JQL of each saved filter, or why it cannot be read."""

    def _filter(self, number: int) -> str | KRError:
        try:
            raw = self.http.get(f"filter/{number}", None, "reading a filter")
        except JiraRefused as error:
            return KRError(f"filter={number}: {error.message}")
        return str(raw.get("jql") or "")

    def statuses(self) -> dict[str, tuple[str, str]]:
        """Status id → (name, category key), for every status of the site."""
        found: dict[str, tuple[str, str]] = {}
        for raw in self.http.get("status", None, "reading the statuses") or ():
            if not isinstance(raw, dict) or raw.get("id") is None:
                continue
            category = raw.get("statusCategory") or {}
            found[str(raw["id"])] = (str(raw.get("name") or ""),
                                     str(category.get("key") or ""))
        return found

    @abstractmethod
    def projects(self) -> frozenset[Project]:
        """Every project the account can browse."""

    def named(self, kind: str, project: str) -> dict[str, list[str]]:
        """A project's components or versions (`kind`): lower-cased name → ids."""
        path = "components" if kind == "component" else "versions"
        try:
            answer = self.http.get(f"project/{project}/{path}", None, "reading the projects")
        except JiraRefused:
            return {}
        found: dict[str, list[str]] = {}
        for raw in answer or ():
            if isinstance(raw, dict) and raw.get("id") is not None:
                found.setdefault(str(raw.get("name") or "").lower(), []).append(str(raw["id"]))
        return {name: sorted(ids) for name, ids in found.items()}


class CloudApi(JiraApi):
    cloud = True
    can_match = True
    page = SearchPage

    KEY_PAGE = 5000
    """Ids per page when only ids are asked (Cloud's most)."""

    def _pages(self, jql: str, fields: Sequence[str], size: int,
               decode: Callable[[bytes], SearchPage] = decode_search) -> Iterator[RestIssue]:
        """Every issue matching `jql` as JIRA answers it, page after page (each page is
        asked when the one before is used up)."""
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": size}
        while True:
            page = self.http.post("search/jql", body, "searching", decode)
            yield from page.issues
            token = page.nextPageToken
            if not token or page.isLast:
                return
            body["nextPageToken"] = token

    def search(self, jql: str, fields: Sequence[str], into: Into) -> list[Issue]:
        return _by_id(map(into, self._pages(jql, fields, PAGE_SIZE, self._found)))

    def ids(self, jql: str) -> dict[str, str]:
        return _keys(self._pages(jql, ["id"], self.KEY_PAGE))

    def match(self, ids: Sequence[str], queries: Sequence[str]) -> list[set[str] | KRError]:
        """POST /jql/match, split to stay within its limits."""
        matched: list[set[str] | KRError] = [set() for _ in queries]
        numbers = sorted({int(i) for i in ids if i.isdigit()})
        for start in range(0, len(queries), MATCH_LIMIT):
            chunk = list(queries[start:start + MATCH_LIMIT])
            for first in range(0, len(numbers), MATCH_LIMIT):
                body = {"issueIds": numbers[first:first + MATCH_LIMIT], "jqls": chunk}
                answer = self.http.post("jql/match", body, "checking changed issues",
                                        match_decoder(len(chunk)))
                for offset, entry in enumerate(answer.matches):
                    index = start + offset
                    known = matched[index]
                    if entry.errors:
                        matched[index] = KRError(bounded("; ".join(entry.errors)))
                    elif isinstance(known, set):
                        known |= {str(i) for i in entry.matchedIssues}
        return matched

    def children_jql(self, keys: Sequence[str]) -> str:
        return f"parent in ({listed(keys)})"

    def filters(self, ids: Sequence[int]) -> dict[int, str | KRError]:
        found: dict[int, str | KRError] = {}
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), FILTERS_PER_SEARCH):
            chunk = wanted[start:start + FILTERS_PER_SEARCH]
            answer = self.http.get("filter/search", {
                "id": chunk, "expand": "jql", "maxResults": len(chunk)}, "reading a filter")
            for raw in answer.get("values") or ():
                if isinstance(raw, dict) and str(raw.get("id") or "").isdigit():
                    found[int(raw["id"])] = str(raw.get("jql") or "")
        for number in wanted:  # not shown to this account: JIRA says why
            if number not in found:
                found[number] = self._filter(number)
        return found

    def projects(self) -> frozenset[Project]:
        found: set[Project] = set()
        start = 0
        while True:
            page = self.http.get("project/search", {"startAt": start, "maxResults": 100},
                                 "reading the projects")
            values = page.get("values") or []
            found |= {Project(str(p.get("id")), str(p.get("key")), str(p.get("name")))
                      for p in values if isinstance(p, dict)}
            start += len(values)
            if page.get("isLast", True) or not values:
                return frozenset(found)


class ServerApi(JiraApi):
    cloud = False
    can_match = False
    page = CountedPage

    def _page(self, jql: str, fields: Sequence[str], start: int, *, size: int = PAGE_SIZE,
              what: str = "searching", validate: bool = False,
              decode: Callable[[bytes], SearchPage] = decode_counted
              ) -> tuple[list[RestIssue], int]:
        """One page of the issues matching `jql`, from the `start`-th, as JIRA answers
        them, and how many match in all (`total`)."""
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": size,
                                "startAt": start}
        if validate:
            body["validateQuery"] = True
        page = self.http.post("search", body, what, decode)
        assert isinstance(page, CountedPage)  # as the site's pages are decoded (`page`)
        return page.issues, page.total

    def _pages(self, jql: str, fields: Sequence[str], *, validate: bool = False,
               decode: Callable[[bytes], SearchPage] = decode_counted
               ) -> Iterator[RestIssue]:
        """Every issue matching `jql` as JIRA answers it, page after page (each page is
        asked when the one before is used up)."""
        start = 0
        while True:
            batch, total = self._page(jql, fields, start, validate=validate, decode=decode)
            yield from batch
            start += len(batch)
            if not batch or start >= total:
                return

    def search(self, jql: str, fields: Sequence[str], into: Into) -> list[Issue]:
        return _by_id(map(into, self._pages(jql, fields, validate=True, decode=self._found)))

    def ids(self, jql: str) -> dict[str, str]:
        return _keys(self._pages(jql, ["id"]))

    def counted(self, jql: str) -> tuple[int, dict[str, str] | None]:
        """One page of ids: its `total`, and the ids when the page holds them all."""
        batch, total = self._page(jql, ["id"], 0, what="counting")
        return total, (_keys(batch) if len(batch) >= total else None)

    def count(self, jql: str) -> int:
        """The `total` of a zero-row page."""
        return self._page(jql, ["id"], 0, size=0, what="counting")[1]

    def epic_field(self) -> str | None:
        return self.field_id("Epic Link")

    def children_jql(self, keys: Sequence[str]) -> str:
        clause = f"parent in ({listed(keys)})"
        if self.epic_field() is not None:
            clause += f' OR "Epic Link" in ({listed(keys)})'
        return clause

    def filters(self, ids: Sequence[int]) -> dict[int, str | KRError]:
        return {number: self._filter(number) for number in sorted(set(ids))}

    def projects(self) -> frozenset[Project]:
        answer = self.http.get("project", None, "reading the projects") or []
        return frozenset(Project(str(p.get("id")), str(p.get("key")), str(p.get("name")))
                         for p in answer if isinstance(p, dict))


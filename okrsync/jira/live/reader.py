"""Reading every link of a pull from JIRA: in full, or only what can have changed.

After a read, the member issues of every link (with the fields the metrics need) are
kept in the issue cache, by issue id. The next read starts where the cursor says
(`cursor.py`, on JIRA's own clock) and asks:

- what the site looks like now, in a handful of small requests: the statuses and their
  categories, the projects the account can browse, the JQL of every saved filter a link
  uses (also nested), and the components and versions a link names. These change which
  issues a link means without editing any issue, so whatever they affect is read again:
  an issue whose status moved to another category counts by its new category; a query
  naming statuses, a changed filter or a renamed component is asked again in full; a
  project granted or taken away re-reads the queries it can touch;
- the issues updated since the last read (`updated >= "-95m"`: a relative date JIRA
  evaluates on its own clock), with a margin for its search index;
- the members of parent and epic links: on Cloud as id-only pages (5,000 a page),
  which shows deletions and moves; on Server / Data Center one count per 200 parents
  checks the members worked out from the changed issues, and only a count that
  disagrees (an issue was deleted) lists them. An issue not known yet is read in full;
- on Cloud, which of the changed and known issues each JQL link matches, many queries
  at once (`POST /rest/api/3/jql/match`); on Server / DC each JQL link as id-only pages.
  A query whose answer can change with nothing okrsync can see changing (a function, a
  relative date, WAS / CHANGED, a sprint by name, a component in no named project) is
  asked again in full.

Issues are known by id: an issue that moved to another project, or an epic whose key
changed under its children, is the same issue; any key it had still names it.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec

from okrsync.errors import KRError
from okrsync.i18n import _s
from okrsync.jira.jql import dependencies, exact_predicate, without_order_by
from okrsync.jira.links import IssueKeys, Jql, Link, SavedFilter
from okrsync.jira.live.api import KEY_CHUNK, MATCH_LIMIT, Into, JiraApi, Project, missing_keys
from okrsync.jira.live.cache import IssueCache, Site, Snapshot
from okrsync.jira.live.cursor import ChangesSince, Cursor, FullRead, decide
from okrsync.jira.live.http import JiraRefused, JiraUnavailable
from okrsync.jira.model import Issue

Answer = list[Issue] | int | KRError
Task = Callable[[], None]

_NEVER = datetime.min.replace(tzinfo=UTC)

LOCAL_FIELDS = ("labels", "components", "fixVersions", "issuetype", "project")
"""Asked of changed issues where JIRA cannot check issues against JQL in bulk (Server /
DC), so that a query on these fields can be decided from the issue itself."""

GROUP = 25
"""JQL links checked by one count on Server / DC."""

FILTER_DEPTH = 5
"""Saved filters inside saved filters are followed this deep; deeper is asked anew
every time."""


@dataclass
class Query:
    """A JQL link's query, with what its answer depends on."""

    text: str
    volatile: tuple[str, ...] = ()
    statuses: bool = False
    projects: frozenset[str] | None = None
    names: frozenset[tuple[str, str, str]] = frozenset()
    filters: dict[int, str] = field(default_factory=dict)
    """Every saved filter it includes, nested ones too: id → JQL."""
    key: str = ""
    """Its `member_key` on this read's site (set once the site is known)."""

    def member_key(self, site: Site) -> str:
        """What its members are kept under: the query and everything it depends on, so
        that an edited filter or a renamed component is a query never read before."""
        names = {f"{kind}|{project}|{name}": list(site.names.get((kind, project, name), ()))
                 for kind, project, name in sorted(self.names)}
        return "jql:" + json.dumps([self.text, sorted(self.filters.items()), names],
                                   ensure_ascii=False)


@dataclass
class ReadResult:
    answers: dict[Link, Answer]
    how: str
    """`full` (everything read) or `changes` (what changed since the last read)."""
    why: str = ""
    """For a full read, the cursor's reason (`first`, `refresh`, `clock`…)."""


def _unavailable(error: JiraUnavailable | JiraRefused) -> KRError:
    return KRError(error.problem if isinstance(error, JiraUnavailable) else error.message)


class Reader:
    """One read of every link of a pull."""

    def __init__(self, api: JiraApi, cache: IssueCache | None, *, fields: Sequence[str],
                 into: Into, signature: str, full: bool, full_refresh_days: float,
                 run: Callable[[Sequence[Task]], None], chains: int = 1) -> None:
        """`chains`: how many searches a full read of parents is split into (the pool's
        size on Cloud, whose pages of 100 issues come one after another)."""
        self.api, self.cache, self.chains = api, cache, chains
        self.local_fields = () if api.can_match else LOCAL_FIELDS
        self.fields, self.into, self.signature = list(fields), into, signature
        self.full, self.full_refresh_days = full, full_refresh_days
        self.run = run
        self.lock = threading.Lock()

    # -- the whole read

    def read(self, links: Mapping[Link, bool]) -> ReadResult:
        """The issues of every link, or (where `links[link]` says only a count is
        needed) their number; a link's failure is its KRError."""
        api = self.api
        now = api.server_time
        keeping = self.cache is not None and now is not None
        stored = self.cache.load() if self.cache is not None else None
        decision = decide(stored.cursor if stored else None, signature=self.signature,
                          now=now, full=self.full, full_refresh_days=self.full_refresh_days)
        filters = self._filters(links)
        queries = self._queries(links, filters)
        site = Site()
        if keeping:
            try:
                site = self._site(queries.values())
            except (JiraRefused, JiraUnavailable):
                keeping = False  # the site cannot be compared: read it all, keep nothing
                decision = FullRead("site")
        previous = stored if isinstance(decision, ChangesSince) and keeping else None
        self.previous = previous
        self.site = site
        self.named_as = _projects_named(site)
        for query in queries.values():
            if isinstance(query, Query):
                query.key = query.member_key(site)
        read_at = now or _NEVER  # without JIRA's clock nothing is kept
        self.state = Snapshot(
            Cursor(self.signature, read_at if previous is None else previous.cursor.full_at,
                   read_at),
            dict(previous.issues) if previous else {}, {},
            dict(stored.aliases) if stored else {}, site)
        self.changed: dict[str, Issue] = {}
        self.changed_keys: dict[str, str] = {}
        """Id → key of every issue updated since the last read (on Cloud only those
        already known are in `changed`, with their fields)."""
        self.statuses_changed: set[str] = set()
        self.projects_changed: set[Project] = set()
        if previous is not None:
            assert isinstance(decision, ChangesSince)
            try:
                self._changes_since(decision, previous)
            except (JiraRefused, JiraUnavailable):  # cannot know what changed: read it all
                previous = self.previous = None
                self.state.issues = {}
                self.changed = {}
                decision = FullRead("changes")
        answers = self._answers(links, queries)
        if keeping:
            self._save()
        how = "changes" if previous is not None else "full"
        return ReadResult(answers, how, decision.reason if isinstance(decision, FullRead)
                          else "")

    def _changes_since(self, since: ChangesSince, previous: Snapshot) -> None:
        """Issues updated since the last read, and what the site changed meanwhile."""
        old, new = previous.site, self.site
        self.statuses_changed = {number for number in set(old.statuses) | set(new.statuses)
                                 if old.statuses.get(number) != new.statuses.get(number)}
        before = {Project(*p) for p in old.projects}
        after = {Project(*p) for p in new.projects}
        self.projects_changed = before ^ after
        api = self.api
        # JIRA counts the window back from when it answers, not from when okrsync
        # connected: the time spent since (the site's checks, waits) widens it.
        since = ChangesSince(since.minutes + math.ceil(
            max(0.0, api.http.clock() - api.connected) / 60))
        if api.can_match:
            # Only what is known needs its fields again: the ids are cheap (5,000 a page),
            # and a site busy elsewhere costs no more than its ids. New members are found
            # (and read) by the membership checks.
            found = api.ids(since.jql)
            self.changed_keys = found
            known = [n for n in found if n in self.state.issues]
            changed = api.by_ids(known, self.fields, self.into)
        else:  # Server / DC: pages hold 1,000 with fields or without; each changed issue
            # is decided locally against the JQL links, so it needs its fields
            changed = api.search(since.jql, sorted({*self.fields, *self.local_fields}),
                                 self.into)
            self.changed_keys = {issue.id: issue.key for issue in changed}
        self.changed = {issue.id: issue for issue in changed}
        issues = self.state.issues
        if self.statuses_changed:  # a status moved to another category: no issue edited
            for number, issue in list(issues.items()):
                if issue.status_id in self.statuses_changed and issue.status_id in \
                        new.statuses:
                    name, category = new.statuses[issue.status_id]
                    issues[number] = msgspec.structs.replace(issue, status=name,
                                                         status_category=category)
        issues.update(self.changed)
        anchors = set(self.state.aliases.values())
        for number, key in self.changed_keys.items():  # a moved epic: its new key names it
            if number in anchors:
                self.state.aliases[key.upper()] = number

    def _answers(self, links: Mapping[Link, bool], queries: Mapping[Link, Query | KRError]
                 ) -> dict[Link, Answer]:
        answers: dict[Link, Answer] = {}
        children: dict[str, list[Issue] | KRError] = {}
        tasks = self._parent_tasks(links, children)
        by_text: dict[str, Query] = {}
        counted: dict[str, bool] = {}
        for link, query in queries.items():
            if isinstance(query, KRError):
                answers[link] = query
                continue
            by_text.setdefault(query.text, query)
            counted[query.text] = counted.get(query.text, True) and links[link]
        found: dict[str, Answer] = {}
        incremental = [q for q in by_text.values() if not self._needs_full(q)]
        if self.api.can_match:  # a big count is cheaper listed (5,000 ids a page) than
            # matched (1,000 a request)
            incremental = [q for q in incremental if not (counted[q.text] and len(
                self._members(q)) > MATCH_LIMIT)]
        for query in by_text.values():
            if query not in incremental:
                tasks.append(functools.partial(self._query_in_full, query,
                                               counted[query.text], found))
        if incremental and not self.api.can_match:
            tasks += self._worked_out(incremental, counted, found)
        self.run(tasks)
        if incremental and self.api.can_match:
            self._match(incremental, counted, found)
        for link, query in queries.items():
            if not isinstance(query, KRError):
                answers[link] = found[query.text]
        for link in links:
            if isinstance(link, IssueKeys):
                answers[link] = _merged(link, children)
        return answers

    def _save(self) -> None:
        assert self.cache is not None
        state = self.state
        members = set().union(*state.members.values())
        if not members.issuperset(state.issues):
            state.issues = {n: issue for n, issue in state.issues.items() if n in members}
        anchors = {key.removeprefix("parent:") for key in state.members
                   if key.startswith("parent:")}
        state.aliases = {key: n for key, n in state.aliases.items() if n in anchors}
        self.cache.save(state)

    # -- the site: filters, statuses, projects, names

    def _filters(self, links: Iterable[Link]) -> dict[int, str | KRError]:
        """The JQL of every saved filter the links use, nested ones too."""
        wanted: set[int] = set()
        for link in links:
            if isinstance(link, SavedFilter):
                wanted.add(link.id)
            elif isinstance(link, Jql):
                wanted |= dependencies(link.query).filters
        known: dict[int, str | KRError] = {}
        for _depth in range(FILTER_DEPTH):
            asked = sorted(wanted - set(known))
            if not asked:
                break
            try:
                found = self.api.filters(asked)
            except (JiraRefused, JiraUnavailable) as error:
                found = dict.fromkeys(asked, _unavailable(error))
            known.update(found)
            for jql in found.values():
                if isinstance(jql, str):
                    wanted |= dependencies(jql).filters
        return known

    def _queries(self, links: Iterable[Link], filters: Mapping[int, str | KRError]
                 ) -> dict[Link, Query | KRError]:
        queries: dict[Link, Query | KRError] = {}
        for link in links:
            if isinstance(link, SavedFilter):
                jql = filters.get(link.id)
                if isinstance(jql, KRError) or jql is None:
                    queries[link] = jql or KRError(f"{link}")
                    continue
                queries[link] = self._query(jql, filters)
            elif isinstance(link, Jql):
                queries[link] = self._query(link.query, filters)
        return queries

    @staticmethod
    def _query(text: str, filters: Mapping[int, str | KRError]) -> Query:
        """`text` with what it depends on, through the filters it includes."""
        found = dependencies(text)
        query = Query(text, found.volatile, found.statuses, found.projects, found.names)
        pending = sorted(found.filters)
        seen: set[int] = set()
        volatile = list(query.volatile)
        while pending:
            number = pending.pop()
            if number in seen:
                continue
            seen.add(number)
            jql = filters.get(number)
            if not isinstance(jql, str):  # unreadable or too deep: JIRA decides each time
                volatile.append(f"filter={number}")
                continue
            query.filters[number] = jql
            inner = dependencies(jql)
            volatile += inner.volatile
            query.statuses = query.statuses or inner.statuses
            query.names |= inner.names
            pending += sorted(inner.filters - seen)
        query.volatile = tuple(dict.fromkeys(volatile))
        return query

    def _site(self, queries: Iterable[Query | KRError]) -> Site:
        """The site as it is now: statuses, projects, filters and the names links use."""
        api = self.api
        projects = api.projects()
        site = Site(api.statuses(), frozenset((p.id, p.key, p.name) for p in projects))
        wanted = {name for q in queries if isinstance(q, Query) for name in q.names}
        lists: dict[tuple[str, str], dict[str, list[str]]] = {}
        for kind, project, name in sorted(wanted):
            match = next((p for p in projects if p.named([project])), None)
            if match is None:
                site.names[(kind, project, name)] = ()
                continue
            if (kind, match.id) not in lists:
                lists[(kind, match.id)] = api.named(kind, match.id)
            site.names[(kind, project, name)] = tuple(lists[(kind, match.id)].get(name, ()))
        for query in queries:
            if isinstance(query, Query):
                site.filters.update(query.filters)
        return site

    def _members(self, query: Query) -> list[str]:
        assert self.previous is not None
        return self.previous.members.get(query.key, [])

    def _needs_full(self, query: Query) -> bool:
        previous = self.previous
        if previous is None or query.volatile:
            return True
        if query.key not in previous.members:
            return True
        if self.statuses_changed and query.statuses:
            return True
        bound = query.projects
        return bool(self.projects_changed) and (bound is None or any(
            project.named(bound) for project in self.projects_changed))

    # -- parent and epic links

    def _parent_tasks(self, links: Iterable[Link], children: dict[str, list[Issue] | KRError]
                      ) -> list[Task]:
        keys = sorted({key for link in links if isinstance(link, IssueKeys)
                       for key in link.keys})
        aliases = self.state.aliases
        if keys:  # asked every read (a request per 200 keys): a key can come to name
            # another issue (its project deleted and made again), or none
            try:
                resolved = self.api.resolve(keys, aliases)
            except (JiraRefused, JiraUnavailable) as error:
                resolved = dict.fromkeys(keys, _unavailable(error))
            for key, found in resolved.items():
                if isinstance(found, KRError):
                    children[key] = found
                    aliases.pop(key, None)
                else:
                    aliases[key] = aliases[found.key] = found.id
        keys = [key for key in keys if key not in children]
        previous = self.previous
        known = [k for k in keys if previous is not None
                 and f"parent:{aliases[k]}" in previous.members]
        new = [k for k in keys if k not in known]
        tasks: list[Task] = []
        # A full read splits the parents across the pool (Cloud pages hold 100 issues and
        # come one after another); id-only pages and counts take 200 parents a request.
        size = max(1, min(KEY_CHUNK, -(-len(new) // self.chains)))
        for start in range(0, len(new), size):
            tasks.append(functools.partial(self._children_in_full, new[start:start + size],
                                           children))
        read = self._children_by_id if self.api.can_match or self.projects_changed \
            else self._children_counted
        for start in range(0, len(known), KEY_CHUNK):
            tasks.append(functools.partial(read, known[start:start + KEY_CHUNK], children))
        return tasks

    def _refused(self, error: JiraRefused, keys: list[str],
                 children: dict[str, list[Issue] | KRError],
                 again: Callable[[list[str], dict[str, list[Issue] | KRError]], None]) -> None:
        """A search over `keys` JIRA refused: the keys it names fail (a deleted issue),
        the others are asked again; when it names none, halving finds the bad one."""
        named = {key: message for key, message in missing_keys(error).items() if key in keys}
        if named:
            with self.lock:
                for key, message in named.items():
                    children[key] = KRError(message)
            rest = [key for key in keys if key not in named]
            if rest:
                again(rest, children)
            return
        if len(keys) == 1:
            with self.lock:
                children[keys[0]] = KRError(error.message)
            return
        middle = len(keys) // 2
        again(keys[:middle], children)
        again(keys[middle:], children)

    def _children(self, keys: list[str], children: dict[str, list[Issue] | KRError],
                  again: Callable[[list[str], dict[str, list[Issue] | KRError]], None],
                  read: Callable[[], list[Issue]]) -> None:
        """Give `keys` the children `read` finds; a refusal fails the keys JIRA names and
        asks `again` for the others; an unavailable JIRA fails them all."""
        try:
            issues = read()
        except JiraRefused as error:
            self._refused(error, keys, children, again)
            return
        except JiraUnavailable as error:
            with self.lock:
                children.update(dict.fromkeys(keys, _unavailable(error)))
            return
        self._assign(keys, issues, children)

    def _children_in_full(self, keys: list[str], children: dict[str, list[Issue] | KRError]
                          ) -> None:
        def read() -> list[Issue]:
            found = self.api.search(self.api.children_jql(keys), self.fields, self.into)
            with self.lock:
                for issue in found:
                    self.state.issues[issue.id] = issue
            return found

        self._children(keys, children, self._children_in_full, read)

    def _children_by_id(self, keys: list[str], children: dict[str, list[Issue] | KRError]
                        ) -> None:
        """The current children of `keys` from id-only pages; unknown ones read in full."""
        def read() -> list[Issue]:
            ids = self.api.ids(self.api.children_jql(keys))
            with self.lock:
                missing = [n for n in ids if n not in self.state.issues]
            found = self.api.by_ids(missing, self.fields, self.into)
            with self.lock:
                for issue in found:
                    self.state.issues[issue.id] = issue
                return [self.state.issues[n] for n in ids if n in self.state.issues]

        self._children(keys, children, self._children_by_id, read)

    def _children_counted(self, keys: list[str], children: dict[str, list[Issue] | KRError]
                          ) -> None:
        """Server / DC: the children worked out from the changed issues, checked by one
        count; a count that disagrees (an issue was deleted) lists them by id."""
        previous = self.previous
        assert previous is not None
        aliases = self.state.aliases
        anchors = {aliases[key] for key in keys}
        members: set[str] = set()
        for anchor in anchors:
            members |= set(previous.members.get(f"parent:{anchor}", ())) - set(self.changed)
        members |= {n for n, issue in self.changed.items() if self._anchors_of(issue) & anchors}
        try:
            total = self.api.count(self.api.children_jql(keys))
        except JiraRefused as error:
            self._refused(error, keys, children, self._children_counted)
            return
        except JiraUnavailable as error:
            with self.lock:
                children.update(dict.fromkeys(keys, _unavailable(error)))
            return
        with self.lock:
            known = all(n in self.state.issues for n in members)
            issues = [self.state.issues[n] for n in members if n in self.state.issues]
        if total != len(members) or not known:
            self._children_by_id(keys, children)
            return
        self._assign(keys, issues, children)

    def _anchors_of(self, issue: Issue) -> set[str]:
        """The ids of the parent and the epic an issue names."""
        aliases = self.state.aliases
        found = set()
        if issue.parent_id:
            found.add(issue.parent_id)
        elif issue.parent and issue.parent in aliases:
            found.add(aliases[issue.parent])
        if issue.epic and issue.epic in aliases:
            found.add(aliases[issue.epic])
        return found

    def _resolve_epics(self, issues: Iterable[Issue]) -> None:
        """Learn the ids of epics named by a key not seen before (an epic that moved to
        another project is named by its new key)."""
        with self.lock:
            unknown = sorted({i.epic for i in issues if i.epic}
                             - set(self.state.aliases))
        if not unknown:
            return
        try:
            resolved = self.api.resolve(unknown)
        except (JiraRefused, JiraUnavailable):
            return
        with self.lock:
            for key, found in resolved.items():
                if not isinstance(found, KRError):
                    self.state.aliases[key] = self.state.aliases[found.key] = found.id

    def _assign(self, keys: Sequence[str], issues: Sequence[Issue],
                children: dict[str, list[Issue] | KRError]) -> None:
        """Give each parent key its children, by id."""
        self._resolve_epics(issues)
        with self.lock:
            aliases = self.state.aliases
            by_anchor: dict[str, list[Issue]] = {aliases[key]: [] for key in keys}
            for issue in issues:
                for anchor in self._anchors_of(issue):
                    if anchor in by_anchor:
                        by_anchor[anchor].append(issue)
            for key in keys:
                found = by_anchor[aliases[key]]
                children[key] = found
                self.state.members[f"parent:{aliases[key]}"] = [i.id for i in found]

    # -- JQL links

    def _keep(self, query: Query, members: Sequence[str]) -> None:
        if not query.volatile:
            self.state.members[query.key] = list(members)

    def _query_in_full(self, query: Query, count: bool, found: dict[str, Answer]) -> None:
        api = self.api
        answer: Answer
        try:
            if count:
                answer, ids = api.counted(query.text)
                if ids is not None:  # known members: the next read checks only changes
                    with self.lock:
                        self._keep(query, list(ids))
            else:
                issues = api.search(query.text, self.fields, self.into)
                answer = issues
                with self.lock:
                    for issue in issues:
                        self.state.issues[issue.id] = issue
                    self._keep(query, [issue.id for issue in issues])
        except (JiraRefused, JiraUnavailable) as error:
            answer = _unavailable(error)
        with self.lock:
            found[query.text] = answer

    def _query_by_id(self, query: Query, count: bool, found: dict[str, Answer]) -> None:
        """Server / DC: the members from id-only pages; unknown ones read in full."""
        api = self.api
        try:
            ids = api.ids(query.text)
            with self.lock:
                missing = [n for n in ids if n not in self.state.issues]
            read = [] if count else api.by_ids(missing, self.fields, self.into)
        except (JiraRefused, JiraUnavailable) as error:
            with self.lock:
                found[query.text] = _unavailable(error)
            return
        with self.lock:
            for issue in read:
                self.state.issues[issue.id] = issue
            self._keep(query, list(ids))
            found[query.text] = len(ids) if count else [
                self.state.issues[n] for n in ids if n in self.state.issues]

    def _worked_out(self, queries: list[Query], counted: Mapping[str, bool],
                    found: dict[str, Answer]) -> list[Task]:
        """Server / DC: each query's members worked out from the changed issues, where the
        issue's own fields decide the query exactly as JIRA would; one count per group of
        queries checks them (an issue deleted meanwhile shows there). The others, and a
        group whose count disagrees, are listed by id; a count the issues cannot decide is
        asked as a full read asks it, in one page."""
        previous = self.previous
        assert previous is not None
        tasks: list[Task] = []
        decided: list[tuple[Query, list[str]]] = []
        changed = set(self.changed)
        in_project: dict[str, list[tuple[str, Issue]]] = {}
        for number, issue in self.changed.items():
            in_project.setdefault(_project_key(issue.key), []).append((number, issue))
        for query in queries:
            exact = exact_predicate(query.text)
            if exact is not None and not self._case_in_doubt(exact[1]):
                predicate = exact[0]
                before = set(previous.members[query.key]) - changed
                reach = self._reach([query])  # an issue elsewhere cannot match
                candidates = (self.changed.items() if reach is None else
                              [pair for key in reach for pair in in_project.get(key, ())])
                now = {n for n, issue in candidates if predicate(issue)}
                decided.append((query, sorted(before | now)))
            elif counted[query.text]:  # a count needs no members: one page, as in full
                tasks.append(functools.partial(self._query_in_full, query, True, found))
            else:
                tasks.append(functools.partial(self._query_by_id, query, False, found))
        for start in range(0, len(decided), GROUP):
            tasks.append(functools.partial(self._check, decided[start:start + GROUP],
                                           counted, found))
        return tasks

    def _case_in_doubt(self, labels: frozenset[str]) -> bool:
        """Whether a changed issue has a label that differs from a named one only in
        case (JIRA compared labels with case before 7.10, without since)."""
        folded = {label.lower() for label in labels}
        return any(label not in labels and label.lower() in folded
                   for issue in self.changed.values() for label in issue.labels)

    def _check(self, group: list[tuple[Query, list[str]]], counted: Mapping[str, bool],
               found: dict[str, Answer]) -> None:
        union = {n for _, members in group for n in members}
        try:
            total: int | None = self.api.count(" OR ".join(
                f"({without_order_by(query.text)})" for query, _ in group))
        except (JiraRefused, JiraUnavailable, KRError):
            total = None
        with self.lock:  # a count needs no issue; the others need theirs
            known = all(n in self.state.issues for query, members in group
                        if not counted[query.text] for n in members)
        if total != len(union) or not known:
            for query, _ in group:
                self._query_by_id(query, counted[query.text], found)
            return
        with self.lock:
            for query, members in group:
                self._keep(query, members)
                found[query.text] = len(members) if counted[query.text] else [
                    self.state.issues[n] for n in members]

    def _reach(self, queries: Iterable[Query]) -> set[str] | None:
        """The keys (lower-cased) of the projects the queries can match in, as an issue's
        key tells them; None when any project, or one the site does not know by the name,
        key or id a query gives it."""
        reach: set[str] = set()
        for query in queries:
            if query.projects is None:
                return None
            for named in query.projects:
                keys = self.named_as.get(named)
                if not keys:
                    return None
                reach |= keys
        return reach

    def _match(self, queries: list[Query], counted: Mapping[str, bool],
               found: dict[str, Answer]) -> None:
        """Cloud: which known or changed issues each query matches now, in few requests."""
        previous = self.previous
        assert previous is not None
        reach = self._reach(queries)
        candidates = {number for number, key in self.changed_keys.items()
                      if reach is None or _project_key(key) in reach}
        for query in queries:
            candidates |= set(previous.members[query.key])
        try:
            matched = self.api.match(sorted(candidates), [q.text for q in queries])
        except (JiraRefused, JiraUnavailable):
            self.run([functools.partial(self._query_in_full, query, counted[query.text],
                                        found) for query in queries])  # slower, still exact
            return
        for query, answer in zip(queries, matched, strict=True):
            if isinstance(answer, KRError):
                found[query.text] = answer
                continue
            members = sorted(answer)
            self._keep(query, members)
            if counted[query.text]:
                found[query.text] = len(members)
                continue
            missing = [n for n in members if n not in self.state.issues]
            try:
                read = self.api.by_ids(missing, self.fields, self.into)
            except (JiraRefused, JiraUnavailable) as error:
                found[query.text] = _unavailable(error)
                continue
            for issue in read:
                self.state.issues[issue.id] = issue
            found[query.text] = [self.state.issues[n] for n in members
                                 if n in self.state.issues]


def _projects_named(site: Site) -> dict[str, set[str]]:
    """Each project's id, key and name (lower-cased) → the keys (lower-cased) of the
    projects so named."""
    named_as: dict[str, set[str]] = {}
    for project in (Project(*p) for p in site.projects):
        key = project.key.lower()
        for name in (project.id, key, project.name.lower()):
            named_as.setdefault(name, set()).add(key)
    return named_as


def _project_key(issue_key: str) -> str:
    """The key (lower-cased) of the project an issue is in, as its key tells it."""
    return issue_key.rpartition("-")[0].lower()


def _merged(link: IssueKeys, children: Mapping[str, list[Issue] | KRError]
            ) -> list[Issue] | KRError:
    merged: dict[str, Issue] = {}
    for key in link.keys:
        answer = children.get(key, [])
        if isinstance(answer, KRError):
            return answer
        for issue in answer:
            merged[issue.id or issue.key] = issue
    if not merged:
        return KRError(_s("no child issues of {link} in JIRA").format(link=link))
    return list(merged.values())


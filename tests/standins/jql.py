"""JQL as the JIRA stand-in answers it: an evaluator written from Atlassian's documentation
of JQL, over the issues as the stand-in holds them (`raw["fields"]`, with live values).

It shares no code with okrsync's own reading of JQL (okrsync.jira.jql): a stand-in that
evaluated JQL with the code under test could never disagree with it.

What it follows (Atlassian, "Advanced searching - operators / keywords / fields reference",
"Search syntax for text fields"):

- Precedence: NOT binds tighter than AND, AND tighter than OR; parentheses group. `&&`,
  `||` and `!` are AND, OR and NOT. ORDER BY only sorts.
- `field != value` is the same as `NOT field = value`, and neither matches an issue whose
  field is empty; NOT IN is several `!=`, and matches no empty field either. NOT is read
  that way over any clause: it is pushed down to the clauses (De Morgan), each operator
  turning into its opposite (`=`/`!=`, `in`/`not in`, `is`/`is not`, `~`/`!~`, `>=`/`<`…).
  `field = EMPTY` is `field is EMPTY`; `field != EMPTY` is `field is not EMPTY`; IN is
  several `=` (so `in (EMPTY, x)` matches an empty field or x).
- Values compare without case: project (key, name or id), issue type and status (name or
  id), status category (key, name or id), component and fix version (name or id, by their
  current names), labels (without case since JIRA 7.10; the stand-in plays Cloud and Data
  Center 9.12).
- Issues (`key`, `issuekey`, `id`, `issue`, `parent`, and the Epic Link field on Server /
  DC) are named by key, by id, or by a key the issue had before it moved.
- A value the site does not know (a project, an issue, a status…) is refused in JIRA's
  words, one message for each, as is a field it does not have.
- `summary ~ "words"`: every word must be in the summary (words are joined by AND); the
  stand-in answers only when stemming, stop words and the default operator cannot change
  the answer, and says it cannot evaluate the query otherwise.
- `updated` / `created` against relative dates (`-95m`, `"-2d 4h"`) counted back from the
  site's clock, or absolute ones (`"2024-08-01 09:00"`) in the site's time zone.
- `filter = 777`: the saved filter's query, as if written in its place.

Anything else (functions, history, other fields) raises NotImplementedError: the
stand-in says it cannot answer rather than guess.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .jira import JiraStandIn

Raw = dict[str, Any]
Test = Callable[[Raw], bool]

UNBOUNDED = ("Unbounded JQL queries are not allowed here. Please add a search restriction to "
             "your query.")


class JqlRefused(Exception):
    """JIRA answers 400 with these messages."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


def cannot(what: str) -> NotImplementedError:
    return NotImplementedError(f"the stand-in cannot evaluate {what}")


# ---------------------------------------------------------------- reading the query

_TOKEN = re.compile(r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>!=|!~|>=|<=|&&|\|\||=|~|>|<|!|\(|\)|,|&|\|)
  | (?P<word>[^\s=!~<>(),"'&|]+)
)""", re.VERBOSE | re.DOTALL)

RESERVED = frozenset({"AND", "OR", "NOT", "EMPTY", "NULL", "ORDER", "BY", "IN", "IS",
                      "WAS", "CHANGED", "ASC", "DESC"})


@dataclass(frozen=True)
class Token:
    kind: str  # string | op | word | end
    text: str
    at: int

    def word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    def op(self, *ops: str) -> bool:
        return self.kind == "op" and self.text in ops


@dataclass(frozen=True)
class Value:
    """One operand: a value, EMPTY, a list, or a function call."""

    text: str = ""
    empty: bool = False
    items: tuple[Value, ...] | None = None
    function: str | None = None


@dataclass(frozen=True)
class Clause:
    name: str
    """The field as written, unquoted (`project`, `Epic Link`, `cf[10014]`)."""
    operator: str
    """`=`, `!=`, `~`, `!~`, `>`, `>=`, `<`, `<=`, `in`, `not in`, `is`, `is not`."""
    value: Value

    @property
    def field(self) -> str:
        return " ".join(self.name.lower().split())


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    inner: Node


Node = Clause | And | Or | Not


def _tokens(query: str) -> list[Token]:
    found: list[Token] = []
    at = 0
    while query[at:].strip():
        match = _TOKEN.match(query, at)
        if match is None or match.end() == at:
            rest = query[at:].lstrip()
            if rest[:1] in "\"'":
                raise JqlRefused(f"Error in the JQL Query: The quoted string {rest!r} has not "
                                 "been completed.")
            raise JqlRefused(f"Error in the JQL Query: The character '{rest[:1]}' is a "
                             "reserved JQL character. You must enclose it in a string or use "
                             "the escape '\\u" f"{ord(rest[:1]):04x}' instead.")
        kind = match.lastgroup or ""
        text = match[kind]
        if kind == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1], flags=re.DOTALL)
        found.append(Token(kind, text, match.start(kind)))
        at = match.end()
    found.append(Token("end", "", len(query)))
    return found


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokens(query)
        self.at = 0

    @property
    def next(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        if token.kind != "end":
            self.at += 1
        return token

    def fail(self, expected: str) -> JqlRefused:
        found = self.next
        shown = "end of query" if found.kind == "end" else f"'{found.text}'"
        return JqlRefused(f"Error in the JQL Query: Expecting {expected} but got {shown}. "
                          f"The query was: {self.query}")

    def parse(self) -> Node | None:
        """The query's condition; None when it has none (empty, or ORDER BY only)."""
        tree = None if self._at_order_by() or self.next.kind == "end" else self._or()
        if self._at_order_by():
            self._order_by()
        if self.next.kind != "end":
            raise self.fail("either 'OR' or 'AND'" if tree is not None else "a field name")
        return tree

    def _at_order_by(self) -> bool:
        return self.next.word("ORDER") and self.tokens[self.at + 1].word("BY")

    def _order_by(self) -> None:
        self.at += 2
        while True:
            field = self.take()
            if field.kind not in ("word", "string"):
                raise self.fail("a field name")
            if self.next.word("ASC", "DESC"):
                self.take()
            if not self.next.op(","):
                return
            self.take()

    def _or(self) -> Node:
        parts = [self._and()]
        while self.next.word("OR") or self.next.op("||", "|"):
            self.take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def _and(self) -> Node:
        parts = [self._not()]
        while self.next.word("AND") or self.next.op("&&", "&"):
            self.take()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _not(self) -> Node:
        if self.next.word("NOT") or self.next.op("!"):
            self.take()
            return Not(self._not())
        if self.next.op("("):
            self.take()
            inner = self._or()
            if not self.next.op(")"):
                raise self.fail("')'")
            self.take()
            return inner
        return self._clause()

    def _clause(self) -> Clause:
        field = self.next
        if field.kind not in ("word", "string") or (
                field.kind == "word" and field.text.upper() in RESERVED):
            raise self.fail("a field name")
        self.take()
        token = self.take()
        if token.op("=", "!=", "~", "!~", ">", ">=", "<", "<="):
            operator = token.text
        elif token.word("IN"):
            operator = "in"
        elif token.word("NOT") and self.next.word("IN"):
            self.take()
            operator = "not in"
        elif token.word("IS"):
            operator = "is"
            if self.next.word("NOT"):
                self.take()
                operator = "is not"
            if not self.next.word("EMPTY", "NULL"):
                raise self.fail("'EMPTY' or 'NULL'")
        elif token.word("WAS", "CHANGED"):
            raise cannot(f"history ({token.text.upper()}) in {self.query!r}")
        else:
            self.at -= 1
            raise self.fail("operator")
        return Clause(field.text, operator, self._value())

    def _value(self) -> Value:
        token = self.take()
        if token.op("("):
            return Value(items=self._items(call=False))
        if token.kind == "word" and self.next.op("("):
            self.take()
            return Value(token.text, function=token.text, items=self._items(call=True))
        if token.word("EMPTY", "NULL"):
            return Value(token.text, empty=True)
        if token.kind == "string" or (token.kind == "word" and token.text.upper() not in
                                      RESERVED):
            return Value(token.text)
        self.at -= 1
        raise self.fail("either a value, 'EMPTY' or a function")

    def _items(self, *, call: bool) -> tuple[Value, ...]:
        """The rest of `(a, b, …)`, its opening parenthesis read (a function's arguments
        when `call`: they may be none)."""
        if call and self.next.op(")"):
            self.take()
            return ()
        items = [self._value()]
        while self.next.op(","):
            self.take()
            items.append(self._value())
        if not self.next.op(")"):
            raise self.fail("')'")
        self.take()
        return tuple(items)


def parse(query: str) -> Node | None:
    """The query's condition (None when it has none); JqlRefused when JIRA could not
    read it."""
    return _Parser(query).parse()


# ---------------------------------------------------------------- fields

FLIPPED = {"=": "!=", "!=": "=", "in": "not in", "not in": "in", "is": "is not",
           "is not": "is", "~": "!~", "!~": "~", ">": "<=", "<=": ">", "<": ">=", ">=": "<"}
"""What NOT makes of each operator."""

FILTER_FIELDS = frozenset({"filter", "savedfilter", "request", "searchrequest"})
DATE_FIELDS = {"updated": "updated", "updateddate": "updated", "created": "created",
               "createddate": "created"}
ISSUE_FIELDS = frozenset({"key", "issuekey", "id", "issue"})

JQL_ONLY_FIELDS = frozenset({
    "affectedversion", "approvals", "assignee", "attachments", "category", "comment",
    "component", "created", "createddate", "creator", "description", "due", "duedate",
    "environment", "epic link", "filter", "fixversion", "id", "issue", "issuekey",
    "issuelinktype", "issuetype", "key", "labels", "lastviewed", "level", "organizations",
    "originalestimate", "parent", "priority", "project", "projectcategory", "projecttype",
    "remainingestimate", "reporter", "request", "resolution", "resolutiondate", "resolved",
    "savedfilter", "searchrequest", "sprint", "status", "statuscategory", "summary", "team",
    "text", "timeestimate", "timeoriginalestimate", "timespent", "type", "updated",
    "updateddate", "voter", "votes", "watcher", "watchers", "workratio"})
"""JIRA's system clause names (Atlassian, "Advanced searching - fields reference"), beside
those the site's `GET /field` lists: a clause on one of them that the stand-in does not
evaluate is NotImplementedError, not JIRA's "does not exist"."""

_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]*-\d+")

_STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with"})
"""Lucene's English stop words: whether JIRA drops them from a text search is a setting
the stand-in does not guess."""


@dataclass
class _Values:
    """A field compared by identity: each issue's values and each JQL value as tokens
    (ids, lower-cased names). `resolve` returns None for a value the site does not know
    (having said so in JIRA's words)."""

    of: Callable[[Raw], frozenset[str]]
    resolve: Callable[[str], frozenset[str] | None]


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def _parse_stamp(stamp: str) -> datetime:
    """`2024-08-01T09:00:00.000+0900`, as JIRA writes dates."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z")


COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b}


class Evaluator:
    """JQL over one stand-in's issues as they are now."""

    MAX_FILTER_DEPTH = 5

    def __init__(self, site: JiraStandIn) -> None:
        self.site = site
        self.rejected: list[str] = []
        self.query = ""
        self.depth = 0

    # -- entry

    def matching(self, jql: str, *, bounded: bool) -> list[Raw]:
        """The visible issues `jql` matches, in the site's order."""
        self.query = jql
        tree = parse(jql)
        site = self.site
        if tree is None:
            if bounded:
                raise JqlRefused(UNBOUNDED)
            return [raw for raw in site.issues if site._visible(raw)]
        test = self.compile(tree)
        if self.rejected:  # JIRA names every field and value it cannot find
            raise JqlRefused(*dict.fromkeys(self.rejected))
        return [raw for raw in site.issues if site._visible(raw) and test(raw)]

    def compile(self, node: Node, negated: bool = False) -> Test:
        """`node` as a test on an issue. NOT is pushed down to the clauses, as JIRA reads
        it: `NOT (a AND b)` is `NOT a OR NOT b`, and `NOT f = v` is `f != v`."""
        if isinstance(node, Not):
            return self.compile(node.inner, not negated)
        if isinstance(node, Clause):
            return self._clause(node, negated)
        parts = [self.compile(part, negated) for part in node.parts]
        if isinstance(node, And) != negated:
            return lambda raw: all(part(raw) for part in parts)
        return lambda raw: any(part(raw) for part in parts)

    # -- clauses

    def _clause(self, clause: Clause, negated: bool) -> Test:
        field = clause.field
        if field in FILTER_FIELDS:
            if negated or clause.operator != "=":
                raise cannot(f"a saved filter negated or with {clause.operator!r} in "
                             f"{self.query!r}")
            return self._filter(clause)
        operator = FLIPPED[clause.operator] if negated else clause.operator
        if field in DATE_FIELDS:
            return self._date(clause, DATE_FIELDS[field], operator)
        if field == "summary":
            return self._text(clause, operator)
        values = self._field(clause)
        if values is None:
            return lambda raw: False  # refused: the query is answered with errors
        return self._compare(clause, operator, values)

    def _compare(self, clause: Clause, operator: str, field: _Values) -> Test:
        value = clause.value
        if value.function is not None:
            raise cannot(f"the function {value.function}() in {self.query!r}")
        if operator in ("is", "is not") or (operator in ("=", "!=") and value.empty):
            empty = operator in ("is", "=")
            return lambda raw: (not field.of(raw)) == empty
        if operator in ("=", "!="):
            if value.items is not None:
                self.rejected.append(f"The operator '{clause.operator}' does not support the "
                                     f"list value '{self._shown(value)}' for field "
                                     f"'{clause.name}'.")
                return lambda raw: False
            items: tuple[Value, ...] = (value,)
        elif operator in ("in", "not in"):
            if value.items is None:
                self.rejected.append(f"The operator '{clause.operator}' does not support the "
                                     f"non-list value '{value.text}' for field "
                                     f"'{clause.name}'.")
                return lambda raw: False
            items = value.items
        else:
            self.rejected.append(f"The operator '{clause.operator}' is not supported by the "
                                 f"'{clause.name}' field.")
            return lambda raw: False
        for item in items:
            if item.function is not None or item.items is not None:
                raise cannot(f"{self._shown(item)} inside a list in {self.query!r}")
        or_empty = any(item.empty for item in items)
        wanted: set[str] = set()
        for item in items:
            if not item.empty:
                wanted |= field.resolve(item.text) or frozenset()
        if operator in ("=", "in"):
            return lambda raw: bool(field.of(raw) & wanted) or (or_empty and not field.of(raw))
        # != and NOT IN never match an empty field (nor does NOT IN with EMPTY listed)
        return lambda raw: bool(have := field.of(raw)) and not have & wanted

    @staticmethod
    def _shown(value: Value) -> str:
        if value.items is not None:
            inner = ", ".join(Evaluator._shown(item) for item in value.items)
            return f"{value.function or ''}({inner})"
        return value.text

    def _field(self, clause: Clause) -> _Values | None:
        """How `clause.field` compares; None (with JIRA's message) when the site has no
        such field; NotImplementedError for a field the stand-in does not evaluate."""
        site = self.site
        field = clause.field
        extra = site._jql_values(field)
        if extra is not None:
            return _Values(lambda raw: frozenset(v.lower() for v in extra(raw) if v),
                           lambda text: frozenset({text.strip().lower()}))
        custom = re.fullmatch(r"cf\[(\d+)\]", field)
        custom_id = f"customfield_{custom[1]}" if custom else None
        names = {f["id"]: " ".join(f["name"].lower().split()) for f in site.fields}
        if custom_id is not None and custom_id in names:
            field = names[custom_id]
        if field == "project":
            return _Values(self._project_of, lambda text: self._project(clause, text))
        if field in ISSUE_FIELDS:
            return _Values(lambda raw: frozenset({raw["id"]}),
                           lambda text: self._issue(clause, text))
        if field == "parent":
            return _Values(self._parent_of, lambda text: self._issue(clause, text))
        if field == "epic link" and not site.cloud and "customfield_10014" in names:
            return _Values(self._epic_of, lambda text: self._issue(clause, text))
        if field == "labels":
            return _Values(lambda raw: frozenset(
                str(label).lower() for label in raw["fields"].get("labels") or ()),
                lambda text: frozenset({text.lower()}))
        if field == "status":
            return _Values(lambda raw: frozenset({self._status(raw)["id"]}),
                           lambda text: self._status_named(clause, text))
        if field == "statuscategory":
            return _Values(
                lambda raw: frozenset({self._status(raw)["statusCategory"]["key"]}),
                lambda text: self._category_named(clause, text))
        if field in ("issuetype", "type"):
            return _Values(lambda raw: frozenset({raw["fields"]["issuetype"]["id"]}),
                           lambda text: self._type_named(clause, text))
        if field in ("component", "fixversion"):
            stored, kind = (("components", "component") if field == "component"
                            else ("fixVersions", "version"))
            return _Values(lambda raw: frozenset(
                str(entry["id"]) for entry in raw["fields"].get(stored) or ()),
                lambda text: self._named(clause, kind, text))
        known = JQL_ONLY_FIELDS | {" ".join(name.lower().split()) for f in site.fields
                                   for name in f.get("clauseNames", ())}
        if field in known or (custom_id is not None and custom_id in names):
            raise cannot(f"the field {clause.name!r} in {self.query!r}")
        self.rejected.append(f"Field '{clause.name}' does not exist or you do not have "
                             "permission to view it.")
        return None

    # -- values the site knows

    def _refuse(self, clause: Clause, text: str) -> None:
        self.rejected.append(f"The value '{text}' does not exist for the field "
                             f"'{clause.name}'.")

    @staticmethod
    def _project_of(raw: Raw) -> frozenset[str]:
        return frozenset({str(raw["fields"]["project"]["id"])})

    def _project(self, clause: Clause, text: str) -> frozenset[str] | None:
        """A project by key, name or id."""
        site = self.site
        wanted = text.strip().lower()
        for key, number in site._projects.items():
            name = site.project_names.get(key, key).lower()
            if key not in site.hidden and wanted in (key.lower(), name, number):
                return frozenset({number})
        self._refuse(clause, text)
        return None

    def _issue(self, clause: Clause, text: str) -> frozenset[str] | None:
        """An issue by key, id, or a key it had before it moved."""
        raw = self.site._find(text)
        if raw is not None:
            return frozenset({raw["id"]})
        value = text.strip()
        if _ISSUE_KEY.fullmatch(value.upper()) or value.isdigit():
            self.rejected.append(f"An issue with key '{value}' does not exist for field "
                                 f"'{clause.name}'.")
        else:
            self.rejected.append(f"The issue key '{value}' for field '{clause.name}' is "
                                 "invalid.")
        return None

    def _by_key(self, key: str) -> Raw | None:
        """The issue a link names by key (its current key or one it had), seen or not."""
        site = self.site
        raw = site._by_key.get(key.upper())
        if raw is None and key.upper() in site._moved:
            raw = site._by_id.get(site._moved[key.upper()])
        return raw

    def _parent_of(self, raw: Raw) -> frozenset[str]:
        """The parent's id, found as the issue's `parent` shows it now (by its key)."""
        link = raw["fields"].get("parent")
        if not isinstance(link, dict) or not link.get("key"):
            return frozenset()
        target = self._by_key(str(link["key"]))
        if target is not None:
            return frozenset({target["id"]})
        return frozenset({str(link["id"]) if link.get("id") else "key:" + link["key"].upper()})

    def _epic_of(self, raw: Raw) -> frozenset[str]:
        value = raw["fields"].get("customfield_10014")
        if not isinstance(value, str) or not value.strip():
            return frozenset()
        target = self._by_key(value)
        return frozenset({target["id"] if target is not None else "key:" + value.upper()})

    def _status(self, raw: Raw) -> dict[str, Any]:
        """The issue's status as JIRA shows it now (a status can change category)."""
        view: dict[str, Any] = self.site._status_view(raw["fields"]["status"])
        return view

    def _status_named(self, clause: Clause, text: str) -> frozenset[str] | None:
        wanted = text.strip().lower()
        for name, (number, _) in self.site._statuses.items():
            if wanted in (name.lower(), number):
                return frozenset({number})
        self._refuse(clause, text)
        return None

    def _category_named(self, clause: Clause, text: str) -> frozenset[str] | None:
        from .jira import CATEGORIES

        wanted = text.strip().lower()
        for key, category in CATEGORIES.items():
            if wanted in (key, category["name"].lower(), str(category["id"])):
                return frozenset({key})
        self._refuse(clause, text)
        return None

    def _type_named(self, clause: Clause, text: str) -> frozenset[str] | None:
        wanted = text.strip().lower()
        for name, shape in self.site._issue_types.items():
            if wanted in (name.lower(), shape[0]):
                return frozenset({shape[0]})
        self._refuse(clause, text)
        return None

    def _named(self, clause: Clause, kind: str, text: str) -> frozenset[str] | None:
        """Components or versions by their current name (in any project the account can
        browse: one name may stand for several) or by id."""
        site = self.site
        wanted = text.strip().lower()
        found = frozenset(number for (project, named_kind), named in site._named.items()
                          if named_kind == kind and project not in site.hidden
                          for number, name in named.items()
                          if wanted in (name.lower(), number))
        if not found:
            self._refuse(clause, text)
            return None
        return found

    # -- saved filters, dates, text

    def _filter(self, clause: Clause) -> Test:
        """`filter = 777`: the saved filter's query in its place (its ORDER BY aside)."""
        value = clause.value
        if value.empty or value.items is not None or not value.text.strip().isdigit():
            raise cannot(f"a saved filter named by {self._shown(value)!r} in {self.query!r}")
        number = int(value.text)
        if number not in self.site.filters or self.depth >= self.MAX_FILTER_DEPTH:
            self.rejected.append(f"The value '{number}' does not exist for the field "
                                 f"'{clause.name}'.")
            return lambda raw: False
        tree = parse(self.site.filters[number])
        if tree is None:
            return lambda raw: True  # a filter that only sorts holds every issue
        self.depth += 1
        try:
            return self.compile(tree)
        finally:
            self.depth -= 1

    def _date(self, clause: Clause, stored: str, operator: str) -> Test:
        """`updated` / `created` against a relative date (`-95m`, `"-2d 4h"`), counted back
        from the site's clock, or an absolute one (`"2024-08-01 09:00"`, in its zone)."""
        compare = COMPARE.get(operator)
        value = clause.value
        if compare is None or value.empty or value.items is not None:
            raise cannot(f"{clause.name} {clause.operator} {self._shown(value)} in "
                         f"{self.query!r}")
        moment = self._moment(clause, value.text.strip())
        if moment is None:
            return lambda raw: False

        def test(raw: Raw) -> bool:
            return bool(compare(_parse_stamp(raw["fields"][stored]), moment))

        return test

    def _moment(self, clause: Clause, text: str) -> datetime | None:
        site = self.site
        if re.fullmatch(r"(?:[+-]?\d+\s*[wdhm]\s*)+", text):
            minutes = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}
            return site.now + timedelta(minutes=sum(
                int(number) * minutes[unit]
                for number, unit in re.findall(r"([+-]?\d+)\s*([wdhm])", text)))
        if re.fullmatch(r"[+-]?\d+\s*[a-zA-Z].*", text):
            raise cannot(f"the relative date {text!r} in {self.query!r}")
        for pattern in ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=site.zone)
            except ValueError:
                continue
        self.rejected.append(f"Date value '{text}' for field '{clause.name}' is invalid. Valid "
                             "formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', "
                             "'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', "
                             "'4w 2d'.")
        return None

    def _text(self, clause: Clause, operator: str) -> Test:
        """`summary ~ "words"`, answered only where every reading of the words agrees:
        all found as they are written (a match however JIRA joins, stems or drops words),
        or none found nor any word alike (no match, whatever it does)."""
        value = clause.value
        if operator not in ("~", "!~"):
            self.rejected.append(f"The operator '{clause.operator}' is not supported by the "
                                 f"'{clause.name}' field.")
            return lambda raw: False
        special = re.compile(r'[*?"+\-~^:\\]|\b(?:AND|OR|NOT)\b')
        if value.empty or value.items is not None or special.search(value.text):
            raise cannot(f"the text search {self._shown(value)!r} in {self.query!r}")
        terms = _words(value.text)
        if all(term in _STOP_WORDS for term in terms):
            raise cannot(f"the text search {value.text!r} (only stop words) in {self.query!r}")
        query = self.query

        def contains(raw: Raw) -> bool:
            words = set(_words(str(raw["fields"].get("summary") or "")))
            found = [term in words for term in terms]
            if all(found):
                return True
            if not any(found) and not any(_alike(term, word) for term in terms
                                          for word in words):
                return False
            raise cannot(f"the text search {value.text!r} on {raw['key']} (how JIRA joins, "
                         f"stems or drops words decides it) in {query!r}")

        if operator == "~":
            return contains
        return lambda raw: bool(raw["fields"].get("summary")) and not contains(raw)


def _alike(term: str, word: str) -> bool:
    """Whether a stemmer could take `term` and `word` for one word (`work`, `works`,
    `working`): they differ but start alike."""
    if term == word:
        return False
    common = len(os.path.commonprefix([term, word]))
    return common >= min(len(term), len(word), 4)


def evaluate(site: JiraStandIn, jql: str, *, bounded: bool) -> list[Raw]:
    """The visible issues of `site` that `jql` matches; JqlRefused with JIRA's messages
    when JIRA would refuse the query."""
    return Evaluator(site).matching(jql, bounded=bounded)


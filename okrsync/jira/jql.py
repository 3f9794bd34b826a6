"""JQL, read once into a syntax tree that two readers use.

- `compile_jql` evaluates the common subset over issues held locally (an export file):
  `=`, `!=`, `in`, `not in`, `is [not] empty`, `AND`, `OR`, `NOT`, and parentheses, over
  project, parent, labels, issuetype, status, statusCategory, component, fixVersion and
  key; `ORDER BY` is ignored. Anything else raises KRError saying that a JIRA server is
  needed to answer it.
- `dependencies` tells, for a live JIRA, what a query's answer depends on besides the
  issues it matches: saved filters, status names and categories, the projects it is
  bounded to, component and version names, and whatever okrsync cannot watch (a
  function, a relative date, history, a sprint named by name), which makes it volatile.

The whole grammar is read (every operator, functions, history predicates, ORDER BY),
so that a word inside a quoted string is never taken for a keyword.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from okrsync.errors import KRError
from okrsync.i18n import _s
from okrsync.jira.model import Issue, category_key

Predicate = Callable[[Issue], bool]

PARSED = 2048
"""Queries whose syntax tree and dependencies are kept (a company's dashboard has a few
hundred distinct queries)."""

MAX_DEPTH = 100
"""Parentheses and NOTs nest at most this deep; deeper JQL fails its KR, never the run."""

ISSUE_FIELDS = ("key", "parent", "epic link")
"""Fields whose values name issues, by key or by id (JIRA accepts both)."""


class Vocabulary(Protocol):
    """What the issues at hand can answer (an export knows only what it holds)."""

    def field(self, name: str) -> str:
        """The field clauses on `name` are answered from; KRError when they cannot be."""

    def value(self, field: str, value: str) -> str:
        """`value` as the issues know it (an issue's key for its id); KRError when it names
        an issue or project they do not hold."""


# ---------------------------------------------------------------- the syntax tree


@dataclass(frozen=True)
class Operand:
    """The right-hand side of a clause: a value, a function call, a list, or EMPTY."""

    text: str = ""
    """A value as JIRA reads it (quotes removed)."""
    quoted: bool = False
    function: str | None = None
    """A function's name (`openSprints`); its arguments are in `items`."""
    items: tuple[Operand, ...] | None = None
    """A list's members, or a function's arguments."""
    empty: bool = False
    """The keyword EMPTY or NULL."""

    def values(self) -> tuple[Operand, ...]:
        """The values this operand stands for: the list's members, or itself."""
        return self.items if self.items is not None and self.function is None else (self,)


@dataclass(frozen=True)
class Clause:
    field: str
    """Lower-cased, unquoted: `project`, `epic link`, `cf[10016]`."""
    shown: str
    """As written."""
    operator: str
    """Lower-cased, one space between words: `=`, `not in`, `is not`, `was in`, `changed`."""
    operand: Operand | None
    """None after CHANGED."""
    history: tuple[tuple[str, Operand], ...] = ()
    """WAS / CHANGED predicates: (`after`, operand), (`by`, operand)…"""


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

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|!~|>=|<=|&&|\|\||=|~|>|<|!|\(|\)|,)
      | (?P<word>[^\s=!~<>(),"'&|]+|[&|])
    )""",
    re.VERBOSE,
)

_OPERATORS = {"=", "!=", "~", "!~", ">", ">=", "<", "<="}
_HISTORY = {"after", "before", "on", "during", "by", "from", "to"}


@dataclass
class _Token:
    kind: str  # string | op | word
    text: str
    start: int = 0
    """Where it starts in the query."""

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    query = query.rstrip()
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if not match or match.end() == pos:
            raise KRError(_s("JQL {query} cannot be read near {near}").format(
                query=repr(query), near=repr(query[pos:pos + 20])))
        pos = match.end()
        kind = match.lastgroup
        assert kind is not None
        text = match[kind]
        if kind == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        tokens.append(_Token(kind, text, match.start(kind)))
    return tokens


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.depth = 0
        self.tokens = _tokens(query)
        self.pos = 0

    def _peek(self, ahead: int = 0) -> _Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            raise KRError(_s("JQL {query} ends too early").format(query=repr(self.query)))
        self.pos += 1
        return token

    def _is_op(self, token: _Token | None, *ops: str) -> bool:
        return token is not None and token.kind == "op" and token.text in ops

    def _expect_op(self, op: str) -> None:
        token = self._next()
        if not self._is_op(token, op):
            raise KRError(_s("JQL {query}: expected {expected} but found {found}").format(
                query=repr(self.query), expected=repr(op), found=repr(token.text)))

    def parse(self) -> Node:
        if not self.tokens or self._at_order_by():
            raise KRError(_s("the JQL is empty"))
        node = self._or()
        if self._at_order_by():
            self._order_by()
        if self._peek() is not None:
            raise KRError(_s("JQL {query}: unexpected {found}").format(
                query=repr(self.query), found=repr(self._peek().text)))  # type: ignore[union-attr]
        return node

    def _at_order_by(self) -> bool:
        first, second = self._peek(), self._peek(1)
        return bool(first and second and first.upper == "ORDER" and second.upper == "BY")

    def _order_by(self) -> None:
        """ORDER BY only sorts; it never changes which issues match."""
        self.pos += 2
        while True:
            field = self._next()
            if field.kind == "op":
                raise KRError(_s("JQL {query}: unexpected {found}").format(
                    query=repr(self.query), found=repr(field.text)))
            if (token := self._peek()) and token.upper in ("ASC", "DESC"):
                self.pos += 1
            if not self._is_op(self._peek(), ","):
                return
            self.pos += 1

    def _or(self) -> Node:
        return self._joined(("OR",), ("||",), self._and, Or)

    def _and(self) -> Node:
        return self._joined(("AND",), ("&&",), self._not, And)

    def _joined(self, words: tuple[str, ...], ops: tuple[str, ...],
                operand: Callable[[], Node], kind: type[And] | type[Or]) -> Node:
        """`operand (keyword operand)*`, e.g. `a AND b AND c`."""
        parts = [operand()]
        while (token := self._peek()) and (token.upper in words or self._is_op(token, *ops)):
            self.pos += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else kind(tuple(parts))

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise KRError(_s("JQL nests parentheses or NOT more than {depth} deep; write it "
                             "more simply").format(depth=MAX_DEPTH))

    def _not(self) -> Node:
        token = self._peek()
        if token and (token.upper == "NOT" or self._is_op(token, "!")):
            self.pos += 1
            self._deeper()
            inner = self._not()
            self.depth -= 1
            return Not(inner)
        return self._atom()

    def _atom(self) -> Node:
        token = self._next()
        if self._is_op(token, "("):
            self._deeper()
            inner = self._or()
            self._expect_op(")")
            self.depth -= 1
            return inner
        if token.kind == "op":
            raise KRError(_s("JQL {query}: unexpected {found}").format(
                query=repr(self.query), found=repr(token.text)))
        name, shown = token.text.lower(), token.text
        if token.kind == "word" and name == "epic" and (nxt := self._peek()) \
                and nxt.upper == "LINK":
            self.pos += 1
            name, shown = "epic link", f"{token.text} {nxt.text}"
        return self._clause(name, shown)

    def _clause(self, field: str, shown: str) -> Clause:
        op = self._next()
        operator = op.text if op.kind == "op" else op.text.lower()
        if op.kind == "op" and op.text not in _OPERATORS:
            raise KRError(_s("JQL {query}: expected an operator after {field} but found "
                             "{found}").format(query=repr(self.query), field=repr(shown),
                                               found=repr(op.text)))
        if operator == "not":
            following = self._next()
            if following.upper != "IN":
                raise KRError(_s("JQL {query}: expected IN after NOT").format(
                    query=repr(self.query)))
            operator = "not in"
        elif operator == "is":
            if (nxt := self._peek()) and nxt.upper == "NOT":
                self.pos += 1
                operator = "is not"
            empty = self._next()
            if empty.upper not in ("EMPTY", "NULL"):
                raise KRError(_s("JQL {query}: expected EMPTY after IS").format(
                    query=repr(self.query)))
            return Clause(field, shown, operator, Operand(empty.text, empty=True))
        elif operator == "was":
            if (nxt := self._peek()) and nxt.upper == "NOT":
                self.pos += 1
                operator = "was not"
            if (nxt := self._peek()) and nxt.upper == "IN":
                self.pos += 1
                operator += " in"
        elif operator == "changed":
            return Clause(field, shown, operator, None, self._history())
        elif operator != "in" and op.kind != "op":
            raise KRError(_s("JQL {query}: expected an operator after {field} but found "
                             "{found}").format(query=repr(self.query), field=repr(shown),
                                               found=repr(op.text)))
        operand = self._operand()
        history = self._history() if operator.startswith("was") else ()
        return Clause(field, shown, operator, operand, history)

    def _history(self) -> tuple[tuple[str, Operand], ...]:
        found = []
        while (token := self._peek()) and token.kind == "word" \
                and token.text.lower() in _HISTORY:
            self.pos += 1
            found.append((token.text.lower(), self._operand()))
        return tuple(found)

    def _operand(self) -> Operand:
        token = self._next()
        if self._is_op(token, "("):
            return Operand(items=self._items())
        if token.kind == "op":
            raise KRError(_s("JQL {query}: expected a value but found {found}").format(
                query=repr(self.query), found=repr(token.text)))
        if token.kind == "word" and self._is_op(self._peek(), "("):
            self.pos += 1
            return Operand(token.text, function=token.text, items=self._items())
        if token.kind == "word" and token.upper in ("EMPTY", "NULL"):
            return Operand(token.text, empty=True)
        return Operand(token.text, quoted=token.kind == "string")

    def _items(self) -> tuple[Operand, ...]:
        """The rest of `( a, b, … )`, the opening parenthesis read."""
        if self._is_op(self._peek(), ")"):
            self.pos += 1
            return ()
        items = [self._operand()]
        while self._is_op(token := self._next(), ","):
            items.append(self._operand())
        if not self._is_op(token, ")"):
            raise KRError(_s("JQL {query}: expected ')' but found {found}").format(
                query=repr(self.query), found=repr(token.text)))
        return tuple(items)


@functools.lru_cache(maxsize=PARSED)
def parse_jql(query: str) -> Node:
    """The syntax tree of `query`; KRError when it cannot be read. The tree is immutable,
    so a query read again (each read asks several questions of every query) is read once."""
    return _Parser(query).parse()


def without_order_by(query: str) -> str:
    """The query without its ORDER BY (which only sorts), so that it can stand inside
    parentheses in a larger one. KRError when it cannot be read."""
    tokens = _tokens(query)
    for index, token in enumerate(tokens[:-1]):
        if token.upper == "ORDER" and tokens[index + 1].upper == "BY":
            return query[:token.start].rstrip()
    return query.strip()


def walk(node: Node) -> Iterator[Clause]:
    """Every clause of the tree, in the order written."""
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Clause):
            yield current
        elif isinstance(current, Not):
            stack.append(current.inner)
        else:
            stack.extend(reversed(current.parts))


# ---------------------------------------------------------------- evaluating locally


def _values(issue: Issue, name: str) -> tuple[str, ...]:
    """The field's values on the issue, lower-cased; empty tuple when the field is empty."""
    match name:
        case "project":
            values: tuple[str | None, ...] = (issue.project, issue.project_name)
        case "parent":
            values = (issue.parent, issue.parent_id)
        case "epic link":
            values = (issue.epic,)
        case "labels":
            values = issue.labels
        case "issuetype":
            values = (issue.issuetype,)
        case "status":
            values = (issue.status,)
        case "statuscategory":
            values = (issue.status_category,)
        case "component":
            values = issue.components
        case "fixversion":
            values = issue.fix_versions
        case "key":
            values = (issue.key, issue.id)
        case _:
            raise AssertionError(name)
    return tuple(v.lower() for v in values if v)


_FIELDS = {
    "project": "project", "parent": "parent", "labels": "labels",
    "issuetype": "issuetype", "type": "issuetype", "status": "status",
    "statuscategory": "statuscategory", "component": "component",
    "fixversion": "fixversion", "key": "key", "issuekey": "key", "id": "key",
    "epic link": "epic link",
}

_MISNAMED = {"label": "labels", "components": "component"}
"""Names people write for a field that JIRA knows by another: JIRA refuses the query, so
okrsync never evaluates it on an export either."""

_OPPOSITE = {"=": "!=", "!=": "=", "in": "not in", "not in": "in", "is": "is not",
             "is not": "is"}
"""What NOT makes of a clause's operator."""


class _Compiler:
    def __init__(self, vocabulary: Vocabulary | None,
                 clauses: Callable[[Clause], Predicate | None] | None) -> None:
        self.vocabulary = vocabulary
        self.clauses = clauses

    def compile(self, node: Node, negated: bool = False) -> Predicate:
        """`node` as JIRA evaluates it. NOT is pushed down to the clauses, as JIRA reads
        it: `NOT field = v` is `field != v`, which never matches an empty field."""
        if isinstance(node, Clause):
            return self._clause(node, negated)
        if isinstance(node, Not):
            return self.compile(node.inner, not negated)
        parts = [self.compile(part, negated) for part in node.parts]
        every = isinstance(node, And) != negated  # De Morgan
        combine: Callable[[Iterator[bool]], bool] = all if every else any
        return lambda issue: combine(part(issue) for part in parts)

    def _clause(self, clause: Clause, negated: bool = False) -> Predicate:
        if self.clauses is not None and (answered := self.clauses(clause)) is not None:
            return (lambda issue: not answered(issue)) if negated else answered
        if negated and clause.operator in _OPPOSITE:
            clause = Clause(clause.field, clause.shown, _OPPOSITE[clause.operator],
                            clause.operand, clause.history)
        elif negated:
            inner = self._clause(clause)
            return lambda issue: not inner(issue)
        field = _FIELDS.get(clause.field)
        if field is None and clause.field in _MISNAMED:
            raise KRError(_s("JQL field {field} does not exist in JIRA, which would refuse this "
                             "query: the field is {name}").format(
                field=repr(clause.shown), name=repr(_MISNAMED[clause.field])))
        if field is None:
            raise KRError(_s(
                "JQL field {field} is beyond what okrsync can evaluate on an export (project, "
                "parent, \"Epic Link\", labels, issuetype, status, statusCategory, component, "
                "fixVersion, key, issuekey and id); a JIRA server is needed for this query"
            ).format(field=repr(clause.shown)))
        if self.vocabulary is not None:
            field = self.vocabulary.field(field)
        operator, operand = clause.operator, clause.operand
        if operator in ("is", "is not"):
            negate = operator == "is not"
            return lambda issue: bool(_values(issue, field)) == negate
        if operator not in ("=", "!=", "in", "not in"):
            raise KRError(_s(
                "JQL operator {operator} on {field} is beyond what okrsync can evaluate on an "
                "export (=, !=, in, not in, is empty); a JIRA server is needed for it").format(
                operator=repr(operator.upper() if operator.isalpha() else operator),
                field=repr(clause.shown)))
        assert operand is not None
        if operator in ("in", "not in"):
            if operand.function is not None:
                self._no_function(operand)
            if operand.items is None:
                raise KRError(_s("JQL {query}: expected {expected} but found {found}").format(
                    query=repr(clause.shown), expected=repr("("), found=repr(operand.text)))
            items = operand.items
        else:
            items = (operand,)
        # `= EMPTY` is `IS EMPTY`; `in (EMPTY, a)` matches an empty field or a.
        or_empty = any(item.empty and not item.quoted for item in items)
        wanted = {self._value(field, item) for item in items
                  if not (item.empty and not item.quoted)}
        negate = operator in ("!=", "not in")

        def matches(issue: Issue) -> bool:
            values = _values(issue, field)
            if negate:
                # As in JIRA, != and NOT IN never match an empty field.
                return bool(values) and not wanted.intersection(values) and not (
                    or_empty and not values)
            return bool(wanted.intersection(values)) or (or_empty and not values)

        return matches

    @staticmethod
    def _no_function(operand: Operand) -> None:
        raise KRError(_s(
            "JQL function {function}() needs a JIRA server; okrsync cannot evaluate it on "
            "an export").format(function=operand.function))

    def _value(self, field: str, operand: Operand) -> str:
        if operand.function is not None:
            self._no_function(operand)
        if operand.items is not None:
            raise KRError(_s("JQL: expected a value but found {found}").format(
                found=repr(operand.text or "(")))
        value = operand.text
        if field == "statuscategory":
            return category_key(value) or value.lower()
        if self.vocabulary is not None:
            value = self.vocabulary.value(field, value)
        return value.lower()


def compile_jql(query: str, vocabulary: Vocabulary | None = None, *,
                clauses: Callable[[Clause], Predicate | None] | None = None) -> Predicate:
    """A predicate for `query`, or KRError saying why it cannot be evaluated here.

    With a `vocabulary`, clauses on fields the issues do not carry, and issues named
    by a key or id that is not among them, are errors rather than no match. `clauses`
    may answer some clauses itself (a predicate), leaving the others (None) to the
    common subset.
    """
    return _Compiler(vocabulary, clauses).compile(parse_jql(query))


class _Exact:
    """A Vocabulary for deciding from an issue's own fields exactly what JIRA decides:
    names compared as JIRA compares them, nothing named by an id (`status = 10001`) and
    no issue named by key (a key may have moved), which only JIRA can resolve."""

    BY_ID = frozenset({"project", "issuetype", "status", "component", "fixversion"})

    def field(self, name: str) -> str:
        if name in ISSUE_FIELDS:
            raise KRError(name)
        return name

    def value(self, field: str, value: str) -> str:
        if field in self.BY_ID and value.strip().isdigit():
            raise KRError(field)
        return value


def exact_predicate(query: str) -> tuple[Predicate, frozenset[str]] | None:
    """A predicate that decides on an issue's fields exactly as JIRA would, and the
    labels the query names; None when only JIRA can answer the query. Labels compare
    without case here, with case on JIRA versions before 7.10: an issue whose label
    differs from a named one only in case is for JIRA to decide."""
    try:
        tree = parse_jql(query)
        predicate = _Compiler(_Exact(), None).compile(tree)
    except KRError:
        return None
    labels = frozenset(value.text for clause in walk(tree)
                       if _FIELDS.get(clause.field) == "labels"
                       for value in _texts(clause.operand) if not value.empty)
    return predicate, labels


# ---------------------------------------------------------------- what an answer depends on

_RELATIVE = re.compile(r"^\s*[+-]?\d+\s*[ywdhm](?:\s*[+-]?\d+\s*[ywdhm])*\s*$", re.IGNORECASE)
"""A relative date (`-7d`, `2w 3d`, `-90m`): counted back from the moment JIRA answers."""

UNWATCHED_FIELDS = frozenset({"lastviewed", "watcher", "watchers", "voter", "votes",
                              "category", "projectcategory"})
"""Fields whose values change without the issue's `updated` moving (a project's category
is the project's, set by an administrator)."""

FILTER_FIELDS = frozenset({"filter", "savedfilter", "request", "searchrequest"})
STATUS_FIELDS = frozenset({"status", "statuscategory"})
PROJECT_FIELDS = frozenset({"project"})
NAMED_FIELDS = {"component": "component", "fixversion": "version",
                "affectedversion": "version", "version": "version"}
"""Fields whose values name things a project administrator can rename, by the kind of
thing (the project's components, the project's versions)."""
SPRINT_FIELDS = frozenset({"sprint"})


@dataclass(frozen=True)
class Dependencies:
    """What a query's answer depends on besides the issues it matches."""

    volatile: tuple[str, ...] = ()
    """Why the answer can change with nothing okrsync can see changing (a function, a
    relative date, history…): such a query is asked again on every pull. Empty: it
    changes only through the issues it matches and the dependencies below."""
    filters: frozenset[int] = frozenset()
    """Saved filters the query includes (their JQL is part of it)."""
    statuses: bool = False
    """It names statuses or status categories: a change to them changes its answer."""
    projects: frozenset[str] | None = None
    """The projects (keys, names or ids, lower-cased) every issue it matches is in; None
    when it can match issues in any project."""
    names: frozenset[tuple[str, str, str]] = frozenset()
    """(kind, project, name) of the components and versions it names by name."""


def _bound(node: Node) -> frozenset[str] | None:
    """The projects `node` restricts its matches to, when it does."""
    if isinstance(node, Clause):
        if node.field in PROJECT_FIELDS and node.operator in ("=", "in") \
                and node.operand is not None and node.operand.function is None:
            values = node.operand.values()
            if all(not v.empty and v.function is None and v.items is None for v in values):
                return frozenset(v.text.lower() for v in values)
        return None
    if isinstance(node, And):  # every match is within each part's bound: the least will do
        # (never their intersection: `project = W AND project = "Wallet"` names one project
        # twice, and the two spellings have nothing in common)
        bounds = [b for b in map(_bound, node.parts) if b is not None]
        return min(bounds, key=len) if bounds else None
    if isinstance(node, Or):
        found: set[str] = set()
        for part in node.parts:
            bound = _bound(part)
            if bound is None:
                return None
            found |= bound
        return frozenset(found)
    return None


def _texts(operand: Operand | None) -> list[Operand]:
    """Every plain value inside an operand, function arguments included."""
    if operand is None:
        return []
    if operand.items is None:
        return [operand]
    found: list[Operand] = []
    for item in operand.items:
        found += _texts(item)
    return found


@functools.lru_cache(maxsize=PARSED)
def dependencies(query: str) -> Dependencies:
    """What the answer of `query` depends on. Never raises: a query okrsync cannot read
    is volatile, and JIRA itself says whether it is valid. Immutable, so kept for queries
    asked again."""
    try:
        tree = parse_jql(query)
    except KRError:  # JIRA will say whether it is valid
        return Dependencies(volatile=("unreadable",))
    volatile: list[str] = []
    filters: set[int] = set()
    statuses = False
    names: set[tuple[str, str, str]] = set()
    projects = _bound(tree)

    def note(reason: str) -> None:
        if reason not in volatile:
            volatile.append(reason)

    for clause in walk(tree):
        field_name = clause.field.strip().lower()
        if clause.operator.startswith("was") or clause.operator == "changed":
            note(clause.operator.split()[0].upper())
        if field_name in UNWATCHED_FIELDS:
            note(clause.shown)
        for operand in [clause.operand, *(o for _, o in clause.history)]:
            if operand is not None and operand.function is not None:
                note(f"{operand.function}()")
            if operand is not None and operand.items is not None:
                for item in operand.items:
                    if item.function is not None:
                        note(f"{item.function}()")
            if clause.operator in ("~", "!~"):
                continue  # a text search: "-7d" is words, not a date
            for value in _texts(operand):
                if not value.empty and value.function is None and _RELATIVE.match(value.text):
                    note(value.text.strip())
        if field_name in STATUS_FIELDS:
            statuses = True
        values = [] if clause.operand is None or clause.operand.function is not None \
            else [v for v in clause.operand.values() if not v.empty and v.function is None]
        if field_name in FILTER_FIELDS:
            for value in values:
                if value.text.strip().isdigit():
                    filters.add(int(value.text))
                else:
                    note(f"{clause.shown} {value.text!r}")  # a filter named by its name
        elif field_name in SPRINT_FIELDS:
            if any(not value.text.strip().isdigit() for value in values):
                note(clause.shown)
        elif field_name in NAMED_FIELDS:
            by_name = [v.text for v in values if not v.text.strip().isdigit()]
            if by_name and projects is None:
                note(clause.shown)
            for name in by_name:
                for project in sorted(projects or ()):
                    names.add((NAMED_FIELDS[field_name], project, name.strip().lower()))
    return Dependencies(tuple(volatile), frozenset(filters), statuses, projects,
                        frozenset(names))


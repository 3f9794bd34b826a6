"""The common subset of JQL, evaluated over issues held locally (an export file).

Supported: `=`, `!=`, `in`, `not in`, `is [not] empty`, `AND`, `OR`, `NOT`, and
parentheses, over project, parent, labels, issuetype, status, statusCategory,
component, fixVersion and key; `ORDER BY` is ignored. Anything else raises
KRError saying that a JIRA server is needed to answer it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from okrsync.errors import KRError
from okrsync.i18n import _s
from okrsync.jira.model import Issue, category_key

Predicate = Callable[[Issue], bool]

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

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|=|~|!~|>=|<=|>|<|\(|\)|,)
      | (?P<word>[^\s=!~<>(),"']+)
    )""",
    re.VERBOSE,
)


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
    "project": "project", "parent": "parent", "labels": "labels", "label": "labels",
    "issuetype": "issuetype", "type": "issuetype", "status": "status",
    "statuscategory": "statuscategory", "component": "component", "components": "component",
    "fixversion": "fixversion", "key": "key", "issuekey": "key", "id": "key",
    "epic link": "epic link", '"epic link"': "epic link",
}


@dataclass
class _Token:
    kind: str  # string | op | word
    text: str

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
        tokens.append(_Token(kind, text))
    return tokens


class _Parser:
    def __init__(self, query: str, vocabulary: Vocabulary | None = None) -> None:
        self.query = query
        self.vocabulary = vocabulary
        self.depth = 0
        self.tokens = _tokens(query)
        # ORDER BY only sorts; it never changes which issues match.
        for index, token in enumerate(self.tokens[:-1]):
            if token.upper == "ORDER" and self.tokens[index + 1].upper == "BY":
                self.tokens = self.tokens[:index]
                break
        self.pos = 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            raise KRError(_s("JQL {query} ends too early").format(query=repr(self.query)))
        self.pos += 1
        return token

    def _expect_op(self, op: str) -> None:
        token = self._next()
        if token.kind != "op" or token.text != op:
            raise KRError(_s("JQL {query}: expected {expected} but found {found}").format(
                query=repr(self.query), expected=repr(op), found=repr(token.text)))

    def parse(self) -> Predicate:
        if not self.tokens:
            raise KRError(_s("the JQL is empty"))
        predicate = self._or()
        if self._peek() is not None:
            raise KRError(_s("JQL {query}: unexpected {found}").format(
                query=repr(self.query), found=repr(self._peek().text)))  # type: ignore[union-attr]
        return predicate

    def _or(self) -> Predicate:
        return self._joined("OR", self._and, any)

    def _and(self) -> Predicate:
        return self._joined("AND", self._not, all)

    def _joined(self, keyword: str, operand: Callable[[], Predicate],
                combine: Callable[[Iterator[bool]], bool]) -> Predicate:
        """`operand (keyword operand)*`, e.g. `a AND b AND c`."""
        parts = [operand()]
        while (token := self._peek()) and token.upper == keyword:
            self.pos += 1
            parts.append(operand())
        if len(parts) == 1:
            return parts[0]
        return lambda issue: combine(part(issue) for part in parts)

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise KRError(_s("JQL nests parentheses or NOT more than {depth} deep; write it "
                             "more simply").format(depth=MAX_DEPTH))

    def _not(self) -> Predicate:
        token = self._peek()
        if token and (token.upper == "NOT" or (token.kind == "op" and token.text == "!")):
            self.pos += 1
            self._deeper()
            inner = self._not()
            self.depth -= 1
            return lambda issue: not inner(issue)
        return self._atom()

    def _atom(self) -> Predicate:
        token = self._next()
        if token.kind == "op" and token.text == "(":
            self._deeper()
            inner = self._or()
            self._expect_op(")")
            self.depth -= 1
            return inner
        name = token.text.lower()
        if name == "epic" and (nxt := self._peek()) and nxt.upper == "LINK":
            self.pos += 1
            name = "epic link"
        field = _FIELDS.get(name)
        if field is None:
            raise KRError(_s(
                "JQL field {field} is beyond what okrsync can evaluate on an export (project, "
                "parent, labels, issuetype, status, statusCategory, component, fixVersion, "
                "key); a JIRA server is needed for this query").format(field=repr(token.text)))
        if self.vocabulary is not None:
            field = self.vocabulary.field(field)
        return self._clause(field, token.text)

    def _clause(self, field: str, shown: str) -> Predicate:
        op = self._next()
        negate = False
        if op.upper == "NOT":
            following = self._next()
            if following.upper != "IN":
                raise KRError(_s("JQL {query}: expected IN after NOT").format(
                    query=repr(self.query)))
            op, negate = following, True
        if op.upper == "IS":
            if (nxt := self._peek()) and nxt.upper == "NOT":
                self.pos += 1
                negate = True
            empty = self._next()
            if empty.upper not in ("EMPTY", "NULL"):
                raise KRError(_s("JQL {query}: expected EMPTY after IS").format(
                    query=repr(self.query)))
            return lambda issue: bool(_values(issue, field)) == negate
        if op.upper == "IN":
            wanted = self._list(field)
        elif op.kind == "op" and op.text in ("=", "!="):
            wanted = {self._value(field)}
            negate = op.text == "!="
        else:
            raise KRError(_s(
                "JQL operator {operator} on {field} is beyond what okrsync can evaluate on an "
                "export (=, !=, in, not in, is empty); a JIRA server is needed for it").format(
                operator=repr(op.text), field=repr(shown)))

        def matches(issue: Issue) -> bool:
            values = _values(issue, field)
            if negate:
                # As in JIRA, != and NOT IN never match an empty field.
                return bool(values) and not wanted.intersection(values)
            return bool(wanted.intersection(values))

        return matches

    def _list(self, field: str) -> set[str]:
        self._reject_function()
        self._expect_op("(")
        values = {self._value(field)}
        while (token := self._next()).kind == "op" and token.text == ",":
            values.add(self._value(field))
        if not (token.kind == "op" and token.text == ")"):
            raise KRError(_s("JQL {query}: expected ')' but found {found}").format(
                query=repr(self.query), found=repr(token.text)))
        return values

    def _reject_function(self) -> None:
        token = self._peek()
        following = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
        if (token and token.kind == "word" and following
                and following.kind == "op" and following.text == "("):
            raise KRError(_s(
                "JQL function {function}() needs a JIRA server; okrsync cannot evaluate it on "
                "an export").format(function=token.text))

    def _value(self, field: str) -> str:
        self._reject_function()
        token = self._next()
        if token.kind == "op":
            raise KRError(_s("JQL {query}: expected a value but found {found}").format(
                query=repr(self.query), found=repr(token.text)))
        value = token.text
        if field == "statuscategory":
            return category_key(value) or value.lower()
        if self.vocabulary is not None:
            value = self.vocabulary.value(field, value)
        return value.lower()


def compile_jql(query: str, vocabulary: Vocabulary | None = None) -> Predicate:
    """A predicate for `query`, or KRError saying why it cannot be evaluated here.

    With a `vocabulary`, clauses on fields the issues do not carry, and issues named
    by a key or id that is not among them, are errors rather than no match.
    """
    return _Parser(query, vocabulary).parse()


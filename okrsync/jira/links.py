"""What a KR's `JIRA` cell says to count: issue keys, a saved filter, or JQL."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from okrsync.errors import KRError
from okrsync.i18n import _s

_KEY = r"[A-Za-z][A-Za-z0-9_]*-\d+"
_KEYS_ONLY = re.compile(
    rf"^\s*(?:(?:https?://\S+/browse/)?{_KEY}\s*[,;\s]\s*)*(?:https?://\S+/browse/)?{_KEY}\s*$"
)
_FILTER = re.compile(r"^\s*filter\s*=\s*(\S+)\s*$", re.IGNORECASE)
_FILTER_URL = re.compile(r"[?&]filter=(-?\d+)")


@dataclass(frozen=True)
class IssueKeys:
    """Parent or epic keys: the KR counts their child issues."""

    keys: tuple[str, ...]

    def __str__(self) -> str:
        return ", ".join(self.keys)


@dataclass(frozen=True)
class SavedFilter:
    id: int

    def __str__(self) -> str:
        return f"filter={self.id}"


@dataclass(frozen=True)
class Jql:
    query: str

    def __str__(self) -> str:
        return self.query


Link = IssueKeys | SavedFilter | Jql


def parse_link(text: str) -> Link:
    """Read a `JIRA` cell. Raises KRError for a malformed `filter=`.

    Full-width characters typed on a Korean keyboard (`INF-1，INF-99`, `＝`, `（`)
    are folded first, as in every other cell okrsync reads.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if _KEYS_ONLY.match(text):
        bare = re.sub(r"https?://\S+/browse/", "", text)
        keys = dict.fromkeys(key.upper() for key in re.findall(_KEY, bare))
        return IssueKeys(tuple(keys))
    match = _FILTER.match(text)
    if match:
        if not match[1].isdigit():
            raise KRError(_s("filter={value}: a saved filter is given by its number, as in "
                             "filter=12345").format(value=repr(match[1])))
        return SavedFilter(int(match[1]))
    match = _FILTER_URL.search(text)
    if text.startswith("http") and match:
        return SavedFilter(int(match[1]))
    if text.startswith("http"):
        raise KRError(_s("{link} is a link JIRA cannot be asked about: give issue keys, "
                         "filter=ID, or JQL").format(link=repr(text)))
    return Jql(text)

"""Korean first: the words okrsync writes and prints, in the reader's language.

Two languages are in play in one run:
- the sheet's (`[okr] language`, or found from its headers): what okrsync writes into
  the sheet (statuses, problems), and every report, digest and alert made for it;
- the person's (the locale, `LANG=ko_KR.UTF-8`): the command line's own messages.

Texts are English in the code and translated through gettext catalogs
(`okrsync/locale/ko/LC_MESSAGES/okrsync.po`, compiled to `.mo`), English as the fallback.
`_` translates into the person's language, `_s` into the sheet's; `words(lang)` gives
the translation function for an explicit language (renderers take one).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "okrsync"
LANGUAGES = ("ko", "en")

Words = Callable[[str], str]

_person: ContextVar[str] = ContextVar("okrsync_person_language", default="en")
_sheet: ContextVar[str] = ContextVar("okrsync_sheet_language", default="en")


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)


def words(lang: str) -> Words:
    """The translation function for `lang` ("ko" or "en")."""
    return _catalog(lang).gettext


def _(message: str) -> str:
    """`message` in the person's language (the command line's own messages)."""
    return words(_person.get())(message)


def _s(message: str) -> str:
    """`message` in the sheet's language (what is written into the sheet or reported on it)."""
    return words(_sheet.get())(message)


def person_language() -> str:
    return _person.get()


def sheet_language() -> str:
    return _sheet.get()


@contextmanager
def speaking(*, person: str | None = None, sheet: str | None = None) -> Iterator[None]:
    """Within the block, `_` speaks `person`'s language and `_s` the sheet's."""
    tokens = []
    if person is not None:
        tokens.append((_person, _person.set(person)))
    if sheet is not None:
        tokens.append((_sheet, _sheet.set(sheet)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def set_sheet_language(lang: str) -> None:
    """From here on (in this context), `_s` speaks `lang`: set once the sheet is read."""
    _sheet.set(lang)

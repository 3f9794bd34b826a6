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


# ---------------------------------------------------------------- fixed parts of messages


def times(count: int, t: Words | None = None) -> str:
    """`three times`, in `t`'s language (default: the person's)."""
    t = t or _
    counts = {1: t("once"), 2: t("twice"), 3: t("three times")}
    return counts.get(count) or t("{count} times").format(count=count)


def seconds(value: float, t: Words | None = None) -> str:
    """12 s, 0.8 s: a duration as a person reads it, in `t`'s language."""
    shown = f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    t = t or _
    return t("{seconds} s").format(seconds=shown)


def fragment(text: str, t: Words | None = None) -> str:
    """A fixed part of a message that callers give in English (what a request does, a
    service, a setting, a secret: `searching`, `the alert webhook`), in `t`'s language
    (default: the person's). Text not listed here (`JIRA`, `--max-seconds`) stays as it is.

    Callers name requests in English so that one failure can be told in two languages:
    the person's on the command line, the sheet's in a KR's problem."""
    t = t or _
    known = {
        # what a request does: "… while searching"
        "connecting": t("connecting"),
        "searching": t("searching"),
        "counting": t("counting"),
        "reading the field list": t("reading the field list"),
        "reading a filter": t("reading a filter"),
        "reading the statuses": t("reading the statuses"),
        "reading the projects": t("reading the projects"),
        "finding issues by key": t("finding issues by key"),
        "checking changed issues": t("checking changed issues"),
        "posting": t("posting"),
        "reading the sheet": t("reading the sheet"),
        "reading the spreadsheet's tabs": t("reading the spreadsheet's tabs"),
        "reading the change log": t("reading the change log"),
        "writing to the sheet": t("writing to the sheet"),
        "checking the sheet before writing": t("checking the sheet before writing"),
        "creating the dashboard tab": t("creating the dashboard tab"),
        "refreshing the saved Google token": t("refreshing the saved Google token"),
        # services, settings and time limits
        "the server": t("the server"),
        "the alert webhook": t("the alert webhook"),
        "the webhook's retry time": t("the webhook's retry time"),
        "the run's time limit": t("the run's time limit"),
        # secrets that must not cross the network unencrypted
        "the JIRA token": t("the JIRA token"),
        "the Google access token": t("the Google access token"),
        "the webhook's URL": t("the webhook's URL"),
        # what a failed attempt said
        "refused the connection": t("refused the connection"),
        "dropped the connection": t("dropped the connection"),
        "did not answer in time": t("did not answer in time"),
    }
    return known.get(text, text)

"""The Korean catalog: complete, compiled, and its placeholders intact."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from okrsync.environment import locale_language
from okrsync.i18n import DOMAIN, LOCALE_DIR, words

PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / f"{DOMAIN}.po"
PACKAGE = Path(__file__).resolve().parents[1] / "okrsync"


def _messages() -> set[str]:
    found = extract_from_dir(str(PACKAGE), keywords={"_": None, "_s": None, "t": None})
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_every_message_in_the_code_has_a_korean_translation():
    catalog = read_po(PO.open("rb"))
    missing = sorted(m for m in _messages() if m not in catalog or not catalog[m].string)
    assert missing == [], "run the catalog commands in the README's development section"
    # A guess pybabel update made from a similar message is another message's words.
    assert [m.id for m in catalog if m.id and m.fuzzy] == [], "translate the fuzzy entries"


def test_the_compiled_catalog_matches_the_po_file():
    catalog = read_po(PO.open("rb"))
    compiled = gettext.translation(DOMAIN, LOCALE_DIR, ["ko"])
    for message in catalog:
        if message.id:
            assert compiled.gettext(message.id) == message.string, message.id


def test_placeholders_survive_translation():
    for message in read_po(PO.open("rb")):
        if message.id:
            assert set(re.findall(r"{\w+}", message.id)) == set(
                re.findall(r"{\w+}", message.string)), message.id


def test_the_locale_chooses_the_language():
    assert locale_language({"LANG": "ko_KR.UTF-8"}) == "ko"
    assert locale_language({"LANG": "C"}) == "en"
    assert locale_language({"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}) == "en"
    assert locale_language({}) == "en"
    assert words("ko")("Status") == "상태" and words("en")("Status") == "Status"

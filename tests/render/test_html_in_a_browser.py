"""The HTML report and digest as a reader sees them: opened in headless Chromium.

Each chart takes room on the page, Korean is drawn with a CJK font (not empty boxes),
the page logs no error and asks the network for nothing, and a screenshot is saved.
With OKRSYNC_UPDATE_SCREENSHOT=1 the report's screenshot replaces docs/report.png.

Needs Debian's Chromium with the Noto CJK fonts and Playwright for Python, which drives
that Chromium (it never downloads a browser of its own):

    apt-get install chromium fonts-noto-cjk
    pip install playwright            # or: pip install -e '.[test]'

Without them the tests skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, make_workbook

ROOT = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2024-08-20"]
INSTALL = ("apt-get install chromium fonts-noto-cjk, and pip install playwright "
           "(or pip install -e '.[test]')")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""As the machine's notes advise for Chromium here: no call home at start."""
CJK_FONTS = ("CJK", "Nanum", "Malgun", "Apple SD Gothic", "Noto Sans KR")
runner = CliRunner()


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    pytest.skip(f"no Chromium on this machine: {INSTALL}")


def _korean_font() -> None:
    try:
        families = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True,
                                  text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        families = ""
    if not families.strip():
        pytest.skip(f"no font with Hangul on this machine: {INSTALL}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the module, with a fresh profile."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"Playwright for Python is not installed: {INSTALL}")
    chromium = _chromium()
    _korean_font()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=chromium,
            headless=True, args=FLAGS, viewport={"width": 1100, "height": 1500})
        try:
            yield context
        finally:
            context.close()


def okrsync(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


class Opened:
    """A page opened from a file, with everything it logged and asked for."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.url = path.as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.errors.append(f"dialog: {dialog.message}"),
                                               dialog.dismiss()))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(self.url, wait_until="load")
        self.page.evaluate("document.fonts.ready")

    def charts(self) -> list[dict[str, float]]:
        return [box for box in (svg.bounding_box()
                                for svg in self.page.locator("figure.chart svg").all())
                if box is not None]

    def fonts_for(self, selector: str) -> list[dict[str, Any]]:
        """The fonts Chromium drew the first element matching `selector` with (DevTools'
        CSS.getPlatformFontsForNode), each with how many glyphs it drew."""
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, selector
        fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode",
                                               {"nodeId": node})["fonts"]
        cdp.detach()
        return fonts

    def mark_first_hangul(self, selector: str) -> str:
        """Tags the first element matching `selector` whose own text has Hangul."""
        found = self.page.evaluate("""selector => {
            for (const element of document.querySelectorAll(selector)) {
                if (/[\\uac00-\\ud7a3]/.test(element.textContent)) {
                    element.setAttribute('data-hangul', '');
                    return element.textContent;
                }
            }
            return null;
        }""", selector)
        assert found, f"no Hangul in {selector}"
        return str(found)


def _drawn_in_a_cjk_font(fonts: list[dict[str, Any]], text: str) -> None:
    hangul = sum("\uac00" <= char <= "\ud7a3" for char in text)
    cjk = [f for f in fonts if any(name in f["familyName"] for name in CJK_FONTS)]
    assert cjk, f"{text!r} was drawn with {fonts}, none of them a Korean font"
    assert sum(f["glyphCount"] for f in cjk) >= hangul, (text, fonts)


WIDTHS = (390, 1280)
"""A phone (an iPhone's 390 CSS pixels) and a laptop."""

_LAID_OUT = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width + 0.5)
        .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 40));
    const cut = [...document.querySelectorAll('td, th, h1, h2, h3, p, li, figcaption')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => e.tagName + ' ' + e.textContent.slice(0, 40));
    const outside = [];
    for (const svg of document.querySelectorAll('svg')) {
        const box = svg.getBoundingClientRect();
        for (const text of svg.querySelectorAll('text')) {
            const t = text.getBoundingClientRect();
            if (t.left < box.left - 0.5 || t.right > box.right + 0.5
                    || t.top < box.top - 0.5 || t.bottom > box.bottom + 0.5)
                outside.push(text.textContent);
        }
    }
    const smallest = Math.min(...[...document.querySelectorAll('svg text')]
        .map(t => t.getBoundingClientRect().height));
    return {scroll: document.documentElement.scrollWidth, width, wide, cut, outside,
            smallest};
}"""


def _reads_at(opened: Opened, width: int) -> None:
    """At `width` CSS pixels: nothing scrolls sideways, no text is cut (in a cell, a
    heading, or outside its chart), and chart text is large enough to read."""
    opened.page.set_viewport_size({"width": width, "height": 900})
    found = opened.page.evaluate(_LAID_OUT)
    assert found["scroll"] <= found["width"], (width, found["wide"][:5])
    assert found["wide"] == [], (width, found["wide"][:5])
    assert found["cut"] == [], (width, found["cut"][:5])
    assert found["outside"] == [], (width, found["outside"][:5])
    assert found["smallest"] >= 10, (width, found["smallest"])  # pixels, on a phone too


def _check(opened: Opened, charts: int) -> None:
    boxes = opened.charts()
    assert len(boxes) == charts
    for box in boxes:
        assert box["width"] > 100 and box["height"] > 50, box
    text = opened.mark_first_hangul("figure.chart svg text")
    _drawn_in_a_cjk_font(opened.fonts_for("svg text[data-hangul]"), text)
    text = opened.mark_first_hangul("h2")
    _drawn_in_a_cjk_font(opened.fonts_for("h2[data-hangul]"), text)
    assert opened.page.evaluate("document.scripts.length") == 0
    assert opened.errors == []
    assert opened.requests == [opened.url]  # the file itself, and nothing from anywhere
    for width in WIDTHS:
        _reads_at(opened, width)


def test_the_report_in_a_browser(browser, example, tmp_path):
    okrsync("pull", "-c", str(example), *AS_OF)
    page = tmp_path / "report.html"
    page.write_text(okrsync("report", "-c", str(example), *AS_OF, "-f", "html"),
                    encoding="utf-8")
    opened = Opened(browser, page)
    _check(opened, charts=3 * 2)  # per department: achievement by KR, KRs by status
    assert opened.page.locator("svg.spark").count() == 9  # a sparkline per KR
    opened.page.set_viewport_size({"width": 390, "height": 900})
    rows = opened.page.locator("table.krs tr:not(.obj)").all()
    assert opened.page.evaluate(  # on a phone each KR is a card: its cells one under another
        "[...document.querySelectorAll('table.krs thead')].every("
        "h => getComputedStyle(h).display === 'none')")
    assert rows and rows[1].bounding_box()["width"] <= 390  # type: ignore[index]
    opened.page.set_viewport_size({"width": 1100, "height": 1500})
    shot = tmp_path / "report.png"
    opened.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("OKRSYNC_UPDATE_SCREENSHOT") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, ROOT / "docs" / "report.png")
    opened.page.emulate_media(media="print")
    assert len(opened.charts()) == 6  # printed too
    opened.page.close()


def test_the_digest_in_a_browser(browser, example, tmp_path):
    okrsync("pull", "-c", str(example), *AS_OF)
    page = tmp_path / "digest.html"
    page.write_text(okrsync("digest", "-c", str(example), *AS_OF, "-f", "html"),
                    encoding="utf-8")
    opened = Opened(browser, page)
    _check(opened, charts=3 * 2)
    opened.page.screenshot(path=str(tmp_path / "digest.png"), full_page=True)
    opened.page.close()


def test_a_hostile_kr_name_is_drawn_as_text(browser, tmp_path):
    name = "<script>alert(1)</script>"
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER, ["<b>Eng</b>", "Ship", name, "Kim", 0, 10, 5],
        ["<b>Eng</b>", "Ship", '<img src=x onerror="alert(2)">', "Lee", 0, 10, 2]])
    (tmp_path / "okrsync.toml").write_text('[sheet]\nspreadsheet = "okr.xlsx"\n')
    page = tmp_path / "report.html"
    page.write_text(okrsync("report", "-c", str(tmp_path / "okrsync.toml"), *AS_OF, "-f",
                            "html"), encoding="utf-8")
    opened = Opened(browser, page)
    assert len(opened.charts()) == 2
    labels = opened.page.locator("figure.department svg text").all_text_contents()
    assert name in labels and '<img src=x onerror="alert(2)">' in labels
    assert opened.page.evaluate("document.scripts.length") == 0
    assert opened.page.evaluate("document.images.length") == 0
    assert opened.errors == [] and opened.requests == [opened.url]
    opened.page.close()

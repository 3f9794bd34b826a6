"""The HTML page around a report or digest: one self-contained file (no script, nothing
from the network) that reads on a 390 px phone as on a laptop, and prints.

- a viewport, so a phone does not shrink a desktop layout to unreadable text;
- `word-break: keep-all`: Korean breaks between words, never inside one (`목표 / 달성`,
  not `목 / 표`); a word wider than the screen (a URL) still breaks (`overflow-wrap`);
- below 600 px, KR tables stack: each KR a card, each cell on its own line after its
  column's name, so nothing is cut and nothing scrolls sideways;
- charts at the size they are read, never wider than the page (okrsync.render.charts);
- when printed, charts and table rows are kept whole on a page, colors kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONTS = ("-apple-system,'Segoe UI','Noto Sans CJK KR','Noto Sans KR','Malgun Gothic',"
         "'Apple SD Gothic Neo',sans-serif")

STYLE = (
    "*{box-sizing:border-box}"
    f"body{{font-family:{FONTS};margin:0 auto;padding:16px;max-width:1100px;color:#222;"
    "font-size:15px;line-height:1.5;word-break:keep-all;overflow-wrap:break-word}"
    "h1{font-size:22px;margin:0 0 8px}h2{font-size:19px;margin:24px 0 4px}"
    "h3{font-size:16px;margin:12px 0 4px}p{margin:4px 0 8px}"
    ".summary{background:#f5f7fa;border-left:4px solid #4a6fa5;padding:8px 12px}"
    ".attention ol{padding-left:22px}"
    "table{border-collapse:collapse;width:100%;margin:8px 0 18px}"
    "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2;font-size:14px}td.n,.nw{white-space:nowrap}td.f{min-width:12em}"
    "tr.obj td{background:#f7fbff;font-weight:bold}small{color:#666;display:block}"
    ".bar{background:#eee;width:80px;height:10px;display:inline-block;margin-right:4px}"
    ".bar span{display:block;height:10px}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px 24px;margin:8px 0 12px}"
    "figure.chart{margin:0;max-width:100%}figure.chart figcaption{font-size:14px;"
    "color:#333;margin:0 0 4px}figure.chart svg,svg.spark{display:block;max-width:100%;"
    "height:auto}"
    "@media (max-width:600px){body{padding:12px}table.krs,table.krs tbody,table.krs tr,"
    "table.krs td{display:block;width:auto}table.krs thead{display:none}"
    "table.krs tr{border:1px solid #ddd;border-radius:6px;margin:0 0 10px;padding:6px 10px}"
    "table.krs td{border:0;padding:2px 0}table.krs tr.obj{border:0;padding:0;margin:14px 0 4px}"
    "table.krs tr.obj td{background:none}td.n{white-space:normal}td.f{min-width:0}}"
    "@media print{body{max-width:none;padding:0;color:#000}h1,h2,h3{break-after:avoid}"
    "figure.chart,tr{break-inside:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}"
)


def _css(text: str) -> str:
    """Text for a CSS string in a `<style>` element (where HTML escapes mean nothing)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")


def _labels(columns: Sequence[str]) -> str:
    """On a phone, each cell of a stacked KR table after its column's name (but the first,
    the KR itself): written once here, not in every row."""
    rules = [f'table.krs tr:not(.obj) td:nth-child({n})::before{{content:"{_css(name)}: ";'
             "color:#666;font-size:13px}"
             for n, name in enumerate(columns, 1) if n > 1]
    return "@media (max-width:600px){" + "".join(rules) + "}"


def head(title: str, lang: str, columns: Sequence[str] = ()) -> str:
    """The page's start, up to its `<body>`; `columns` name a KR table's columns."""
    style = STYLE + (_labels(columns) if columns else "")
    return ("<!DOCTYPE html>\n"
            f'<html lang="{escape(lang)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{style}</style></head><body>")


FOOT = "</body></html>"

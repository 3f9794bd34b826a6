"""Cut the parts of Google's and Atlassian's API descriptions that the stand-ins use.

The stand-ins in `tests/standins/` validate every request against the real API
descriptions. The full files are large (the Jira OpenAPI file is 2.4 MB), so this
script keeps only what the stand-ins read — the paths and methods they serve and
every schema reachable from them — and records where each file came from:

    python tests/reference/refresh.py SHEETS_DISCOVERY.json JIRA_OPENAPI.json

Sources (download them to refresh the copy):
- Sheets v4 discovery document: PyPI `google-api-python-client`, file
  `googleapiclient/discovery_cache/documents/sheets.v4.json` (Apache-2.0).
- Jira Cloud platform OpenAPI: Atlassian's published `swagger-v3.v3.json`
  (https://developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json, Apache-2.0).
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

JIRA_PATHS = (
    "/rest/api/3/search", "/rest/api/3/search/jql", "/rest/api/3/search/approximate-count",
    "/rest/api/3/jql/parse", "/rest/api/3/jql/match", "/rest/api/3/serverInfo",
    "/rest/api/3/field", "/rest/api/3/filter/{id}", "/rest/api/3/issue/{issueIdOrKey}",
    "/rest/api/3/filter/search", "/rest/api/3/status", "/rest/api/3/project",
    "/rest/api/3/project/search", "/rest/api/3/project/{projectIdOrKey}/components",
    "/rest/api/3/project/{projectIdOrKey}/versions",
)
JIRA_SCHEMAS = ("IssueBean", "StatusDetails", "StatusCategory", "IssueTypeDetails",
                "ErrorCollection")
SHEETS_SCHEMAS = ("BatchUpdateSpreadsheetRequest", "Spreadsheet", "BatchGetValuesResponse",
                  "ValueRange")


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _closure(start: set[str], schemas: dict[str, Any]) -> dict[str, Any]:
    """Every schema reachable from `start` through $ref."""
    kept: dict[str, Any] = {}
    todo = sorted(start)
    while todo:
        name = todo.pop()
        if name in kept or name not in schemas:
            continue
        kept[name] = schemas[name]
        more: set[str] = set()
        _refs(schemas[name], more)
        todo += sorted(more - kept.keys())
    return dict(sorted(kept.items()))


def _source(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"file": path.name, "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "cut_on": date.today().isoformat()}


def cut_sheets(path: Path) -> dict[str, Any]:
    full = json.loads(path.read_text(encoding="utf-8"))
    spreadsheets = full["resources"]["spreadsheets"]
    methods = {name: spreadsheets["methods"][name] for name in ("get", "batchUpdate")}
    values = {name: spreadsheets["resources"]["values"]["methods"][name]
              for name in ("get", "batchGet", "update")}
    wanted = set(SHEETS_SCHEMAS)
    _refs([methods, values], wanted)
    return {
        "_source": _source(path) | {"revision": full.get("revision")},
        "parameters": full["parameters"],
        "resources": {"spreadsheets": {"methods": methods,
                                       "resources": {"values": {"methods": values}}}},
        "schemas": _closure(wanted, full["schemas"]),
    }


def cut_jira(path: Path) -> dict[str, Any]:
    full = json.loads(path.read_text(encoding="utf-8"))
    paths = {name: full["paths"][name] for name in JIRA_PATHS}
    wanted = set(JIRA_SCHEMAS)
    _refs(paths, wanted)
    return {
        "_source": _source(path) | {"version": full["info"]["version"]},
        "openapi": full["openapi"],
        "paths": paths,
        "components": {"schemas": _closure(wanted, full["components"]["schemas"])},
    }


def main(sheets: str, jira: str) -> None:
    for name, cut in (("sheets.v4.discovery.json", cut_sheets(Path(sheets))),
                      ("jira-cloud-platform.openapi.json", cut_jira(Path(jira)))):
        (HERE / name).write_text(json.dumps(cut, ensure_ascii=False, indent=1) + "\n",
                                 encoding="utf-8")
        print(f"wrote {name}: {len(cut.get('schemas') or cut['components']['schemas'])} schemas")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

"""Results as data for scripts: JSON (and CSV where a result is a table)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from okrsync.core.okr import KeyResult
from okrsync.render.text import csv_safe, to_json

if TYPE_CHECKING:
    from okrsync.commands.check import CheckResult
    from okrsync.commands.history import HistoryResult, UndoResult
    from okrsync.commands.init import InitResult
    from okrsync.commands.overlaps import Overlaps
    from okrsync.commands.pull import PullResult


def _lines(events: list[dict[str, Any]]) -> str:
    return "".join(to_json(event, indent=None) + "\n" for event in events)


def pull_events(done: PullResult, quiet: bool = False) -> str:
    """The pull as JSON events, one per line: `change`, `problem`, `alert`, `warning`,
    then `summary` with the exit code."""
    result = done.pull
    events: list[dict[str, Any]] = []
    if not quiet:
        events += [{"event": "change", "row": c.row, "key_result": c.key_result,
                    "cell": c.cell, "column": c.column, "old": c.old, "new": c.new,
                    "source": c.source} for c in result.changes]
    events += [{"event": "problem", "row": p.row, "key_result": p.key_result,
                "message": p.message} for p in result.problems]
    events += [{"event": "caveat", "row": a.kr.sheet_row, "key_result": a.kr.text,
                "message": caveat} for a in result.state.assessments for caveat in a.caveats]
    events += [{"event": "alert", "alarm": str(a.alarm), "row": a.row,
                "key_result": a.key_result, "department": a.department, "owner": a.owner,
                "detail": a.detail} for a in result.alerts]
    events += [{"event": "warning", "message": w} for w in done.warnings]
    events.append({"event": "summary", "sheet": result.state.backend.name,
                   "dry_run": result.dry_run, "written": result.written,
                   "changes": len(result.changes), "recolored": result.recolored,
                   "krs": len(result.state.assessments), "problems": len(result.problems),
                   "alerts": len(result.alerts), "exit_code": int(done.exit_code)})
    return _lines(events)


def check_json(check: CheckResult) -> str:
    result = check.pull
    layout = result.state.layout
    return to_json({
        "sheet": result.state.backend.name,
        "header_rows": [row + 1 for row in layout.header_rows],
        "columns": {role: {"column": letter, "header": header}
                    for role, (letter, header) in layout.describe().items()},
        "krs": len(result.state.assessments),
        "linked": sum(1 for a in result.state.assessments if a.kr.linked),
        "quarter": result.state.period.quarter,
        "problems": [asdict(p) for p in result.problems],
        "caveats": [{"row": a.kr.sheet_row, "key_result": a.kr.text, "message": caveat}
                    for a in result.state.assessments for caveat in a.caveats],
        "changes": len(result.changes),
        "exit_code": int(check.exit_code),
    }) + "\n"


def history_json(result: HistoryResult) -> str:
    return to_json([asdict(record) for record in result.records]) + "\n"


def history_csv(result: HistoryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "pull", "row", "key_result", "cell", "column", "old", "new",
                     "source"])
    for record in result.records:
        writer.writerow([csv_safe(value) for value in record.as_row()])
    return out.getvalue()


def undo_json(result: UndoResult) -> str:
    return to_json({
        "pull": result.pull, "sheet": result.sheet, "dry_run": result.dry_run,
        "reverted": [asdict(record) for record in result.reverted],
        "kept": [asdict(record) | {"reason": reason} for record, reason in result.refused],
        "exit_code": int(result.exit_code),
    }) + "\n"


def _kr(kr: KeyResult) -> dict[str, Any]:
    return {"row": kr.sheet_row, "department": kr.department, "key_result": kr.text}


def overlaps_json(result: Overlaps) -> str:
    return to_json({
        "shared_issues": [{"first": _kr(p.first), "second": _kr(p.second), "count": p.count,
                    "sample": list(p.sample)} for p in result.shared],
        "similar": [{"first": _kr(p.first), "second": _kr(p.second), "score": p.score}
                    for p in result.similar],
        "problems": [_kr(kr) | {"message": message} for kr, message in result.problems],
        "exit_code": int(result.exit_code),
    }) + "\n"


def init_json(result: InitResult) -> str:
    return to_json({key: (str(value) if value is not None else None)
                    for key, value in asdict(result).items() if key != "exit_code"}) + "\n"

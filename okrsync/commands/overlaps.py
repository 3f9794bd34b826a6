"""The silo finder: KRs of different departments that chase the same work.

Two signals: their JIRA links resolve to overlapping issues, or their texts read
nearly the same (rapidfuzz's token-set ratio, which ignores word order and
repeated words).
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from rapidfuzz import fuzz

from okrsync.config import Config
from okrsync.core.okr import KeyResult
from okrsync.environment import Environment
from okrsync.errors import ExitCode, KRError
from okrsync.jira.links import Link, parse_link
from okrsync.sync import load_state
from okrsync.workspace import open_source

SAMPLE = 5


@dataclass(frozen=True)
class SharedIssues:
    first: KeyResult
    second: KeyResult
    count: int
    sample: tuple[str, ...]


@dataclass(frozen=True)
class SimilarText:
    first: KeyResult
    second: KeyResult
    score: float


@dataclass
class Overlaps:
    shared: list[SharedIssues]
    similar: list[SimilarText]
    problems: list[tuple[KeyResult, str]]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.problems else ExitCode.OK


def similar_texts(krs: list[KeyResult], threshold: float) -> list[SimilarText]:
    """Pairs from different departments whose texts score at least `threshold` (0–100)."""
    found = []
    for first, second in combinations(krs, 2):
        if first.department == second.department:
            continue
        score = fuzz.token_set_ratio(first.text, second.text)
        if score >= threshold:
            found.append(SimilarText(first, second, round(score, 1)))
    return sorted(found, key=lambda pair: -pair.score)


def shared_issues(issues: dict[int, tuple[KeyResult, dict[str, str]]]) -> list[SharedIssues]:
    """Pairs of KRs of different departments that count the same issues. Issues are
    compared by id (`issues` maps each KR's issue ids to their keys): an issue that
    moved to another project is the same issue under its new key."""
    found = []
    for (first, a), (second, b) in combinations(issues.values(), 2):
        if first.department == second.department:
            continue
        common = a.keys() & b.keys()
        if common:
            sample = tuple(sorted(a[number] for number in common)[:SAMPLE])
            found.append(SharedIssues(first, second, len(common), sample))
    return sorted(found, key=lambda pair: -pair.count)


def overlaps(env: Environment, config: Config, *, as_of: date | None = None,
             threshold: float = 85.0) -> Overlaps:
    """KR pairs of different departments that count the same issues or read alike."""
    state, _sources = load_state(config, as_of, env=env,
                                 with_jira=False)
    state.close()
    krs = [a.kr for a in state.assessments]
    problems: list[tuple[KeyResult, str]] = []
    links: dict[int, Link] = {}
    for kr in krs:
        if kr.linked:
            try:
                links[kr.row] = parse_link(kr.link)
            except KRError as error:
                problems.append((kr, str(error)))
    issue_keys: dict[int, tuple[KeyResult, dict[str, str]]] = {}
    source = open_source(config, env) if links else None
    if source is not None:
        with closing(source):
            found = source.issues(set(links.values()))
        for kr in krs:
            if kr.row not in links:
                continue
            answer = found[links[kr.row]]
            if isinstance(answer, KRError):
                problems.append((kr, f"JIRA: {answer}"))
            else:
                issue_keys[kr.row] = (kr, {issue.id or issue.key: issue.key
                                           for issue in answer})
    return Overlaps(shared_issues(issue_keys), similar_texts(krs, threshold), problems)

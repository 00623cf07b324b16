"""A run in brief: the levels, stages and statuses of a report, without its evidence.

Diffs, gates and the history all work on this summary, and it is read from the JSON
report document (never from the in-memory report), so a report saved a year ago can be
compared, gated or recorded exactly like today's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoSummary:
    """One repository's Model D levels, Model S stage and every result's status."""

    repo: str
    code: str
    code_ceiling: str
    domains: tuple[tuple[str, int, int], ...]
    stage: int
    stage_ceiling: int
    results: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """One scan: its target and clock, each repository, and the organisation's stage."""

    target: str
    as_of: str
    tool_version: str
    catalog_version: str
    partial: bool
    repos: tuple[RepoSummary, ...]
    org_stage: int | None
    org_stage_ceiling: int | None
    org_answers: tuple[tuple[str, str], ...]


def _repo(repository: Mapping[str, Any]) -> RepoSummary:
    model_d = repository["model_d"]
    model_s = repository["model_s"]
    domains = model_d["domains"]
    return RepoSummary(
        repo=str(repository["repo"]), code=str(model_d["code"]),
        code_ceiling=str(model_d["code_ceiling"]),
        domains=tuple((str(d["id"]), int(d["floor"]), int(d["ceiling"])) for d in domains),
        stage=int(model_s["stage"]), stage_ceiling=int(model_s["stage_ceiling"]),
        results=tuple((str(i["id"]), str(i["status"]))
                      for d in domains for i in d["indicators"])
        + tuple((str(a["id"]), str(a["status"])) for a in model_s["answers"]),
    )


def summarize(document: Mapping[str, Any]) -> RunSummary:
    """The summary of a JSON report document (raises KeyError/TypeError on a malformed one)."""
    repos = tuple(sorted((_repo(r) for r in document["repositories"]), key=lambda r: r.repo))
    org = document.get("organisation")
    target = document.get("target")
    return RunSummary(
        # a local scan has no target of its own: its one repository names it
        target=str(target) if target is not None else ", ".join(r.repo for r in repos),
        as_of=str(document["as_of"]), tool_version=str(document["tool"]["version"]),
        catalog_version=str(document["catalog_version"]), partial=bool(document["partial"]),
        repos=repos,
        org_stage=int(org["stage"]["floor"]) if org else None,
        org_stage_ceiling=int(org["stage"]["ceiling"]) if org else None,
        org_answers=tuple((str(a["id"]), str(a["status"])) for a in org["answers"])
        if org else (),
    )


def as_dict(summary: RunSummary) -> dict[str, Any]:
    """The summary as plain JSON data (domains and results as objects keyed by id)."""
    return {
        "target": summary.target, "as_of": summary.as_of,
        "tool_version": summary.tool_version, "catalog_version": summary.catalog_version,
        "partial": summary.partial, "org_stage": summary.org_stage,
        "org_stage_ceiling": summary.org_stage_ceiling,
        "org_answers": dict(summary.org_answers),
        "repos": [{"repo": r.repo, "code": r.code, "code_ceiling": r.code_ceiling,
                   "stage": r.stage, "stage_ceiling": r.stage_ceiling,
                   "domains": {d: {"floor": f, "ceiling": c} for d, f, c in r.domains},
                   "results": dict(r.results)} for r in summary.repos],
    }

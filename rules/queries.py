"""Questions many rules ask of the evidence, answered once here.

These are small pure helpers over :class:`~scanner.evidence.Facts`: which CI jobs run which
kind of tool on which events, which hooks run security tools, what a platform setting says,
and how to say "not found" honestly (unmet only when every place that could hold the
evidence was read; unknown when some of it could not be).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from scanner.evidence import Evidence, Facts, Gap, Item, UnknownReason
from scanner.model import Outcome
from scanner.payloads import (
    AgentHook,
    AiConfigFile,
    CiJob,
    CiPipeline,
    Hook,
    HookConfig,
    RepoSnapshot,
)

#: Tool categories that count as a security scanner.
SECURITY = frozenset({"sast", "sca", "secrets"})
#: Hook stages that run before a commit exists.
BEFORE_COMMIT = frozenset({"pre-commit", "pre-merge-commit", "manual-pre-commit"})

P = TypeVar("P")


def snapshot(facts: Facts) -> Evidence[RepoSnapshot]:
    """The scanned tree; every absence claim cites it."""
    found = facts.one(RepoSnapshot)
    if not isinstance(found, Evidence):
        raise LookupError("the engine always records the repository snapshot")
    return found


def absent(facts: Facts, summary: str, *kinds: type[Any],
           seen: Sequence[Item] = ()) -> Outcome:
    """``unmet`` when nothing was found and every file of ``kinds`` was read; else unknown."""
    gaps = facts.gaps(*kinds)
    if gaps:
        unreadable = ", ".join(sorted({g.provenance.locator for g in gaps}))
        return Outcome.unknown(f"{summary}, but some files could not be read ({unreadable})",
                               *gaps, *seen, snapshot(facts))
    return Outcome.unmet(summary, *seen, snapshot(facts))


def observed(facts: Facts, kind: type[P]) -> Evidence[P] | Outcome:
    """The evidence of a singleton ``kind``, or an ``unknown`` outcome citing why it is missing."""
    found = facts.one(kind)
    if isinstance(found, Evidence):
        return found
    if isinstance(found, Gap):
        return Outcome.unknown(found.detail, found)
    return Outcome.unknown(f"{getattr(kind, 'KIND', kind)} was not collected", snapshot(facts),
                           reason=UnknownReason.NOT_COLLECTED)


@dataclass(frozen=True, slots=True)
class JobRef:
    """A CI job together with the pipeline evidence it came from."""

    evidence: Evidence[CiPipeline]
    job: CiJob
    wanted: frozenset[str] | None = None
    """The categories the job was selected for; summaries name only those tools."""

    @property
    def label(self) -> str:
        """``path#job`` for summaries."""
        return f"{self.evidence.payload.path}#{self.job.id}"

    def categories(self) -> frozenset[str]:
        """All tool categories of the job."""
        return frozenset(c for t in self.job.tools for c in t.categories)

    def blocking_categories(self) -> frozenset[str]:
        """Categories of tools whose failure fails the job (and the job the pipeline)."""
        if self.job.allow_failure:
            return frozenset()
        soft = {t.tool for s in self.job.steps if s.allow_failure for t in s.tools}
        hard = {t.tool for s in self.job.steps if not s.allow_failure for t in s.tools}
        return frozenset(c for t in self.job.tools if t.tool in hard or t.tool not in soft
                         for c in t.categories)


def ci_jobs(facts: Facts, categories: Iterable[str] | None = None,
            triggers: Iterable[str] | None = None) -> list[JobRef]:
    """CI jobs running a tool of any of ``categories`` on any of ``triggers``."""
    wanted = frozenset(categories) if categories is not None else None
    events = frozenset(triggers) if triggers is not None else None
    found: list[JobRef] = []
    for evidence in facts.all(CiPipeline):
        for job in evidence.payload.jobs:
            ref = JobRef(evidence, job, wanted)
            if wanted is not None and not (ref.categories() & wanted):
                continue
            if events is not None and not (set(job.triggers) & events):
                continue
            found.append(ref)
    return found


def ci_runs(facts: Facts, categories: Iterable[str], found: str, missing: str) -> Outcome:
    """Met when a CI job runs a tool of ``categories`` ("{found} <jobs>"), else absent."""
    jobs = ci_jobs(facts, categories)
    if jobs:
        return Outcome.met(f"{found} {name_jobs(jobs)}", *cite_jobs(jobs))
    return absent(facts, missing, CiPipeline)


def cite_jobs(jobs: Sequence[JobRef]) -> list[Item]:
    """The pipeline evidence behind these jobs."""
    return [j.evidence for j in jobs]


def name_jobs(jobs: Sequence[JobRef], limit: int = 3) -> str:
    """A short human list of jobs and their tools."""
    names = []
    for ref in jobs[:limit]:
        tools = sorted({t.tool for t in ref.job.tools
                        if ref.wanted is None or ref.wanted & set(t.categories)})
        names.append(f"{ref.label} ({', '.join(tools)})" if tools else ref.label)
    more = f" and {len(jobs) - limit} more" if len(jobs) > limit else ""
    return ", ".join(names) + more


@dataclass(frozen=True, slots=True)
class HookRef:
    """A git hook together with the configuration evidence it came from."""

    evidence: Evidence[HookConfig]
    hook: Hook

    def categories(self) -> frozenset[str]:
        """All tool categories of the hook."""
        return frozenset(c for t in self.hook.tools for c in t.categories)


def hooks(facts: Facts, categories: Iterable[str], stages: Iterable[str] | None = None
          ) -> list[HookRef]:
    """Git hooks running a tool of any of ``categories`` at any of ``stages``."""
    wanted = frozenset(categories)
    at = frozenset(stages) if stages is not None else None
    found: list[HookRef] = []
    for evidence in facts.all(HookConfig):
        for hook in evidence.payload.hooks:
            ref = HookRef(evidence, hook)
            if ref.categories() & wanted and (at is None or set(hook.stages) & at):
                found.append(ref)
    return found


def name_hooks(found: Sequence[HookRef], limit: int = 3) -> str:
    """A short human list of hooks."""
    names = [f"{h.evidence.payload.path}:{h.hook.id}" for h in found[:limit]]
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return ", ".join(names) + more


def agent_hooks(facts: Facts, categories: Iterable[str]
                ) -> list[tuple[Evidence[AiConfigFile], AgentHook]]:
    """Agent hooks (in AI tool settings) that run a tool of any of ``categories``."""
    wanted = frozenset(categories)
    return [(e, h) for e in facts.all(AiConfigFile) for h in e.payload.hooks
            if {c for t in h.tools for c in t.categories} & wanted]


def ai_files(facts: Facts, role: str | None = None) -> list[Evidence[AiConfigFile]]:
    """AI configuration files, optionally only those with ``role``."""
    return [e for e in facts.all(AiConfigFile) if role is None or role in e.payload.roles]


def paths(items: Iterable[Evidence[Any]], limit: int = 3) -> str:
    """A short list of the files behind evidence items."""
    names = sorted({i.provenance.locator.removeprefix("tree:") for i in items})
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more

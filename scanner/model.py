"""Results and assessments: what rules decide and what the report is made of.

A rule returns an :class:`Outcome` that must cite at least one evidence or gap id. The
engine turns outcomes into :class:`Result` values (adding the id and any attestation), the
aggregate turns results into domain scores and stage placement, and the :class:`Report` is
the one immutable value every renderer presents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from scanner.evidence import Evidence, Gap, Item, UnknownReason, cited
from scanner.payloads import AttestationRecord


class Status(StrEnum):
    """The four answers an indicator or question can have."""

    MET = "met"
    UNMET = "unmet"
    ATTESTED = "attested"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """A rule's decision with its citations. For questions, ``met`` = the favourable answer."""

    status: Status
    summary: str
    cites: tuple[str, ...]
    reason: UnknownReason | None = None

    @staticmethod
    def _ids(items: Sequence[Item]) -> tuple[str, ...]:
        if not items:
            raise ValueError("a verdict must cite at least one evidence item or gap")
        return cited(items)

    @classmethod
    def met(cls, summary: str, *items: Item) -> Outcome:
        """The claim holds, as shown by ``items``."""
        return cls(status=Status.MET, summary=summary, cites=cls._ids(items))

    @classmethod
    def unmet(cls, summary: str, *items: Item) -> Outcome:
        """The claim does not hold, as shown by ``items``."""
        return cls(status=Status.UNMET, summary=summary, cites=cls._ids(items))

    @classmethod
    def unknown(cls, summary: str, *items: Item,
                reason: UnknownReason | None = None) -> Outcome:
        """The claim could not be decided; the reason defaults to the first cited gap's."""
        gaps = [i for i in items if isinstance(i, Gap)]
        chosen = reason or (gaps[0].reason if gaps else UnknownReason.NOT_OBSERVABLE)
        return cls(status=Status.UNKNOWN, summary=summary, cites=cls._ids(items), reason=chosen)


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """The answer for one indicator or question in one repository."""

    id: str
    status: Status
    summary: str
    evidence: tuple[str, ...]
    reason: UnknownReason | None
    attestation: AttestationRecord | None = None

    @property
    def holds(self) -> bool | None:
        """True when met or attested yes, False when unmet or attested no, None if unknown."""
        if self.status is Status.MET:
            return True
        if self.status is Status.UNMET:
            return False
        if self.status is Status.ATTESTED and self.attestation is not None:
            return self.attestation.holds
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorResult:
    """A Model D indicator's result with its catalog identity, for presentation."""

    domain: str
    level: int
    title: str
    result: Result
    ahead: bool
    """Met (or attested) above the domain's floor level."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainScore:
    """One Model D domain: level with unknowns as unmet (floor) and as met (ceiling)."""

    id: str
    name: str
    floor: int
    ceiling: int
    indicators: tuple[IndicatorResult, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """A Model S question answered for one repository."""

    stage: int
    text: str
    answer: str
    """``yes``, ``no`` or ``unknown``, in the question's own wording."""
    favourable: bool | None
    result: Result


@dataclass(frozen=True, slots=True, kw_only=True)
class StageTally:
    """How one stage's answers counted towards placement."""

    stage: int
    name: str
    favourable: int
    unfavourable: int
    unknown: int
    threshold: int
    counts: str
    reached_floor: bool
    reached_ceiling: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class StagePlacement:
    """Model S placement: stage with unknowns unfavourable (floor) and favourable (ceiling)."""

    floor: int
    ceiling: int
    name: str
    tallies: tuple[StageTally, ...]
    answers: tuple[Answer, ...]
    next_steps: tuple[str, ...]
    """Concrete actions for this repository towards the next stage, most decisive first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoAssessment:
    """Everything decided about one repository."""

    repo: str
    path: str
    origin: str | None
    head: str | None
    branch: str | None
    ai_in_use: bool | None
    ai_in_use_basis: str
    code: str
    """Model D floor code, e.g. ``2-1-1-3``."""
    code_ceiling: str
    domains: tuple[DomainScore, ...]
    stage: StagePlacement
    next_steps: tuple[str, ...]
    """The most useful actions across both models, for the terminal summary."""
    problems: tuple[str, ...]
    """Ids of gaps that are read failures (what could not be read, and why)."""
    notes: tuple[str, ...]
    """Caveats a reader must know (shallow history, empty repository, ...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The whole result of a run: the one value every renderer presents."""

    schema_version: str
    tool_version: str
    catalog_version: str
    as_of: datetime
    since: datetime
    collectors: tuple[str, ...]
    repositories: tuple[RepoAssessment, ...]
    evidence: tuple[Evidence[object] | Gap, ...]
    partial: bool

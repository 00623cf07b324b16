"""Results and assessments: what rules decide and what the report is made of.

A rule returns an :class:`Outcome` that must cite at least one evidence or gap id. The
engine turns outcomes into :class:`Result` values (adding the id and any attestation), the
aggregate turns results into domain scores and stage placement, and the :class:`Report` is
the one immutable value every renderer presents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
class RepoBrief:
    """What the organisation view needs of one repository: a few kilobytes, so that an
    organisation scan keeps only this in memory while the full assessment waits on disk."""

    repo: str
    ai_in_use: bool | None
    code: str
    code_ceiling: str
    stage_floor: int
    stage_ceiling: int
    domain_floors: Mapping[str, int]
    """Model D floor level by domain id."""
    favourable: Mapping[str, bool | None]
    """Each Model S question's answer by id: favourable, unfavourable or unknown."""

    @classmethod
    def of(cls, assessment: RepoAssessment) -> RepoBrief:
        """The brief of a full assessment."""
        return cls(repo=assessment.repo, ai_in_use=assessment.ai_in_use, code=assessment.code,
                   code_ceiling=assessment.code_ceiling, stage_floor=assessment.stage.floor,
                   stage_ceiling=assessment.stage.ceiling,
                   domain_floors={d.id: d.floor for d in assessment.domains},
                   favourable={a.result.id: a.favourable for a in assessment.stage.answers})


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgAnswer:
    """A Model S question answered for an organisation: a coverage figure over repositories."""

    id: str
    stage: int
    text: str
    cutoff: str
    """``most``, ``nearly_complete`` or ``almost_all``."""
    threshold: float
    strict: bool
    """True when the share must be more than ``threshold``, False for at least."""
    among: str
    """``all`` repositories or only those with AI use (``ai_in_use``)."""
    counted: int
    """Repositories in the population measured."""
    met: int
    """Repositories with the favourable answer (observed or attested)."""
    unmet: int
    unknown: int
    share_floor: float
    """``met / counted`` (unknowns as unfavourable); 0 when nothing was counted."""
    share_ceiling: float
    """``(met + unknown) / counted`` (unknowns as favourable); 0 when nothing was counted."""
    status: Status
    """Met when the floor share reaches the cut-off, unmet when the ceiling share cannot."""
    summary: str
    lacking: tuple[str, ...]
    """Repositories with the unfavourable answer, sorted."""
    unknown_repos: tuple[str, ...]
    """Repositories whose answer (or whose AI use, for ``ai_in_use``) is unknown, sorted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgStage:
    """Model S placement of an organisation from its coverage answers, as for a repository."""

    floor: int
    ceiling: int
    name: str
    tallies: tuple[StageTally, ...]
    next_steps: tuple[str, ...]
    """Concrete actions towards the next stage, naming the repositories that lack them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelRow:
    """One repository's levels in both models, for the organisation overview."""

    repo: str
    code: str
    code_ceiling: str
    stage_floor: int
    stage_ceiling: int
    ai_in_use: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainSpread:
    """How many repositories sit at each floor level (1..5) of one Model D domain."""

    id: str
    name: str
    repos_at_level: tuple[int, int, int, int, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgAssessment:
    """Everything decided about an organisation from its repositories' assessments."""

    target: str
    scanned: int
    """Repositories assessed."""
    failed: int
    """Repositories that could not be scanned at all; never counted as unmet."""
    answers: tuple[OrgAnswer, ...]
    """Catalog order."""
    stage: OrgStage
    levels: tuple[LevelRow, ...]
    """Sorted by repository."""
    spread: tuple[DomainSpread, ...]
    """Catalog order."""
    ai_in_use: int
    """Repositories where AI use was detected."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoFailure:
    """A repository that could not be scanned at all (deleted since listing, clone refused)."""

    repo: str
    reason: UnknownReason
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Visibility:
    """Permission preflight: for how many repositories a kind of evidence is visible."""

    evidence: str
    """What is read, e.g. ``classic branch protection``."""
    needs: str
    """The permission that reveals it, e.g. ``repository admin``."""
    visible: int
    total: int
    scope: str = "repositories"
    """What ``total`` counts: ``repositories`` or ``organisation`` (one) on GitHub,
    ``projects`` or ``group`` (one) on GitLab."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ShardPart:
    """Which part of a sharded scan a report covers (``aims scan --shard INDEX/COUNT``)."""

    index: int
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The whole result of a run: the one value every renderer presents."""

    schema_version: str
    tool_version: str
    catalog_version: str
    as_of: datetime
    since: datetime
    collectors: tuple[str, ...]
    repositories: Sequence[RepoAssessment]
    """Sorted by repository; an organisation scan's are read back from its journal."""
    evidence: Sequence[Evidence[object] | Gap]
    """Sorted by id; an organisation scan's are read back from its journal."""
    partial: bool
    target: str | None = None
    """What was asked for (e.g. ``github:acme``); None for a local scan."""
    organisation: OrgAssessment | None = None
    """The organisation-level assessment of a multi-repository scan."""
    failures: tuple[RepoFailure, ...] = ()
    preflight: tuple[Visibility, ...] = ()
    shard: ShardPart | None = None
    """The part of the organisation this report covers; None for a whole one."""

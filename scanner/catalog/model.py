"""The two maturity models as typed data: Model D indicators and Model S stages/questions.

Model D (the AI Coding Maturity Model) scores four governance domains 1-5 from indicators;
Model S (the AI Security Maturity Model) places a repository or organisation in one of five
stages from self-assessment questions. ``model.yaml`` holds what each entry means (title,
rationale naming its source model, remediation); the decision logic is in ``rules/``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from scanner.catalog.errors import CatalogError

_INDICATOR_ID = re.compile(r"^(CLG|ABC|GDA|TRA)-([2-5])[a-z]$")
_QUESTION_ID = re.compile(r"^S([1-5])-Q([1-9])$")
#: The seeds' coverage words, and whether each means "more than" (strict) or "at least".
CUTOFFS = {"most": True, "nearly_complete": False, "almost_all": False}
#: Which repositories an organisation-level answer is measured over.
POPULATIONS = ("all", "ai_in_use")


@dataclass(frozen=True, slots=True, kw_only=True)
class Domain:
    """One Model D governance domain."""

    id: str
    name: str
    summary: str
    require: Mapping[int, int | None]
    """Per level 2..5: how many of the level's indicators are needed (None = all)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Indicator:
    """One Model D indicator: a claim decided per repository by the rule of the same id."""

    id: str
    domain: str
    level: int
    title: str
    rationale: str
    remediation: str
    evidence: tuple[str, ...]
    """Evidence kinds the rule reads."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage:
    """One Model S stage with its placement threshold."""

    number: int
    name: str
    control_point: str
    focus: str
    threshold: int
    """How many answers must count: unfavourable ones at stage 1, favourable ones above."""
    counts: str
    """``unfavourable`` (stage 1) or ``favourable``."""
    next_steps: tuple[str, ...]
    """The source model's advice for moving from this stage to the next, paraphrased."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgCoverage:
    """How a question is answered for an organisation: a share of repositories and a cut-off."""

    cutoff: str = "most"
    """``most`` (more than 50 %), ``nearly_complete`` (at least 90 %) or ``almost_all``."""
    threshold: Fraction = Fraction(1, 2)
    """The cut-off as an exact share, from ``coverage`` in ``model.yaml``."""
    strict: bool = True
    """True when the share must be more than the threshold, False for at least."""
    among: str = "all"
    """``all`` scanned repositories, or only those where AI use was detected (``ai_in_use``)."""

    def passes(self, share: Fraction) -> bool:
        """Whether a share of favourable repositories reaches the cut-off."""
        return share > self.threshold if self.strict else share >= self.threshold


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """One Model S self-assessment question, answered from evidence where observable."""

    id: str
    stage: int
    text: str
    favourable: str
    """The answer that counts in the organisation's favour: ``yes`` or ``no``."""
    observable: bool
    """False for questions only a person can answer (attestation), marked (A) in the model."""
    rationale: str
    remediation: str
    org: OrgCoverage = field(default_factory=OrgCoverage)
    """How the question is answered over an organisation's repositories."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MaturityModel:
    """Both models, in catalog order."""

    domains: tuple[Domain, ...]
    indicators: tuple[Indicator, ...]
    stages: tuple[Stage, ...]
    questions: tuple[Question, ...]
    coverage: Mapping[str, float]
    """The seeds' words as numbers: ``most`` (> 0.5), ``nearly_complete`` (>= 0.9),
    ``almost_all`` (>= 0.95)."""
    attestation_max_age_days: int

    def indicator(self, ident: str) -> Indicator:
        """The indicator with this id."""
        for indicator in self.indicators:
            if indicator.id == ident:
                return indicator
        raise KeyError(ident)

    def question(self, ident: str) -> Question:
        """The question with this id."""
        for question in self.questions:
            if question.id == ident:
                return question
        raise KeyError(ident)

    def ids(self) -> tuple[str, ...]:
        """Every indicator and question id, in catalog order."""
        return tuple(i.id for i in self.indicators) + tuple(q.id for q in self.questions)


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: '{key}' must be a non-empty string")
    return " ".join(value.split())


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CatalogError(f"{where}: expected a mapping")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise CatalogError(f"{where}: expected a list")
    return value


def load_model(raw: Any) -> MaturityModel:
    """Validate ``model.yaml`` and build the typed model."""
    root = _mapping(raw, "model.yaml")
    if root.get("version") != 1:
        raise CatalogError("model.yaml: unsupported version")
    domains = tuple(_domain(_mapping(d, "domain")) for d in _list(root.get("domains"), "domains"))
    domain_ids = [d.id for d in domains]
    if domain_ids != ["CLG", "ABC", "GDA", "TRA"]:
        raise CatalogError(f"model.yaml: domains must be CLG, ABC, GDA, TRA, got {domain_ids}")
    indicators = tuple(_indicator(_mapping(i, "indicator"))
                       for i in _list(root.get("indicators"), "indicators"))
    stages = tuple(_stage(_mapping(s, "stage")) for s in _list(root.get("stages"), "stages"))
    if [s.number for s in stages] != [1, 2, 3, 4, 5]:
        raise CatalogError("model.yaml: stages must be 1..5 in order")
    coverage = _coverage(_mapping(root.get("coverage"), "coverage"))
    questions = tuple(_question(_mapping(q, "question"), coverage)
                      for q in _list(root.get("questions"), "questions"))
    ids = [i.id for i in indicators] + [q.id for q in questions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"model.yaml: duplicate ids {duplicates}")
    for domain in domains:
        levels = {i.level for i in indicators if i.domain == domain.id}
        if levels != {2, 3, 4, 5}:
            raise CatalogError(f"model.yaml: {domain.id} needs indicators at levels 2-5")
    return MaturityModel(
        domains=domains, indicators=indicators, stages=stages, questions=questions,
        coverage={k: float(v) for k, v in coverage.items()},
        attestation_max_age_days=int(root.get("attestation_max_age_days", 90)),
    )


def _domain(entry: Mapping[str, Any]) -> Domain:
    ident = _text(entry, "id", "domain")
    require_raw: Mapping[Any, Any] = _mapping(entry.get("require", {}), f"domain {ident}")
    require: dict[int, int | None] = {}
    for level in (2, 3, 4, 5):
        value = require_raw.get(level, "all")
        if value != "all" and not (isinstance(value, int) and value >= 1):
            raise CatalogError(f"domain {ident}: require.{level} must be 'all' or a count")
        require[level] = None if value == "all" else int(value)
    return Domain(id=ident, name=_text(entry, "name", ident),
                  summary=_text(entry, "summary", ident), require=require)


def _indicator(entry: Mapping[str, Any]) -> Indicator:
    ident = _text(entry, "id", "indicator")
    match = _INDICATOR_ID.match(ident)
    if not match:
        raise CatalogError(f"indicator id {ident!r} is not like CLG-3a")
    evidence = tuple(str(k) for k in _list(entry.get("evidence"), f"{ident}: evidence"))
    if not evidence:
        raise CatalogError(f"{ident}: lists no evidence kinds")
    return Indicator(
        id=ident, domain=match.group(1), level=int(match.group(2)),
        title=_text(entry, "title", ident), rationale=_text(entry, "rationale", ident),
        remediation=_text(entry, "remediation", ident), evidence=evidence,
    )


def _stage(entry: Mapping[str, Any]) -> Stage:
    number = entry.get("stage")
    if not isinstance(number, int):
        raise CatalogError("stage: 'stage' must be a number")
    where = f"stage {number}"
    counts = _text(entry, "counts", where)
    if counts not in ("favourable", "unfavourable"):
        raise CatalogError(f"{where}: counts must be favourable or unfavourable")
    threshold = entry.get("threshold")
    if not isinstance(threshold, int) or threshold < 1:
        raise CatalogError(f"{where}: threshold must be a positive number")
    steps = tuple(" ".join(str(s).split()) for s in _list(entry.get("next_steps"), where))
    return Stage(number=number, name=_text(entry, "name", where),
                 control_point=_text(entry, "control_point", where),
                 focus=_text(entry, "focus", where), threshold=threshold, counts=counts,
                 next_steps=steps)


def _coverage(raw: Mapping[str, Any]) -> dict[str, Fraction]:
    """The cut-off shares, exact (``0.9`` is 9/10) so boundaries compare without rounding."""
    if set(raw) != set(CUTOFFS):
        raise CatalogError(f"coverage: needs exactly {sorted(CUTOFFS)}, got {sorted(raw)}")
    shares = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise CatalogError(f"coverage.{name}: must be a share between 0 and 1")
        shares[str(name)] = Fraction(str(value))
    return shares


def _org(entry: Mapping[str, Any], ident: str, coverage: Mapping[str, Fraction]) -> OrgCoverage:
    raw = _mapping(entry.get("org", {}), f"{ident}: org")
    unknown = sorted(set(raw) - {"cutoff", "among"})
    if unknown:
        raise CatalogError(f"{ident}: org has unknown keys {unknown}")
    cutoff = raw.get("cutoff", "most")
    if cutoff not in CUTOFFS:
        raise CatalogError(f"{ident}: org.cutoff must be one of {sorted(CUTOFFS)}")
    among = raw.get("among", "all")
    if among not in POPULATIONS:
        raise CatalogError(f"{ident}: org.among must be one of {list(POPULATIONS)}")
    return OrgCoverage(cutoff=cutoff, threshold=coverage[cutoff], strict=CUTOFFS[cutoff],
                       among=among)


def _question(entry: Mapping[str, Any], coverage: Mapping[str, Fraction]) -> Question:
    ident = _text(entry, "id", "question")
    match = _QUESTION_ID.match(ident)
    if not match:
        raise CatalogError(f"question id {ident!r} is not like S2-Q1")
    favourable = _text(entry, "favourable", ident)
    if favourable not in ("yes", "no"):
        raise CatalogError(f"{ident}: favourable must be yes or no")
    observable = entry.get("observable", True)
    if not isinstance(observable, bool):
        raise CatalogError(f"{ident}: observable must be true or false")
    return Question(id=ident, stage=int(match.group(1)), text=_text(entry, "text", ident),
                    favourable=favourable, observable=observable,
                    rationale=_text(entry, "rationale", ident),
                    remediation=_text(entry, "remediation", ident),
                    org=_org(entry, ident, coverage))

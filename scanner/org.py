"""Organisation level: Model S answers as coverage figures over the repositories scanned.

Every question is decided per repository; an organisation's answer is the share of its
repositories with the favourable answer, against the cut-off the catalog gives the question
(``most`` = more than 50 %, ``nearly_complete`` = at least 90 %, ``almost_all`` = at least
95 %). Unknown answers give a floor share (counted against) and a ceiling share (counted in
favour), so an unknown never silently decides the answer. The organisation is then placed in
a stage with the same thresholds as a repository. Repositories that could not be scanned at
all are counted as failed, never as unmet. Pure counting, like :mod:`scanner.aggregate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from scanner import aggregate
from scanner.catalog import Catalog
from scanner.catalog.model import MaturityModel, Question
from scanner.model import (
    DomainSpread,
    LevelRow,
    OrgAnswer,
    OrgAssessment,
    OrgStage,
    RepoBrief,
    RepoFailure,
    Status,
)

#: How many repository names a next step lists before "and N more".
NAMED = 3

_FAVOURABLE = {Status.MET: True, Status.UNMET: False, Status.UNKNOWN: None}


def assess_org(catalog: Catalog, target: str, assessments: Sequence[RepoBrief],
               failures: Sequence[RepoFailure]) -> OrgAssessment:
    """The organisation's coverage answers, stage, level table and domain spread (from each
    repository's brief: the organisation view never needs a repository's evidence)."""
    model = catalog.model
    answers = tuple(org_answer(q, assessments) for q in model.questions)
    return OrgAssessment(
        target=target, scanned=len(assessments), failed=len(failures), answers=answers,
        stage=org_stage(model, answers),
        levels=tuple(sorted((_row(a) for a in assessments), key=lambda r: r.repo)),
        spread=_spread(model, assessments),
        ai_in_use=sum(a.ai_in_use is True for a in assessments))


def org_answer(question: Question, assessments: Sequence[RepoBrief]) -> OrgAnswer:
    """One question as the share of repositories answering it favourably."""
    rule = question.org
    favourable: dict[str, bool | None] = {}
    for assessment in assessments:
        if rule.among == "all" or assessment.ai_in_use is True:
            favourable[assessment.repo] = _favourable(question, assessment)
        elif assessment.ai_in_use is None:
            # It may or may not belong to the population: counting its answer as unknown
            # keeps the floor and ceiling shares true bounds either way.
            favourable[assessment.repo] = None
    counted = len(favourable)
    met = sum(v is True for v in favourable.values())
    lacking = tuple(sorted(r for r, v in favourable.items() if v is False))
    unknown_repos = tuple(sorted(r for r, v in favourable.items() if v is None))
    floor = Fraction(met, counted) if counted else Fraction(0)
    ceiling = Fraction(met + len(unknown_repos), counted) if counted else Fraction(0)
    if not counted:
        status = Status.UNKNOWN
    elif rule.passes(floor):
        status = Status.MET
    elif not rule.passes(ceiling):
        status = Status.UNMET
    else:
        status = Status.UNKNOWN
    return OrgAnswer(
        id=question.id, stage=question.stage, text=question.text, cutoff=rule.cutoff,
        threshold=float(rule.threshold), strict=rule.strict, among=rule.among,
        counted=counted, met=met, unmet=len(lacking), unknown=len(unknown_repos),
        share_floor=float(floor), share_ceiling=float(ceiling), status=status,
        summary=_summary(question, scanned=len(assessments), counted=counted, met=met,
                         unknown=len(unknown_repos)),
        lacking=lacking, unknown_repos=unknown_repos)


def org_stage(model: MaturityModel, answers: Sequence[OrgAnswer]) -> OrgStage:
    """The organisation's stage from its coverage answers, with a repository's thresholds."""
    favourable = {a.id: _FAVOURABLE.get(a.status) for a in answers}
    floor, ceiling, tallies = aggregate.place_stages(model, favourable)
    by_id = {a.id: a for a in answers}
    steps = [_step(q, by_id[q.id]) for q in aggregate.pending_questions(model, favourable, floor)]
    return OrgStage(floor=floor, ceiling=ceiling, name=model.stages[floor - 1].name,
                    tallies=tallies, next_steps=(*steps, *aggregate.stage_advice(model, floor)))


def _favourable(question: Question, assessment: RepoBrief) -> bool | None:
    """The repository's answer: attested answers count by what they hold, stale as unknown."""
    if question.id not in assessment.favourable:
        raise KeyError(f"{assessment.repo} has no answer for {question.id}")
    return assessment.favourable[question.id]


def percent(share: Fraction) -> str:
    """A share as a percentage, truncated to one decimal so it never overstates."""
    tenths = share * 1000 // 1
    return f"{tenths // 10} %" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10} %"


def _population(question: Question, count: int) -> str:
    noun = "repository" if count == 1 else "repositories"
    return f"{noun} with AI use" if question.org.among == "ai_in_use" else noun


def _summary(question: Question, *, scanned: int, counted: int, met: int, unknown: int) -> str:
    rule = question.org
    needs = f"needs {'more than' if rule.strict else 'at least'} {percent(rule.threshold)}"
    if not counted and scanned:
        return (f"AI use was detected in none of the repositories scanned ({scanned}): "
                f"nothing to measure ({needs})")
    if not counted:
        return f"no repository was scanned: nothing to measure ({needs})"
    text = (f"favourable in {met} of {counted} {_population(question, counted)} "
            f"({percent(Fraction(met, counted))})")
    if unknown:
        text += f", {unknown} unknown (up to {percent(Fraction(met + unknown, counted))})"
    return f"{text}, {needs}"


def _names(repos: Sequence[str]) -> str:
    shown = ", ".join(repos[:NAMED])
    return f"{shown} and {len(repos) - NAMED} more" if len(repos) > NAMED else shown


def _step(question: Question, answer: OrgAnswer) -> str:
    """A question's remediation, scoped to the repositories that lack it or are unknown."""
    population = _population(question, answer.counted)
    if not answer.counted:
        return f"{question.id}: {answer.summary}"
    action = question.remediation.rstrip(".")
    if action[:1].isupper() and action[1:2].islower():
        action = action[0].lower() + action[1:]
    parts = []
    if answer.lacking:
        parts.append(f"{question.id}: {action} in {answer.unmet} of {answer.counted} "
                     f"{population}: {_names(answer.lacking)}")
    if answer.unknown_repos:
        parts.append(f"{question.id}: unknown in {answer.unknown} of {answer.counted} "
                     f"{population} (grant the access their gaps name, or attest): "
                     f"{_names(answer.unknown_repos)}")
    return "; ".join(parts)


def _row(assessment: RepoBrief) -> LevelRow:
    return LevelRow(repo=assessment.repo, code=assessment.code,
                    code_ceiling=assessment.code_ceiling, stage_floor=assessment.stage_floor,
                    stage_ceiling=assessment.stage_ceiling, ai_in_use=assessment.ai_in_use)


def _spread(model: MaturityModel,
            assessments: Sequence[RepoBrief]) -> tuple[DomainSpread, ...]:
    spread = []
    for domain in model.domains:
        floors = [a.domain_floors[domain.id] for a in assessments
                  if domain.id in a.domain_floors]
        at = tuple(floors.count(level) for level in range(1, 6))
        spread.append(DomainSpread(id=domain.id, name=domain.name,
                                   repos_at_level=(at[0], at[1], at[2], at[3], at[4])))
    return tuple(spread)

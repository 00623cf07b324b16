"""Counting only: domain levels, stage placement and next steps from results.

Pure functions over the catalog and one repository's results. Every score is computed twice:
with unknowns counted against (the floor) and in favour (the ceiling), so an unknown never
silently lowers or raises a level; both are shown when they differ. Stage placement works on
favourable/unfavourable/unknown per question, so :mod:`scanner.org` places an organisation
with the same code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scanner.catalog.model import Domain, Indicator, MaturityModel, Question
from scanner.model import (
    Answer,
    DomainScore,
    IndicatorResult,
    Result,
    StagePlacement,
    StageTally,
    Status,
)


def _holds(result: Result, unknown_as: bool) -> bool:
    value = result.holds
    return unknown_as if value is None else value


def domain_level(domain: Domain, indicators: Sequence[Indicator],
                 results: Mapping[str, Result], *, unknown_as: bool) -> int:
    """Highest level whose indicators (and every lower level's) are met; levels are cumulative."""
    level = 1
    for step in (2, 3, 4, 5):
        at_level = [i for i in indicators if i.domain == domain.id and i.level == step]
        needed = domain.require[step] or len(at_level)
        if sum(_holds(results[i.id], unknown_as) for i in at_level) < needed:
            break
        level = step
    return level


def domain_scores(model: MaturityModel, results: Mapping[str, Result]) -> tuple[DomainScore, ...]:
    """Floor and ceiling per domain, with each indicator's result in catalog order."""
    scores = []
    for domain in model.domains:
        floor = domain_level(domain, model.indicators, results, unknown_as=False)
        ceiling = domain_level(domain, model.indicators, results, unknown_as=True)
        rows = tuple(
            IndicatorResult(domain=i.domain, level=i.level, title=i.title, result=results[i.id],
                            ahead=i.level > floor and results[i.id].holds is True)
            for i in model.indicators if i.domain == domain.id)
        scores.append(DomainScore(id=domain.id, name=domain.name, floor=floor, ceiling=ceiling,
                                  indicators=rows))
    return tuple(scores)


def answer_of(question: Question, result: Result) -> Answer:
    """The question's answer in its own wording (``yes``/``no``/``unknown``)."""
    favourable = result.holds
    if favourable is None:
        answer = "unknown"
    elif favourable:
        answer = question.favourable
    else:
        answer = "no" if question.favourable == "yes" else "yes"
    return Answer(stage=question.stage, text=question.text, answer=answer, favourable=favourable,
                  result=result)


Favourable = Mapping[str, bool | None]
"""Per Model S question id: True favourable, False unfavourable, None unknown."""


def _place(model: MaturityModel, favourable: Favourable,
           unknown_as: bool) -> tuple[int, list[bool]]:
    """Stage and per-stage "reached" flags with unknowns counted as ``unknown_as``."""
    reached = [False] * len(model.stages)
    stage = 1
    for index, spec in enumerate(model.stages):
        values = [unknown_as if favourable[q.id] is None else bool(favourable[q.id])
                  for q in model.questions if q.stage == spec.number]
        if spec.counts == "unfavourable":
            trapped = sum(not v for v in values) >= spec.threshold
            reached[index] = True
            if trapped:
                break
            continue
        if sum(values) < spec.threshold:
            break
        reached[index] = True
        stage = spec.number
    return stage, reached


def place_stages(model: MaturityModel,
                 favourable: Favourable) -> tuple[int, int, tuple[StageTally, ...]]:
    """Floor stage, ceiling stage and per-stage tallies; shared by repositories and orgs."""
    floor, floor_reached = _place(model, favourable, unknown_as=False)
    ceiling, ceiling_reached = _place(model, favourable, unknown_as=True)
    tallies = []
    for index, spec in enumerate(model.stages):
        mine = [favourable[q.id] for q in model.questions if q.stage == spec.number]
        tallies.append(StageTally(
            stage=spec.number, name=spec.name,
            favourable=sum(v is True for v in mine),
            unfavourable=sum(v is False for v in mine),
            unknown=sum(v is None for v in mine),
            threshold=spec.threshold, counts=spec.counts,
            reached_floor=floor_reached[index], reached_ceiling=ceiling_reached[index]))
    return floor, ceiling, tuple(tallies)


def stage_placement(model: MaturityModel, results: Mapping[str, Result]) -> StagePlacement:
    """Model S placement: held at stage 1 by 2+ unfavourable answers, else climb by 3+ yes."""
    answers = tuple(answer_of(q, results[q.id]) for q in model.questions)
    floor, ceiling, tallies = place_stages(model, {a.result.id: a.favourable for a in answers})
    return StagePlacement(floor=floor, ceiling=ceiling, name=model.stages[floor - 1].name,
                          tallies=tallies, answers=answers,
                          next_steps=stage_steps(model, answers, floor))


def pending_questions(model: MaturityModel, favourable: Favourable,
                      floor: int) -> tuple[Question, ...]:
    """The questions holding back the next stage (or stage 1's exit): unfavourable first."""
    stage_one = [favourable[q.id] for q in model.questions if q.stage == 1]
    held = sum(v is not True for v in stage_one) >= model.stages[0].threshold
    target = 1 if held else min(floor + 1, 5)
    pending = [q for q in model.questions if q.stage == target and favourable[q.id] is not True]
    pending.sort(key=lambda q: (favourable[q.id] is None, q.id))
    return tuple(pending)


def stage_advice(model: MaturityModel, floor: int) -> tuple[str, ...]:
    """The source model's advice for leaving stage ``floor``, labelled with the move."""
    if floor >= 5:
        return ()
    return tuple(f"Stage {floor} → {floor + 1}: {s}" for s in model.stages[floor - 1].next_steps)


def stage_steps(model: MaturityModel, answers: Sequence[Answer], floor: int) -> tuple[str, ...]:
    """Actions towards the next stage: the questions holding the repository back, then advice."""
    favourable = {a.result.id: a.favourable for a in answers}
    steps = [f"{q.id}: {q.remediation}" for q in pending_questions(model, favourable, floor)]
    return (*steps, *stage_advice(model, floor))


def domain_steps(model: MaturityModel, scores: Sequence[DomainScore]) -> tuple[str, ...]:
    """Per domain, the remediation of what blocks the next level (unmet before unknown)."""
    steps: list[tuple[int, bool, str]] = []
    for score in scores:
        if score.floor == 5:
            continue
        for row in score.indicators:
            if row.level == score.floor + 1 and row.result.status not in (Status.MET,
                                                                           Status.ATTESTED):
                indicator = model.indicator(row.result.id)
                steps.append((row.level, row.result.status is Status.UNKNOWN,
                              f"{indicator.id}: {indicator.remediation}"))
    steps.sort(key=lambda s: (s[1], s[0], s[2]))
    return tuple(s[2] for s in steps)


def floor_code(scores: Sequence[DomainScore], *, ceiling: bool = False) -> str:
    """The four-number code in catalog order, e.g. ``2-1-1-3``."""
    return "-".join(str(s.ceiling if ceiling else s.floor) for s in scores)

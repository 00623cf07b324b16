"""Counting only: domain levels, stage placement and next steps from results.

Pure functions over the catalog and one repository's results. Every score is computed twice:
with unknowns counted against (the floor) and in favour (the ceiling), so an unknown never
silently lowers or raises a level; both are shown when they differ.
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


def _place(model: MaturityModel, answers: Sequence[Answer],
           unknown_as: bool) -> tuple[int, list[bool]]:
    """Stage and per-stage "reached" flags with unknowns counted as ``unknown_as``."""
    reached = [False] * len(model.stages)
    stage = 1
    for index, spec in enumerate(model.stages):
        values = [unknown_as if a.favourable is None else a.favourable
                  for a in answers if a.stage == spec.number]
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


def stage_placement(model: MaturityModel, results: Mapping[str, Result]) -> StagePlacement:
    """Model S placement: held at stage 1 by 2+ unfavourable answers, else climb by 3+ yes."""
    answers = tuple(answer_of(q, results[q.id]) for q in model.questions)
    floor, floor_reached = _place(model, answers, unknown_as=False)
    ceiling, ceiling_reached = _place(model, answers, unknown_as=True)
    tallies = []
    for index, spec in enumerate(model.stages):
        mine = [a for a in answers if a.stage == spec.number]
        tallies.append(StageTally(
            stage=spec.number, name=spec.name,
            favourable=sum(a.favourable is True for a in mine),
            unfavourable=sum(a.favourable is False for a in mine),
            unknown=sum(a.favourable is None for a in mine),
            threshold=spec.threshold, counts=spec.counts,
            reached_floor=floor_reached[index], reached_ceiling=ceiling_reached[index]))
    return StagePlacement(floor=floor, ceiling=ceiling, name=model.stages[floor - 1].name,
                          tallies=tuple(tallies), answers=answers,
                          next_steps=stage_steps(model, answers, floor))


def stage_steps(model: MaturityModel, answers: Sequence[Answer], floor: int) -> tuple[str, ...]:
    """Actions towards the next stage: the questions holding the repository back, then advice."""
    stage_one = [a for a in answers if a.stage == 1]
    held = sum(a.favourable is not True for a in stage_one) >= model.stages[0].threshold
    target = 1 if held else min(floor + 1, 5)
    pending = [(a, q) for a, q in zip(answers, model.questions, strict=True)
               if q.stage == target and a.favourable is not True]
    pending.sort(key=lambda pair: (pair[0].favourable is None, pair[1].id))
    steps = [f"{q.id}: {q.remediation}" for _, q in pending]
    steps += [f"Stage {floor} → {floor + 1}: {s}" for s in model.stages[floor - 1].next_steps
              if floor < 5]
    return tuple(steps)


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

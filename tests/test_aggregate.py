"""Aggregation: cumulative domain levels, floor/ceiling, stage placement and next steps."""

from __future__ import annotations

import itertools

import pytest

from scanner import aggregate
from scanner.catalog import Catalog
from scanner.evidence import UnknownReason
from scanner.model import Result, Status
from scanner.payloads import AttestationRecord


def results(catalog: Catalog, default: Status, **overrides: Status) -> dict[str, Result]:
    """Every catalog id at ``default``, with ``CLG_3a=Status.MET``-style overrides."""
    out = {}
    for ident in catalog.model.ids():
        status = overrides.get(ident.replace("-", "_"), default)
        out[ident] = Result(id=ident, status=status, summary="s", evidence=("ev-0",),
                            reason=UnknownReason.UNSUPPORTED if status is Status.UNKNOWN
                            else None)
    return out


def clg(catalog: Catalog, res: dict[str, Result]) -> tuple[int, int]:
    (score,) = [d for d in aggregate.domain_scores(catalog.model, res) if d.id == "CLG"]
    return score.floor, score.ceiling


M, U, X = Status.MET, Status.UNMET, Status.UNKNOWN


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, (1, 1)),
        ({"CLG_2a": M}, (1, 1)),
        ({"CLG_2a": M, "CLG_2b": M}, (2, 2)),
        ({"CLG_2a": M, "CLG_2b": M, "CLG_3a": X, "CLG_3b": M, "CLG_3c": X}, (2, 3)),
        ({"CLG_2a": M, "CLG_2b": X, "CLG_3a": X, "CLG_3b": X, "CLG_3c": X, "CLG_4a": X,
          "CLG_4b": X, "CLG_4c": X, "CLG_4d": X, "CLG_5a": X, "CLG_5b": X}, (1, 5)),
        # cumulative: level 4 met while level 3 is not does not count
        ({"CLG_2a": M, "CLG_2b": M, "CLG_4a": M, "CLG_4b": M, "CLG_4c": M, "CLG_4d": M},
         (2, 2)),
    ],
)
def test_domain_levels_are_cumulative_with_floor_and_ceiling(
        catalog: Catalog, overrides: dict[str, Status], expected: tuple[int, int]) -> None:
    assert clg(catalog, results(catalog, U, **overrides)) == expected


def test_met_above_the_floor_is_reported_ahead(catalog: Catalog) -> None:
    res = results(catalog, U, CLG_2a=M, CLG_2b=M, CLG_4a=M)
    (score,) = [d for d in aggregate.domain_scores(catalog.model, res) if d.id == "CLG"]
    assert [r.result.id for r in score.indicators if r.ahead] == ["CLG-4a"]


def test_attested_yes_counts_as_met_and_attested_no_as_unmet(catalog: Catalog) -> None:
    res = results(catalog, U, CLG_2a=M)
    for answer, level in ((True, 2), (False, 1)):
        res["CLG-2b"] = Result(id="CLG-2b", status=Status.ATTESTED, summary="a",
                               evidence=("ev-1",), reason=None,
                               attestation=AttestationRecord(id="CLG-2b", answer=answer,
                                                             holds=answer, owner="o",
                                                       date="2026-10-01", evidence="e",
                                                       expires=None, note=None, stale=False))
        assert clg(catalog, res)[0] == level


def test_floor_never_exceeds_ceiling_and_unknown_to_met_never_lowers_it(
        catalog: Catalog) -> None:
    clg_ids = [i.id for i in catalog.model.indicators if i.domain == "CLG"]
    for statuses in itertools.islice(itertools.product((M, U, X), repeat=len(clg_ids)), 0,
                                     None, 97):
        res = results(catalog, U)
        for ident, status in zip(clg_ids, statuses, strict=True):
            res[ident] = Result(id=ident, status=status, summary="s", evidence=("e",),
                                reason=None)
        floor, ceiling = clg(catalog, res)
        assert 1 <= floor <= ceiling <= 5
        if X not in statuses:
            assert floor == ceiling
        resolved = {k: (Result(id=k, status=M, summary="s", evidence=("e",), reason=None)
                        if v.status is X else v) for k, v in res.items()}
        assert clg(catalog, resolved)[0] == ceiling


def stage(catalog: Catalog, default: Status, **overrides: Status) -> tuple[int, int]:
    placement = aggregate.stage_placement(catalog.model, results(catalog, default, **overrides))
    return placement.floor, placement.ceiling


@pytest.mark.parametrize(
    ("default", "overrides", "expected"),
    [
        # S1-Q4 is "No is good": met means no incidents
        (M, {}, (5, 5)),
        (U, {}, (1, 1)),
        # two unfavourable stage-1 answers hold the repository at 1 whatever follows
        (M, {"S1_Q1": U, "S1_Q2": U}, (1, 1)),
        (M, {"S1_Q1": U}, (5, 5)),
        # stage 2 needs 3 favourable answers
        (U, {"S1_Q1": M, "S1_Q2": M, "S1_Q3": M, "S1_Q4": M, "S2_Q1": M, "S2_Q2": M},
         (1, 1)),
        (U, {"S1_Q1": M, "S1_Q2": M, "S1_Q3": M, "S1_Q4": M, "S2_Q1": M, "S2_Q2": M,
             "S2_Q3": M}, (2, 2)),
        # stages are not skipped: stage 3 answers do not count without stage 2
        (U, {"S1_Q1": M, "S1_Q2": M, "S1_Q3": M, "S1_Q4": M, "S3_Q1": M, "S3_Q2": M,
             "S3_Q3": M, "S3_Q4": M}, (1, 1)),
        # unknowns: floor counts them against, ceiling in favour
        (X, {}, (1, 5)),
        (U, {"S1_Q1": M, "S1_Q2": M, "S1_Q3": M, "S1_Q4": X, "S1_Q5": X, "S2_Q1": M,
             "S2_Q2": M, "S2_Q3": X}, (1, 2)),
    ],
)
def test_stage_placement_uses_the_source_thresholds(
        catalog: Catalog, default: Status, overrides: dict[str, Status],
        expected: tuple[int, int]) -> None:
    assert stage(catalog, default, **overrides) == expected


def test_answers_use_the_question_wording(catalog: Catalog) -> None:
    placement = aggregate.stage_placement(catalog.model, results(catalog, M, S1_Q4=U))
    by_id = {a.result.id: a for a in placement.answers}
    assert (by_id["S1-Q4"].answer, by_id["S1-Q4"].favourable) == ("yes", False)
    assert (by_id["S1-Q1"].answer, by_id["S1-Q1"].favourable) == ("yes", True)


def test_next_steps_target_what_holds_the_repository_back(catalog: Catalog) -> None:
    held = aggregate.stage_placement(catalog.model, results(catalog, U))
    assert held.floor == 1
    assert held.next_steps[0].startswith("S1-Q")
    climbing = aggregate.stage_placement(catalog.model, results(
        catalog, U, S1_Q1=M, S1_Q2=M, S1_Q3=M, S1_Q4=M, S2_Q1=M, S2_Q2=M, S2_Q3=M))
    assert climbing.floor == 2
    assert [s.split(":")[0] for s in climbing.next_steps[:4]] == [
        "S3-Q1", "S3-Q2", "S3-Q3", "S3-Q4"]
    domains = aggregate.domain_scores(catalog.model, results(catalog, U, CLG_2a=M))
    assert aggregate.domain_steps(catalog.model, domains)[0].startswith("ABC-2a")
    assert aggregate.floor_code(domains) == "1-1-1-1"

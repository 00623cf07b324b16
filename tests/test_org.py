"""Organisation level: coverage answers at their cut-offs, floor/ceiling, stage, next steps.

Repository assessments are built from per-question results through the real aggregate, so
each one is what the engine would produce for a repository with those answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from scanner import aggregate
from scanner.catalog import Catalog, CatalogError, read_packaged
from scanner.catalog.model import load_model
from scanner.evidence import UnknownReason
from scanner.model import RepoAssessment, RepoBrief, RepoFailure, Result, Status
from scanner.org import assess_org, org_answer, percent
from scanner.payloads import AttestationRecord

M, U, X = Status.MET, Status.UNMET, Status.UNKNOWN


def result(ident: str, status: Status, *, attested: bool | None = None,
           stale: bool = False) -> Result:
    """A result; ``attested`` makes it an attestation answering yes/no (stale: unknown)."""
    if attested is None:
        return Result(id=ident, status=status, summary="s", evidence=("ev-0",),
                      reason=UnknownReason.UNSUPPORTED if status is X else None)
    record = AttestationRecord(id=ident, answer=attested, holds=attested, owner="o",
                               date="2026-10-01", evidence="https://example.com/e",
                               expires=None, note=None, stale=stale)
    return Result(id=ident, status=X if stale else Status.ATTESTED, summary="a",
                  evidence=("ev-1",), attestation=record,
                  reason=UnknownReason.STALE_ATTESTATION if stale else None)


def assessment(catalog: Catalog, repo: str, answers: Mapping[str, Status | Result] | None = None,
               *, ai: bool | None = True, default: Status = M) -> RepoBrief:
    """A repository with every id at ``default`` except the ``answers`` given, as the
    organisation view sees it."""
    results = {}
    for ident in catalog.model.ids():
        given = (answers or {}).get(ident, default)
        results[ident] = given if isinstance(given, Result) else result(ident, given)
    domains = aggregate.domain_scores(catalog.model, results)
    return RepoBrief.of(RepoAssessment(
        repo=repo, path=f"/src/{repo}", origin=None, head=None, branch="main",
        ai_in_use=ai, ai_in_use_basis="test", code=aggregate.floor_code(domains),
        code_ceiling=aggregate.floor_code(domains, ceiling=True), domains=domains,
        stage=aggregate.stage_placement(catalog.model, results), next_steps=(), problems=(),
        notes=()))


def fleet(catalog: Catalog, question: str, statuses: str, **common: Any) -> list[RepoBrief]:
    """One repository per letter of ``statuses`` (m/u/x) answering ``question`` so."""
    by_letter = {"m": M, "u": U, "x": X}
    return [assessment(catalog, f"acme/r{n:02}", {question: by_letter[s]}, **common)
            for n, s in enumerate(statuses)]


@pytest.mark.parametrize(
    ("question", "statuses", "expected"),
    [
        # most = more than 50 %: exactly half is not most
        ("S3-Q2", "m" * 5 + "u" * 5, U),
        ("S3-Q2", "m" * 6 + "u" * 4, M),
        ("S3-Q2", "mu", U),
        ("S3-Q3", "mmu", M),
        # nearly complete = at least 90 %: exactly 90 % is enough
        ("S3-Q1", "m" * 9 + "u", M),
        ("S3-Q1", "m" * 17 + "u" * 2, U),  # 89.4 %
        # almost all = at least 95 %
        ("S4-Q3", "m" * 19 + "u", M),
        ("S4-Q3", "m" * 18 + "u" * 2, U),
        # default cut-off for the other questions is most
        ("S2-Q1", "mmuu", U),
    ],
)
def test_cutoffs_at_their_boundaries(catalog: Catalog, question: str, statuses: str,
                                     expected: Status) -> None:
    answer = org_answer(catalog.model.question(question), fleet(catalog, question, statuses))
    assert answer.status is expected
    assert (answer.counted, answer.met, answer.unmet) == (
        len(statuses), statuses.count("m"), statuses.count("u"))


@pytest.mark.parametrize(
    ("statuses", "expected", "floor", "ceiling"),
    [
        ("mmmmxxuuuu", X, 0.4, 0.6),  # the unknowns decide: floor below, ceiling above
        ("mmmmmmxxuu", M, 0.6, 0.8),  # passes even with unknowns against
        ("mmmxxuuuuu", U, 0.3, 0.5),  # fails even with unknowns in favour (50 % is not most)
        ("xxxx", X, 0.0, 1.0),
    ],
)
def test_unknowns_give_a_floor_and_a_ceiling_share(catalog: Catalog, statuses: str,
                                                   expected: Status, floor: float,
                                                   ceiling: float) -> None:
    answer = org_answer(catalog.model.question("S3-Q2"), fleet(catalog, "S3-Q2", statuses))
    assert (answer.status, answer.share_floor, answer.share_ceiling) == (expected, floor,
                                                                         ceiling)
    assert answer.unknown_repos == tuple(f"acme/r{n:02}" for n, s in enumerate(statuses)
                                         if s == "x")


def test_summary_states_the_coverage_and_the_cutoff(catalog: Catalog) -> None:
    answer = org_answer(catalog.model.question("S3-Q2"),
                        fleet(catalog, "S3-Q2", "mmmxxuuuuu"))
    assert answer.summary == ("favourable in 3 of 10 repositories (30 %), 2 unknown (up to "
                              "50 %), needs more than 50 %")
    visible = org_answer(catalog.model.question("S3-Q1"), fleet(catalog, "S3-Q1", "mmu"))
    assert visible.summary == ("favourable in 2 of 3 repositories with AI use (66.6 %), "
                               "needs at least 90 %")


def test_ai_visibility_is_measured_only_where_ai_use_was_detected(catalog: Catalog) -> None:
    repos = [
        *fleet(catalog, "S3-Q1", "mmmmmmmmm"),
        # no AI use: outside the population whatever they answer
        assessment(catalog, "acme/quiet-1", {"S3-Q1": U}, ai=False),
        assessment(catalog, "acme/quiet-2", {"S3-Q1": U}, ai=False),
    ]
    answer = org_answer(catalog.model.question("S3-Q1"), repos)
    assert (answer.among, answer.counted, answer.met, answer.status) == ("ai_in_use", 9, 9, M)
    # AI use unknown: it may belong to the population, so its answer is unknown
    repos.append(assessment(catalog, "acme/unclear", {"S3-Q1": M}, ai=None))
    answer = org_answer(catalog.model.question("S3-Q1"), repos)
    assert (answer.counted, answer.met, answer.unknown, answer.unknown_repos) == (
        10, 9, 1, ("acme/unclear",))
    assert answer.status is M  # 9 of 10 is nearly complete already
    # questions over all repositories count the quiet ones too
    assert org_answer(catalog.model.question("S3-Q2"), repos).counted == 12


def test_no_repository_with_ai_use_leaves_visibility_unknown(catalog: Catalog) -> None:
    repos = [assessment(catalog, f"acme/q{n}", ai=False) for n in range(3)]
    answer = org_answer(catalog.model.question("S3-Q1"), repos)
    assert (answer.status, answer.counted, answer.share_floor, answer.share_ceiling) == (
        X, 0, 0.0, 0.0)
    assert answer.summary.startswith("AI use was detected in none of the repositories "
                                     "scanned (3): nothing to measure")


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # attested answers count by what they hold
        ((True, True, False), (2, 1, 0, M)),
        ((True, False, False), (1, 2, 0, U)),
        # a stale attestation is unknown
        ((True, True, "stale"), (2, 0, 1, M)),
        ((True, "stale", False), (1, 1, 1, X)),
    ],
)
def test_attested_answers_count_by_what_they_hold(catalog: Catalog,
                                                  answers: tuple[bool | str, ...],
                                                  expected: tuple[int, int, int, Status]
                                                  ) -> None:
    repos = [assessment(catalog, f"acme/a{n}",
                        {"S4-Q4": result("S4-Q4", X, attested=True, stale=True) if a == "stale"
                         else result("S4-Q4", X, attested=bool(a))})
             for n, a in enumerate(answers)]
    answer = org_answer(catalog.model.question("S4-Q4"), repos)
    assert (answer.met, answer.unmet, answer.unknown, answer.status) == expected


def test_failed_repositories_are_counted_apart_never_as_unmet(catalog: Catalog) -> None:
    repos = fleet(catalog, "S3-Q2", "mmu")
    failures = [RepoFailure(repo=f"acme/gone{n}", reason=UnknownReason.NOT_FOUND_OR_HIDDEN,
                            detail="404") for n in range(5)]
    org = assess_org(catalog, "github:acme", repos, failures)
    assert (org.scanned, org.failed) == (3, 5)
    (answer,) = [a for a in org.answers if a.id == "S3-Q2"]
    assert (answer.counted, answer.lacking, answer.status) == (3, ("acme/r02",), M)
    assert all("gone" not in repo for a in org.answers for repo in (*a.lacking,
                                                                       *a.unknown_repos))


def test_nothing_scanned_is_unknown_everywhere(catalog: Catalog) -> None:
    org = assess_org(catalog, "github:empty", [], [])
    assert {a.status for a in org.answers} == {X}
    assert (org.stage.floor, org.stage.ceiling, org.scanned, org.ai_in_use) == (1, 5, 0, 0)
    assert org.spread[0].repos_at_level == (0, 0, 0, 0, 0)


def _stages(catalog: Catalog, repos: list[RepoBrief]) -> tuple[int, int]:
    stage = assess_org(catalog, "github:acme", repos, []).stage
    return stage.floor, stage.ceiling


@pytest.mark.parametrize(
    ("per_repo", "expected"),
    [
        # every repository favourable everywhere: the organisation is at stage 5
        ([{}, {}, {}], (5, 5)),
        # S3-Q2 and S3-Q3 in only one of three repositories: stage 3 has 2 of 4 yes
        ([{}, {"S3-Q2": U, "S3-Q3": U}, {"S3-Q2": U, "S3-Q3": U}], (2, 2)),
        # stages are not skipped: stage 2 missing in most repositories holds the
        # organisation at 1 though stages 3-5 are favourable everywhere
        ([{}, {"S2-Q1": U, "S2-Q2": U}, {"S2-Q1": U, "S2-Q2": U}], (1, 1)),
        # two stage-1 questions unfavourable in most repositories keep it at stage 1
        ([{"S1-Q1": U, "S1-Q2": U}, {"S1-Q1": U, "S1-Q2": U}, {}], (1, 1)),
        # unknown coverage opens a ceiling, as for one repository
        ([{}, {"S3-Q2": X, "S3-Q3": X}, {"S3-Q2": U, "S3-Q3": U}], (2, 5)),
    ],
)
def test_organisation_stage_uses_the_repository_thresholds(
        catalog: Catalog, per_repo: list[Mapping[str, Status]],
        expected: tuple[int, int]) -> None:
    repos = [assessment(catalog, f"acme/r{n}", answers) for n, answers in enumerate(per_repo)]
    assert _stages(catalog, repos) == expected


def test_tallies_report_answers_above_an_unreached_stage(catalog: Catalog) -> None:
    repos = [assessment(catalog, f"acme/r{n}", {"S2-Q1": U, "S2-Q2": U}) for n in range(2)]
    stage = assess_org(catalog, "github:acme", repos, []).stage
    three = stage.tallies[2]
    assert (three.favourable, three.reached_floor, three.reached_ceiling) == (4, False, False)


def test_next_steps_name_the_repositories_that_lack_the_control(catalog: Catalog) -> None:
    lacking = {"S3-Q2": U, "S3-Q3": U, "S3-Q4": U}
    repos = [*(assessment(catalog, f"acme/{name}", lacking) for name in "edcba"),
             assessment(catalog, "acme/f", {"S3-Q3": U}),
             assessment(catalog, "acme/g", {"S3-Q2": X})]
    stage = assess_org(catalog, "github:acme", repos, []).stage
    assert (stage.floor, stage.name) == (2, "Reactive")
    steps = [s for s in stage.next_steps if s.startswith("S3-Q2")]
    assert steps == [
        "S3-Q2: add a secrets or SAST hook to .pre-commit-config.yaml (or husky/lefthook) in "
        "5 of 7 repositories: acme/a, acme/b, acme/c and 2 more; S3-Q2: unknown in 1 of 7 "
        "repositories (grant the access their gaps name, or attest): acme/g"]
    # unmet before unknown, then the source model's advice for the move
    assert [s.split(":")[0] for s in stage.next_steps] == [
        "S3-Q2", "S3-Q3", "S3-Q4", "Stage 2 → 3", "Stage 2 → 3", "Stage 2 → 3"]


def test_levels_and_spread_summarise_the_repositories(catalog: Catalog) -> None:
    repos = [assessment(catalog, "acme/zeta", default=U, ai=False),
             assessment(catalog, "acme/alpha"),
             assessment(catalog, "acme/mid", {"CLG-2a": M, "CLG-2b": X, "TRA-2a": M},
                        default=U)]
    org = assess_org(catalog, "github:acme", repos, [])
    assert [(r.repo, r.code, r.code_ceiling, r.ai_in_use) for r in org.levels] == [
        ("acme/alpha", "5-5-5-5", "5-5-5-5", True),
        ("acme/mid", "1-1-1-2", "2-1-1-2", True),
        ("acme/zeta", "1-1-1-1", "1-1-1-1", False)]
    assert [(s.id, s.repos_at_level) for s in org.spread] == [
        ("CLG", (2, 0, 0, 0, 1)), ("ABC", (2, 0, 0, 0, 1)), ("GDA", (2, 0, 0, 0, 1)),
        ("TRA", (1, 1, 0, 0, 1))]
    assert org.ai_in_use == 2


@pytest.mark.parametrize(
    ("share", "text"),
    [((1, 2), "50 %"), ((2, 3), "66.6 %"), ((9, 10), "90 %"), ((1, 1), "100 %"),
     ((999, 1000), "99.9 %"), ((9999, 10000), "99.9 %"), ((0, 1), "0 %")],
)
def test_percentages_never_overstate(share: tuple[int, int], text: str) -> None:
    from fractions import Fraction
    assert percent(Fraction(*share)) == text


@pytest.mark.parametrize(
    ("org", "message"),
    [
        ({"cutoff": "all_of_them"}, "S3-Q2: org.cutoff must be one of"),
        ({"among": "humans"}, "S3-Q2: org.among must be one of"),
        ({"cutof": "most"}, r"S3-Q2: org has unknown keys \['cutof'\]"),
        ("most", "S3-Q2: org: expected a mapping"),
    ],
)
def test_invalid_org_entries_are_rejected(org: object, message: str) -> None:
    raw = read_packaged("model.yaml")
    (entry,) = [q for q in raw["questions"] if q["id"] == "S3-Q2"]
    entry["org"] = org
    with pytest.raises(CatalogError, match=message):
        load_model(raw)


def test_coverage_words_must_all_be_shares() -> None:
    raw = read_packaged("model.yaml")
    raw["coverage"]["most"] = 50
    with pytest.raises(CatalogError, match=r"coverage\.most: must be a share"):
        load_model(raw)


def test_the_catalog_sets_the_seeds_org_cutoffs(catalog: Catalog) -> None:
    rules = {q.id: (q.org.cutoff, q.org.among, q.org.strict) for q in catalog.model.questions}
    assert rules["S3-Q1"] == ("nearly_complete", "ai_in_use", False)
    assert rules["S3-Q2"] == rules["S3-Q3"] == ("most", "all", True)
    assert rules["S4-Q3"] == ("almost_all", "all", False)
    assert rules["S2-Q1"] == ("most", "all", True)  # the default

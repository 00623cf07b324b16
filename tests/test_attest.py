"""The attestation file: validation, staleness, and how answers are applied."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scanner.attest import AttestationError, load_attestations
from scanner.engine import apply_attestation
from scanner.evidence import Provenance, UnknownReason, make_evidence
from scanner.model import Outcome, Status
from scanner.payloads import AttestationRecord

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
IDS = ("S4-Q4", "S5-Q2", "GDA-5a")


def load(text: str) -> tuple[AttestationRecord, ...]:
    return load_attestations(text.encode(), known_ids=IDS, as_of=AS_OF, max_age_days=90)


ENTRY = """
version: 1
attestations:
  - id: S4-Q4
    answer: {answer}
    owner: lead@example.com
    date: {date}
    evidence: https://intranet.example.com/survey
"""


@pytest.mark.parametrize(
    ("answer", "date", "expected_answer", "stale"),
    [
        ("yes", "2026-10-15", True, False),
        ("no", "2026-10-15", False, False),
        ("yes", "2026-08-01", True, True),
        ("yes", "2026-08-03", True, False),
    ],
)
def test_answers_and_staleness(answer: str, date: str, expected_answer: bool,
                               stale: bool) -> None:
    (record,) = load(ENTRY.format(answer=answer, date=date))
    assert (record.answer, record.stale, record.owner) == (expected_answer, stale,
                                                           "lead@example.com")


def test_expiry_before_as_of_is_stale() -> None:
    text = ENTRY.format(answer="yes", date="2026-10-15") + "    expires: 2026-10-31\n"
    assert load(text)[0].stale


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("attestations: []", "version: 1"),
        ("version: 1\nattestations: {}", "must be a list"),
        ("version: 1\nattestations:\n  - id: XYZ-9\n    answer: yes\n    owner: a\n"
         "    date: 2026-10-01\n    evidence: x", "unknown indicator or question id"),
        ("version: 1\nattestations:\n  - id: S4-Q4\n    answer: maybe\n    owner: a\n"
         "    date: 2026-10-01\n    evidence: x", "answer must be yes or no"),
        ("version: 1\nattestations:\n  - id: S4-Q4\n    answer: yes\n"
         "    date: 2026-10-01\n    evidence: x", "'owner' is required"),
        ("version: 1\nattestations:\n  - id: S4-Q4\n    answer: yes\n    owner: a\n"
         "    date: yesterday\n    evidence: x", "not a date"),
        ("version: 1\nattestations:\n  - id: S4-Q4\n    answer: yes\n    owner: a\n"
         "    date: 2026-10-01\n    evidence: x\n    colour: red", "unknown keys"),
        ("version: 1\nattestations: [", "invalid YAML"),
    ],
)
def test_invalid_files_are_rejected_with_every_problem_named(text: str, message: str) -> None:
    with pytest.raises(AttestationError, match=message):
        load(text)


def _attested(answer: bool, stale: bool, holds: bool | None = None) -> object:
    record = AttestationRecord(id="S4-Q4", answer=answer,
                               holds=answer if holds is None else holds, owner="o",
                               date="2026-10-01", evidence="https://e", expires=None,
                               note="survey", stale=stale)
    provenance = Provenance(repo="local:r", commit=None, locator="attestation:f#S4-Q4",
                            digest=None, collector="attestations@1", collected_at=AS_OF)
    return make_evidence(record, provenance)


UNKNOWN = Outcome(status=Status.UNKNOWN, summary="person only", cites=("gap-0",),
                  reason=UnknownReason.NOT_OBSERVABLE)
OBSERVED = Outcome(status=Status.UNMET, summary="observed", cites=("ev-0",))


@pytest.mark.parametrize(
    ("outcome", "answer", "stale", "status", "holds", "reason"),
    [
        (UNKNOWN, True, False, Status.ATTESTED, True, None),
        (UNKNOWN, False, False, Status.ATTESTED, False, None),
        (UNKNOWN, True, True, Status.UNKNOWN, None, UnknownReason.STALE_ATTESTATION),
        (OBSERVED, True, False, Status.UNMET, False, None),
    ],
)
def test_attestation_answers_only_unknowns(outcome: Outcome, answer: bool, stale: bool,
                                           status: Status, holds: bool | None,
                                           reason: UnknownReason | None) -> None:
    evidence = _attested(answer, stale)
    result = apply_attestation("S4-Q4", outcome, evidence)  # type: ignore[arg-type]
    assert (result.status, result.holds, result.reason) == (status, holds, reason)
    if status is Status.UNMET:
        assert "not used: observed" in result.summary and result.evidence == ("ev-0",)
    else:
        assert evidence.id in result.evidence  # type: ignore[attr-defined]


@pytest.mark.parametrize(("answer", "holds"), [("no", True), ("yes", False)])
def test_an_attested_no_holds_where_no_is_the_good_answer(answer: str, holds: bool) -> None:
    """S1-Q4 asks whether there were incidents: an attested "no" counts in favour."""
    (record,) = load_attestations(
        ENTRY.format(answer=answer, date="2026-10-15").replace("S4-Q4", "S1-Q4").encode(),
        known_ids=("S1-Q4",), as_of=AS_OF, max_age_days=90, favourable_no={"S1-Q4"})
    assert (record.answer, record.holds) == (answer == "yes", holds)
    provenance = Provenance(repo="local:r", commit=None, locator="attestation:f#S1-Q4",
                            digest=None, collector="attestations@1", collected_at=AS_OF)
    result = apply_attestation("S1-Q4", UNKNOWN, make_evidence(record, provenance))
    assert result.status is Status.ATTESTED and result.holds is holds

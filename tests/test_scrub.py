"""Every evidence payload is scrubbed when it is made: credentials, token-shaped strings and
lone surrogates never reach a report, however deeply a payload nests them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from scanner.evidence import Provenance, make_evidence, scrub

#: Built from parts so that secret scanners do not flag this file.
TOKEN = "ghp_" + "Zq8planted0123456789abcdef"


@dataclass(frozen=True, slots=True)
class Step:
    run: str


@dataclass(frozen=True, slots=True)
class Job:
    KIND: ClassVar[str] = "test.job"
    steps: tuple[Step, ...]
    env: dict[str, Any]


@pytest.mark.parametrize(("raw", "expected"), [
    ("plain text", "plain text"),
    (f"curl -H 'Authorization: token {TOKEN}'", "curl -H 'Authorization: token ghp_***'"),
    ("https://oauth2:secret@gitlab.example.com/x.git", "https://***@gitlab.example.com/x.git"),
    ("half \ud800 a surrogate", "half \ufffd a surrogate"),
    ((TOKEN, [TOKEN, {"k": TOKEN}]), ("ghp_***", ["ghp_***", {"k": "ghp_***"}])),
    (42, 42),
    (None, None),
])
def test_scrub_reaches_every_string(raw: Any, expected: Any) -> None:
    assert scrub(raw) == expected


def test_payloads_are_scrubbed_when_evidence_is_made() -> None:
    provenance = Provenance(repo="local:r", commit=None, locator="tree:ci.yml", digest=None,
                            collector="ci@1", collected_at=datetime(2026, 11, 1, tzinfo=UTC))
    item = make_evidence(Job(steps=(Step(run=f"deploy --token {TOKEN}"),),
                             env={"TOKEN": TOKEN}), provenance)
    assert item.payload == Job(steps=(Step(run="deploy --token ghp_***"),),
                               env={"TOKEN": "ghp_***"})
    assert TOKEN not in repr(item)

"""Gates (``--fail-under``): reading the specification and checking a single-repository run."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.gates import Gate, GateError, check, parse_gates
from scanner.summary import RunSummary, summarize

GOLDEN = Path(__file__).parent / "golden"
VALID = "valid keys: stage, CLG, ABC, GDA, TRA, each with a level from 1 to 5"


def golden(name: str) -> dict[str, Any]:
    """A golden report document, parsed."""
    document: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return document


def run(name: str) -> RunSummary:
    """The summary of a golden report."""
    return summarize(golden(name))


@pytest.mark.parametrize(("spec", "gates"), [
    ("stage=2,CLG=3", (Gate("stage", 2), Gate("CLG", 3))),
    (" Stage = 2 , clg=3 ", (Gate("stage", 2), Gate("CLG", 3))),
    ("tra=5", (Gate("TRA", 5),)),
    ("GDA=1,abc=4,", (Gate("GDA", 1), Gate("ABC", 4))),
    ("STAGE=1", (Gate("stage", 1),)),
])
def test_gates_are_parsed(spec: str, gates: tuple[Gate, ...]) -> None:
    assert parse_gates(spec) == gates


@pytest.mark.parametrize(("spec", "problem"), [
    ("XYZ=3", "gate 'XYZ=3': unknown key 'XYZ'"),
    ("stage=2,CLG-3a=3", "gate 'CLG-3a=3': unknown key 'CLG-3a'"),
    ("stage", "gate 'stage': expected KEY=LEVEL"),
    ("=2", "gate '=2': unknown key ''"),
    ("stage=0", "gate 'stage=0': '0' is not a level"),
    ("CLG=6", "gate 'CLG=6': '6' is not a level"),
    ("CLG=two", "gate 'CLG=two': 'two' is not a level"),
    ("CLG=-1", "gate 'CLG=-1': '-1' is not a level"),
    ("CLG=²", "gate 'CLG=²': '²' is not a level"),
    ("CLG=", "gate 'CLG=': '' is not a level"),
    ("stage=2,STAGE=3", "gate 'STAGE=3': stage is given twice"),
    ("clg=2, CLG=3", "gate 'CLG=3': CLG is given twice"),
    ("", "no gate given in ''"),
    (" , ", "no gate given in ' , '"),
])
def test_bad_gates_are_named_with_the_valid_keys(spec: str, problem: str) -> None:
    with pytest.raises(GateError) as caught:
        parse_gates(spec)
    assert str(caught.value) == f"{problem}; {VALID}"
    assert isinstance(caught.value, ValueError)


# mid-maturity: 2-2-1-3 (ceiling 5-2-1-3), stage 3; high-maturity: 2-3-3-4 (5-5-5-4), stage 3..5
@pytest.mark.parametrize(("name", "spec", "basis", "failures"), [
    ("mid-maturity", "stage=3,CLG=2,ABC=2,GDA=1,TRA=3", "floor", ()),
    ("mid-maturity", "CLG=3", "floor",
     ("local:mid-maturity: CLG level 2 is below the required 3 (floor)",)),
    ("mid-maturity", "CLG=3", "ceiling", ()),
    ("mid-maturity", "CLG=5,GDA=2", "ceiling",
     ("local:mid-maturity: GDA level 1 is below the required 2 (ceiling)",)),
    ("mid-maturity", "stage=4,TRA=4", "floor",
     ("local:mid-maturity: stage 3 is below the required 4 (floor)",
      "local:mid-maturity: TRA level 3 is below the required 4 (floor)")),
    ("high-maturity", "stage=4", "floor",
     ("local:high-maturity: stage 3 is below the required 4 (floor)",)),
    ("high-maturity", "stage=5", "ceiling", ()),
    ("high-maturity", "TRA=5", "ceiling",
     ("local:high-maturity: TRA level 4 is below the required 5 (ceiling)",)),
    ("bare-minimum", "stage=1,CLG=1,ABC=1,GDA=1,TRA=1", "floor", ()),
])
def test_a_repository_is_checked_on_the_chosen_basis(name: str, spec: str, basis: str,
                                                     failures: tuple[str, ...]) -> None:
    assert check(run(name), parse_gates(spec), basis) == failures


def test_gate_lines_neutralise_the_repository_name() -> None:
    document = golden("bare-minimum")
    document["repositories"][0]["repo"] = "local:x\x1b[31m\nFAKE: all passed"
    (line,) = check(summarize(document), parse_gates("CLG=2"), "floor")
    assert line == "local:x?[31m FAKE: all passed: CLG level 1 is below the required 2 (floor)"


def test_a_domain_missing_from_the_report_fails_its_gate() -> None:
    document = golden("mid-maturity")
    domains = document["repositories"][0]["model_d"]["domains"]
    domains[:] = [d for d in domains if d["id"] != "GDA"]
    assert check(summarize(document), parse_gates("GDA=1"), "floor") == (
        "local:mid-maturity: GDA level was not assessed, 1 is required",)


def test_a_report_with_nothing_scanned_fails_every_gate() -> None:
    document = copy.deepcopy(golden("mid-maturity"))
    document["repositories"] = []
    assert check(summarize(document), parse_gates("stage=1,CLG=1"), "ceiling") == (
        "stage=1: nothing was scanned", "CLG=1: nothing was scanned")


def test_an_unknown_basis_is_refused() -> None:
    with pytest.raises(ValueError, match="gate basis 'median'"):
        check(run("mid-maturity"), parse_gates("stage=1"), "median")

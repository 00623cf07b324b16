"""The rule registry and the rule tables: every rule has a row for each answer it can give."""

from __future__ import annotations

from types import ModuleType

import pytest

from rules import RULES, collect, stages
from rules.registry import rule
from scanner.catalog import Catalog
from scanner.evidence import Facts
from scanner.model import Outcome, Status
from tests.conftest import AS_OF
from tests.rules import (
    test_agent_control,
    test_code_governance,
    test_data_access,
    test_stages,
    test_traceability,
)
from tests.rules.builders import REPO, TOOLS, Row, local_scan, snapshot

MET, UNMET, UNKNOWN = Status.MET, Status.UNMET, Status.UNKNOWN

#: Each table module and the rules module whose rules it covers.
TABLES: dict[ModuleType, str] = {
    test_code_governance: "rules.code_governance",
    test_agent_control: "rules.agent_control",
    test_data_access: "rules.data_access",
    test_traceability: "rules.traceability",
    test_stages: "rules.stages",
}
ROWS: list[Row] = [row for table in TABLES for row in table.ROWS]

ATTESTATION_ONLY = "only a person can answer it: unknown until the engine applies an attestation"
#: Answers a rule never gives by design, and why.
NEVER: dict[tuple[str, Status], str] = {
    ("GDA-5a", UNMET): "enforcement at execution time is not observable from a repository; "
                       "without policy-as-code evaluated in CI it waits for an attestation",
    ("S2-Q3", UNMET): "metrics may be tracked outside the repository; no upload found is "
                      "unknown until attested",
    ("S2-Q4", MET): ATTESTATION_ONLY,
    ("S2-Q4", UNMET): ATTESTATION_ONLY,
    ("S4-Q4", MET): ATTESTATION_ONLY,
    ("S4-Q4", UNMET): ATTESTATION_ONLY,
    ("S5-Q2", MET): ATTESTATION_ONLY,
    ("S5-Q2", UNMET): ATTESTATION_ONLY,
    ("S5-Q1", MET): "the runtime layer needs an attestation, so evidence never shows all four "
                    "layers",
    ("S5-Q4", MET): "a clean code scan is not enough: the incident record needs an attestation",
}


def exercised() -> set[tuple[str, Status]]:
    """The (rule, answer) pairs the passing rows of the tables show."""
    return {(row.rule, row.status) for row in ROWS if row.bug is None}


@pytest.mark.parametrize("ident", sorted(RULES))
def test_every_answer_a_rule_can_give_has_a_row(ident: str) -> None:
    shown = exercised()
    missing = [status for status in (MET, UNMET, UNKNOWN)
               if (ident, status) not in shown and (ident, status) not in NEVER]
    assert not missing, f"{ident} has no row for {', '.join(missing)}"


def test_exceptions_name_rules_and_are_never_shown() -> None:
    shown = exercised()
    for ident, status in NEVER:
        assert ident in RULES
        assert (ident, status) not in shown, f"{ident} {status} is listed as never given"


@pytest.mark.parametrize("table", list(TABLES), ids=lambda t: t.__name__.rsplit(".", 1)[-1])
def test_tables_cover_their_own_module(table: ModuleType) -> None:
    rows: list[Row] = table.ROWS
    assert {RULES[row.rule].fn.__module__ for row in rows} == {TABLES[table]}
    names = [f"{row.rule} {row.description}" for row in rows]
    assert len(names) == len(set(names)), "row descriptions are unique per rule"


@pytest.mark.parametrize("ident", sorted(RULES))
def test_bare_local_scan_is_never_met_and_cites_what_it_saw(ident: str) -> None:
    items = local_scan()
    outcome = RULES[ident](Facts.of(REPO, AS_OF, items))
    assert outcome.status in (UNMET, UNKNOWN), outcome.summary
    assert outcome.cites and set(outcome.cites) <= {i.id for i in items}
    assert (outcome.reason is None) == (outcome.status is not UNKNOWN)


def test_collect_keeps_rules_where_they_are_defined() -> None:
    found = collect((stages,))
    assert "S1-Q1" in found
    assert "CLG-4a" not in found, "stages imports CLG-4a's function but does not define it"


def test_collect_refuses_a_duplicate_id() -> None:
    module = ModuleType("tests.rules.duplicate")

    def decide(facts: Facts) -> Outcome:
        return Outcome.unmet("never", snapshot())

    decide.__module__ = module.__name__
    module.first = rule("X-1")(decide)  # type: ignore[attr-defined]
    module.second = rule("X-1")(decide)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="X-1 defined twice"):
        collect((module,))


def test_builder_tools_match_the_catalog(catalog: Catalog) -> None:
    known = {t.id: t.categories for t in catalog.tools.tools}
    assert {ident: known.get(ident) for ident in TOOLS} == TOOLS

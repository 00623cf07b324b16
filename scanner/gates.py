"""Minimum levels a run must reach (``--fail-under stage=2,CLG=3``) and the check of them.

A gate names the Model S stage or a Model D domain and the lowest acceptable level. The
floor basis reads unknowns as unmet (what the evidence shows); the ceiling basis reads
them as met (what could still be true). In an organisation report the stage gate applies
to the organisation's stage and a domain gate to every repository.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.catalog import load_catalog
from scanner.report.table import clean
from scanner.summary import RepoSummary, RunSummary

STAGE = "stage"
LEVELS = range(1, 6)
BASES = ("floor", "ceiling")


class GateError(ValueError):
    """A gate specification that cannot be read."""


@dataclass(frozen=True, slots=True)
class Gate:
    """``subject`` ("stage" or a domain id) must be at least ``minimum``."""

    subject: str
    minimum: int


@functools.cache  # the packaged catalog is fixed for the life of the process
def _keys() -> tuple[str, ...]:
    return (STAGE, *(d.id for d in load_catalog().model.domains))


def parse_gates(spec: str) -> tuple[Gate, ...]:
    """Gates from ``KEY=LEVEL`` pairs separated by commas; keys are case-insensitive."""
    keys = _keys()
    by_name = {k.casefold(): k for k in keys}
    valid = f"valid keys: {', '.join(keys)}, each with a level from {LEVELS[0]} to {LEVELS[-1]}"
    gates: dict[str, Gate] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, equals, value = (s.strip() for s in part.partition("="))
        subject = by_name.get(name.casefold())
        if not equals:
            raise GateError(f"gate {part!r}: expected KEY=LEVEL; {valid}")
        if subject is None:
            raise GateError(f"gate {part!r}: unknown key {name!r}; {valid}")
        if not (value.isascii() and value.isdigit()) or int(value) not in LEVELS:
            raise GateError(f"gate {part!r}: {value!r} is not a level; {valid}")
        if subject in gates:
            raise GateError(f"gate {part!r}: {subject} is given twice; {valid}")
        gates[subject] = Gate(subject, int(value))
    if not gates:
        raise GateError(f"no gate given in {spec!r}; {valid}")
    return tuple(gates.values())


def _repo_level(repo: RepoSummary, subject: str, basis: str) -> int | None:
    if subject == STAGE:
        return repo.stage if basis == "floor" else repo.stage_ceiling
    for domain, floor, ceiling in repo.domains:
        if domain == subject:
            return floor if basis == "floor" else ceiling
    return None


def _failure(who: str, gate: Gate, level: int | None, basis: str) -> str | None:
    what = STAGE if gate.subject == STAGE else f"{gate.subject} level"
    if level is None:
        return f"{clean(who)}: {what} was not assessed, {gate.minimum} is required"
    if level < gate.minimum:
        return f"{clean(who)}: {what} {level} is below the required {gate.minimum} ({basis})"
    return None


def _check(summary: RunSummary, gate: Gate, basis: str) -> list[str | None]:
    if gate.subject == STAGE and summary.org_stage is not None:
        level = summary.org_stage if basis == "floor" else summary.org_stage_ceiling
        return [_failure(f"{summary.target} (organisation)", gate, level, basis)]
    if not summary.repos:
        return [f"{gate.subject}={gate.minimum}: no repository was scanned, so nothing "
                "reaches it"]
    return [_failure(r.repo, gate, _repo_level(r, gate.subject, basis), basis)
            for r in summary.repos]


def check(summary: RunSummary, gates: Sequence[Gate], basis: str) -> tuple[str, ...]:
    """One line per gate a repository or the organisation misses; empty when all pass."""
    if basis not in BASES:
        raise ValueError(f"gate basis {basis!r}: expected one of {', '.join(BASES)}")
    if not summary.repos and summary.org_stage is None:
        return tuple(f"{g.subject}={g.minimum}: nothing was scanned" for g in gates)
    return tuple(line for g in gates for line in _check(summary, g, basis) if line)

"""How evidence becomes answers: one pure function per Model D indicator and Model S question.

:data:`RULES` maps every catalog id to its rule, built from an explicit list of modules; a
test checks that its keys are exactly the catalog's ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from rules import agent_control, code_governance, data_access, stages, traceability
from rules.registry import Rule

MODULES: tuple[ModuleType, ...] = (code_governance, agent_control, data_access, traceability,
                                   stages)


def collect(modules: tuple[ModuleType, ...]) -> Mapping[str, Rule]:
    """Every rule defined in ``modules``, keyed by id; a duplicate id is a programming error."""
    found: dict[str, Rule] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, Rule) and value.fn.__module__ == module.__name__:
                if value.id in found:
                    raise ValueError(f"rule {value.id} defined twice")
                found[value.id] = value
    return dict(sorted(found.items()))


RULES: Mapping[str, Rule] = collect(MODULES)

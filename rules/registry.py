"""How a rule is declared: ``@rule("CLG-3c")`` on a function from facts to an outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.evidence import Facts
from scanner.model import Outcome

RuleFn = Callable[[Facts], Outcome]


@dataclass(frozen=True, slots=True)
class Rule:
    """A catalog id bound to the function that decides it."""

    id: str
    fn: RuleFn

    def __call__(self, facts: Facts) -> Outcome:
        return self.fn(facts)


def rule(ident: str) -> Callable[[RuleFn], Rule]:
    """Bind a decision function to its catalog id (indicator or question)."""

    def bind(fn: RuleFn) -> Rule:
        return Rule(ident, fn)

    return bind

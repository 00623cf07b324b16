"""What changed between two runs: levels, stages and statuses that improved or regressed.

Levels and stages compare by their floor (what the evidence shows, unknowns counted as
unmet). Statuses order unmet < unknown < met; an attested result may hold or not, which
the summary does not say, so any move to or from ``attested`` is only "changed", as is
anything appearing or vanishing with a catalog change ("absent").
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.report.table import clean
from scanner.summary import RepoSummary, RunSummary

ORGANISATION = "organisation"
ABSENT = "absent"
_RANK = {"unmet": 0, "unknown": 1, "met": 2}
WIDTH = 80


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One level, stage or status that differs between the two runs."""

    scope: str
    subject: str
    before: str
    after: str
    direction: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Diff:
    """The changes from ``old`` to ``new`` and the repositories only one of them holds."""

    old: RunSummary
    new: RunSummary
    changes: tuple[Change, ...]
    added_repos: tuple[str, ...]
    removed_repos: tuple[str, ...]

    @property
    def regressed(self) -> bool:
        """Whether any level, stage or status got worse."""
        return any(c.direction == "regressed" for c in self.changes)


def _direction(before: str, after: str) -> str:
    if before.isdigit() and after.isdigit():
        better = int(after) > int(before)
    elif before in _RANK and after in _RANK:
        better = _RANK[after] > _RANK[before]
    else:
        return "changed"
    return "improved" if better else "regressed"


def _changes(scope: str, old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """Changes between two ordered id -> value maps, in new's order then old-only ids."""
    ids = list(new) + [i for i in old if i not in new]
    return [Change(scope=scope, subject=i, before=old.get(i, ABSENT), after=new.get(i, ABSENT),
                   direction=_direction(old.get(i, ABSENT), new.get(i, ABSENT)))
            for i in ids if old.get(i, ABSENT) != new.get(i, ABSENT)]


def _values(repo: RepoSummary) -> dict[str, str]:
    """Stage, domain floors and statuses of a repository, in that order."""
    return {"stage": str(repo.stage), **{d: str(floor) for d, floor, _ in repo.domains},
            **dict(repo.results)}


def _org_values(run: RunSummary) -> dict[str, str]:
    if run.org_stage is None:
        return {}
    return {"stage": str(run.org_stage), **dict(run.org_answers)}


def compare(old: RunSummary, new: RunSummary) -> Diff:
    """The changes from ``old`` to ``new``: organisation first, then repositories by name."""
    before = {r.repo: r for r in old.repos}
    after = {r.repo: r for r in new.repos}
    changes = _changes(ORGANISATION, _org_values(old), _org_values(new))
    for name in sorted(before.keys() & after.keys()):
        changes += _changes(name, _values(before[name]), _values(after[name]))
    return Diff(old=old, new=new, changes=tuple(changes),
                added_repos=tuple(sorted(after.keys() - before.keys())),
                removed_repos=tuple(sorted(before.keys() - after.keys())))


def _wrap(text: str, *, indent: int = 0) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent=" " * indent,
                         subsequent_indent=" " * (indent + 4), break_on_hyphens=False) or [""]


def _counts(changes: Iterable[Change]) -> str:
    found = [c.direction for c in changes]
    return ", ".join(f"{found.count(d)} {d}" for d in ("regressed", "improved", "changed"))


def render_text(diff: Diff) -> str:
    """The diff as readable text in 80 columns, every name from the reports made safe."""
    lines = ["aims diff"]
    for label, run in (("old", diff.old), ("new", diff.new)):
        lines += _wrap(f"{label}: {clean(run.target)}, {clean(run.as_of)}, "
                       f"catalog {clean(run.catalog_version)}")
    lines.append(f"{_counts(diff.changes)}; levels and stages are floors")
    for heading, names in (("Added repositories:", diff.added_repos),
                           ("Removed repositories:", diff.removed_repos)):
        if names:
            lines += ["", heading, *(x for n in names for x in _wrap(clean(n), indent=2))]
    scope = None
    for change in diff.changes:
        if change.scope != scope:
            scope = change.scope
            lines += ["", *_wrap(clean(scope))]
        lines += _wrap(f"{change.direction:<9}  {clean(change.subject)}: "
                       f"{clean(change.before)} -> {clean(change.after)}", indent=2)
    if not diff.changes:
        lines += ["", "No level, stage or status changed."]
    return "\n".join(lines) + "\n"


def as_dict(diff: Diff) -> dict[str, Any]:
    """The diff as plain JSON data."""
    return {
        "old": {"target": diff.old.target, "as_of": diff.old.as_of},
        "new": {"target": diff.new.target, "as_of": diff.new.as_of},
        "regressed": diff.regressed,
        "changes": [{"scope": c.scope, "subject": c.subject, "before": c.before,
                     "after": c.after, "direction": c.direction} for c in diff.changes],
        "added_repos": list(diff.added_repos),
        "removed_repos": list(diff.removed_repos),
    }

"""Which listed repositories (GitHub) or projects (GitLab) a platform scan reads.

Archived repositories and forks are left out by default (maturity-model.md, principle 4);
``--repos`` globs narrow the scan further. Every exclusion is reported with its reason.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Protocol


class Listed(Protocol):
    """What the selection needs to know about a listed repository or project."""

    @property
    def archived(self) -> bool: ...

    @property
    def fork(self) -> bool: ...

    @property
    def name(self) -> str: ...

    @property
    def full_name(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """Which listed repositories are scanned."""

    include_archived: bool = False
    include_forks: bool = False
    patterns: tuple[str, ...] = ()
    """Globs matched against ``name`` and ``owner/name`` (any match selects)."""

    def why_excluded(self, meta: Listed) -> str | None:
        """Why a listed repository is left out, or None when it is scanned."""
        if meta.archived and not self.include_archived:
            return "archived (--include-archived)"
        if meta.fork and not self.include_forks:
            return "fork (--include-forks)"
        if self.patterns and not any(fnmatch.fnmatchcase(meta.name, p)
                                     or fnmatch.fnmatchcase(meta.full_name, p)
                                     for p in self.patterns):
            return "not matched by --repos"
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Excluded:
    """A listed repository or project left out of the scan, and why."""

    repo_id: str
    why: str

"""Which listed repositories (GitHub) or projects (GitLab) a platform scan reads.

Archived repositories and forks are left out by default (maturity-model.md, principle 4);
``--repos`` globs narrow the scan further, and ``--shard K/N`` keeps one of N disjoint
parts of what is left, so N machines can share an organisation (``aims merge`` joins their
reports). Every exclusion is reported with its reason.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
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


@dataclass(frozen=True, slots=True)
class Shard:
    """Part ``index`` (1-based) of ``count`` disjoint parts of an organisation."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"a shard count must be at least 1, not {self.count}")
        if not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index} does not exist: shards of {self.count} are "
                             f"numbered 1 to {self.count}")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


_SHARD = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$")


def parse_shard(text: str) -> Shard:
    """``K/N`` as a shard (K of N, from 1); ValueError saying what is wrong otherwise."""
    match = _SHARD.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a shard: expected K/N with whole numbers, e.g. 2/8")
    return Shard(int(match[1]), int(match[2]))


def shard_of(full_name: str, count: int) -> int:
    """The shard (1..count) a repository belongs to, decided by its full name alone.

    SHA-256 rather than Python's ``hash`` (salted per process) so that every machine and
    every run agrees; lower-cased because GitHub names and GitLab paths are
    case-insensitive, so ``Acme/API`` and ``acme/api`` are one repository.
    """
    digest = hashlib.sha256(full_name.lower().encode("utf-8")).digest()
    return int.from_bytes(digest, "big") % count + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """Which listed repositories are scanned."""

    include_archived: bool = False
    include_forks: bool = False
    patterns: tuple[str, ...] = ()
    """Globs matched against ``name`` and ``owner/name`` (any match selects)."""
    shard: Shard | None = None
    """Only the repositories of this shard (by :func:`shard_of` of ``full_name``)."""

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
        if self.shard is not None:
            theirs = shard_of(meta.full_name, self.shard.count)
            if theirs != self.shard.index:
                return f"in shard {theirs} of {self.shard.count} (--shard)"
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Excluded:
    """A listed repository or project left out of the scan, and why."""

    repo_id: str
    why: str

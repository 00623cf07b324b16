"""The questions every repository source answers, whatever the platform.

A source reads one repository: what it is (:class:`RepoInfo`), the files of its HEAD tree
with their blob SHAs, the content of one file (bounded, never following a symlink out of
the repository), the commits of a time window (streamed), who last wrote a line (blame),
and local provenance refs. Platform settings are not here: they belong to the platform
collectors.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from scanner.evidence import UnknownReason


class SourceError(Exception):
    """The target cannot be read as a repository at all (a usage or input error)."""


class RepoUnavailable(SourceError):
    """One repository of a multi-repository scan cannot be read; the others go on."""

    def __init__(self, message: str, reason: UnknownReason) -> None:
        super().__init__(message)
        self.reason = reason


class Unreadable(Exception):
    """One file or record could not be read; the message says why (becomes a Gap)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoInfo:
    """What a source knows about its repository before reading files or history."""

    repo_id: str
    path: str
    """Where the repository was read from (absolute path or URL)."""
    head: str | None
    tree: str | None
    branch: str | None
    bare: bool
    shallow: bool
    shallow_boundary: frozenset[str] = frozenset()
    """Commits whose parents a shallow clone does not have (git's ``shallow`` file)."""
    worktree: bool
    origin: str | None
    """``origin`` remote URL with credentials removed."""

    @property
    def empty(self) -> bool:
        """True when the repository has no commits."""
        return self.head is None


@dataclass(frozen=True, slots=True, kw_only=True)
class TreeEntry:
    """One file of the HEAD tree."""

    path: str
    mode: str
    """Git file mode: ``100644``, ``100755``, ``120000`` (symlink), ``160000`` (submodule)."""
    blob: str
    size: int | None
    """Size in bytes (None for submodules)."""

    @property
    def is_symlink(self) -> bool:
        """True for a symbolic link."""
        return self.mode == "120000"


class CommitRecord(NamedTuple):
    """One commit of the history window, as read from one streamed ``git log``.

    A named tuple rather than a frozen dataclass: one is built per commit, and tuples are
    several times cheaper to construct.
    """

    sha: str
    parents: int
    author: str
    """``Name <email>`` as recorded."""
    author_email: str
    committer: str
    committer_email: str
    authored: datetime
    committed: datetime
    trailers: tuple[tuple[str, str], ...]
    """Trailers as git parsed them (unfolded), key as written."""
    message: str
    """Full message, decoded as UTF-8 with replacement characters for invalid bytes."""


class Source(Protocol):
    """Read access to one repository."""

    def info(self) -> RepoInfo:
        """Identity and shape of the repository."""
        ...

    def tree(self) -> Sequence[TreeEntry]:
        """Files of the HEAD tree sorted by path (empty for an empty repository)."""
        ...

    def read(self, path: str, limit: int) -> tuple[bytes, str]:
        """Content and blob SHA of a HEAD file; symlinks inside the repository are followed.

        Raises :class:`Unreadable` when the file is missing, larger than ``limit``, a
        submodule, or a symlink pointing outside the repository.
        """
        ...

    def commits(self, since: datetime, until: datetime) -> Iterator[CommitRecord]:
        """Commits reachable from HEAD committed in ``[since, until]``, newest first."""
        ...

    def signature_states(self, since: datetime, until: datetime, limit: int) -> str:
        """git's ``%G?`` for the ``limit`` most recent commits of the window, newest first.

        ``G`` good, ``U`` good with unknown validity, ``N`` unsigned, ``E`` not checkable
        here (no key or signing program), ``B``/``X``/``Y``/``R`` bad, expired or revoked.
        Bounded because git verifies each signature with an external program.
        """
        ...

    def last_change(self, path: str) -> datetime | None:
        """Commit time of the last commit that changed ``path`` (None if unknown)."""
        ...

    def ref_counts(self, patterns: Sequence[str]) -> dict[str, int]:
        """Number of local refs or notes under each pattern (only patterns with entries)."""
        ...

    def blame(self, path: str, lines: Sequence[int]) -> dict[int, str | None]:
        """The commit that last wrote each line of a HEAD file; None beyond a shallow
        clone's boundary. Lines that cannot be blamed are left out."""
        ...

    def commits_by_sha(self, shas: Sequence[str]) -> dict[str, CommitRecord]:
        """The named commits, parsed like :meth:`commits` (missing ones left out)."""
        ...

    def history_command(self, since: datetime, until: datetime) -> str:
        """The git command a person can run to re-check the history window by hand."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """One repository of a multi-repository scan; ``open`` may fail for it alone
    (:class:`RepoUnavailable`) without stopping the others."""

    repo_id: str
    open: Callable[[], Source]


#: Seconds each HTTP request to a platform may take, unless ``AIMS_HTTP_TIMEOUT`` says.
DEFAULT_TIMEOUT = 30.0
TIMEOUT_ENV = "AIMS_HTTP_TIMEOUT"


def env_timeout() -> float:
    """The HTTP timeout ``AIMS_HTTP_TIMEOUT`` names (1 to 3600 s), else the default."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 1 <= seconds <= 3600:
        raise SourceError(f"{TIMEOUT_ENV} must be a number of seconds from 1 to 3600, "
                          f"not {text!r}")
    return seconds

"""Platform-neutral parts of reading merged pull/merge requests for AI attribution.

GitHub and GitLab list a request's commits and its author in their own shapes; both are
turned into :class:`~collectors.sources.base.CommitRecord` values here, so that
:func:`collectors.attribution.match_commit` decides on them exactly as on local history.
Trailers are parsed by git's own rules, as for a local scan.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from datetime import datetime

from collectors.attribution import Matcher
from collectors.sources.base import CommitRecord


class TrailerReader:
    """Commit trailers by git's own rules (``git interpret-trailers``), read only when needed.

    Only trailer keys that some catalog signal looks at matter, so git runs only for the
    few messages that have a line starting with one of those keys.
    """

    def __init__(self, matcher: Matcher) -> None:
        keys = "|".join(re.escape(key) for key in sorted(matcher.by_trailer))
        self._candidate = re.compile(rf"^(?:{keys})\s*:", re.I | re.M) if keys else None

    def __call__(self, message: str) -> tuple[tuple[str, str], ...]:
        """The ``(key, value)`` trailers of a message (unfolded), key as written."""
        if self._candidate is None or not self._candidate.search(message):
            return ()
        parsed = subprocess.run(["git", "interpret-trailers", "--parse"], input=message,
                                capture_output=True, text=True, check=True).stdout
        pairs = []
        for line in parsed.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip():
                pairs.append((key.strip(), value.strip()))
        return tuple(pairs)


def merge_record(subject: str, body: str, identities: Sequence[str], when: datetime,
                 trailers: TrailerReader) -> CommitRecord:
    """A request as the merge commit git would write: ``subject`` naming the source branch,
    the description as body, the author's first identity as author and last as committer."""
    forms = tuple(identities) or ("",)
    return CommitRecord("", 2, forms[0], "", forms[-1], "", when, when, trailers(body),
                        f"{subject}\n\n{body}")


def commit_record(sha: str, message: str, *, author: tuple[str, str],
                  committer: tuple[str, str], authored: datetime, committed: datetime,
                  trailers: TrailerReader) -> CommitRecord:
    """One commit of a request, from ``(name, email)`` pairs, shaped like one read from git."""
    return CommitRecord(sha, 1, f"{author[0]} <{author[1]}>", author[1],
                        f"{committer[0]} <{committer[1]}>", committer[1], authored, committed,
                        trailers(message), message)


def ai_account(identities: Sequence[str], matcher: Matcher) -> bool:
    """True when one of an account's ``Name <email>`` forms is a catalog AI identity."""
    return any(matcher.identity_hits(identity) for identity in identities)

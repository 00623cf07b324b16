"""Evidence, gaps and their provenance: what was seen, what could not be seen, and where.

Every observation a collector makes becomes an :class:`Evidence` item with a typed payload
and a :class:`Provenance` that lets a person re-check it by hand (repository, commit, path
or endpoint, blob SHA or ETag). Anything that was looked for and could not be seen becomes a
:class:`Gap` with a typed :class:`UnknownReason`. Ids are derived from content so that two
scans of the same input give the same ids.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar


class UnknownReason(StrEnum):
    """Why a piece of evidence could not be seen (an unknown is never silently unmet)."""

    NO_CREDENTIALS = "no-credentials"
    FORBIDDEN = "forbidden"
    NOT_FOUND_OR_HIDDEN = "not-found-or-hidden"
    RATE_LIMITED = "rate-limited"
    API_ERROR = "api-error"
    UNSUPPORTED = "unsupported"
    NOT_COLLECTED = "not-collected"
    UNREADABLE = "unreadable"
    COLLECTOR_ERROR = "collector-error"
    NOT_OBSERVABLE = "not-observable"
    NOT_PERMITTED = "not-permitted"
    """This token's role cannot see it, as the preflight said (not a read failure)."""
    STALE_ATTESTATION = "stale-attestation"
    BUDGET_SPENT = "budget-spent"
    """Not read: the run's own request budget (``--max-requests``) was spent first."""


#: Reasons that mean "something that should have been readable was not": they make a scan
#: partial (exit code 3). The others are expected limits of the scan's kind.
READ_FAILURES = frozenset(
    {
        UnknownReason.FORBIDDEN,
        UnknownReason.NOT_FOUND_OR_HIDDEN,
        UnknownReason.RATE_LIMITED,
        UnknownReason.API_ERROR,
        UnknownReason.UNREADABLE,
        UnknownReason.COLLECTOR_ERROR,
        UnknownReason.BUDGET_SPENT,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where an observation came from, precise enough to re-check it by hand."""

    repo: str
    """Repository id, e.g. ``local:myrepo`` or ``github.com/acme/api``."""
    commit: str | None
    """The commit SHA the observation is pinned to (None for an empty repository)."""
    locator: str
    """``tree:PATH``, ``git:COMMAND`` or ``GET /endpoint``."""
    digest: str | None
    """Git blob or tree SHA for files, ETag for API answers."""
    collector: str
    """Collector name and version, e.g. ``ci@1``."""
    collected_at: datetime
    """The run's clock (``--as-of``); not part of the id."""


P = TypeVar("P")


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence(Generic[P]):
    """One observation: a typed payload plus its provenance."""

    id: str
    kind: str
    payload: P
    provenance: Provenance


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """Evidence that was sought and could not be seen, with the reason why."""

    id: str
    kind: str
    reason: UnknownReason
    detail: str
    provenance: Provenance


Item = Evidence[Any] | Gap


def kind_of(payload_type: type[Any]) -> str:
    """The dotted evidence kind a payload type declares in its ``KIND``."""
    kind: str = getattr(payload_type, "KIND")  # noqa: B009 - ClassVar on payload types
    return kind


def item_id(prefix: str, *parts: str | None) -> str:
    """A stable id from the parts that identify an observation (never from the clock)."""
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:16]}"


def make_evidence(payload: Any, provenance: Provenance, kind: str | None = None) -> Evidence[Any]:
    """Build an evidence item whose id derives from kind, repo, locator and digest."""
    kind = kind or payload.KIND
    ident = item_id("ev", kind, provenance.repo, provenance.commit, provenance.locator,
                    provenance.digest)
    return Evidence(id=ident, kind=kind, payload=scrub(payload), provenance=provenance)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(value: Any) -> Any:
    """``value`` with :func:`redact` applied to every string in it, however deeply nested.

    Payloads quote what repositories say (a CI step's command, a hook's repository URL, an
    agent's allow rule), and a repository may hard-code a token in any of them: every
    payload is scrubbed once, here, so no collector can forget a field. Lone surrogates,
    which no UTF-8 report can hold, become U+FFFD.
    """
    if isinstance(value, str):
        # A lone surrogate (JSON "\ud800" from an API answer) cannot be written as UTF-8.
        return redact(_LONE_SURROGATE.sub("\ufffd", value))
    if isinstance(value, tuple):
        return tuple(scrub(v) for v in value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: scrub(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")
#: Tokens by their published prefixes (GitHub ``ghp_``/``github_pat_``…, GitLab ``glpat-``…),
#: in case a server echoes one back in an error message.
_TOKENS = re.compile(r"\b(gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|cbt|oas|ft|imt|soat|agent)"
                     r"-)[A-Za-z0-9_.-]{8,}")


def redact(text: str) -> str:
    """Remove credentials from free text (error messages can carry them): userinfo of URLs
    and anything shaped like a GitHub or GitLab token."""
    return _TOKENS.sub(r"\1***", _URL_CREDENTIALS.sub(r"\1***@", text))


def make_gap(kind: str, reason: UnknownReason, detail: str, provenance: Provenance) -> Gap:
    """Build a gap whose id derives from kind, repo, locator and reason."""
    ident = item_id("gap", kind, provenance.repo, provenance.commit, provenance.locator,
                    str(reason))
    return Gap(id=ident, kind=kind, reason=reason, detail=redact(detail), provenance=provenance)


@dataclass(frozen=True, slots=True)
class Facts:
    """A read-only index of one repository's evidence and gaps, handed to the rules."""

    repo: str
    as_of: datetime
    items: tuple[Item, ...]
    _by_kind: Mapping[str, tuple[Item, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, repo: str, as_of: datetime, items: Iterable[Item]) -> Facts:
        """Index items by kind, keeping a stable order (by id)."""
        ordered = tuple(sorted(items, key=lambda i: i.id))
        by_kind: dict[str, list[Item]] = {}
        for item in ordered:
            by_kind.setdefault(item.kind, []).append(item)
        return cls(repo, as_of, ordered, {k: tuple(v) for k, v in by_kind.items()})

    def all(self, payload_type: type[P]) -> tuple[Evidence[P], ...]:
        """Every evidence item of this payload type (gaps excluded)."""
        return tuple(i for i in self._by_kind.get(kind_of(payload_type), ())
                     if isinstance(i, Evidence))

    def gaps(self, *payload_types: type[Any]) -> tuple[Gap, ...]:
        """Every gap recorded for these payload types."""
        found: list[Gap] = []
        for payload_type in payload_types:
            found.extend(i for i in self._by_kind.get(kind_of(payload_type), ())
                         if isinstance(i, Gap))
        return tuple(found)

    def one(self, payload_type: type[P]) -> Evidence[P] | Gap | None:
        """The single item of a singleton kind (evidence preferred over a gap), or None."""
        items = self._by_kind.get(kind_of(payload_type), ())
        for item in items:
            if isinstance(item, Evidence):
                return item
        return items[0] if items else None


def cited(items: Sequence[Item]) -> tuple[str, ...]:
    """The sorted, de-duplicated ids of the cited items."""
    return tuple(sorted({i.id for i in items}))

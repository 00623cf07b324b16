"""Tolerant readers of platform JSON (GitHub REST and GraphQL, GitLab REST), and batching.

Answers are read defensively: a field of the wrong type reads as empty and a malformed date
as the epoch (before any window), so odd answers narrow what is seen instead of crashing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def objects(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects of a list (None, other types and null entries are skipped)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def nodes(connection: Any) -> list[Mapping[str, Any]]:
    """The ``nodes`` of a GraphQL connection (empty for null or a malformed one)."""
    return objects(mapping(connection).get("nodes"))


#: The epoch stands in for a missing or malformed date: it is before any window.
NO_DATE = datetime(1970, 1, 1, tzinfo=UTC)


def moment(value: Any) -> datetime:
    """An ISO date-time as the platforms send it (``...Z``); :data:`NO_DATE` when missing
    or malformed."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return NO_DATE


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]

"""AI attribution signatures: the typed, validated form of ``signatures.yaml``.

A :class:`Signal` says where to look in a commit (its ``channel``: a git-parsed trailer, the
message body, the author/committer identity or a merged branch name) and what to look for
(a regex applied with ``re.I | re.M``). :class:`FalsePositiveWindow` entries name periods in
which a signal is known to appear without AI use. ``provenance_refs`` are the git ref
namespaces where line-level AI provenance is kept. Matching commits is the attribution
collector's job (:mod:`collectors.attribution`); this module only holds and validates data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from scanner.catalog.errors import CatalogError

CHANNELS = ("trailer", "body", "identity", "branch")
CONFIDENCES = ("H", "M", "L")
FLAGS = re.I | re.M

_SIGNAL_KEYS = {"id", "tool", "channel", "confidence", "pattern", "trailer", "model"}
_WINDOW_KEYS = {"signal", "from", "to", "why"}
_EXTENSION_KEYS = {"signals", "false_positive_windows"}
_FILE_KEYS = {"version", "provenance_refs"} | _EXTENSION_KEYS
_TRAILER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """One way an AI tool marks a commit."""

    id: str
    tool: str
    channel: str
    """``trailer``, ``body``, ``identity`` or ``branch``."""
    confidence: str
    """``H``, ``M`` or ``L``."""
    pattern: re.Pattern[str]
    trailer: str | None
    """Lower-case trailer key whose values ``pattern`` is searched in (channel ``trailer``)."""
    model: re.Pattern[str] | None
    """Regex with one group capturing the model or tool version, searched like ``pattern``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FalsePositiveWindow:
    """A period in which a signal is known to appear without AI use."""

    signal: str
    start: date
    end: date
    """Inclusive."""
    why: str

    def covers(self, day: date) -> bool:
        """True when ``day`` lies inside the window."""
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureCatalog:
    """All attribution signals, their false-positive windows and the provenance refs."""

    signals: tuple[Signal, ...]
    windows: tuple[FalsePositiveWindow, ...]
    provenance_refs: tuple[str, ...]

    def extend(self, raw: Mapping[str, Any]) -> SignatureCatalog:
        """A catalog with extra ``signals`` and ``false_positive_windows`` from ``--config``."""
        root = _mapping(raw, "--config signatures")
        _check_keys(root, _EXTENSION_KEYS, "--config signatures")
        signals = self.signals + _signals(root.get("signals", []), "--config signatures")
        windows = self.windows + _windows(root.get("false_positive_windows", []),
                                          "--config signatures")
        return _checked(signals, windows, self.provenance_refs)


def load_signatures(raw: Any) -> SignatureCatalog:
    """Validate ``signatures.yaml`` and build the catalog; :class:`CatalogError` if invalid."""
    root = _mapping(raw, "signatures.yaml")
    _check_keys(root, _FILE_KEYS, "signatures.yaml")
    if root.get("version") != 1:
        raise CatalogError("signatures.yaml: unsupported version")
    refs = root.get("provenance_refs", [])
    if not isinstance(refs, list) or not all(
            isinstance(r, str) and r.startswith("refs/") for r in refs):
        raise CatalogError("signatures.yaml: provenance_refs must be a list of refs/... names")
    return _checked(_signals(root.get("signals", []), "signatures.yaml"),
                    _windows(root.get("false_positive_windows", []), "signatures.yaml"),
                    tuple(refs))


def _checked(signals: tuple[Signal, ...], windows: tuple[FalsePositiveWindow, ...],
             refs: tuple[str, ...]) -> SignatureCatalog:
    """Cross-entry checks: unique ids, windows naming known signals."""
    seen: set[str] = set()
    for signal in signals:
        if signal.id in seen:
            raise CatalogError(f"signal {signal.id!r}: duplicate id")
        seen.add(signal.id)
    for window in windows:
        if window.signal not in seen:
            raise CatalogError(f"false-positive window: unknown signal {window.signal!r}")
    return SignatureCatalog(signals=signals, windows=windows, provenance_refs=refs)


def _signals(raw: Any, where: str) -> tuple[Signal, ...]:
    if not isinstance(raw, list):
        raise CatalogError(f"{where}: signals must be a list")
    return tuple(_signal(_mapping(entry, f"{where}: signal")) for entry in raw)


def _signal(entry: Mapping[str, Any]) -> Signal:
    ident = entry.get("id")
    if not isinstance(ident, str) or not ident:
        raise CatalogError(f"signal {entry!r}: missing id")
    name = f"signal {ident!r}"
    _check_keys(entry, _SIGNAL_KEYS, name)
    tool, channel, confidence = (entry.get(k) for k in ("tool", "channel", "confidence"))
    if not isinstance(tool, str) or not tool:
        raise CatalogError(f"{name}: missing tool")
    if channel not in CHANNELS:
        raise CatalogError(f"{name}: channel must be one of {', '.join(CHANNELS)}")
    if confidence not in CONFIDENCES:
        raise CatalogError(f"{name}: confidence must be one of {', '.join(CONFIDENCES)}")
    trailer = entry.get("trailer")
    if channel == "trailer":
        if not isinstance(trailer, str) or not _TRAILER_KEY.match(trailer):
            raise CatalogError(f"{name}: a trailer signal needs a trailer key")
        trailer = trailer.lower()
    elif trailer is not None:
        raise CatalogError(f"{name}: only trailer signals take a trailer key")
    model = entry.get("model")
    compiled_model = None if model is None else _regex(model, f"{name} model")
    if compiled_model is not None and compiled_model.groups != 1:
        raise CatalogError(f"{name}: model regex needs exactly one group")
    pattern = _regex(entry.get("pattern"), f"{name} pattern")
    if pattern.groupindex or _BACKREFERENCE.search(pattern.pattern):
        # patterns are also joined into one prefilter regex, where these would break
        raise CatalogError(f"{name}: pattern may not use named groups or backreferences")
    return Signal(id=ident, tool=tool, channel=str(channel), confidence=str(confidence),
                  pattern=pattern, trailer=trailer, model=compiled_model)


def _windows(raw: Any, where: str) -> tuple[FalsePositiveWindow, ...]:
    if not isinstance(raw, list):
        raise CatalogError(f"{where}: false_positive_windows must be a list")
    windows = []
    for entry in raw:
        item = _mapping(entry, f"{where}: false-positive window")
        name = f"false-positive window {item.get('signal')!r}"
        _check_keys(item, _WINDOW_KEYS, name)
        signal, why = item.get("signal"), item.get("why")
        if not isinstance(signal, str) or not isinstance(why, str) or not why.strip():
            raise CatalogError(f"{name}: needs signal and why")
        start, end = _date(item.get("from"), name), _date(item.get("to"), name)
        if end < start:
            raise CatalogError(f"{name}: 'to' is before 'from'")
        windows.append(FalsePositiveWindow(signal=signal, start=start, end=end, why=why.strip()))
    return tuple(windows)


def _date(value: Any, name: str) -> date:
    # PyYAML already turns an unquoted 2026-04-22 into a date; accept quoted ISO text too.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CatalogError(f"{name}: {value!r} is not an ISO date")


def _regex(value: Any, name: str) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise CatalogError(f"{name}: missing regex")
    try:
        re.compile(f"(?:{value})")  # rejects global inline flags, which a union cannot hold
        return re.compile(value, FLAGS)
    except (re.error, OverflowError, RecursionError) as exc:  # a{99999999999}, (((...)))
        raise CatalogError(f"{name}: invalid regex: {exc}") from None


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CatalogError(f"{name}: expected a mapping")
    return value


def _check_keys(entry: Mapping[str, Any], allowed: Iterable[str], name: str) -> None:
    unknown = sorted(set(map(str, entry)) - set(allowed))
    if unknown:
        raise CatalogError(f"{name}: unknown keys {unknown}")

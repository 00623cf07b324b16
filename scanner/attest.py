"""The attestation file: answers only a person can give, with owner, date and a link.

An attestation never overrides an observation: it answers an indicator or question whose
result is ``unknown``, shows as ``attested`` (never as observed), and goes stale after the
catalog's maximum age (90 days) or its own ``expires`` date, measured at ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from scanner.payloads import AttestationRecord
from scanner.yamlsafe import YamlError, load_yaml

_ANSWERS = {"yes": True, "no": False, True: True, False: False}
_KEYS = {"id", "answer", "owner", "date", "evidence", "expires", "note"}


class AttestationError(ValueError):
    """The attestation file is invalid; the message lists every problem found."""


def _date(value: Any, where: str, problems: list[str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{where}: not a date (YYYY-MM-DD): {value!r}")
    return None


def load_attestations(data: bytes, *, known_ids: Collection[str], as_of: dt.datetime,
                      max_age_days: int, favourable_no: Collection[str] = ()
                      ) -> tuple[AttestationRecord, ...]:
    """Parse and validate an attestation file; raise :class:`AttestationError` if invalid.

    ``favourable_no`` names the questions whose favourable answer is "no" (S1-Q4): there an
    attested "no" holds.
    """
    try:
        root = load_yaml(data)
    except YamlError as exc:
        raise AttestationError(str(exc)) from None
    if not isinstance(root, Mapping) or root.get("version") != 1:
        raise AttestationError("expected a mapping with 'version: 1' and 'attestations:'")
    entries = root.get("attestations")
    if not isinstance(entries, list):
        raise AttestationError("'attestations' must be a list")
    problems: list[str] = []
    records: list[AttestationRecord] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"entry {index}"
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: not a mapping")
            continue
        ident = str(entry.get("id", ""))
        where = f"entry {index} ({ident or 'no id'})"
        unknown = sorted(set(map(str, entry)) - _KEYS)
        if unknown:
            problems.append(f"{where}: unknown keys {unknown}")
        if ident not in known_ids:
            problems.append(f"{where}: unknown indicator or question id")
        elif ident in seen:
            problems.append(f"{where}: attested twice")
        seen.add(ident)
        given = entry.get("answer")
        # Only yes/no (or true/false): a list is unhashable, and 1 must not pass for yes.
        answer = _ANSWERS.get(given) if isinstance(given, str | bool) else None
        if answer is None:
            problems.append(f"{where}: answer must be yes or no")
        for key in ("owner", "evidence"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                problems.append(f"{where}: '{key}' is required")
        date = _date(entry.get("date"), f"{where} date", problems)
        expires = (_date(entry["expires"], f"{where} expires", problems)
                   if entry.get("expires") is not None else None)
        if answer is None or date is None or ident not in known_ids:
            continue
        today = as_of.date()
        stale = (today - date).days > max_age_days or (expires is not None and expires < today)
        note = entry.get("note")
        records.append(AttestationRecord(
            id=ident, answer=answer, holds=answer != (ident in favourable_no),
            owner=str(entry.get("owner", "")).strip(),
            date=date.isoformat(), evidence=str(entry.get("evidence", "")).strip(),
            expires=expires.isoformat() if expires else None,
            note=" ".join(str(note).split()) if note else None, stale=stale))
    if problems:
        raise AttestationError("; ".join(problems))
    return tuple(sorted(records, key=lambda r: r.id))

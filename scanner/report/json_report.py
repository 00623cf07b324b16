"""The JSON report: the contract. Versioned, schema-checked, sorted, byte-stable.

Two scans of the same repository with the same ``--as-of`` give byte-identical output: ids
derive from content, lists are in catalog or id order, keys are sorted, and the only clock
is ``as_of``. A multi-repository scan adds its ``target``, the ``organisation`` view,
the repositories that could not be scanned (``failures``) and the permission ``preflight``;
a local scan has them null or empty.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TextIO

from scanner.evidence import Evidence, Gap
from scanner.model import Answer, DomainScore, RepoAssessment, Report, Result

TOOL_NAME = "aims"


def _jsonable(value: Any) -> Any:
    """Dataclasses, enums, tuples and datetimes as plain JSON values."""
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def stamp(moment: datetime) -> str:
    """UTC ISO-8601 with a ``Z``, seconds precision."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _result(result: Result) -> dict[str, Any]:
    return {
        "id": result.id,
        "status": result.status.value,
        "summary": result.summary,
        "evidence": list(result.evidence),
        "reason": result.reason.value if result.reason else None,
        "attestation": _jsonable(result.attestation),
    }


def _domain(score: DomainScore) -> dict[str, Any]:
    return {
        "id": score.id, "name": score.name, "floor": score.floor, "ceiling": score.ceiling,
        "indicators": [{**_result(row.result), "level": row.level, "title": row.title,
                        "ahead": row.ahead} for row in score.indicators],
    }


def _answer(answer: Answer) -> dict[str, Any]:
    return {**_result(answer.result), "stage": answer.stage, "question": answer.text,
            "answer": answer.answer, "favourable": answer.favourable}


def repository_dict(repo: RepoAssessment) -> dict[str, Any]:
    """One repository's assessment as it appears under ``repositories``."""
    stage = repo.stage
    return {
        "repo": repo.repo, "path": repo.path, "origin": repo.origin, "head": repo.head,
        "branch": repo.branch,
        "ai_in_use": repo.ai_in_use, "ai_in_use_basis": repo.ai_in_use_basis,
        "model_d": {"code": repo.code, "code_ceiling": repo.code_ceiling,
                    "domains": [_domain(d) for d in repo.domains]},
        "model_s": {"stage": stage.floor, "stage_ceiling": stage.ceiling, "name": stage.name,
                    "tallies": _jsonable(stage.tallies),
                    "answers": [_answer(a) for a in stage.answers],
                    "next_steps": list(stage.next_steps)},
        "next_steps": list(repo.next_steps),
        "problems": list(repo.problems),
        "notes": list(repo.notes),
    }


def item_dict(item: Evidence[object] | Gap) -> dict[str, Any]:
    """One evidence item or gap as it appears under ``evidence``."""
    common = {"id": item.id, "kind": item.kind, "provenance": _jsonable(item.provenance)}
    if isinstance(item, Gap):
        return {**common, "gap": {"reason": item.reason.value, "detail": item.detail}}
    return {**common, "payload": _jsonable(item.payload)}


def document(report: Report) -> dict[str, Any]:
    """The report document with its two long lists (repositories, evidence) as generators,
    each to be read once: for a pass over an organisation's report that must not hold it."""
    return {
        "schema_version": report.schema_version,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "catalog_version": report.catalog_version,
        "as_of": stamp(report.as_of),
        "window": {"since": stamp(report.since), "until": stamp(report.as_of)},
        "collectors": list(report.collectors),
        "partial": report.partial,
        "repositories": (repository_dict(r) for r in report.repositories),
        "evidence": (item_dict(i) for i in report.evidence),
        "target": report.target,
        "organisation": _jsonable(report.organisation),
        "failures": _jsonable(sorted(report.failures, key=lambda f: f.repo)),
        "preflight": _jsonable(sorted(report.preflight, key=lambda v: (v.evidence, v.needs))),
        "shard": _jsonable(report.shard),
    }


def as_dict(report: Report) -> dict[str, Any]:
    """The report as the JSON document described by ``schema/report.schema.json``."""
    return {key: list(value) if isinstance(value, Iterator) else value
            for key, value in document(report).items()}


def render(report: Report) -> str:
    """Sorted, indented JSON with a trailing newline."""
    buffer = io.StringIO()
    write(report, buffer)
    return buffer.getvalue()


def write(report: Report, out: TextIO) -> None:
    """Write the report as :func:`render` spells it, one repository and one evidence item at
    a time, so an organisation's report never has to be in memory as a whole."""
    fields = document(report)
    out.write("{\n")
    for position, key in enumerate(sorted(fields)):
        out.write(",\n" if position else "")
        out.write(f"  {json.dumps(key)}: ")
        value = fields[key]
        if isinstance(value, Iterator):
            _write_list(value, out)
        else:
            out.write(_nested(value, "  "))
    out.write("\n}\n")


def _write_list(entries: Iterator[Any], out: TextIO) -> None:
    """A top-level list as ``json.dumps(indent=2)`` would spell it inside the document."""
    first = True
    for entry in entries:
        out.write("[\n    " if first else ",\n    ")
        out.write(_nested(entry, "    "))
        first = False
    out.write("[]" if first else "\n  ]")


def _nested(value: Any, indent: str) -> str:
    # JSON escapes every newline inside strings, so each raw newline starts a new line.
    return _text(value).replace("\n", "\n" + indent)


def _text(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def dump(document: Mapping[str, Any]) -> str:
    """A report document as byte-stable text: the one spelling of every JSON report (a
    merged one included, so that it can equal an unsharded run's byte for byte)."""
    return _text(document) + "\n"

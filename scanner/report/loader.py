"""The JSON report read back into model values: the inverse of :mod:`json_report`.

``aims merge`` needs the repositories' assessments to recompute the organisation view,
and every renderer but the JSON one wants a :class:`~scanner.model.Report`. Every field is
type-checked on the way in, and an error names where it is (``repositories[2].model_d.
code: expected a string``). Evidence payloads stay plain JSON objects: a loaded report is
for presenting and merging, never for deciding again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from scanner.evidence import Evidence, Gap, Item, Provenance, UnknownReason
from scanner.model import (
    Answer,
    DomainScore,
    DomainSpread,
    IndicatorResult,
    LevelRow,
    OrgAnswer,
    OrgAssessment,
    OrgStage,
    RepoAssessment,
    RepoFailure,
    Report,
    Result,
    ShardPart,
    StagePlacement,
    StageTally,
    Status,
    Visibility,
)
from scanner.payloads import AttestationRecord
from scanner.report import json_report

T = TypeVar("T")
E = TypeVar("E", bound=Enum)
Json = Mapping[str, Any]


class LoadError(ValueError):
    """A JSON document that is not an aims report this version can read: where and why."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem

    def within(self, outer: str) -> LoadError:
        """The same error, located inside ``outer``."""
        return LoadError(f"{outer}.{self.where}" if self.where else outer, self.problem)


# Typed access to one JSON object's fields


def _field(data: Json, key: str) -> Any:
    if key not in data:
        raise LoadError(key, "missing")
    return data[key]


def _typed(data: Json, key: str, kind: type[T], name: str) -> T:
    value = _field(data, key)
    # bool is an int to Python, never to a report.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise LoadError(key, f"expected {name}, found {value!r}")
    return value


def _str(data: Json, key: str) -> str:
    return _typed(data, key, str, "a string")


def _opt_str(data: Json, key: str) -> str | None:
    return None if _field(data, key) is None else _str(data, key)


def _int(data: Json, key: str) -> int:
    return _typed(data, key, int, "an integer")


def _float(data: Json, key: str) -> float:
    return _typed(data, key, float, "a number with a decimal point")


def _bool(data: Json, key: str) -> bool:
    return _typed(data, key, bool, "true or false")


def _opt_bool(data: Json, key: str) -> bool | None:
    return None if _field(data, key) is None else _bool(data, key)


def _strs(data: Json, key: str) -> tuple[str, ...]:
    values = _typed(data, key, list, "a list")
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise LoadError(f"{key}[{index}]", f"expected a string, found {value!r}")
    return tuple(values)


def _ints(data: Json, key: str) -> tuple[int, ...]:
    values = _typed(data, key, list, "a list")
    for index, value in enumerate(values):
        if not isinstance(value, int) or isinstance(value, bool):
            raise LoadError(f"{key}[{index}]", f"expected an integer, found {value!r}")
    return tuple(values)


def _enum(data: Json, key: str, kind: type[E]) -> E:
    value = _field(data, key)
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(str(member.value) for member in kind)
        raise LoadError(key, f"{value!r} is not one of {known}") from None


def _moment(data: Json, key: str) -> datetime:
    text = _str(data, key)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LoadError(key, f"{text!r} is not an ISO date-time") from None
    if moment.tzinfo is None:
        raise LoadError(key, f"{text!r} has no time zone")
    return moment


def _object(value: Any, where: str) -> Json:
    if not isinstance(value, dict):
        raise LoadError(where, f"expected an object, found {type(value).__name__}")
    return value


def _nested(data: Json, key: str, load: Callable[[Json], T]) -> T:
    """One object field, loaded, with errors located inside it."""
    try:
        return load(_object(_field(data, key), ""))
    except LoadError as exc:
        raise exc.within(key) from None


def _optional(data: Json, key: str, load: Callable[[Json], T]) -> T | None:
    return None if _field(data, key) is None else _nested(data, key, load)


def _each(data: Json, key: str, load: Callable[[Json], T]) -> tuple[T, ...]:
    """A list field of objects, each loaded, with errors located at its index."""
    loaded = []
    for index, value in enumerate(_typed(data, key, list, "a list")):
        try:
            loaded.append(load(_object(value, "")))
        except LoadError as exc:
            raise exc.within(f"{key}[{index}]") from None
    return tuple(loaded)


# Repositories


def _attestation(data: Json) -> AttestationRecord:
    return AttestationRecord(
        id=_str(data, "id"), answer=_bool(data, "answer"), holds=_bool(data, "holds"),
        owner=_str(data, "owner"), date=_str(data, "date"), evidence=_str(data, "evidence"),
        expires=_opt_str(data, "expires"), note=_opt_str(data, "note"),
        stale=_bool(data, "stale"))


def _result(data: Json) -> Result:
    return Result(
        id=_str(data, "id"), status=_enum(data, "status", Status), summary=_str(data, "summary"),
        evidence=_strs(data, "evidence"),
        reason=None if _field(data, "reason") is None else _enum(data, "reason", UnknownReason),
        attestation=_optional(data, "attestation", _attestation))


def _domain(data: Json) -> DomainScore:
    ident = _str(data, "id")

    def indicator(row: Json) -> IndicatorResult:
        return IndicatorResult(domain=ident, level=_int(row, "level"), title=_str(row, "title"),
                               result=_result(row), ahead=_bool(row, "ahead"))

    return DomainScore(id=ident, name=_str(data, "name"), floor=_int(data, "floor"),
                       ceiling=_int(data, "ceiling"),
                       indicators=_each(data, "indicators", indicator))


def _answer(data: Json) -> Answer:
    return Answer(stage=_int(data, "stage"), text=_str(data, "question"),
                  answer=_str(data, "answer"), favourable=_opt_bool(data, "favourable"),
                  result=_result(data))


def _tally(data: Json) -> StageTally:
    return StageTally(
        stage=_int(data, "stage"), name=_str(data, "name"), favourable=_int(data, "favourable"),
        unfavourable=_int(data, "unfavourable"), unknown=_int(data, "unknown"),
        threshold=_int(data, "threshold"), counts=_str(data, "counts"),
        reached_floor=_bool(data, "reached_floor"), reached_ceiling=_bool(data, "reached_ceiling"))


def _placement(data: Json) -> StagePlacement:
    return StagePlacement(
        floor=_int(data, "stage"), ceiling=_int(data, "stage_ceiling"), name=_str(data, "name"),
        tallies=_each(data, "tallies", _tally), answers=_each(data, "answers", _answer),
        next_steps=_strs(data, "next_steps"))


def repo_assessment(data: Json) -> RepoAssessment:
    """One entry of a report's ``repositories``, as the assessment it was written from."""
    code, code_ceiling, domains = _nested(data, "model_d", lambda d: (
        _str(d, "code"), _str(d, "code_ceiling"), _each(d, "domains", _domain)))
    return RepoAssessment(
        repo=_str(data, "repo"), path=_str(data, "path"), origin=_opt_str(data, "origin"),
        head=_opt_str(data, "head"), branch=_opt_str(data, "branch"),
        ai_in_use=_opt_bool(data, "ai_in_use"), ai_in_use_basis=_str(data, "ai_in_use_basis"),
        code=code, code_ceiling=code_ceiling, domains=domains,
        stage=_nested(data, "model_s", _placement), next_steps=_strs(data, "next_steps"),
        problems=_strs(data, "problems"), notes=_strs(data, "notes"))


def repo_failure(data: Json) -> RepoFailure:
    """One entry of a report's ``failures``."""
    return RepoFailure(repo=_str(data, "repo"), reason=_enum(data, "reason", UnknownReason),
                       detail=_str(data, "detail"))


def visibility(data: Json) -> Visibility:
    """One row of a report's permission ``preflight``."""
    return Visibility(evidence=_str(data, "evidence"), needs=_str(data, "needs"),
                      visible=_int(data, "visible"), total=_int(data, "total"),
                      scope=_str(data, "scope"))


# Evidence


def _provenance(data: Json) -> Provenance:
    return Provenance(repo=_str(data, "repo"), commit=_opt_str(data, "commit"),
                      locator=_str(data, "locator"), digest=_opt_str(data, "digest"),
                      collector=_str(data, "collector"),
                      collected_at=_moment(data, "collected_at"))


def item(data: Json) -> Item:
    """One entry of a report's ``evidence``: a gap, or evidence with its payload as JSON."""
    ident, kind = _str(data, "id"), _str(data, "kind")
    provenance = _nested(data, "provenance", _provenance)
    if "gap" in data:
        reason, detail = _nested(data, "gap", lambda d: (_enum(d, "reason", UnknownReason),
                                                         _str(d, "detail")))
        return Gap(id=ident, kind=kind, reason=reason, detail=detail, provenance=provenance)
    return Evidence(id=ident, kind=kind, payload=_field(data, "payload"), provenance=provenance)


# Organisation


def _org_answer(data: Json) -> OrgAnswer:
    return OrgAnswer(
        id=_str(data, "id"), stage=_int(data, "stage"), text=_str(data, "text"),
        cutoff=_str(data, "cutoff"), threshold=_float(data, "threshold"),
        strict=_bool(data, "strict"), among=_str(data, "among"), counted=_int(data, "counted"),
        met=_int(data, "met"), unmet=_int(data, "unmet"), unknown=_int(data, "unknown"),
        share_floor=_float(data, "share_floor"), share_ceiling=_float(data, "share_ceiling"),
        status=_enum(data, "status", Status), summary=_str(data, "summary"),
        lacking=_strs(data, "lacking"), unknown_repos=_strs(data, "unknown_repos"))


def _org_stage(data: Json) -> OrgStage:
    return OrgStage(floor=_int(data, "floor"), ceiling=_int(data, "ceiling"),
                    name=_str(data, "name"), tallies=_each(data, "tallies", _tally),
                    next_steps=_strs(data, "next_steps"))


def _level_row(data: Json) -> LevelRow:
    return LevelRow(repo=_str(data, "repo"), code=_str(data, "code"),
                    code_ceiling=_str(data, "code_ceiling"),
                    stage_floor=_int(data, "stage_floor"),
                    stage_ceiling=_int(data, "stage_ceiling"),
                    ai_in_use=_opt_bool(data, "ai_in_use"))


def _spread(data: Json) -> DomainSpread:
    counts = _ints(data, "repos_at_level")
    if len(counts) != 5:
        raise LoadError("repos_at_level", f"expected 5 counts (levels 1-5), found {len(counts)}")
    return DomainSpread(id=_str(data, "id"), name=_str(data, "name"),
                        repos_at_level=(counts[0], counts[1], counts[2], counts[3], counts[4]))


def organisation(data: Json) -> OrgAssessment:
    """A report's ``organisation`` view."""
    return OrgAssessment(
        target=_str(data, "target"), scanned=_int(data, "scanned"), failed=_int(data, "failed"),
        answers=_each(data, "answers", _org_answer), stage=_nested(data, "stage", _org_stage),
        levels=_each(data, "levels", _level_row), spread=_each(data, "spread", _spread),
        ai_in_use=_int(data, "ai_in_use"))


# The whole report


def _shard(data: Json) -> ShardPart:
    return ShardPart(index=_int(data, "index"), count=_int(data, "count"))


def report(document: Any) -> Report:
    """The report a JSON document describes; LoadError unless it is one this aims writes
    exactly so (same fields, same shapes), so nothing in it is dropped unnoticed."""
    data = _object(document, "the document")
    name, version = _nested(data, "tool", lambda d: (_str(d, "name"), _str(d, "version")))
    if name != json_report.TOOL_NAME:
        raise LoadError("tool.name", f"{name!r}: not an {json_report.TOOL_NAME} report")
    loaded = Report(
        schema_version=_str(data, "schema_version"), tool_version=version,
        catalog_version=_str(data, "catalog_version"), as_of=_moment(data, "as_of"),
        since=_nested(data, "window", lambda d: _moment(d, "since")),
        collectors=_strs(data, "collectors"), partial=_bool(data, "partial"),
        repositories=_each(data, "repositories", repo_assessment),
        evidence=_each(data, "evidence", item), target=_opt_str(data, "target"),
        organisation=_optional(data, "organisation", organisation),
        failures=_each(data, "failures", repo_failure),
        preflight=_each(data, "preflight", visibility),
        shard=_optional(data, "shard", _shard))
    _check_faithful(data, json_report.as_dict(loaded))
    return loaded


def _check_faithful(document: Json, rewritten: Json) -> None:
    """Refuse a document whose fields this aims would not write back identically."""
    schema = document.get("schema_version")
    for key in sorted(set(document) | set(rewritten)):
        if key not in rewritten:
            raise LoadError(key, f"a field this aims does not know (schema {schema!r})")
        if document.get(key) == rewritten[key]:
            continue
        found, wrote = document.get(key), rewritten[key]
        where = key
        if isinstance(found, list) and isinstance(wrote, list) and len(found) == len(wrote):
            index = next(i for i, (a, b) in enumerate(zip(found, wrote, strict=True)) if a != b)
            where = f"{key}[{index}]"
        raise LoadError(where, f"not in the form this aims writes (schema {schema!r}): a field "
                             "is unknown, missing or changed")

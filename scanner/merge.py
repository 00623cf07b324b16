"""Merging the reports of a sharded organisation scan into the one report of the whole.

``aims scan github:acme --shard K/N`` reads one of N disjoint parts of an organisation.
The N reports (or evidence bundles) are merged here into the report an unsharded run on
the same data would have written, byte for byte: repositories, evidence and failures are
joined and sorted as the engine sorts them, the permission preflight is summed over the
shards, and the organisation view is computed again from all repositories. Only reports of
the same run can be merged (same target, clock, window, collectors, catalog, schema and
tool), and only all of its shards (each report records which shard it is); a missing
shard, or a repository in two shards, is an error, never a silent choice.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from scanner.bundle import BundleError
from scanner.bundle_check import FAILED, check_files, read_bundle
from scanner.catalog import Catalog, load_catalog
from scanner.model import RepoBrief, Report, Visibility
from scanner.org import assess_org
from scanner.report import json_report, loader

#: The fields every shard of one run shares (anything else is per shard or recomputed).
SAME_RUN = ("target", "as_of", "window", "collectors", "catalog_version", "schema_version",
            "tool")
#: Preflight scopes that count repositories (summed over shards); the others count one
#: organisation-wide fact, which every shard reads the same.
PER_REPOSITORY = frozenset({"repositories", "projects"})
ATTESTATIONS = "attestations/"


class MergeError(ValueError):
    """Shard reports that cannot be merged: which one, and what is wrong."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MergedBundle:
    """What a merged evidence bundle is written from (see :func:`scanner.bundle.write_bundle`)."""

    document: dict[str, Any]
    catalog: Mapping[str, Any]
    """The ``catalog.json`` the shards decided with (identical in every shard)."""
    attestation: tuple[str, bytes] | None
    """The attestation file's name and bytes (identical in every shard), if there was one."""


def merge_documents(documents: Sequence[Mapping[str, Any]], *,
                    names: Sequence[str] | None = None,
                    catalog: Catalog | None = None) -> dict[str, Any]:
    """The organisation report of all shards; ``names`` label the shards in errors."""
    labels = list(names) if names is not None else [f"shard {i + 1}"
                                                    for i in range(len(documents))]
    if not documents:
        raise MergeError("no report to merge")
    if len(labels) != len(documents):
        raise ValueError("one name per document")
    reports = [_load(label, document) for label, document in zip(labels, documents, strict=True)]
    for label, document in zip(labels[1:], documents[1:], strict=True):
        _check_same_run(labels[0], documents[0], label, document)
    catalog = catalog or load_catalog()
    first = reports[0]
    if first.catalog_version != catalog.version:
        raise MergeError(f"the shards were decided with catalog {first.catalog_version}, but "
                         f"this aims has catalog {catalog.version}: merge with the aims "
                         "version that scanned them")
    _check_shards(labels, reports)
    _check_disjoint(labels, reports)
    assert first.target is not None  # _load refuses reports without one
    assessments = sorted((r for report in reports for r in report.repositories),
                         key=lambda r: r.repo)
    failures = sorted((f for report in reports for f in report.failures), key=lambda f: f.repo)
    merged = dataclasses.replace(
        first, repositories=tuple(assessments), failures=tuple(failures),
        evidence=tuple(sorted((i for report in reports for i in report.evidence),
                              key=lambda i: i.id)),
        partial=any(report.partial for report in reports), shard=None,
        preflight=_preflight(labels, reports),
        organisation=assess_org(catalog, first.target,
                                [RepoBrief.of(a) for a in assessments], failures))
    return json_report.as_dict(merged)


def merge_bundles(paths: Sequence[Path], key: Ed25519PublicKey | None, *,
                  catalog: Catalog | None = None) -> MergedBundle:
    """Verify every shard bundle (the signature too when ``key`` is given), then merge their
    reports; their catalog and attestation file must be identical."""
    documents, catalogs, attestations = [], [], []
    for path in paths:
        files = _verified_files(path, key)
        documents.append(_json(path, files, "report.json"))
        catalogs.append(_json(path, files, "catalog.json"))
        attestations.append(_attestation(path, files))
    names = [str(path) for path in paths]
    for name, found, attestation in zip(names[1:], catalogs[1:], attestations[1:], strict=True):
        if found != catalogs[0]:
            raise MergeError(f"{name}: its catalog.json differs from that of {names[0]}: the "
                             "shards were not decided with the same catalog")
        if attestation != attestations[0]:
            raise MergeError(f"{name}: its attestation file differs from that of {names[0]} "
                             f"({_file_name(attestation)} vs {_file_name(attestations[0])}): "
                             "the shards were not given the same attestations")
    return MergedBundle(document=merge_documents(documents, names=names, catalog=catalog),
                        catalog=catalogs[0], attestation=attestations[0])


def _load(label: str, document: Mapping[str, Any]) -> Report:
    try:
        report = loader.report(document)
    except loader.LoadError as exc:
        raise MergeError(f"{label}: not an aims report this version can read: {exc}") from None
    if report.target is None or report.organisation is None:
        repos = ", ".join(r.repo for r in report.repositories) or "no repository"
        raise MergeError(f"{label}: the report of a single repository ({repos}), not of an "
                         "organisation or group: there is nothing to merge it with")
    return report


def _check_same_run(first_label: str, first: Mapping[str, Any], label: str,
                    document: Mapping[str, Any]) -> None:
    for field in SAME_RUN:
        if document[field] != first[field]:
            raise MergeError(f"{label} is not a shard of the same run as {first_label}: "
                             f"{field} is {_show(document[field])}, not {_show(first[field])}")


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _check_shards(labels: Sequence[str], reports: Sequence[Report]) -> None:
    """One report of every shard of one split: none missing, none twice, none unsharded."""
    found: dict[int, str] = {}
    count = 0
    for label, report in zip(labels, reports, strict=True):
        if report.shard is None:
            raise MergeError(f"{label}: not the report of a shard (scanned without --shard): "
                             "merge combines the reports of aims scan --shard K/N")
        part = f"shard {report.shard.index}/{report.shard.count}"
        if count and report.shard.count != count:
            raise MergeError(f"{label} is {part}, but {labels[0]} is one of {count} shards: "
                             "the shards must come from one split")
        count = report.shard.count
        if report.shard.index in found:
            raise MergeError(f"{label} and {found[report.shard.index]} are both {part}")
        found[report.shard.index] = label
    missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in found]
    if missing:
        raise MergeError(f"shard {', '.join(missing)} missing: {len(found)} of {count} shards "
                         "would not be the whole organisation")


def _check_disjoint(labels: Sequence[str], reports: Sequence[Report]) -> None:
    """Every repository (scanned or failed) in exactly one shard."""
    owner: dict[str, str] = {}
    for label, report in zip(labels, reports, strict=True):
        for repo in [*(r.repo for r in report.repositories), *(f.repo for f in report.failures)]:
            if repo in owner:
                where = "twice in" if owner[repo] == label else f"in both {owner[repo]} and"
                raise MergeError(f"{repo} is {where} {label}: shards must not overlap (scan "
                                 "them with --shard 1/N ... N/N of one N)")
            owner[repo] = label


def _preflight(labels: Sequence[str], reports: Sequence[Report]) -> tuple[Visibility, ...]:
    """Repository counts summed over the shards; organisation-wide rows taken once."""
    def rows(report: Report) -> dict[tuple[str, str, str], Visibility]:
        return {(v.evidence, v.needs, v.scope): v for v in report.preflight}

    merged = rows(reports[0])
    for label, report in zip(labels[1:], reports[1:], strict=True):
        found = rows(report)
        if set(found) != set(merged):
            raise MergeError(f"{label}: its permission preflight lists other rows than "
                             f"{labels[0]}'s: the shards are not the same kind of scan")
        for key, row in found.items():
            seen = merged[key]
            if row.scope in PER_REPOSITORY:
                merged[key] = dataclasses.replace(seen, visible=seen.visible + row.visible,
                                                  total=seen.total + row.total)
            elif row != seen:
                raise MergeError(
                    f"{label}: {row.evidence!r} was visible {row.visible} of {row.total} "
                    f"{row.scope}, in {labels[0]} {seen.visible} of {seen.total}: the shards "
                    "were not scanned with the same token")
    return tuple(sorted(merged.values(), key=lambda v: (v.evidence, v.needs, v.scope)))


# Bundles


def _verified_files(path: Path, key: Ed25519PublicKey | None) -> Mapping[str, bytes]:
    """The bundle's files, only when every check passes on exactly these bytes."""
    try:
        contents = read_bundle(path)
    except BundleError as exc:
        raise MergeError(str(exc)) from None
    failed = [f"the {contents.kind}: {'; '.join(contents.problems)}"] if contents.problems else []
    failed += [f"{check.name}: {check.summary}" for check in check_files(contents.files, key)
               if check.status == FAILED]
    if failed:
        raise MergeError(f"{path}: the bundle fails verification ({'; '.join(failed)}); "
                         f"'aims verify {path}' says more")
    return contents.files


def _json(path: Path, files: Mapping[str, bytes], name: str) -> Any:
    try:
        return json.loads(files[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MergeError(f"{path}: {name} is not valid JSON ({exc})") from None


def _attestation(path: Path, files: Mapping[str, bytes]) -> tuple[str, bytes] | None:
    found = sorted(name for name in files if name.startswith(ATTESTATIONS))
    if len(found) > 1:
        raise MergeError(f"{path}: {len(found)} attestation files, but a scan has at most one")
    return (found[0].removeprefix(ATTESTATIONS), files[found[0]]) if found else None


def _file_name(attestation: tuple[str, bytes] | None) -> str:
    return "none" if attestation is None else repr(attestation[0])

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
import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from scanner.bundle import BundleError
from scanner.bundle_check import FAILED, check_files, read_bundle
from scanner.catalog import Catalog, load_catalog
from scanner.evidence import Item
from scanner.journal import Journal
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


#: A shard's label (its file name, for errors) and how to read its report document.
ShardInput = tuple[str, Callable[[], Mapping[str, Any]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class MergedBundle:
    """What a merged evidence bundle is written from (see :func:`scanner.bundle.write_bundle`)."""

    report: Report
    catalog: Mapping[str, Any]
    """The ``catalog.json`` the shards decided with (identical in every shard)."""
    attestation: tuple[str, bytes] | None
    """The attestation file's name and bytes (identical in every shard), if there was one."""


def merge_shards(shards: Sequence[ShardInput], *, catalog: Catalog | None = None) -> Report:
    """The organisation report of all shards, read one shard at a time.

    Each shard's repositories and evidence go to a temporary journal as soon as its report
    is read, so only one shard is ever in memory; the merged report reads them back from
    the journal in the engine's order, as a scan's report does.
    """
    if not shards:
        raise MergeError("no report to merge")
    catalog = catalog or load_catalog()
    parts = _Parts()
    owner: dict[str, str] = {}
    briefs: list[RepoBrief] = []
    heads: list[Report] = []
    first: tuple[str, Mapping[str, Any]] | None = None
    journal: Journal | None = None
    for label, read in shards:
        document = read()
        report = _load(label, document)
        if first is None:
            first = (label, {field: document[field] for field in SAME_RUN})
            if report.catalog_version != catalog.version:
                raise MergeError(f"the shards were decided with catalog {report.catalog_version}"
                                 f", but this aims has catalog {catalog.version}: merge with the "
                                 "aims version that scanned them")
            journal = Journal.temporary(report.as_of)
        else:
            _check_same_run(first[0], first[1], label, document)
        parts.add(label, report)
        _claim(owner, label, report)
        assert journal is not None
        _record(journal, label, report)
        briefs.extend(RepoBrief.of(r) for r in report.repositories)
        heads.append(dataclasses.replace(report, repositories=(), evidence=()))
    parts.complete()
    assert journal is not None and heads[0].target is not None  # _load refuses others
    labels = [label for label, _ in shards]
    failures = tuple(sorted((f for head in heads for f in head.failures), key=lambda f: f.repo))
    return dataclasses.replace(
        heads[0], repositories=journal.repositories(), evidence=journal.evidence(),
        failures=failures, partial=any(head.partial for head in heads), shard=None,
        preflight=_preflight(labels, heads),
        organisation=assess_org(catalog, heads[0].target,
                                sorted(briefs, key=lambda b: b.repo), failures))


def merge_documents(documents: Sequence[Mapping[str, Any]], *,
                    names: Sequence[str] | None = None,
                    catalog: Catalog | None = None) -> dict[str, Any]:
    """The merged report document of shard documents already in memory; ``names`` label
    the shards in errors."""
    labels = list(names) if names is not None else [f"shard {i + 1}"
                                                    for i in range(len(documents))]
    if len(labels) != len(documents):
        raise ValueError("one name per document")
    shards = [(label, (lambda d=document: d)) for label, document in zip(labels, documents,
                                                                          strict=True)]
    return json_report.as_dict(merge_shards(shards, catalog=catalog))


def merge_bundles(paths: Sequence[Path], key: Ed25519PublicKey | None, *,
                  catalog: Catalog | None = None) -> MergedBundle:
    """Verify every shard bundle (the signature too when ``key`` is given), then merge their
    reports; their catalog and attestation file must be identical. One bundle is read at
    a time."""
    # The first bundle's path, catalog.json and attestation file, which the others must share.
    first: list[tuple[Path, Any, tuple[str, bytes] | None]] = []

    def read(path: Path) -> Mapping[str, Any]:
        files = _verified_files(path, key)
        catalog_doc, attestation = _json(path, files, "catalog.json"), _attestation(path, files)
        if not first:
            first.append((path, catalog_doc, attestation))
        origin, expected_catalog, expected_attestation = first[0]
        if catalog_doc != expected_catalog:
            raise MergeError(f"{path}: its catalog.json differs from that of {origin}: "
                             "the shards were not decided with the same catalog")
        if attestation != expected_attestation:
            raise MergeError(f"{path}: its attestation file differs from that of {origin} "
                             f"({_file_name(attestation)} vs {_file_name(expected_attestation)})"
                             ": the shards were not given the same attestations")
        document: Mapping[str, Any] = _json(path, files, "report.json")
        return document

    report = merge_shards([(str(path), functools.partial(read, path)) for path in paths],
                          catalog=catalog)
    return MergedBundle(report=report, catalog=first[0][1], attestation=first[0][2])


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


class _Parts:
    """One report of every shard of one split: none missing, none twice, none unsharded."""

    def __init__(self) -> None:
        self.found: dict[int, str] = {}
        self.count = 0
        self.first = ""

    def add(self, label: str, report: Report) -> None:
        if report.shard is None:
            raise MergeError(f"{label}: not the report of a shard (scanned without --shard): "
                             "merge combines the reports of aims scan --shard K/N")
        part = f"shard {report.shard.index}/{report.shard.count}"
        if self.count and report.shard.count != self.count:
            raise MergeError(f"{label} is {part}, but {self.first} is one of {self.count} "
                             "shards: the shards must come from one split")
        if not self.count:
            self.count, self.first = report.shard.count, label
        if report.shard.index in self.found:
            raise MergeError(f"{label} and {self.found[report.shard.index]} are both {part}")
        self.found[report.shard.index] = label

    def complete(self) -> None:
        missing = [f"{index}/{self.count}" for index in range(1, self.count + 1)
                   if index not in self.found]
        if missing:
            raise MergeError(f"shard {', '.join(missing)} missing: {len(self.found)} of "
                             f"{self.count} shards would not be the whole organisation")


def _claim(owner: dict[str, str], label: str, report: Report) -> None:
    """Every repository (scanned or failed) in exactly one shard."""
    for repo in [*(r.repo for r in report.repositories), *(f.repo for f in report.failures)]:
        if repo in owner:
            where = "twice in" if owner[repo] == label else f"in both {owner[repo]} and"
            raise MergeError(f"{repo} is {where} {label}: shards must not overlap (scan "
                             "them with --shard 1/N ... N/N of one N)")
        owner[repo] = label


def _record(journal: Journal, label: str, report: Report) -> None:
    """A shard's repositories with their evidence into the merged run's journal."""
    evidence: dict[str, list[Item]] = {}
    for entry in report.evidence:
        evidence.setdefault(entry.provenance.repo, []).append(entry)
    for repo in report.repositories:
        journal.save(repo.repo, repo, evidence.pop(repo.repo, []), partial=False,
                     resumable=False)
    if evidence:
        raise MergeError(f"{label}: evidence about {', '.join(sorted(evidence)[:3])}, which "
                         "the report does not assess: not a report as aims writes it")


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

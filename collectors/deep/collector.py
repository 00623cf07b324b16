"""The deep code scan as a collector: secrets and bundled semgrep rules over the HEAD tree.

For each HEAD file worth scanning (:mod:`collectors.deep.files`) the blob cache is asked
first; only files it has no answer for are written to a private temporary directory and
scanned, by detect-secrets in worker processes (per-file timeout) and by one semgrep
process. Every finding, fresh or cached, is then tied to the commit that last wrote its
line (git blame at HEAD) and to whether that commit is AI-attributed, by the same catalog
signals as the history collector. The results are two evidence kinds, ``code.secrets``
and ``code.flows``; a file that could not be scanned is a gap for that file only, and
semgrep missing or failing is a gap for ``code.flows`` only.

Secret values never leave the worker processes: what comes back is the type, the line and
two hashes, and only the slow ``scrypt`` fingerprint is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from collectors.attribution import Matcher, match_commit
from collectors.base import Collector, Context
from collectors.deep import secrets as secret_scan
from collectors.deep.cache import BlobCache
from collectors.deep.files import BINARY, MAX_BYTES, Chosen, choose, is_binary, skip_counts
from collectors.deep.semgrep import (
    Semgrep,
    SemgrepError,
    in_scope,
    rules_digest,
    run_semgrep,
)
from collectors.sources.base import TreeEntry, Unreadable
from scanner.evidence import Item, UnknownReason, make_gap
from scanner.payloads import CodeFinding, FlowScan, SecretFinding, SecretScan
from scanner.yamlsafe import runaway

NAME = "deep"
VERSION = 1
LABEL = f"{NAME}@{VERSION}"
#: Bumped when what is cached per blob changes shape or meaning.
CACHE_FORMAT = 1
SEMGREP_IGNORE = ".semgrepignore"
BASELINE_FILE = ".secrets.baseline"
BASELINE_SKIP = "secrets baseline"
EXCLUDED_BY_BASELINE = "excluded by .secrets.baseline"
#: Progress is reported every this many files.
PROGRESS_EVERY = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class DeepSettings:
    """How the deep scan runs: cache, limits, and the semgrep found (or why not)."""

    cache: BlobCache
    timeout: float = 30.0
    """Seconds per file (detect-secrets) and per rule and file (semgrep)."""
    workers: int = 2
    semgrep: Semgrep | None
    semgrep_missing: str = ""
    """Why semgrep cannot run, when ``semgrep`` is None."""
    rules: str = field(default_factory=rules_digest)
    """Digest of the bundled rule files, read once: results are cached under it."""


def deep_collector(settings: DeepSettings) -> Collector:
    """The collector for one run's settings."""
    def run(ctx: Context) -> Iterator[Item]:
        return _scan(ctx, settings)
    return Collector(name=NAME, version=VERSION, kinds=(SecretScan, FlowScan), run=run)


@dataclass(frozen=True, slots=True)
class _Origin:
    commit: str | None
    ai: bool | None
    signals: tuple[str, ...]


_UNTRACED = _Origin(None, None, ())


class _Files:
    """The files still to scan, written under a private directory as they are needed."""

    def __init__(self, ctx: Context, root: Path) -> None:
        self.ctx = ctx
        self.root = root
        root.mkdir()
        self.written: set[str] = set()
        self.binary: set[str] = set()
        self.failed: dict[str, str] = {}

    def write(self, entries: Iterable[TreeEntry]) -> None:
        """Write each file (once); binary and unreadable files are noted, not written."""
        for entry in entries:
            path = entry.path
            if path in self.written or path in self.binary or path in self.failed:
                continue
            try:
                data, _blob = self.ctx.source.read(path, MAX_BYTES)
            except Unreadable as exc:
                self.failed[path] = str(exc).removeprefix(f"{path}: ")
                continue
            if is_binary(data):
                self.binary.add(path)
                continue
            target = self.root / _safe(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            self.written.add(path)

    def content(self, path: str) -> bytes:
        """The bytes written for ``path``."""
        return (self.root / _safe(path)).read_bytes()

    def link_into(self, other: Path, paths: Iterable[str]) -> None:
        """Make the written files among ``paths`` appear under ``other`` too (hard links;
        a copy where the file system has none)."""
        for path in paths:
            if path not in self.written:
                continue
            source, target = self.root / _safe(path), other / _safe(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)


def _safe(path: str) -> str:
    """A tree path as a relative path that cannot leave the scan directory."""
    parts = [p for p in PurePosixPath(path).parts if p not in ("", ".", "..", "/")]
    return str(PurePosixPath(*parts)) if parts else "_"


def _scan(ctx: Context, settings: DeepSettings) -> Iterator[Item]:
    chosen = choose(ctx.files())
    baseline, baseline_items = _baseline(ctx)
    yield from baseline_items
    secret_files, secret_skips = _secret_files(chosen, baseline)
    secrets_ns = _namespace("secrets", secret_scan.ENGINE)
    secret_keys = {e.path: (e.path, _secret_key(e, baseline)) for e in secret_files}
    known_secrets = settings.cache.get_many(secrets_ns, secret_keys.values())
    flow_files = [e for e in chosen.files if in_scope(e.path)]
    flow_keys = {e.path: (e.path, e.blob) for e in flow_files}
    flows_ns = ""
    known_flows: dict[tuple[str, str], str] = {}
    if settings.semgrep is not None:
        flows_ns = _namespace("flows", f"semgrep {settings.semgrep.version}", settings.rules,
                              _ignore_blob(ctx))
        known_flows = settings.cache.get_many(flows_ns, flow_keys.values())
    secret_todo = [e for e in secret_files if secret_keys[e.path] not in known_secrets]
    flow_todo = ([e for e in flow_files if flow_keys[e.path] not in known_flows]
                 if settings.semgrep is not None else [])
    ctx.note(f"{ctx.info.repo_id}: deep scan of {len(chosen.files):,} files "
             f"({len(secret_todo):,} not in the cache for secrets, {len(flow_todo):,} for "
             "data flows)")
    with tempfile.TemporaryDirectory(prefix="aims-deep-") as tmp:
        files = _Files(ctx, Path(tmp) / "files")
        files.write(secret_todo)
        files.write(flow_todo)
        for kind, todo in ((SecretScan.KIND, secret_todo), (FlowScan.KIND, flow_todo)):
            yield from (ctx.file_gap(LABEL, kind, e.path, files.failed[e.path])
                        for e in todo if e.path in files.failed)
        fresh_secrets, secret_gaps = _scan_secrets(ctx, settings, files, secret_todo, baseline)
        yield from secret_gaps
        fresh_flows: dict[str, str] = {}
        if settings.semgrep is None:
            yield _kind_gap(ctx, UnknownReason.NOT_COLLECTED, settings.semgrep_missing)
        else:
            try:
                fresh_flows, flow_gaps = _scan_flows(ctx, settings, settings.semgrep, files,
                                                     flow_todo)
                yield from flow_gaps
            except SemgrepError as exc:
                yield _kind_gap(ctx, UnknownReason.COLLECTOR_ERROR, str(exc))
                settings = _without_flows(settings)
    settings.cache.put_many(secrets_ns, [(path, secret_keys[path][1], value)
                                         for path, value in fresh_secrets.items()])
    if settings.semgrep is not None:
        settings.cache.put_many(flows_ns, [(path, flow_keys[path][1], value)
                                           for path, value in fresh_flows.items()])
    secret_values = _values(secret_files, secret_keys, known_secrets, fresh_secrets)
    flow_values = ({} if settings.semgrep is None else
                   _values(flow_files, flow_keys, known_flows, fresh_flows))
    origins = _Origins(ctx)
    yield _secret_evidence(ctx, secret_skips, baseline, secret_values, origins)
    if settings.semgrep is not None:
        yield _flow_evidence(ctx, settings.semgrep, rules=settings.rules,
                             skipped=chosen.skipped, values=flow_values, origins=origins)


def _secret_files(chosen: Chosen, baseline: secret_scan.Baseline | None
                  ) -> tuple[list[TreeEntry], Counter[str]]:
    """The files to scan for secrets, and why the others are not scanned."""
    files: list[TreeEntry] = []
    skipped = Counter(chosen.skipped)
    for entry in chosen.files:
        if entry.path == BASELINE_FILE:  # hashes of audited secrets, not secrets
            skipped[BASELINE_SKIP] += 1
        elif baseline is not None and baseline.excludes(entry.path):
            skipped[EXCLUDED_BY_BASELINE] += 1
        else:
            files.append(entry)
    return files, skipped


def _without_flows(settings: DeepSettings) -> DeepSettings:
    return replace(settings, semgrep=None, semgrep_missing="")


def _namespace(*parts: str) -> str:
    """The cache namespace of one engine with its settings."""
    text = "\0".join((f"deep-cache-{CACHE_FORMAT}", *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _secret_key(entry: TreeEntry, baseline: secret_scan.Baseline | None) -> str:
    """The blob, plus the baseline's entries for the file when it has any."""
    if baseline is None or entry.path not in baseline.entries:
        return entry.blob
    return f"{entry.blob}:{secret_scan.entries_digest(baseline, entry.path)}"


def _ignore_blob(ctx: Context) -> str:
    """The blob of the repository's ``.semgrepignore`` (it decides what semgrep scans)."""
    for entry in ctx.files():
        if entry.path == SEMGREP_IGNORE:
            return entry.blob
    return ""


def _baseline(ctx: Context) -> tuple[secret_scan.Baseline | None, list[Item]]:
    """The repository's ``.secrets.baseline``; a gap when it exists but cannot be used."""
    path = BASELINE_FILE
    if not any(e.path == path for e in ctx.files()):
        return None, []
    try:
        text, _blob = ctx.read_text(path, MAX_BYTES)
        return secret_scan.parse_baseline(text), []
    except (Unreadable, secret_scan.BaselineError) as exc:
        detail = f"{exc}; its audited entries were not applied"
        return None, [ctx.file_gap(LABEL, SecretScan.KIND, path, detail)]


def _kind_gap(ctx: Context, reason: UnknownReason, detail: str) -> Item:
    return make_gap(FlowScan.KIND, reason, detail,
                    ctx.provenance(LABEL, f"collector:{NAME}", None))


def _values(entries: Sequence[TreeEntry], keys: Mapping[str, tuple[str, str]],
            known: Mapping[tuple[str, str], str], fresh: Mapping[str, str]
            ) -> dict[str, tuple[dict[str, Any], bool]]:
    """Every file's stored result, and whether it came from the cache, by path."""
    values: dict[str, tuple[dict[str, Any], bool]] = {}
    for entry in entries:
        cached = known.get(keys[entry.path])
        if cached is not None:
            values[entry.path] = (json.loads(cached), True)
        elif entry.path in fresh:
            values[entry.path] = (json.loads(fresh[entry.path]), False)
    return values


# ------------------------------------------------------------------ secrets


def _scan_secrets(ctx: Context, settings: DeepSettings, files: _Files,
                  todo: Sequence[TreeEntry], baseline: secret_scan.Baseline | None
                  ) -> tuple[dict[str, str], list[Item]]:
    """Scan the files not in the cache: ``path -> cache value`` and per-file gaps."""
    values = {e.path: _dump({"skip": BINARY}) for e in todo if e.path in files.binary}
    gaps: list[Item] = []
    wanted = [e.path for e in todo if e.path in files.written]
    if not wanted:
        return values, gaps
    feed = ((path, files.content(path)) for path in wanted)
    with secret_scan.SecretsPool(workers=settings.workers, timeout=settings.timeout) as pool:
        for done, (path, result) in enumerate(pool.scan(feed), start=1):
            if done % PROGRESS_EVERY == 0:
                ctx.note(f"{ctx.info.repo_id}: secrets: {done:,} of {len(wanted):,} files")
            if isinstance(result, secret_scan.FileFailure):
                gaps.append(ctx.file_gap(LABEL, SecretScan.KIND, path, result.detail))
                continue
            kept = [h for h in result
                    if baseline is None or not secret_scan.audited_out(baseline, path, h)]
            values[path] = _dump({"hits": [[h.type, h.line, h.fingerprint] for h in kept],
                                  "audited": len(result) - len(kept)})
    return values, gaps


def _secret_evidence(ctx: Context, skipped: Counter[str],
                     baseline: secret_scan.Baseline | None,
                     values: Mapping[str, tuple[dict[str, Any], bool]],
                     origins: _Origins) -> Item:
    skips = Counter(skipped)
    located: list[tuple[str, int, str, str]] = []
    audited = scanned = cached = 0
    for path, (value, from_cache) in sorted(values.items()):
        if value.get("skip"):
            skips[str(value["skip"])] += 1
            continue
        cached += from_cache
        scanned += not from_cache
        audited += int(value.get("audited", 0))
        located.extend((path, int(line), str(kind), str(fp))
                       for kind, line, fp in value.get("hits", ()))
    traced = origins.of({(path, line) for path, line, _k, _f in located})
    findings = tuple(SecretFinding(type=kind, path=path, line=line, fingerprint=fp,
                                   commit=traced[(path, line)].commit,
                                   ai_attributed=traced[(path, line)].ai,
                                   ai_signals=traced[(path, line)].signals)
                     for path, line, kind, fp in sorted(located))
    ctx.note(f"{ctx.info.repo_id}: secrets: {scanned:,} file(s) scanned, {cached:,} answered "
             "from the cache")
    payload = SecretScan(engine=secret_scan.ENGINE, files=scanned + cached,
                         skipped=skip_counts(skips),
                         baseline=BASELINE_FILE if baseline is not None else None,
                         audited_out=audited, findings=findings)
    return ctx.tree_evidence(LABEL, payload, "deep:secrets")


# ------------------------------------------------------------------ data flows


def _scan_flows(ctx: Context, settings: DeepSettings, semgrep: Semgrep, files: _Files,
                todo: Sequence[TreeEntry]) -> tuple[dict[str, str], list[Item]]:
    """Run semgrep once over the files not in the cache: cache values and per-file gaps."""
    values = {e.path: _dump({"skip": BINARY}) for e in todo if e.path in files.binary}
    gaps: list[Item] = []
    wanted = []
    for entry in todo:
        if entry.path not in files.written:
            continue
        hazard = _yaml_hazard(entry.path, files.content(entry.path))
        if hazard:  # semgrep would spend the whole timeout expanding it
            gaps.append(ctx.file_gap(LABEL, FlowScan.KIND, entry.path, f"not scanned: {hazard}"))
        else:
            wanted.append(entry.path)
    if not wanted:
        return values, gaps
    # semgrep scans a whole directory (it applies .semgrepignore only to what it finds
    # itself), so the files it should scan get a directory of their own.
    root = files.root.with_name(files.root.name + "-flows")
    root.mkdir()
    files.link_into(root, wanted)
    # The repository's own ignore file, or an empty one: without any, semgrep would apply
    # its built-in defaults (skipping tests/ and more) and the result would depend on them.
    try:
        text, _blob = ctx.read_text(SEMGREP_IGNORE)
    except Unreadable:
        text = ""
    (root / SEMGREP_IGNORE).write_text(text, encoding="utf-8")
    ctx.note(f"{ctx.info.repo_id}: data flows: semgrep over {len(wanted):,} files")
    run = run_semgrep(semgrep, root, [_safe(p) for p in wanted], timeout=settings.timeout,
                      jobs=settings.workers)
    by_safe = {_safe(p): p for p in wanted}
    gaps.extend(ctx.file_gap(LABEL, FlowScan.KIND, by_safe.get(p, p), why)
                for p, why in sorted(run.failures.items()))
    for safe in run.excluded:
        values[by_safe.get(safe, safe)] = _dump({"excluded": True})
    for safe, hits in run.hits.items():
        path = by_safe.get(safe, safe)
        lines = files.content(path).decode("utf-8", "replace").splitlines()
        values[path] = _dump({"hits": [
            [h.rule, h.category, h.severity, h.line, h.end_line, h.message,
             _flow_fingerprint(h.rule, path, lines[h.line - 1:h.end_line])]
            for h in hits]})
    return values, gaps


def _yaml_hazard(path: str, data: bytes) -> str | None:
    """Why a YAML file would make a parser run away (alias bomb, deep nesting), or None."""
    if PurePosixPath(path).suffix not in (".yml", ".yaml"):
        return None
    return runaway(data.decode("utf-8", "replace"))


def _flow_fingerprint(rule: str, path: str, lines: Sequence[str]) -> str:
    """Rule, path and the matched text: the same finding keeps it when lines move."""
    text = "\n".join(line.strip() for line in lines)
    return "sha256:" + hashlib.sha256(f"{rule}\0{path}\0{text}".encode()).hexdigest()


def _flow_evidence(ctx: Context, semgrep: Semgrep, *, rules: str, skipped: Counter[str],
                   values: Mapping[str, tuple[dict[str, Any], bool]],
                   origins: _Origins) -> Item:
    skips = Counter(skipped)
    rows: list[tuple[str, list[Any]]] = []
    scanned = cached = excluded = 0
    for path, (value, from_cache) in sorted(values.items()):
        if value.get("skip"):
            skips[str(value["skip"])] += 1
        elif value.get("excluded"):
            excluded += 1
        else:
            cached += from_cache
            scanned += not from_cache
            rows.extend((path, hit) for hit in value.get("hits", ()))
    traced = origins.of({(path, int(hit[3])) for path, hit in rows})
    findings = sorted(
        (CodeFinding(rule=str(rule), category=str(category), severity=str(severity),
                     path=path, line=int(line), end_line=int(end), message=str(message),
                     fingerprint=str(fp), commit=traced[(path, int(line))].commit,
                     ai_attributed=traced[(path, int(line))].ai,
                     ai_signals=traced[(path, int(line))].signals)
         for path, (rule, category, severity, line, end, message, fp) in rows),
        key=lambda f: (f.path, f.line, f.rule))
    ctx.note(f"{ctx.info.repo_id}: data flows: {scanned:,} file(s) scanned, {cached:,} "
             "answered from the cache")
    payload = FlowScan(engine=f"semgrep {semgrep.version}", rules=f"sha256:{rules}",
                       files=scanned + cached, excluded=excluded, skipped=skip_counts(skips),
                       findings=tuple(findings))
    return ctx.tree_evidence(LABEL, payload, "deep:flows")


# ------------------------------------------------------------------ attribution


class _Origins:
    """Who wrote a line: git blame at HEAD, then the catalog's AI signals on that commit."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @cached_property
    def matcher(self) -> Matcher:
        """The catalog's signals, compiled once for all findings of the repository."""
        return Matcher(self.ctx.catalog.signatures)

    def of(self, places: Iterable[tuple[str, int]]) -> dict[tuple[str, int], _Origin]:
        """The origin of every ``(path, line)``; untraced where blame has no answer."""
        by_path: dict[str, set[int]] = {}
        for path, line in places:
            by_path.setdefault(path, set()).add(line)
        blamed: dict[tuple[str, int], str | None] = {}
        for path, lines in sorted(by_path.items()):
            answers = self.ctx.source.blame(path, sorted(lines))
            blamed.update({(path, line): answers.get(line) for line in lines})
        shas = sorted({sha for sha in blamed.values() if sha})
        records = self.ctx.source.commits_by_sha(shas) if shas else {}
        decided: dict[str, _Origin] = {}
        for sha, record in records.items():
            match = match_commit(record, self.matcher)
            signals = tuple(sorted(hit.signal.id for hit in match.hits))
            decided[sha] = _Origin(sha, match.ai, signals)
        return {place: decided.get(sha, _UNTRACED) if sha else _UNTRACED
                for place, sha in blamed.items()}


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def default_workers() -> int:
    """Worker processes for detect-secrets: the machine's cores, at least one."""
    return max(1, os.cpu_count() or 1)


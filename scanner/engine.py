"""One scan, end to end: source → collectors → evidence → rules → aggregate → report.

The engine is the only place that knows the whole flow. It records what was scanned, runs
each collector behind a boundary that turns any failure into gaps (the scan goes on), asks
every rule for its outcome, applies attestations to what evidence could not answer, and
builds the immutable :class:`~scanner.model.Report`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from collectors.base import Collector, Context
from collectors.registry import LOCAL
from collectors.sources.base import Job, RepoUnavailable, Source, SourceError
from rules import RULES
from rules.registry import Rule
from scanner import __version__, aggregate
from scanner.catalog import Catalog
from scanner.evidence import (
    READ_FAILURES,
    Evidence,
    Facts,
    Gap,
    Item,
    Provenance,
    UnknownReason,
    kind_of,
    make_evidence,
    make_gap,
    redact,
)
from scanner.journal import Journal
from scanner.model import (
    Outcome,
    RepoAssessment,
    RepoBrief,
    RepoFailure,
    Report,
    Result,
    ShardPart,
    Status,
    Visibility,
)
from scanner.org import assess_org
from scanner.payloads import (
    CODE_KINDS,
    PLATFORM_KINDS,
    AiConfigFile,
    AttestationRecord,
    Attribution,
    History,
    RepoSnapshot,
)

#: Gap reasons that a later attempt may not meet: a repository with one is not journaled.
TRANSIENT = frozenset({UnknownReason.RATE_LIMITED, UnknownReason.API_ERROR,
                       UnknownReason.BUDGET_SPENT})

SCHEMA_VERSION = "1.4"
ENGINE = "engine@1"

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanOptions:
    """Everything a scan needs besides the repository itself."""

    catalog: Catalog
    as_of: datetime
    since: datetime
    attestations: tuple[AttestationRecord, ...] = ()
    attestation_file: str | None = None
    """Where the attestations came from (shown in provenance)."""
    attestation_digest: str | None = None
    """SHA-256 of the attestation file."""
    attestation_data: bytes | None = None
    """The attestation file's bytes, kept so the evidence bundle can include them."""


def scan(source: Source, options: ScanOptions, *, progress: Progress | None = None,
         collectors: Sequence[Collector] = LOCAL) -> Report:
    """Scan one repository and build the report."""
    note = progress or (lambda _msg: None)
    assessment, items = assess(source, options, collectors, note)
    return Report(
        schema_version=SCHEMA_VERSION, tool_version=__version__,
        catalog_version=options.catalog.version, as_of=options.as_of, since=options.since,
        collectors=_labels(collectors), repositories=(assessment,),
        evidence=tuple(sorted(items, key=lambda i: i.id)),
        partial=_partial(assessment, items))


def _labels(collectors: Sequence[Collector]) -> tuple[str, ...]:
    return tuple(sorted([ENGINE, *(c.label for c in collectors)]))


def _partial(assessment: RepoAssessment, items: Iterable[Item]) -> bool:
    """Anything about this repository could not be read (or its history was cut short)."""
    return bool(assessment.problems) or any(_truncated(i) for i in items)


def _truncated(item: Item) -> bool:
    """A history cut short by a shallow clone."""
    return (isinstance(item, Evidence) and isinstance(item.payload, History)
            and item.payload.truncated)


class Reporter(Protocol):
    """Progress of a multi-repository scan (a terminal bar, or log lines in CI)."""

    def started(self, repo: str) -> None:
        """A repository is being read."""

    def step(self, repo: str, what: str) -> None:
        """A repository moved on to the next collector."""

    def finished(self, repo: str, outcome: str) -> None:
        """A repository is done: its result in a few words, or why it failed."""


def scan_many(target: str, batches: Iterable[Sequence[Job]], options: ScanOptions, *,
              reporter: Reporter, collectors: Sequence[Collector], concurrency: int = 4,
              preflight: Sequence[Visibility] = (), journal: Journal | None = None,
              shard: ShardPart | None = None) -> Report:
    """Scan many repositories (an organisation or group) and add the organisation view.

    One repository failing never stops the scan: it is recorded as a failure and makes the
    report partial. Batches are read one after the other so that per-batch platform data
    (fetched ahead in bulk) is released once its repositories are assessed. Every finished
    repository goes to the ``journal`` at once (a temporary one when none is given) and only
    its brief stays in memory, so memory does not grow with the repositories' evidence; the
    report reads them back from the journal, which must stay open until it is written. A
    ``shard`` names the part of the organisation the batches are (``--shard``).
    Repositories an interrupted run finished are taken from a resumed journal as they are.
    """
    store = journal if journal is not None else Journal.temporary(options.as_of)
    briefs: list[tuple[RepoBrief, bool]] = []
    failures: list[RepoFailure] = []
    listed: set[str] = set()

    def run(job: Job) -> tuple[RepoBrief, bool] | RepoFailure:
        done = store.finished(job.repo_id)
        if done is not None:
            reporter.finished(job.repo_id, "finished by the interrupted run (resumed)")
            return done
        reporter.started(job.repo_id)
        try:
            source = job.open()
            repo, items = assess(source, options, collectors,
                                 lambda msg: reporter.step(job.repo_id, msg))
        except SourceError as exc:  # this repository only; the scan goes on
            reason = exc.reason if isinstance(exc, RepoUnavailable) else UnknownReason.UNREADABLE
            failure = RepoFailure(repo=job.repo_id, reason=reason, detail=redact(str(exc)))
            store.forget(job.repo_id)  # an earlier attempt's result must not stand beside it
            reporter.finished(job.repo_id, f"not scanned: {failure.detail}")
            return failure
        # Results spoiled by a passing condition are reported, but read again on resuming.
        transient = any(isinstance(i, Gap) and i.reason in TRANSIENT for i in items)
        partial = _partial(repo, items)
        brief = store.save(job.repo_id, repo, items, partial=partial, resumable=not transient)
        reporter.finished(job.repo_id, f"Model D {repo.code}, Model S stage {repo.stage.floor}")
        return brief, partial

    with ThreadPoolExecutor(max_workers=max(1, concurrency),
                            thread_name_prefix="aims-repo") as pool:
        for batch in batches:
            listed.update(job.repo_id for job in batch)
            for outcome in pool.map(run, batch):
                if isinstance(outcome, RepoFailure):
                    failures.append(outcome)
                else:
                    briefs.append(outcome)
    store.keep_only(listed)
    briefs.sort(key=lambda done: done[0].repo)
    failures.sort(key=lambda f: f.repo)
    return Report(
        schema_version=SCHEMA_VERSION, tool_version=__version__,
        catalog_version=options.catalog.version, as_of=options.as_of, since=options.since,
        collectors=_labels(collectors), repositories=store.repositories(),
        evidence=store.evidence(), partial=bool(failures) or any(p for _, p in briefs),
        target=target, organisation=assess_org(options.catalog, target,
                                               [b for b, _ in briefs], failures),
        failures=tuple(failures), preflight=tuple(preflight), shard=shard)


def assess(source: Source, options: ScanOptions, collectors: Sequence[Collector],
           note: Progress) -> tuple[RepoAssessment, list[Item]]:
    """Collect, decide and aggregate for one repository."""
    info = source.info()
    context = Context(source=source, info=info, catalog=options.catalog, as_of=options.as_of,
                      since=options.since, note=note)
    note(f"{info.repo_id}: reading HEAD {info.head or '(no commits)'}")
    produced = {kind for c in collectors for kind in c.kinds}
    items: list[Item] = [_snapshot(context), *_expected_gaps(context, options, produced)]
    for collector in collectors:
        note(f"{info.repo_id}: {collector.name}")
        items.extend(run_collector(collector, context))
    attestations = _attestation_evidence(context, options)
    items.extend(attestations.values())
    facts = Facts.of(info.repo_id, options.as_of, items)
    results = evaluate(facts, RULES, attestations)
    _check_citations(results, items)
    model = options.catalog.model
    domains = aggregate.domain_scores(model, results)
    stage = aggregate.stage_placement(model, results)
    steps = _merge_steps(aggregate.domain_steps(model, domains), stage.next_steps)
    ai_in_use, basis = _ai_in_use(facts)
    failures = [i for i in items if isinstance(i, Gap) and i.reason in READ_FAILURES]
    problems = tuple(g.id for g in sorted(failures, key=lambda g: (g.provenance.locator, g.id)))
    assessment = RepoAssessment(
        repo=info.repo_id, path=info.path, origin=info.origin, head=info.head,
        branch=info.branch, ai_in_use=ai_in_use, ai_in_use_basis=basis,
        code=aggregate.floor_code(domains), code_ceiling=aggregate.floor_code(domains,
                                                                            ceiling=True),
        domains=domains, stage=stage, next_steps=steps, problems=problems,
        notes=_notes(facts))
    return assessment, items


def run_collector(collector: Collector, context: Context) -> list[Item]:
    """Run one collector; any failure of the collector becomes one gap per kind it owns."""
    try:
        return list(collector.run(context))
    except Exception as exc:
        log.debug("collector %s failed", collector.label, exc_info=True)
        provenance = context.provenance(collector.label, f"collector:{collector.name}", None)
        detail = f"{collector.label} failed: {type(exc).__name__}: {exc}"
        return [make_gap(kind_of(kind), UnknownReason.COLLECTOR_ERROR, detail, provenance)
                for kind in collector.kinds]


def evaluate(facts: Facts, rules: Mapping[str, Rule],
             attestations: Mapping[str, Evidence[AttestationRecord]]) -> dict[str, Result]:
    """Every rule's outcome as a result, with attestations applied to unknown answers."""
    return {ident: apply_attestation(ident, rule(facts), attestations.get(ident))
            for ident, rule in rules.items()}


def apply_attestation(ident: str, outcome: Outcome,
                      attested: Evidence[AttestationRecord] | None) -> Result:
    """An attestation answers an unknown (unless stale); it never overrides an observation."""
    plain = Result(id=ident, status=outcome.status, summary=outcome.summary,
                   evidence=outcome.cites, reason=outcome.reason)
    if attested is None:
        return plain
    record = attested.payload
    cites = tuple(sorted({*outcome.cites, attested.id}))
    said = f"{'yes' if record.answer else 'no'} by {record.owner} on {record.date}"
    if outcome.status is not Status.UNKNOWN:
        return Result(id=ident, status=outcome.status, evidence=outcome.cites,
                      reason=outcome.reason,
                      summary=f"{outcome.summary} (attestation '{said}' not used: observed)")
    if record.stale:
        return Result(id=ident, status=Status.UNKNOWN, evidence=cites,
                      reason=UnknownReason.STALE_ATTESTATION, attestation=record,
                      summary=f"{outcome.summary} (attestation '{said}' is stale)")
    return Result(id=ident, status=Status.ATTESTED, evidence=cites, reason=None,
                  attestation=record,
                  summary=f"attested {said}" + (f": {record.note}" if record.note else ""))


def _snapshot(context: Context) -> Evidence[RepoSnapshot]:
    info = context.info
    payload = RepoSnapshot(head=info.head, tree=info.tree, branch=info.branch,
                           files=len(context.files()), bare=info.bare, shallow=info.shallow,
                           worktree=info.worktree, empty=info.empty, origin=info.origin)
    return make_evidence(payload, context.provenance(ENGINE, "git:git rev-parse HEAD HEAD^{tree}",
                                                     info.tree))


def _expected_gaps(context: Context, options: ScanOptions, produced: set[type]) -> list[Gap]:
    """What this kind of scan cannot see by its nature, recorded so rules can cite it."""
    def gap(kind: str, reason: UnknownReason, detail: str) -> Gap:
        return make_gap(kind, reason, detail, context.provenance(ENGINE, f"scope:{kind}", None))

    gaps = [gap(kind_of(kind), UnknownReason.UNSUPPORTED,
                f"not visible in a local scan: {_title(kind)[0].lower()}{_title(kind)[1:]}")
            for kind in PLATFORM_KINDS if kind not in produced]
    gaps.extend(gap(kind_of(kind), UnknownReason.NOT_COLLECTED,
                    "the deep code scan (secrets and data flows in the code) was not run; "
                    "run the scan with --deep")
                for kind in CODE_KINDS if kind not in produced)
    where = (f"no entry in {options.attestation_file}" if options.attestation_file
             else "no attestation file given (--attestations)")
    gaps.append(gap(AttestationRecord.KIND, UnknownReason.NOT_OBSERVABLE,
                    f"only a person can answer this: {where}"))
    return gaps


def _title(payload_type: type) -> str:
    """The first sentence of a payload's docstring, as a short human name of its kind."""
    doc = (payload_type.__doc__ or kind_of(payload_type)).strip().splitlines()[0]
    return doc.rstrip(".")


def _attestation_evidence(context: Context, options: ScanOptions
                          ) -> dict[str, Evidence[AttestationRecord]]:
    found: dict[str, Evidence[AttestationRecord]] = {}
    for record in options.attestations:
        provenance = Provenance(repo=context.info.repo_id, commit=context.info.head,
                                locator=f"attestation:{options.attestation_file}#{record.id}",
                                digest=options.attestation_digest, collector="attestations@1",
                                collected_at=options.as_of)
        found[record.id] = make_evidence(record, provenance)
    return found


def _check_citations(results: Mapping[str, Result], items: Iterable[Item]) -> None:
    known = {i.id for i in items}
    for result in results.values():
        missing = set(result.evidence) - known
        if missing:
            raise RuntimeError(f"{result.id} cites unknown items {sorted(missing)}")


def _merge_steps(*groups: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for step in group:
            seen.setdefault(step, None)
    return tuple(seen)


def _ai_in_use(facts: Facts) -> tuple[bool | None, str]:
    """AI use is a fact to detect first: attributed commits or AI tool configuration."""
    configs = facts.all(AiConfigFile)
    attribution = facts.one(Attribution)
    commits = attribution.payload.ai_commits if isinstance(attribution, Evidence) else None
    parts = []
    if commits:
        parts.append(f"{commits} AI-attributed commit(s)")
    if configs:
        tools = ", ".join(sorted({c.payload.tool for c in configs}))
        parts.append(f"AI tool configuration ({tools})")
    if parts:
        return True, "; ".join(parts)
    unreadable = facts.gaps(AiConfigFile)
    if unreadable:
        files = ", ".join(sorted({g.provenance.locator.removeprefix("tree:") for g in unreadable}))
        return None, f"AI tool files present but unreadable: {files}"
    if commits is None:
        return None, "history could not be read and no AI tool configuration was found"
    return False, "no AI-attributed commit in the window and no AI tool configuration"


def _notes(facts: Facts) -> tuple[str, ...]:
    notes = []
    snap = facts.one(RepoSnapshot)
    history = facts.one(History)
    if isinstance(snap, Evidence):
        if snap.payload.empty:
            notes.append("the repository has no commits: nothing to assess beyond its absence")
        if snap.payload.bare:
            notes.append("bare repository: read from the HEAD commit")
        if snap.payload.worktree:
            notes.append("read through a linked worktree: its HEAD commit was scanned")
    if isinstance(history, Evidence) and history.payload.shallow:
        notes.append("shallow clone and the history window is truncated: fetch full history "
                     "(git fetch --unshallow) for complete attribution figures"
                     if history.payload.truncated else
                     "shallow clone: its history still covers the whole window")
    return tuple(notes)


def file_digest(data: bytes) -> str:
    """SHA-256 of a file given on the command line (attestations), for provenance."""
    return "sha256:" + hashlib.sha256(data).hexdigest()

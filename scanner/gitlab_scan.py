"""A GitLab scan wired together: client, clone cache, read plan, engine.

The CLI hands over parsed options; this module builds the pieces of
:mod:`collectors.sources.gitlab`, prints the permission preflight through ``note`` before
any project is read, runs :func:`scanner.engine.scan_many` over the plan's batches, and says
how far a spent request budget let the scan go.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from collectors.base import Collector
from collectors.registry import GITLAB
from collectors.sources.clone_cache import CloneCache, GitAuth
from collectors.sources.gitlab import GitLabPlan, GitLabTarget, preflight
from collectors.sources.gitlab_api import GitLabApi, GitLabStats
from collectors.sources.selection import Selection
from scanner.engine import Progress, ScanOptions, scan_many
from scanner.evidence import UnknownReason
from scanner.github_scan import MakeReporter, shard_part
from scanner.journal import Journal
from scanner.model import Report
from scanner.progress import announce


@dataclass(frozen=True, slots=True, kw_only=True)
class GitLabRun:
    """How to reach GitLab and what to keep between runs."""

    target: GitLabTarget
    token: str
    cache_dir: Path
    selection: Selection
    concurrency: int = 4
    extra: tuple[Collector, ...] = ()
    """Collectors run after the platform's own (the deep code scan)."""
    journal: Journal | None = None
    """Where finished repositories are recorded, so that a killed scan can resume."""
    max_requests: int | None = None
    max_wait: float = 900.0
    ca_file: str | None = None
    """CA bundle for a self-managed instance (GitLab CI's ``CI_SERVER_TLS_CA_FILE``)."""


def scan_gitlab(run: GitLabRun, options: ScanOptions, *, note: Progress,
                make_reporter: MakeReporter) -> tuple[Report, GitLabStats]:
    """Inventory, preflight, then every selected project; the client's counters too."""
    api = GitLabApi(url=run.target.url, token=run.token, max_requests=run.max_requests,
                    max_wait=run.max_wait, on_wait=note, ca_file=run.ca_file)
    clones = CloneCache(run.cache_dir, auth=GitAuth(url_prefix=f"{run.target.url}/",
                                                    token=run.token, username="oauth2"),
                        ca_file=run.ca_file)
    try:
        plan = GitLabPlan(api, run.target, clones, cache_root=run.cache_dir,
                          selection=run.selection, since=options.since)
        visibility = preflight(plan)
        announce(note, label=run.target.label, noun="projects", listed=len(plan.listed),
                 selected=len(plan.selected), excluded=plan.excluded, preflight=visibility)
        report = scan_many(run.target.label, plan.batches(), options,
                           reporter=make_reporter(len(plan.selected)),
                           collectors=(*GITLAB, *run.extra),
                           concurrency=run.concurrency, preflight=visibility,
                           journal=run.journal, shard=shard_part(run.selection))
    finally:
        api.close()
    unread = [f for f in report.failures if f.reason is UnknownReason.BUDGET_SPENT]
    if unread:
        note(f"request budget spent: {len(report.repositories)} of {len(plan.selected)} "
             f"projects scanned, {len(unread)} not read (listed under failures)")
    return report, api.stats()

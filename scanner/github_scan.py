"""A GitHub scan wired together: client, clone cache, read plan, engine.

The CLI hands over parsed options; this module builds the pieces of
:mod:`collectors.sources.github`, prints the permission preflight through ``note`` before
any repository is read, and runs :func:`scanner.engine.scan_many` over the plan's batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from collectors.base import Collector
from collectors.registry import GITHUB
from collectors.sources.clone_cache import CloneCache, GitAuth
from collectors.sources.etag_cache import EtagCache
from collectors.sources.github import GitHubPlan, GitHubTarget, Selection, preflight
from collectors.sources.github_api import ApiStats, GitHubApi
from scanner.engine import Progress, Reporter, ScanOptions, scan_many
from scanner.journal import Journal
from scanner.model import Report, ShardPart
from scanner.progress import announce

MakeReporter = Callable[[int], Reporter]


@dataclass(frozen=True, slots=True, kw_only=True)
class GitHubRun:
    """How to reach GitHub and what to keep between runs."""

    target: GitHubTarget
    token: str
    cache_dir: Path
    selection: Selection
    concurrency: int = 4
    extra: tuple[Collector, ...] = ()
    """Collectors run after the platform's own (the deep code scan)."""
    journal: Journal | None = None
    """Where finished repositories are recorded, so that a killed scan can resume."""
    max_wait: float = 900.0


def scan_github(run: GitHubRun, options: ScanOptions, *, note: Progress,
                make_reporter: MakeReporter) -> tuple[Report, ApiStats]:
    """Inventory, preflight, then every selected repository; the client's counters too."""
    cache = EtagCache(run.cache_dir / "http-cache.sqlite")
    api = GitHubApi(base_url=run.target.api_url, token=run.token, cache=cache,
                    max_wait=run.max_wait, on_wait=note)
    clones = CloneCache(run.cache_dir, auth=GitAuth(url_prefix=clone_prefix(run.target),
                                                    token=run.token))
    try:
        plan = GitHubPlan(api, run.target, clones, cache_root=run.cache_dir,
                          selection=run.selection, since=options.since)
        visibility = preflight(plan)
        announce(note, label=run.target.label, noun="repositories", listed=len(plan.listed),
                 selected=len(plan.selected), excluded=plan.excluded, preflight=visibility)
        report = scan_many(run.target.label, plan.batches(), options,
                           reporter=make_reporter(len(plan.selected)),
                           collectors=(*GITHUB, *run.extra),
                           concurrency=run.concurrency, preflight=visibility,
                           journal=run.journal, shard=shard_part(run.selection))
    finally:
        api.close()
        cache.close()
    return report, api.stats()


def shard_part(selection: Selection) -> ShardPart | None:
    """The part of the organisation a selection keeps, as its report records it."""
    shard = selection.shard
    return None if shard is None else ShardPart(index=shard.index, count=shard.count)


def clone_prefix(target: GitHubTarget) -> str:
    """The URL prefix git may send the token to: the instance's web host only."""
    return f"https://{target.web_host}/"

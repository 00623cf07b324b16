"""Benchmark of a sharded organisation scan: the merged shards against the unsharded scan.

Builds the synthetic organisation of ``github_bench.py`` (N repositories over three template
repositories, with varied platform settings) on the local fake GitHub, which stays in this
process, and scans it three ways, each ``aims`` command in a fresh child process that
reports its own peak RSS: once whole (``aims scan github:ORG``); once in K shards
(``aims scan github:ORG --shard k/K``) one after the other, each with its own empty cache
as on separate CI runners; and ``aims merge`` of the K shard reports. The merged report is
compared with the unsharded one byte for byte.

Printed: repositories per shard, wall time and peak RSS of the unsharded scan, of every
shard and of the merge, the slowest shard (what a parallel CI matrix waits for), the
speed-up of the matrix over the unsharded scan, the report's size, and whether the merged
report equals the unsharded one (exit 0 only if it does; else the start of their diff).
Usage::

    python bench/shard_bench.py [--repos 5000] [--shards 4] [--latency 0.0] [--workdir DIR]
                                [--concurrency N]
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common import AS_OF, clean_env, run_child, scan_child, templates
from github_bench import ORG, TOKENS, organisation

if TYPE_CHECKING:
    from tests.github_fake import FakeGitHub

#: The token's role, as github_bench's default: a security team's, not a repository admin.
ROLE = "security_manager"
#: A shard may hold this many binomial standard deviations more or fewer repositories than
#: repos/shards: an even hash split stays inside; at large N a lopsided one does not.
SPREAD = 5.0
#: Lines of the unified diff printed when the merged report differs.
DIFF_LINES = 40


@dataclass(frozen=True)
class Run:
    """One ``aims`` child process: what it was, its wall seconds and peak RSS."""

    label: str
    wall: float
    rss_kib: int


def aims(label: str, args: Sequence[str], env: dict[str, str]) -> Run:
    """Run ``aims ARGS`` in a fresh child process; stop the benchmark if it failed."""
    wall, result, stderr = run_child(__file__, args, env)
    if result.get("code") not in (0, 3):  # 3: partial (what this role cannot see)
        raise SystemExit(f"{label} failed ({result.get('code')}):\n{stderr}")
    return Run(label, wall, result["rss_kib"])


def scan(gh: FakeGitHub, workdir: Path, env: dict[str, str], *, name: str, label: str,
         extra: Sequence[str]) -> tuple[Run, int]:
    """``aims scan github:ORG EXTRA`` with an empty cache into NAME.json; repositories seen."""
    cache, report = workdir / f"cache-{name}", workdir / f"{name}.json"
    shutil.rmtree(cache, ignore_errors=True)
    report.unlink(missing_ok=True)
    run = aims(label, ["scan", f"github:{ORG}", "--github-url", gh.url, "--cache-dir",
                      str(cache), "--as-of", AS_OF, "-q", "-o", str(report), *extra], env)
    document = json.loads(report.read_text(encoding="utf-8"))
    return run, len(document["repositories"]) + len(document["failures"])


def balanced(sizes: Sequence[int], repos: int) -> bool:
    """Whether every shard is within :data:`SPREAD` standard deviations of repos/shards."""
    share = 1 / len(sizes)
    deviation = math.sqrt(repos * share * (1 - share))
    return all(abs(size - repos * share) <= SPREAD * deviation for size in sizes)


def first_difference(expected: Path, actual: Path) -> str:
    """The start of the unified diff between two reports."""
    diff = difflib.unified_diff(expected.read_text(encoding="utf-8").splitlines(),
                                actual.read_text(encoding="utf-8").splitlines(),
                                expected.name, actual.name, lineterm="")
    return "\n".join(line for _, line in zip(range(DIFF_LINES), diff, strict=False))


def figures(repos: int, sizes: Sequence[int], runs: Sequence[Run], report_bytes: int,
            identical: bool) -> str:
    """The figures table."""
    whole, *shards, merged = runs
    slowest = max(shards, key=lambda run: run.wall)
    rows = [f"{'repositories':<28} {repos:>10,}",
            f"{'repositories per shard':<28} {' / '.join(f'{s:,}' for s in sizes)}",
            "",
            f"{'run':<28} {'wall s':>10} {'peak RSS MiB':>14}"]
    rows += [f"{run.label:<28} {run.wall:>10.1f} {run.rss_kib / 1024:>14.1f}" for run in runs]
    rows += ["",
             f"{'slowest shard wall s':<28} {slowest.wall:>10.1f}  ({slowest.label})",
             f"{'merge wall s':<28} {merged.wall:>10.1f}",
             f"{'speed-up (unsharded/slowest)':<28} {whole.wall / slowest.wall:>10.2f}",
             f"{'report size bytes':<28} {report_bytes:>10,}",
             f"merged == unsharded: {'yes' if identical else 'no'}"]
    return "\n".join(rows)


def bench(workdir: Path, repos: int, count: int, latency: float,
          concurrency: int | None) -> bool:
    """Run the benchmark and print its figures; whether the merged report is the unsharded."""
    from tests.github_fake import FakeGitHub

    workdir.mkdir(parents=True, exist_ok=True)
    bares = templates(workdir)
    token = next(t for t, r in TOKENS.items() if r == ROLE)
    env = {**clean_env("GH_TOKEN", "GH_HOST", "AIMS_GITHUB_URL"), "GITHUB_TOKEN": token}
    tuning = [] if concurrency is None else ["--concurrency", str(concurrency)]
    print(f"organisation: {repos:,} repositories over {len(bares)} templates, {count} shards, "
          f"latency {latency * 1000:.0f} ms per request, token role {ROLE}", flush=True)
    # No rate limit to speak of: one token's 5,000 requests an hour would run out inside a
    # large scan, and the benchmark measures the scans, not the wait for a reset.
    with FakeGitHub(organisation(repos, bares), latency=latency, core_limit=10**9,
                    graphql_limit=10**9) as gh:
        whole, seen = scan(gh, workdir, env, name="unsharded", label="unsharded scan",
                           extra=tuning)
        if seen != repos:
            raise SystemExit(f"the unsharded scan reported {seen} repositories, not {repos}")
        runs, sizes = [whole], []
        for k in range(1, count + 1):
            shard = f"{k}/{count}"
            run, size = scan(gh, workdir, env, name=f"shard{k}", label=f"shard {shard}",
                             extra=[*tuning, "--shard", shard])
            print(f"{run.label}: {size:,} repositories, {run.wall:.1f} s", flush=True)
            runs.append(run)
            sizes.append(size)
    if sum(sizes) != repos:
        raise SystemExit(f"the shards reported {sum(sizes)} repositories in all, not {repos}")
    if not balanced(sizes, repos):
        raise SystemExit(f"the shards are not about {repos / count:,.0f} repositories each: "
                         f"{sizes}")
    unsharded, merged = workdir / "unsharded.json", workdir / "merged.json"
    merged.unlink(missing_ok=True)
    runs.append(aims("merge", ["merge", *(str(workdir / f"shard{k}.json")
                                          for k in range(1, count + 1)),
                               "-q", "-o", str(merged)], env))
    identical = merged.read_bytes() == unsharded.read_bytes()
    if not identical:
        print(first_difference(unsharded, merged))
    print(figures(repos, sizes, runs, unsharded.stat().st_size, identical))
    return identical


def main() -> None:
    """Build the organisation, scan it whole and in shards, merge, compare, print."""
    if sys.argv[1:2] == ["--scan-child"]:
        scan_child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=5000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the server waits before each answer")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "aims-shard-bench")
    parser.add_argument("--concurrency", type=int,
                        help="aims scan --concurrency (default: the scan's own)")
    args = parser.parse_args()
    if args.repos < 1 or args.shards < 1:
        parser.error("--repos and --shards must be at least 1")
    sys.exit(0 if bench(args.workdir, args.repos, args.shards, args.latency,
                        args.concurrency) else 1)


if __name__ == "__main__":
    main()

"""Benchmark of a group scan (``aims scan gitlab:GROUP``) against the local fake GitLab.

Builds a synthetic group of N projects spread over three levels of subgroups. The projects
share three template repositories (the ``high-maturity``, ``ai-no-governance`` and
``bare-minimum`` fixture scenarios, each made bare once) and vary in their settings:
protected branches, approval rules, approval settings, push rules, protected environments,
"pipelines must succeed" and merged merge requests. The fake server answers on loopback
after an injected latency per request and stays in this process, so its request log can be
counted; every scan runs as ``python -m scanner scan gitlab:GROUP`` in a fresh child process
that reports its own peak RSS.

Printed for a first scan (empty cache) and an unchanged rerun (same cache), per token role
and plan: wall time, requests per project (all, and beyond the group-level inventory),
peak memory, and the requests by endpoint. Usage::

    python bench/gitlab_bench.py [--projects 500] [--latency 0.05]
        [--case maintainer:premium,maintainer:free,developer:premium,reporter:premium]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common import AS_OF, clean_env, run_child, scan_child, templates, verdict

if TYPE_CHECKING:
    from tests.gitlab_fake import FakeGitLab, FakeInstance, Logged

GROUP = "bench"
SUBGROUPS = ("bench", "bench/platform", "bench/platform/core", "bench/apps")
TOKENS = {"tok-maintainer": 40, "tok-developer": 30, "tok-reporter": 20}
ROLES = {"maintainer": "tok-maintainer", "developer": "tok-developer",
         "reporter": "tok-reporter"}
PLANS = ("free", "premium", "ultimate")
PROTECTED = [{"name": "main", "push_access_levels": [{"access_level": 0}],
              "merge_access_levels": [{"access_level": 40}],
              "code_owner_approval_required": True}]
LOOSE = [{"name": "*", "push_access_levels": [{"access_level": 40}],
          "merge_access_levels": [{"access_level": 40}]}]
RULES = [{"name": "All members", "rule_type": "any_approver", "approvals_required": 1}]
#: Two merged MRs: one with an AI co-author approved by a person, one from an agent branch
#: approved by nobody but its author.
MERGE_REQUESTS = [
    {"iid": 7, "merged_at": "2026-10-01T10:00:00Z", "author": "alice",
     "source_branch": "feature/x", "description": "", "approved_by": ["bob"],
     "commits": [("fix parser\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", "Alice",
                  "alice@example.com")]},
    {"iid": 9, "merged_at": "2026-10-02T10:00:00Z", "author": "carol",
     "source_branch": "claude/fix-login", "description": "", "approved_by": ["carol"],
     "commits": [("fix login", "Carol", "carol@example.com")]}]
#: The issue's target, as (label, limit).
RERUN_TARGET = ("unchanged rerun <= 2 requests/project", 2.0)


# ----------------------------------------------------------------------------- group


def instance(count: int, bares: Sequence[Path], plan: str) -> FakeInstance:
    """``count`` projects over the templates and subgroups, with varied settings."""
    from tests.gitlab_fake import FakeGroup, FakeInstance, FakeProject

    projects = []
    for i in range(count):
        projects.append(FakeProject(
            f"{SUBGROUPS[i % len(SUBGROUPS)]}/{'svc' if i % 2 else 'lib'}-{i:05d}",
            git_dir=bares[i % len(bares)],
            protected_branches=PROTECTED if i % 3 == 0 else LOOSE if i % 3 == 1 else [],
            approval_rules=RULES if i % 2 == 0 else [],
            approvals={"reset_approvals_on_push": i % 4 == 0},
            push_rule={"prevent_secrets": True, "reject_unsigned_commits": i % 5 == 0}
            if i % 5 < 2 else None,
            protected_environments=[{"name": "production", "required_approval_count": 1}]
            if i % 7 == 0 else [],
            merge_requests=MERGE_REQUESTS if i % 10 == 0 else [],
            pipeline_must_succeed=i % 2 == 1))
    return FakeInstance(tier=plan, tokens=dict(TOKENS),
                        groups=[FakeGroup(path) for path in SUBGROUPS], projects=projects)


# ----------------------------------------------------------------------------- one scan


@dataclass(frozen=True)
class Scan:
    """One ``aims scan`` process and what the server saw during it."""

    projects: int
    wall: float
    rss_kib: int
    requests: list[Logged]

    @property
    def per_project(self) -> float:
        """All API requests per project, the group-level ones included."""
        return len(self.requests) / self.projects

    @property
    def beyond_inventory(self) -> float:
        """Requests per project, minus the group-level inventory and settings."""
        own = [e for e in self.requests if "/groups/" not in e.path]
        return len(own) / self.projects


def kind_of(entry: Logged) -> str:
    """A request's endpoint with ids folded, for the breakdown."""
    path = re.sub(r"^/api/v4", "", entry.path)
    path = re.sub(r"/projects/[^/]+", "/projects/{id}", path)
    path = re.sub(r"/groups/[^/]+", "/groups/{id}", path)
    path = re.sub(r"/merge_requests/\d+", "/merge_requests/{iid}", path)
    path = re.sub(r"/repository/branches/.*", "/repository/branches/{branch}", path)
    bucket = " (role bucket)" if "min_access_level" in entry.query else ""
    return f"{entry.method} {path}{bucket}"


def run_scan(server: FakeGitLab, projects: int, cache: Path, token: str, *,
             profile: Path | None = None) -> Scan:
    """One group scan in a fresh child process; the server's log slice for it."""
    report = cache.parent / f"{cache.name}-report.json"
    args = ["scan", f"gitlab:{GROUP}", "--gitlab-url", server.url, "--cache-dir", str(cache),
            "--as-of", AS_OF, "-q", "-o", str(report)]
    env = {**clean_env("GITLAB_TOKEN", "CI_SERVER_URL", "AIMS_GITLAB_URL"),
           "GITLAB_TOKEN": token}
    before = len(server.log)
    wall, result, stderr = run_child(__file__, args, env, profile=profile)
    if result.get("code") not in (0, 3):  # 3: partial
        raise SystemExit(f"scan failed ({result.get('code')}):\n{stderr}")
    scanned = len(json.loads(report.read_text())["repositories"])
    if scanned != projects:
        raise SystemExit(f"scan reported {scanned} projects, expected {projects}\n{stderr}")
    return Scan(projects=projects, wall=wall, rss_kib=result["rss_kib"],
                requests=server.log[before:])


def scan_twice(workdir: Path, bares: Sequence[Path], count: int, role: str, *, plan: str,
               latency: float, profile: Path | None = None) -> tuple[Scan, Scan]:
    """A first scan of a fresh group of ``count`` projects, and the unchanged rerun."""
    from tests.gitlab_fake import FakeGitLab

    cache = workdir / f"cache-{role}-{plan}-{count}"
    subprocess.run(["rm", "-rf", str(cache)], check=True)
    with FakeGitLab(instance(count, bares, plan), latency=latency) as server:
        first = run_scan(server, count, cache, ROLES[role], profile=profile)
        return first, run_scan(server, count, cache, ROLES[role])


# ----------------------------------------------------------------------------- report


def breakdown(scan: Scan) -> str:
    """Requests of one scan by endpoint."""
    total = Counter(kind_of(e) for e in scan.requests)
    return "\n".join(f"    {n:>6,}  {kind}" for kind, n in total.most_common())


def main() -> None:
    """Build the group, scan it per case, and print the figures against the target."""
    if sys.argv[1:2] == ["--scan-child"]:
        scan_child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds the server waits before each answer")
    parser.add_argument("--case", default="maintainer:premium,maintainer:free,"
                                          "developer:premium,reporter:premium",
                        help="ROLE:PLAN pairs, comma-separated; the first is printed in full")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "aims-gitlab-bench")
    parser.add_argument("--profile", type=Path,
                        help="write a cProfile of the first case's first scan to this file")
    args = parser.parse_args()
    cases = [tuple(c.strip().split(":", 1)) for c in args.case.split(",") if c.strip()]
    bad = [c for c in cases if len(c) != 2 or c[0] not in ROLES or c[1] not in PLANS]
    if bad or not cases:
        parser.error(f"--case: bad {bad}; roles {', '.join(ROLES)}, plans {', '.join(PLANS)}")
    n = args.projects
    args.workdir.mkdir(parents=True, exist_ok=True)
    bares = templates(args.workdir)
    print(f"group: {n:,} projects in {len(SUBGROUPS)} (sub)groups over {len(bares)} "
          f"templates, latency {args.latency * 1000:.0f} ms per request")
    results = []
    for index, (role, plan) in enumerate(cases):
        first, rerun = scan_twice(args.workdir, bares, n, role, plan=plan, latency=args.latency,
                                  profile=args.profile if index == 0 else None)
        results.append((role, plan, first, rerun))
        for label, scan in (("first scan", first), ("unchanged rerun", rerun)):
            print(f"{role} token, {plan} plan, {label}: {scan.wall:.1f} s wall, "
                  f"{len(scan.requests):,} requests, {scan.per_project:.2f}/project "
                  f"({scan.beyond_inventory:.2f} beyond the group-level reads), peak RSS "
                  f"{scan.rss_kib / 1024:.1f} MiB")
            if index == 0:
                print(breakdown(scan))
    label, limit = RERUN_TARGET
    print(f"\n{'case':<22} {'first req/project':>18} {'rerun req/project':>18} "
          f"{'rerun/first wall':>17}  {label}")
    for role, plan, first, rerun in results:
        print(f"{role + ':' + plan:<22} {first.per_project:>18.2f} {rerun.per_project:>18.2f} "
              f"{rerun.wall / first.wall:>17.2f}  {verdict(rerun.per_project <= limit)}")


if __name__ == "__main__":
    main()

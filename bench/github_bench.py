"""Benchmark of an organisation scan (``aims scan github:ORG``) against the local fake GitHub.

Builds a synthetic organisation of N repositories that share three template repositories
(the ``high-maturity``, ``ai-no-governance`` and ``bare-minimum`` fixture scenarios, each
made bare once) and vary in their platform settings: classic protection, repository and
organisation rulesets, security settings, private visibility, environments and merged pull
requests. The fake server answers on loopback after an injected latency per request and
stays in this process, so its request log can be counted; every scan runs as
``python -m scanner scan github:ORG`` in a fresh child process that reports its own peak RSS.

Printed for a first scan (empty cache) and an unchanged rerun (same cache): wall time,
requests per repository beyond the shared inventory, rate-limited requests per repository
(304s excluded), peak memory; first scans at N/5 and N/2 show how memory grows with N.
Usage::

    python bench/github_bench.py [--repos 500] [--latency 0.05] [--role ROLE[,ROLE]]
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
    from tests.github_fake import FakeGitHub, FakeOrg, Logged

ORG = "bench"
TOKENS = {"tok-owner": "owner", "tok-admin": "admin", "tok-secman": "security_manager",
          "tok-read": "read"}
PROTECTION = {"required_pull_request_reviews": {"required_approving_review_count": 1,
                                                "require_code_owner_reviews": True},
              "enforce_admins": True, "required_status_checks": {"contexts": ["ci"]}}
REPO_RULESET = {"id": 7, "name": "main-branch", "enforcement": "active",
                "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
                "rules": [{"type": "pull_request", "parameters": {
                    "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": True,
                    "require_code_owner_review": False, "require_last_push_approval": False,
                    "required_review_thread_resolution": False}},
                    {"type": "non_fast_forward"}],
                "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole",
                                   "bypass_mode": "always"}]}
ORG_RULESET = {"id": 9, "name": "org-signing", "enforcement": "active",
               "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []},
                              "repository_name": {"include": ["svc-*"], "exclude": []}},
               "rules": [{"type": "required_signatures"}]}
SECURITY = {"secret_scanning": "enabled", "secret_scanning_push_protection": "enabled",
            "dependabot_security_updates": "enabled"}
#: Two merged pull requests: one with an AI co-author approved by a person, one agent-branch
#: squash merge approved by its own author.
PULLS = [{"number": 7, "merged_at": "2026-10-01T10:00:00Z", "author": "alice",
          "author_is_bot": False, "head_ref": "feature/x", "base_ref": "main", "body": "",
          "approvals": [("bob", False)],
          "commits": [("fix parser\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
                       "alice@example.com", "alice")]},
         {"number": 9, "merged_at": "2026-10-02T10:00:00Z", "author": "carol",
          "author_is_bot": False, "head_ref": "copilot/fix-login", "base_ref": "main",
          "body": "", "approvals": [("carol", False)],
          "commits": [("fix login", "carol@example.com", "carol")]}]
#: Targets of the issue, as (label, text).
TARGETS = {"first": "< 2 requests/repo beyond the inventory",
           "rerun": "<= 0.1 rate-limited requests/repo",
           "wall": "rerun wall < 1/4 of first scan",
           "memory": "memory flat in the number of repositories"}
#: Peak RSS may grow by this much per 100 repositories and still count as flat.
FLAT_MIB_PER_100 = 1.0


# ----------------------------------------------------------------------------- organisation


def organisation(count: int, bares: Sequence[Path]) -> FakeOrg:
    """``count`` repositories over the templates, with varied platform settings."""
    from tests.github_fake import FakeOrg, FakeRepo

    repos = []
    for i in range(count):
        repos.append(FakeRepo(
            f"{'svc' if i % 2 else 'lib'}-{i:05d}", bares[i % len(bares)],
            private=i % 6 == 0,
            classic_protection=PROTECTION if i % 4 == 0 else None,
            rulesets=[REPO_RULESET] if i % 5 == 0 else [],
            security=SECURITY if i % 3 == 0 else None,
            environments=[{"name": "production", "reviewers": ["boss"], "wait_timer": 5}]
            if i % 7 == 0 else [],
            pulls=PULLS if i % 10 == 0 else [],
            default_setup="configured" if i % 8 == 0 else "not-configured"))
    return FakeOrg(ORG, repos, rulesets=[ORG_RULESET], tokens=dict(TOKENS))


# ----------------------------------------------------------------------------- one scan


@dataclass(frozen=True)
class Scan:
    """One ``aims scan`` process and what the server saw during it."""

    repos: int
    wall: float
    rss_kib: int
    requests: list[Logged]

    @property
    def beyond_inventory(self) -> float:
        """Requests per repository, minus the inventory and organisation-level requests."""
        own = [e for e in self.requests if not e.path.startswith(f"/orgs/{ORG}/")]
        return len(own) / self.repos

    @property
    def counted(self) -> float:
        """Requests per repository that count against the primary rate limit (not 304s)."""
        return sum(1 for e in self.requests if counts(e)) / self.repos


def counts(entry: Logged) -> bool:
    """Whether GitHub charges a request to the primary rate limit."""
    return entry.status != 304 and entry.path != "/rate_limit"


def kind_of(entry: Logged) -> str:
    """A request's endpoint with repository names folded, for the breakdown."""
    if entry.path == "/graphql":
        query = str((entry.request or {}).get("query", ""))
        return "POST /graphql (" + ("pull requests" if "pullRequests" in query
                                   else "state") + ")"
    path = re.sub(rf"^/repos/{ORG}/[^/]+", "/repos/{repo}", entry.path)
    path = re.sub(r"/rules/branches/.*", "/rules/branches/{branch}", path)
    return f"{entry.method} {path}"


def run_scan(gh: FakeGitHub, repos: int, cache: Path, role: str, *,
             profile: Path | None = None) -> Scan:
    """One organisation scan in a fresh child process; the server's log slice for it."""
    token = next(t for t, r in TOKENS.items() if r == role)
    report = cache.parent / f"{cache.name}-report.json"
    args = ["scan", f"github:{ORG}", "--github-url", gh.url, "--cache-dir", str(cache),
            "--as-of", AS_OF, "-q", "-o", str(report)]
    env = {**clean_env("GH_TOKEN", "GH_HOST", "AIMS_GITHUB_URL"), "GITHUB_TOKEN": token}
    before = len(gh.log)
    wall, result, stderr = run_child(__file__, args, env, profile=profile)
    if result.get("code") not in (0, 3):  # 3: partial (what this role cannot see)
        raise SystemExit(f"scan failed ({result.get('code')}):\n{stderr}")
    scanned = len(json.loads(report.read_text())["repositories"])
    if scanned != repos:
        raise SystemExit(f"scan reported {scanned} repositories, expected {repos}")
    return Scan(repos=repos, wall=wall, rss_kib=result["rss_kib"], requests=gh.log[before:])


def first_scan(workdir: Path, bares: Sequence[Path], count: int, role: str, latency: float,
               *, rerun: bool = False, profile: Path | None = None) -> list[Scan]:
    """A first scan of a fresh organisation of ``count`` repositories, and the rerun."""
    from tests.github_fake import FakeGitHub

    cache = workdir / f"cache-{role}-{count}"
    subprocess.run(["rm", "-rf", str(cache)], check=True)
    with FakeGitHub(organisation(count, bares), latency=latency) as gh:
        scans = [run_scan(gh, count, cache, role, profile=profile)]
        if rerun:
            scans.append(run_scan(gh, count, cache, role))
    return scans


# ----------------------------------------------------------------------------- report


def breakdown(scan: Scan) -> str:
    """Requests of one scan by endpoint, with how many were 304s."""
    total = Counter(kind_of(e) for e in scan.requests)
    free = Counter(kind_of(e) for e in scan.requests if not counts(e))
    return "\n".join(f"    {n:>6,}  ({free[kind]:>5,} x 304)  {kind}"
                     for kind, n in total.most_common())


def main() -> None:
    """Build the organisation, scan it, and print the figures against the targets."""
    if sys.argv[1:2] == ["--scan-child"]:
        scan_child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds the server waits before each answer")
    parser.add_argument("--role", default="security_manager,owner",
                        help="token roles, comma-separated: the first gets every figure, "
                             "the others a first scan at N")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "aims-github-bench")
    parser.add_argument("--profile", type=Path,
                        help="write a cProfile of the first scan at N to this file")
    args = parser.parse_args()
    roles = [r.strip() for r in args.role.split(",") if r.strip()]
    unknown = [r for r in roles if r not in TOKENS.values()]
    if unknown or not roles:
        parser.error(f"--role: unknown {unknown}; known: {', '.join(TOKENS.values())}")
    n, role = args.repos, roles[0]
    args.workdir.mkdir(parents=True, exist_ok=True)
    bares = templates(args.workdir)

    print(f"organisation: {n:,} repositories over {len(bares)} templates, "
          f"latency {args.latency * 1000:.0f} ms per request, token role {role}")
    first, rerun = first_scan(args.workdir, bares, n, role, args.latency, rerun=True,
                              profile=args.profile)
    for label, scan in (("first scan", first), ("unchanged rerun", rerun)):
        print(f"{label}: {scan.wall:.1f} s wall, {len(scan.requests):,} requests, "
              f"{scan.beyond_inventory:.3f}/repo beyond the inventory, "
              f"{scan.counted:.3f}/repo rate-limited, peak RSS {scan.rss_kib / 1024:.1f} MiB")
        print(breakdown(scan))
    others = [(r, first_scan(args.workdir, bares, n, r, args.latency)[0]) for r in roles[1:]]
    for other, scan in others:
        print(f"first scan, role {other}: {scan.wall:.1f} s wall, "
              f"{scan.beyond_inventory:.3f}/repo beyond the inventory, "
              f"{scan.counted:.3f}/repo rate-limited, peak RSS {scan.rss_kib / 1024:.1f} MiB")

    sizes = sorted({max(n // 5, 1), max(n // 2, 1)} - {n})
    memory = [(size, first_scan(args.workdir, bares, size, role, args.latency)[0].rss_kib)
              for size in sizes] + [(n, first.rss_kib)]
    for size, rss in memory:
        print(f"peak RSS of a first scan at {size:>6,} repositories: {rss / 1024:6.1f} MiB")
    (small, small_rss), (_, big_rss) = memory[0], memory[-1]
    slope = (big_rss - small_rss) / 1024 / max(n - small, 1) * 100
    print(f"slope: {slope:.2f} MiB per 100 repositories")

    ratio = rerun.wall / first.wall
    rows: list[tuple[str, str, bool]] = [
        (TARGETS["first"], f"{first.beyond_inventory:.3f}", first.beyond_inventory < 2),
        (TARGETS["rerun"], f"{rerun.counted:.3f}", rerun.counted <= 0.1),
        (TARGETS["wall"], f"{ratio:.3f}", ratio < 0.25),
        (TARGETS["memory"], f"{slope:.2f} MiB/100 repos", slope <= FLAT_MIB_PER_100),
    ]
    print(f"\n{'target':<46} {'measured':>18}  result")
    for target, measured, ok in rows:
        print(f"{target:<46} {measured:>18}  {verdict(ok)}")
    for other, scan in others:
        print(f"{TARGETS['first'] + f' ({other})':<46} {scan.beyond_inventory:>18.3f}  "
              f"{verdict(scan.beyond_inventory < 2)}")


if __name__ == "__main__":
    main()

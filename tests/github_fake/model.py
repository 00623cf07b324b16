"""The in-memory organisation the fake GitHub serves, and the rules GitHub applies to it.

Repositories are real bare git repositories (served as ``file://`` clone URLs); everything
else (rulesets, protection, environments, merged pull requests) is plain data in GitHub's
own REST shapes, so a test reads like the JSON it stands for.
"""

from __future__ import annotations

import fnmatch
import functools
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Token roles. "admin" is admin of every repository but not an organisation owner;
#: "security_manager" sees ``security_and_analysis`` without being admin.
ROLES = ("owner", "admin", "security_manager", "read")
REPO_ADMINS = frozenset({"owner", "admin"})
SECURITY_VIEWERS = frozenset({"owner", "admin", "security_manager"})

#: Repositories without commits report their creation time as ``pushed_at`` (as GitHub does).
CREATED_AT = "2025-01-01T00:00:00Z"


@dataclass
class FakeRepo:
    """One repository of the fake organisation (REST shapes for the nested data)."""

    name: str
    git_dir: Path | None
    """A bare repository served as ``clone_url`` ``file://...``; None = empty repository."""
    default_branch: str = "main"
    private: bool = False
    archived: bool = False
    fork: bool = False
    security: dict[str, str] | None = None
    """``security_and_analysis`` statuses, e.g. ``{"secret_scanning": "enabled"}``; None =
    every feature disabled (privileged roles still see the block)."""
    classic_protection: dict[str, Any] | None = None
    """Branch protection of the default branch in the REST shape; missing keys are filled.
    Actor lists (``users``/``teams``/``apps``) are given as logins/slugs."""
    rulesets: list[dict[str, Any]] = field(default_factory=list)
    """Repository rulesets in the REST ``repository-ruleset`` shape (``id``, ``name``,
    ``enforcement``, ``conditions``, ``rules``, ``bypass_actors``; the rest is filled)."""
    environments: list[dict[str, Any]] = field(default_factory=list)
    """``{"name", "reviewers": [logins], "teams": [slugs], "wait_timer": minutes,
    "prevent_self_review": bool}``."""
    pulls: list[dict[str, Any]] = field(default_factory=list)
    """Merged pull requests: ``{"number", "merged_at", "author", "author_is_bot",
    "head_ref", "base_ref", "body", "approvals": [(login, is_bot)],
    "commits": [(message, author_email, author_login | None)]}``."""
    default_setup: str | None = None
    """Code scanning default setup state ("configured"/"not-configured"); None = Code
    Security not enabled (private repositories answer 403, public ones "not-configured")."""
    deleted: bool = False
    """Listed in the inventory, but every read answers 404 (GraphQL: NOT_FOUND)."""
    clone_url: str | None = None
    """Served instead of ``git_dir``'s ``file://`` URL (e.g. one git cannot clone)."""


@dataclass
class FakeOrg:
    """The organisation: repositories, org rulesets, settings and who holds which token."""

    login: str
    repos: list[FakeRepo]
    plan: str = "team"
    """"free": private repositories get 403 for rules, protection and code scanning."""
    rulesets: list[dict[str, Any]] = field(default_factory=list)
    """Org rulesets (REST shape); ``conditions`` may hold ``repository_name`` (fnmatch,
    ``~ALL``) or ``repository_id`` next to ``ref_name``."""
    workflow_permissions: str | None = "read"
    tokens: dict[str, str] = field(default_factory=dict)
    """token -> role (one of :data:`ROLES`)."""

    def repo(self, owner: str, name: str) -> FakeRepo | None:
        """The repository ``owner/name`` (case-insensitive, as GitHub), deleted ones included."""
        if owner.lower() != self.login.lower():
            return None
        return next((r for r in self.repos if r.name.lower() == name.lower()), None)

    def repo_id(self, repo: FakeRepo) -> int:
        """A stable numeric id (GitHub's ``id``/``databaseId``)."""
        return 1000 + self.repos.index(repo)

    def plan_blocks(self, repo: FakeRepo) -> bool:
        """Whether the plan lacks rules/protection/code scanning for this repository."""
        return self.plan == "free" and repo.private


def permissions(role: str) -> dict[str, bool]:
    """The caller's ``permissions`` object on every repository for a token role."""
    admin = role in REPO_ADMINS
    return {"admin": admin, "maintain": admin, "push": admin, "triage": admin, "pull": True}


def head_commit(repo: FakeRepo) -> tuple[str, str] | None:
    """``(oid, committer date)`` of the bare repository's HEAD, None when empty."""
    if repo.git_dir is None:
        return None
    oid = _head_oid(repo.git_dir)
    return None if oid is None else (oid, _commit_date(repo.git_dir, oid))


def _head_oid(git_dir: Path) -> str | None:
    """HEAD's commit id read from the ref files: cheap enough for every inventory entry,
    and always current when a test adds commits between requests."""
    head = (git_dir / "HEAD").read_text().strip()
    if not head.startswith("ref: "):
        return head
    ref = head.removeprefix("ref: ")
    if (git_dir / ref).is_file():
        return (git_dir / ref).read_text().strip()
    packed = git_dir / "packed-refs"
    lines = packed.read_text().splitlines() if packed.is_file() else []
    return next((line.split()[0] for line in lines if line.endswith(f" {ref}")), None)


@functools.cache
def _commit_date(git_dir: Path, oid: str) -> str:
    """The committer date of a commit (immutable, so cached) in GitHub's format."""
    stamp = subprocess.run(["git", "show", "-s", "--format=%ct", oid], cwd=git_dir,
                           capture_output=True, text=True, check=True).stdout.strip()
    return datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_bare(src_repo_path: Path, dest: Path) -> Path:
    """Clone a work tree into a bare repository that serves blobless clones over file://."""
    subprocess.run(["git", "clone", "-q", "--bare", str(src_repo_path), str(dest)],
                   check=True, capture_output=True)
    for key in ("uploadpack.allowFilter", "uploadpack.allowAnySHA1InWant"):
        subprocess.run(["git", "config", key, "true"], cwd=dest, check=True)
    return dest


def _pattern_matches(patterns: list[str], name: str, *, all_token: str = "~ALL",
                     default: str | None = None, prefix: str = "") -> bool:
    """Whether ``name`` matches any GitHub condition pattern (fnmatch plus ``~`` tokens)."""
    for pattern in patterns:
        if pattern == all_token or (pattern == "~DEFAULT_BRANCH" and name == default):
            return True
        if fnmatch.fnmatchcase(prefix + name, pattern):
            return True
    return False


def ref_matches(conditions: dict[str, Any], branch: str, default_branch: str) -> bool:
    """Whether a ruleset's ``ref_name`` condition selects ``branch``."""
    ref = conditions.get("ref_name", {})
    include, exclude = ref.get("include", []), ref.get("exclude", [])
    return (_pattern_matches(include, branch, default=default_branch, prefix="refs/heads/")
            and not _pattern_matches(exclude, branch, default=default_branch,
                                     prefix="refs/heads/"))


def repo_matches(org: FakeOrg, ruleset: dict[str, Any], repo: FakeRepo) -> bool:
    """Whether an org ruleset's repository condition selects ``repo``."""
    conditions = ruleset.get("conditions", {})
    if "repository_id" in conditions:
        return org.repo_id(repo) in conditions["repository_id"].get("repository_ids", [])
    names = conditions.get("repository_name", {"include": ["~ALL"]})
    return (_pattern_matches(names.get("include", []), repo.name)
            and not _pattern_matches(names.get("exclude", []), repo.name))


def applicable_rulesets(org: FakeOrg, repo: FakeRepo) -> list[tuple[dict[str, Any], str]]:
    """Repository rulesets then matching org rulesets, each with its source type."""
    own = [(rs, "Repository") for rs in repo.rulesets]
    parents = [(rs, "Organization") for rs in org.rulesets if repo_matches(org, rs, repo)]
    return own + parents


def effective_rules(org: FakeOrg, repo: FakeRepo, branch: str) -> list[dict[str, Any]]:
    """``GET rules/branches/{branch}``: active branch rules of every applicable ruleset."""
    items = []
    for ruleset, source_type in applicable_rulesets(org, repo):
        if ruleset.get("enforcement") != "active" or ruleset.get("target", "branch") != "branch":
            continue
        if not ref_matches(ruleset.get("conditions", {}), branch, repo.default_branch):
            continue
        source = f"{org.login}/{repo.name}" if source_type == "Repository" else org.login
        for rule in ruleset.get("rules", []):
            items.append({**rule, "ruleset_source_type": source_type,
                          "ruleset_source": source, "ruleset_id": ruleset["id"]})
    return items

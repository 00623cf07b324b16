"""The in-memory GitLab instance the fake serves, and the rules GitLab applies to it.

Repositories are real bare git repositories (served as ``file://`` clone URLs); settings
(protected branches, approval rules, push rules, protected environments, merged merge
requests) are plain data in GitLab's REST v4 shapes, given with only the keys a test cares
about: :mod:`tests.gitlab_fake.rest` fills in the rest.
"""

from __future__ import annotations

import functools
import re
import subprocess
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Repositories without commits report their creation time as ``last_activity_at``.
CREATED_AT = "2025-01-01T00:00:00.000Z"
TIERS = ("free", "premium", "ultimate")
#: Roles (access levels) by name, for readable tests.
GUEST, REPORTER, DEVELOPER, MAINTAINER, OWNER = 10, 20, 30, 40, 50


@dataclass
class FakeGroup:
    """A group or subgroup, by full path (``acme/platform``)."""

    full_path: str
    protected_branches: list[dict[str, Any]] = field(default_factory=list)
    """Group protected branches (Premium): ``{"name", "push_access_levels": [{"access_level"}],
    "merge_access_levels", "allow_force_push", "code_owner_approval_required"}``."""
    push_rule: dict[str, Any] | None = None
    """The group push rule (Premium); None = none configured (GitLab answers 404)."""
    visibility: str = "private"
    user: bool = False
    """A user's personal namespace: its projects name ``kind: user``, and every group
    endpoint answers 404 for it."""


@dataclass
class FakeProject:
    """A project, by full path (``acme/platform/api``); its namespace is the parent path."""

    path: str
    git_dir: Path | None = None
    """A bare repository served as ``http_url_to_repo`` ``file://...``; None = empty."""
    default_branch: str = "main"
    protected_branches: list[dict[str, Any]] = field(default_factory=list)
    """``{"name" (exact or with ``*``), "push_access_levels": [{"access_level"} or
    {"user_id"} / {"group_id"} / {"deploy_key_id"}], "merge_access_levels",
    "unprotect_access_levels", "allow_force_push", "code_owner_approval_required"}``;
    access level lists default to Maintainers (40)."""
    approval_rules: list[dict[str, Any]] = field(default_factory=list)
    """``{"name", "rule_type", "approvals_required", "users": [usernames],
    "protected_branches": [names], "applies_to_all_protected_branches"}``."""
    approvals: dict[str, Any] = field(default_factory=dict)
    """Project approval settings overriding GitLab's defaults (``reset_approvals_on_push``...)."""
    push_rule: dict[str, Any] | None = None
    """The project push rule (Premium); None = none configured (GitLab answers ``null``)."""
    protected_environments: list[dict[str, Any]] = field(default_factory=list)
    """``{"name", "required_approval_count", "deploy_access_levels": [{"access_level"}],
    "approval_rules": [{"access_level" | "user_id" | "group_id", "required_approvals"}]}``."""
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    """Merge requests: ``{"iid", "merged_at", "author" (username), "source_branch",
    "target_branch" (default: the default branch), "title", "description",
    "approved_by": [usernames], "commits": [(message, author name, author email)],
    "state" ("merged"), "updated_at"/"created_at" (default: ``merged_at``)}``."""
    pipeline_must_succeed: bool = False
    secret_push_protection: bool | None = None
    """``secret_push_protection_enabled``, sent on Ultimate only (None = False there)."""
    archived: bool = False
    fork: bool = False
    empty: bool = False
    """An empty repository even if ``git_dir`` is set (``git_dir=None`` is empty too)."""
    deleted: bool = False
    """Listed in the inventory, but every per-project read answers 404."""
    clone_url: str | None = None
    """Served instead of ``git_dir``'s ``file://`` URL (e.g. one git cannot clone)."""
    visibility: str = "private"
    roles: dict[str, int] = field(default_factory=dict)
    """token -> role in this project, overriding :attr:`FakeInstance.tokens`."""

    @property
    def namespace(self) -> str:
        """The full path of the group holding the project."""
        return self.path.rpartition("/")[0]

    @property
    def is_empty(self) -> bool:
        """Whether the repository has no commits (no default branch)."""
        return self.empty or self.git_dir is None


@dataclass
class FakeInstance:
    """The GitLab instance: tier, tokens, groups and projects (ids assigned in order).

    Groups named by a project or subgroup path but not given are created. Build the
    instance completely before serving it: the id and path indexes are made here.
    """

    tier: str = "premium"
    tokens: dict[str, int] = field(default_factory=dict)
    """token -> role (access level) in every group and project."""
    groups: list[FakeGroup] = field(default_factory=list)
    projects: list[FakeProject] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}, not {self.tier!r}")
        for path in [g.full_path for g in self.groups] + [p.namespace for p in self.projects]:
            self._ensure_group(path)
        self._groups = {g.full_path.lower(): g for g in self.groups}
        self._group_ids = {id(g): 1 + i for i, g in enumerate(self.groups)}
        self._groups_by_id = {1 + i: g for i, g in enumerate(self.groups)}
        self._projects = {p.path.lower(): p for p in self.projects}
        self._project_ids = {id(p): 101 + i for i, p in enumerate(self.projects)}
        self._projects_by_id = {101 + i: p for i, p in enumerate(self.projects)}
        self._direct: dict[str, list[FakeProject]] = {g.full_path.lower(): []
                                                      for g in self.groups}
        for project in self.projects:
            self._direct[project.namespace.lower()].append(project)

    def _ensure_group(self, path: str) -> None:
        """Add ``path`` and its ancestors to :attr:`groups` when missing."""
        if not path:
            raise ValueError("projects must live in a group (path 'group/project')")
        parent = path.rpartition("/")[0]
        if parent:
            self._ensure_group(parent)
        if all(g.full_path.lower() != path.lower() for g in self.groups):
            self.groups.append(FakeGroup(path))

    def group_id(self, group: FakeGroup) -> int:
        """The group's id (groups are numbered from 1 in order)."""
        return self._group_ids[id(group)]

    def project_id(self, project: FakeProject) -> int:
        """The project's id (projects are numbered from 101 in order)."""
        return self._project_ids[id(project)]

    def group(self, ref: str) -> FakeGroup | None:
        """The group by id or (URL-decoded) full path, case-insensitive as GitLab."""
        if ref.isdigit():
            return self._groups_by_id.get(int(ref))
        return self._groups.get(ref.lower())

    def project(self, ref: str) -> FakeProject | None:
        """The project by id or (URL-decoded) full path, deleted ones included."""
        if ref.isdigit():
            return self._projects_by_id.get(int(ref))
        return self._projects.get(ref.lower())

    def parent(self, group: FakeGroup) -> FakeGroup | None:
        """The parent group, None for a top-level group."""
        parent = group.full_path.rpartition("/")[0]
        return self._groups[parent.lower()] if parent else None

    def group_projects(self, group: FakeGroup, *, subgroups: bool) -> list[FakeProject]:
        """Projects directly in ``group``, or in it and every descendant group."""
        key = group.full_path.lower()
        if not subgroups:
            return list(self._direct[key])
        return [p for path, direct in self._direct.items()
                if path == key or path.startswith(key + "/") for p in direct]

    def project_role(self, token: str, project: FakeProject) -> int:
        """The token's role in ``project`` (its override, else its instance-wide role)."""
        return project.roles.get(token, self.tokens[token])

    def ancestors(self, project: FakeProject) -> list[FakeGroup]:
        """The project's group, then its parent groups up to the top-level group."""
        chain = []
        group: FakeGroup | None = self._groups[project.namespace.lower()]
        while group is not None:
            chain.append(group)
            group = self.parent(group)
        return chain


def number(name: str) -> int:
    """A stable numeric id for a username or key (the same in every process)."""
    return zlib.crc32(name.encode()) % 10**6 + 1


def branch_matches(pattern: str, branch: str) -> bool:
    """GitLab's protected-branch wildcard: only ``*`` is special (matching ``/`` too)."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, branch) is not None


def gitlab_time(value: datetime) -> str:
    """GitLab's timestamp format (UTC with milliseconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass(frozen=True)
class GitCommit:
    """A commit of a served repository, as the branch endpoint shows it."""

    id: str
    parent_ids: tuple[str, ...]
    author_name: str
    author_email: str
    authored_date: str
    committer_name: str
    committer_email: str
    committed_date: str
    message: str


def branch_head(project: FakeProject, branch: str) -> GitCommit | None:
    """The commit ``branch`` points at, None when the branch (or any commit) is missing."""
    if project.is_empty or project.git_dir is None:
        return None
    oid = _ref_oid(project.git_dir, f"refs/heads/{branch}")
    return None if oid is None else _commit(project.git_dir, oid)


def _ref_oid(git_dir: Path, ref: str) -> str | None:
    """A ref's commit id read from the ref files: cheap enough for every inventory entry,
    and always current when a test pushes commits between requests."""
    loose = git_dir / ref
    if loose.is_file():
        return loose.read_text().strip()
    packed = git_dir / "packed-refs"
    lines = packed.read_text().splitlines() if packed.is_file() else []
    return next((line.split()[0] for line in lines if line.endswith(f" {ref}")), None)


@functools.cache
def _commit(git_dir: Path, oid: str) -> GitCommit:
    """A commit's metadata (immutable, so cached)."""
    out = subprocess.run(
        ["git", "show", "-s", "--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B",
         oid], cwd=git_dir, capture_output=True, text=True, check=True).stdout
    sha, parents, an, ae, at, cn, ce, ct, message = out.split("\x00", 8)
    stamp = functools.partial(datetime.fromtimestamp, tz=UTC)
    return GitCommit(sha, tuple(parents.split()), an, ae, gitlab_time(stamp(int(at))), cn, ce,
                     gitlab_time(stamp(int(ct))), message.rstrip("\n") + "\n")

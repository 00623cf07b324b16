"""Shared shapes of the GitLab scan: what is known about a project before its collectors run.

The group plan (:mod:`collectors.sources.gitlab`) reads the inventory once, then for each
project the settings its token's role may see, and hands them over in a
:class:`ProjectHandle`; the GitLab platform collectors only parse. Raw data stays in GitLab's
own REST v4 JSON shapes (platform-apis.md §4) so that parsers can be tested against the
response shapes of GitLab's documentation.

Each :class:`~collectors.sources.api_types.Fetched` answer means one of:

* ``ok`` with data: what GitLab answered (``data`` may be None where GitLab says "none
  configured", e.g. a project push rule answering ``null`` or a group push rule 404);
* ``error.unavailable``: the feature is not offered on this GitLab plan (a Premium endpoint
  answering 404 or 403 to a role that may read it), an observed absence;
* ``error.reason`` ``not-permitted``: this token's role may not read it (never requested);
* any other error: a read that failed (a gap that makes the scan partial).
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.sources.api_types import Fetched

#: GitLab access levels (platform-apis.md §4.1): the caller's role in a project.
GUEST, REPORTER, DEVELOPER, MAINTAINER, OWNER = 10, 20, 30, 40, 50
ROLE_NAMES = {GUEST: "Guest", REPORTER: "Reporter", DEVELOPER: "Developer",
              MAINTAINER: "Maintainer", OWNER: "Owner"}


def role_name(level: int) -> str:
    """The GitLab role of an access level, for "this token is Developer" details."""
    return ROLE_NAMES.get(level, f"access level {level}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectMeta:
    """One project as the group inventory lists it (REST ``Project`` entity)."""

    id: int
    path: str
    """``path_with_namespace``, e.g. ``acme/platform/api``."""
    default_branch: str | None
    """None when the repository is empty."""
    archived: bool
    fork: bool
    """The listing names a ``forked_from_project``."""
    empty: bool
    last_activity_at: str | None
    clone_url: str
    """``http_url_to_repo``."""
    web_url: str
    visibility: str
    access_level: int
    """The caller's role, from the ``min_access_level`` listings: 40 means Maintainer or
    Owner, 30 Developer, 20 Reporter or below (a member who can read the code)."""
    pipeline_must_succeed: bool | None
    """``only_allow_merge_if_pipeline_succeeds``; None when GitLab did not send it."""
    secret_push_protection: bool | None
    """``secret_push_protection_enabled`` (Ultimate); None when GitLab did not send it."""
    raw_endpoint: str
    """The inventory endpoint this came from (for provenance)."""

    @property
    def name(self) -> str:
        """The project's own path (last segment)."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def full_name(self) -> str:
        """The full path, as ``--repos`` globs match it."""
        return self.path

    @property
    def maintainer(self) -> bool:
        """Whether the caller may read Maintainer-only settings (protection, push rules)."""
        return self.access_level >= MAINTAINER

    @property
    def developer(self) -> bool:
        """Whether the caller may read Developer-level settings (approval rules)."""
        return self.access_level >= DEVELOPER


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupData:
    """What is read once for the scanned group (or a single project's top group)."""

    full_path: str
    """The top-level group, whose protected branches apply to every project below it."""
    protected_branches: Fetched
    """``GET /groups/:id/protected_branches`` (Premium): a list of ``ProtectedBranch``."""
    push_rule: Fetched
    """``GET /groups/:id/push_rule`` (Premium, Owner): a ``PushRule``, or None when the
    group has none (GitLab answers 404)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectHandle:
    """Everything the GitLab platform collectors may read for one project."""

    meta: ProjectMeta
    group: GroupData | None
    """None when the project's group could not be identified."""
    head: str | None
    """Default-branch HEAD as the clone saw it (None for an empty repository)."""
    branch: Fetched
    """``GET /projects/:id/repository/branches/:default`` (a ``Branch`` with ``protected``,
    ``developers_can_push``, ``developers_can_merge``): read for non-Maintainers only,
    whose view of protection it is; ``not-permitted``-free but unread (``data`` None and
    ``endpoint`` empty) for Maintainers, who get ``protected_branches``."""
    protected_branches: Fetched
    """``GET /projects/:id/protected_branches``: every ``ProtectedBranch`` of the project
    (wildcards included; the collector matches them against the default branch)."""
    approval_rules: Fetched
    """``GET /projects/:id/approval_rules`` (Premium, Developer): ``ApprovalRule`` list."""
    approvals: Fetched
    """``GET /projects/:id/approvals`` (Premium, Maintainer): project approval settings."""
    push_rule: Fetched
    """``GET /projects/:id/push_rule`` (Premium, Maintainer): a ``PushRule`` or None."""
    protected_environments: Fetched
    """``GET /projects/:id/protected_environments`` (Premium, Maintainer)."""
    merge_requests: Fetched
    """Merged merge requests into the default branch within the window, newest first: each
    a ``MergeRequest`` (list entity) with two added keys, ``commits`` (the MR's
    ``Commit`` list) and ``approvals`` (its ``/approvals`` answer, with ``approved_by``);
    either may be None when that read failed, and the MR then counts as not decided."""
    merge_requests_complete: bool = True
    """False when the window holds more merged MRs than were read."""

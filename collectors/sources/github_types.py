"""Shared shapes of the GitHub scan: API responses, failures and what is known per repository.

The HTTP client (:mod:`collectors.sources.github_api`) returns :class:`Response` values or
raises :class:`ApiError`; the organisation sweep (:mod:`collectors.sources.github`) gathers
what is read once or in batches into a :class:`RepoHandle` per repository; the platform
collectors turn a handle into evidence or gaps. Raw data stays in GitHub's own JSON shapes
(REST or GraphQL) so that parsers can be tested against recorded responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from collectors.sources.api_types import ApiError, Fetched, Response

if TYPE_CHECKING:
    from collectors.sources.github_api import GitHubApi

__all__ = ["ApiError", "Fetched", "GraphQLResult", "OrgData", "RepoHandle", "RepoMeta", "Response"]


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphQLResult:
    """A GraphQL response: data (possibly partial) and the error entries GitHub returned."""

    data: Mapping[str, Any]
    errors: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoMeta:
    """One repository as the inventory lists it (REST ``minimal-repository`` shape)."""

    owner: str
    name: str
    default_branch: str | None
    """None when the repository is empty."""
    archived: bool
    fork: bool
    private: bool
    visibility: str
    pushed_at: str | None
    clone_url: str
    html_url: str
    permissions: Mapping[str, bool]
    """The caller's ``permissions`` (admin, maintain, push, triage, pull); empty if not sent."""
    security_and_analysis: Mapping[str, Any] | None
    """Only present for admins, owners and security managers: None means not visible."""
    raw_endpoint: str
    """The inventory endpoint this came from (for provenance)."""
    raw_etag: str | None

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    @property
    def admin(self) -> bool:
        """Whether the caller is an administrator of this repository."""
        return bool(self.permissions.get("admin"))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgData:
    """What is read once per organisation and shared by all its repositories."""

    login: str
    rulesets: Fetched
    """``GET /orgs/{org}/rulesets`` then each ``/orgs/{org}/rulesets/{id}``: ``data`` is a list
    of full ruleset objects (with ``rules`` and ``conditions``)."""
    workflow_permissions: Fetched
    """``GET /orgs/{org}/actions/permissions/workflow``: ``data`` has
    ``default_workflow_permissions`` (``read``/``write``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoHandle:
    """Everything the platform collectors may read for one repository.

    ``state`` and ``pulls`` come from batched GraphQL queries made before the collectors
    run; ``api`` is there for the per-repository REST calls (effective rules, code scanning
    default setup), which are conditional and cached.
    """

    meta: RepoMeta
    org: OrgData | None
    """None for a repository of a user account (no organisation settings)."""
    state: Fetched
    """GraphQL ``repository`` object: ``defaultBranchRef{name target{oid}
    refUpdateRule{...} branchProtectionRule{...} (admin only)}`` and ``environments``."""
    pulls: Fetched
    """GraphQL: ``data`` is a list of merged pull request nodes in the window, newest first,
    each with ``number mergedAt headRefName body author{login __typename}
    reviews{nodes{state author{login __typename}}} commits{totalCount nodes{commit{oid
    message author{email name user{login}}}}}``; ``pulls_complete`` says whether the
    window was covered."""
    pulls_complete: bool = True
    api: GitHubApi | None = field(default=None, compare=False)

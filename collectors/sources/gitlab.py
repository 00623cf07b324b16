"""Reading a GitLab group (subgroups included) or project: inventory, settings, merge requests.

The group's project list is the backbone (one request per 100 projects), and two more
listings with ``min_access_level`` tell the token's role in each project at no per-project
cost (platform-apis.md §4.6), so settings a role cannot see are never requested: they are
recorded as ``not-permitted``, as the preflight announces. What only Premium offers is probed
once: after the first "not on this plan" answer the other projects skip those endpoints and
record the same absence (on GitLab.com the plan belongs to the top-level group, on a
self-managed instance to the instance).

Per project, the settings its role may see are read afresh on every run (GitLab has no
conditional requests and settings changes do not move ``last_activity_at``); files and
history come from the cached clone (git traffic, not API requests) and merged merge
requests are cached by HEAD, so an unchanged project costs only its settings reads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from collectors.sources.api_types import ApiError, Fetched
from collectors.sources.base import Job, RepoUnavailable, Source, SourceError
from collectors.sources.clone_cache import CloneCache
from collectors.sources.cloned import ClonedSource, sync_clone
from collectors.sources.gitlab_api import BudgetSpent, GitLabApi, endpoint_of
from collectors.sources.gitlab_types import (
    DEVELOPER,
    MAINTAINER,
    REPORTER,
    GroupData,
    ProjectHandle,
    ProjectMeta,
    role_name,
)
from collectors.sources.json_shapes import chunks, moment
from collectors.sources.selection import Excluded, Selection
from scanner.evidence import UnknownReason
from scanner.model import Visibility

log = logging.getLogger(__name__)

PUBLIC_URL = "https://gitlab.com"
#: Merged merge requests read per project and window before the window is called incomplete.
MAX_MERGE_REQUESTS = 100
#: Commits read per merge request (GitLab pages them by 100).
MAX_MR_COMMITS = 250
#: Projects handed to the engine at a time (keeps per-batch state small).
BATCH = 25

_SEGMENT = r"[A-Za-z0-9_.][A-Za-z0-9_.-]*"
_SHORT = re.compile(rf"^gitlab:({_SEGMENT}(?:/{_SEGMENT})*)/?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class GitLabTarget:
    """What to scan on a GitLab instance: a group (with subgroups) or one project."""

    url: str
    """The instance, e.g. ``https://gitlab.com`` (the API is under ``/api/v4``)."""
    path: str
    """Full path of the group or project, e.g. ``acme`` or ``acme/platform/api``."""

    @property
    def web_host(self) -> str:
        """Host (and port) of the instance, used in project ids (``gitlab.com/acme/api``)."""
        return urlsplit(self.url).netloc

    @property
    def label(self) -> str:
        """``gitlab:acme/platform``."""
        return f"gitlab:{self.path}"


def instance_url_for(gitlab_url: str | None, ci_server_url: str | None) -> str:
    """``--gitlab-url`` as given, else ``CI_SERVER_URL`` (inside GitLab CI), else gitlab.com."""
    for url in (gitlab_url, ci_server_url):
        if url and url.strip():
            return url.strip().rstrip("/")
    return PUBLIC_URL


def parse_target(text: str, instance_url: str) -> GitLabTarget | None:
    """``gitlab:PATH`` or a web URL of the instance (or gitlab.com); None if not GitLab."""
    match = _SHORT.match(text.strip())
    if match:
        return _target(instance_url, match.group(1).split("/"))
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    instance = urlsplit(instance_url)
    if parts.netloc == instance.netloc:
        base = instance_url
    elif parts.netloc in ("gitlab.com", "www.gitlab.com"):
        base = PUBLIC_URL
    else:
        return None
    prefix = [s for s in instance.path.split("/") if s] if base == instance_url else []
    segments = [s for s in parts.path.split("/") if s]
    if segments[:len(prefix)] != prefix:
        return None
    segments = segments[len(prefix):]
    if "-" in segments:  # /acme/api/-/tree/main: the part after "/-/" is a page, not a path
        segments = segments[:segments.index("-")]
    if segments[:1] == ["groups"]:  # /groups/acme/-/... is the web UI's form of a group page
        segments = segments[1:]
    return _target(base, segments)


def _target(url: str, segments: list[str]) -> GitLabTarget | None:
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][:-4]
    if not segments or not all(re.fullmatch(_SEGMENT, s) and s not in (".", "..")
                               for s in segments):
        return None
    return GitLabTarget(url=url, path="/".join(segments))


def encoded(path: str) -> str:
    """A full path as GitLab's ``:id`` (``acme%2Fapi``)."""
    return quote(path, safe="")


# ----------------------------------------------------------------------------- inventory


def meta_of(item: Mapping[str, Any], access_level: int, endpoint: str) -> ProjectMeta:
    """A project of the REST inventory (``Project`` entity)."""
    pipeline = item.get("only_allow_merge_if_pipeline_succeeds")
    protection = item.get("secret_push_protection_enabled")
    return ProjectMeta(
        id=int(item["id"]), path=str(item["path_with_namespace"]),
        default_branch=item.get("default_branch") or None,
        archived=bool(item.get("archived")), fork=bool(item.get("forked_from_project")),
        empty=bool(item.get("empty_repo")), last_activity_at=item.get("last_activity_at"),
        clone_url=str(item.get("http_url_to_repo") or ""), web_url=str(item.get("web_url") or ""),
        visibility=str(item.get("visibility") or "private"), access_level=access_level,
        pipeline_must_succeed=pipeline if isinstance(pipeline, bool) else None,
        secret_push_protection=protection if isinstance(protection, bool) else None,
        raw_endpoint=endpoint)


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """The target resolved: a group with its projects, or one project."""

    group_path: str | None
    """Full path of the scanned group (None for a single-project target)."""
    namespace: str | None
    """The group whose settings apply: the scanned group, or a single project's group
    (None for a project of a user's personal namespace, which has no group settings)."""
    projects: list[ProjectMeta]


def list_projects(api: GitLabApi, target: GitLabTarget) -> Inventory:
    """The target's projects with the caller's role in each.

    A path with several segments may name a project or a subgroup; GitLab's API cannot tell
    without asking, so the project is tried first. Raises :class:`SourceError` when the
    target cannot be read at all (bad token, nothing by that path visible).
    """
    try:
        if "/" in target.path:
            try:
                response = api.get(f"/projects/{encoded(target.path)}")
            except ApiError as exc:
                if exc.status != 404:
                    raise
            else:
                namespace = response.data.get("namespace") or {}
                return Inventory(group_path=None,
                                 namespace=(str(namespace.get("full_path"))
                                            if namespace.get("kind") == "group" else None),
                                 projects=[meta_of(response.data, _role_of(response.data),
                                                   response.endpoint)])
        group = api.get(f"/groups/{encoded(target.path)}").data
        path = str(group.get("full_path") or target.path)
        return Inventory(group_path=path, namespace=path,
                         projects=_group_projects(api, int(group["id"])))
    except ApiError as exc:
        raise SourceError(f"{target.label}: {_target_problem(exc)}") from None


def _role_of(project: Mapping[str, Any]) -> int:
    """The caller's role from a single project's ``permissions`` (project or group access)."""
    permissions = project.get("permissions") or {}
    levels = [(permissions.get(k) or {}).get("access_level") for k in ("project_access",
                                                                         "group_access")]
    return max([lv for lv in levels if isinstance(lv, int)], default=REPORTER)


def _group_projects(api: GitLabApi, group_id: int) -> list[ProjectMeta]:
    path = f"/groups/{group_id}/projects"
    base = {"include_subgroups": "true", "with_shared": "false", "order_by": "id",
            "sort": "asc", "per_page": 100}
    listing, _ = api.items(path, base)
    # Two light listings give the role buckets for every project at once (§4.6).
    roles: dict[int, int] = {}
    for level in (DEVELOPER, MAINTAINER):
        bucket, _ = api.items(path, {**base, "min_access_level": level, "simple": "true"})
        roles.update({int(p["id"]): level for p in bucket.data})
    return [meta_of(item, roles.get(int(item["id"]), REPORTER), listing.endpoint)
            for item in listing.data]


def _target_problem(exc: ApiError) -> str:
    if exc.reason is UnknownReason.NO_CREDENTIALS:
        return ("GitLab refused the token (401): set GITLAB_TOKEN, or name the variable with "
                "--token-env; it needs the read_api and read_repository scopes")
    if exc.status == 404:
        return ("no group or project by this path, or not visible to this token (GitLab "
                "answers 404 for both)")
    return f"{exc.endpoint}: {exc.detail}"


# ----------------------------------------------------------------------------- plan tier


_ANY_ID = re.compile(r"/(projects|groups)/[^/?\s]+")


class TierProbe:
    """Whether this instance (or top-level group) offers the Premium endpoints.

    Unknown until one Premium endpoint answers; then shared by every project of the scan.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.premium: bool | None = None
        self.evidence = ""
        """The answer that decided it, e.g. ``GET /projects/7/push_rule answered 404``."""

    def learn(self, premium: bool, evidence: str) -> None:
        """Record the first answer that shows the plan.

        Which project answers first depends on thread timing, so its id is replaced by
        ``:id``: every project's evidence then reads the same in every run (and shard).
        """
        with self._lock:
            if self.premium is None:
                self.premium = premium
                self.evidence = _ANY_ID.sub(r"/\1/:id", evidence)

    def unavailable(self, endpoint: str) -> Fetched:
        """The absence of a Premium feature, as the probe established it."""
        return Fetched(endpoint=endpoint, error=ApiError(
            endpoint, None, UnknownReason.NOT_FOUND_OR_HIDDEN,
            f"not available on this GitLab plan ({self.evidence})", unavailable=True))


def _not_permitted(endpoint: str, needs: int, role: int) -> Fetched:
    return Fetched(endpoint=endpoint, error=ApiError(
        endpoint, None, UnknownReason.NOT_PERMITTED,
        f"visible to {role_name(needs)}s and above; this token is {role_name(role)} here"))


def read_premium(api: GitLabApi, tier: TierProbe, path: str, *, listing: bool = False
                 ) -> Fetched:
    """A Premium endpoint the role may read; 403/404 then means "not on this plan".

    Called only after a Free endpoint of the same project (or group) answered, so the
    project exists and the role is known to suffice.
    """
    params = {"per_page": 100} if listing else None
    endpoint = endpoint_of(path, params)
    if tier.premium is False:
        return tier.unavailable(endpoint)
    try:
        data = (api.items(path, params)[0] if listing else api.get(path, params)).data
    except ApiError as exc:
        if exc.status in (403, 404):
            answer = f"{exc.endpoint} answered {exc.status} {exc.detail}"
            tier.learn(False, answer)
            return Fetched(endpoint=endpoint, error=ApiError(
                exc.endpoint, exc.status, exc.reason,
                f"not available on this GitLab plan ({answer})", unavailable=True))
        return Fetched(endpoint=endpoint, error=exc)
    tier.learn(True, f"{endpoint} answered")
    return Fetched(endpoint=endpoint, data=data)


def read_group(api: GitLabApi, path: str | None, tier: TierProbe) -> GroupData | None:
    """Group-level protected branches and push rule of the top-level group.

    The protected branches also probe the plan. A group push rule answers 404 both when
    none is set and (for Owners on Free) when the plan has none: the plan decides which.
    """
    if not path:
        return None
    top = path.split("/", 1)[0]
    pb_path, rule_path = f"/groups/{encoded(top)}/protected_branches", \
        f"/groups/{encoded(top)}/push_rule"
    protected = _group_protected_branches(api, tier, pb_path)
    rule_endpoint = endpoint_of(rule_path)
    try:
        rule = Fetched(endpoint=rule_endpoint, data=api.get(rule_path).data)
    except ApiError as exc:
        if exc.status == 404 and tier.premium:
            rule = Fetched(endpoint=rule_endpoint, data=None)  # Premium, and none is set
        elif exc.status == 404 and tier.premium is False:
            rule = tier.unavailable(rule_endpoint)
        elif exc.status == 403:
            rule = Fetched(endpoint=rule_endpoint, error=ApiError(
                rule_endpoint, 403, UnknownReason.NOT_PERMITTED,
                "the group push rule is visible to group Owners only"))
        else:
            rule = Fetched(endpoint=rule_endpoint, error=exc)
    return GroupData(full_path=top, protected_branches=protected, push_rule=rule)


def _group_protected_branches(api: GitLabApi, tier: TierProbe, path: str) -> Fetched:
    """The group's protected branches; its answer also shows the plan (the group exists)."""
    params = {"per_page": 100}
    endpoint = endpoint_of(path, params)
    try:
        data = api.items(path, params)[0].data
    except ApiError as exc:
        if exc.status == 404:  # the group exists: 404 is the plan
            tier.learn(False, f"{exc.endpoint} answered 404 {exc.detail}")
            return tier.unavailable(endpoint)
        if exc.status == 403:
            return Fetched(endpoint=endpoint, error=ApiError(
                endpoint, 403, UnknownReason.NOT_PERMITTED,
                "group protected branches are visible to the group's Maintainers and "
                "Owners only"))
        return Fetched(endpoint=endpoint, error=exc)
    tier.learn(True, f"{endpoint} answered")
    return Fetched(endpoint=endpoint, data=data)


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """A project's settings as its token's role and plan let them be read."""

    branch: Fetched
    protected_branches: Fetched
    approval_rules: Fetched
    approvals: Fetched
    push_rule: Fetched
    protected_environments: Fetched


_UNREAD = Fetched(endpoint="")


def read_settings(api: GitLabApi, meta: ProjectMeta, tier: TierProbe) -> Settings:
    """Every setting the role may see; the first (Free) read also proves the project exists.

    Raises :class:`RepoUnavailable` when the project listed by the inventory cannot be read.
    """
    base, role = f"/projects/{meta.id}", meta.access_level
    branch, protected = _UNREAD, _UNREAD
    try:
        if meta.maintainer:
            response, _ = api.items(f"{base}/protected_branches", {"per_page": 100})
            protected = Fetched(endpoint=response.endpoint, data=response.data)
        else:
            endpoint = endpoint_of(f"{base}/protected_branches")
            protected = _not_permitted(endpoint, MAINTAINER, role)
            if meta.default_branch:
                path = f"{base}/repository/branches/{encoded(meta.default_branch)}"
                response = api.get(path)
                branch = Fetched(endpoint=response.endpoint, data=response.data)
            else:
                api.get(base)  # nothing to read about a branch; still prove the project
    except ApiError as exc:
        if exc.status == 404:
            raise RepoUnavailable(f"listed by the inventory but no longer readable: "
                                  f"{exc.detail}", exc.reason) from None
        failed = Fetched(endpoint=exc.endpoint, error=exc)
        branch, protected = ((failed, protected) if not meta.maintainer else (branch, failed))

    def premium(path: str, needs: int, *, listing: bool = False) -> Fetched:
        if role < needs:
            return _not_permitted(endpoint_of(path, {"per_page": 100} if listing else None),
                                  needs, role)
        return read_premium(api, tier, path, listing=listing)

    return Settings(
        branch=branch, protected_branches=protected,
        approval_rules=premium(f"{base}/approval_rules", DEVELOPER, listing=True),
        approvals=premium(f"{base}/approvals", MAINTAINER),
        push_rule=premium(f"{base}/push_rule", MAINTAINER),
        protected_environments=premium(f"{base}/protected_environments", MAINTAINER,
                                       listing=True))


# ----------------------------------------------------------------------------- merge requests


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeWindow:
    """Merged merge requests of one project's window, as cached between runs."""

    head: str | None
    since: str
    merge_requests: list[Any]
    complete: bool


class MergeRequestCache:
    """Merged merge requests per project keyed by HEAD: unchanged HEAD, nothing new merged."""

    def __init__(self, root: Path) -> None:
        self._root = root / "gitlab" / "merge-requests"

    def _path(self, repo_id: str) -> Path:
        return self._root / (hashlib.sha256(repo_id.encode()).hexdigest()[:32] + ".json")

    def load(self, repo_id: str) -> MergeWindow | None:
        """The last stored window of a project, whatever its HEAD."""
        try:
            data = json.loads(self._path(repo_id).read_text(encoding="utf-8"))
            return MergeWindow(head=data["head"], since=data["since"],
                               merge_requests=list(data["merge_requests"]),
                               complete=bool(data["complete"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, repo_id: str, window: MergeWindow) -> None:
        """Store a window (best effort: a cache that cannot be written only costs requests)."""
        path = self._path(repo_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(".tmp")
            temp.write_text(json.dumps({"head": window.head, "since": window.since,
                                        "merge_requests": window.merge_requests,
                                        "complete": window.complete}), encoding="utf-8")
            os.replace(temp, path)
        except OSError as exc:
            log.warning("merge request cache not written: %s", exc)


def read_merge_requests(api: GitLabApi, meta: ProjectMeta, *, head: str | None,
                        since: datetime, cache: MergeRequestCache, repo_id: str
                        ) -> tuple[Fetched, bool]:
    """Merged MRs into the default branch in the window, each with its commits and approvals.

    With HEAD unchanged nothing new can have merged into the default branch, so the stored
    window answers. Otherwise the list is read again and only MRs not seen before cost
    their two reads (commits, approvals): a merged MR does not change.
    """
    path = f"/projects/{meta.id}/merge_requests"
    params = {"state": "merged", "target_branch": meta.default_branch or "",
              "updated_after": since.isoformat(), "order_by": "updated_at", "sort": "desc",
              "per_page": 100}
    endpoint = endpoint_of(path, params)
    if not meta.default_branch or head is None:
        return Fetched(endpoint=endpoint, data=[]), True
    stored = cache.load(repo_id)
    if (stored is not None and stored.head == head
            and datetime.fromisoformat(stored.since) <= since):
        return Fetched(endpoint=endpoint, data=_in_window(stored.merge_requests, since)), \
            stored.complete
    try:
        listed, complete = api.items(path, params, limit=MAX_MERGE_REQUESTS)
    except ApiError as exc:
        return Fetched(endpoint=endpoint, error=exc), False
    known = {(mr.get("iid"), mr.get("merged_at")): mr for mr in
             (stored.merge_requests if stored else []) if _whole(mr)}
    found = [known.get((mr.get("iid"), mr.get("merged_at"))) or _with_details(api, meta, mr)
             for mr in _in_window(listed.data, since)]
    if all(_whole(mr) for mr in found):
        cache.put(repo_id, MergeWindow(head=head, since=since.isoformat(), merge_requests=found,
                                       complete=complete))
    return Fetched(endpoint=endpoint, data=found), complete


def _in_window(merge_requests: Sequence[Any], since: datetime) -> list[Any]:
    return [mr for mr in merge_requests
            if isinstance(mr, Mapping) and moment(mr.get("merged_at")) >= since]


def _whole(mr: Mapping[str, Any]) -> bool:
    return mr.get("commits") is not None and mr.get("approvals") is not None


def _with_details(api: GitLabApi, meta: ProjectMeta, mr: Mapping[str, Any]) -> dict[str, Any]:
    """The MR with ``commits`` and ``approvals`` added (None where the read failed)."""
    base = f"/projects/{meta.id}/merge_requests/{mr.get('iid')}"
    details: dict[str, Any] = dict(mr)
    try:
        details["commits"] = api.items(f"{base}/commits", {"per_page": 100},
                                       limit=MAX_MR_COMMITS)[0].data
    except ApiError as exc:
        log.debug("%s", exc)
        details["commits"] = None
    try:
        details["approvals"] = api.get(f"{base}/approvals").data
    except ApiError as exc:
        log.debug("%s", exc)
        details["approvals"] = None
    return details


# ----------------------------------------------------------------------------- plan


class GitLabPlan:
    """The whole read plan of a GitLab scan: inventory and group first, then projects."""

    def __init__(self, api: GitLabApi, target: GitLabTarget, clones: CloneCache, *,
                 cache_root: Path, selection: Selection, since: datetime) -> None:
        self.api = api
        self.target = target
        self._clones = clones
        self._merge_requests = MergeRequestCache(cache_root)
        self._since = since
        self.tier = TierProbe()
        inventory = list_projects(api, target)
        self.listed = inventory.projects
        self.single = inventory.group_path is None
        self.group = read_group(api, inventory.namespace, self.tier)
        self.selected: list[ProjectMeta] = []
        self.excluded: list[Excluded] = []
        for meta in self.listed:
            why = None if self.single else selection.why_excluded(meta)
            if why:
                self.excluded.append(Excluded(repo_id=self.repo_id(meta), why=why))
            else:
                self.selected.append(meta)

    def repo_id(self, meta: ProjectMeta) -> str:
        """``gitlab.com/acme/platform/api`` (the instance's host for self-managed)."""
        return f"{self.target.web_host}/{meta.path}"

    def batches(self) -> Iterator[list[Job]]:
        """Jobs in batches of :data:`BATCH` projects."""
        for batch in chunks(self.selected, BATCH):
            yield [self._job(meta) for meta in batch]

    def _job(self, meta: ProjectMeta) -> Job:
        repo_id = self.repo_id(meta)

        def open_project() -> Source:
            if self.api.budget_spent:
                raise self._budget_spent()
            try:
                settings = read_settings(self.api, meta, self.tier)
                synced = sync_clone(self._clones, repo_id=repo_id, url=meta.clone_url,
                                    branch=meta.default_branch, head=None, since=self._since)
                merge_requests, complete = read_merge_requests(
                    self.api, meta, head=synced.head, since=self._since,
                    cache=self._merge_requests, repo_id=repo_id)
            except BudgetSpent:
                raise self._budget_spent() from None
            handle = ProjectHandle(
                meta=meta, group=self.group, head=synced.head, branch=settings.branch,
                protected_branches=settings.protected_branches,
                approval_rules=settings.approval_rules, approvals=settings.approvals,
                push_rule=settings.push_rule,
                protected_environments=settings.protected_environments,
                merge_requests=merge_requests, merge_requests_complete=complete)
            return ClonedSource(synced.path, repo_id=repo_id, web_url=meta.web_url,
                                platform=handle)

        return Job(repo_id=repo_id, open=open_project)

    def _budget_spent(self) -> SourceError:
        budget = self.api.stats().budget
        return RepoUnavailable(f"not read: the run's request budget (--max-requests {budget}) "
                               "was spent", UnknownReason.BUDGET_SPENT)


def preflight(plan: GitLabPlan) -> tuple[Visibility, ...]:
    """What this token can see, from the role buckets and the group reads alone."""
    projects = plan.selected
    total = len(projects)
    developer = sum(1 for m in projects if m.developer)
    maintainer = sum(1 for m in projects if m.maintainer)

    # The group reads may already have shown the plan: say so rather than imply a setting.
    premium = "Premium: not offered on this plan" if plan.tier.premium is False else "Premium"

    def row(evidence: str, needs: str, visible: int) -> Visibility:
        return Visibility(evidence=evidence.replace("Premium", premium), needs=needs,
                          visible=visible, total=total, scope="projects")

    rows = [
        row("project list, files and history", "Reporter", total),
        row("merged merge requests and their approvals", "Reporter", total),
        row("whether the default branch is protected", "Reporter", total),
        row("protected branch settings (push and merge access, code owner approval, "
            "force push)", "Maintainer", maintainer),
        row("merge request approval rules (Premium)", "Developer", developer),
        row("approval settings: reset on push, author and committer approval (Premium)",
            "Maintainer", maintainer),
        row("push rules: secrets, signed commits, file names (Premium)", "Maintainer",
            maintainer),
        row("protected environments (Premium)", "Maintainer", maintainer),
    ]
    group = plan.group
    if group is not None:
        rows += [
            Visibility(evidence=f"group protected branches of {group.full_path} ({premium})",
                       needs="group Maintainer", visible=_seen(group.protected_branches),
                       total=1, scope="group"),
            Visibility(evidence=f"group push rule of {group.full_path} ({premium})",
                       needs="group Owner", visible=_seen(group.push_rule), total=1,
                       scope="group"),
        ]
    return tuple(rows)


def _seen(fetched: Fetched) -> int:
    """1 when the answer (or a plan's "not offered") was visible to this token."""
    return int(fetched.ok or bool(fetched.error and fetched.error.unavailable))

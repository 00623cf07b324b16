"""Reading a GitHub organisation or repository: inventory, organisation data, batched sweeps.

The organisation's repository list is the backbone (one conditional request per 100
repositories, carrying the caller's permissions). What is read once per organisation
(rulesets, default workflow token permissions) is shared by all its repositories. Per
repository state (default branch HEAD, protection, environments) and merged pull requests
come from GraphQL queries batched over several repositories; files and history come from a
cached blobless clone read by :class:`~collectors.sources.local.LocalSource`, so the local
collectors run unchanged. Each repository's platform data travels to the platform
collectors in a :class:`~collectors.sources.github_types.RepoHandle`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from collectors.sources import github_queries as queries
from collectors.sources.base import Job, RepoUnavailable, Source, SourceError
from collectors.sources.clone_cache import CloneCache
from collectors.sources.cloned import ClonedSource, sync_clone
from collectors.sources.github_api import GitHubApi
from collectors.sources.github_types import ApiError, Fetched, OrgData, RepoHandle, RepoMeta
from collectors.sources.json_shapes import chunks, mapping, moment
from collectors.sources.selection import Excluded, Selection
from scanner.evidence import UnknownReason
from scanner.model import Visibility

log = logging.getLogger(__name__)

PUBLIC_API = "https://api.github.com"
#: Repositories per pull-request query: nested reviews and commits make these the costly
#: ones (platform-apis.md §2.3); state queries take ``queries.MAX_STATE_REPOS``.
PULLS_BATCH = 5
PULLS_PAGE = 50
#: Pages of merged pull requests read per repository before the window is called incomplete.
MAX_PULL_PAGES = 10

T = TypeVar("T")

__all__ = ["GitHubPlan", "GitHubTarget", "Selection", "parse_target", "preflight"]


@dataclass(frozen=True, slots=True, kw_only=True)
class GitHubTarget:
    """What to scan on GitHub: an organisation (or user) or one repository."""

    api_url: str
    owner: str
    repo: str | None

    @property
    def web_host(self) -> str:
        """Host of the web UI, used in repository ids (``github.com/acme/api``)."""
        parts = urlsplit(self.api_url)
        host = parts.netloc
        return "github.com" if host == "api.github.com" else host

    @property
    def label(self) -> str:
        """``github:acme`` or ``github:acme/api``."""
        return f"github:{self.owner}" + (f"/{self.repo}" if self.repo else "")


_NAME = r"[A-Za-z0-9_.-]+"
_SHORT = re.compile(rf"^github:({_NAME})(?:/({_NAME}))?/?$")


def api_url_for(github_url: str | None, gh_host: str | None) -> str:
    """The REST base URL: ``--github-url`` as given, else ``GH_HOST`` (GHES), else github.com."""
    if github_url:
        return github_url.rstrip("/")
    if gh_host and gh_host.strip() not in ("", "github.com"):
        return f"https://{gh_host.strip()}/api/v3"
    return PUBLIC_API


def parse_target(text: str, api_url: str) -> GitHubTarget | None:
    """``github:ORG[/REPO]`` or a web URL of the GitHub instance; None if not a GitHub target."""
    match = _SHORT.match(text.strip())
    if match:
        if {match.group(1), match.group(2)} & {".", ".."}:
            return None  # not a GitHub name; it would walk the API path
        return GitHubTarget(api_url=api_url, owner=match.group(1),
                            repo=_strip_git(match.group(2)))
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    target = GitHubTarget(api_url=api_url, owner="", repo=None)
    if parts.netloc not in ("github.com", "www.github.com", target.web_host):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if not segments or not all(re.fullmatch(_NAME, s) and s not in (".", "..")
                               for s in segments[:2]):
        return None
    repo = _strip_git(segments[1]) if len(segments) > 1 else None
    return replace(target, owner=segments[0], repo=repo)


def _strip_git(name: str | None) -> str | None:
    return name[:-4] if name and name.endswith(".git") else name


# ----------------------------------------------------------------------------- inventory


def meta_of(item: Mapping[str, Any], endpoint: str, etag: str | None) -> RepoMeta:
    """A repository of the REST inventory (``minimal-repository``/``full-repository``)."""
    owner = item.get("owner") or {}
    return RepoMeta(owner=str(owner.get("login") or item["full_name"].split("/")[0]),
                    name=str(item["name"]), default_branch=item.get("default_branch"),
                    archived=bool(item.get("archived")), fork=bool(item.get("fork")),
                    private=bool(item.get("private")),
                    visibility=str(item.get("visibility") or
                                   ("private" if item.get("private") else "public")),
                    pushed_at=item.get("pushed_at"), clone_url=str(item.get("clone_url") or ""),
                    html_url=str(item.get("html_url") or ""),
                    permissions={k: bool(v) for k, v in (item.get("permissions") or {}).items()},
                    security_and_analysis=item.get("security_and_analysis"),
                    raw_endpoint=endpoint, raw_etag=etag)


def list_repositories(api: GitHubApi, target: GitHubTarget) -> tuple[list[RepoMeta], bool]:
    """The target's repositories and whether the owner is an organisation.

    Raises :class:`SourceError` when the target itself cannot be read (bad credentials, no
    such organisation, user or repository): that is an input error, not a partial scan.
    """
    try:
        if target.repo:
            response = api.get(f"/repos/{target.owner}/{target.repo}")
            meta = meta_of(response.data, response.endpoint, response.etag)
            owner = response.data.get("owner") or {}
            return [meta], owner.get("type") == "Organization"
        try:
            return _listed(api, f"/orgs/{target.owner}/repos", {"type": "all"}), True
        except ApiError as exc:
            if exc.status != 404:
                raise
        return _listed(api, f"/users/{target.owner}/repos", {"type": "owner"}), False
    except ApiError as exc:
        raise SourceError(f"{target.label}: {_target_problem(exc)}") from None


def _listed(api: GitHubApi, path: str, params: dict[str, str | int]) -> list[RepoMeta]:
    found: list[RepoMeta] = []
    for page in api.pages(path, {**params, "per_page": 100}):
        found.extend(meta_of(item, page.endpoint, page.etag) for item in page.data or ())
    return found


def _target_problem(exc: ApiError) -> str:
    if exc.reason is UnknownReason.NO_CREDENTIALS:
        return ("GitHub refused the token (401 bad credentials): set GITHUB_TOKEN or GH_TOKEN, "
                "or name the variable with --token-env")
    if exc.status == 404:
        return "not found, or not visible to this token (GitHub answers 404 for both)"
    return f"{exc.endpoint}: {exc.detail}"


def read_org(api: GitHubApi, login: str) -> OrgData:
    """Organisation rulesets (full objects) and default workflow token permissions."""
    return OrgData(login=login, rulesets=_org_rulesets(api, login),
                   workflow_permissions=_fetch(api, f"/orgs/{login}/actions/permissions/workflow"))


def _org_rulesets(api: GitHubApi, login: str) -> Fetched:
    path = f"/orgs/{login}/rulesets"
    try:
        summaries = [item for page in api.pages(path, {"per_page": 100}) for item in page.data]
        full = [api.get(f"{path}/{item['id']}").data for item in summaries]
    except ApiError as exc:
        return Fetched(endpoint=exc.endpoint, error=exc)
    return Fetched(endpoint=f"GET {path}", data=full)


def _fetch(api: GitHubApi, path: str) -> Fetched:
    try:
        response = api.get(path)
    except ApiError as exc:
        return Fetched(endpoint=exc.endpoint, error=exc)
    return Fetched(endpoint=response.endpoint, data=response.data, etag=response.etag)


# ----------------------------------------------------------------------------- sweeps


def sweep_state(api: GitHubApi, repos: Sequence[RepoMeta]) -> dict[str, Fetched]:
    """GraphQL repository state for each repository, by full name, in batched queries."""
    found: dict[str, Fetched] = {}
    for batch in chunks(repos, queries.MAX_STATE_REPOS):
        query, variables = queries.state_query([(m.owner, m.name, m.admin) for m in batch])
        found.update(_by_alias(api, query, variables, batch, "state"))
    return found


def _by_alias(api: GitHubApi, query: str, variables: Mapping[str, Any],
              batch: Sequence[RepoMeta], what: str, *, strict: bool = False
              ) -> dict[str, Fetched]:
    """Split one batched GraphQL answer per repository, keeping per-alias errors apart.

    ``strict``: any error under an alias makes that repository's answer an error, because a
    field error reads as null and null would look like "absent" (used for pull requests,
    whose commits decide attribution). The state query asks admin-only fields of admins
    only, and its parsers treat null admin fields as "not visible".
    """
    endpoint = f"{api.graphql_endpoint} ({what} of {len(batch)} repositories)"
    try:
        result = api.graphql(query, variables)
    except ApiError as exc:
        return {m.full_name: Fetched(endpoint=endpoint, error=exc) for m in batch}
    found = {}
    for i, meta in enumerate(batch):
        key = queries.alias(i)
        label = f"{api.graphql_endpoint} repository({meta.full_name}) {what}"
        data = result.data.get(key) if result.data else None
        errors = [e for e in result.errors if (e.get("path") or [None])[0] == key]
        if data is None or (strict and errors):
            found[meta.full_name] = Fetched(endpoint=label, error=_graphql_error(label, errors))
        else:
            for error in errors:  # partial data: say so in the debug log, keep what came back
                log.debug("%s: %s", label, error.get("message"))
            found[meta.full_name] = Fetched(endpoint=label, data=data)
    return found


def _graphql_error(endpoint: str, errors: Sequence[Mapping[str, Any]]) -> ApiError:
    if not errors:
        return ApiError(endpoint, 200, UnknownReason.API_ERROR, "GitHub returned no data")
    kind = str(errors[0].get("type") or "")
    reason = {"NOT_FOUND": UnknownReason.NOT_FOUND_OR_HIDDEN,
              "FORBIDDEN": UnknownReason.FORBIDDEN,
              "RATE_LIMITED": UnknownReason.RATE_LIMITED}.get(kind, UnknownReason.API_ERROR)
    return ApiError(endpoint, 200, reason, str(errors[0].get("message") or kind))


@dataclass(frozen=True, slots=True, kw_only=True)
class PullWindow:
    """Merged pull requests of one repository's window, as cached between runs."""

    head: str | None
    since: str
    pulls: list[Any]
    complete: bool


class PullCache:
    """Merged pull requests per repository keyed by HEAD: unchanged HEAD, no new merges."""

    def __init__(self, root: Path) -> None:
        self._root = root / "github" / "pulls"

    def _path(self, repo_id: str) -> Path:
        return self._root / (hashlib.sha256(repo_id.encode()).hexdigest()[:32] + ".json")

    def get(self, repo_id: str, head: str | None, since: datetime) -> PullWindow | None:
        """The cached window when it was read at this HEAD and covers ``since``."""
        try:
            data = json.loads(self._path(repo_id).read_text(encoding="utf-8"))
            cached = PullWindow(head=data["head"], since=data["since"], pulls=data["pulls"],
                                complete=bool(data["complete"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if cached.head != head or datetime.fromisoformat(cached.since) > since:
            return None
        return cached

    def put(self, repo_id: str, window: PullWindow) -> None:
        """Store a window (best effort: a cache that cannot be written only costs requests)."""
        path = self._path(repo_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(".tmp")
            temp.write_text(json.dumps({"head": window.head, "since": window.since,
                                        "pulls": window.pulls, "complete": window.complete}),
                            encoding="utf-8")
            os.replace(temp, path)
        except OSError as exc:
            log.warning("pull request cache not written: %s", exc)


def sweep_pulls(api: GitHubApi, repos: Sequence[tuple[RepoMeta, str]], since: datetime
                ) -> dict[str, tuple[Fetched, bool]]:
    """Merged pull requests in the window per repository (meta, branch): data and complete."""
    found: dict[str, tuple[Fetched, bool]] = {}
    for batch in chunks(repos, PULLS_BATCH):
        query, variables = queries.pulls_query([(m.owner, m.name, b) for m, b in batch],
                                               first=PULLS_PAGE)
        answers = _by_alias(api, query, variables, [m for m, _ in batch], "pull requests",
                            strict=True)
        for meta, branch in batch:
            found[meta.full_name] = _pull_window(api, meta, branch, answers[meta.full_name],
                                                 since)
    return found


def _pull_window(api: GitHubApi, meta: RepoMeta, branch: str, first: Fetched,
                 since: datetime) -> tuple[Fetched, bool]:
    """Keep merged PRs in the window; page on for busy repositories, up to a bound."""
    if not first.ok:
        return first, False
    pulls: list[Any] = []
    answer = first.data
    for _page in range(MAX_PULL_PAGES):
        connection = answer.get("pullRequests") or {}
        nodes = connection.get("nodes") or []
        pulls.extend(n for n in nodes if n and _merged_since(n, since))
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage") or not _more_in_window(nodes, since):
            return replace(first, data=pulls), True
        query, variables = queries.pulls_query([(meta.owner, meta.name, branch)],
                                               first=PULLS_PAGE, after=info.get("endCursor"))
        page = _by_alias(api, query, variables, [meta], "pull requests",
                         strict=True)[meta.full_name]
        if not page.ok:
            return page, False
        answer = page.data
    return replace(first, data=pulls), False


def _merged_since(node: Mapping[str, Any], since: datetime) -> bool:
    return moment(node.get("mergedAt")) >= since


def _more_in_window(nodes: Sequence[Mapping[str, Any]], since: datetime) -> bool:
    """Pages are newest-updated first and a merge updates a PR: stop once past the window."""
    return bool(nodes) and moment(mapping(nodes[-1]).get("updatedAt")) >= since


# ----------------------------------------------------------------------------- source


class GitHubSource(ClonedSource):
    """A repository's cached clone, carrying its GitHub handle as ``platform``."""

    platform: RepoHandle

    def __init__(self, clone: Path, handle: RepoHandle, repo_id: str) -> None:
        super().__init__(clone, repo_id=repo_id, web_url=handle.meta.html_url, platform=handle)


def repo_id_of(target: GitHubTarget, meta: RepoMeta) -> str:
    """``github.com/OWNER/NAME`` (the instance's web host for GitHub Enterprise Server)."""
    return f"{target.web_host}/{meta.full_name}"


def head_of(state: Fetched) -> tuple[str | None, str | None]:
    """Default branch name and HEAD commit from a state answer (None, None if unknown/empty)."""
    if not state.ok or not isinstance(state.data, Mapping):
        return None, None
    ref = state.data.get("defaultBranchRef")
    if not ref:
        return None, None
    target = ref.get("target") or {}
    return ref.get("name"), target.get("oid")


def open_clone(clones: CloneCache, handle: RepoHandle, *, repo_id: str, branch: str | None,
               head: str | None, since: datetime) -> GitHubSource:
    """Sync the clone (no traffic when HEAD is unchanged) and open it as a source."""
    synced = sync_clone(clones, repo_id=repo_id, url=handle.meta.clone_url, branch=branch,
                        head=head, since=since)
    return GitHubSource(synced.path, handle, repo_id)


# ----------------------------------------------------------------------------- plan


class GitHubPlan:
    """The whole read plan of a GitHub scan: inventory first, then repositories in batches."""

    def __init__(self, api: GitHubApi, target: GitHubTarget, clones: CloneCache, *,
                 cache_root: Path, selection: Selection, since: datetime) -> None:
        self.api = api
        self.target = target
        self._clones = clones
        self._pulls = PullCache(cache_root)
        self._since = since
        listed, is_org = list_repositories(api, target)
        self.listed = listed
        self.org = read_org(api, target.owner) if is_org else None
        self.selected: list[RepoMeta] = []
        self.excluded: list[Excluded] = []
        for meta in listed:
            why = None if target.repo else selection.why_excluded(meta)
            if why:
                self.excluded.append(Excluded(repo_id=repo_id_of(target, meta), why=why))
            else:
                self.selected.append(meta)

    def batches(self) -> Iterator[list[Job]]:
        """Jobs in batches: each batch's GraphQL sweeps run before its jobs are handed out."""
        for batch in chunks(self.selected, queries.MAX_STATE_REPOS):
            states = sweep_state(self.api, batch)
            windows = self._windows(batch, states)
            yield [self._job(meta, states[meta.full_name], windows[meta.full_name])
                   for meta in batch]

    def _windows(self, batch: Sequence[RepoMeta], states: Mapping[str, Fetched]
                 ) -> dict[str, tuple[Fetched, bool]]:
        """Pull request windows: from the cache when HEAD has not moved, else one sweep."""
        found: dict[str, tuple[Fetched, bool]] = {}
        wanted: dict[str, tuple[RepoMeta, str]] = {}
        for meta in batch:
            state = states[meta.full_name]
            branch, head = head_of(state)
            repo_id = repo_id_of(self.target, meta)
            endpoint = f"{self.api.graphql_endpoint} repository({meta.full_name}) pull requests"
            if not state.ok:
                found[meta.full_name] = (Fetched(endpoint=endpoint, error=state.error), False)
                continue
            if branch is None:  # empty repository: nothing was ever merged
                found[meta.full_name] = (Fetched(endpoint=endpoint, data=[]), True)
                continue
            cached = self._pulls.get(repo_id, head, self._since) if head else None
            if cached is not None:
                pulls = [n for n in cached.pulls if _merged_since(n, self._since)]
                found[meta.full_name] = (Fetched(endpoint=endpoint, data=pulls),
                                         cached.complete)
            else:
                wanted[meta.full_name] = (meta, branch)
        swept = sweep_pulls(self.api, list(wanted.values()), self._since)
        for name, (fetched, complete) in swept.items():
            found[name] = (fetched, complete)
            meta, _ = wanted[name]
            _, head = head_of(states[name])
            if fetched.ok and head:
                self._pulls.put(repo_id_of(self.target, meta), PullWindow(
                    head=head, since=self._since.isoformat(), pulls=list(fetched.data),
                    complete=complete))
        return found

    def _job(self, meta: RepoMeta, state: Fetched, window: tuple[Fetched, bool]) -> Job:
        repo_id = repo_id_of(self.target, meta)
        pulls, complete = window
        handle = RepoHandle(meta=meta, org=self.org, state=state, pulls=pulls,
                            pulls_complete=complete, api=self.api)

        def open_repo() -> Source:
            error = state.error
            if error is not None and error.reason is UnknownReason.NOT_FOUND_OR_HIDDEN:
                raise RepoUnavailable(f"listed by the inventory but no longer readable: "
                                      f"{error.detail}", error.reason)
            branch, head = head_of(state) if state.ok else (meta.default_branch, None)
            return open_clone(self._clones, handle, repo_id=repo_id, branch=branch, head=head,
                              since=self._since)

        return Job(repo_id=repo_id, open=open_repo)


def preflight(plan: GitHubPlan) -> tuple[Visibility, ...]:
    """What this token can see, decided from the inventory and organisation reads alone."""
    repos = plan.selected
    total = len(repos)
    admin = sum(1 for m in repos if m.admin)
    security = sum(1 for m in repos if m.security_and_analysis is not None)
    rows = [
        Visibility(evidence="repository list, files and history", needs="read access",
                   visible=total, total=total),
        Visibility(evidence="rules in effect on the default branch (rulesets)",
                   needs="read access", visible=total, total=total),
        Visibility(evidence="classic branch protection, admin enforcement, bypass lists",
                   needs="repository admin", visible=admin, total=total),
        Visibility(evidence="secret scanning, push protection, Dependabot settings",
                   needs="repository admin, organisation owner or security manager",
                   visible=security, total=total),
        Visibility(evidence="code scanning default setup", needs="repository admin",
                   visible=admin, total=total),
        Visibility(evidence="environments, merged pull requests and reviews",
                   needs="read access", visible=total, total=total),
    ]
    if plan.org is not None:
        rows += [
            Visibility(evidence="organisation rulesets and required workflows",
                       needs="organisation owner (Administration: read)",
                       visible=int(plan.org.rulesets.ok), total=1, scope="organisation"),
            Visibility(evidence="default workflow token permissions",
                       needs="organisation owner (Administration: read)",
                       visible=int(plan.org.workflow_permissions.ok), total=1,
                       scope="organisation"),
        ]
    return tuple(rows)

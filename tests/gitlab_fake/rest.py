"""REST v4 endpoints of the fake GitLab: one function per endpoint, GitLab's response shapes.

Status and message choices follow ``platform-apis.md`` §4 (role gate first: 403
``403 Forbidden``; then tier gate: 404 ``404 Not Found`` on Free). Bodies are checked against
gitbeaker's declarations by :func:`tests.gitlab_fake.shapes.check_shapes`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlencode

from tests.gitlab_fake.model import (
    CREATED_AT,
    DEVELOPER,
    GUEST,
    MAINTAINER,
    OWNER,
    REPORTER,
    FakeGroup,
    FakeInstance,
    FakeProject,
    GitCommit,
    branch_head,
    branch_matches,
    number,
)

FORBIDDEN = 403, "403 Forbidden"
NOT_FOUND = 404, "404 Not Found"
PROJECT_NOT_FOUND = 404, "404 Project Not Found"
GROUP_NOT_FOUND = 404, "404 Group Not Found"
LEVEL_NAMES = {0: "No one", 30: "Developers + Maintainers", 40: "Maintainers", 60: "Admins"}
APPROVAL_DEFAULTS = {
    "approvals_before_merge": 0, "reset_approvals_on_push": True,
    "selective_code_owner_removals": False,
    "disable_overriding_approvers_per_merge_request": False,
    "merge_requests_author_approval": False, "merge_requests_disable_committers_approval": False,
    "require_password_to_approve": False, "require_reauthentication_to_approve": False,
}
PUSH_RULE_DEFAULTS = {
    "commit_message_regex": "", "commit_message_negative_regex": "", "branch_name_regex": "",
    "deny_delete_tag": False, "member_check": False, "prevent_secrets": False,
    "author_email_regex": "", "file_name_regex": "", "max_file_size": 0,
    "commit_committer_check": False, "commit_committer_name_check": False,
    "reject_unsigned_commits": False, "reject_non_dco_commits": False,
}


@dataclass
class Call:
    """One authenticated request as the endpoint functions see it."""

    inst: FakeInstance
    token: str
    server: str
    """The instance URL (``http://127.0.0.1:PORT``)."""
    path: str
    params: dict[str, str]
    query: dict[str, str]

    def project_role(self, project: FakeProject) -> int:
        """The token's role in ``project``."""
        return self.inst.project_role(self.token, project)

    @property
    def group_role(self) -> int:
        """The token's role in every group."""
        return self.inst.tokens[self.token]


@dataclass
class Reply:
    """A status, a body (JSON value, or str for plain text) and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    rate_headers: bool = True
    """Whether ``RateLimit-*`` headers are sent (GitLab omits them on project listings)."""


def error(status: int, message: str) -> Reply:
    """GitLab's error body."""
    return Reply(status, {"message": message})


def flag(value: str | None) -> bool | None:
    """A Boolean query parameter as Grape coerces it (python-gitlab sends ``True``)."""
    return None if value is None else value.lower() in ("1", "on", "t", "true", "y", "yes")


def _sha(*parts: object) -> str:
    """A fake 40-hex commit id derived from ``parts``."""
    return hashlib.sha1("\0".join(map(str, parts)).encode()).hexdigest()


# --- entities -------------------------------------------------------------------------


def user(call: Call, username: str) -> dict[str, Any]:
    """A ``UserBasic`` with a stable id per username."""
    return {"id": number(username), "username": username, "name": username, "state": "active",
            "locked": False, "avatar_url": f"{call.server}/uploads/-/avatar/{username}.png",
            "web_url": f"{call.server}/{username}"}


def namespace(call: Call, group: FakeGroup) -> dict[str, Any]:
    """A ``NamespaceBasic`` for a group."""
    parent = call.inst.parent(group)
    return {"id": call.inst.group_id(group), "name": group.full_path.rsplit("/", 1)[-1],
            "path": group.full_path.rsplit("/", 1)[-1],
            "kind": "user" if group.user else "group",
            "full_path": group.full_path,
            "parent_id": None if parent is None else call.inst.group_id(parent),
            "avatar_url": None, "web_url": f"{call.server}/groups/{group.full_path}"}


def group_entity(call: Call, group: FakeGroup) -> dict[str, Any]:
    """A ``Group`` entity."""
    base = namespace(call, group)
    parts = group.full_path.split("/")
    return {
        "id": base["id"], "web_url": base["web_url"], "name": base["name"],
        "path": base["path"], "description": "", "visibility": group.visibility,
        "share_with_group_lock": False, "require_two_factor_authentication": False,
        "two_factor_grace_period": 48, "project_creation_level": "developer",
        "auto_devops_enabled": False, "subgroup_creation_level": "maintainer",
        "emails_disabled": False, "emails_enabled": True, "mentions_disabled": False,
        "lfs_enabled": True, "default_branch_protection": 2, "avatar_url": None,
        "request_access_enabled": True, "full_name": " / ".join(parts),
        "full_path": group.full_path, "created_at": CREATED_AT, "parent_id": base["parent_id"],
        "shared_runners_setting": "enabled",
        "wiki_access_level": "enabled",
    }


def _last_activity(project: FakeProject) -> str:
    """The newest commit time of the default branch, else the creation time."""
    head = branch_head(project, project.default_branch)
    return CREATED_AT if head is None else head.committed_date


def simple_project(call: Call, project: FakeProject) -> dict[str, Any]:
    """The ``BasicProjectDetails`` entity (``simple=true`` listings)."""
    web_url = f"{call.server}/{project.path}"
    group = call.inst.group(project.namespace)
    assert group is not None  # every namespace exists (FakeInstance creates missing ones)
    names = project.path.split("/")
    return {
        "id": call.inst.project_id(project), "description": None, "name": names[-1],
        "name_with_namespace": " / ".join(names), "path": names[-1],
        "path_with_namespace": project.path, "created_at": CREATED_AT,
        "default_branch": None if project.is_empty else project.default_branch,
        "tag_list": [], "topics": [],
        "ssh_url_to_repo": f"git@127.0.0.1:{project.path}.git",
        "http_url_to_repo": project.clone_url or (f"file://{project.git_dir}" if project.git_dir
                                                  else f"{web_url}.git"),
        "web_url": web_url, "readme_url": None, "forks_count": 0, "avatar_url": None,
        "star_count": 0, "last_activity_at": _last_activity(project),
        "namespace": namespace(call, group), "repository_storage": "default",
    }


def project_entity(call: Call, project: FakeProject, *, access: bool = False) -> dict[str, Any]:
    """The ``Project`` entity; ``access`` adds ``permissions`` (``GET /projects/:id`` only)."""
    body = simple_project(call, project)
    pid, api = body["id"], f"{call.server}/api/v4/projects/{body['id']}"
    admin = call.project_role(project) >= MAINTAINER
    body.update({
        "description_html": "", "visibility": project.visibility,
        "_links": {"self": api, "issues": f"{api}/issues",
                   "merge_requests": f"{api}/merge_requests",
                   "repo_branches": f"{api}/repository/branches", "labels": f"{api}/labels",
                   "events": f"{api}/events", "members": f"{api}/members",
                   "cluster_agents": f"{api}/cluster_agents"},
        "empty_repo": project.is_empty, "archived": project.archived,
        "resolve_outdated_diff_discussions": False, "container_registry_enabled": True,
        "container_expiration_policy": {
            "cadence": "1d", "enabled": False, "keep_n": 10, "older_than": "90d",
            "name_regex_delete": None, "name_regex_keep": None,
            "next_run_at": CREATED_AT},
        "issues_enabled": True, "merge_requests_enabled": True, "wiki_enabled": True,
        "jobs_enabled": True, "snippets_enabled": True,
        "issues_access_level": "enabled", "repository_access_level": "enabled",
        "merge_requests_access_level": "enabled", "builds_access_level": "enabled",
        "wiki_access_level": "enabled", "snippets_access_level": "enabled",
        "container_registry_access_level": "enabled",
        "security_and_compliance_access_level": "private",
        "can_create_merge_request_in": call.project_role(project) >= DEVELOPER,
        "shared_runners_enabled": True, "group_runners_enabled": True, "lfs_enabled": True,
        "creator_id": number("creator"), "import_url": None, "import_type": None,
        "import_status": "none", "import_error": None, "open_issues_count": 0,
        "ci_default_git_depth": 20, "ci_forward_deployment_enabled": True,
        "ci_forward_deployment_rollback_allowed": True,
        "ci_allow_fork_pipelines_to_run_in_parent_project": True,
        "ci_separated_caches": True, "ci_restrict_pipeline_cancellation_role": "developer",
        "ci_pipeline_variables_minimum_override_role": "developer",
        "ci_config_path": None, "public_jobs": True, "shared_with_groups": [],
        "only_allow_merge_if_pipeline_succeeds": project.pipeline_must_succeed,
        "allow_merge_on_skipped_pipeline": False,
        "only_allow_merge_if_all_discussions_are_resolved": False,
        "remove_source_branch_after_merge": True, "printing_merge_request_link_enabled": True,
        "printing_merge_requests_link_enabled": True, "request_access_enabled": True,
        "merge_method": "merge", "squash_option": "default_off",
        "auto_devops_enabled": False, "auto_devops_deploy_strategy": "continuous",
        "autoclose_referenced_issues": True, "enforce_auth_checks_on_uploads": True,
        "merge_commit_template": None, "squash_commit_template": None,
        "issue_branch_template": "", "suggestion_commit_message": None,
        "external_authorization_classification_label": None, "packages_enabled": True,
        "service_desk_enabled": False, "service_desk_address": None,
        "compliance_frameworks": [], "warn_about_potentially_unwanted_characters": True,
        "container_registry_image_prefix": f"registry.example/{project.path}",
        "updated_at": CREATED_AT, "marked_for_deletion_at": None,
        "marked_for_deletion_on": None, "mirror": False,
    })
    if call.inst.tier != "free":
        body["approvals_before_merge"] = 0
    if call.inst.tier == "ultimate":
        body["secret_push_protection_enabled"] = bool(project.secret_push_protection)
    if admin:
        body["runners_token"] = f"GR1348941{_sha('runners', pid)[:20]}"
    if project.fork:
        origin = body["name"]
        body["forked_from_project"] = {
            "id": number(f"upstream/{origin}"), "name": origin, "path": origin,
            "path_with_namespace": f"upstream/{origin}",
            "name_with_namespace": f"upstream / {origin}",
            "web_url": f"{call.server}/upstream/{origin}", "created_at": CREATED_AT}
    if access:
        body["permissions"] = {"project_access": None, "group_access": {
            "access_level": call.project_role(project), "notification_level": 3}}
    return body


def _access_level(call: Call, owner: str, kind: str, index: int,
                  given: dict[str, Any]) -> dict[str, Any]:
    """A protected-ref access level: a role, or an individual user/group/deploy key."""
    level = {"id": number(f"{owner}:{kind}:{index}"), "access_level": 40,
             "access_level_description": "", "user_id": None, "group_id": None,
             "deploy_key_id": None, **given}
    if given.get("user_id") is not None:
        level["access_level_description"] = f"user {given['user_id']}"
    elif given.get("group_id") is not None:
        level["access_level_description"] = f"group {given['group_id']}"
    elif given.get("deploy_key_id") is not None:
        level["access_level_description"] = f"deploy key {given['deploy_key_id']}"
    else:
        level["access_level_description"] = LEVEL_NAMES.get(level["access_level"], "")
    return level


def protected_branch(call: Call, owner: str, given: dict[str, Any]) -> dict[str, Any]:
    """A ``ProtectedBranch``; ``owner`` (project or group path) keeps ids stable."""
    key = f"{owner}:{given['name']}"
    body: dict[str, Any] = {"id": number(key), "name": given["name"]}
    for kind in ("push_access_levels", "merge_access_levels", "unprotect_access_levels"):
        body[kind] = [_access_level(call, key, kind, i, level)
                      for i, level in enumerate(given.get(kind, [{"access_level": 40}]))]
    body["allow_force_push"] = given.get("allow_force_push", False)
    body["code_owner_approval_required"] = given.get("code_owner_approval_required", False)
    body["inherited"] = given.get("inherited", False)
    return body


def push_rule_entity(owner_id: int, given: dict[str, Any]) -> dict[str, Any]:
    """A ``PushRule`` with GitLab's defaults for what ``given`` leaves out."""
    return {"id": number(f"push-rule:{owner_id}"), "created_at": CREATED_AT,
            **PUSH_RULE_DEFAULTS, **given}


def paginate(call: Call, items: list[Any], *, rate_headers: bool = True) -> Reply:
    """One page of ``items`` with GitLab's ``Link`` and ``X-*`` pagination headers."""
    per_page = min(max(int(call.query.get("per_page", 20)), 1), 100)
    page = max(int(call.query.get("page", 1)), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    base = f"{call.server}{call.path}"
    links = []
    for rel, target in (("prev", page - 1), ("next", page + 1), ("first", 1), ("last", last)):
        if rel in ("first", "last") or (rel == "prev" and page > 1) or (
                rel == "next" and page < last):
            links.append(f'<{base}?{urlencode({**call.query, "page": target})}>; rel="{rel}"')
    headers = {"Link": ", ".join(links), "X-Page": str(page), "X-Per-Page": str(per_page),
               "X-Next-Page": str(page + 1) if page < last else "",
               "X-Prev-Page": str(page - 1) if page > 1 else "",
               "X-Total": str(len(items)), "X-Total-Pages": str(last)}
    return Reply(200, items[(page - 1) * per_page: page * per_page], headers,
                 rate_headers=rate_headers)


# --- resolution and gates -------------------------------------------------------------


def _group(call: Call, need: int = 0, *, premium: bool = False) -> FakeGroup | Reply:
    """The addressed group, or GitLab's 404 / 403 / Free-tier 404."""
    group = call.inst.group(unquote(call.params["group"]))
    if group is None or group.user or (group.visibility == "private"
                                       and call.group_role < GUEST):
        return error(*GROUP_NOT_FOUND)
    if call.group_role < need:
        return error(*FORBIDDEN)
    if premium and call.inst.tier == "free":
        return error(*NOT_FOUND)
    return group


def _visible(call: Call, project: FakeProject) -> bool:
    """Whether the token may see the project at all (private: Reporter or more)."""
    return project.visibility != "private" or call.project_role(project) >= REPORTER


def _project(call: Call, need: int, *, premium: bool = False) -> FakeProject | Reply:
    """The addressed project, or GitLab's 404 / 403 (role gate) / 404 (tier gate)."""
    project = call.inst.project(unquote(call.params["project"]))
    if project is None or project.deleted or not _visible(call, project):
        return error(*PROJECT_NOT_FOUND)
    if call.project_role(project) < need:
        return error(*FORBIDDEN)
    if premium and call.inst.tier == "free":
        return error(*NOT_FOUND)
    return project


def _merge_request(call: Call) -> tuple[FakeProject, dict[str, Any]] | Reply:
    """The addressed project and merge request (Reporter), or the 404/403."""
    project = _project(call, REPORTER)
    if isinstance(project, Reply):
        return project
    iid = int(call.params["iid"])
    found = next((mr for mr in project.merge_requests if mr["iid"] == iid), None)
    if found is None:
        return error(404, "404 Not found")
    return project, found


# --- groups ---------------------------------------------------------------------------


def get_group(call: Call) -> Reply:
    """``GET /groups/:id``."""
    group = _group(call)
    return group if isinstance(group, Reply) else Reply(200, group_entity(call, group))


def _listing_order(call: Call, projects: list[FakeProject]) -> list[FakeProject]:
    """``order_by`` (id, created_at, path, name, last_activity_at) and ``sort`` (desc)."""
    order = call.query.get("order_by", "created_at")
    if order in ("path", "name"):
        ordered = sorted(projects, key=lambda p: p.path.lower())
    elif order == "last_activity_at":
        ordered = sorted(projects, key=_last_activity)
    else:  # id and created_at (every fake project has the same created_at; GitLab ties on id)
        ordered = sorted(projects, key=call.inst.project_id)
    return ordered[::-1] if call.query.get("sort", "desc") == "desc" else ordered


def list_group_projects(call: Call) -> Reply:
    """``GET /groups/:id/projects``: visible projects, archived and deleted ones included.

    Filters: ``include_subgroups``, ``min_access_level``, ``archived``; ``simple=true``
    gives the basic entity. No ``RateLimit-*`` headers (GitLab documents none here).
    """
    group = _group(call)
    if isinstance(group, Reply):
        return group
    projects = call.inst.group_projects(
        group, subgroups=bool(flag(call.query.get("include_subgroups"))))
    minimum = int(call.query.get("min_access_level", 0))
    archived = flag(call.query.get("archived"))
    projects = [p for p in projects if _visible(call, p) and call.project_role(p) >= minimum
                and archived in (None, p.archived)]
    build = simple_project if flag(call.query.get("simple")) else project_entity
    return paginate(call, [build(call, p) for p in _listing_order(call, projects)],
                    rate_headers=False)


def group_protected_branches(call: Call) -> Reply:
    """``GET /groups/:id/protected_branches`` (Premium; group Maintainer)."""
    group = _group(call, MAINTAINER, premium=True)
    if isinstance(group, Reply):
        return group
    return paginate(call, [protected_branch(call, group.full_path, b)
                           for b in group.protected_branches])


def group_push_rule(call: Call) -> Reply:
    """``GET /groups/:id/push_rule`` (Premium; group Owner): 404 when none is set."""
    group = _group(call, OWNER, premium=True)
    if isinstance(group, Reply):
        return group
    if group.push_rule is None:
        return error(*NOT_FOUND)
    return Reply(200, push_rule_entity(call.inst.group_id(group), group.push_rule))


# --- projects -------------------------------------------------------------------------


def get_project(call: Call) -> Reply:
    """``GET /projects/:id``: the entity with ``permissions``."""
    project = _project(call, 0)
    return (project if isinstance(project, Reply)
            else Reply(200, project_entity(call, project, access=True)))


def _commit_entity(call: Call, project: FakeProject, commit: GitCommit) -> dict[str, Any]:
    """A ``Commit`` entity from a commit of the served repository."""
    return {"id": commit.id, "short_id": commit.id[:8], "created_at": commit.committed_date,
            "parent_ids": list(commit.parent_ids), "title": commit.message.split("\n", 1)[0],
            "message": commit.message, "author_name": commit.author_name,
            "author_email": commit.author_email, "authored_date": commit.authored_date,
            "committer_name": commit.committer_name, "committer_email": commit.committer_email,
            "committed_date": commit.committed_date, "trailers": {}, "extended_trailers": {},
            "web_url": f"{call.server}/{project.path}/-/commit/{commit.id}"}


def _developers_can(levels: list[dict[str, Any]]) -> bool:
    """Whether a role access level lets Developers act (GitLab's ``developers_can?``)."""
    return any(level.get("access_level") == DEVELOPER and level.get("user_id") is None
               and level.get("group_id") is None for level in levels)


def get_branch(call: Call) -> Reply:
    """``GET /projects/:id/repository/branches/:branch`` (Reporter)."""
    project = _project(call, REPORTER)
    if isinstance(project, Reply):
        return project
    name = unquote(call.params["branch"])
    head = branch_head(project, name)
    if head is None:
        return error(404, "404 Branch Not Found")
    groups = call.inst.ancestors(project) if call.inst.tier != "free" else []
    rules = [b for b in project.protected_branches if branch_matches(b["name"], name)]
    rules += [b for g in groups for b in g.protected_branches if branch_matches(b["name"], name)]
    push = [level for b in rules for level in b.get("push_access_levels", [{"access_level": 40}])]
    merge = [level for b in rules
             for level in b.get("merge_access_levels", [{"access_level": 40}])]
    role = call.project_role(project)
    can_push = role >= DEVELOPER and (not rules or any(
        level.get("access_level", 0) > 0 and role >= level["access_level"] for level in push))
    return Reply(200, {
        "name": name, "commit": _commit_entity(call, project, head), "merged": False,
        "protected": bool(rules), "developers_can_push": _developers_can(push),
        "developers_can_merge": _developers_can(merge), "can_push": can_push,
        "default": name == project.default_branch,
        "web_url": f"{call.server}/{project.path}/-/tree/{name}"})


def project_protected_branches(call: Call) -> Reply:
    """``GET /projects/:id/protected_branches`` (Maintainer; Free too)."""
    project = _project(call, MAINTAINER)
    if isinstance(project, Reply):
        return project
    return paginate(call, [protected_branch(call, project.path, b)
                           for b in project.protected_branches])


def _approval_rule(call: Call, project: FakeProject, index: int,
                   given: dict[str, Any]) -> dict[str, Any]:
    """A project ``ApprovalRule``; ``protected_branches`` given by name."""
    known = {b["name"]: b for b in project.protected_branches}
    users = [user(call, name) for name in given.get("users", [])]
    return {
        "id": number(f"{project.path}:rule:{index}"), "name": given["name"],
        "rule_type": given.get("rule_type", "regular"), "report_type": None,
        "eligible_approvers": users, "approvals_required": given.get("approvals_required", 0),
        "users": users, "groups": [], "contains_hidden_groups": False,
        "protected_branches": [protected_branch(call, project.path, known.get(n, {"name": n}))
                               for n in given.get("protected_branches", [])],
        "applies_to_all_protected_branches": given.get("applies_to_all_protected_branches",
                                                       False),
    }


def approval_rules(call: Call) -> Reply:
    """``GET /projects/:id/approval_rules`` (Premium; Developer)."""
    project = _project(call, DEVELOPER, premium=True)
    if isinstance(project, Reply):
        return project
    return paginate(call, [_approval_rule(call, project, i, rule)
                           for i, rule in enumerate(project.approval_rules)])


def project_approvals(call: Call) -> Reply:
    """``GET /projects/:id/approvals`` (Premium; Maintainer): the approval settings."""
    project = _project(call, MAINTAINER, premium=True)
    if isinstance(project, Reply):
        return project
    return Reply(200, {**APPROVAL_DEFAULTS, **project.approvals})


def project_push_rule(call: Call) -> Reply:
    """``GET /projects/:id/push_rule`` (Premium; Maintainer): ``null`` when none is set."""
    project = _project(call, MAINTAINER, premium=True)
    if isinstance(project, Reply):
        return project
    if project.push_rule is None:
        return Reply(200, None)
    pid = call.inst.project_id(project)
    return Reply(200, {"project_id": pid, **push_rule_entity(pid, project.push_rule)})


def _environment(call: Call, project: FakeProject, given: dict[str, Any]) -> dict[str, Any]:
    """A ``ProtectedEnvironment`` with filled access levels and approval rules."""
    key = f"{project.path}:env:{given['name']}"

    def level(kind: str, index: int, entry: dict[str, Any]) -> dict[str, Any]:
        filled = _access_level(call, key, kind, index, entry)
        del filled["deploy_key_id"]
        return {**filled, "group_inheritance_type": 0}

    deploy = given.get("deploy_access_levels", [{"access_level": MAINTAINER}])
    rules = [{**level("rule", i, {k: v for k, v in rule.items() if k != "required_approvals"}),
              "required_approvals": rule.get("required_approvals", 1)}
             for i, rule in enumerate(given.get("approval_rules", []))]
    return {"name": given["name"],
            "deploy_access_levels": [level("deploy", i, e) for i, e in enumerate(deploy)],
            "required_approval_count": given.get("required_approval_count", 0),
            "approval_rules": rules}


def protected_environments(call: Call) -> Reply:
    """``GET /projects/:id/protected_environments`` (Premium; Maintainer)."""
    project = _project(call, MAINTAINER, premium=True)
    if isinstance(project, Reply):
        return project
    return paginate(call, [_environment(call, project, env)
                           for env in project.protected_environments])


def _mr_commits(call: Call, project: FakeProject, mr: dict[str, Any]) -> list[dict[str, Any]]:
    """The MR's commits, oldest first, as ``Commit`` entities (fake ids from the messages)."""
    commits: list[dict[str, Any]] = []
    for index, (message, name, email) in enumerate(mr.get("commits", [])):
        sha = _sha(project.path, mr["iid"], index, message)
        text = message if message.endswith("\n") else message + "\n"
        when = mr["merged_at"]
        commits.append(_commit_entity(call, project, GitCommit(
            sha, (commits[-1]["id"],) if commits else (), name, email, when, name, email, when,
            text)))
    return commits


def merge_request_entity(call: Call, project: FakeProject,
                         mr: dict[str, Any]) -> dict[str, Any]:
    """A ``MergeRequest`` as the list endpoint returns it."""
    pid, iid = call.inst.project_id(project), mr["iid"]
    author = user(call, mr["author"])
    commits = _mr_commits(call, project, mr)
    merged = mr.get("state", "merged") == "merged"
    return {
        "id": pid * 1000 + iid, "iid": iid, "project_id": pid,
        "title": mr.get("title", f"Change {iid}"), "description": mr.get("description", ""),
        "state": mr.get("state", "merged"), "created_at": mr.get("created_at", mr["merged_at"]),
        "updated_at": mr.get("updated_at", mr["merged_at"]),
        "merged_by": author if merged else None, "merge_user": author if merged else None,
        "merged_at": mr["merged_at"] if merged else None, "closed_by": None, "closed_at": None,
        "target_branch": mr.get("target_branch", project.default_branch),
        "source_branch": mr.get("source_branch", f"change-{iid}"), "user_notes_count": 0,
        "upvotes": 0, "downvotes": 0, "author": author, "assignees": [], "assignee": None,
        "reviewers": [], "source_project_id": pid, "target_project_id": pid, "labels": [],
        "draft": False, "work_in_progress": False, "milestone": None,
        "merge_when_pipeline_succeeds": False, "merge_status": "can_be_merged",
        "detailed_merge_status": "not_open",
        "sha": commits[-1]["id"] if commits else _sha(project.path, iid, "head"),
        "merge_commit_sha": _sha(project.path, iid, "merge") if merged else None,
        "squash_commit_sha": None, "discussion_locked": None,
        "should_remove_source_branch": None, "force_remove_source_branch": True,
        "prepared_at": mr.get("created_at", mr["merged_at"]), "reference": f"!{iid}",
        "references": {"short": f"!{iid}", "relative": f"!{iid}",
                       "full": f"{project.path}!{iid}"},
        "web_url": f"{call.server}/{project.path}/-/merge_requests/{iid}",
        "time_stats": {"time_estimate": 0, "total_time_spent": 0,
                       "human_time_estimate": None, "human_total_time_spent": None},
        "squash": False, "squash_on_merge": False,
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_conflicts": False, "blocking_discussions_resolved": True,
        "approvals_before_merge": None,
    }


def list_merge_requests(call: Call) -> Reply:
    """``GET /projects/:id/merge_requests`` (Reporter): ``state``, ``target_branch``,
    ``updated_after``/``updated_before``, ``order_by`` (created_at, updated_at), ``sort``."""
    project = _project(call, REPORTER)
    if isinstance(project, Reply):
        return project
    items = [merge_request_entity(call, project, mr) for mr in project.merge_requests]
    query = call.query
    if query.get("state", "all") != "all":
        items = [mr for mr in items if mr["state"] == query["state"]]
    if "target_branch" in query:
        items = [mr for mr in items if mr["target_branch"] == query["target_branch"]]
    if "updated_after" in query:
        after = _utc(query["updated_after"])
        items = [mr for mr in items if _utc(mr["updated_at"]) >= after]
    if "updated_before" in query:
        before = _utc(query["updated_before"])
        items = [mr for mr in items if _utc(mr["updated_at"]) <= before]
    key = "updated_at" if query.get("order_by") == "updated_at" else "created_at"
    items.sort(key=lambda mr: (_utc(mr[key]), mr["id"]),
               reverse=query.get("sort", "desc") == "desc")
    return paginate(call, items)


def _utc(stamp: str) -> str:
    """An ISO timestamp normalised to ``YYYY-MM-DDTHH:MM:SS`` UTC, comparable as a string."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%S")


def merge_request_commits(call: Call) -> Reply:
    """``GET /projects/:id/merge_requests/:iid/commits`` (Reporter): newest first."""
    found = _merge_request(call)
    if isinstance(found, Reply):
        return found
    project, mr = found
    return paginate(call, _mr_commits(call, project, mr)[::-1])


def merge_request_approvals(call: Call) -> Reply:
    """``GET /projects/:id/merge_requests/:iid/approvals`` (Reporter; Free too)."""
    found = _merge_request(call)
    if isinstance(found, Reply):
        return found
    project, mr = found
    entity = merge_request_entity(call, project, mr)
    approved_by = mr.get("approved_by", [])
    required = 0 if call.inst.tier == "free" else max(
        (r.get("approvals_required", 0) for r in project.approval_rules), default=0)
    return Reply(200, {
        **{k: entity[k] for k in ("id", "iid", "project_id", "title", "description", "state",
                                  "created_at", "updated_at", "merge_status")},
        "approved": len(approved_by) >= required and (bool(approved_by) or required == 0),
        "approvals_required": required,
        "approvals_left": max(required - len(approved_by), 0), "require_password_to_approve":
        False, "approved_by": [{"user": user(call, name)} for name in approved_by],
        "suggested_approvers": [], "approvers": [], "approver_groups": [],
        "user_has_approved": False, "user_can_approve": False, "approval_rules_left": [],
        "has_approval_rules": bool(required), "merge_request_approvers_available":
        call.inst.tier != "free", "multiple_approval_rules_available":
        call.inst.tier != "free",
    })


Route = tuple[str, str, Callable[[Call], Reply]]

_GROUP = r"/api/v4/groups/(?P<group>[^/]+)"
_PROJECT = r"/api/v4/projects/(?P<project>[^/]+)"
_MR = _PROJECT + r"/merge_requests/(?P<iid>\d+)"
#: ``(method, path regex, endpoint)``; named groups become ``Call.params``.
ROUTES: list[Route] = [
    ("GET", _GROUP, get_group),
    ("GET", _GROUP + "/projects", list_group_projects),
    ("GET", _GROUP + "/protected_branches", group_protected_branches),
    ("GET", _GROUP + "/push_rule", group_push_rule),
    ("GET", _PROJECT, get_project),
    ("GET", _PROJECT + r"/repository/branches/(?P<branch>.+)", get_branch),
    ("GET", _PROJECT + "/protected_branches", project_protected_branches),
    ("GET", _PROJECT + "/approval_rules", approval_rules),
    ("GET", _PROJECT + "/approvals", project_approvals),
    ("GET", _PROJECT + "/push_rule", project_push_rule),
    ("GET", _PROJECT + "/protected_environments", protected_environments),
    ("GET", _PROJECT + "/merge_requests", list_merge_requests),
    ("GET", _MR + "/commits", merge_request_commits),
    ("GET", _MR + "/approvals", merge_request_approvals),
]
_COMPILED = [(verb, re.compile(pattern), endpoint) for verb, pattern, endpoint in ROUTES]


def route(method: str, path: str) -> tuple[Callable[[Call], Reply], dict[str, str]] | None:
    """The endpoint serving ``method path`` and its path parameters."""
    for verb, pattern, endpoint in _COMPILED:
        if verb == method and (match := pattern.fullmatch(path)):
            return endpoint, match.groupdict()
    return None

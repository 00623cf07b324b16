"""GraphQL of the fake GitHub: queries run by graphql-core against GitHub's published schema.

The schema is ``tests/data/github/schema.graphql.gz`` (npm ``@octokit/graphql-schema``), so a
query with a misspelt field fails validation exactly as on github.com (200 with ``errors``).
Resolvers are plain dicts: graphql-core's default resolver reads keys and calls callables
with ``(info, **args)``; abstract types are resolved through each dict's ``__typename``.
Errors carry GitHub's top-level ``type`` (``NOT_FOUND``, ``FORBIDDEN``).
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_ast_schema,
    execute_sync,
    parse,
    validate,
)

from tests.github_fake.model import REPO_ADMINS, FakeOrg, FakeRepo, applicable_rulesets, head_commit
from tests.github_fake.shapes import DATA

FORBIDDEN = "Resource not accessible by integration"
Info = GraphQLResolveInfo[Any]


@functools.cache
def github_schema() -> GraphQLSchema:
    """GitHub's schema as published.

    ``assume_valid``: the published SDL defines two ``EnterpriseOwnerInfo`` fields twice and
    deprecates some interface fields only on implementations, which graphql-core's strict
    schema validation rejects; GitHub serves it regardless, and so do we.
    """
    sdl = gzip.decompress((DATA / "schema.graphql.gz").read_bytes()).decode()
    return build_ast_schema(parse(sdl), assume_valid=True, assume_valid_sdl=True)


@dataclass
class Viewer:
    """Who asks, about which organisation, with what is left of the GraphQL budget."""

    org: FakeOrg
    role: str
    rate: dict[str, int]
    """``limit``, ``remaining``, ``used``, ``reset`` (epoch seconds) after this query."""

    @property
    def admin(self) -> bool:
        """Whether the viewer administers every repository."""
        return self.role in REPO_ADMINS


def github_error(message: str, kind: str) -> GraphQLError:
    """An error entry with GitHub's ``type`` (moved to the top level when formatted)."""
    return GraphQLError(message, extensions={"type": kind})


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().split(":")[1]) + 1 if cursor else 0


def connection(items_of: Callable[..., list[Any]]) -> Callable[..., dict[str, Any]]:
    """A connection field over ``items_of(**filters)`` honouring ``first``/``after``/``last``."""

    def resolve(info: Info, first: int | None = None, last: int | None = None,
                after: str | None = None, before: str | None = None,
                **filters: Any) -> dict[str, Any]:
        name = info.field_name
        if first is None and last is None:
            raise github_error(f"You must provide a `first` or `last` value to properly "
                               f"paginate the `{name}` connection.",
                               "MISSING_PAGINATION_BOUNDARIES")
        for arg, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= 100:
                raise github_error(f"Requesting {value} records on the `{name}` connection "
                                   f"exceeds the `{arg}` limit of 100 records.",
                                   "EXCESSIVE_PAGINATION")
        items = items_of(**filters)
        start = _offset(after)
        end = len(items) if before is None else _offset(before) - 1
        if first is not None:
            end = min(end, start + first)
        if last is not None:
            start = max(start, end - last)
        page = items[start:end]
        return {"totalCount": len(items), "nodes": page,
                "edges": [{"node": n, "cursor": _cursor(start + i)} for i, n in enumerate(page)],
                "pageInfo": {"hasNextPage": end < len(items), "hasPreviousPage": start > 0,
                             "startCursor": _cursor(start) if page else None,
                             "endCursor": _cursor(end - 1) if page else None}}

    return resolve


def actor(login: str, *, bot: bool = False) -> dict[str, Any]:
    """A ``User`` or ``Bot`` (both ``Actor``)."""
    # GitHub's databaseId is stable per account; a hash keeps fixtures reproducible.
    database_id = int(hashlib.sha256(login.encode()).hexdigest()[:7], 16)
    return {"__typename": "Bot" if bot else "User", "login": login, "id": f"U_{login}",
            "databaseId": database_id,
            "url": f"https://github.com/{login}", "resourcePath": f"/{login}",
            "avatarUrl": f"https://avatars.example/{login}"}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _camelize(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel(k): _camelize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camelize(v) for v in value]
    return value


#: REST rule type -> GraphQL ``RuleParameters`` member, with defaults for non-null fields.
_PARAMETERS: dict[str, tuple[str, dict[str, Any]]] = {
    "pull_request": ("PullRequestParameters", {
        "dismissStaleReviewsOnPush": False, "requireCodeOwnerReview": False,
        "requireLastPushApproval": False, "requiredApprovingReviewCount": 0,
        "requiredReviewThreadResolution": False, "allowedMergeMethods": None}),
    "required_status_checks": ("RequiredStatusChecksParameters", {
        "doNotEnforceOnCreate": False, "strictRequiredStatusChecksPolicy": False,
        "requiredStatusChecks": []}),
    "commit_message_pattern": ("CommitMessagePatternParameters", {"negate": False}),
    "commit_author_email_pattern": ("CommitAuthorEmailPatternParameters", {"negate": False}),
    "committer_email_pattern": ("CommitterEmailPatternParameters", {"negate": False}),
    "branch_name_pattern": ("BranchNamePatternParameters", {"negate": False}),
    "tag_name_pattern": ("TagNamePatternParameters", {"negate": False}),
    "update": ("UpdateParameters", {"updateAllowsFetchAndMerge": False}),
    "merge_queue": ("MergeQueueParameters", {}),
    "required_deployments": ("RequiredDeploymentsParameters", {}),
    "workflows": ("WorkflowsParameters", {"doNotEnforceOnCreate": False}),
    "code_scanning": ("CodeScanningParameters", {}),
    "file_path_restriction": ("FilePathRestrictionParameters", {}),
    "max_file_path_length": ("MaxFilePathLengthParameters", {}),
    "file_extension_restriction": ("FileExtensionRestrictionParameters", {}),
    "max_file_size": ("MaxFileSizeParameters", {}),
}

#: GitHub's repository role ids in ``bypass_actors`` (``RepositoryRole``).
_ROLE_NAMES = {1: "read", 2: "maintain", 3: "triage", 4: "write", 5: "admin"}


def _rule(ruleset_id: int, index: int, rule: dict[str, Any]) -> dict[str, Any]:
    kind = rule["type"]
    parameters = None
    if "parameters" in rule and kind in _PARAMETERS:
        typename, defaults = _PARAMETERS[kind]
        parameters = {"__typename": typename, **defaults, **_camelize(rule["parameters"])}
    return {"id": f"RR_{ruleset_id}_{index}", "type": kind.upper(), "parameters": parameters}


def _bypass_actor(actor_: dict[str, Any]) -> dict[str, Any]:
    kind, actor_id = actor_["actor_type"], actor_.get("actor_id")
    who = None
    if kind == "Integration":
        slug = actor_.get("slug", f"app-{actor_id}")
        who = {"__typename": "App", "slug": slug, "name": slug, "databaseId": actor_id}
    elif kind == "Team":
        slug = actor_.get("slug", f"team-{actor_id}")
        who = {"__typename": "Team", "slug": slug, "name": slug}
    mode = actor_.get("bypass_mode", "always").upper()
    return {"id": f"BA_{kind}_{actor_id}", "actor": who,
            "bypassMode": mode if mode in ("ALWAYS", "PULL_REQUEST") else None,
            "organizationAdmin": kind == "OrganizationAdmin", "deployKey": kind == "DeployKey",
            "enterpriseOwner": False,
            "repositoryRoleName": _ROLE_NAMES.get(actor_id or 0) if kind == "RepositoryRole"
            else None,
            "repositoryRoleDatabaseId": actor_id if kind == "RepositoryRole" else None}


def ruleset_node(viewer: Viewer, ruleset: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """A ``RepositoryRuleset`` from the REST-shaped model.

    ``bypassActors`` is null for callers without write access, as REST leaves
    ``bypass_actors`` out for them (GraphQL behaviour [verify]).
    """
    conditions = ruleset.get("conditions", {})
    names = conditions.get("repository_name")
    rules = ruleset.get("rules", [])
    actors = [_bypass_actor(a) for a in ruleset.get("bypass_actors", [])]
    return {
        "__typename": "RepositoryRuleset", "id": f"RRS_{ruleset['id']}",
        "databaseId": ruleset["id"], "name": ruleset["name"],
        "enforcement": ruleset["enforcement"].upper(),
        "target": ruleset.get("target", "branch").upper(), "source": source,
        "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z",
        "conditions": {
            "refName": ({"include": [], "exclude": [], **conditions["ref_name"]}
                        if "ref_name" in conditions else None),
            "repositoryName": ({"include": [], "exclude": [], "protected": False, **names}
                               if names is not None else None),
            "repositoryId": ({"repositoryIds": conditions["repository_id"]["repository_ids"]}
                             if "repository_id" in conditions else None),
            "repositoryProperty": None},
        "bypassActors": connection(lambda: actors) if viewer.admin else None,
        "rules": connection(lambda type=None: [
            _rule(ruleset["id"], i, r) for i, r in enumerate(rules)
            if type is None or r["type"].upper() == type]),
    }


def _org_source(org: FakeOrg) -> dict[str, Any]:
    return {"__typename": "Organization", "login": org.login, "name": org.login,
            "id": f"O_{org.login}", "databaseId": 1}


def _repo_rulesets(viewer: Viewer, repo: FakeRepo) -> Callable[..., dict[str, Any]]:
    def items(includeParents: bool = True, targets: list[str] | None = None) -> list[Any]:
        nodes = []
        for ruleset, source_type in applicable_rulesets(viewer.org, repo):
            if source_type == "Organization" and not includeParents:
                continue
            if targets and ruleset.get("target", "branch").upper() not in targets:
                continue
            source = (_org_source(viewer.org) if source_type == "Organization" else
                      {"__typename": "Repository", "name": repo.name,
                       "nameWithOwner": f"{viewer.org.login}/{repo.name}"})
            nodes.append(ruleset_node(viewer, ruleset, source))
        return nodes
    return connection(items)


def _enabled(protection: dict[str, Any], key: str) -> bool:
    value = protection.get(key)
    return bool(value.get("enabled")) if isinstance(value, dict) else bool(value)


def _allowances(given: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """A connection of ``{actor}`` allowances from ``users``/``teams``/``apps`` lists."""
    nodes = ([{"actor": actor(login)} for login in given.get("users", [])]
             + [{"actor": {"__typename": "Team", "slug": s, "name": s}}
                for s in given.get("teams", [])]
             + [{"actor": {"__typename": "App", "slug": s, "name": s}}
                for s in given.get("apps", [])])
    return connection(lambda: nodes)


def branch_protection_rule(repo: FakeRepo, p: dict[str, Any]) -> dict[str, Any]:
    """``BranchProtectionRule`` (the admin view) from REST-shaped classic protection."""
    reviews = p.get("required_pull_request_reviews")
    checks = p.get("required_status_checks")
    contexts = list(checks.get("contexts", [])) if checks is not None else []
    return {
        "id": f"BPR_{repo.name}", "databaseId": 1, "pattern": repo.default_branch,
        "isAdminEnforced": _enabled(p, "enforce_admins"),
        "requiresApprovingReviews": reviews is not None,
        "requiredApprovingReviewCount": (reviews.get("required_approving_review_count", 1)
                                         if reviews is not None else None),
        "dismissesStaleReviews": bool(reviews and reviews.get("dismiss_stale_reviews")),
        "requiresCodeOwnerReviews": bool(reviews and reviews.get("require_code_owner_reviews")),
        "requireLastPushApproval": bool(reviews and reviews.get("require_last_push_approval")),
        "restrictsReviewDismissals": bool(reviews and "dismissal_restrictions" in reviews),
        "requiresStatusChecks": checks is not None,
        "requiresStrictStatusChecks": bool(checks and checks.get("strict")),
        "requiredStatusCheckContexts": contexts,
        "requiredStatusChecks": [{"context": c, "app": None} for c in contexts],
        "requiresCommitSignatures": _enabled(p, "required_signatures"),
        "requiresLinearHistory": _enabled(p, "required_linear_history"),
        "allowsForcePushes": _enabled(p, "allow_force_pushes"),
        "allowsDeletions": _enabled(p, "allow_deletions"),
        "blocksCreations": _enabled(p, "block_creations"),
        "requiresConversationResolution": _enabled(p, "required_conversation_resolution"),
        "lockBranch": _enabled(p, "lock_branch"), "lockAllowsFetchAndMerge": False,
        "requiresDeployments": False, "requiredDeploymentEnvironments": [],
        "restrictsPushes": "restrictions" in p,
        "bypassPullRequestAllowances": _allowances(
            (reviews or {}).get("bypass_pull_request_allowances", {})),
        "bypassForcePushAllowances": _allowances({}),
        "pushAllowances": _allowances(p.get("restrictions") or {}),
        "reviewDismissalAllowances": _allowances(
            (reviews or {}).get("dismissal_restrictions", {})),
    }


def ref_update_rule(viewer: Viewer, repo: FakeRepo, p: dict[str, Any]) -> dict[str, Any]:
    """``RefUpdateRule``: the part of classic protection every reader may see."""
    full = branch_protection_rule(repo, p)
    keys = ("pattern", "requiredApprovingReviewCount", "requiredStatusCheckContexts",
            "requiresCodeOwnerReviews", "requiresConversationResolution",
            "requiresLinearHistory", "allowsForcePushes", "allowsDeletions", "blocksCreations")
    return {**{k: full[k] for k in keys}, "requiresSignatures": full["requiresCommitSignatures"],
            "viewerCanPush": viewer.admin, "viewerAllowedToDismissReviews": viewer.admin}


def default_branch_ref(viewer: Viewer, repo: FakeRepo) -> dict[str, Any] | None:
    """``Repository.defaultBranchRef``; null for an empty repository."""
    head = head_commit(repo)
    if head is None:
        return None
    protection = repo.classic_protection

    def admin_only(info: Info) -> dict[str, Any] | None:
        if not viewer.admin:
            raise github_error(FORBIDDEN, "FORBIDDEN")
        return branch_protection_rule(repo, protection) if protection is not None else None

    return {
        "__typename": "Ref", "id": f"REF_{repo.name}", "name": repo.default_branch,
        "prefix": "refs/heads/",
        "target": {"__typename": "Commit", "oid": head[0], "committedDate": head[1],
                   "id": f"C_{head[0]}"},
        "refUpdateRule": ref_update_rule(viewer, repo, protection) if protection else None,
        "branchProtectionRule": admin_only,
    }


def _environment(index: int, env: dict[str, Any]) -> dict[str, Any]:
    reviewers = ([actor(login) for login in env.get("reviewers", [])]
                 + [{"__typename": "Team", "slug": s, "name": s} for s in env.get("teams", [])])
    rules = []
    if reviewers:
        rules.append({"type": "REQUIRED_REVIEWERS", "timeout": 0, "databaseId": index * 10 + 1,
                      "preventSelfReview": env.get("prevent_self_review", False),
                      "reviewers": connection(lambda: reviewers)})
    if env.get("wait_timer"):
        rules.append({"type": "WAIT_TIMER", "timeout": env["wait_timer"],
                      "databaseId": index * 10 + 2, "preventSelfReview": None,
                      "reviewers": connection(lambda: [])})
    return {"__typename": "Environment", "id": f"EN_{index}", "databaseId": index,
            "name": env["name"], "protectionRules": connection(lambda: rules)}


def _environments(repo: FakeRepo) -> Callable[..., dict[str, Any]]:
    def items(names: list[str] | None = None, orderBy: dict[str, str] | None = None,
              **_: Any) -> list[Any]:
        nodes = [_environment(i + 1, env) for i, env in enumerate(repo.environments)
                 if not names or env["name"] in names]
        descending = (orderBy or {}).get("direction") == "DESC"
        return sorted(nodes, key=lambda n: n["name"], reverse=descending)
    return connection(items)


def pull_request_node(repo: FakeRepo, pr: dict[str, Any]) -> dict[str, Any]:
    """A merged ``PullRequest`` from the model's dict."""
    merged_at = pr["merged_at"]
    reviews = [(login, bot, "APPROVED") for login, bot in pr.get("approvals", [])]
    reviews += [tuple(r) for r in pr.get("reviews", [])]
    commits = []
    for i, (message, email, login) in enumerate(pr.get("commits", [])):
        oid = hashlib.sha1(f"{repo.name}#{pr['number']}:{i}:{message}".encode()).hexdigest()
        commits.append({"commit": {
            "__typename": "Commit", "id": f"C_{oid}", "oid": oid, "message": message,
            "committedDate": merged_at, "authoredDate": merged_at,
            "author": {"email": email, "name": login or email.split("@")[0], "date": merged_at,
                       "user": actor(login) if login else None},
            "committer": {"email": "noreply@github.com", "name": "GitHub", "date": merged_at,
                          "user": None}}})

    def review_items(states: list[str] | None = None, author: str | None = None) -> list[Any]:
        return [{"state": state, "author": actor(login, bot=bot)}
                for login, bot, state in reviews
                if (states is None or state in states) and (author is None or author == login)]

    return {
        "__typename": "PullRequest", "id": f"PR_{repo.name}_{pr['number']}",
        "number": pr["number"], "title": pr.get("title", f"Change {pr['number']}"),
        "state": "MERGED", "merged": True, "mergedAt": merged_at,
        "createdAt": pr.get("created_at", merged_at), "updatedAt": pr.get("updated_at", merged_at),
        "headRefName": pr.get("head_ref", f"change-{pr['number']}"),
        "baseRefName": pr.get("base_ref", repo.default_branch), "body": pr.get("body", ""),
        "author": actor(pr["author"], bot=pr.get("author_is_bot", False)),
        "reviews": connection(review_items), "commits": connection(lambda: commits),
    }


def _pull_requests(repo: FakeRepo) -> Callable[..., dict[str, Any]]:
    def items(states: list[str] | None = None, baseRefName: str | None = None,
              headRefName: str | None = None, orderBy: dict[str, str] | None = None,
              labels: list[str] | None = None) -> list[Any]:
        nodes = [pull_request_node(repo, pr) for pr in repo.pulls]
        nodes = [n for n in nodes if (states is None or n["state"] in states)
                 and (baseRefName is None or n["baseRefName"] == baseRefName)
                 and (headRefName is None or n["headRefName"] == headRefName)
                 and not labels]
        order = orderBy or {"field": "CREATED_AT", "direction": "ASC"}
        key = {"CREATED_AT": "createdAt", "UPDATED_AT": "updatedAt"}.get(order["field"],
                                                                         "createdAt")
        return sorted(nodes, key=lambda n: (n[key], n["number"]),
                      reverse=order["direction"] == "DESC")
    return connection(items)


def repository_node(viewer: Viewer, repo: FakeRepo) -> dict[str, Any]:
    """A ``Repository``; expensive parts are callables resolved only when asked for."""
    org = viewer.org
    full = f"{org.login}/{repo.name}"
    head = head_commit(repo)
    return {
        "__typename": "Repository", "id": f"R_{repo.name}", "databaseId": org.repo_id(repo),
        "name": repo.name, "nameWithOwner": full, "owner": _org_source(org) | {
            "url": f"https://github.com/{org.login}", "resourcePath": f"/{org.login}",
            "avatarUrl": f"https://avatars.example/{org.login}"},
        "url": f"https://github.com/{full}", "isArchived": repo.archived, "isFork": repo.fork,
        "isPrivate": repo.private, "isEmpty": head is None, "isDisabled": False,
        "isLocked": False, "visibility": "PRIVATE" if repo.private else "PUBLIC",
        "pushedAt": head[1] if head else "2025-01-01T00:00:00Z",
        "viewerPermission": "ADMIN" if viewer.admin else "READ",
        "defaultBranchRef": lambda info: default_branch_ref(viewer, repo),
        "rulesets": _repo_rulesets(viewer, repo),
        "environments": _environments(repo),
        "pullRequests": _pull_requests(repo),
    }


def root_value(viewer: Viewer) -> dict[str, Any]:
    """The ``Query`` object."""
    org = viewer.org

    def repository(info: Info, owner: str, name: str,
                   followRenames: bool = True) -> dict[str, Any]:
        repo = org.repo(owner, name)
        if repo is None or repo.deleted:
            raise github_error(f"Could not resolve to a Repository with the name "
                               f"'{owner}/{name}'.", "NOT_FOUND")
        return repository_node(viewer, repo)

    def organization(info: Info, login: str) -> dict[str, Any]:
        if login.lower() != org.login.lower():
            raise github_error(f"Could not resolve to an Organization with the login of "
                               f"'{login}'.", "NOT_FOUND")

        def rulesets(info: Info, **args: Any) -> dict[str, Any]:
            if viewer.role != "owner":
                raise github_error(FORBIDDEN, "FORBIDDEN")
            nodes = [ruleset_node(viewer, rs, _org_source(org)) for rs in org.rulesets]
            return connection(lambda **_: nodes)(info, **args)

        def repositories(**filters: Any) -> list[Any]:
            keep = {"isArchived": "archived", "isFork": "fork"}
            return [repository_node(viewer, r) for r in org.repos if not r.deleted
                    and all(getattr(r, keep[k]) == v for k, v in filters.items() if k in keep)]

        return _org_source(org) | {"rulesets": rulesets, "repositories": connection(repositories)}

    reset = datetime.fromtimestamp(viewer.rate["reset"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "repository": repository, "organization": organization,
        "viewer": actor(f"{viewer.role}-user"),
        "rateLimit": {"cost": 1, "limit": viewer.rate["limit"], "used": viewer.rate["used"],
                      "remaining": viewer.rate["remaining"], "resetAt": reset, "nodeCount": 0},
    }


def _format(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's error entry with GitHub's ``type`` at the top level."""
    entry: dict[str, Any] = dict(error.formatted)
    extensions: dict[str, Any] = dict(entry.pop("extensions", None) or {})
    if "type" in extensions:
        entry = {"type": extensions.pop("type"), **entry}
    if extensions:
        entry["extensions"] = extensions
    return entry


def run_query(viewer: Viewer, payload: Any) -> dict[str, Any]:
    """Validate and execute one ``POST /graphql`` body; the JSON to answer (status 200)."""
    query = payload.get("query") if isinstance(payload, dict) else None
    if not isinstance(query, str):
        return {"errors": [{"message": "A query attribute must be specified and must be a "
                                       "string."}]}
    try:
        document = parse(query)
    except GraphQLError as err:
        return {"errors": [_format(err)]}
    schema = github_schema()
    if errors := validate(schema, document):
        return {"errors": [_format(e) for e in errors]}
    result = execute_sync(schema, document, root_value=root_value(viewer),
                     variable_values=payload.get("variables") or {},
                     operation_name=payload.get("operationName"))
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [_format(e) for e in result.errors]
    return answer

"""REST endpoints of the fake GitHub: one function per endpoint, GitHub's response shapes.

Status and message choices follow ``platform-apis.md`` §1, §2 and the decision table §2.7;
each error names its source in a comment. Bodies are checked against the OpenAPI
description by :func:`tests.github_fake.shapes.check_shapes`.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from tests.github_fake.model import (
    CREATED_AT,
    REPO_ADMINS,
    SECURITY_VIEWERS,
    FakeOrg,
    FakeRepo,
    applicable_rulesets,
    effective_rules,
    head_commit,
    permissions,
)

DOCS = "https://docs.github.com/rest"
UPGRADE = "Upgrade to GitHub Pro or make this repository public to enable this feature."
CODE_SECURITY = "Code Security must be enabled for this repository to use code scanning."


@dataclass
class Call:
    """One authenticated request as the endpoint functions see it."""

    org: FakeOrg
    role: str
    api: str
    """The server's base URL (``http://127.0.0.1:PORT``)."""
    path: str
    params: dict[str, str]
    query: dict[str, str]
    rate: dict[str, dict[str, int]] = field(default_factory=dict)
    """Current budgets per resource (``core``, ``graphql``) for ``/rate_limit``."""


@dataclass
class Reply:
    """A status, a JSON body (None = empty) and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def _number(name: str) -> int:
    """A stable numeric id for a login or slug (the same in every process)."""
    return zlib.crc32(name.encode()) % 10**6


def error(status: int, message: str, doc: str = DOCS) -> Reply:
    """GitHub's ``basic-error`` body."""
    return Reply(status, {"message": message, "documentation_url": doc, "status": str(status)})


NOT_FOUND = 404, "Not Found"


def _user(api: str, login: str, kind: str = "User") -> dict[str, Any]:
    """A ``simple-user`` object."""
    base = f"{api}/users/{login}"
    return {
        "login": login, "id": _number(login), "node_id": f"U_{login}",
        "avatar_url": f"https://avatars.example/{login}", "gravatar_id": "", "url": base,
        "html_url": f"https://github.com/{login}", "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions", "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos", "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events", "type": kind, "site_admin": False,
        "user_view_type": "public",
    }


def _team(api: str, org: str, slug: str) -> dict[str, Any]:
    """A ``team`` object."""
    base = f"{api}/orgs/{org}/teams/{slug}"
    return {"id": _number(slug), "node_id": f"T_{slug}", "url": base,
            "html_url": f"https://github.com/orgs/{org}/teams/{slug}", "name": slug,
            "slug": slug, "description": None, "privacy": "closed",
            "notification_setting": "notifications_enabled", "permission": "pull",
            "members_url": f"{base}/members{{/member}}", "repositories_url": f"{base}/repos",
            "parent": None, "type": "organization"}


def _app(api: str, org: str, slug: str) -> dict[str, Any]:
    """An ``integration`` (GitHub App) object."""
    return {"id": _number(slug), "slug": slug, "node_id": f"A_{slug}",
            "client_id": f"Iv1.{slug}", "owner": _user(api, org, "Organization"),
            "name": slug, "description": "", "external_url": "https://apps.example",
            "html_url": f"https://github.com/apps/{slug}", "created_at": CREATED_AT,
            "updated_at": CREATED_AT, "permissions": {"contents": "read"}, "events": []}


_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}", "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}", "contributors_url": "/contributors",
    "deployments_url": "/deployments", "downloads_url": "/downloads", "events_url": "/events",
    "forks_url": "/forks", "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}", "git_tags_url": "/git/tags{/sha}", "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}", "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}", "languages_url": "/languages",
    "merges_url": "/merges", "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}", "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers", "subscription_url": "/subscription", "tags_url": "/tags",
    "teams_url": "/teams", "trees_url": "/git/trees{/sha}",
}

_SECURITY_KEYS = ("secret_scanning", "secret_scanning_push_protection",
                  "dependabot_security_updates", "secret_scanning_non_provider_patterns")


def minimal_repository(call: Call, repo: FakeRepo) -> dict[str, Any]:
    """The ``minimal-repository`` object of the inventory, as the caller's role sees it."""
    full = f"{call.org.login}/{repo.name}"
    url = f"{call.api}/repos/{full}"
    head = head_commit(repo)
    body: dict[str, Any] = {
        "id": call.org.repo_id(repo), "node_id": f"R_{repo.name}", "name": repo.name,
        "full_name": full, "owner": _user(call.api, call.org.login, "Organization"),
        "private": repo.private, "visibility": "private" if repo.private else "public",
        "html_url": f"https://github.com/{full}", "description": None, "fork": repo.fork,
        "url": url, **{key: url + suffix for key, suffix in _REPO_URLS.items()},
        "clone_url": repo.clone_url or (f"file://{repo.git_dir}" if repo.git_dir
                                         else f"https://github.com/{full}.git"),
        "git_url": f"git://github.com/{full}.git", "ssh_url": f"git@github.com:{full}.git",
        "svn_url": f"https://github.com/{full}", "mirror_url": None, "homepage": None,
        "language": None, "default_branch": repo.default_branch, "archived": repo.archived,
        "disabled": False, "size": 0 if head is None else 1, "created_at": CREATED_AT,
        "updated_at": head[1] if head else CREATED_AT,
        "pushed_at": head[1] if head else CREATED_AT,
        "permissions": permissions(call.role), "forks_count": 0, "stargazers_count": 0,
        "watchers_count": 0, "open_issues_count": 0, "has_issues": True, "has_projects": True,
        "has_wiki": False, "has_pages": False, "has_discussions": False, "is_template": False,
        "topics": [], "license": None, "custom_properties": {},
    }
    if call.role in SECURITY_VIEWERS:
        statuses = dict.fromkeys(_SECURITY_KEYS, "disabled") | (repo.security or {})
        body["security_and_analysis"] = {k: {"status": v} for k, v in statuses.items()}
    return body


def paginate(call: Call, items: list[Any]) -> Reply:
    """One page of ``items`` with GitHub's absolute ``Link`` header (``per_page`` <= 100)."""
    per_page = min(int(call.query.get("per_page", 30)), 100)
    page = max(int(call.query.get("page", 1)), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1), ("last", last), ("first", 1)):
        if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last):
            link = f"{call.api}{call.path}?{urlencode({**call.query, 'page': number})}"
            links.append(f'<{link}>; rel="{rel}"')
    headers = {"Link": ", ".join(links)} if links else {}
    return Reply(200, items[(page - 1) * per_page: page * per_page], headers)


# --- endpoints ------------------------------------------------------------------------


def list_org_repos(call: Call) -> Reply:
    """``GET /orgs/{org}/repos``: the inventory, deleted repositories included."""
    if call.params["org"].lower() != call.org.login.lower():
        return error(*NOT_FOUND)
    return paginate(call, [minimal_repository(call, r) for r in call.org.repos])


def list_user_repos(call: Call) -> Reply:
    """``GET /users/{username}/repos``: the same model served as a user account."""
    if call.params["username"].lower() != call.org.login.lower():
        return error(*NOT_FOUND)
    return paginate(call, [minimal_repository(call, r) for r in call.org.repos
                           if not r.private])


def _repo(call: Call) -> FakeRepo | Reply:
    """The addressed repository, or the 404 GitHub answers for unknown/deleted ones."""
    repo = call.org.repo(call.params["owner"], call.params["repo"])
    if repo is None or repo.deleted:
        return error(*NOT_FOUND)
    return repo


def get_repo(call: Call) -> Reply:
    """``GET /repos/{owner}/{repo}``: the ``full-repository`` object."""
    repo = _repo(call)
    if isinstance(repo, Reply):
        return repo
    body = minimal_repository(call, repo)
    body.update(forks=0, open_issues=0, watchers=0, network_count=0, subscribers_count=0,
                organization=_user(call.api, call.org.login, "Organization"))
    return Reply(200, body)


def branch_rules(call: Call) -> Reply:
    """``GET /repos/{o}/{r}/rules/branches/{branch}``: readable by every role (Metadata:read).

    Private repository on the free plan: 403 "Upgrade to GitHub Pro…" (§1.1, §2.7 step 2).
    """
    repo = _repo(call)
    if isinstance(repo, Reply):
        return repo
    if call.org.plan_blocks(repo):
        return error(403, UPGRADE)
    return paginate(call, effective_rules(call.org, repo, unquote(call.params["branch"])))


def _enabled(value: Any, url: str | None = None) -> dict[str, Any]:
    """``{"enabled": bool}`` (plus ``url``) from a bool or an existing object."""
    enabled = value.get("enabled", False) if isinstance(value, dict) else bool(value)
    return {"enabled": enabled, **({"url": url} if url else {})}


def _actors(call: Call, given: dict[str, Any], url: str) -> dict[str, Any]:
    """Users/teams/apps lists given as logins/slugs, expanded to GitHub's objects."""
    org = call.org.login
    return {"url": url, "users_url": f"{url}/users", "teams_url": f"{url}/teams",
            "apps_url": f"{url}/apps",
            "users": [_user(call.api, login) for login in given.get("users", [])],
            "teams": [_team(call.api, org, slug) for slug in given.get("teams", [])],
            "apps": [_app(call.api, org, slug) for slug in given.get("apps", [])]}


def full_protection(call: Call, repo: FakeRepo, given: dict[str, Any]) -> dict[str, Any]:
    """The ``branch-protection`` object with every key GitHub sends filled in."""
    url = f"{call.api}/repos/{call.org.login}/{repo.name}/branches/{repo.default_branch}/protection"
    body: dict[str, Any] = {
        "url": url,
        "enforce_admins": _enabled(given.get("enforce_admins"), f"{url}/enforce_admins"),
        "required_signatures": _enabled(given.get("required_signatures"),
                                        f"{url}/required_signatures"),
    }
    for key in ("required_linear_history", "allow_force_pushes", "allow_deletions",
                "block_creations", "required_conversation_resolution", "lock_branch",
                "allow_fork_syncing"):
        body[key] = _enabled(given.get(key))
    if (checks := given.get("required_status_checks")) is not None:
        contexts = list(checks.get("contexts", []))
        body["required_status_checks"] = {
            "url": f"{url}/required_status_checks", "strict": checks.get("strict", False),
            "contexts": contexts, "contexts_url": f"{url}/required_status_checks/contexts",
            "checks": [{"context": c, "app_id": None} for c in contexts]}
    if (reviews := given.get("required_pull_request_reviews")) is not None:
        review_url = f"{url}/required_pull_request_reviews"
        body["required_pull_request_reviews"] = {
            "url": review_url,
            "dismiss_stale_reviews": reviews.get("dismiss_stale_reviews", False),
            "require_code_owner_reviews": reviews.get("require_code_owner_reviews", False),
            "required_approving_review_count": reviews.get("required_approving_review_count", 1),
            "require_last_push_approval": reviews.get("require_last_push_approval", False)}
        for key in ("dismissal_restrictions", "bypass_pull_request_allowances"):
            if key in reviews:
                actors = _actors(call, reviews[key], f"{url}/{key}")
                body["required_pull_request_reviews"][key] = (
                    actors if key == "dismissal_restrictions"
                    else {k: actors[k] for k in ("users", "teams", "apps")})
    if (restrictions := given.get("restrictions")) is not None:
        body["restrictions"] = _actors(call, restrictions, f"{url}/restrictions")
    return body


def branch_protection(call: Call) -> Reply:
    """``GET /repos/{o}/{r}/branches/{b}/protection``: admins only.

    Non-admin: 404 "Not Found" (§1.1, [3p] community #24582, ossf/scorecard#138; GitHub
    hides what you cannot access). Admin, unprotected: 404 "Branch not protected" (octokit
    fixture branch-protection). Free plan, private: 403 "Upgrade to GitHub Pro…" (§1.1).
    """
    repo = _repo(call)
    if isinstance(repo, Reply):
        return repo
    if call.role not in REPO_ADMINS:
        return error(*NOT_FOUND)
    if call.org.plan_blocks(repo):
        return error(403, UPGRADE)
    branch = unquote(call.params["branch"])
    if repo.git_dir is None:
        return error(404, "Branch not found")
    if branch != repo.default_branch or repo.classic_protection is None:
        return error(404, "Branch not protected")
    return Reply(200, full_protection(call, repo, repo.classic_protection))


def full_ruleset(call: Call, ruleset: dict[str, Any], source_type: str, source: str,
                 *, detail: bool = True) -> dict[str, Any]:
    """A ``repository-ruleset`` object; ``bypass_actors`` only for callers with write access.

    OpenAPI ``repos/get-repo-ruleset``: "the ``bypass_actors`` property is only returned if
    the user making the API request has write access to the ruleset".
    """
    scope = f"orgs/{source}" if source_type == "Organization" else f"repos/{source}"
    body: dict[str, Any] = {
        "id": ruleset["id"], "name": ruleset["name"], "target": ruleset.get("target", "branch"),
        "source_type": source_type, "source": source, "enforcement": ruleset["enforcement"],
        "node_id": f"RRS_{ruleset['id']}", "created_at": CREATED_AT, "updated_at": CREATED_AT,
        "current_user_can_bypass": "never",
        "_links": {"self": {"href": f"{call.api}/{scope}/rulesets/{ruleset['id']}"}},
    }
    if detail:
        body["conditions"] = ruleset.get("conditions", {})
        body["rules"] = ruleset.get("rules", [])
        if call.role in REPO_ADMINS:
            body["bypass_actors"] = [{k: v for k, v in actor.items() if k in
                                      ("actor_id", "actor_type", "bypass_mode")}
                                     for actor in ruleset.get("bypass_actors", [])]
    return body


def list_org_rulesets(call: Call) -> Reply:
    """``GET /orgs/{org}/rulesets``: owners only; summaries without rules or conditions.

    Others: 404 "Not Found", the only client error the OpenAPI description documents for
    ``repos/get-org-rulesets`` (200, 404, 500).
    """
    if call.params["org"].lower() != call.org.login.lower() or call.role != "owner":
        return error(*NOT_FOUND)
    return paginate(call, [full_ruleset(call, rs, "Organization", call.org.login, detail=False)
                           for rs in call.org.rulesets])


def get_org_ruleset(call: Call) -> Reply:
    """``GET /orgs/{org}/rulesets/{id}``: owners only (404 otherwise, as the list)."""
    if call.params["org"].lower() != call.org.login.lower() or call.role != "owner":
        return error(*NOT_FOUND)
    for ruleset in call.org.rulesets:
        if ruleset["id"] == int(call.params["ruleset_id"]):
            return Reply(200, full_ruleset(call, ruleset, "Organization", call.org.login))
    return error(*NOT_FOUND)


def get_repo_ruleset(call: Call) -> Reply:
    """``GET /repos/{o}/{r}/rulesets/{id}``: any reader; org rulesets that apply too."""
    repo = _repo(call)
    if isinstance(repo, Reply):
        return repo
    if call.org.plan_blocks(repo):
        return error(403, UPGRADE)
    for ruleset, source_type in applicable_rulesets(call.org, repo):
        if ruleset["id"] == int(call.params["ruleset_id"]):
            source = (f"{call.org.login}/{repo.name}" if source_type == "Repository"
                      else call.org.login)
            return Reply(200, full_ruleset(call, ruleset, source_type, source))
    return error(*NOT_FOUND)


def org_workflow_permissions(call: Call) -> Reply:
    """``GET /orgs/{org}/actions/permissions/workflow``: owners only (``admin:org``).

    Others: 403 "Must have admin rights to Repository." — what GitHub answers on the org
    Actions endpoints without org admin rights ([3p] tchelovilar/github-org-runner-exporter#15,
    turbot/steampipe-plugin-github#139); the OpenAPI description documents only 200.
    """
    if call.params["org"].lower() != call.org.login.lower():
        return error(*NOT_FOUND)
    if call.role != "owner" or call.org.workflow_permissions is None:
        return error(403, "Must have admin rights to Repository.")
    return Reply(200, {"default_workflow_permissions": call.org.workflow_permissions,
                       "can_approve_pull_request_reviews": False})


def code_scanning_default_setup(call: Call) -> Reply:
    """``GET /repos/{o}/{r}/code-scanning/default-setup``.

    Non-admin: 403 "Resource not accessible by personal access token" ([3p]
    petry-projects/.github#112). Free plan private, or Code Security off on a private
    repository: 403 "Code Security must be enabled…" (§2.1, [3p] trycompai/comp#3457).
    """
    repo = _repo(call)
    if isinstance(repo, Reply):
        return repo
    if call.role not in REPO_ADMINS:
        return error(403, "Resource not accessible by personal access token")
    if call.org.plan_blocks(repo) or (repo.default_setup is None and repo.private):
        return error(403, CODE_SECURITY)
    state = repo.default_setup or "not-configured"
    configured = state == "configured"
    return Reply(200, {
        "state": state, "languages": ["python"] if configured else [],
        "query_suite": "default", "threat_model": "remote", "runner_type": "standard",
        "runner_label": None, "schedule": "weekly" if configured else None,
        "updated_at": CREATED_AT if configured else None})


def _environment(call: Call, repo: FakeRepo, index: int, env: dict[str, Any]) -> dict[str, Any]:
    """An ``environment`` object with its protection rules."""
    base = f"{call.api}/repos/{call.org.login}/{repo.name}/environments/{env['name']}"
    rules: list[dict[str, Any]] = []
    reviewers = [{"type": "User", "reviewer": _user(call.api, login)}
                 for login in env.get("reviewers", [])]
    reviewers += [{"type": "Team", "reviewer": _team(call.api, call.org.login, slug)}
                  for slug in env.get("teams", [])]
    if reviewers:
        rules.append({"id": index * 10 + 1, "node_id": f"GA_{index}r",
                      "type": "required_reviewers", "reviewers": reviewers,
                      "prevent_self_review": env.get("prevent_self_review", False)})
    if env.get("wait_timer"):
        rules.append({"id": index * 10 + 2, "node_id": f"GA_{index}w", "type": "wait_timer",
                      "wait_timer": env["wait_timer"]})
    return {"id": index, "node_id": f"EN_{index}", "name": env["name"], "url": base,
            "html_url": f"https://github.com/{call.org.login}/{repo.name}/deployments",
            "created_at": CREATED_AT, "updated_at": CREATED_AT, "protection_rules": rules,
            "deployment_branch_policy": None}


def list_environments(call: Call) -> Reply:
    """``GET /repos/{o}/{r}/environments``: "Anyone with read access" (OpenAPI)."""
    repo = _repo(call)
    if isinstance(repo, Reply):
        return repo
    page = paginate(call, [_environment(call, repo, i + 1, env)
                           for i, env in enumerate(repo.environments)])
    return Reply(200, {"total_count": len(repo.environments), "environments": page.body},
                 page.headers)


def rate_limit(call: Call) -> Reply:
    """``GET /rate_limit``: the current budgets (does not count against the core limit)."""
    resources = {name: dict(budget) for name, budget in call.rate.items()}
    resources.setdefault("search", {"limit": 30, "remaining": 30, "used": 0,
                                    "reset": int(time.time()) + 60})
    return Reply(200, {"resources": resources, "rate": resources["core"]})


def authenticated_user(call: Call) -> Reply:
    """``GET /user``: a ``public-user`` named after the token's role."""
    body = _user(call.api, f"{call.role}-user")
    body.update(name=None, company=None, blog="", location=None, email=None, hireable=None,
                bio=None, public_repos=0, public_gists=0, followers=0, following=0,
                created_at=CREATED_AT, updated_at=CREATED_AT)
    return Reply(200, body)


Route = tuple[str, str, Callable[[Call], Reply]]

#: ``(method, path regex, endpoint)``; named groups become ``Call.params``.
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
ROUTES: list[Route] = [
    ("GET", r"/orgs/(?P<org>[^/]+)/repos", list_org_repos),
    ("GET", r"/users/(?P<username>[^/]+)/repos", list_user_repos),
    ("GET", _REPO, get_repo),
    ("GET", _REPO + r"/rules/branches/(?P<branch>.+)", branch_rules),
    ("GET", _REPO + r"/branches/(?P<branch>.+)/protection", branch_protection),
    ("GET", r"/orgs/(?P<org>[^/]+)/rulesets", list_org_rulesets),
    ("GET", r"/orgs/(?P<org>[^/]+)/rulesets/(?P<ruleset_id>\d+)", get_org_ruleset),
    ("GET", _REPO + r"/rulesets/(?P<ruleset_id>\d+)", get_repo_ruleset),
    ("GET", r"/orgs/(?P<org>[^/]+)/actions/permissions/workflow", org_workflow_permissions),
    ("GET", _REPO + r"/code-scanning/default-setup", code_scanning_default_setup),
    ("GET", _REPO + r"/environments", list_environments),
    ("GET", r"/rate_limit", rate_limit),
    ("GET", r"/user", authenticated_user),
]


def route(method: str, path: str) -> tuple[Callable[[Call], Reply], dict[str, str]] | None:
    """The endpoint serving ``method path`` and its path parameters."""
    for verb, pattern, endpoint in ROUTES:
        if verb == method and (match := re.fullmatch(pattern, path)):
            return endpoint, match.groupdict()
    return None

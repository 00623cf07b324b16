"""The fake GitHub itself: every endpoint per role, ETags, pagination, limits and GraphQL."""

from __future__ import annotations

import importlib.util
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import RepoBuilder
from tests.github_fake import (
    ROLES,
    FakeGitHub,
    FakeOrg,
    FakeRepo,
    Logged,
    Scripted,
    check_shapes,
    load_subset,
    make_bare,
)
from tests.github_fake.rest import CODE_SECURITY, UPGRADE

TOKENS = {f"t-{role}": role for role in ROLES}
PULL_REQUEST_RULE = {"type": "pull_request", "parameters": {
    "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": True,
    "require_code_owner_review": True, "require_last_push_approval": False,
    "required_review_thread_resolution": False}}
REPO_RULESET = {"id": 7, "name": "main-branch", "enforcement": "active",
                "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
                "rules": [PULL_REQUEST_RULE, {"type": "non_fast_forward"}],
                "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole",
                                   "bypass_mode": "always"},
                                  {"actor_id": 3, "actor_type": "Integration",
                                   "bypass_mode": "pull_request", "slug": "renovate"}]}
ORG_RULESETS = [
    {"id": 9, "name": "org-signing", "enforcement": "active",
     "conditions": {"ref_name": {"include": ["refs/heads/main", "refs/heads/release/*"],
                                 "exclude": []},
                    "repository_name": {"include": ["~ALL"], "exclude": ["secret"]}},
     "rules": [{"type": "required_signatures"}]},
    {"id": 10, "name": "org-trial", "enforcement": "evaluate",
     "conditions": {"ref_name": {"include": ["~ALL"], "exclude": []},
                    "repository_name": {"include": ["~ALL"], "exclude": []}},
     "rules": [{"type": "deletion"}]},
]
PULLS = [{"number": n, "merged_at": f"2026-05-0{n}T10:00:00Z", "author": "dana",
          "head_ref": f"feature-{n}", "body": f"Change {n}",
          "approvals": [("alice", False)] if n % 2 else [("copilot", True)],
          "commits": [(f"change {n}\n\nCo-authored-by: Claude <noreply@anthropic.com>",
                       "dana@example.com", "dana")]}
         for n in range(1, 6)]


@pytest.fixture
def bare(repo: RepoBuilder, tmp_path: Path) -> Path:
    """A bare repository with one commit at a pinned date."""
    repo.write("README.md", "hello\n").commit("initial")
    return make_bare(repo.path, tmp_path / "api.git")


def acme(bare: Path, *, plan: str = "team") -> FakeOrg:
    """The organisation most tests use: one of each kind of repository."""
    return FakeOrg("acme", [
        FakeRepo("api", bare, rulesets=[REPO_RULESET], pulls=PULLS,
                 security={"secret_scanning": "enabled",
                           "secret_scanning_push_protection": "disabled"},
                 classic_protection={"required_pull_request_reviews": {
                     "required_approving_review_count": 2,
                     "bypass_pull_request_allowances": {"users": ["boss"], "teams": ["core"]}},
                     "required_status_checks": {"strict": True, "contexts": ["ci"]},
                     "enforce_admins": True, "restrictions": {"users": ["alice"],
                                                              "apps": ["deployer"]}},
                 environments=[{"name": "production", "reviewers": ["alice"],
                                "teams": ["ops"], "wait_timer": 5}],
                 default_setup="configured"),
        FakeRepo("secret", bare, private=True),
        FakeRepo("empty", None),
        FakeRepo("gone", bare, deleted=True),
    ], plan=plan, rulesets=ORG_RULESETS, tokens=dict(TOKENS))


@pytest.fixture
def github(bare: Path) -> Iterator[FakeGitHub]:
    """The fake serving :func:`acme`."""
    with FakeGitHub(acme(bare)) as gh:
        yield gh


def get(gh: FakeGitHub, path: str, role: str = "owner", **headers: str) -> requests.Response:
    """GET ``path`` with the token of ``role``."""
    return requests.get(gh.url + path, headers={"Authorization": f"token t-{role}", **headers},
                        timeout=10)


def graphql(gh: FakeGitHub, query: str, role: str = "owner",
            **variables: Any) -> dict[str, Any]:
    """POST a GraphQL query and return the JSON answer (asserting GitHub's 200)."""
    answer = requests.post(gh.url + "/graphql", json={"query": query, "variables": variables},
                           headers={"Authorization": f"bearer t-{role}"}, timeout=10)
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


NF = (404, "Not Found")
#: path, then (status, message) or status for owner, admin, security_manager, read.
TOUR: list[tuple[str, Any, Any, Any, Any]] = [
    ("/orgs/acme/repos?type=all&per_page=100", 200, 200, 200, 200),
    ("/users/acme/repos", 200, 200, 200, 200),
    ("/repos/acme/api", 200, 200, 200, 200),
    ("/repos/acme/api/rules/branches/main", 200, 200, 200, 200),
    ("/repos/acme/api/rules/branches/feature%2Fx", 200, 200, 200, 200),
    ("/repos/acme/api/branches/main/protection", 200, 200, NF, NF),
    ("/repos/acme/secret/branches/main/protection", (404, "Branch not protected"),
     (404, "Branch not protected"), NF, NF),
    ("/repos/acme/empty/branches/main/protection", (404, "Branch not found"),
     (404, "Branch not found"), NF, NF),
    ("/orgs/acme/rulesets", 200, NF, NF, NF),
    ("/orgs/acme/rulesets/9", 200, NF, NF, NF),
    ("/repos/acme/api/rulesets/7", 200, 200, 200, 200),
    ("/repos/acme/api/rulesets/9", 200, 200, 200, 200),
    ("/repos/acme/secret/rulesets/9", NF, NF, NF, NF),
    ("/orgs/acme/actions/permissions/workflow", 200,
     *[(403, "Must have admin rights to Repository.")] * 3),
    ("/repos/acme/api/code-scanning/default-setup", 200, 200,
     *[(403, "Resource not accessible by personal access token")] * 2),
    ("/repos/acme/secret/code-scanning/default-setup", (403, CODE_SECURITY),
     (403, CODE_SECURITY), *[(403, "Resource not accessible by personal access token")] * 2),
    ("/repos/acme/empty/code-scanning/default-setup", 200, 200,
     *[(403, "Resource not accessible by personal access token")] * 2),
    ("/repos/acme/api/environments", 200, 200, 200, 200),
    ("/rate_limit", 200, 200, 200, 200),
    ("/user", 200, 200, 200, 200),
    ("/repos/acme/gone", NF, NF, NF, NF),
    ("/repos/acme/gone/rules/branches/main", NF, NF, NF, NF),
    ("/repos/other/api", NF, NF, NF, NF),
    ("/orgs/other/repos", NF, NF, NF, NF),
]


@pytest.mark.parametrize("role", ROLES)
def test_tour_of_every_endpoint_matches_the_table_and_the_openapi_shapes(
        github: FakeGitHub, role: str) -> None:
    for path, *cells in TOUR:
        expected = cells[ROLES.index(role)]
        status, message = expected if isinstance(expected, tuple) else (expected, None)
        answer = get(github, path, role)
        assert answer.status_code == status, (path, role, answer.text)
        if message is not None:
            assert answer.json()["message"] == message, (path, role)
    assert check_shapes(github.log) == []
    assert {entry.role for entry in github.log} == {role}


def test_check_shapes_reports_a_body_that_breaks_the_schema() -> None:
    broken = Logged("GET", "/repos/acme/api/environments", "", 200, False, "owner",
                    {"total_count": "two", "environments": []})
    not_served = Logged("GET", "/repos/acme/api/tags", "", 200, False, "owner", [])
    problems = check_shapes([broken, not_served])
    assert len(problems) == 2
    assert "total_count" in problems[0] and "no schema" in problems[1]


@pytest.mark.parametrize(("role", "admin", "sees_security"), [
    ("owner", True, True), ("admin", True, True), ("security_manager", False, True),
    ("read", False, False),
])
def test_inventory_shows_what_the_role_may_see(github: FakeGitHub, bare: Path, role: str,
                                               admin: bool, sees_security: bool) -> None:
    repos = {r["name"]: r for r in get(github, "/orgs/acme/repos?type=all", role).json()}
    assert set(repos) == {"api", "secret", "empty", "gone"}
    api = repos["api"]
    assert api["permissions"]["admin"] is admin and api["permissions"]["pull"] is True
    assert ("security_and_analysis" in api) is sees_security
    if sees_security:
        assert api["security_and_analysis"]["secret_scanning"] == {"status": "enabled"}
        assert api["security_and_analysis"]["dependabot_security_updates"] == {
            "status": "disabled"}
    assert api["clone_url"] == f"file://{bare}"
    assert api["pushed_at"] == "2026-01-05T12:00:00Z"  # the commit date RepoBuilder pins
    assert repos["empty"]["pushed_at"] == "2025-01-01T00:00:00Z"
    assert repos["secret"]["visibility"] == "private"


def test_pagination_uses_absolute_link_headers(github: FakeGitHub) -> None:
    first = get(github, "/orgs/acme/repos?type=all&per_page=3")
    assert [r["name"] for r in first.json()] == ["api", "secret", "empty"]
    assert first.links["next"]["url"] == (
        f"{github.url}/orgs/acme/repos?type=all&per_page=3&page=2")
    assert first.links["last"]["url"].endswith("page=2") and "prev" not in first.links
    second = requests.get(first.links["next"]["url"], timeout=10,
                          headers={"Authorization": "token t-owner"})
    assert [r["name"] for r in second.json()] == ["gone"]
    assert set(second.links) == {"prev", "first"}
    assert "Link" not in get(github, "/orgs/acme/repos?per_page=100").headers


def test_etag_revalidation_answers_304_without_spending_the_budget(
        github: FakeGitHub) -> None:
    first = get(github, "/repos/acme/api/rules/branches/main")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = get(github, "/repos/acme/api/rules/branches/main", **{"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["ETag"] == etag
    assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]
    assert [e.conditional for e in github.log] == [False, True]
    assert github.log[1].body is None
    assert get(github, "/repos/acme/api/rules/branches/main", "read").headers["ETag"] == etag
    github.org.repos[0].rulesets = []
    changed = get(github, "/repos/acme/api/rules/branches/main", **{"If-None-Match": etag})
    assert [item["ruleset_id"] for item in changed.json()] == [9]


def test_rate_limit_headers_count_down_and_run_out(bare: Path) -> None:
    with FakeGitHub(acme(bare), core_limit=3) as gh:
        remaining = [get(gh, "/user").headers["x-ratelimit-remaining"] for _ in range(3)]
        assert remaining == ["2", "1", "0"]
        assert get(gh, "/rate_limit").json()["resources"]["core"]["remaining"] == 0
        out = get(gh, "/user")
        assert out.status_code == 403 and out.headers["x-ratelimit-remaining"] == "0"
        assert out.headers["x-ratelimit-resource"] == "core"
        assert "rate limit exceeded" in out.json()["message"]


def test_free_plan_blocks_rules_protection_and_code_scanning_on_private_repos(
        bare: Path) -> None:
    with FakeGitHub(acme(bare, plan="free")) as gh:
        for path, message in [("/repos/acme/secret/rules/branches/main", UPGRADE),
                              ("/repos/acme/secret/branches/main/protection", UPGRADE),
                              ("/repos/acme/secret/rulesets/10", UPGRADE),
                              ("/repos/acme/secret/code-scanning/default-setup", CODE_SECURITY)]:
            answer = get(gh, path, "admin")
            assert (answer.status_code, answer.json()["message"]) == (403, message)
        assert get(gh, "/repos/acme/api/rules/branches/main", "admin").status_code == 200
        assert get(gh, "/repos/acme/secret/branches/main/protection", "read").status_code == 404
        assert check_shapes(gh.log) == []


@pytest.mark.parametrize(("branch", "expected"), [
    ("main", [("pull_request", "Repository", "acme/api", 7),
              ("non_fast_forward", "Repository", "acme/api", 7),
              ("required_signatures", "Organization", "acme", 9)]),
    ("release%2F1.0", [("required_signatures", "Organization", "acme", 9)]),
    ("feature%2Fx", []),
])
def test_effective_rules_merge_active_repo_and_org_rulesets(
        github: FakeGitHub, branch: str, expected: list[tuple[str, str, str, int]]) -> None:
    items = get(github, f"/repos/acme/api/rules/branches/{branch}", "read").json()
    assert [(i["type"], i["ruleset_source_type"], i["ruleset_source"], i["ruleset_id"])
            for i in items] == expected


def test_bypass_actors_only_for_writers(github: FakeGitHub) -> None:
    assert "bypass_actors" not in get(github, "/repos/acme/api/rulesets/7", "read").json()
    actors = get(github, "/repos/acme/api/rulesets/7", "admin").json()["bypass_actors"]
    assert actors[1] == {"actor_id": 3, "actor_type": "Integration",
                         "bypass_mode": "pull_request"}


def test_classic_protection_is_filled_to_the_full_shape(github: FakeGitHub) -> None:
    body = get(github, "/repos/acme/api/branches/main/protection").json()
    assert body["enforce_admins"]["enabled"] is True
    assert body["required_pull_request_reviews"]["required_approving_review_count"] == 2
    assert body["required_pull_request_reviews"]["dismiss_stale_reviews"] is False
    assert body["required_status_checks"]["checks"] == [{"context": "ci", "app_id": None}]
    assert body["allow_force_pushes"] == {"enabled": False}
    assert [u["login"] for u in body["restrictions"]["users"]] == ["alice"]


def test_bad_and_missing_credentials_get_401(github: FakeGitHub) -> None:
    bad = requests.get(github.url + "/user", headers={"Authorization": "token nope"},
                       timeout=10)
    missing = requests.get(github.url + "/user", timeout=10)
    assert (bad.status_code, bad.json()["message"]) == (401, "Bad credentials")
    assert (missing.status_code, missing.json()["message"]) == (401, "Requires authentication")
    assert [e.role for e in github.log] == [None, None]
    assert check_shapes(github.log) == []


def test_scripted_responses_come_first_and_in_order(github: FakeGitHub) -> None:
    github.rate_limited("GET", r"/rules/branches/", reset_in=30)
    github.too_many_requests("GET", r"/environments$", retry_after=7)
    github.server_errors("GET", r"^/repos/acme/api$", times=2)
    github.script("GET", r"page=2", Scripted(200, [], {"X-Extra": "1"}))

    limited = get(github, "/repos/acme/api/rules/branches/main")
    assert limited.status_code == 403 and limited.headers["x-ratelimit-remaining"] == "0"
    assert int(limited.headers["x-ratelimit-reset"]) >= time.time() + 29
    assert get(github, "/repos/acme/api/rules/branches/main").status_code == 200
    throttled = get(github, "/repos/acme/api/environments")
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "7")
    assert [get(github, "/repos/acme/api").status_code for _ in range(3)] == [502, 502, 200]
    assert get(github, "/orgs/acme/repos?page=2").headers["X-Extra"] == "1"
    assert "X-Extra" not in get(github, "/orgs/acme/repos?page=2").headers
    assert check_shapes(github.log) == []


def test_scripted_failure_on_graphql(github: FakeGitHub) -> None:
    github.server_errors("POST", r"^/graphql$", times=1)
    first = requests.post(github.url + "/graphql", json={"query": "{ rateLimit { cost } }"},
                          headers={"Authorization": "bearer t-read"}, timeout=10)
    assert first.status_code == 502
    assert graphql(github, "{ rateLimit { cost } }")["data"] == {"rateLimit": {"cost": 1}}


def test_latency_is_applied_to_every_request(bare: Path) -> None:
    with FakeGitHub(acme(bare), latency=0.05) as gh:
        started = time.monotonic()
        for _ in range(3):
            get(gh, "/user")
        assert time.monotonic() - started >= 0.15


REPO_QUERY = """
query($owner: String!, $name: String!) {
  repo: repository(owner: $owner, name: $name) {
    nameWithOwner isArchived isFork isPrivate viewerPermission
    defaultBranchRef {
      name target { ... on Commit { oid committedDate } }
      refUpdateRule { requiredApprovingReviewCount requiresCodeOwnerReviews
        requiredStatusCheckContexts requiresSignatures requiresLinearHistory
        allowsForcePushes allowsDeletions viewerCanPush }
      branchProtectionRule { pattern isAdminEnforced dismissesStaleReviews
        requiresApprovingReviews requiredApprovingReviewCount requiresStatusChecks
        requiresCommitSignatures
        bypassPullRequestAllowances(first: 10) { nodes { actor { __typename
          ... on User { login } ... on Team { slug } } } }
        bypassForcePushAllowances(first: 10) { nodes { actor { __typename } } } }
    }
    rulesets(first: 10, includeParents: true) { nodes {
      databaseId name enforcement target
      source { __typename ... on Repository { nameWithOwner } ... on Organization { login } }
      bypassActors(first: 10) { nodes { actor { __typename ... on App { slug }
        ... on Team { slug } } bypassMode organizationAdmin repositoryRoleName } }
      conditions { refName { include exclude } }
      rules(first: 20) { nodes { type parameters {
        ... on PullRequestParameters { requiredApprovingReviewCount requireCodeOwnerReview }
      } } } } }
    environments(first: 10) { nodes { name protectionRules(first: 10) { nodes {
      type timeout reviewers(first: 10) { nodes { __typename ... on User { login }
        ... on Team { slug } } } } } } }
  }
  rateLimit { cost remaining resetAt limit used }
}
"""


@pytest.mark.parametrize(("role", "admin"), [
    ("owner", True), ("admin", True), ("security_manager", False), ("read", False),
])
def test_graphql_repository_with_partial_data_for_non_admins(
        github: FakeGitHub, role: str, admin: bool) -> None:
    answer = graphql(github, REPO_QUERY, role, owner="acme", name="api")
    repo = answer["data"]["repo"]
    ref = repo["defaultBranchRef"]
    assert repo["viewerPermission"] == ("ADMIN" if admin else "READ")
    assert ref["target"]["committedDate"] == "2026-01-05T12:00:00Z"
    assert ref["refUpdateRule"]["requiredApprovingReviewCount"] == 2
    assert ref["refUpdateRule"]["viewerCanPush"] is admin
    rulesets = {r["databaseId"]: r for r in repo["rulesets"]["nodes"]}
    assert set(rulesets) == {7, 9, 10}
    assert rulesets[9]["source"] == {"__typename": "Organization", "login": "acme"}
    assert rulesets[10]["enforcement"] == "EVALUATE"
    assert rulesets[7]["rules"]["nodes"][0] == {"type": "PULL_REQUEST", "parameters": {
        "requiredApprovingReviewCount": 1, "requireCodeOwnerReview": True}}
    env = repo["environments"]["nodes"][0]
    assert [r["type"] for r in env["protectionRules"]["nodes"]] == ["REQUIRED_REVIEWERS",
                                                                    "WAIT_TIMER"]
    if admin:
        assert "errors" not in answer
        assert ref["branchProtectionRule"]["isAdminEnforced"] is True
        assert ref["branchProtectionRule"]["bypassPullRequestAllowances"]["nodes"] == [
            {"actor": {"__typename": "User", "login": "boss"}},
            {"actor": {"__typename": "Team", "slug": "core"}}]
        assert rulesets[7]["bypassActors"]["nodes"][1] == {
            "actor": {"__typename": "App", "slug": "renovate"}, "bypassMode": "PULL_REQUEST",
            "organizationAdmin": False, "repositoryRoleName": None}
    else:
        assert ref["branchProtectionRule"] is None
        assert answer["errors"] == [{
            "type": "FORBIDDEN", "message": "Resource not accessible by integration",
            "locations": [{"line": 10, "column": 7}],
            "path": ["repo", "defaultBranchRef", "branchProtectionRule"]}]


def test_graphql_not_found_for_deleted_and_unknown_repositories(github: FakeGitHub) -> None:
    answer = graphql(github, """{
      a: repository(owner: "acme", name: "gone") { nameWithOwner }
      b: repository(owner: "acme", name: "empty") { isEmpty defaultBranchRef { name } }
      c: repository(owner: "acme", name: "nope") { nameWithOwner } }""")
    assert answer["data"] == {"a": None, "b": {"isEmpty": True, "defaultBranchRef": None},
                              "c": None}
    assert [(e["type"], e["path"], e["message"]) for e in answer["errors"]] == [
        ("NOT_FOUND", ["a"], "Could not resolve to a Repository with the name 'acme/gone'."),
        ("NOT_FOUND", ["c"], "Could not resolve to a Repository with the name 'acme/nope'.")]


@pytest.mark.parametrize("query", [
    '{ repository(owner: "acme", name: "api") { nameWithOwnr } }',
    '{ repository(owner: "acme", name: "api") { pullRequests(frist: 1) { totalCount } } }',
    "{ repository(owner: ",
])
def test_graphql_invalid_queries_answer_errors_without_data(github: FakeGitHub,
                                                            query: str) -> None:
    answer = graphql(github, query)
    assert "data" not in answer and answer["errors"][0]["message"]


PULLS_QUERY = """
query($after: String) { repository(owner: "acme", name: "api") {
  pullRequests(states: [MERGED], first: 2, after: $after, baseRefName: "main",
               orderBy: {field: UPDATED_AT, direction: DESC}) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { number mergedAt headRefName body author { __typename login }
      reviews(first: 10, states: [APPROVED]) { nodes { state author { __typename login } } }
      commits(first: 50) { totalCount nodes { commit { oid message
        author { email name user { login } } } } } } } } }
"""


def test_graphql_pull_requests_paginate_newest_first(github: FakeGitHub) -> None:
    numbers, after, pages = [], None, 0
    while True:
        connection = graphql(github, PULLS_QUERY, after=after)["data"]["repository"][
            "pullRequests"]
        numbers += [n["number"] for n in connection["nodes"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert (numbers, pages, connection["totalCount"]) == ([5, 4, 3, 2, 1], 3, 5)
    newest = graphql(github, PULLS_QUERY)["data"]["repository"]["pullRequests"]["nodes"][0]
    assert newest["reviews"]["nodes"] == [{"state": "APPROVED", "author": {
        "__typename": "User", "login": "alice"}}]
    commit = newest["commits"]["nodes"][0]["commit"]
    assert commit["author"] == {"email": "dana@example.com", "name": "dana",
                                "user": {"login": "dana"}}
    assert "Co-authored-by: Claude" in commit["message"]


def test_graphql_connections_need_first_or_last(github: FakeGitHub) -> None:
    answer = graphql(github, '{ repository(owner: "acme", name: "api") { '
                             "pullRequests(states: [MERGED]) { totalCount } } }")
    assert answer["data"] == {"repository": None}
    assert answer["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    assert answer["errors"][0]["path"] == ["repository", "pullRequests"]


def test_graphql_spends_its_own_budget(github: FakeGitHub) -> None:
    before = get(github, "/rate_limit").json()["resources"]
    rate = graphql(github, "{ rateLimit { cost remaining used limit } }")["data"]["rateLimit"]
    assert rate == {"cost": 1, "remaining": before["graphql"]["remaining"] - 1,
                    "used": before["graphql"]["used"] + 1, "limit": 5000}
    after = get(github, "/rate_limit").json()["resources"]
    assert after["core"]["used"] == before["core"]["used"]
    assert github.log[-2].request == {"query": "{ rateLimit { cost remaining used limit } }",
                                      "variables": {}}


def test_make_bare_serves_blobless_clones(bare: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone.git"
    subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:none", f"file://{bare}",
                    str(clone)], check=True, capture_output=True)
    assert subprocess.run(["git", "config", "remote.origin.promisor"], cwd=clone, check=True,
                          capture_output=True, text=True).stdout.strip() == "true"


def test_subset_records_versions_and_every_served_operation() -> None:
    subset = load_subset()
    assert subset["source"]["@octokit/openapi"] == "23.0.2"
    assert subset["source"]["@octokit/graphql-schema"] == "15.26.1"
    assert len(subset["operations"]) == 13


def _extractor() -> Any:
    path = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "extract_schemas.py"
    spec = importlib.util.spec_from_file_location("extract_schemas", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("schema", "expected"), [
    ({"type": "string", "nullable": True, "description": "x"}, {"type": ["string", "null"]}),
    ({"type": "string", "enum": ["a"], "nullable": True},
     {"type": ["string", "null"], "enum": ["a", None]}),
    ({"allOf": [{"$ref": "#/components/schemas/s"}], "nullable": True},
     {"anyOf": [{"allOf": [{"type": "integer"}]}, {"type": "null"}]}),
    ({"type": "object", "properties": {"description": {"$ref": "#/components/schemas/s"}}},
     {"type": "object", "properties": {"description": {"type": "integer"}}}),
])
def test_extractor_turns_openapi_schemas_into_json_schema(schema: dict[str, Any],
                                                          expected: dict[str, Any]) -> None:
    module = _extractor()
    resolver = module.Resolver({"components": {"schemas": {"s": {"type": "integer",
                                                                  "example": 3}}}})
    assert resolver.schema(schema) == expected


def test_new_commits_show_up_in_pushed_at_and_the_head_oid(github: FakeGitHub, bare: Path,
                                                           repo: RepoBuilder) -> None:
    before = get(github, "/repos/acme/api").json()["pushed_at"]
    oid = repo.write("CHANGELOG.md", "1\n").commit("second", when=datetime(2026, 3, 1, tzinfo=UTC))
    repo.git("push", "-q", str(bare), "main")
    after = get(github, "/repos/acme/api").json()["pushed_at"]
    query = '{ repository(owner: "acme", name: "api") { defaultBranchRef { target { oid } } } }'
    head = graphql(github, query)["data"]["repository"]["defaultBranchRef"]["target"]["oid"]
    assert (before, after, head) == ("2026-01-05T12:00:00Z", "2026-03-01T00:00:00Z", oid)

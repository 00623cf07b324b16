"""The fake GitLab itself, driven through python-gitlab: listings, role and tier gates, limits."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gitlab
import pytest
from gitlab.client import GitlabList

from tests.conftest import RepoBuilder
from tests.gitlab_fake import (
    FakeGitLab,
    FakeGroup,
    FakeInstance,
    FakeProject,
    Logged,
    check_shapes,
    load_shapes,
    make_bare,
)
from tests.gitlab_fake.shapes import DATA, apply_overrides

TOKENS = {"tok-o": 50, "tok-m": 40, "tok-d": 30, "tok-r": 20, "tok-g": 10}
MERGE_REQUESTS = [
    {"iid": n, "merged_at": f"2026-10-0{n}T10:00:00Z", "author": "alice",
     "source_branch": f"claude/fix-{n}", "description": f"Fix {n}",
     "approved_by": ["bob"] if n % 2 else [],
     "commits": [(f"fix {n}\n\nCo-authored-by: Claude <noreply@anthropic.com>", "Alice",
                  "alice@example.com"), (f"tidy {n}", "Alice", "alice@example.com")]}
    for n in range(1, 6)
] + [{"iid": 9, "merged_at": "2026-10-09T10:00:00Z", "author": "carol",
      "target_branch": "release", "commits": []}]


@pytest.fixture
def bare(repo: RepoBuilder, tmp_path: Path) -> Path:
    """A bare repository with one commit at a pinned date (2026-01-05 12:00 UTC)."""
    repo.write("README.md", "hello\n").commit("initial")
    return make_bare(repo.path, tmp_path / "api.git")


def acme(bare: Path, tier: str = "premium") -> FakeInstance:
    """Three levels of groups and one project of each kind."""
    return FakeInstance(tier=tier, tokens=dict(TOKENS), groups=[
        FakeGroup("acme", protected_branches=[{"name": "release/*"}],
                  push_rule={"file_name_regex": r"\.pem$"}),
        FakeGroup("acme/platform"),
        FakeGroup("acme/platform/core"),
    ], projects=[
        FakeProject("acme/api", git_dir=bare,
                    protected_branches=[{"name": "main",
                                         "push_access_levels": [{"access_level": 0},
                                                                {"deploy_key_id": 7}],
                                         "merge_access_levels": [{"access_level": 30}],
                                         "code_owner_approval_required": True}],
                    approval_rules=[{"name": "All", "rule_type": "any_approver",
                                     "approvals_required": 1},
                                    {"name": "Security", "approvals_required": 2,
                                     "users": ["sec"], "protected_branches": ["main"]}],
                    approvals={"reset_approvals_on_push": False},
                    push_rule={"prevent_secrets": True},
                    protected_environments=[{"name": "production",
                                             "required_approval_count": 1,
                                             "approval_rules": [{"user_id": 3}]}],
                    merge_requests=MERGE_REQUESTS, pipeline_must_succeed=True,
                    secret_push_protection=True),
        FakeProject("acme/platform/web", git_dir=bare, fork=True, roles={"tok-r": 40}),
        FakeProject("acme/platform/core/lib", git_dir=bare, archived=True),
        FakeProject("acme/platform/core/empty"),
        FakeProject("acme/platform/core/gone", git_dir=bare, deleted=True),
    ])


@pytest.fixture
def fake(bare: Path) -> Iterator[FakeGitLab]:
    """The fake serving :func:`acme` on Premium."""
    with FakeGitLab(acme(bare)) as gl:
        yield gl


def client(gl: FakeGitLab, token: str = "tok-m", **options: Any) -> gitlab.Gitlab:
    """A python-gitlab client of the fake."""
    return gitlab.Gitlab(gl.url, private_token=token, **options)


def get_json(gl: FakeGitLab, path: str, token: str = "tok-m") -> Any:
    """The JSON body of ``GET /api/v4{path}`` through python-gitlab (raises on errors)."""
    return client(gl, token).http_get(path)


def answer(gl: FakeGitLab, path: str, token: str = "tok-m") -> tuple[int, Any]:
    """``(status, body or error message)`` of ``GET /api/v4{path}`` through python-gitlab."""
    try:
        return 200, get_json(gl, path, token)
    except gitlab.GitlabHttpError as exc:
        return exc.response_code or 0, exc.error_message


NF, PNF, GNF, FB = (404, "404 Not Found"), (404, "404 Project Not Found"), \
    (404, "404 Group Not Found"), (403, "403 Forbidden")
ROLES = ("tok-o", "tok-m", "tok-d", "tok-r", "tok-g")
#: path, then the answer for Owner, Maintainer, Developer, Reporter, Guest (200 or error).
TOUR: list[tuple[str, Any, Any, Any, Any, Any]] = [
    ("/groups/acme", 200, 200, 200, 200, 200),
    ("/groups/acme%2Fplatform%2Fcore", 200, 200, 200, 200, 200),
    ("/groups/1/projects?include_subgroups=true&per_page=100", 200, 200, 200, 200, 200),
    ("/groups/1/projects?include_subgroups=true&min_access_level=40&simple=true",
     200, 200, 200, 200, 200),
    ("/groups/1/protected_branches", 200, 200, FB, FB, FB),
    ("/groups/1/push_rule", 200, FB, FB, FB, FB),
    ("/groups/2/push_rule", NF, FB, FB, FB, FB),
    ("/projects/acme%2Fapi", 200, 200, 200, 200, PNF),
    ("/projects/101/repository/branches/main", 200, 200, 200, 200, PNF),
    ("/projects/101/protected_branches", 200, 200, FB, FB, PNF),
    ("/projects/101/approval_rules", 200, 200, 200, FB, PNF),
    ("/projects/101/approvals", 200, 200, FB, FB, PNF),
    ("/projects/101/push_rule", 200, 200, FB, FB, PNF),
    ("/projects/101/protected_environments", 200, 200, FB, FB, PNF),
    ("/projects/101/merge_requests?state=merged&per_page=100", 200, 200, 200, 200, PNF),
    ("/projects/101/merge_requests/1/commits", 200, 200, 200, 200, PNF),
    ("/projects/101/merge_requests/1/approvals", 200, 200, 200, 200, PNF),
    ("/projects/101/merge_requests/99/approvals", (404, "404 Not found"),
     (404, "404 Not found"), (404, "404 Not found"), (404, "404 Not found"), PNF),
    ("/projects/102/push_rule", 200, 200, FB, 200, PNF),  # tok-r is Maintainer of web
    ("/projects/acme%2Fplatform%2Fcore%2Fempty", 200, 200, 200, 200, PNF),
    ("/projects/104/repository/branches/main", (404, "404 Branch Not Found"),
     (404, "404 Branch Not Found"), (404, "404 Branch Not Found"),
     (404, "404 Branch Not Found"), PNF),
    ("/projects/105", PNF, PNF, PNF, PNF, PNF),  # deleted
    ("/projects/acme%2Fnope", PNF, PNF, PNF, PNF, PNF),
    ("/groups/nope", GNF, GNF, GNF, GNF, GNF),
]


@pytest.mark.parametrize("token", ROLES)
def test_tour_of_every_endpoint_matches_the_table_and_gitbeakers_shapes(
        fake: FakeGitLab, token: str) -> None:
    for path, *cells in TOUR:
        expected = cells[ROLES.index(token)]
        status, body = answer(fake, path, token)
        assert status == (expected if expected == 200 else expected[0]), (path, token, body)
        if expected != 200:
            assert body == expected[1], (path, token)
    assert check_shapes(fake.log) == []
    assert {entry.role for entry in fake.log} == {TOKENS[token]}


FREE_GATED = ["/projects/101/approval_rules", "/projects/101/approvals",
              "/projects/101/push_rule", "/projects/101/protected_environments",
              "/groups/1/protected_branches", "/groups/1/push_rule"]


@pytest.mark.parametrize(("path", "token", "expected"), [
    *[(path, "tok-o", NF) for path in FREE_GATED],
    ("/projects/101/approval_rules", "tok-r", FB),  # role gate first
    ("/projects/101/push_rule", "tok-d", FB),
    ("/groups/1/push_rule", "tok-m", FB),
    ("/projects/101/protected_branches", "tok-m", (200, None)),  # not a Premium endpoint
    ("/projects/101/merge_requests/1/approvals", "tok-r", (200, None)),
])
def test_free_tier_answers_404_on_premium_endpoints_after_the_role_gate(
        bare: Path, path: str, token: str, expected: tuple[int, Any]) -> None:
    with FakeGitLab(acme(bare, tier="free")) as gl:
        status, body = answer(gl, path, token)
        assert status == expected[0]
        if status != 200:
            assert body == expected[1]
        assert check_shapes(gl.log) == []


@pytest.mark.parametrize(("tier", "secret_push_protection"), [
    ("free", None), ("premium", None), ("ultimate", True),
])
def test_project_entity_by_tier(bare: Path, tier: str,
                                secret_push_protection: bool | None) -> None:
    with FakeGitLab(acme(bare, tier=tier)) as gl:
        api = client(gl).projects.get("acme/api")
        assert getattr(api, "secret_push_protection_enabled", None) is secret_push_protection
        assert api.only_allow_merge_if_pipeline_succeeds is True
        assert api.http_url_to_repo == f"file://{bare}"
        assert api.web_url == f"{gl.url}/acme/api"
        assert api.last_activity_at == "2026-01-05T12:00:00.000Z"
        assert api.namespace["full_path"] == "acme"
        empty = client(gl).projects.get("acme/platform/core/empty")
        assert (empty.default_branch, empty.empty_repo) == (None, True)
        assert empty.last_activity_at == "2025-01-01T00:00:00.000Z"
        assert check_shapes(gl.log) == []


def test_listing_with_subgroups_three_deep_pages_through_link_headers(
        fake: FakeGitLab) -> None:
    group = client(fake).groups.get("acme")
    every = group.projects.list(include_subgroups=True, with_shared=False, order_by="id",
                                sort="asc", per_page=2, get_all=True)
    assert [p.path_with_namespace for p in every] == [
        "acme/api", "acme/platform/web", "acme/platform/core/lib",
        "acme/platform/core/empty", "acme/platform/core/gone"]
    assert [p.forked_from_project["path_with_namespace"] for p in every
            if hasattr(p, "forked_from_project")] == ["upstream/web"]
    pages = fake.requests("GET", r"/groups/1/projects$")
    assert [dict(q.split("=") for q in e.query.split("&")).get("page") for e in pages] == [
        None, "2", "3"]
    assert [p.path for p in group.projects.list(get_all=True)] == ["api"]
    assert [p.path for p in client(fake).groups.get("acme/platform").projects.list(
        include_subgroups=True, order_by="id", sort="asc", get_all=True)] == [
        "web", "lib", "empty", "gone"]
    assert [p.path for p in group.projects.list(include_subgroups=True, archived=False,
                                                order_by="id", sort="desc", get_all=True)] == [
        "gone", "empty", "web", "api"]


def test_pagination_headers(fake: FakeGitLab) -> None:
    listing = client(fake).http_list("/groups/1/projects", iterator=True,
                                     query_data={"include_subgroups": True, "per_page": 2,
                                                 "page": 2, "order_by": "id", "sort": "asc"})
    assert isinstance(listing, GitlabList)
    assert (listing.current_page, listing.prev_page, listing.next_page) == (2, 1, 3)
    assert (listing.per_page, listing.total, listing.total_pages) == (2, 5, 3)
    assert [p["path"] for p in [next(listing), next(listing)]] == ["lib", "empty"]


@pytest.mark.parametrize(("token", "minimum", "expected"), [
    ("tok-m", 40, ["api", "web", "lib", "empty", "gone"]),
    ("tok-d", 40, []),
    ("tok-d", 30, ["api", "web", "lib", "empty", "gone"]),
    ("tok-r", 40, ["web"]),  # Maintainer of web through its per-project role
    ("tok-r", 30, ["web"]),
    ("tok-g", 10, []),  # a Guest cannot see private projects at all
])
def test_role_buckets_follow_min_access_level(fake: FakeGitLab, token: str, minimum: int,
                                              expected: list[str]) -> None:
    found = client(fake, token).groups.get("acme", lazy=True).projects.list(
        include_subgroups=True, min_access_level=minimum, simple=True, order_by="id",
        sort="asc", get_all=True)
    assert [p.path for p in found] == expected
    assert all("permissions" not in p.attributes and "visibility" not in p.attributes
               for p in found)
    assert check_shapes(fake.log) == []


def test_settings_are_filled_to_gitlabs_shapes(fake: FakeGitLab) -> None:
    api = client(fake, "tok-o").projects.get(101, lazy=True)
    (main,) = api.protectedbranches.list()
    assert [(a["access_level"], a["deploy_key_id"], a["access_level_description"])
            for a in main.push_access_levels] == [(0, None, "No one"),
                                                  (40, 7, "deploy key 7")]
    assert main.merge_access_levels[0]["access_level_description"] == (
        "Developers + Maintainers")
    assert main.unprotect_access_levels[0]["access_level"] == 40
    assert main.code_owner_approval_required is True and main.allow_force_push is False
    rules = {r.name: r for r in api.approvalrules.list()}
    assert rules["All"].rule_type == "any_approver" and rules["All"].protected_branches == []
    assert rules["Security"].rule_type == "regular"
    assert [b["name"] for b in rules["Security"].protected_branches] == ["main"]
    assert [u["username"] for u in rules["Security"].eligible_approvers] == ["sec"]
    settings = api.approvals.get()
    assert (settings.reset_approvals_on_push, settings.approvals_before_merge) == (False, 0)
    (production,) = get_json(fake, "/projects/101/protected_environments", "tok-o")
    assert production["required_approval_count"] == 1
    assert production["approval_rules"][0]["user_id"] == 3
    assert production["approval_rules"][0]["required_approvals"] == 1
    assert production["deploy_access_levels"][0]["access_level"] == 40
    group = client(fake, "tok-o").groups.get(1, lazy=True)
    assert [b.name for b in group.protectedbranches.list()] == ["release/*"]
    assert group.pushrules.get().file_name_regex == r"\.pem$"
    assert check_shapes(fake.log) == []


@pytest.mark.parametrize(("push_rule", "expected"), [
    (None, None),
    ({"reject_unsigned_commits": True},
     {"reject_unsigned_commits": True, "prevent_secrets": False, "file_name_regex": ""}),
])
def test_project_push_rule_answers_null_when_none_is_set(
        bare: Path, push_rule: dict[str, Any] | None, expected: dict[str, Any] | None) -> None:
    inst = acme(bare)
    inst.projects[0].push_rule = push_rule
    with FakeGitLab(inst) as gl:
        body = get_json(gl, "/projects/101/push_rule")
        if expected is None:
            assert body is None
        else:
            assert {k: body[k] for k in expected} == expected and body["project_id"] == 101
        assert check_shapes(gl.log) == []


@pytest.mark.parametrize(("branch", "protected", "devs_push", "devs_merge", "default"), [
    ("main", True, False, True, True),
    ("release%2F1.0", True, False, False, False),  # the group's wildcard covers it
])
def test_branch_view_for_non_maintainers(fake: FakeGitLab, bare: Path, repo: RepoBuilder,
                                         branch: str, protected: bool, devs_push: bool,
                                         devs_merge: bool, default: bool) -> None:
    repo.git("push", "-q", str(bare), "main:release/1.0")
    body = get_json(fake, f"/projects/101/repository/branches/{branch}", "tok-r")
    assert (body["protected"], body["developers_can_push"], body["developers_can_merge"],
            body["default"], body["can_push"]) == (protected, devs_push, devs_merge, default,
                                                   False)
    assert body["commit"]["id"] == repo.git("rev-parse", "HEAD").strip()
    assert body["commit"]["committed_date"] == "2026-01-05T12:00:00.000Z"
    assert check_shapes(fake.log) == []


@pytest.mark.parametrize(("query", "expected"), [
    ({"state": "merged", "target_branch": "main", "order_by": "updated_at", "sort": "desc"},
     [5, 4, 3, 2, 1]),
    ({"state": "merged", "target_branch": "main", "updated_after": "2026-10-04T00:00:00Z"},
     [5, 4]),
    ({"updated_after": "2026-10-03T10:00:00+00:00", "sort": "asc"}, [3, 4, 5, 9]),
    ({"target_branch": "release"}, [9]),
    ({"state": "opened"}, []),
])
def test_merge_requests_filter_and_sort(fake: FakeGitLab, query: dict[str, Any],
                                        expected: list[int]) -> None:
    found = client(fake, "tok-r").projects.get(101, lazy=True).mergerequests.list(
        iterator=False, get_all=True, **query)
    assert [mr.iid for mr in found] == expected
    assert check_shapes(fake.log) == []


def test_merge_request_commits_and_approvals(fake: FakeGitLab) -> None:
    mr = client(fake, "tok-r").projects.get(101, lazy=True).mergerequests.list(
        state="merged", target_branch="main", per_page=1, get_all=False)[0]
    assert (mr.iid, mr.author["username"], mr.source_branch, mr.description) == (
        5, "alice", "claude/fix-5", "Fix 5")
    commits = list(mr.commits())
    messages = [c.message for c in commits]
    assert messages == ["tidy 5\n", "fix 5\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"]
    assert commits[0].parent_ids == [commits[1].id] and len(commits[0].id) == 40
    assert (commits[1].author_name, commits[1].author_email) == ("Alice", "alice@example.com")
    assert mr.sha == commits[0].id
    approvals = mr.approvals.get()
    assert approvals.approved_by[0]["user"]["username"] == "bob"
    assert (approvals.approvals_required, approvals.approvals_left) == (2, 1)
    unapproved = get_json(fake, "/projects/101/merge_requests/2/approvals")
    assert unapproved["approved_by"] == [] and unapproved["approved"] is False
    assert check_shapes(fake.log) == []


def test_users_have_stable_ids_per_username(fake: FakeGitLab) -> None:
    approvals = [get_json(fake, f"/projects/101/merge_requests/{n}/approvals")
                 for n in (1, 3)]
    (first,), (second,) = (a["approved_by"] for a in approvals)
    assert first["user"] == second["user"] and first["user"]["username"] == "bob"
    assert first["user"]["web_url"] == f"{fake.url}/bob"


def test_429_then_success_through_python_gitlab(fake: FakeGitLab) -> None:
    fake.too_many_requests("GET", r"/approval_rules$", retry_after=1)
    started = time.monotonic()
    rules = client(fake).projects.get(101, lazy=True).approvalrules.list()
    assert time.monotonic() - started >= 1.0
    assert len(rules) == 2
    first, second = fake.requests("GET", "approval_rules")
    assert (first.status, first.body, second.status) == (429, "Retry later", 200)
    assert check_shapes(fake.log) == []


def test_scripted_answers_come_first_and_carry_their_headers(fake: FakeGitLab) -> None:
    fake.too_many_requests("GET", r"/push_rule$", retry_after=3, times=2)
    fake.server_errors("GET", r"/projects/101$", status=502, times=2)
    session = client(fake).session
    limited = session.get(f"{fake.url}/api/v4/projects/101/push_rule",
                          headers={"PRIVATE-TOKEN": "tok-m"}, timeout=10)
    assert (limited.status_code, limited.text) == (429, "Retry later")
    assert limited.headers["Retry-After"] == "3"
    assert limited.headers["RateLimit-Remaining"] == "0"
    assert int(limited.headers["RateLimit-Reset"]) >= time.time() + 2
    assert answer(fake, "/projects/101") == (502, "502 Bad Gateway")
    project = client(fake, retry_transient_errors=True).projects.get(101)
    assert project.path_with_namespace == "acme/api"
    assert [e.status for e in fake.requests("GET", r"/projects/101$")] == [502, 502, 200]


def test_rate_limit_headers_except_on_project_listings(fake: FakeGitLab) -> None:
    session = client(fake).session
    headers = {"PRIVATE-TOKEN": "tok-m"}
    single = session.get(f"{fake.url}/api/v4/projects/101", headers=headers, timeout=10)
    listing = session.get(f"{fake.url}/api/v4/groups/1/projects", headers=headers, timeout=10)
    again = session.get(f"{fake.url}/api/v4/projects/101", headers=headers, timeout=10)
    assert single.headers["RateLimit-Limit"] == "2000"
    assert int(single.headers["RateLimit-Remaining"]) - int(
        again.headers["RateLimit-Remaining"]) == 1
    assert int(again.headers["RateLimit-Observed"]) == int(single.headers["RateLimit-Observed"]) + 1
    assert not any(name.lower().startswith("ratelimit") for name in listing.headers)
    assert single.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("headers", [{}, {"PRIVATE-TOKEN": "nope"},
                                     {"Authorization": "Bearer nope"}])
def test_missing_or_unknown_tokens_get_401(fake: FakeGitLab, headers: dict[str, str]) -> None:
    answered = client(fake).session.get(f"{fake.url}/api/v4/groups/1", headers=headers,
                                        timeout=10)
    assert (answered.status_code, answered.json()) == (401, {"message": "401 Unauthorized"})
    assert fake.log[-1].role is None


def test_bearer_tokens_are_accepted(fake: FakeGitLab) -> None:
    oauth = gitlab.Gitlab(fake.url, oauth_token="tok-d")  # nosemgrep: hardcoded-credential-python
    assert oauth.groups.get("acme").full_path == "acme"
    assert fake.log[-1].role == 30


def test_latency_is_applied_to_every_request(bare: Path) -> None:
    with FakeGitLab(acme(bare), latency=0.05) as gl:
        started = time.monotonic()
        for _ in range(3):
            client(gl).groups.get(1)
        assert time.monotonic() - started >= 0.15


def test_check_shapes_reports_bodies_that_break_gitbeakers_declarations() -> None:
    log = [
        Logged("GET", "/api/v4/projects/1/push_rule", "", 200, 40, None),
        Logged("GET", "/api/v4/projects/1/approvals", "", 200, 40,
               {"approvals_before_merge": "2", "reset_approvals_on_push": True}),
        Logged("GET", "/api/v4/projects/1/protected_branches", "", 200, 40, [{
            "id": 1, "name": "main", "allow_force_push": False,
            "code_owner_approval_required": False,
            "push_access_levels": [{"id": 1, "access_level": 40,
                                    "access_level_description": "Maintainers",
                                    "secret": 1}]}]),
        Logged("GET", "/api/v4/projects/1/repository/tags", "", 200, 40, []),
        Logged("GET", "/api/v4/projects/1/approvals", "", 403, 20, {"message": "x"}),
    ]
    problems = check_shapes(log)
    assert problems[0].endswith("/approvals_before_merge: expected number, got str")
    assert "lacks required 'disable_overriding_approvers_per_merge_request'" in problems[1]
    assert any("has no property 'secret'" in p for p in problems)
    assert problems[-1].endswith("no shape for this endpoint")
    assert len(problems) == 7  # 1 type + 4 missing approval settings + 1 extra key + 1 unknown


def test_overrides_follow_gitlab_where_gitbeaker_disagrees() -> None:
    interfaces = load_shapes()["interfaces"]
    group = interfaces["GroupSchema"]["properties"]["parent_id"]
    assert group["type"] == {"union": ["null", "number"]}
    env = interfaces["ProtectedEnvironmentAccessLevelSummarySchema"]["properties"]
    assert env["id"] == {"optional": False, "type": "number"}
    with pytest.raises(KeyError):
        apply_overrides(interfaces, {"NoSuchSchema.x": {"optional": True}})


def test_committed_shapes_record_their_source_and_are_reproducible() -> None:
    raw = (DATA / "shapes.json.gz").read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # gzip mtime 0: a rerun is byte-identical
    source = load_shapes()["source"]
    assert (source["package"], source["version"], source["license"]) == (
        "@gitbeaker/core", "43.8.0", "MIT")
    assert "ProjectSchema" in gzip.decompress(raw).decode()

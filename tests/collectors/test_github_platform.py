"""GitHub platform collectors: parsers on recorded response shapes, collectors on a stub API.

Samples under ``tests/data/github/platform/`` follow GitHub's shapes (the OpenAPI examples
``repository-rule-items``, ``org-ruleset``, ``code-scanning-default-setup`` and the GraphQL
schema); rows change one thing each.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from collectors.attribution import Matcher
from collectors.github_branch_rules import parse_branch_rules
from collectors.github_platform import (
    GITHUB,
    parse_deploy_gates,
    parse_org_rules,
    parse_security,
)
from collectors.github_reviews import TrailerReader, ai_attributed, identities, parse_reviews
from collectors.sources.github_types import (
    ApiError,
    Fetched,
    OrgData,
    RepoHandle,
    RepoMeta,
    Response,
)
from scanner.catalog import Catalog
from scanner.evidence import Evidence, Gap, Item, UnknownReason
from scanner.payloads import BranchRules, DeployGates, OrgRules, ReviewHistory, SecurityFeatures
from tests.collectors.platform_collect import collect
from tests.conftest import AS_OF, RepoBuilder

DATA = Path(__file__).parent.parent / "data" / "github" / "platform"


def sample(name: str) -> Any:
    """A recorded-shape sample, fresh for each use (rows may change it)."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def matcher(catalog: Catalog) -> Matcher:
    return Matcher(catalog.signatures)


# --------------------------------------------------------------------------- branch rules


def admin_rulesets() -> list[Any]:
    return cast(list[Any], sample("state-admin.json")["rulesets"]["nodes"])


def repo_rule(kind: str, parameters: Mapping[str, Any] | None = None, ruleset: int = 42,
              source: str = "Repository") -> dict[str, Any]:
    """One effective rule as ``GET /repos/{o}/{r}/rules/branches/{b}`` lists it."""
    return {"type": kind, "ruleset_source_type": source, "ruleset_source": "acme/api",
            "ruleset_id": ruleset, "parameters": dict(parameters or {})}


NO_RULES = BranchRules(branch="main", requires_pull_request=False, required_approvals=0,
                       code_owner_review=False, dismiss_stale_approvals=False,
                       required_checks=(), enforce_admins=False, bypass_actors=(),
                       signed_commits=False, protected_paths=(), org_level=False)
PR_RULE = repo_rule("pull_request", {"required_approving_review_count": 1})
ROLE_BYPASS = {"nodes": [{"bypassMode": "ALWAYS", "organizationAdmin": False,
                          "enterpriseOwner": False, "deployKey": False,
                          "repositoryRoleName": "admin", "actor": None}]}


def ruleset(database_id: int, name: str, bypass: Any) -> dict[str, Any]:
    return {"databaseId": database_id, "name": name, "enforcement": "ACTIVE",
            "source": {"__typename": "Repository"}, "bypassActors": bypass}


BRANCH_ROWS: dict[str, tuple[list[Any], Any, list[Any] | None, BranchRules]] = {
    "nothing anywhere (200 [])": ([], {"name": "main"}, [], NO_RULES),
    "reader: ruleset PR rule, admins unknown": (
        [repo_rule("pull_request", {"required_approving_review_count": 2,
                                    "require_code_owner_review": True,
                                    "dismiss_stale_reviews_on_push": True})],
        {"name": "main"}, None,
        replace(NO_RULES, requires_pull_request=True, required_approvals=2,
                code_owner_review=True, dismiss_stale_approvals=True, enforce_admins=None,
                sources=("ruleset:#42",))),
    "admin: bot-only bypass binds admins": (
        [PR_RULE], {"name": "main"}, admin_rulesets(),
        replace(NO_RULES, requires_pull_request=True, required_approvals=1, enforce_admins=True,
                bypass_actors=("dependabot[bot]",), sources=("ruleset:protect main",))),
    "admin: admin role may bypass": (
        [PR_RULE], {"name": "main"}, [ruleset(42, "protect main", ROLE_BYPASS)],
        replace(NO_RULES, requires_pull_request=True, required_approvals=1,
                enforce_admins=False, bypass_actors=("Role:admin",),
                sources=("ruleset:protect main",))),
    "admin: bypass list withheld": (
        [PR_RULE], {"name": "main"}, [ruleset(42, "protect main", None)],
        replace(NO_RULES, requires_pull_request=True, required_approvals=1,
                enforce_admins=None, sources=("ruleset:protect main",))),
    "admin: evaluate-mode ruleset absent from effective rules": (
        [], {"name": "main"}, admin_rulesets(), NO_RULES),
    "org ruleset: signing and path restriction": (
        [repo_rule("required_signatures", ruleset=73, source="Organization"),
         repo_rule("file_path_restriction", {"restricted_file_paths": ["b/**", "a/**"]},
                   ruleset=73, source="Organization")],
        {"name": "main"}, admin_rulesets(),
        replace(NO_RULES, signed_commits=True, protected_paths=("a/**", "b/**"),
                org_level=True, enforce_admins=True, sources=("org-ruleset:org baseline",))),
    "admin: classic enforced on admins, checks merged with ruleset checks": (
        [repo_rule("required_status_checks",
                   {"required_status_checks": [{"context": "test"}, {"context": "build"}]})],
        sample("state-admin.json")["defaultBranchRef"], [ruleset(42, "ci", {"nodes": []})],
        replace(NO_RULES, requires_pull_request=True, required_approvals=1,
                dismiss_stale_approvals=True, required_checks=("build", "test"),
                enforce_admins=True, sources=("classic", "ruleset:ci"))),
    "admin: classic not enforced on admins, a user may bypass PRs": (
        [], {"name": "main", "branchProtectionRule": {
            "isAdminEnforced": False, "requiresApprovingReviews": True,
            "requiredApprovingReviewCount": 0, "requiresStatusChecks": False,
            "requiredStatusCheckContexts": ["ignored"],
            "bypassPullRequestAllowances": {"nodes": [
                {"actor": {"__typename": "User", "login": "octocat"}},
                {"actor": {"__typename": "Team", "slug": "release"}},
                {"actor": {"__typename": "App", "slug": "renovate"}}]}}},
        [],
        replace(NO_RULES, requires_pull_request=True, enforce_admins=False,
                bypass_actors=("Team:release", "octocat", "renovate[bot]"),
                sources=("classic",))),
    "reader: classic via refUpdateRule": (
        [], sample("state-reader.json")["defaultBranchRef"], None,
        replace(NO_RULES, requires_pull_request=True, required_approvals=1,
                code_owner_review=True, required_checks=("build", "lint"),
                signed_commits=True, enforce_admins=None, sources=("classic",),
                dismiss_stale_approvals=None)),
    "reader: refUpdateRule without reviews": (
        [], {"name": "main", "refUpdateRule": {"requiredApprovingReviewCount": None,
                                               "requiresCodeOwnerReviews": False,
                                               "requiredStatusCheckContexts": []}}, None,
        replace(NO_RULES, enforce_admins=None, sources=("classic",))),
}


@pytest.mark.parametrize("name", list(BRANCH_ROWS))
def test_parse_branch_rules(name: str) -> None:
    effective, ref, rulesets, expected = BRANCH_ROWS[name]
    assert parse_branch_rules("main", effective, ref, rulesets) == expected


def test_branch_rules_from_the_recorded_samples() -> None:
    state = sample("state-admin.json")
    rules = parse_branch_rules("main", sample("effective-rules.json"), state["defaultBranchRef"],
                               state["rulesets"]["nodes"])
    assert rules == BranchRules(
        branch="main", requires_pull_request=True, required_approvals=2, code_owner_review=True,
        dismiss_stale_approvals=True, required_checks=("CodeQL", "build", "test"),
        enforce_admins=True, bypass_actors=("dependabot[bot]",), signed_commits=True,
        protected_paths=(".github/workflows/**", "infra/prod/**"), org_level=True,
        sources=("classic", "org-ruleset:org baseline", "ruleset:protect main"))


# --------------------------------------------------------------------------- security, gates, org


SECURITY_BLOCK = {"secret_scanning": {"status": "enabled"},
                  "secret_scanning_push_protection": {"status": "disabled"},
                  "dependabot_security_updates": {"status": "enabled"}}


@pytest.mark.parametrize(("block", "code_scanning", "expected"), [
    (None, None, SecurityFeatures(secret_scanning=None, push_protection=None, dependabot=None,
                                  code_scanning=None)),
    (SECURITY_BLOCK, True, SecurityFeatures(secret_scanning=True, push_protection=False,
                                            dependabot=True, code_scanning=True)),
    ({"secret_scanning": {"status": "enabled"}}, False,
     SecurityFeatures(secret_scanning=True, push_protection=None, dependabot=None,
                      code_scanning=False)),
])
def test_parse_security(block: Any, code_scanning: bool | None,
                        expected: SecurityFeatures) -> None:
    assert parse_security(block, code_scanning) == expected


@pytest.mark.parametrize(("environments", "expected"), [
    (sample("state-admin.json")["environments"],
     DeployGates(environments=("preview", "production", "staging"), gated=("production",))),
    ({"totalCount": 0, "nodes": []}, DeployGates(environments=(), gated=())),
    ({"nodes": [{"name": "prod", "protectionRules": None}]},
     DeployGates(environments=("prod",), gated=())),
])
def test_parse_deploy_gates(environments: Any, expected: DeployGates) -> None:
    assert parse_deploy_gates(environments) == expected


@pytest.mark.parametrize(("rulesets", "permissions", "expected"), [
    (sample("org-rulesets.json"), {"default_workflow_permissions": "read"},
     OrgRules(rulesets=("baseline",),
              required_workflows=("1296269:.github/workflows/security.yml",),
              path_restrictions=(".github/workflows/**",), default_token_read_only=True)),
    ([], {"default_workflow_permissions": "write"},
     OrgRules(rulesets=(), required_workflows=(), path_restrictions=(),
              default_token_read_only=False)),
    ([], None, OrgRules(rulesets=(), required_workflows=(), path_restrictions=(),
                        default_token_read_only=None)),
])
def test_parse_org_rules(rulesets: list[Any], permissions: Any, expected: OrgRules) -> None:
    assert parse_org_rules(rulesets, permissions) == expected


# --------------------------------------------------------------------------- reviews


def user(login: str, number: int, kind: str = "User") -> dict[str, Any]:
    return {"__typename": kind, "login": login, "databaseId": number}


ALICE, BOB = user("alice", 1001), user("bob", 1002)


def pull(**changes: Any) -> dict[str, Any]:
    """A merged human PR approved by another human; rows change one field."""
    base: dict[str, Any] = {
        "number": 1, "mergedAt": "2026-10-01T12:00:00Z", "headRefName": "feature",
        "body": "Adds a feature.", "author": ALICE,
        "reviews": {"nodes": [{"state": "APPROVED", "author": BOB}]},
        "commits": {"totalCount": 1, "nodes": [{"commit": commit("Add feature")}]}}
    base.update(changes)
    return base


def commit(message: str, name: str = "Alice", email: str = "alice@example.com") -> dict[str, Any]:
    return {"oid": "a" * 40, "message": message, "authoredDate": "2026-10-01T10:00:00Z",
            "committedDate": "2026-10-01T10:00:00Z", "author": {"name": name, "email": email},
            "committer": {"name": "GitHub", "email": "noreply@github.com"}}


def commits(*messages: str) -> dict[str, Any]:
    return {"totalCount": len(messages), "nodes": [{"commit": commit(m)} for m in messages]}


CLAUDE = "Claude <noreply@anthropic.com>"
CURSOR = commit("x", "Cursor Agent", "cursoragent@cursor.com")
ATTRIBUTION_ROWS: dict[str, tuple[dict[str, Any], bool]] = {
    "human PR": (pull(), False),
    "squash-merged: a PR commit's Co-authored-by trailer": (
        pull(commits=commits("Fix", f"Handle expiry\n\nCo-authored-by: {CLAUDE}")), True),
    "the same line mid-message is no trailer": (
        pull(commits=commits(f"Doc\n\nCo-authored-by: {CLAUDE}\n\nExample.")), False),
    "agent branch name": (pull(headRefName="copilot/fix-12"), True),
    "PR body marker": (pull(body="Faster.\n\n🤖 Generated with [Claude Code](https://claude.com)"),
                       True),
    "agent account authored the PR (Bot)": (pull(author=user("Copilot", 198982749, "Bot")), True),
    "app bot authored the PR (login without [bot])": (
        pull(author=user("claude", 209825114, "Bot")), True),
    "ordinary bot authored the PR": (pull(author=user("dependabot", 49699333, "Bot")), False),
    "AI commit identity": (
        pull(commits={"nodes": [{"commit": CURSOR}]}), True),
}


@pytest.mark.parametrize("name", list(ATTRIBUTION_ROWS))
def test_ai_attributed(name: str, matcher: Matcher) -> None:
    data, expected = ATTRIBUTION_ROWS[name]
    assert ai_attributed(data, matcher, TrailerReader(matcher)) is expected


AI = {"headRefName": "codex/add-cache"}
APPROVAL_ROWS: dict[str, tuple[list[Any], bool]] = {
    "another human approved": ([{"state": "APPROVED", "author": BOB}], True),
    "self-approval does not count": ([{"state": "APPROVED", "author": ALICE}], False),
    "self-approval, login case differs": (
        [{"state": "APPROVED", "author": user("ALICE", 1001)}], False),
    "bot approval does not count": (
        [{"state": "APPROVED", "author": user("copilot-pull-request-reviewer", 175728472, "Bot")}],
        False),
    "an AI agent's user account does not count": (
        [{"state": "APPROVED", "author": user("kiro-agent", 244629292)}], False),
    "no review": ([], False),
}


@pytest.mark.parametrize("name", list(APPROVAL_ROWS))
def test_human_approval_of_an_ai_pr(name: str, matcher: Matcher) -> None:
    reviews, approved = APPROVAL_ROWS[name]
    history = parse_reviews([pull(number=7, reviews={"nodes": reviews}, **AI)], matcher,
                            complete=True)
    assert history == ReviewHistory(merged=1, ai_merged=1, ai_human_approved=int(approved),
                                    ai_unapproved=() if approved else (7,))


def test_reviews_from_the_recorded_sample(matcher: Matcher) -> None:
    history = parse_reviews(sample("pulls.json"), matcher, complete=False)
    assert history == ReviewHistory(merged=7, ai_merged=5, ai_human_approved=2,
                                    ai_unapproved=(104, 105, 107), window_complete=False)


@pytest.mark.parametrize(("account", "expected"), [
    (user("kiro-agent", 244629292),
     ("kiro-agent <244629292+kiro-agent@users.noreply.github.com>",)),
    (user("claude[bot]", 209825114, "Bot"),
     ("claude[bot] <209825114+claude[bot]@users.noreply.github.com>",
      "claude <209825114+claude@users.noreply.github.com>")),
    ({"__typename": "Mannequin", "login": "ghost"}, ()),
])
def test_identities(account: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert identities(account) == expected


# --------------------------------------------------------------------------- collectors

RULES_PATH = "/repos/acme/api/rules/branches/main"
RULES_ENDPOINT = f"GET {RULES_PATH}?per_page=100"
SETUP_PATH = "/repos/acme/api/code-scanning/default-setup"
STATE_ENDPOINT = "POST /graphql repository(acme/api) state"
PULLS_ENDPOINT = "POST /graphql repository(acme/api) pull requests"
INVENTORY = "GET /orgs/acme/repos?per_page=100"


class StubApi:
    """Answers ``get``/``pages`` like GitHubApi: a Response, or raises the ApiError given."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Response:
        self.calls.append(path)
        answer = self.answers[path]
        if isinstance(answer, ApiError):
            raise answer
        endpoint = f"GET {path}" + ("?per_page=100" if params is None and "rules" in path else "")
        return Response(endpoint=endpoint, status=200, data=answer, etag=f'W/"{len(self.calls)}"',
                        not_modified=False)

    def pages(self, path: str, params: Mapping[str, str | int] | None = None
              ) -> Iterator[Response]:
        yield self.get(path, params)


def failure(endpoint: str, status: int, reason: UnknownReason, detail: str,
            unavailable: bool = False) -> ApiError:
    return ApiError(endpoint, status, reason, detail, unavailable=unavailable)


HIDDEN = failure(RULES_ENDPOINT, 404, UnknownReason.NOT_FOUND_OR_HIDDEN, "Not Found")
FORBIDDEN = failure(RULES_ENDPOINT, 403, UnknownReason.FORBIDDEN,
                    "Resource not accessible by personal access token")
UPGRADE = failure(RULES_ENDPOINT, 403, UnknownReason.FORBIDDEN,
                  "Upgrade to GitHub Pro or make this repository public to enable this feature.",
                  unavailable=True)


def meta(*, admin: bool = True, security: Mapping[str, Any] | None = None) -> RepoMeta:
    return RepoMeta(owner="acme", name="api", default_branch="main", archived=False, fork=False,
                    private=True, visibility="private", pushed_at="2026-10-30T09:00:00Z",
                    clone_url="https://github.com/acme/api.git",
                    html_url="https://github.com/acme/api",
                    permissions={"admin": admin, "push": True, "pull": True},
                    security_and_analysis=security, raw_endpoint=INVENTORY, raw_etag='W/"inv"')


def handle(*, admin: bool = True, answers: Mapping[str, Any] | None = None,
           state: Fetched | None = None, pulls: Fetched | None = None,
           org: OrgData | None = None, security: Mapping[str, Any] | None = None) -> RepoHandle:
    default_state = sample("state-admin.json" if admin else "state-reader.json")
    return RepoHandle(
        meta=meta(admin=admin, security=security), org=org,
        state=state or Fetched(endpoint=STATE_ENDPOINT, data=default_state),
        pulls=pulls or Fetched(endpoint=PULLS_ENDPOINT, data=sample("pulls.json")),
        api=cast(Any, StubApi(answers or {})))


@pytest.fixture
def run(repo: RepoBuilder, catalog: Catalog) -> Any:
    """``run(handle)`` -> every item the GitHub collectors yield, by kind."""
    repo.write("README.md", "hello\n").commit("Initial commit")

    def run_with(platform: RepoHandle | None) -> dict[str, list[Item]]:
        return collect(repo.path, catalog, GITHUB, platform, repo_id="github.com/acme/api",
                       as_of=AS_OF)
    return run_with


def only(items: dict[str, list[Item]], kind: str) -> Item:
    assert len(items[kind]) == 1
    return items[kind][0]


def test_nothing_without_a_platform_handle(run: Any) -> None:
    assert run(None) == {}


EFFECTIVE_ROWS: dict[str, tuple[Any, type, Any]] = {
    "200 with rules": (sample("effective-rules.json"), Evidence, None),
    "200 []": ([], Evidence, None),
    "404 hidden": (HIDDEN, Gap, UnknownReason.NOT_FOUND_OR_HIDDEN),
    "403 forbidden": (FORBIDDEN, Gap, UnknownReason.FORBIDDEN),
    "403 upgrade: absent, observed": (UPGRADE, Evidence, UPGRADE.detail),
}


@pytest.mark.parametrize("name", list(EFFECTIVE_ROWS))
def test_branch_rules_collector(name: str, run: Any) -> None:
    answer, kind, expected = EFFECTIVE_ROWS[name]
    item = only(run(handle(answers={RULES_PATH: answer, SETUP_PATH: {"state": "configured"}})),
                BranchRules.KIND)
    assert isinstance(item, kind)
    assert item.provenance.locator.startswith(RULES_ENDPOINT)
    if isinstance(item, Gap):
        assert item.reason is expected
        assert item.provenance.locator == RULES_ENDPOINT
    else:
        assert item.payload.unavailable == expected
        if expected is None:
            assert item.provenance.locator == f"{RULES_ENDPOINT} + {STATE_ENDPOINT}"
            assert item.provenance.digest == 'W/"1"'


def test_branch_rules_need_the_state(run: Any) -> None:
    error = failure(STATE_ENDPOINT, 200, UnknownReason.RATE_LIMITED, "API rate limit exceeded")
    items = run(handle(state=Fetched(endpoint=STATE_ENDPOINT, error=error),
                       answers={RULES_PATH: [], SETUP_PATH: {"state": "configured"}}))
    for kind in (BranchRules.KIND, DeployGates.KIND):
        gap = only(items, kind)
        assert isinstance(gap, Gap) and gap.reason is UnknownReason.RATE_LIMITED
        assert gap.provenance.locator == STATE_ENDPOINT


SETUP_ERROR = failure(f"GET {SETUP_PATH}", 403, UnknownReason.FORBIDDEN,
                      "Resource not accessible by integration")
SETUP_UNAVAILABLE = failure(f"GET {SETUP_PATH}", 403, UnknownReason.FORBIDDEN,
                            "Code Security must be enabled for this repository to use code "
                            "scanning.", unavailable=True)

SECURITY_ROWS: dict[str, tuple[bool, Any, Any, Any, list[str]]] = {
    # admin, security block, default-setup answer, expected code_scanning or gap reason, calls
    "admin, configured": (True, SECURITY_BLOCK, {"state": "configured"}, True, [SETUP_PATH]),
    "admin, not configured": (True, SECURITY_BLOCK, {"state": "not-configured"}, False,
                              [SETUP_PATH]),
    "admin, feature unavailable": (True, SECURITY_BLOCK, SETUP_UNAVAILABLE, False, [SETUP_PATH]),
    "admin, token lacks permission": (True, SECURITY_BLOCK, SETUP_ERROR, None, [SETUP_PATH]),
    "admin, nothing readable": (True, None, SETUP_ERROR, UnknownReason.FORBIDDEN, [SETUP_PATH]),
    "reader sees the block (security manager)": (False, SECURITY_BLOCK, None, None, []),
    "reader sees nothing": (False, None, None, UnknownReason.NOT_PERMITTED, []),
}


@pytest.mark.parametrize("name", list(SECURITY_ROWS))
def test_security_collector(name: str, run: Any) -> None:
    admin, block, answer, expected, calls = SECURITY_ROWS[name]
    platform = handle(admin=admin, security=block,
                      answers={RULES_PATH: [], SETUP_PATH: answer})
    item = only(run(platform), SecurityFeatures.KIND)
    assert [c for c in cast(StubApi, platform.api).calls if c != RULES_PATH] == calls
    if isinstance(expected, UnknownReason):
        assert isinstance(item, Gap) and item.reason is expected
        assert item.provenance.locator == (f"GET {SETUP_PATH}" if calls else INVENTORY)
        return
    assert isinstance(item, Evidence)
    assert item.payload == replace(parse_security(block, None), code_scanning=expected)
    assert item.provenance.locator == " + ".join([INVENTORY] + [f"GET {c}" for c in calls])


def test_reviews_and_gates_collectors(run: Any) -> None:
    items = run(handle(answers={RULES_PATH: [], SETUP_PATH: {"state": "configured"}}))
    reviews, gates = only(items, ReviewHistory.KIND), only(items, DeployGates.KIND)
    assert isinstance(reviews, Evidence) and isinstance(gates, Evidence)
    assert reviews.payload.ai_unapproved == (104, 105, 107)
    assert reviews.provenance.locator == PULLS_ENDPOINT
    assert gates.payload.gated == ("production",)
    assert gates.provenance.locator == STATE_ENDPOINT


def test_unreadable_pulls_are_a_gap(run: Any) -> None:
    error = failure(PULLS_ENDPOINT, 502, UnknownReason.API_ERROR, "Bad Gateway")
    items = run(handle(pulls=Fetched(endpoint=PULLS_ENDPOINT, error=error),
                       answers={RULES_PATH: [], SETUP_PATH: {"state": "configured"}}))
    gap = only(items, ReviewHistory.KIND)
    assert isinstance(gap, Gap) and gap.reason is UnknownReason.API_ERROR
    assert gap.provenance.locator == PULLS_ENDPOINT
    assert isinstance(only(items, BranchRules.KIND), Evidence)  # the others are still read


ORG_RULESETS = "GET /orgs/acme/rulesets"
ORG_TOKEN = "GET /orgs/acme/actions/permissions/workflow"


def org(rulesets: Fetched, permissions: Fetched) -> OrgData:
    return OrgData(login="acme", rulesets=rulesets, workflow_permissions=permissions)


ORG_ROWS: dict[str, tuple[OrgData | None, Any]] = {
    "user account: no organisation": (None, UnknownReason.UNSUPPORTED),
    "rulesets and token defaults": (
        org(Fetched(endpoint=ORG_RULESETS, data=sample("org-rulesets.json"), etag='"r"'),
            Fetched(endpoint=ORG_TOKEN, data={"default_workflow_permissions": "read"},
                    etag='"t"')),
        True),
    "token defaults unreadable": (
        org(Fetched(endpoint=ORG_RULESETS, data=[], etag='"r"'),
            Fetched(endpoint=ORG_TOKEN,
                    error=failure(ORG_TOKEN, 403, UnknownReason.FORBIDDEN, "Must be an admin"))),
        None),
    "rulesets need an organisation admin": (
        org(Fetched(endpoint=ORG_RULESETS,
                    error=failure(ORG_RULESETS, 403, UnknownReason.FORBIDDEN, "Must be an admin")),
            Fetched(endpoint=ORG_TOKEN, data={"default_workflow_permissions": "read"})),
        UnknownReason.NOT_PERMITTED),
    "rulesets failed for another reason": (
        org(Fetched(endpoint=ORG_RULESETS,
                    error=failure(ORG_RULESETS, 502, UnknownReason.API_ERROR, "Server Error")),
            Fetched(endpoint=ORG_TOKEN, data={"default_workflow_permissions": "read"})),
        UnknownReason.API_ERROR),
}


@pytest.mark.parametrize("name", list(ORG_ROWS))
def test_org_rules_collector(name: str, run: Any) -> None:
    data, expected = ORG_ROWS[name]
    items = run(handle(org=data, answers={RULES_PATH: [], SETUP_PATH: {"state": "configured"}}))
    item = only(items, OrgRules.KIND)
    if data is None:  # a user's repository: said, not silently missing
        assert isinstance(item, Gap) and item.reason is expected
        return
    assert item.provenance.locator.startswith(ORG_RULESETS)
    if isinstance(expected, UnknownReason):
        assert isinstance(item, Gap) and item.reason is expected
        return
    assert isinstance(item, Evidence)
    assert item.payload.default_token_read_only is expected
    assert item.provenance.locator == (f"{ORG_RULESETS} + {ORG_TOKEN}" if expected
                                       else ORG_RULESETS)


def test_every_item_names_its_endpoint(run: Any) -> None:
    platform = handle(admin=False, org=ORG_ROWS["rulesets and token defaults"][0],
                      answers={RULES_PATH: copy.deepcopy(sample("effective-rules.json"))})
    items = [i for found in run(platform).values() for i in found]
    assert len(items) == 5
    for item in items:
        assert item.provenance.locator.split()[0] in {"GET", "POST"}, item
        assert item.provenance.collector.startswith("github-")

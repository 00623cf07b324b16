"""GitLab platform collectors: decisions over project handles, and the collectors on a real repo.

Handles are built directly, with answers in GitLab's REST v4 shapes and the client's
classified failures: ``unavailable`` 404s on the Free tier, ``not-permitted`` for what a
role may not read, other errors for failed reads. Rows change one thing each.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from collectors.attribution import Matcher
from collectors.gitlab_branch_rules import Refusal, read_branch_rules
from collectors.gitlab_platform import (
    GITLAB,
    answer_digest,
    parse_deploy_gates,
    parse_org_rules,
    parse_security,
    read_deploy_gates,
    read_org_rules,
    read_reviews,
    read_security,
)
from collectors.sources.api_types import ApiError, Fetched
from collectors.sources.gitlab_types import (
    DEVELOPER,
    MAINTAINER,
    REPORTER,
    GroupData,
    ProjectHandle,
    ProjectMeta,
)
from scanner.catalog import Catalog
from scanner.evidence import Evidence, Gap, Item, UnknownReason
from scanner.payloads import BranchRules, DeployGates, OrgRules, ReviewHistory, SecurityFeatures
from tests.collectors.platform_collect import collect
from tests.collectors.test_gitlab_branch_rules import (
    DEVELOPERS,
    MAINTAINERS,
    NO_ONE,
    approval_rule,
    protected_branch,
)
from tests.collectors.test_gitlab_reviews import approvals, merge_request
from tests.conftest import AS_OF, RepoBuilder

# --------------------------------------------------------------------------- answers

INVENTORY = ("GET /groups/acme/projects?include_subgroups=true&with_shared=false"
             "&order_by=id&sort=asc&per_page=100")
PROTECTED = "/protected_branches?per_page=100"
BRANCH = "/repository/branches/main"
RULES = "/approval_rules?per_page=100"
SETTINGS = "/approvals"
PUSH_RULE = "/push_rule"
ENVIRONMENTS = "/protected_environments?per_page=100"
MRS = ("/merge_requests?state=merged&target_branch=main&updated_after=2026-08-03T00:00:00Z"
       "&order_by=updated_at&sort=desc&per_page=100")
GROUP_PROTECTED = "GET /groups/3/protected_branches?per_page=100"
GROUP_PUSH_RULE = "GET /groups/3/push_rule"


def endpoint(path: str) -> str:
    return f"GET /projects/7{path}"


def ok(path: str, data: Any) -> Fetched:
    """A read answer (``data`` None: GitLab says none is configured)."""
    return Fetched(endpoint=path if path.startswith("GET ") else endpoint(path), data=data)


def failure(path: str, status: int | None, reason: UnknownReason, detail: str, *,
            unavailable: bool = False) -> Fetched:
    where = path if path.startswith("GET ") else endpoint(path)
    return Fetched(endpoint=where, error=ApiError(where, status, reason, detail,
                                                   unavailable=unavailable))


def free(path: str) -> Fetched:
    """A Premium endpoint on the Free tier: 404 to a role that could otherwise read it."""
    return failure(path, 404, UnknownReason.NOT_FOUND_OR_HIDDEN, "404 Not Found",
                   unavailable=True)


def denied(path: str) -> Fetched:
    """What this token's role may not read (never requested)."""
    return failure(path, 403, UnknownReason.NOT_PERMITTED, "403 Forbidden")


def broken(path: str) -> Fetched:
    return failure(path, 502, UnknownReason.API_ERROR, "502 Bad Gateway")


UNREAD = Fetched(endpoint="")
PUSH_RULE_DATA = {"id": 1, "project_id": 7, "created_at": "2026-01-01T00:00:00.000Z",
                  "commit_message_regex": "", "commit_message_negative_regex": "",
                  "branch_name_regex": "", "deny_delete_tag": False, "member_check": False,
                  "prevent_secrets": True, "author_email_regex": "", "file_name_regex": "",
                  "max_file_size": 0, "commit_committer_check": False,
                  "commit_committer_name_check": False, "reject_unsigned_commits": False,
                  "reject_non_dco_commits": False}
SETTINGS_DATA = {"approvals_before_merge": 0, "reset_approvals_on_push": True,
                 "selective_code_owner_removals": False,
                 "disable_overriding_approvers_per_merge_request": False,
                 "merge_requests_author_approval": False,
                 "merge_requests_disable_committers_approval": True,
                 "require_password_to_approve": False}
ENVIRONMENTS_DATA = [
    {"name": "production", "deploy_access_levels": [], "required_approval_count": 1,
     "approval_rules": []},
    {"name": "staging", "deploy_access_levels": [], "required_approval_count": 0,
     "approval_rules": [{"id": 1, "user_id": None, "group_id": 9, "access_level": None,
                         "access_level_description": "qa", "required_approvals": 2,
                         "group_inheritance_type": 0}]},
    {"name": "review", "deploy_access_levels": [], "required_approval_count": 0,
     "approval_rules": []}]


def branch_entity(protected: bool, developers_can_push: bool = False) -> dict[str, Any]:
    """A ``Branch`` as ``GET /projects/:id/repository/branches/:branch`` answers it."""
    return {"name": "main", "commit": {"id": "a" * 40, "title": "Initial commit"},
            "merged": False, "protected": protected,
            "developers_can_push": developers_can_push, "developers_can_merge": True,
            "can_push": False, "default": True,
            "web_url": "https://gitlab.example.com/acme/api/-/tree/main"}


BASE_META = ProjectMeta(
    id=7, path="acme/api", default_branch="main", archived=False, fork=False, empty=False,
    last_activity_at="2026-10-30T09:00:00.000Z",
    clone_url="https://gitlab.example.com/acme/api.git",
    web_url="https://gitlab.example.com/acme/api", visibility="private",
    access_level=MAINTAINER, pipeline_must_succeed=True, secret_push_protection=None,
    raw_endpoint=INVENTORY)


def meta(**changes: Any) -> ProjectMeta:
    return replace(BASE_META, **changes)


def group(protected: Fetched | None = None, push_rule: Fetched | None = None) -> GroupData:
    return GroupData(full_path="acme",
                     protected_branches=protected or ok(GROUP_PROTECTED, []),
                     push_rule=push_rule or ok(GROUP_PUSH_RULE, None))


#: A Maintainer's view of a Premium project.
PREMIUM = ProjectHandle(
    meta=BASE_META, group=group(), head="a" * 40, branch=UNREAD,
    protected_branches=ok(PROTECTED, [protected_branch("main", (NO_ONE,))]),
    approval_rules=ok(RULES, [approval_rule("All Members", "any_approver", 1)]),
    approvals=ok(SETTINGS, SETTINGS_DATA), push_rule=ok(PUSH_RULE, PUSH_RULE_DATA),
    protected_environments=ok(ENVIRONMENTS, ENVIRONMENTS_DATA),
    merge_requests=ok(MRS, [merge_request(3, source_branch="claude/fix"), merge_request(2)]))
#: The same on the Free tier: every Premium endpoint answers 404.
FREE = replace(PREMIUM, approval_rules=free(RULES), approvals=free(SETTINGS),
               push_rule=free(PUSH_RULE), protected_environments=free(ENVIRONMENTS),
               group=group(free(GROUP_PROTECTED), free(GROUP_PUSH_RULE)))
#: A Developer's view: the branch flag and approval rules, nothing Maintainer-only.
DEVELOPER_VIEW = replace(
    PREMIUM, meta=meta(access_level=DEVELOPER), branch=ok(BRANCH, branch_entity(False)),
    protected_branches=denied(PROTECTED), approvals=denied(SETTINGS),
    push_rule=denied(PUSH_RULE), protected_environments=denied(ENVIRONMENTS),
    group=group(denied(GROUP_PROTECTED), denied(GROUP_PUSH_RULE)))
#: A Reporter's view: the branch flag only.
REPORTER_VIEW = replace(DEVELOPER_VIEW, meta=meta(access_level=REPORTER),
                        approval_rules=denied(RULES))


def premium(**changes: Any) -> ProjectHandle:
    return replace(PREMIUM, **changes)


def free_tier(**changes: Any) -> ProjectHandle:
    return replace(FREE, **changes)


def developer(**changes: Any) -> ProjectHandle:
    return replace(DEVELOPER_VIEW, **changes)


def reporter(**changes: Any) -> ProjectHandle:
    return replace(REPORTER_VIEW, **changes)


# --------------------------------------------------------------------------- branch rules

PROTECTED_MAIN = BranchRules(
    branch="main", requires_pull_request=True, required_approvals=1, code_owner_review=False,
    dismiss_stale_approvals=True, required_checks=(), enforce_admins=True, bypass_actors=(),
    signed_commits=False, protected_paths=(), org_level=False,
    sources=("approval-rule:All Members", "protected-branch:main", "push-rule"),
    pipeline_must_succeed=True)
FREE_NOTE = ("merge request approval rules are not available on this GitLab plan "
             f"({endpoint(RULES)} answered 404); merge request approval settings are not "
             f"available on this GitLab plan ({endpoint(SETTINGS)} answered 404); push rules "
             f"are not available on this GitLab plan ({endpoint(PUSH_RULE)} answered 404)")
OPEN_MAIN = replace(PROTECTED_MAIN, requires_pull_request=False, enforce_admins=False,
                    sources=("approval-rule:All Members",))

BRANCH_ROWS: dict[str, tuple[ProjectHandle, BranchRules | tuple[UnknownReason, str]]] = {
    "maintainer, premium": (premium(), PROTECTED_MAIN),
    "maintainer, wildcard * protects main": (
        premium(protected_branches=ok(PROTECTED, [protected_branch("*", (NO_ONE,))])),
        replace(PROTECTED_MAIN, sources=("approval-rule:All Members", "protected-branch:*",
                                         "push-rule"))),
    "maintainer, only release/* protected": (
        premium(protected_branches=ok(PROTECTED, [protected_branch("release/*", (NO_ONE,))])),
        replace(OPEN_MAIN, sources=("approval-rule:All Members", "push-rule"))),
    "maintainer, Maintainers may push": (
        premium(protected_branches=ok(PROTECTED, [protected_branch("main")])),
        replace(PROTECTED_MAIN, requires_pull_request=False, enforce_admins=False)),
    "maintainer, a user and a deploy key may push": (
        premium(protected_branches=ok(PROTECTED, [protected_branch(
            "main", (NO_ONE,), allowances=(
                {"id": 2, "access_level": MAINTAINERS, "access_level_description": "Jane",
                 "user_id": 42, "group_id": None, "deploy_key_id": None},
                {"id": 3, "access_level": MAINTAINERS, "access_level_description": "ci key",
                 "user_id": None, "group_id": None, "deploy_key_id": 9}))])),
        replace(PROTECTED_MAIN, bypass_actors=("deploy-key:9[bot]", "user:42"))),
    "maintainer, code owner approval": (
        premium(protected_branches=ok(PROTECTED, [protected_branch("main", (NO_ONE,),
                                                                   code_owners=True)])),
        replace(PROTECTED_MAIN, code_owner_review=True)),
    "maintainer, group protected branch": (
        premium(protected_branches=ok(PROTECTED, []),
                group=group(ok(GROUP_PROTECTED, [protected_branch("main", (NO_ONE,))]))),
        replace(PROTECTED_MAIN, org_level=True, sources=(
            "approval-rule:All Members", "group-protected-branch:main", "push-rule"))),
    "maintainer, group protected branches not visible: the project's own list counts": (
        premium(group=group(denied(GROUP_PROTECTED))), PROTECTED_MAIN),
    "maintainer, approval rule for release/* only": (
        premium(approval_rules=ok(RULES, [approval_rule("Leads", "regular", 2,
                                                        ("release/*",))])),
        replace(PROTECTED_MAIN, required_approvals=0,
                sources=("protected-branch:main", "push-rule"))),
    "maintainer, approval rule for all protected branches": (
        premium(approval_rules=ok(RULES, [approval_rule("Leads", "regular", 2,
                                                        all_protected=True)])),
        replace(PROTECTED_MAIN, required_approvals=2,
                sources=("approval-rule:Leads", "protected-branch:main", "push-rule"))),
    "maintainer, push rule null": (
        premium(push_rule=ok(PUSH_RULE, None)),
        replace(PROTECTED_MAIN, sources=("approval-rule:All Members", "protected-branch:main"))),
    "maintainer, push rule: signed commits, file names": (
        premium(push_rule=ok(PUSH_RULE, dict(PUSH_RULE_DATA, reject_unsigned_commits=True,
                                             file_name_regex=r"(\.pem|\.key)$"))),
        replace(PROTECTED_MAIN, signed_commits=True,
                protected_paths=(r"push rule file_name_regex: (\.pem|\.key)$",))),
    "maintainer, stale approvals kept": (
        premium(approvals=ok(SETTINGS, dict(SETTINGS_DATA, reset_approvals_on_push=False))),
        replace(PROTECTED_MAIN, dismiss_stale_approvals=False)),
    "free tier: absences noted": (
        free_tier(),
        replace(PROTECTED_MAIN, required_approvals=0, dismiss_stale_approvals=False,
                sources=("protected-branch:main",), unavailable=FREE_NOTE)),
    "pipelines need not succeed": (
        premium(meta=meta(pipeline_must_succeed=False)),
        replace(PROTECTED_MAIN, pipeline_must_succeed=False)),
    "developer, unprotected branch: approval settings and push rules not visible": (
        developer(), replace(OPEN_MAIN, dismiss_stale_approvals=None, signed_commits=None)),
    "developer, protected branch": (
        developer(branch=ok(BRANCH, branch_entity(True))),
        (UnknownReason.NOT_PERMITTED, "main is protected (developers_can_push: false, "
                                      "developers_can_merge: true); its push, merge and code "
                                      "owner settings are visible to Maintainers only; this "
                                      "token is Developer")),
    "reporter, protected branch": (
        reporter(branch=ok(BRANCH, branch_entity(True, developers_can_push=True))),
        (UnknownReason.NOT_PERMITTED, "developers_can_push: true")),
    "reporter, unprotected branch: approval rules not visible": (
        reporter(), (UnknownReason.NOT_PERMITTED,
                     "merge request approval rules need Developer; this token is Reporter")),
    "developer, branch read failed": (
        developer(branch=failure(BRANCH, 404, UnknownReason.NOT_FOUND_OR_HIDDEN,
                                 "404 Branch Not Found")),
        (UnknownReason.NOT_FOUND_OR_HIDDEN, "404 Branch Not Found")),
    "developer, no protected flag": (
        developer(branch=ok(BRANCH, {"name": "main"})),
        (UnknownReason.API_ERROR, "no protected flag")),
    "protected branches rate limited": (
        premium(protected_branches=failure(PROTECTED, 429, UnknownReason.RATE_LIMITED,
                                           "Retry later")),
        (UnknownReason.RATE_LIMITED, "Retry later")),
    "approval rules failed": (premium(approval_rules=broken(RULES)),
                              (UnknownReason.API_ERROR, "502 Bad Gateway")),
    "approval settings failed": (premium(approvals=broken(SETTINGS)),
                                 (UnknownReason.API_ERROR, "502 Bad Gateway")),
    "push rule failed": (premium(push_rule=broken(PUSH_RULE)),
                         (UnknownReason.API_ERROR, "502 Bad Gateway")),
    "empty repository": (premium(meta=meta(default_branch=None, empty=True)),
                         (UnknownReason.NOT_OBSERVABLE, "empty repository")),
}


@pytest.mark.parametrize("name", list(BRANCH_ROWS))
def test_read_branch_rules(name: str) -> None:
    handle, expected = BRANCH_ROWS[name]
    result = read_branch_rules(handle)
    if isinstance(expected, BranchRules):
        assert result == expected
        return
    assert isinstance(result, Refusal)
    reason, detail = expected
    assert result.reason is reason
    assert detail in result.detail


# --------------------------------------------------------------------------- security

SECURITY_ROWS: dict[str, tuple[Fetched, bool | None, bool | UnknownReason | None]] = {
    # push rule answer, secret_push_protection_enabled, push_protection or gap reason
    "prevent_secrets on": (ok(PUSH_RULE, PUSH_RULE_DATA), None, True),
    # A Maintainer is sent secret_push_protection_enabled wherever the plan offers it.
    "prevent_secrets off, secret push protection not sent to a Maintainer": (
        ok(PUSH_RULE, dict(PUSH_RULE_DATA, prevent_secrets=False)), None, False),
    "push rule null, secret push protection not sent to a Maintainer": (
        ok(PUSH_RULE, None), None, False),
    "push rule null, secret push protection off (ultimate)": (ok(PUSH_RULE, None), False, False),
    "prevent_secrets off, secret push protection on (ultimate)": (
        ok(PUSH_RULE, dict(PUSH_RULE_DATA, prevent_secrets=False)), True, True),
    "free tier: neither can be on": (free(PUSH_RULE), None, False),
    "free-like 404 with secret push protection off": (free(PUSH_RULE), False, False),
    "developer on ultimate: secret push protection on": (denied(PUSH_RULE), True, True),
    "developer, secret push protection not visible": (
        denied(PUSH_RULE), None, UnknownReason.NOT_PERMITTED),
    "developer, secret push protection off": (
        denied(PUSH_RULE), False, UnknownReason.NOT_PERMITTED),
    "push rule failed": (broken(PUSH_RULE), None, UnknownReason.API_ERROR),
    "push rule failed, secret push protection on": (broken(PUSH_RULE), True, True),
}


@pytest.mark.parametrize("name", list(SECURITY_ROWS))
def test_read_security(name: str) -> None:
    push_rule, enabled, expected = SECURITY_ROWS[name]
    result = read_security(premium(push_rule=push_rule,
                                   meta=meta(secret_push_protection=enabled)))
    if isinstance(expected, UnknownReason):
        assert isinstance(result, Refusal) and result.reason is expected
        assert result.endpoint == endpoint(PUSH_RULE)
        return
    assert result == SecurityFeatures(secret_scanning=None, push_protection=expected,
                                      dependabot=None, code_scanning=None)


def test_refusal_names_the_role_needed() -> None:
    result = read_security(developer())
    assert isinstance(result, Refusal)
    assert result.detail == "push rules are visible to Maintainers only; this token is Developer"


@pytest.mark.parametrize(("push_rule", "offered", "enabled", "maintainer", "expected"), [
    ({"prevent_secrets": True}, True, None, False, True),
    ({"prevent_secrets": "yes"}, True, None, False, None),   # only a JSON true counts
    ({"prevent_secrets": "yes"}, True, None, True, False),
    (None, False, None, False, False),
    (None, True, None, False, None),
    (None, True, None, True, False),
    (None, True, True, False, True),
])
def test_parse_security(push_rule: Any, offered: bool, enabled: bool | None, maintainer: bool,
                        expected: bool | None) -> None:
    assert parse_security(push_rule, push_rules_offered=offered, secret_push_protection=enabled,
                          maintainer=maintainer).push_protection is expected


# --------------------------------------------------------------------------- deploy gates

def test_parse_deploy_gates() -> None:
    assert parse_deploy_gates(ENVIRONMENTS_DATA) == DeployGates(
        environments=("production", "review", "staging"), gated=("production", "staging"))
    assert parse_deploy_gates([{"required_approval_count": 1}, "x"]) == DeployGates(
        environments=(), gated=())


GATE_ROWS: dict[str, tuple[ProjectHandle, DeployGates | UnknownReason]] = {
    "premium": (premium(), parse_deploy_gates(ENVIRONMENTS_DATA)),
    "none protected": (premium(protected_environments=ok(ENVIRONMENTS, [])),
                       DeployGates(environments=(), gated=())),
    "free tier": (free_tier(), DeployGates(
        environments=(), gated=(), unavailable=(
            "protected environments are not available on this GitLab plan "
            f"({endpoint(ENVIRONMENTS)} answered 404)"))),
    "free tier, as the client inferred it from another answer": (
        premium(protected_environments=failure(
            ENVIRONMENTS, None, UnknownReason.NOT_FOUND_OR_HIDDEN,
            f"not available on this GitLab plan ({endpoint(PUSH_RULE)} answered 404)",
            unavailable=True)),
        DeployGates(environments=(), gated=(), unavailable=(
            "protected environments: not available on this GitLab plan "
            f"({endpoint(PUSH_RULE)} answered 404)"))),
    "developer": (developer(), UnknownReason.NOT_PERMITTED),
    "failed": (premium(protected_environments=broken(ENVIRONMENTS)), UnknownReason.API_ERROR),
}


@pytest.mark.parametrize("name", list(GATE_ROWS))
def test_read_deploy_gates(name: str) -> None:
    handle, expected = GATE_ROWS[name]
    result = read_deploy_gates(handle)
    if isinstance(expected, UnknownReason):
        assert isinstance(result, Refusal) and result.reason is expected
        assert result.endpoint == endpoint(ENVIRONMENTS)
    else:
        assert result == expected


# --------------------------------------------------------------------------- org rules

GROUP_BRANCHES = [protected_branch("release/*"), protected_branch("main", (NO_ONE,))]
GROUP_RULE = {"id": 2, "file_name_regex": r"\.pem$", "prevent_secrets": True}

ORG_ROWS: dict[str, tuple[GroupData | None, OrgRules | tuple[UnknownReason, str]]] = {
    "protected branches and push rule": (
        group(ok(GROUP_PROTECTED, GROUP_BRANCHES), ok(GROUP_PUSH_RULE, GROUP_RULE)),
        OrgRules(rulesets=("group-protected-branch:main", "group-protected-branch:release/*"),
                 required_workflows=(), path_restrictions=(r"push rule file_name_regex: \.pem$",),
                 default_token_read_only=None)),
    "no group push rule (404 read as none)": (
        group(ok(GROUP_PROTECTED, GROUP_BRANCHES)),
        OrgRules(rulesets=("group-protected-branch:main", "group-protected-branch:release/*"),
                 required_workflows=(), path_restrictions=(), default_token_read_only=None)),
    "free tier: observed absence": (
        group(free(GROUP_PROTECTED), free(GROUP_PUSH_RULE)),
        OrgRules(rulesets=(), required_workflows=(), path_restrictions=(),
                 default_token_read_only=None)),
    "free tier, group Maintainer: the push rule's 403 hides nothing": (
        group(free(GROUP_PROTECTED), denied(GROUP_PUSH_RULE)),
        OrgRules(rulesets=(), required_workflows=(), path_restrictions=(),
                 default_token_read_only=None)),
    "outside a group": (None, (UnknownReason.UNSUPPORTED, "outside a group")),
    "group protected branches 403": (
        group(failure(GROUP_PROTECTED, 403, UnknownReason.FORBIDDEN, "403 Forbidden")),
        (UnknownReason.NOT_PERMITTED, "Owner's or Maintainer's token (GitLab answered 403")),
    "group protected branches hidden (404, not the plan)": (
        group(failure(GROUP_PROTECTED, 404, UnknownReason.NOT_FOUND_OR_HIDDEN, "404 Not Found")),
        (UnknownReason.NOT_PERMITTED, "answered 404")),
    "push rule not permitted (group Maintainer, not Owner): its paths are unknown": (
        group(ok(GROUP_PROTECTED, GROUP_BRANCHES), denied(GROUP_PUSH_RULE)),
        OrgRules(rulesets=("group-protected-branch:main", "group-protected-branch:release/*"),
                 required_workflows=(), path_restrictions=None, default_token_read_only=None)),
    "group protected branches failed": (
        group(failure(GROUP_PROTECTED, 500, UnknownReason.API_ERROR, "500 Internal Error")),
        (UnknownReason.API_ERROR, "500 Internal Error")),
}


@pytest.mark.parametrize("name", list(ORG_ROWS))
def test_read_org_rules(name: str) -> None:
    data, expected = ORG_ROWS[name]
    result = read_org_rules(premium(group=data))
    if isinstance(expected, OrgRules):
        assert result == expected
        return
    assert isinstance(result, Refusal)
    reason, detail = expected
    assert result.reason is reason and detail in result.detail


def test_parse_org_rules_skips_nameless_entries() -> None:
    assert parse_org_rules([{"name": ""}, "x", {"name": "main"}], None).rulesets == (
        "group-protected-branch:main",)


# --------------------------------------------------------------------------- reviews


@pytest.fixture(scope="module")
def matcher(catalog: Catalog) -> Matcher:
    return Matcher(catalog.signatures)


REVIEW_ROWS: dict[str, tuple[ProjectHandle, ReviewHistory | tuple[UnknownReason, str]]] = {
    "read": (premium(), ReviewHistory(merged=2, ai_merged=1, ai_human_approved=1)),
    "incomplete window": (premium(merge_requests_complete=False),
                          ReviewHistory(merged=2, ai_merged=1, ai_human_approved=1,
                                        window_complete=False)),
    "nothing merged": (premium(merge_requests=ok(MRS, [])),
                       ReviewHistory(merged=0, ai_merged=0, ai_human_approved=0)),
    "an MR's approvals could not be read": (
        premium(merge_requests=ok(MRS, [merge_request(3, approvals=None), merge_request(2)])),
        (UnknownReason.API_ERROR, "merge request !3 could not be read")),
    "two MRs' commits could not be read": (
        premium(merge_requests=ok(MRS, [merge_request(9, commits=None),
                                        merge_request(4, commits=None)])),
        (UnknownReason.API_ERROR, "merge request !4, !9 could not be read")),
    "listing failed": (premium(merge_requests=failure(MRS, 429, UnknownReason.RATE_LIMITED,
                                                      "Retry later")),
                       (UnknownReason.RATE_LIMITED, "Retry later")),
    "guest may not list": (premium(merge_requests=denied(MRS)),
                           (UnknownReason.NOT_PERMITTED, "403 Forbidden")),
}


@pytest.mark.parametrize("name", list(REVIEW_ROWS))
def test_read_reviews(name: str, matcher: Matcher) -> None:
    handle, expected = REVIEW_ROWS[name]
    result = read_reviews(handle, matcher)
    if isinstance(expected, ReviewHistory):
        assert result == expected
        return
    assert isinstance(result, Refusal)
    reason, detail = expected
    assert result.reason is reason and detail in result.detail
    assert result.endpoint == endpoint(MRS)


# --------------------------------------------------------------------------- collectors


@pytest.fixture
def run(repo: RepoBuilder, catalog: Catalog) -> Any:
    """``run(handle)`` -> every item the GitLab collectors yield, by kind."""
    repo.write("README.md", "hello\n").commit("Initial commit")

    def run_with(platform: object | None) -> dict[str, list[Item]]:
        return collect(repo.path, catalog, GITLAB, platform,
                       repo_id="gitlab.example.com/acme/api", as_of=AS_OF)
    return run_with


def only(items: dict[str, list[Item]], kind: str) -> Item:
    assert len(items[kind]) == 1
    return items[kind][0]


def evidence(items: dict[str, list[Item]], kind: str) -> Evidence[Any]:
    item = only(items, kind)
    assert isinstance(item, Evidence), item
    return item


@pytest.mark.parametrize("platform", [None, object()], ids=["local scan", "not a GitLab handle"])
def test_nothing_without_a_gitlab_handle(run: Any, platform: object | None) -> None:
    assert run(platform) == {}


def test_collectors_cite_the_endpoints_read(run: Any) -> None:
    items = run(premium())
    assert [c.name for c in GITLAB] == ["gitlab-branch-rules", "gitlab-security",
                                        "gitlab-reviews", "gitlab-deploy-gates",
                                        "gitlab-org-rules"]
    expected = {
        BranchRules.KIND: [INVENTORY, GROUP_PROTECTED, endpoint(PROTECTED), endpoint(RULES),
                           endpoint(SETTINGS), endpoint(PUSH_RULE)],
        SecurityFeatures.KIND: [INVENTORY, endpoint(PUSH_RULE)],
        ReviewHistory.KIND: [endpoint(MRS)],
        DeployGates.KIND: [endpoint(ENVIRONMENTS)],
        OrgRules.KIND: [GROUP_PROTECTED, GROUP_PUSH_RULE],
    }
    for kind, endpoints in expected.items():
        item = only(items, kind)
        assert isinstance(item, Evidence), item
        assert item.provenance.locator == " + ".join(endpoints)
        assert re.fullmatch(r"sha256:[0-9a-f]{16}", item.provenance.digest or "")
        assert item.provenance.commit is not None
    assert evidence(items, BranchRules.KIND).payload == PROTECTED_MAIN


def test_developer_view_cites_only_what_was_read(run: Any) -> None:
    items = run(developer())
    rules, security = only(items, BranchRules.KIND), only(items, SecurityFeatures.KIND)
    assert isinstance(rules, Evidence)
    assert rules.provenance.locator == f"{INVENTORY} + {endpoint(BRANCH)} + {endpoint(RULES)}"
    assert isinstance(security, Gap) and security.reason is UnknownReason.NOT_PERMITTED
    assert security.provenance.locator == endpoint(PUSH_RULE)
    assert security.provenance.digest is None


def test_free_tier_absences_are_evidence(run: Any) -> None:
    items = run(free_tier())
    for kind in (BranchRules.KIND, SecurityFeatures.KIND, DeployGates.KIND, OrgRules.KIND):
        assert isinstance(only(items, kind), Evidence), kind
    assert evidence(items, SecurityFeatures.KIND).payload.push_protection is False
    assert only(items, DeployGates.KIND).provenance.locator == endpoint(ENVIRONMENTS)


def test_digest_follows_the_answers(run: Any) -> None:
    first = only(run(premium()), BranchRules.KIND).provenance.digest
    again = only(run(premium()), BranchRules.KIND).provenance.digest
    changed = only(run(premium(approvals=ok(SETTINGS, dict(SETTINGS_DATA,
                                                             approvals_before_merge=0,
                                                             require_password_to_approve=True)))),
                   BranchRules.KIND).provenance.digest
    assert first == again != changed
    assert answer_digest([{"b": 1, "a": 2}]) == answer_digest([{"a": 2, "b": 1}])


def test_a_failed_mr_read_is_a_gap_and_the_others_still_read(run: Any) -> None:
    items = run(premium(merge_requests=ok(MRS, [merge_request(3, commits=None)])))
    gap = only(items, ReviewHistory.KIND)
    assert isinstance(gap, Gap) and gap.reason is UnknownReason.API_ERROR
    assert gap.provenance.locator == endpoint(MRS)
    for kind in (BranchRules.KIND, SecurityFeatures.KIND, DeployGates.KIND, OrgRules.KIND):
        assert isinstance(only(items, kind), Evidence), kind


def test_gaps_cite_the_missing_endpoint(run: Any) -> None:
    items = run(premium(meta=meta(default_branch=None, empty=True), group=None,
                        approval_rules=broken(RULES)))
    empty, org = only(items, BranchRules.KIND), only(items, OrgRules.KIND)
    assert isinstance(empty, Gap) and empty.reason is UnknownReason.NOT_OBSERVABLE
    assert empty.provenance.locator == INVENTORY
    assert isinstance(org, Gap) and org.reason is UnknownReason.UNSUPPORTED
    assert org.provenance.locator == INVENTORY


def test_reviews_from_approvals_in_the_collector(run: Any) -> None:
    handle = premium(merge_requests=ok(MRS, [
        merge_request(5, source_branch="copilot/fix", approvals=approvals()),
        merge_request(6, source_branch="copilot/more")]))
    item = only(run(handle), ReviewHistory.KIND)
    assert isinstance(item, Evidence)
    assert item.payload == ReviewHistory(merged=2, ai_merged=2, ai_human_approved=1,
                                         ai_unapproved=(5,))


def test_developer_push_level_means_direct_pushes(run: Any) -> None:
    handle = premium(protected_branches=ok(PROTECTED, [protected_branch("main", (DEVELOPERS,))]))
    item = only(run(handle), BranchRules.KIND)
    assert isinstance(item, Evidence)
    assert item.payload.requires_pull_request is False
    assert item.payload.enforce_admins is False

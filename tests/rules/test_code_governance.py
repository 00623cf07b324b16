"""Code & Logic Governance rules, as a table: a row per answer each indicator can give."""

from __future__ import annotations

import pytest

from scanner.evidence import UnknownReason
from scanner.model import Status
from scanner.payloads import BranchRules, OrgRules
from tests.rules.builders import (
    Row,
    branch_rules,
    broken_ci,
    broken_owners,
    broken_policy,
    check,
    ci,
    deploy_gates,
    forbidden,
    job,
    org_rules,
    owners,
    params,
    policy,
    reviews,
    scan,
)

MET, UNMET, UNKNOWN = Status.MET, Status.UNMET, Status.UNKNOWN
UNSUPPORTED = UnknownReason.UNSUPPORTED
CI = ".github/workflows/ci.yml"

ROWS: list[Row] = [
    # ------------------------------------------------------------------ CLG-2a
    Row("CLG-2a", "CODEOWNERS in effect",
        lambda: scan(owners(".github/CODEOWNERS")), MET, says=(".github/CODEOWNERS",)),
    Row("CLG-2a", "PR template without CODEOWNERS",
        lambda: scan(owners(None), policy(".github/pull_request_template.md", "pr-template")),
        MET, says=("pull_request_template.md",)),
    Row("CLG-2a", "AI policy asks for human review",
        lambda: scan(owners(None), policy("AI_POLICY.md", "ai-policy", mentions_ai=True,
                                          covers_review=True)), MET),
    Row("CLG-2a", "only a security policy, no CODEOWNERS",
        lambda: scan(owners(None), policy("SECURITY.md", "security")), UNMET),
    Row("CLG-2a", "no CODEOWNERS and the contributing guide could not be read",
        lambda: scan(owners(None), broken_policy("CONTRIBUTING.md")), UNKNOWN,
        UnknownReason.UNREADABLE, says=("CONTRIBUTING.md",)),
    Row("CLG-2a", "CODEOWNERS could not be read",
        lambda: scan(broken_owners()), UNKNOWN, UnknownReason.UNREADABLE),
    # ------------------------------------------------------------------ CLG-2b
    Row("CLG-2b", "CI runs tests and a linter",
        lambda: scan(ci(CI, job("test", "pytest", "ruff"))), MET, says=("pytest", "ruff")),
    Row("CLG-2b", "checks found even though another workflow is malformed",
        lambda: scan(ci(CI, job("test", "pytest")), broken_ci()), MET),
    Row("CLG-2b", "CI only deploys",
        lambda: scan(ci(".github/workflows/deploy.yml", job("deploy", triggers=("push",)))),
        UNMET, says=("no job runs tests",)),
    Row("CLG-2b", "no CI at all", scan, UNMET, says=("no CI configuration",)),
    Row("CLG-2b", "no checks found but a workflow is malformed",
        lambda: scan(broken_ci()), UNKNOWN, UnknownReason.UNREADABLE,
        says=(".github/workflows/security.yml",)),
    # ------------------------------------------------------------------ CLG-3a
    Row("CLG-3a", "local scan: branch rules are a platform setting",
        lambda: scan(ci(CI, job("test", "pytest"))), UNKNOWN, UNSUPPORTED),
    Row("CLG-3a", "token may not read the branch rules",
        lambda: scan(forbidden(BranchRules, "/repos/acme/api/rules/branches/main")), UNKNOWN,
        UnknownReason.FORBIDDEN),
    Row("CLG-3a", "default branch requires a PR",
        lambda: scan(branch_rules(requires_pull_request=True)), MET),
    Row("CLG-3a", "default branch accepts direct pushes",
        lambda: scan(branch_rules(requires_pull_request=False, required_approvals=0)), UNMET,
        says=("direct pushes",)),
    # ------------------------------------------------------------------ CLG-3b
    Row("CLG-3b", "semgrep on pull requests",
        lambda: scan(ci(CI, job("sast", "semgrep", triggers=("pull_request",)))), MET,
        says=("semgrep",)),
    Row("CLG-3b", "scanner only on a nightly schedule",
        lambda: scan(ci(".github/workflows/nightly.yml",
                        job("secrets", "gitleaks", triggers=("schedule",)))),
        UNMET, says=("only on other events", "nightly.yml#secrets")),
    Row("CLG-3b", "CI runs tests only",
        lambda: scan(ci(CI, job("test", "pytest"))), UNMET, says=("no security scanner",)),
    Row("CLG-3b", "no scanner found but a workflow is malformed",
        lambda: scan(ci(CI, job("test", "pytest")), broken_ci()), UNKNOWN,
        UnknownReason.UNREADABLE),
    # ------------------------------------------------------------------ CLG-3c
    Row("CLG-3c", "local scan", scan, UNKNOWN, UNSUPPORTED),
    Row("CLG-3c", "two approvals required",
        lambda: scan(branch_rules(required_approvals=2)), MET, says=("2 approval",)),
    Row("CLG-3c", "PR required but no approval",
        lambda: scan(branch_rules(required_approvals=0)), UNMET),
    # ------------------------------------------------------------------ CLG-4a
    Row("CLG-4a", "local scan, even with a scanner in CI",
        lambda: scan(ci(CI, job("secrets", "gitleaks"))), UNKNOWN, UNSUPPORTED),
    Row("CLG-4a", "the scanner's check is required",
        lambda: scan(branch_rules(required_checks=("security / gitleaks", "test")),
                     ci(CI, job("security", "gitleaks"), job("test", "pytest"))),
        MET, says=("security / gitleaks",)),
    Row("CLG-4a", "only the test job is required",
        lambda: scan(branch_rules(required_checks=("test",)),
                     ci(CI, job("secrets", "gitleaks"), job("test", "pytest"))), UNMET),
    Row("CLG-4a", "protected, but no CI at all", lambda: scan(branch_rules()), UNMET),
    Row("CLG-4a", "required scanner job may fail without failing the pipeline",
        lambda: scan(branch_rules(required_checks=("security",)),
                     ci(CI, job("security", "gitleaks", allow_failure=True))), UNMET),
    Row("CLG-4a", "required check not matched, but the workflow that may define it is broken",
        lambda: scan(branch_rules(required_checks=("sast",)), ci(CI, job("test", "pytest")),
                     broken_ci()), UNKNOWN, UnknownReason.UNREADABLE),
    # ------------------------------------------------------------------ CLG-4b
    Row("CLG-4b", "local scan", lambda: scan(owners()), UNKNOWN, UNSUPPORTED),
    Row("CLG-4b", "owner review and stale-approval dismissal",
        lambda: scan(branch_rules(code_owner_review=True, dismiss_stale_approvals=True),
                     owners()), MET, says=(".github/CODEOWNERS",)),
    Row("CLG-4b", "owner review required but no CODEOWNERS file names owners",
        lambda: scan(branch_rules(code_owner_review=True, dismiss_stale_approvals=True),
                     owners(None)), UNMET, says=("no CODEOWNERS file",)),
    Row("CLG-4b", "owner review required and CODEOWNERS unreadable",
        lambda: scan(branch_rules(code_owner_review=True, dismiss_stale_approvals=True),
                     broken_owners()), UNKNOWN, UnknownReason.UNREADABLE),
    Row("CLG-4b", "owner review without stale-approval dismissal",
        lambda: scan(branch_rules(code_owner_review=True)), UNMET,
        says=("stale approval dismissal",)),
    Row("CLG-4b", "neither", lambda: scan(branch_rules()), UNMET,
        says=("code owner review", "stale approval dismissal")),
    # ------------------------------------------------------------------ CLG-4c
    Row("CLG-4c", "local scan", scan, UNKNOWN, UNSUPPORTED),
    Row("CLG-4c", "no merged AI-attributed PR in the window",
        lambda: scan(reviews(merged=30, ai_merged=0, ai_human_approved=0)), UNKNOWN,
        UnknownReason.NOT_OBSERVABLE),
    Row("CLG-4c", "19 of 20 AI PRs approved by a human (95 %)",
        lambda: scan(reviews(merged=40, ai_merged=20, ai_human_approved=19)), MET,
        says=("19 of 20", "95%")),
    Row("CLG-4c", "18 of 20 AI PRs approved by a human (90 %)",
        lambda: scan(reviews(merged=40, ai_merged=20, ai_human_approved=18)), UNMET,
        says=("18 of 20", "90%")),
    # ------------------------------------------------------------------ CLG-4d
    Row("CLG-4d", "local scan", scan, UNKNOWN, UNSUPPORTED),
    Row("CLG-4d", "enforced for admins, only a bot may bypass",
        lambda: scan(branch_rules(enforce_admins=True, bypass_actors=("dependabot[bot]",))),
        MET),
    Row("CLG-4d", "not enforced for admins",
        lambda: scan(branch_rules(enforce_admins=False)), UNMET,
        says=("not enforced for administrators",)),
    Row("CLG-4d", "a human team may bypass",
        lambda: scan(branch_rules(enforce_admins=True,
                                  bypass_actors=("Team:release-managers", "renovate[bot]"))),
        UNMET, says=("Team:release-managers",)),
    # ------------------------------------------------------------------ CLG-5a
    Row("CLG-5a", "local scan", scan, UNKNOWN, UNSUPPORTED),
    Row("CLG-5a", "token may not read organisation rules",
        lambda: scan(forbidden(OrgRules)), UNKNOWN, UnknownReason.FORBIDDEN),
    Row("CLG-5a", "organisation ruleset",
        lambda: scan(org_rules(rulesets=("protect-default-branch",))), MET),
    Row("CLG-5a", "organisation required workflow",
        lambda: scan(org_rules(required_workflows=("acme/.github/security.yml",))), MET),
    Row("CLG-5a", "branch rules come from the organisation",
        lambda: scan(org_rules(), branch_rules(org_level=True)), MET),
    Row("CLG-5a", "only repository-level rules",
        lambda: scan(org_rules(), branch_rules(org_level=False)), UNMET),
    Row("CLG-5a", "branch rules show organisation origin, organisation API forbidden",
        lambda: scan(forbidden(OrgRules), branch_rules(org_level=True)), MET),
    # ------------------------------------------------------------------ CLG-5b
    Row("CLG-5b", "local scan", scan, UNKNOWN, UNSUPPORTED),
    Row("CLG-5b", "production requires reviewers",
        lambda: scan(deploy_gates(("staging", "production"), ("production",))), MET,
        says=("production",)),
    Row("CLG-5b", "environments without reviewers",
        lambda: scan(deploy_gates(("staging", "production"), ())), UNMET),
]


@pytest.mark.parametrize("row", params(ROWS))
def test_code_governance(row: Row) -> None:
    check(row)

"""GitLab branch rule parsers on GitLab's REST shapes (protected branches, approval rules).

Shapes follow GitLab's API documentation (``doc/api/protected_branches.md``,
``doc/api/merge_request_approvals.md``); rows change one thing each. The decisions over a
whole :class:`ProjectHandle` (roles, plans, failures) are in ``test_gitlab_platform.py``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from collectors.gitlab_branch_rules import (
    UNPROTECTED,
    Protection,
    matches,
    parse_protection,
    required_approvals,
)

NO_ONE, DEVELOPERS, MAINTAINERS, ADMINS = 0, 30, 40, 60
_DESCRIPTIONS = {NO_ONE: "No one", DEVELOPERS: "Developers + Maintainers",
                 MAINTAINERS: "Maintainers", ADMINS: "Administrators"}


def level(access: int, description: str | None = None, **ids: int) -> dict[str, Any]:
    """One ``*_access_levels`` entry: a role, or a user/group/deploy key allowance."""
    entry: dict[str, Any] = {"id": 1, "access_level": access,
                             "access_level_description": description or _DESCRIPTIONS[access],
                             "user_id": None, "group_id": None, "deploy_key_id": None}
    entry.update(ids)
    return entry


def protected_branch(name: str, push: tuple[int, ...] = (MAINTAINERS,),
                     merge: tuple[int, ...] = (MAINTAINERS,), *,
                     allowances: tuple[dict[str, Any], ...] = (), force: bool = False,
                     code_owners: bool = False, inherited: bool | None = None) -> dict[str, Any]:
    """A ``ProtectedBranch`` as ``GET /projects/:id/protected_branches`` lists it."""
    entry: dict[str, Any] = {
        "id": 1, "name": name, "push_access_levels": [level(p) for p in push] + list(allowances),
        "merge_access_levels": [level(m) for m in merge],
        "unprotect_access_levels": [level(MAINTAINERS)],
        "allow_force_push": force, "code_owner_approval_required": code_owners}
    if inherited is not None:
        entry["inherited"] = inherited
    return entry


def approval_rule(name: str, rule_type: str, required: int, branches: tuple[str, ...] = (), *,
                  all_protected: bool = False) -> dict[str, Any]:
    """An ``ApprovalRule`` as ``GET /projects/:id/approval_rules`` lists it."""
    return {"id": 1, "name": name, "rule_type": rule_type, "eligible_approvers": [],
            "approvals_required": required, "users": [], "groups": [],
            "contains_hidden_groups": False,
            "protected_branches": [protected_branch(b) for b in branches],
            "applies_to_all_protected_branches": all_protected}


@pytest.mark.parametrize(("name", "branch", "expected"), [
    ("main", "main", True),
    ("main", "main2", False),
    ("Main", "main", False),            # case counts
    ("*", "main", True),
    ("release/*", "main", False),
    ("release/*", "release/1.0", True),
    ("release/*", "release/a/b", True),  # `*` crosses `/`
    ("*-stable", "16-0-stable", True),
    ("ma?n", "main", False),            # only `*` is special
    ("ma[i]n", "main", False),
    ("v1.*", "v1x2", False),            # `.` is literal
])
def test_matches(name: str, branch: str, expected: bool) -> None:
    assert matches(name, branch) is expected


USER_42 = level(MAINTAINERS, "Jane Doe", user_id=42)
DEPLOY_KEY_9 = level(MAINTAINERS, "release key", deploy_key_id=9)
GROUP_5 = level(MAINTAINERS, "release-managers", group_id=5)
PR_ONLY = Protection(protected=True, requires_pull_request=True, enforce_admins=True,
                     code_owner_review=False, org_level=False, bypass_actors=(),
                     sources=("protected-branch:main",))
DIRECT_PUSH = replace(PR_ONLY, requires_pull_request=False, enforce_admins=False)

PROTECTION_ROWS: dict[str, tuple[list[Any], list[Any], Protection]] = {
    "nothing protected": ([], [], UNPROTECTED),
    "exact name, push No one": ([protected_branch("main", (NO_ONE,))], [], PR_ONLY),
    "exact name, push Maintainers": ([protected_branch("main")], [], DIRECT_PUSH),
    "exact name, push Developers": ([protected_branch("main", (DEVELOPERS,))], [], DIRECT_PUSH),
    "wildcard * matches main": (
        [protected_branch("*", (NO_ONE,))], [], replace(PR_ONLY, sources=("protected-branch:*",))),
    "release/* does not match main": ([protected_branch("release/*", (NO_ONE,))], [],
                                      UNPROTECTED),
    "push No one, a user, a group and a deploy key may push": (
        [protected_branch("main", (NO_ONE,), allowances=(USER_42, DEPLOY_KEY_9, GROUP_5))], [],
        replace(PR_ONLY, bypass_actors=("deploy-key:9[bot]", "group:5", "user:42"))),
    "force push allowed": ([protected_branch("main", (NO_ONE,), force=True)], [],
                           replace(PR_ONLY, enforce_admins=False)),
    "code owner approval required": ([protected_branch("main", (NO_ONE,), code_owners=True)], [],
                                     replace(PR_ONLY, code_owner_review=True)),
    "group protected branch": (
        [], [protected_branch("main", (NO_ONE,))],
        replace(PR_ONLY, org_level=True, sources=("group-protected-branch:main",))),
    "project entry inherited from the group": (
        [protected_branch("main", (NO_ONE,), inherited=True)], [],
        replace(PR_ONLY, org_level=True, sources=("group-protected-branch:main",))),
    "matching entries add up: the most permissive push wins": (
        [protected_branch("main", (NO_ONE,))], [protected_branch("*", (MAINTAINERS,))],
        replace(DIRECT_PUSH, org_level=True,
                sources=("group-protected-branch:*", "protected-branch:main"))),
    "a non-matching group entry changes nothing": (
        [protected_branch("main", (NO_ONE,))], [protected_branch("release/*", (MAINTAINERS,))],
        PR_ONLY),
}


@pytest.mark.parametrize("name", list(PROTECTION_ROWS))
def test_parse_protection(name: str) -> None:
    project, group, expected = PROTECTION_ROWS[name]
    assert parse_protection("main", project, group) == expected


APPROVAL_ROWS: dict[str, tuple[list[Any], bool, Any, tuple[int, tuple[str, ...]]]] = {
    # rules, branch protected, project approval settings, (count, rule names)
    "no rules": ([], True, None, (0, ())),
    "any approver, all branches": ([approval_rule("All Members", "any_approver", 1)], False,
                                   None, (1, ("All Members",))),
    "placeholder rule requiring nobody": ([approval_rule("All Members", "any_approver", 0)],
                                          True, None, (0, ())),
    "all protected branches, branch protected": (
        [approval_rule("Security", "regular", 2, all_protected=True)], True, None,
        (2, ("Security",))),
    "all protected branches, branch not protected": (
        [approval_rule("Security", "regular", 2, all_protected=True)], False, None, (0, ())),
    "named branch matches": ([approval_rule("Leads", "regular", 3, ("main",))], True, None,
                             (3, ("Leads",))),
    "named wildcard matches": ([approval_rule("Leads", "regular", 3, ("*",))], True, None,
                               (3, ("Leads",))),
    "named branch is another one": ([approval_rule("Leads", "regular", 3, ("release/*",))],
                                    True, None, (0, ())),
    "report and code owner rules do not count": (
        [approval_rule("Coverage-Check", "report_approver", 5),
         approval_rule("Owners", "code_owner", 4)], True, None, (0, ())),
    "the largest applying rule wins": (
        [approval_rule("A", "any_approver", 1), approval_rule("B", "regular", 2),
         approval_rule("C", "regular", 4, ("release/*",))], True, None, (2, ("A", "B"))),
    "deprecated approvals_before_merge still counts": (
        [approval_rule("A", "any_approver", 1)], True,
        {"approvals_before_merge": 3, "reset_approvals_on_push": True}, (3, ("A",))),
}


@pytest.mark.parametrize("name", list(APPROVAL_ROWS))
def test_required_approvals(name: str) -> None:
    rules, protected, settings, expected = APPROVAL_ROWS[name]
    assert required_approvals("main", protected, rules, settings) == expected

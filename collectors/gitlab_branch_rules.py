"""Branch rules of a GitLab default branch: protection, approvals and push rules as one payload.

Up to five answers of the :class:`~collectors.sources.gitlab_types.ProjectHandle` combine
(platform-apis.md §4.1-4.3):

* who may push and merge: the project's protected branches (Maintainers; wildcards such as
  ``release/*`` matched here, inherited group entries included) and the group's, or for
  other roles only the branch's ``protected`` flag;
* the approval rules (Developers) and approval settings (Maintainers) of merge requests;
* the project push rule (signed commits, file name restrictions).

Each answer is read, not available on the plan (an observed absence, named in
``unavailable``), not permitted to this token's role, or failed. A payload is built only
where the visible answers decide it honestly; otherwise a :class:`Refusal` says why not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collectors.sources.api_types import Fetched
from collectors.sources.gitlab_types import ProjectHandle, role_name
from collectors.sources.json_shapes import mapping, objects
from scanner.evidence import UnknownReason
from scanner.payloads import BranchRules

#: Push access levels that let a role push (Developers, Maintainers, Administrators).
_PUSHING_ROLES = frozenset({30, 40, 60})
#: Approval rule types that require approvals on every merge request they apply to.
_APPROVING_RULES = frozenset({"regular", "any_approver"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a payload cannot be built from the answers: a gap's reason, detail and endpoint."""

    reason: UnknownReason
    detail: str
    endpoint: str


@dataclass(frozen=True, slots=True)
class Protection:
    """What the protected branches matching one branch require."""

    protected: bool
    requires_pull_request: bool
    enforce_admins: bool
    code_owner_review: bool
    org_level: bool
    bypass_actors: tuple[str, ...]
    sources: tuple[str, ...]


UNPROTECTED = Protection(protected=False, requires_pull_request=False, enforce_admins=False,
                         code_owner_review=False, org_level=False, bypass_actors=(), sources=())


# --------------------------------------------------------------------------- answer states
# Shared with :mod:`collectors.gitlab_platform`: what one Fetched answer means (gitlab_types).


def not_permitted(fetched: Fetched) -> bool:
    """This token's role may not read it (it was never requested)."""
    return fetched.error is not None and fetched.error.reason is UnknownReason.NOT_PERMITTED


def unavailable_on_plan(fetched: Fetched) -> bool:
    """The feature is not offered on this GitLab plan: an observed absence."""
    return fetched.error is not None and fetched.error.unavailable


def failed(fetched: Fetched) -> Refusal | None:
    """A read that failed (neither an absence on this plan nor a role limit)."""
    if fetched.ok or unavailable_on_plan(fetched) or not_permitted(fetched):
        return None
    return refused(fetched)


def refused(fetched: Fetched, detail: str | None = None) -> Refusal:
    """The gap for an answer that is missing, with the client's reason and endpoint."""
    error = fetched.error
    reason = error.reason if error else UnknownReason.API_ERROR
    endpoint = (error.endpoint if error else "") or fetched.endpoint
    return Refusal(reason, detail or (error.detail if error else "no answer"), endpoint)


def absence_note(what: str, fetched: Fetched) -> str:
    """Why a feature is absent, in GitLab's terms (for a payload's ``unavailable``).

    An absence the client inferred from another endpoint's answer (no status of its own)
    quotes the client's words, which name that answer.
    """
    error = fetched.error
    if error is None or error.status is None:
        return f"{what}: {error.detail if error else 'not available on this GitLab plan'}"
    endpoint = error.endpoint or fetched.endpoint
    return (f"{what} are not available on this GitLab plan ({endpoint} answered "
            f"{error.status})")


def listed(fetched: Fetched) -> list[Any]:
    """The answer's list (empty when it is not one, or was not read)."""
    return fetched.data if fetched.ok and isinstance(fetched.data, list) else []


# --------------------------------------------------------------------------- parsers


def matches(name: str, branch: str) -> bool:
    """GitLab's protected-branch matching: ``*`` stands for any characters, ``/`` included;
    nothing else is special, and case counts."""
    pattern = ".*".join(re.escape(part) for part in name.split("*"))
    return re.fullmatch(pattern, branch, re.S) is not None


def parse_protection(branch: str, project: Sequence[Any], group: Sequence[Any]) -> Protection:
    """Protection of ``branch`` from the project's and the group's ``ProtectedBranch`` lists.

    Matching entries add up, as in GitLab: any role allowed to push through any of them
    can push. A project entry with ``inherited: true`` comes from the group.
    """
    found = [(entry, entry.get("inherited") is True) for entry in objects(list(project))]
    found += [(entry, True) for entry in objects(list(group))]
    matching = [(entry, from_group) for entry, from_group in found
                if matches(str(entry.get("name") or ""), branch)]
    if not matching:
        return UNPROTECTED
    levels = [level for entry, _ in matching for level in objects(entry.get("push_access_levels"))]
    roles = {level.get("access_level") for level in levels if not _individual(level)}
    role_pushes = any(isinstance(role, int) and role > 0 for role in roles)
    return Protection(
        protected=True,
        requires_pull_request=not role_pushes,
        enforce_admins=(not roles & _PUSHING_ROLES
                        and not any(entry.get("allow_force_push") is True
                                    for entry, _ in matching)),
        code_owner_review=any(entry.get("code_owner_approval_required") is True
                              for entry, _ in matching),
        org_level=any(from_group for _, from_group in matching),
        bypass_actors=tuple(sorted({actor for level in levels if (actor := _individual(level))})),
        sources=tuple(sorted({_source(entry, from_group) for entry, from_group in matching})))


def required_approvals(branch: str, protected: bool, rules: Sequence[Any],
                       approvals: Mapping[str, Any] | None) -> tuple[int, tuple[str, ...]]:
    """Most approvals an MR into ``branch`` needs, and the names of the rules requiring any.

    A rule applies when it covers all protected branches (and this one is protected), names
    no branch (it applies to all), or names a protected branch matching this one. The
    deprecated project setting ``approvals_before_merge`` still counts where set.
    """
    most = _count(mapping(approvals).get("approvals_before_merge"))
    names: set[str] = set()
    for rule in objects(list(rules)):
        if rule.get("rule_type") not in _APPROVING_RULES or not _applies(rule, branch, protected):
            continue
        required = _count(rule.get("approvals_required"))
        if required:
            names.add(str(rule.get("name") or rule.get("id")))
            most = max(most, required)
    return most, tuple(sorted(names))


def read_branch_rules(handle: ProjectHandle) -> BranchRules | Refusal:
    """BranchRules of the default branch from the handle's answers, or why it cannot be told."""
    meta = handle.meta
    branch = meta.default_branch
    if not branch:
        return Refusal(UnknownReason.NOT_OBSERVABLE, "empty repository: no default branch",
                       meta.raw_endpoint)
    role = role_name(meta.access_level)
    protection = _protection(handle, branch, role)
    if isinstance(protection, Refusal):
        return protection
    failure = next(filter(None, (failed(handle.approval_rules), failed(handle.approvals),
                                 failed(handle.push_rule))), None)
    if failure is not None:
        return failure
    if not_permitted(handle.approval_rules):
        return refused(handle.approval_rules,
                       f"merge request approval rules need Developer; this token is {role}")
    notes = [absence_note(what, fetched) for what, fetched in (
        ("protected branches", handle.protected_branches),
        ("merge request approval rules", handle.approval_rules),
        ("merge request approval settings", handle.approvals),
        ("push rules", handle.push_rule)) if unavailable_on_plan(fetched)]
    approvals = mapping(handle.approvals.data) if handle.approvals.ok else None
    count, rule_names = required_approvals(branch, protection.protected,
                                           listed(handle.approval_rules), approvals)
    push_rule = mapping(handle.push_rule.data) if handle.push_rule.ok else {}
    regex = push_rule.get("file_name_regex")
    return BranchRules(
        branch=branch, requires_pull_request=protection.requires_pull_request,
        required_approvals=count, code_owner_review=protection.code_owner_review,
        dismiss_stale_approvals=(None if not_permitted(handle.approvals) else
                                 approvals is not None
                                 and approvals.get("reset_approvals_on_push") is True),
        required_checks=(), enforce_admins=protection.enforce_admins,
        bypass_actors=protection.bypass_actors,
        signed_commits=(None if not_permitted(handle.push_rule) else
                        push_rule.get("reject_unsigned_commits") is True),
        protected_paths=(f"push rule file_name_regex: {regex}",) if regex else (),
        org_level=protection.org_level,
        sources=tuple(sorted({*protection.sources, *(f"approval-rule:{n}" for n in rule_names),
                              *(("push-rule",) if push_rule else ())})),
        unavailable="; ".join(notes) or None, pipeline_must_succeed=meta.pipeline_must_succeed)


def _protection(handle: ProjectHandle, branch: str, role: str) -> Protection | Refusal:
    """The Maintainer's view (protected branches) or, for other roles, the branch's flag."""
    project = handle.protected_branches
    if project.ok or unavailable_on_plan(project):
        group = handle.group.protected_branches if handle.group else None
        return parse_protection(branch, listed(project), listed(group) if group else [])
    if not not_permitted(project):
        return refused(project)
    view = handle.branch
    if not view.ok:
        return refused(view)
    data = mapping(view.data)
    if data.get("protected") is False:
        return UNPROTECTED
    if data.get("protected") is not True:
        return Refusal(UnknownReason.API_ERROR, f"GitLab sent no protected flag for {branch}",
                       view.endpoint)
    return refused(project, (
        f"{branch} is protected (developers_can_push: {_flag(data, 'developers_can_push')}, "
        f"developers_can_merge: {_flag(data, 'developers_can_merge')}); its push, merge and "
        f"code owner settings are visible to Maintainers only; this token is {role}"))


def _source(entry: Mapping[str, Any], from_group: bool) -> str:
    return f"{'group-' if from_group else ''}protected-branch:{entry.get('name')}"


def _individual(level: Mapping[str, Any]) -> str | None:
    """An access level granted to one user, group or deploy key (a bypass actor)."""
    if level.get("user_id") is not None:
        return f"user:{level['user_id']}"
    if level.get("group_id") is not None:
        return f"group:{level['group_id']}"
    if level.get("deploy_key_id") is not None:
        return f"deploy-key:{level['deploy_key_id']}[bot]"
    return None


def _applies(rule: Mapping[str, Any], branch: str, protected: bool) -> bool:
    if rule.get("applies_to_all_protected_branches") is True:
        return protected
    named = objects(rule.get("protected_branches"))
    return not named or any(matches(str(b.get("name") or ""), branch) for b in named)


def _flag(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value).lower() if isinstance(value, bool) else "unknown"


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0

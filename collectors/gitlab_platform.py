"""GitLab platform collectors: what only GitLab's API can tell about a project.

Each collector reads the :class:`~collectors.sources.gitlab_types.ProjectHandle` that the
GitLab source carries as ``ctx.source.platform`` (a local or GitHub scan has none, and these
collectors then yield nothing). The handle holds every answer already read, so the
collectors only parse; each ``read_*`` function is pure over the handle and returns a
payload or a :class:`~collectors.gitlab_branch_rules.Refusal` saying why there is none.

What one answer means (gitlab_types): read; not available on this plan (an observed
absence, said in the payload's ``unavailable`` where it has one); not permitted to this
token's role (a ``not-permitted`` gap naming the role needed, unless the visible answers
decide the payload); or failed (a gap with the client's reason and the endpoint).
Evidence records the endpoints read, in reading order, as locator and a hash of the
answers used as digest (GitLab sends no ETags), so that two runs can be compared.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from collectors.attribution import Matcher
from collectors.base import Collector, Context
from collectors.gitlab_branch_rules import (
    Refusal,
    absence_note,
    failed,
    listed,
    not_permitted,
    read_branch_rules,
    refused,
    unavailable_on_plan,
)
from collectors.gitlab_reviews import parse_reviews, unread
from collectors.sources.api_types import Fetched
from collectors.sources.gitlab_types import ProjectHandle, role_name
from collectors.sources.json_shapes import mapping, objects
from scanner.evidence import Item, UnknownReason, kind_of, make_evidence, make_gap
from scanner.payloads import BranchRules, DeployGates, OrgRules, ReviewHistory, SecurityFeatures

#: How GitLab refuses group settings to a role that may not read them.
_ROLE_LIMITS = frozenset({UnknownReason.NOT_PERMITTED, UnknownReason.FORBIDDEN,
                          UnknownReason.NOT_FOUND_OR_HIDDEN})

# --------------------------------------------------------------------------- parsers


def parse_security(push_rule: Mapping[str, Any] | None, *, push_rules_offered: bool,
                   secret_push_protection: bool | None, maintainer: bool) -> SecurityFeatures:
    """Push protection from the project push rule and Ultimate's secret push protection.

    Secrets are blocked at push when either is on. Both are off when neither is: a plan
    without push rules (Free) has no secret push protection (Ultimate) either, and GitLab
    sends ``secret_push_protection_enabled`` to Maintainers wherever the plan offers it
    [verify], so its absence from a Maintainer's listing means "not offered". GitLab's
    scanners are CI jobs, read by the CI collector, so the other features stay None.
    """
    if mapping(push_rule).get("prevent_secrets") is True or secret_push_protection is True:
        blocked: bool | None = True
    elif secret_push_protection is False or (secret_push_protection is None
                                             and (not push_rules_offered or maintainer)):
        blocked = False
    else:
        blocked = None  # secret push protection not visible to this role
    return SecurityFeatures(secret_scanning=None, push_protection=blocked, dependabot=None,
                            code_scanning=None)


def parse_deploy_gates(environments: Sequence[Any]) -> DeployGates:
    """Protected environments (sorted names) and those that need an approval to deploy."""
    found = [env for env in objects(list(environments)) if env.get("name")]
    gated = {str(env["name"]) for env in found
             if _count(env.get("required_approval_count")) > 0
             or any(_count(rule.get("required_approvals")) > 0
                    for rule in objects(env.get("approval_rules")))}
    return DeployGates(environments=tuple(sorted({str(env["name"]) for env in found})),
                       gated=tuple(sorted(gated)))


def parse_org_rules(protected_branches: Sequence[Any], push_rule: Mapping[str, Any] | None, *,
                    push_rule_visible: bool = True) -> OrgRules:
    """Group protected branches and the group push rule's file name restriction (None when
    the push rule is not visible to this token)."""
    names = {f"group-protected-branch:{entry['name']}"
             for entry in objects(list(protected_branches)) if entry.get("name")}
    regex = mapping(push_rule).get("file_name_regex")
    paths = (f"push rule file_name_regex: {regex}",) if regex else ()
    return OrgRules(rulesets=tuple(sorted(names)), required_workflows=(),
                    path_restrictions=paths if push_rule_visible else None,
                    default_token_read_only=None)


# --------------------------------------------------------------------------- decisions


def read_security(handle: ProjectHandle) -> SecurityFeatures | Refusal:
    """SecurityFeatures, or why push protection cannot be told."""
    rule, enabled = handle.push_rule, handle.meta.secret_push_protection
    if enabled is not True and not_permitted(rule):
        return refused(rule, f"push rules are visible to Maintainers only; this token is "
                             f"{role_name(handle.meta.access_level)}")
    failure = failed(rule)
    if enabled is not True and failure is not None:
        return failure
    return parse_security(mapping(rule.data) if rule.ok else None,
                          push_rules_offered=not unavailable_on_plan(rule),
                          secret_push_protection=enabled,
                          maintainer=handle.meta.maintainer)


def read_reviews(handle: ProjectHandle, matcher: Matcher) -> ReviewHistory | Refusal:
    """ReviewHistory, or why it cannot be told (a share over unread MRs proves nothing)."""
    answer = handle.merge_requests
    if not answer.ok:
        return refused(answer)
    missing = unread(listed(answer))
    if missing:
        iids = ", ".join(f"!{iid}" for iid in missing)
        return Refusal(UnknownReason.API_ERROR,
                       f"the commits or approvals of merge request {iids} could not be read",
                       answer.endpoint)
    return parse_reviews(listed(answer), matcher, complete=handle.merge_requests_complete)


def read_deploy_gates(handle: ProjectHandle) -> DeployGates | Refusal:
    """DeployGates from the protected environments, or why they cannot be seen."""
    answer = handle.protected_environments
    if unavailable_on_plan(answer):
        return DeployGates(environments=(), gated=(),
                           unavailable=absence_note("protected environments", answer))
    if not_permitted(answer):
        return refused(answer, f"protected environments are visible to Maintainers only; "
                               f"this token is {role_name(handle.meta.access_level)}")
    return failed(answer) or parse_deploy_gates(listed(answer))


def read_org_rules(handle: ProjectHandle) -> OrgRules | Refusal:
    """OrgRules from the group's protected branches and push rule, or why not."""
    group = handle.group
    if group is None:
        return Refusal(UnknownReason.UNSUPPORTED, "project outside a group",
                       handle.meta.raw_endpoint)
    protected, push_rule = group.protected_branches, group.push_rule
    # On a plan without group protected branches there is no group push rule either (both
    # Premium): a role too low to read one of them then hides nothing.
    plan_lacks = unavailable_on_plan(protected) or unavailable_on_plan(push_rule)
    error = protected.error
    if (error is not None and not error.unavailable and error.reason in _ROLE_LIMITS
            and not plan_lacks):
        # The group was listed, so a 403/404 here is the token's role in the group.
        said = (f"GitLab answered {error.status}: {error.detail}" if error.status
                else error.detail)
        return Refusal(UnknownReason.NOT_PERMITTED, "group protected branches need a group "
                       f"Owner's or Maintainer's token ({said})", error.endpoint)
    failure = failed(protected) or (None if not_permitted(push_rule) else failed(push_rule))
    if failure is not None:
        return failure
    # The group push rule is for Owners: hidden, its file name rule is unknown, not absent.
    hidden = not plan_lacks and not_permitted(push_rule)
    return parse_org_rules(listed(protected),
                           mapping(push_rule.data) if push_rule.ok else None,
                           push_rule_visible=not hidden)


# --------------------------------------------------------------------------- readers


def _handle(ctx: Context) -> ProjectHandle | None:
    platform = getattr(ctx.source, "platform", None)
    return platform if isinstance(platform, ProjectHandle) else None


def answer_digest(values: Sequence[Any]) -> str:
    """``sha256:`` and 16 hex digits over the answers used, to compare two runs' answers."""
    text = json.dumps(list(values), sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _emit(ctx: Context, handle: ProjectHandle, collector: Collector, result: Any,
          answers: Sequence[Fetched | None], *, project: Mapping[str, Any] | None = None
          ) -> Item:
    """Evidence citing the answers used (and the inventory, for ``project`` fields), or the
    gap of a :class:`Refusal`, citing the endpoint whose answer was missing."""
    inventory = handle.meta.raw_endpoint
    if isinstance(result, Refusal):
        return make_gap(kind_of(collector.kinds[0]), result.reason, result.detail,
                        ctx.provenance(collector.label, result.endpoint or inventory, None))
    # Unread answers (no endpoint) and refused ones were not used; plan absences were.
    used = [a for a in answers
            if a is not None and a.endpoint and (a.ok or unavailable_on_plan(a))]
    endpoints = ([inventory] if project is not None else []) + [a.endpoint for a in used]
    values = ([dict(project)] if project is not None else []) + [
        a.data if a.ok else {"status": a.error.status if a.error else None} for a in used]
    locator = " + ".join(endpoints) or inventory
    return make_evidence(result, ctx.provenance(collector.label, locator,
                                                answer_digest(values)))


def run_branch_rules(ctx: Context) -> Iterator[Item]:
    """Rules in effect on the default branch, or a gap saying why they cannot be seen."""
    handle = _handle(ctx)
    if handle is None:
        return
    # The group's protected branches count only in the Maintainer's view of protection.
    group = (handle.group.protected_branches
             if handle.group and not not_permitted(handle.protected_branches) else None)
    pipeline = {"only_allow_merge_if_pipeline_succeeds": handle.meta.pipeline_must_succeed}
    yield _emit(ctx, handle, BRANCH_RULES, read_branch_rules(handle),
                (group, handle.branch, handle.protected_branches, handle.approval_rules,
                 handle.approvals, handle.push_rule), project=pipeline)


def run_security(ctx: Context) -> Iterator[Item]:
    """Whether secrets are blocked at push (push rule or secret push protection)."""
    handle = _handle(ctx)
    if handle is None:
        return
    yield _emit(ctx, handle, SECURITY, read_security(handle), (handle.push_rule,),
                project={"secret_push_protection_enabled": handle.meta.secret_push_protection})


def run_reviews(ctx: Context) -> Iterator[Item]:
    """Merged MRs of the window with their AI attribution and human approvals."""
    handle = _handle(ctx)
    if handle is None:
        return
    try:
        result = read_reviews(handle, Matcher(ctx.catalog.signatures))
    except (OSError, subprocess.CalledProcessError) as exc:
        result = Refusal(UnknownReason.COLLECTOR_ERROR,
                         f"git interpret-trailers failed: {exc}", handle.merge_requests.endpoint)
    yield _emit(ctx, handle, REVIEWS, result, (handle.merge_requests,))


def run_deploy_gates(ctx: Context) -> Iterator[Item]:
    """Protected environments and which of them require an approval."""
    handle = _handle(ctx)
    if handle is None:
        return
    yield _emit(ctx, handle, DEPLOY_GATES, read_deploy_gates(handle),
                (handle.protected_environments,))


def run_org_rules(ctx: Context) -> Iterator[Item]:
    """Group protected branches and push rule (a gap for a project outside a group)."""
    handle = _handle(ctx)
    if handle is None:
        return
    group = handle.group
    answers = (group.protected_branches, group.push_rule) if group else ()
    yield _emit(ctx, handle, ORG_RULES, read_org_rules(handle), answers)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


BRANCH_RULES = Collector(name="gitlab-branch-rules", version=1, kinds=(BranchRules,),
                         run=run_branch_rules)
SECURITY = Collector(name="gitlab-security", version=1, kinds=(SecurityFeatures,),
                     run=run_security)
REVIEWS = Collector(name="gitlab-reviews", version=1, kinds=(ReviewHistory,), run=run_reviews)
DEPLOY_GATES = Collector(name="gitlab-deploy-gates", version=1, kinds=(DeployGates,),
                         run=run_deploy_gates)
ORG_RULES = Collector(name="gitlab-org-rules", version=1, kinds=(OrgRules,), run=run_org_rules)

#: The platform collectors of a GitLab scan, in order.
GITLAB: tuple[Collector, ...] = (BRANCH_RULES, SECURITY, REVIEWS, DEPLOY_GATES, ORG_RULES)

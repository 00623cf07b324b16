"""Branch rules of a GitHub default branch: rulesets and classic protection as one payload.

Three answers are combined (platform-apis.md §1):

* the REST *effective rules* of the branch (``GET /repos/{o}/{r}/rules/branches/{b}``):
  every **active** ruleset rule, repository or organisation level, matched by GitHub
  itself; evaluate-mode and disabled rulesets are not in it;
* classic branch protection from the GraphQL state: ``branchProtectionRule`` for admins
  (with admin enforcement and PR bypass allowances), ``refUpdateRule`` for everyone else;
* for admins, the repository's rulesets from the GraphQL state, whose bypass actors say
  whether the ruleset rules bind administrators.

Where a fact is visible to admins only, ``enforce_admins`` is None rather than a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from collectors.sources.json_shapes import mapping, nodes, objects
from scanner.payloads import BranchRules


@dataclass(slots=True)
class _Found:
    """What the rules seen so far require (each source can only add requirements)."""

    requires_pull_request: bool = False
    required_approvals: int = 0
    code_owner_review: bool = False
    dismiss_stale_approvals: bool | None = False
    signed_commits: bool = False
    org_level: bool = False
    checks: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    bypass: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    binds_admins: list[bool | None] = field(default_factory=list)
    """Per rule source: rules bind administrators (None: not visible to this token)."""

    def reviews(self, approvals: Any, code_owners: Any, dismiss_stale: Any) -> None:
        self.requires_pull_request = True
        self.required_approvals = max(self.required_approvals, _count(approvals))
        self.code_owner_review |= code_owners is True
        if dismiss_stale is True:
            self.dismiss_stale_approvals = True
        elif dismiss_stale is None and self.dismiss_stale_approvals is False:
            self.dismiss_stale_approvals = None  # this source's setting is not visible

    def payload(self, branch: str) -> BranchRules:
        return BranchRules(
            branch=branch, requires_pull_request=self.requires_pull_request,
            required_approvals=self.required_approvals,
            code_owner_review=self.code_owner_review,
            dismiss_stale_approvals=self.dismiss_stale_approvals,
            required_checks=tuple(sorted(self.checks)), enforce_admins=_all(self.binds_admins),
            bypass_actors=tuple(sorted(self.bypass)), signed_commits=self.signed_commits,
            protected_paths=tuple(sorted(self.paths)), org_level=self.org_level,
            sources=tuple(sorted(self.sources)))


def parse_branch_rules(branch: str, effective: Sequence[Any], ref: Mapping[str, Any] | None,
                       rulesets: Sequence[Mapping[str, Any]] | None) -> BranchRules:
    """Combine effective rules, classic protection and (admin) rulesets into BranchRules.

    ``effective`` is the effective-rules list; ``ref`` the state's ``defaultBranchRef``;
    ``rulesets`` the state's ruleset nodes, or None when the caller is not an admin.
    """
    found = _Found()
    _add_classic(found, mapping(ref))
    by_ruleset: dict[Any, list[Mapping[str, Any]]] = {}
    for item in objects(list(effective)):
        by_ruleset.setdefault(item.get("ruleset_id"), []).append(item)
    known = {node.get("databaseId"): node for node in rulesets or ()}
    for ruleset_id, items in by_ruleset.items():
        for item in items:
            _add_rule(found, item)
        organisation = items[0].get("ruleset_source_type") not in (None, "Repository")
        found.org_level |= organisation
        node = known.get(ruleset_id)
        name = str(node.get("name")) if node and node.get("name") else f"#{ruleset_id}"
        found.sources.add(f"{'org-ruleset' if organisation else 'ruleset'}:{name}")
        found.binds_admins.append(_ruleset_binds_admins(found, node, rulesets is not None))
    return found.payload(branch)


def unavailable_rules(branch: str, why: str) -> BranchRules:
    """No rules at all because the plan or product offers none here (GitHub's words)."""
    return BranchRules(branch=branch, requires_pull_request=False, required_approvals=0,
                       code_owner_review=False, dismiss_stale_approvals=False,
                       required_checks=(), enforce_admins=False, bypass_actors=(),
                       signed_commits=False, protected_paths=(), org_level=False,
                       unavailable=why)


def _add_rule(found: _Found, item: Mapping[str, Any]) -> None:
    """One effective rule (REST ``repository-rule-detailed``)."""
    kind = item.get("type")
    params = mapping(item.get("parameters"))
    if kind == "pull_request":
        found.reviews(params.get("required_approving_review_count"),
                      params.get("require_code_owner_review"),
                      params.get("dismiss_stale_reviews_on_push") is True)
    elif kind == "required_status_checks":
        found.checks.update(str(c["context"]) for c in objects(params.get("required_status_checks"))
                            if c.get("context"))
    elif kind == "required_signatures":
        found.signed_commits = True
    elif kind == "file_path_restriction":
        found.paths.update(str(p) for p in params.get("restricted_file_paths") or ()
                           if isinstance(p, str))


def _add_classic(found: _Found, ref: Mapping[str, Any]) -> None:
    """Classic protection: the admin view when present, else the readers' view."""
    rule = mapping(ref.get("branchProtectionRule"))
    if rule:
        found.sources.add("classic")
        if rule.get("requiresApprovingReviews") is True:
            found.reviews(rule.get("requiredApprovingReviewCount"),
                          rule.get("requiresCodeOwnerReviews"),
                          rule.get("dismissesStaleReviews") is True)
        if rule.get("requiresStatusChecks") is True:
            found.checks.update(_strings(rule.get("requiredStatusCheckContexts")))
        found.signed_commits |= rule.get("requiresCommitSignatures") is True
        found.binds_admins.append(rule.get("isAdminEnforced") is True)
        for allowance in nodes(rule.get("bypassPullRequestAllowances")):
            found.bypass.add(_actor(mapping(allowance.get("actor"))))
        return
    # Readers see refUpdateRule: a review count only when reviews are required [verify];
    # stale-review dismissal and admin enforcement are not in it.
    rule = mapping(ref.get("refUpdateRule"))
    if not rule:
        return
    found.sources.add("classic")
    approvals = rule.get("requiredApprovingReviewCount")
    if approvals is not None or rule.get("requiresCodeOwnerReviews") is True:
        found.reviews(approvals, rule.get("requiresCodeOwnerReviews"), None)
    found.checks.update(_strings(rule.get("requiredStatusCheckContexts")))
    found.signed_commits |= rule.get("requiresSignatures") is True
    found.binds_admins.append(None)


def _ruleset_binds_admins(found: _Found, node: Mapping[str, Any] | None,
                          visible: bool) -> bool | None:
    """Record a ruleset's bypass actors; True when none of them is a person or role."""
    actors = mapping(node).get("bypassActors") if visible else None
    if actors is None:
        return None  # not an admin, ruleset not listed, or its bypass list withheld
    labels = [_bypass_actor(actor) for actor in nodes(actors)]
    found.bypass.update(labels)
    return all(label.endswith("[bot]") or label == "DeployKey" for label in labels)


def _bypass_actor(actor: Mapping[str, Any]) -> str:
    """A ruleset bypass actor as ``slug[bot]``, ``Team:slug``, ``Role:name`` or a role."""
    if actor.get("organizationAdmin"):
        return "OrganizationAdmin"
    if actor.get("enterpriseOwner"):
        return "EnterpriseOwner"
    if actor.get("deployKey"):
        return "DeployKey"
    if actor.get("repositoryRoleName"):
        return f"Role:{actor['repositoryRoleName']}"
    return _actor(mapping(actor.get("actor")))


def _actor(actor: Mapping[str, Any]) -> str:
    """An app, team or user allowed to bypass (``slug[bot]``, ``Team:slug``, login)."""
    kind = actor.get("__typename")
    if kind == "App":
        return f"{actor.get('slug')}[bot]"
    if kind == "Team":
        return f"Team:{actor.get('slug')}"
    return str(actor.get("login") or kind or "unknown")


def _all(values: Sequence[bool | None]) -> bool | None:
    """True when every source binds admins; False if one does not or there are no rules."""
    if not values or False in values:
        return False
    return None if None in values else True


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

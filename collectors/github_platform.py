"""GitHub platform collectors: what only GitHub's API can tell about a repository.

Each collector reads the :class:`~collectors.sources.github_types.RepoHandle` that the
GitHub source carries as ``ctx.source.platform`` (a local scan has none, and these
collectors then yield nothing: the engine records the kinds as unsupported). The handle
holds what the organisation sweep read in batches (GraphQL state and merged pull requests,
organisation settings); the collectors add the per-repository REST calls (effective branch
rules, code scanning default setup), which the client makes conditionally and caches.

GitHub's "cannot see" is kept apart from "absent" (platform-apis.md §2.7): a failed read
becomes a gap with the client's reason and the endpoint as locator; a feature the plan does
not offer (``ApiError.unavailable``) is an observed absence. Evidence from the API records
the endpoint as locator and the ETag as digest.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from collectors.attribution import Matcher
from collectors.base import Collector, Context
from collectors.github_branch_rules import parse_branch_rules, unavailable_rules
from collectors.github_reviews import parse_reviews
from collectors.sources.github_types import ApiError, Fetched, OrgData, RepoHandle
from collectors.sources.json_shapes import mapping, nodes, objects
from scanner.evidence import Item, UnknownReason, make_evidence, make_gap
from scanner.payloads import BranchRules, DeployGates, OrgRules, ReviewHistory, SecurityFeatures

# --------------------------------------------------------------------------- parsers

#: ``security_and_analysis`` keys read into SecurityFeatures (OpenAPI 23.0.2).
_SECURITY_KEYS = {"secret_scanning": "secret_scanning",
                  "push_protection": "secret_scanning_push_protection",
                  "dependabot": "dependabot_security_updates"}


def parse_security(security_and_analysis: Mapping[str, Any] | None,
                   code_scanning: bool | None) -> SecurityFeatures:
    """Security settings; a missing block or key means not visible (None), never disabled."""
    block = mapping(security_and_analysis)
    states: dict[str, bool | None] = {}
    for name, key in _SECURITY_KEYS.items():
        status = mapping(block.get(key)).get("status")
        states[name] = status == "enabled" if status in ("enabled", "disabled") else None
    return SecurityFeatures(secret_scanning=states["secret_scanning"],
                            push_protection=states["push_protection"],
                            dependabot=states["dependabot"], code_scanning=code_scanning)


def parse_default_setup(data: Any) -> bool:
    """Code scanning default setup is configured (``state``: configured/not-configured)."""
    return mapping(data).get("state") == "configured"


def parse_deploy_gates(environments: Any) -> DeployGates:
    """Environments (GraphQL connection) and those requiring a reviewer's approval.

    A REQUIRED_REVIEWERS rule is the gate; the state asks for rule types only, since
    listing each rule's reviewers would cost one more connection per rule (five times the
    state query's cost). GitHub stores the rule only with reviewers [verify].
    """
    found = nodes(environments)
    names = sorted(str(env["name"]) for env in found if env.get("name"))
    gated = sorted(str(env["name"]) for env in found if env.get("name") and any(
        rule.get("type") == "REQUIRED_REVIEWERS" for rule in nodes(env.get("protectionRules"))))
    return DeployGates(environments=tuple(names), gated=tuple(gated))


def parse_org_rules(rulesets: Sequence[Any], default_workflow_permissions: Any) -> OrgRules:
    """Active organisation rulesets (full REST objects) and the default token permission.

    ``default_workflow_permissions`` is the REST answer's data, or None when unreadable.
    """
    active = [r for r in objects(list(rulesets)) if r.get("enforcement") == "active"]
    workflows: set[str] = set()
    paths: set[str] = set()
    for ruleset in active:
        for rule in objects(ruleset.get("rules")):
            params = mapping(rule.get("parameters"))
            if rule.get("type") == "workflows":
                workflows.update(_workflow(w) for w in objects(params.get("workflows"))
                                 if w.get("path"))
            elif rule.get("type") == "file_path_restriction":
                paths.update(p for p in params.get("restricted_file_paths") or ()
                             if isinstance(p, str))
    names = {str(r.get("name")) for r in active if r.get("target", "branch") == "branch"}
    read_only = (None if default_workflow_permissions is None else
                 mapping(default_workflow_permissions).get("default_workflow_permissions")
                 == "read")
    return OrgRules(rulesets=tuple(sorted(names)), required_workflows=tuple(sorted(workflows)),
                    path_restrictions=tuple(sorted(paths)), default_token_read_only=read_only)


def _workflow(reference: Mapping[str, Any]) -> str:
    """``path``, prefixed with ``REPOSITORY_ID:`` when GitHub names the repository."""
    repository = reference.get("repository_id")
    return f"{repository}:{reference['path']}" if repository else str(reference["path"])


# --------------------------------------------------------------------------- readers


def _handle(ctx: Context) -> RepoHandle | None:
    platform = getattr(ctx.source, "platform", None)
    return platform if isinstance(platform, RepoHandle) else None


def _joined(*parts: str | None) -> str | None:
    """Locators or ETags of several answers, in reading order (None if there are none)."""
    present = [p for p in parts if p]
    return " + ".join(present) if present else None


#: How GitHub refuses what a token's role may not read (it answers 404 to hide existence).
ROLE_LIMITS = frozenset({UnknownReason.FORBIDDEN, UnknownReason.NOT_FOUND_OR_HIDDEN})


def _failed(ctx: Context, label: str, kind: str, fetched: Fetched) -> Item:
    """The gap for an answer that could not be read."""
    error = fetched.error
    reason = error.reason if error else UnknownReason.API_ERROR
    detail = error.detail if error else "no answer"
    return make_gap(kind, reason, detail,
                    ctx.provenance(label, error.endpoint if error else fetched.endpoint, None))


def run_branch_rules(ctx: Context) -> Iterator[Item]:
    """Rules in effect on the default branch, or a gap saying why they cannot be seen."""
    handle = _handle(ctx)
    if handle is None:
        return
    label, kind = BRANCH_RULES.label, BranchRules.KIND
    state = handle.state
    if not state.ok:
        yield _failed(ctx, label, kind, state)
        return
    ref = mapping(mapping(state.data).get("defaultBranchRef"))
    branch = handle.meta.default_branch or ref.get("name")
    if not branch:
        yield make_gap(kind, UnknownReason.NOT_OBSERVABLE, "empty repository: no default branch",
                       ctx.provenance(label, state.endpoint, None))
        return
    if handle.api is None:
        yield make_gap(kind, UnknownReason.NOT_COLLECTED, "no GitHub API client",
                       ctx.provenance(label, state.endpoint, None))
        return
    path = f"/repos/{handle.meta.owner}/{handle.meta.name}/rules/branches/{quote(branch, safe='/')}"
    effective: list[Any] = []
    endpoints: list[str] = []
    etags: list[str | None] = []
    try:
        for page in handle.api.pages(path):
            effective.extend(page.data if isinstance(page.data, list) else ())
            endpoints.append(page.endpoint)
            etags.append(page.etag)
    except ApiError as err:
        if not err.unavailable:
            yield make_gap(kind, err.reason, err.detail, ctx.provenance(label, err.endpoint, None))
            return
        # A free private repository cannot have branch rules: the control is absent.
        yield make_evidence(unavailable_rules(str(branch), err.detail),
                            ctx.provenance(label, err.endpoint, None))
        return
    rulesets = nodes(mapping(state.data).get("rulesets")) if handle.meta.admin else None
    payload = parse_branch_rules(str(branch), effective, ref, rulesets)
    locator = _joined(endpoints[0] if endpoints else f"GET {path}", state.endpoint)
    yield make_evidence(payload, ctx.provenance(label, locator or path, _joined(*etags)))


def run_security(ctx: Context) -> Iterator[Item]:
    """Security features from the inventory, plus code scanning default setup for admins."""
    handle = _handle(ctx)
    if handle is None:
        return
    label, kind, meta = SECURITY.label, SecurityFeatures.KIND, handle.meta
    code_scanning: bool | None = None
    endpoint, etag = None, None
    error: ApiError | None = None
    if meta.admin and handle.api is not None:
        try:
            response = handle.api.get(f"/repos/{meta.full_name}/code-scanning/default-setup")
        except ApiError as err:
            endpoint = err.endpoint
            code_scanning = False if err.unavailable else None
            error = None if err.unavailable else err
        else:
            endpoint, etag = response.endpoint, response.etag
            code_scanning = parse_default_setup(response.data)
    payload = parse_security(meta.security_and_analysis, code_scanning)
    visible = meta.security_and_analysis is not None
    locator = _joined(meta.raw_endpoint if visible else None, endpoint) or meta.raw_endpoint
    if not visible and code_scanning is None:
        detail = (error.detail if error else "security settings are visible to repository "
                  "admins, organisation owners and security managers only")
        reason = error.reason if error else UnknownReason.NOT_PERMITTED
        yield make_gap(kind, reason, detail, ctx.provenance(label, locator, None))
        return
    digest = _joined(meta.raw_etag if visible else None, etag)
    yield make_evidence(payload, ctx.provenance(label, locator, digest))


def run_reviews(ctx: Context) -> Iterator[Item]:
    """Merged PRs of the window with their AI attribution and human approvals."""
    handle = _handle(ctx)
    if handle is None:
        return
    label, pulls = REVIEWS.label, handle.pulls
    if not pulls.ok:
        yield _failed(ctx, label, ReviewHistory.KIND, pulls)
        return
    provenance = ctx.provenance(label, pulls.endpoint, pulls.etag)
    try:
        payload = parse_reviews(pulls.data if isinstance(pulls.data, list) else [],
                                Matcher(ctx.catalog.signatures), complete=handle.pulls_complete)
    except (OSError, subprocess.CalledProcessError) as exc:
        yield make_gap(ReviewHistory.KIND, UnknownReason.COLLECTOR_ERROR,
                       f"git interpret-trailers failed: {exc}", provenance)
        return
    yield make_evidence(payload, provenance)


def run_deploy_gates(ctx: Context) -> Iterator[Item]:
    """Deployment environments and which of them require a reviewer."""
    handle = _handle(ctx)
    if handle is None:
        return
    label, state = DEPLOY_GATES.label, handle.state
    if not state.ok:
        yield _failed(ctx, label, DeployGates.KIND, state)
        return
    environments = mapping(state.data).get("environments")
    provenance = ctx.provenance(label, state.endpoint, None)
    if not isinstance(environments, Mapping):
        yield make_gap(DeployGates.KIND, UnknownReason.API_ERROR,
                       "GitHub sent no environments for this repository", provenance)
        return
    yield make_evidence(parse_deploy_gates(environments), provenance)


def run_org_rules(ctx: Context) -> Iterator[Item]:
    """Organisation rulesets and default token permissions (none for a user's repository)."""
    handle = _handle(ctx)
    if handle is None:
        return
    label = ORG_RULES.label
    if handle.org is None:
        yield make_gap(OrgRules.KIND, UnknownReason.UNSUPPORTED,
                       "a repository of a user account: there are no organisation rules",
                       ctx.provenance(label, handle.meta.raw_endpoint, None))
        return
    org: OrgData = handle.org
    error = org.rulesets.error
    if error is not None and error.reason in ROLE_LIMITS:
        # The organisation was listed, so a 403/404 here is the token's role, as the
        # preflight announced: an expected limit, not a failed read.
        yield make_gap(OrgRules.KIND, UnknownReason.NOT_PERMITTED,
                       f"organisation rulesets need an organisation owner's token (GitHub "
                       f"answered {error.status}: {error.detail})",
                       ctx.provenance(label, error.endpoint, None))
        return
    if not org.rulesets.ok:
        yield _failed(ctx, label, OrgRules.KIND, org.rulesets)
        return
    permissions = org.workflow_permissions
    payload = parse_org_rules(org.rulesets.data if isinstance(org.rulesets.data, list) else [],
                              permissions.data if permissions.ok else None)
    locator = _joined(org.rulesets.endpoint, permissions.endpoint if permissions.ok else None)
    digest = _joined(org.rulesets.etag, permissions.etag if permissions.ok else None)
    yield make_evidence(payload, ctx.provenance(label, locator or org.rulesets.endpoint, digest))


BRANCH_RULES = Collector(name="github-branch-rules", version=1, kinds=(BranchRules,),
                         run=run_branch_rules)
SECURITY = Collector(name="github-security", version=1, kinds=(SecurityFeatures,),
                     run=run_security)
REVIEWS = Collector(name="github-reviews", version=1, kinds=(ReviewHistory,), run=run_reviews)
DEPLOY_GATES = Collector(name="github-deploy-gates", version=1, kinds=(DeployGates,),
                         run=run_deploy_gates)
ORG_RULES = Collector(name="github-org-rules", version=1, kinds=(OrgRules,), run=run_org_rules)

#: The platform collectors of a GitHub scan, in order.
GITHUB: tuple[Collector, ...] = (BRANCH_RULES, SECURITY, REVIEWS, DEPLOY_GATES, ORG_RULES)

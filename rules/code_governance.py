"""Code & Logic Governance (Model D): how AI-written logic is reviewed and gated."""

from __future__ import annotations

from rules.queries import (
    SECURITY,
    absent,
    ci_jobs,
    cite_jobs,
    name_jobs,
    observed,
    paths,
)
from rules.registry import rule
from scanner.evidence import Evidence, Facts, UnknownReason
from scanner.model import Outcome
from scanner.payloads import (
    BranchRules,
    CiPipeline,
    CodeOwners,
    DeployGates,
    OrgRules,
    PolicyDocument,
    ReviewHistory,
)

CHECK_CATEGORIES = SECURITY | {"test", "lint", "dataflow"}


@rule("CLG-2a")
def review_process_written(facts: Facts) -> Outcome:
    """CODEOWNERS, a PR/MR template or a policy asking for review exists."""
    owners = [e for e in facts.all(CodeOwners) if e.payload.path]
    if owners:
        return Outcome.met(f"CODEOWNERS in effect: {owners[0].payload.path}", *owners)
    docs = [e for e in facts.all(PolicyDocument)
            if "pr-template" in e.payload.kinds or e.payload.covers_review]
    if docs:
        return Outcome.met(f"review is asked for in {paths(docs)}", *docs)
    return absent(facts, "no CODEOWNERS, PR/MR template or policy asking for review",
                  CodeOwners, PolicyDocument, seen=facts.all(CodeOwners))


@rule("CLG-2b")
def automated_checks_run(facts: Facts) -> Outcome:
    """A CI job runs tests, linters or security tools."""
    jobs = ci_jobs(facts, CHECK_CATEGORIES)
    if jobs:
        return Outcome.met(f"CI runs checks: {name_jobs(jobs)}", *cite_jobs(jobs))
    pipelines = facts.all(CiPipeline)
    summary = (f"CI found ({paths(pipelines)}) but no job runs tests, linters or scanners"
               if pipelines else "no CI configuration found")
    return absent(facts, summary, CiPipeline, seen=pipelines)


def not_offered(rules: BranchRules) -> str:
    """``" (not offered: ...)"`` when the plan lacks some of these rules, else empty."""
    return f" (not offered: {rules.unavailable})" if rules.unavailable else ""


@rule("CLG-3a")
def pull_requests_required(facts: Facts) -> Outcome:
    """The default branch only accepts changes through PRs/MRs."""
    found = observed(facts, BranchRules)
    if isinstance(found, Outcome):
        return found
    rules = found.payload
    if rules.requires_pull_request:
        return Outcome.met(f"{rules.branch} requires a pull/merge request", found)
    return Outcome.unmet(f"{rules.branch} accepts direct pushes{not_offered(rules)}", found)


@rule("CLG-3b")
def security_scan_on_pull_requests(facts: Facts) -> Outcome:
    """A SAST, SCA or secrets scanner runs on pull/merge requests."""
    jobs = ci_jobs(facts, SECURITY, triggers={"pull_request"})
    if jobs:
        return Outcome.met(f"scanner on PRs/MRs: {name_jobs(jobs)}", *cite_jobs(jobs))
    elsewhere = ci_jobs(facts, SECURITY)
    summary = (f"security scanners run only on other events: {name_jobs(elsewhere)}"
               if elsewhere else "no security scanner in CI")
    return absent(facts, summary, CiPipeline, seen=cite_jobs(elsewhere))


@rule("CLG-3c")
def approval_required(facts: Facts) -> Outcome:
    """At least one approving review is required to merge."""
    found = observed(facts, BranchRules)
    if isinstance(found, Outcome):
        return found
    rules = found.payload
    if rules.required_approvals >= 1:
        return Outcome.met(f"{rules.required_approvals} approval(s) required on {rules.branch}",
                           found)
    return Outcome.unmet(f"no approval required on {rules.branch}{not_offered(rules)}", found)


@rule("CLG-4a")
def security_checks_block_merge(facts: Facts) -> Outcome:
    """A security scanner's job is a required status check."""
    found = observed(facts, BranchRules)
    if isinstance(found, Outcome):
        return found
    # A job (or scanner step) allowed to fail never blocks a merge, even when required.
    jobs = [j for j in ci_jobs(facts, SECURITY) if j.blocking_categories() & SECURITY]
    names = {j.job.id.lower() for j in jobs} | {(j.job.name or "").lower() for j in jobs}
    names |= {t.tool for j in jobs for t in j.job.tools}
    required = [c for c in found.payload.required_checks
                if any(n and n in c.lower() for n in names)]
    if required:
        return Outcome.met(f"required security checks: {', '.join(sorted(required))}",
                           found, *cite_jobs(jobs))
    # GitLab names no checks: with "pipelines must succeed", every job not allowed to fail
    # in the project's own pipeline blocks the merge.
    gated = [j for j in jobs if j.evidence.payload.platform == "gitlab-ci"]
    if found.payload.pipeline_must_succeed and gated:
        return Outcome.met(f"pipelines must succeed before merge; blocking security jobs: "
                           f"{name_jobs(gated)}", found, *cite_jobs(gated))
    unreadable = facts.gaps(CiPipeline)
    if found.payload.required_checks and unreadable:
        return Outcome.unknown("required checks may belong to CI files that could not be read",
                               found, *unreadable)
    if found.payload.pipeline_must_succeed is False:
        return Outcome.unmet("merge requests may merge without a successful pipeline", found,
                             *cite_jobs(jobs))
    return Outcome.unmet("no blocking security scanner among the required checks", found,
                         *cite_jobs(jobs))


@rule("CLG-4b")
def owners_must_approve(facts: Facts) -> Outcome:
    """Code owner review is required and stale approvals are dismissed."""
    found = observed(facts, BranchRules)
    if isinstance(found, Outcome):
        return found
    rules = found.payload
    missing = [name for name, on in (("code owner review", rules.code_owner_review),
                                     ("stale approval dismissal", rules.dismiss_stale_approvals))
               if on is False]
    if missing:
        return Outcome.unmet(f"not enabled: {', '.join(missing)}{not_offered(rules)}", found)
    if rules.dismiss_stale_approvals is None:
        return Outcome.unknown("owner review required; whether stale approvals are dismissed "
                               "is visible to repository admins only", found,
                               reason=UnknownReason.NOT_PERMITTED)
    # Required owner review enforces nothing without a CODEOWNERS file naming owners.
    owners = observed(facts, CodeOwners)
    if isinstance(owners, Outcome):
        return Outcome.unknown(f"owner review required; CODEOWNERS: {owners.summary}", found,
                               *facts.gaps(CodeOwners))
    if owners.payload.path is None:
        return Outcome.unmet("owner review required but there is no CODEOWNERS file", found,
                             owners)
    return Outcome.met(f"code owner review required ({owners.payload.path}), stale approvals "
                       "dismissed", found, owners)


@rule("CLG-4c")
def ai_changes_human_reviewed(facts: Facts) -> Outcome:
    """At least 95 % of merged AI-attributed PRs/MRs had a human approval."""
    found = observed(facts, ReviewHistory)
    if isinstance(found, Outcome):
        return found
    reviews = found.payload
    if reviews.ai_merged == 0:
        return Outcome.unknown("no merged PR/MR with AI-attributed commits in the window",
                               found)
    share = reviews.ai_human_approved / reviews.ai_merged
    summary = (f"{reviews.ai_human_approved} of {reviews.ai_merged} AI-attributed PRs/MRs "
               f"approved by another human ({share:.0%})")
    if not reviews.window_complete:  # a share of part of the window proves nothing about it
        return Outcome.unknown(f"{summary}, but the window holds more merged PRs/MRs than "
                               f"the {reviews.merged} read", found,
                               reason=UnknownReason.NOT_COLLECTED)
    return Outcome.met(summary, found) if share >= 0.95 else Outcome.unmet(summary, found)


@rule("CLG-4d")
def no_admin_bypass(facts: Facts) -> Outcome:
    """Protection applies to administrators and has no ungated bypass actors."""
    found = observed(facts, BranchRules)
    if isinstance(found, Outcome):
        return found
    rules = found.payload
    humans = [a for a in rules.bypass_actors if not a.endswith("[bot]")]
    if humans:
        return Outcome.unmet(f"bypass actors: {', '.join(humans)}", found)
    if rules.enforce_admins is None:
        return Outcome.unknown("whether administrators can bypass is visible to repository "
                               "admins only", found, reason=UnknownReason.NOT_PERMITTED)
    if rules.enforce_admins:
        return Outcome.met("enforced for administrators, no human bypass actors", found)
    return Outcome.unmet("not enforced for administrators", found)


@rule("CLG-5a")
def rules_enforced_org_wide(facts: Facts) -> Outcome:
    """Branch rules or required workflows come from organisation/group level."""
    branch = facts.one(BranchRules)
    if isinstance(branch, Evidence) and branch.payload.org_level:
        return Outcome.met(f"rules on {branch.payload.branch} come from organisation level",
                           branch)
    found = observed(facts, OrgRules)
    if isinstance(found, Outcome):
        return found
    org = found.payload
    if org.rulesets or org.required_workflows:
        return Outcome.met("rulesets or required workflows defined at organisation level",
                           found)
    return Outcome.unmet("no organisation-level rulesets or required workflows", found,
                         *([branch] if isinstance(branch, Evidence) else []))


@rule("CLG-5b")
def deployments_gated(facts: Facts) -> Outcome:
    """Deployments go through environments with required reviewers."""
    found = observed(facts, DeployGates)
    if isinstance(found, Outcome):
        return found
    gates = found.payload
    if gates.gated:
        return Outcome.met(f"gated environments: {', '.join(gates.gated)}", found)
    offered = f" (not offered: {gates.unavailable})" if gates.unavailable else ""
    return Outcome.unmet(f"no deployment environment requires reviewers{offered}", found)


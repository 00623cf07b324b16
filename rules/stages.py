"""Model S self-assessment questions, answered from evidence where they are observable.

For each question ``met`` means the favourable answer holds (for S1-Q4, "no incidents").
Questions only a person can answer cite the ``attestation`` gap the engine records, and the
engine replaces them with an attested answer when the attestation file has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.agent_control import agent_permissions_enforced
from rules.code_governance import security_checks_block_merge
from rules.data_access import (
    Located,
    no_live_secrets,
    not_scanned,
    places,
    secrets_blocked_at_push,
)
from rules.queries import (
    BEFORE_COMMIT,
    SECURITY,
    absent,
    agent_hooks,
    ai_files,
    ci_jobs,
    ci_runs,
    cite_jobs,
    hooks,
    name_hooks,
    name_jobs,
    observed,
    paths,
    snapshot,
)
from rules.registry import rule
from rules.traceability import attribution_is_a_rule, attribution_is_consistent
from scanner.evidence import Evidence, Facts, Gap, Item, UnknownReason
from scanner.model import Outcome, Status
from scanner.payloads import (
    AiConfigFile,
    AttestationRecord,
    Attribution,
    CiPipeline,
    FlowScan,
    HookConfig,
    PolicyDocument,
    SecretScan,
)

#: GitLab report types and the GitHub SARIF upload that feed a findings dashboard.
DASHBOARD_REPORTS = frozenset({"sarif-upload", "sast", "secret_detection", "dependency_scanning",
                               "container_scanning", "dast", "api_fuzzing", "coverage_fuzzing"})


def _person_only(facts: Facts, what: str) -> Outcome:
    """Unknown until attested: the question is not observable in a repository."""
    return Outcome.unknown(f"{what}; only a person can answer (attestation file)",
                           *facts.gaps(AttestationRecord) or [snapshot(facts)],
                           reason=UnknownReason.NOT_OBSERVABLE)


def _either(first: Outcome, second: Outcome, summary: str) -> Outcome:
    """Met when either outcome is met, unmet when both are, unknown otherwise."""
    statuses = {first.status, second.status}
    cites = tuple(sorted(set(first.cites) | set(second.cites)))
    detail = f"{summary}: {first.summary}; {second.summary}"
    if Status.MET in statuses:
        return Outcome(status=Status.MET, summary=detail, cites=cites)
    if statuses == {Status.UNMET}:
        return Outcome(status=Status.UNMET, summary=detail, cites=cites)
    reason = first.reason or second.reason
    return Outcome(status=Status.UNKNOWN, summary=detail, cites=cites, reason=reason)


@dataclass(frozen=True, slots=True)
class _Incidents:
    """Secrets and high-severity code findings of the deep scan, and what it could not see."""

    findings: tuple[Located, ...]
    scans: tuple[Item, ...]
    missing: tuple[Outcome, ...]
    """Why a scan is absent (not run, semgrep missing...)."""
    gaps: tuple[Gap, ...]
    """Files that could not be scanned."""

    def by_ai(self) -> list[Located]:
        """The findings introduced by AI-attributed commits."""
        return [f for f in self.findings if f.ai_attributed]


def _incidents(facts: Facts, what: str) -> _Incidents | Outcome:
    """The deep scan's incident findings; unmet when an AI-attributed commit introduced one
    of them, unknown when a scan is missing and nothing AI-introduced was seen."""
    found = _incident_findings(facts)
    ai = found.by_ai()
    if ai:
        return Outcome.unmet(f"{len(ai)} secret(s) or high-severity finding(s) introduced by "
                             f"AI-attributed commits: {places(ai)}", *found.scans)
    if found.missing:
        return _person_or_unknown(facts, found.missing[0], what)
    return found


def _incident_findings(facts: Facts) -> _Incidents:
    secrets, flows = observed(facts, SecretScan), observed(facts, FlowScan)
    findings: list[Located] = []
    scans: list[Item] = []
    missing: list[Outcome] = []
    if isinstance(secrets, Outcome):
        missing.append(secrets)
    else:
        findings.extend(secrets.payload.findings)
        scans.append(secrets)
    if isinstance(flows, Outcome):
        missing.append(flows)
    else:
        findings.extend(f for f in flows.payload.findings if f.severity == "high")
        scans.append(flows)
    return _Incidents(tuple(findings), tuple(scans), tuple(missing),
                      facts.gaps(SecretScan, FlowScan))


# ------------------------------------------------------------------ stage 1


@rule("S1-Q1")
def ai_users_known(facts: Facts) -> Outcome:
    """AI tools are declared and AI-attributed commits identify their authors."""
    tools = ai_files(facts)
    attribution = observed(facts, Attribution)
    if isinstance(attribution, Outcome):
        return attribution
    authors = attribution.payload.ai_authors
    names = sorted({e.payload.tool for e in tools})
    summary = (f"declared AI tools: {', '.join(names) or 'none'}; "
               f"{len(authors)} pseudonymised author(s) of AI-attributed commits")
    if tools and authors:
        return Outcome.met(summary, attribution, *tools)
    return absent(facts, summary, AiConfigFile, seen=[attribution, *tools])


@rule("S1-Q2")
def ai_policy_documented(facts: Facts) -> Outcome:
    """An AI policy or a contributing section on AI exists."""
    docs = [e for e in facts.all(PolicyDocument)
            if "ai-policy" in e.payload.kinds or e.payload.mentions_ai]
    if docs:
        return Outcome.met(f"AI policy text in {paths(docs)}", *docs)
    return absent(facts, "no AI policy document or section on AI", PolicyDocument)


@rule("S1-Q3")
def ai_share_stated(facts: Facts) -> Outcome:
    """Attribution is systematic, so the AI share of commits is a number that holds."""
    outcome = _either(attribution_is_a_rule(facts), attribution_is_consistent(facts),
                      "attribution rule / consistency")
    attribution = facts.one(Attribution)
    if outcome.status is Status.MET and isinstance(attribution, Evidence):
        ai = attribution.payload
        share = (f"AI share of commits: {ai.share:.1%} ({ai.ai_commits} of {ai.commits}); "
                 f"{outcome.summary}")
        return Outcome(status=Status.MET, summary=share,
                       cites=tuple(sorted({*outcome.cites, attribution.id})))
    return outcome


@rule("S1-Q4")
def no_ai_incidents(facts: Facts) -> Outcome:
    """No secrets or high findings were introduced by AI-attributed commits (No is good)."""
    found = _incidents(facts, "incidents from AI code")
    if isinstance(found, Outcome):
        return found
    if found.gaps:
        return Outcome.unknown(f"no finding introduced by an AI-attributed commit, but "
                               f"{not_scanned(found.gaps)}", *found.scans, *found.gaps)
    untraced = [f for f in found.findings if f.ai_attributed is None]
    if untraced:
        return Outcome.unknown(f"{len(untraced)} finding(s) could not be traced to the commit "
                               f"that wrote them: {places(untraced)}", *found.scans,
                               reason=UnknownReason.NOT_OBSERVABLE)
    summary = (f"none of {len(found.findings)} finding(s) was introduced by an AI-attributed "
               "commit" if found.findings else "no secret or high-severity finding in the code")
    return Outcome.met(summary, *found.scans)


def _person_or_unknown(facts: Facts, missing: Outcome, what: str) -> Outcome:
    """Unknown citing both the missing scan and the attestation that could answer it."""
    cites: list[Item] = [*facts.gaps(SecretScan, FlowScan), *facts.gaps(AttestationRecord)]
    return Outcome.unknown(f"{what}: {missing.summary}; otherwise attest",
                           *(cites or [snapshot(facts)]), reason=missing.reason)


@rule("S1-Q5")
def compliance_provable(facts: Facts) -> Outcome:
    """AI-attributed changes pass through required security checks (CLG-4a)."""
    return security_checks_block_merge(facts)


# ------------------------------------------------------------------ stage 2


@rule("S2-Q1")
def automated_scanning(facts: Facts) -> Outcome:
    """A SAST, SCA or secrets scanner runs in CI."""
    return ci_runs(facts, SECURITY, "scanners in CI:", "no security scanner in CI")


@rule("S2-Q2")
def findings_within_a_day(facts: Facts) -> Outcome:
    """A scanner runs on push or pull request, not only on a schedule."""
    jobs = ci_jobs(facts, SECURITY, triggers={"push", "pull_request"})
    if jobs:
        return Outcome.met(f"scanners on push/PR: {name_jobs(jobs)}", *cite_jobs(jobs))
    scheduled = ci_jobs(facts, SECURITY)
    events = sorted({t for j in scheduled for t in j.job.triggers})
    summary = (f"scanners run only on {', '.join(events)}" if scheduled
               else "no security scanner in CI")
    return absent(facts, summary, CiPipeline, seen=cite_jobs(scheduled))


@rule("S2-Q3")
def security_metrics_tracked(facts: Facts) -> Outcome:
    """Scanner results go to a dashboard (SARIF, security reports) or this scanner's history."""
    uploads = [j for j in ci_jobs(facts) if set(j.job.artifacts_reports) & DASHBOARD_REPORTS]
    ours = ci_jobs(facts, {"aims"})
    if uploads or ours:
        return Outcome.met(f"results tracked by {name_jobs(uploads + ours)}",
                           *cite_jobs(uploads + ours))
    return _person_only(facts, "no results upload found in CI; metrics may be tracked elsewhere")


@rule("S2-Q4")
def remediation_slas_met(facts: Facts) -> Outcome:
    """Remediation SLAs are met (attestation only)."""
    return _person_only(facts, "remediation times are not visible in a repository")


# ------------------------------------------------------------------ stage 3


@rule("S3-Q1")
def ai_usage_visible(facts: Facts) -> Outcome:
    """AI use is both declared (tool configuration) and attributed in history."""
    attribution = observed(facts, Attribution)
    if isinstance(attribution, Outcome):
        return attribution
    tools = ai_files(facts)
    attributed = attribution.payload.ai_commits > 0
    summary = (f"tool configuration: {'yes' if tools else 'no'}; "
               f"attributed commits: {attribution.payload.ai_commits}")
    if tools and attributed:
        return Outcome.met(summary, attribution, *tools)
    if not tools and not attributed:
        summary = "no AI use visible in this repository (no tool configuration, no attribution)"
    return absent(facts, summary, AiConfigFile, seen=[attribution, *tools])


@rule("S3-Q2")
def precommit_security_controls(facts: Facts) -> Outcome:
    """A hook manager runs a security hook."""
    found = hooks(facts, SECURITY)
    if found:
        return Outcome.met(f"security hooks: {name_hooks(found)}", *[h.evidence for h in found])
    configs = facts.all(HookConfig)
    summary = (f"hooks configured ({paths(configs)}) but none runs a security tool"
               if configs else "no pre-commit, husky or lefthook configuration")
    return absent(facts, summary, HookConfig, seen=configs)


@rule("S3-Q3")
def enforcement_demonstrable(facts: Facts) -> Outcome:
    """Security checks are required on the default branch (CLG-4a)."""
    return security_checks_block_merge(facts)


@rule("S3-Q4")
def feedback_before_commit(facts: Facts) -> Outcome:
    """Security hooks run before the commit exists (pre-commit stage or agent hooks)."""
    found = hooks(facts, SECURITY, stages=BEFORE_COMMIT)
    agents = agent_hooks(facts, SECURITY)
    if found or agents:
        names = [name_hooks(found)] if found else []
        names += [f"{e.payload.path}:{h.event}" for e, h in agents[:3]]
        return Outcome.met(f"feedback before commit: {', '.join(names)}",
                           *[h.evidence for h in found], *[e for e, _ in agents])
    return absent(facts, "no security hook at the pre-commit stage", HookConfig, AiConfigFile)


# ------------------------------------------------------------------ stage 4


@rule("S4-Q1")
def endpoint_controls_enforced(facts: Facts) -> Outcome:
    """Pre-commit security hooks are re-run in CI, or agent hooks run the scanners."""
    agents = agent_hooks(facts, SECURITY)
    if agents:
        return Outcome.met(f"agent hooks run scanners: {paths([e for e, _ in agents])}",
                           *[e for e, _ in agents])
    found = hooks(facts, SECURITY)
    rerun = ci_jobs(facts, {"precommit"})
    if found and rerun:
        return Outcome.met(f"security hooks ({name_hooks(found)}) re-run in CI by "
                           f"{name_jobs(rerun)}", *[h.evidence for h in found], *cite_jobs(rerun))
    summary = ("security hooks are not re-run in CI" if found
               else "no security hook and no agent hook running a scanner")
    return absent(facts, summary, HookConfig, CiPipeline, AiConfigFile,
                  seen=[h.evidence for h in found])


@rule("S4-Q2")
def inline_feedback_at_generation(facts: Facts) -> Outcome:
    """Agent hooks run a scanner on generated code."""
    agents = agent_hooks(facts, SECURITY | {"dataflow"})
    if agents:
        listed = ", ".join(f"{e.payload.path}:{h.event}" for e, h in agents[:3])
        return Outcome.met(f"agent hooks scan generated code: {listed}", *[e for e, _ in agents])
    return absent(facts, "no agent hook runs a scanner on generated code", AiConfigFile,
                  seen=ai_files(facts, "guardrail"))


@rule("S4-Q3")
def issues_stopped_before_repository(facts: Facts) -> Outcome:
    """Push protection, a pre-commit secrets hook and a clean tree, together."""
    secrets_hooks = hooks(facts, {"secrets"}, stages=BEFORE_COMMIT)
    if not secrets_hooks:
        return absent(facts, "no secrets hook at the pre-commit stage", HookConfig)
    parts = (secrets_blocked_at_push(facts), no_live_secrets(facts))
    cites = tuple(sorted({c for p in parts for c in p.cites} |
                         {h.evidence.id for h in secrets_hooks}))
    summary = f"secrets hook {name_hooks(secrets_hooks)}; " + "; ".join(p.summary for p in parts)
    if all(p.status is Status.MET for p in parts):
        return Outcome(status=Status.MET, summary=summary, cites=cites)
    if any(p.status is Status.UNMET for p in parts):
        return Outcome(status=Status.UNMET, summary=summary, cites=cites)
    reason = next(p.reason for p in parts if p.status is Status.UNKNOWN)
    return Outcome(status=Status.UNKNOWN, summary=summary, cites=cites, reason=reason)


@rule("S4-Q4")
def developer_satisfaction_improved(facts: Facts) -> Outcome:
    """Developer satisfaction with security tools improved (attestation only)."""
    return _person_only(facts, "satisfaction is measured by asking people")


# ------------------------------------------------------------------ stage 5


@rule("S5-Q1")
def multi_layer_controls(facts: Facts) -> Outcome:
    """Endpoint, repository, CI and runtime layers are all evidenced."""
    endpoint = hooks(facts, SECURITY) or agent_hooks(facts, SECURITY)
    ci = ci_jobs(facts, SECURITY)
    guard = agent_permissions_enforced(facts)
    missing = [name for name, present in (("endpoint", endpoint), ("CI", ci)) if not present]
    if missing:
        return absent(facts, f"missing layers: {', '.join(missing)}", HookConfig, CiPipeline,
                      AiConfigFile, seen=cite_jobs(ci))
    repository = security_checks_block_merge(facts)
    cites: list[Item] = [*cite_jobs(ci), *facts.gaps(AttestationRecord)]
    summary = (f"endpoint and CI layers present; repository layer: {repository.summary}; "
               f"agent guardrails: {guard.status}; runtime layer needs an attestation")
    if repository.status is Status.UNMET:
        return Outcome(status=Status.UNMET, summary=summary,
                       cites=tuple(sorted({*repository.cites, *(i.id for i in cites)})))
    return Outcome(status=Status.UNKNOWN, summary=summary,
                   cites=tuple(sorted({*repository.cites, *(i.id for i in cites)})),
                   reason=repository.reason or UnknownReason.NOT_OBSERVABLE)


@rule("S5-Q2")
def policies_tuned_from_production(facts: Facts) -> Outcome:
    """Policies are tuned from production feedback (attestation only)."""
    return _person_only(facts, "production feedback loops are outside the repository")


@rule("S5-Q3")
def audit_report_within_an_hour(facts: Facts) -> Outcome:
    """A scheduled CI job runs this scanner."""
    jobs = ci_jobs(facts, {"aims"}, triggers={"schedule"})
    if jobs:
        return Outcome.met(f"scheduled scanner run: {name_jobs(jobs)}", *cite_jobs(jobs))
    return absent(facts, "no scheduled CI job runs this scanner", CiPipeline,
                  seen=cite_jobs(ci_jobs(facts, {"aims"})))


@rule("S5-Q4")
def ai_incidents_eliminated(facts: Facts) -> Outcome:
    """No findings in AI-attributed commits, confirmed by the incident record (attested)."""
    found = _incidents(facts, "AI-related incidents")
    if isinstance(found, Outcome):
        return found
    return _person_only(facts, "the code scan found no AI-introduced finding; the incident "
                        "record needs an attestation")

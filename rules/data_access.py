"""Guarded Data Access (Model D): how AI-written code reaches data and secrets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pathspec

from rules.queries import (
    absent,
    ai_files,
    ci_jobs,
    cite_jobs,
    hooks,
    name_hooks,
    name_jobs,
    observed,
    paths,
    snapshot,
)
from rules.registry import rule
from scanner.evidence import Evidence, Facts, Gap, UnknownReason
from scanner.model import Outcome
from scanner.payloads import (
    AiConfigFile,
    CiPipeline,
    CodeFinding,
    FlowScan,
    HookConfig,
    PolicyCode,
    PolicyDocument,
    SecretFinding,
    SecretsBaseline,
    SecretScan,
    SecurityFeatures,
)

#: Files an agent must not read; ``.env`` is the one every deny list should name.
SECRET_FILES = (".env", "config/.env.production", "secrets/api-key.txt", "deploy/server.pem",
                "id_rsa", "credentials.json")
#: Permission rules that limit reading a path, e.g. ``Read(./.env)``.
READ_RULE_PREFIXES = ("read(", "edit(", "write(")


def _rule_pattern(rule_text: str) -> str | None:
    """The path pattern of a ``Read(...)``-style deny rule, as a gitignore pattern."""
    lowered = rule_text.strip().lower()
    if not lowered.startswith(READ_RULE_PREFIXES) or not rule_text.endswith(")"):
        return None
    inner = rule_text[rule_text.index("(") + 1:-1].strip()
    return inner.removeprefix("./").removeprefix("//") or None


def secret_files_blocked(files: Iterable[Evidence[AiConfigFile]]) -> tuple[str, ...]:
    """Which of :data:`SECRET_FILES` the deny rules or ignore files keep from agents."""
    patterns: list[str] = []
    for evidence in files:
        config = evidence.payload
        patterns.extend(p for p in (_rule_pattern(r) for r in config.deny_rules
                                    if r.lower().startswith("read(")) if p)
        patterns.extend(config.ignore_patterns)
    if not patterns:
        return ()
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    return tuple(f for f in SECRET_FILES if spec.match_file(f))


@rule("GDA-2a")
def data_rules_written(facts: Facts) -> Outcome:
    """A data policy exists, or AI ignore files keep secrets and data out of AI context."""
    docs = [e for e in facts.all(PolicyDocument)
            if "data-classification" in e.payload.kinds or e.payload.covers_data]
    if docs:
        return Outcome.met(f"data rules written in {paths(docs)}", *docs)
    ignoring = [e for e in ai_files(facts, "ignore")
                if secret_files_blocked([e])]
    if ignoring:
        return Outcome.met(f"AI ignore files exclude secrets: {paths(ignoring)}", *ignoring)
    return absent(facts, "no data-classification policy or AI ignore file covering secrets",
                  PolicyDocument, AiConfigFile, seen=ai_files(facts, "ignore"))


@rule("GDA-3a")
def secrets_detection_in_place(facts: Facts) -> Outcome:
    """A secrets scanner runs in pre-commit or CI, or a secrets baseline is kept."""
    hooked = hooks(facts, {"secrets"})
    jobs = ci_jobs(facts, {"secrets"})
    baselines = facts.all(SecretsBaseline)
    places = []
    if hooked:
        places.append(f"hooks {name_hooks(hooked)}")
    if jobs:
        places.append(f"CI {name_jobs(jobs)}")
    if baselines:
        places.append(f"baseline {paths(baselines)}")
    if places:
        return Outcome.met("secrets detection: " + "; ".join(places),
                           *[h.evidence for h in hooked], *cite_jobs(jobs), *baselines)
    return absent(facts, "no secrets scanner in hooks or CI and no secrets baseline",
                  HookConfig, CiPipeline, SecretsBaseline)


@rule("GDA-3b")
def no_live_secrets(facts: Facts) -> Outcome:
    """A secrets scan of HEAD finds no unaudited secret."""
    found = observed(facts, SecretScan)
    if isinstance(found, Outcome):
        return found
    scan = found.payload
    gaps = facts.gaps(SecretScan)
    if scan.findings:
        return Outcome.unmet(f"{len(scan.findings)} unaudited secret(s) in the tree"
                             f"{introduced_by_ai(scan.findings)}: "
                             f"{places(scan.findings)}", found, *gaps)
    audited = f", {scan.audited_out} audited in the baseline" if scan.audited_out else ""
    if gaps:
        return Outcome.unknown(f"no unaudited secret in {scan.files:,} file(s) scanned{audited}, "
                               f"but {not_scanned(gaps)}", found, *gaps)
    return Outcome.met(f"no unaudited secret in {scan.files:,} file(s) scanned{audited}", found)


@rule("GDA-4a")
def dataflow_checks_run(facts: Facts) -> Outcome:
    """A data-flow analysis runs on PRs, or the bundled data-flow rules find nothing."""
    jobs = ci_jobs(facts, {"dataflow"}, triggers={"pull_request"})
    if jobs:
        return Outcome.met(f"data-flow analysis on PRs/MRs: {name_jobs(jobs)}", *cite_jobs(jobs))
    found = observed(facts, FlowScan)
    if isinstance(found, Outcome):
        return Outcome.unknown("no data-flow analysis on PRs/MRs in CI; " + found.summary,
                               *facts.gaps(FlowScan), *facts.all(CiPipeline), snapshot(facts))
    flows = [f for f in found.payload.findings if f.category == "dataflow"]
    gaps = facts.gaps(FlowScan)
    if flows:
        return Outcome.unmet(f"no data-flow check on PRs/MRs and {len(flows)} risky flow(s) "
                             f"found{introduced_by_ai(flows)}: {places(flows)}", found, *gaps)
    if gaps:
        return Outcome.unknown("no data-flow check on PRs/MRs; the bundled data-flow rules "
                               f"found no violation in {found.payload.files:,} file(s), but "
                               f"{not_scanned(gaps)}", found, *gaps)
    return Outcome.met(f"bundled data-flow rules found no violation in "
                       f"{found.payload.files:,} file(s)", found)


Located = SecretFinding | CodeFinding

#: Findings named in a summary; the evidence lists them all.
NAMED_FINDINGS = 5


def places(findings: Sequence[Located]) -> str:
    """``path:line`` of the first findings, and how many more."""
    named = ", ".join(f"{f.path}:{f.line}" for f in findings[:NAMED_FINDINGS])
    more = len(findings) - NAMED_FINDINGS
    return named + (f" and {more} more" if more > 0 else "")


def introduced_by_ai(findings: Sequence[Located]) -> str:
    """`` (N introduced by AI-attributed commits)``, or nothing."""
    ai = sum(1 for f in findings if f.ai_attributed)
    return f" ({ai} introduced by AI-attributed commits)" if ai else ""


def not_scanned(gaps: Sequence[Gap]) -> str:
    """What could not be scanned, for a summary."""
    where = sorted({g.provenance.locator.removeprefix("tree:") for g in gaps})
    named = ", ".join(where[:NAMED_FINDINGS])
    more = len(where) - NAMED_FINDINGS
    return f"{len(where)} could not be scanned ({named}{f' and {more} more' if more > 0 else ''})"


@rule("GDA-4b")
def secrets_blocked_at_push(facts: Facts) -> Outcome:
    """Secret push protection is enabled on the platform."""
    found = observed(facts, SecurityFeatures)
    if isinstance(found, Outcome):
        return found
    state = found.payload.push_protection
    if state is None:
        return Outcome.unknown("push protection setting not visible to this token", found)
    if state:
        return Outcome.met("secret push protection enabled", found)
    return Outcome.unmet("secret push protection disabled", found)


@rule("GDA-4c")
def agents_cannot_read_secrets(facts: Facts) -> Outcome:
    """Agent deny rules or AI ignore files cover secret files such as ``.env``."""
    files = ai_files(facts)
    blocked = secret_files_blocked(files)
    open_files = [f for f in SECRET_FILES if f not in blocked]
    if ".env" in blocked:
        deciding = [e for e in files if secret_files_blocked([e])]
        return Outcome.met(f"agents are denied {', '.join(blocked)}"
                           + (f" (not: {', '.join(open_files)})" if open_files else ""),
                           *deciding)
    summary = ("agent rules do not cover .env" if files
               else "no agent deny rules or AI ignore files")
    return absent(facts, summary, AiConfigFile, seen=files)


@rule("GDA-5a")
def data_access_enforced_at_runtime(facts: Facts) -> Outcome:
    """Policy-as-code for data access is applied in CI (runtime needs an attestation)."""
    policies = facts.all(PolicyCode)
    jobs = ci_jobs(facts, {"policy-as-code"})
    if policies and jobs:
        return Outcome.met(f"policy-as-code ({paths(policies)}) evaluated in CI: "
                           f"{name_jobs(jobs)}", *policies, *cite_jobs(jobs))
    summary = ("policy files present but not evaluated in CI" if policies
               else "no policy-as-code in the repository")
    cites = [*policies, *cite_jobs(jobs), *facts.gaps(PolicyCode, CiPipeline)]
    return Outcome.unknown(f"{summary}; enforcement at execution time is not observable "
                           "from a repository and needs an attestation",
                           *(cites or [snapshot(facts)]), reason=UnknownReason.NOT_OBSERVABLE)

"""Traceability & Audit (Model D): what AI did, and whether it can be proven later."""

from __future__ import annotations

from rules.queries import (
    absent,
    ai_files,
    ci_jobs,
    ci_runs,
    cite_jobs,
    hooks,
    name_jobs,
    observed,
    paths,
)
from rules.registry import rule
from scanner.evidence import Evidence, Facts, Gap, Item, UnknownReason
from scanner.model import Outcome
from scanner.payloads import (
    Attribution,
    BomFile,
    BranchRules,
    CiPipeline,
    History,
    HookConfig,
    PolicyDocument,
    ProvenanceRefs,
)

#: Share of verified-signed commits Model D level 5 asks for.
SIGNED_SHARE = 0.9
#: Months with commits looked at, and how many of them need AI attribution.
RECENT_MONTHS = 6
ATTRIBUTED_MONTHS = 3


def _history(facts: Facts) -> tuple[Evidence[Attribution], Evidence[History]] | Outcome:
    """Attribution and history evidence, or an ``unknown`` citing why they are missing."""
    attribution = observed(facts, Attribution)
    if isinstance(attribution, Outcome):
        return attribution
    history = observed(facts, History)
    if isinstance(history, Outcome):
        return history
    return attribution, history


def _unmet_unless_truncated(summary: str, history: Evidence[History],
                            *cites: Item) -> Outcome:
    """Unmet, or unknown when a shallow clone cut the window short."""
    if history.payload.truncated:
        return Outcome.unknown(f"{summary} in the readable part; the history is shallow and "
                               "the window is truncated", history, *cites,
                               reason=UnknownReason.UNREADABLE)
    return Outcome.unmet(summary, history, *cites)


@rule("TRA-2a")
def some_attribution(facts: Facts) -> Outcome:
    """At least one commit in the window carries an AI attribution signal."""
    found = _history(facts)
    if isinstance(found, Outcome):
        return found
    attribution, history = found
    ai = attribution.payload
    if ai.ai_commits:
        tools = ", ".join(f"{t.tool} ({t.commits})" for t in ai.tools[:4])
        return Outcome.met(f"{ai.ai_commits} of {ai.commits} commits carry AI attribution: "
                           f"{tools}", attribution)
    if ai.commits == 0:
        return _unmet_unless_truncated("no commits in the window", history, attribution)
    return _unmet_unless_truncated(f"none of {ai.commits} commits carries AI attribution",
                                   history, attribution)


def _suppression(facts: Facts) -> tuple[str, list[Item]]:
    """Committed settings or hooks that switch AI attribution off, as text and citations."""
    settings = [e for e in ai_files(facts) if e.payload.attribution_disabled]
    strippers = hooks(facts, {"attribution-strip"})
    parts = [f"{e.payload.path} ({', '.join(e.payload.attribution_disabled)})" for e in settings]
    parts += [f"{h.evidence.payload.path}:{h.hook.id}" for h in strippers]
    text = f"attribution is switched off by {'; '.join(parts)}" if parts else ""
    return text, [*settings, *(h.evidence for h in strippers)]


@rule("TRA-3a")
def attribution_is_a_rule(facts: Facts) -> Outcome:
    """A written convention names the trailer, or a hook/CI check enforces attribution."""
    suppressed, switches = _suppression(facts)
    docs = [e for e in facts.all(PolicyDocument)
            if e.payload.attribution_trailers and not e.payload.forbids_attribution]
    enforced = hooks(facts, {"ai-policy"})
    jobs = ci_jobs(facts, {"ai-policy"})
    if docs or enforced or jobs:
        trailers = sorted({t for e in docs for t in e.payload.attribution_trailers})
        found = (f"{paths(docs)} name(s) the trailer {', '.join(trailers)}" if docs
                 else "attribution enforced by a hook or CI check")
        cites = [*docs, *(h.evidence for h in enforced), *cite_jobs(jobs)]
        if suppressed:
            # The repository's own settings contradict its rule: practice beats paper.
            return Outcome.unmet(f"{found}, but {suppressed}", *cites, *switches)
        return Outcome.met(found, *cites)
    forbidding = [e for e in facts.all(PolicyDocument) if e.payload.forbids_attribution]
    summary = (f"{paths(forbidding)} forbids attribution trailers" if forbidding
               else "no written attribution convention and no hook or CI check enforcing it")
    if suppressed:
        summary += f"; {suppressed}"
    return absent(facts, summary, PolicyDocument, HookConfig, CiPipeline,
                  seen=[*forbidding, *switches])


@rule("TRA-3b")
def attribution_is_consistent(facts: Facts) -> Outcome:
    """AI-attributed commits appear in at least 3 of the last 6 months with commits."""
    found = _history(facts)
    if isinstance(found, Outcome):
        return found
    attribution, history = found
    active = [m for m in history.payload.months if m.commits][-RECENT_MONTHS:]
    attributed = [m.month for m in active if m.ai_commits]
    summary = (f"AI attribution in {len(attributed)} of the last {len(active)} active months"
               + (f" ({', '.join(attributed)})" if attributed else ""))
    if len(attributed) >= ATTRIBUTED_MONTHS:
        return Outcome.met(summary, history, attribution)
    return _unmet_unless_truncated(summary, history, attribution)


@rule("TRA-4a")
def model_is_named(facts: Facts) -> Outcome:
    """Attribution names the model, or line-level provenance is kept."""
    refs = facts.one(ProvenanceRefs)
    if isinstance(refs, Evidence) and refs.payload.refs:
        kept = ", ".join(f"{r.ref} ({r.entries})" for r in refs.payload.refs)
        return Outcome.met(f"line-level provenance kept in {kept}", refs)
    traces = ai_files(facts, "provenance")
    if traces:
        return Outcome.met(f"provenance records kept in {paths(traces)}", *traces)
    found = _history(facts)
    if isinstance(found, Outcome):
        return found
    attribution, history = found
    ai = attribution.payload
    if ai.model_named_commits:
        return Outcome.met(f"{ai.model_named_commits} of {ai.ai_commits} AI commits name the "
                           "model or tool version", attribution)
    summary = ("AI attribution never names the model" if ai.ai_commits
               else "no AI attribution, so no model is named")
    if isinstance(refs, Gap):
        return Outcome.unknown(f"{summary}; provenance refs could not be read: {refs.detail}",
                               attribution, refs)
    cites = [c for c in (refs,) if isinstance(c, Evidence)]
    return _unmet_unless_truncated(summary, history, attribution, *cites)


@rule("TRA-4b")
def sbom_generated(facts: Facts) -> Outcome:
    """CI generates an SBOM."""
    return ci_runs(facts, {"sbom"}, "SBOM generated by", "no CI job generates an SBOM")


@rule("TRA-5a")
def history_verifiable(facts: Facts) -> Outcome:
    """Signed commits are required and at least 90 % of commits are verified-signed."""
    history = observed(facts, History)
    if isinstance(history, Outcome):
        return history
    counts = history.payload
    sample = counts.signature_sample
    if sample == 0:
        return _unmet_unless_truncated("no commits in the window to check signatures of",
                                       history)
    summary = (f"of the {sample} most recent commits {counts.signed} are signed, "
               f"{counts.verified} verified ({counts.verified / sample:.0%})")
    if counts.signed / sample < SIGNED_SHARE:
        return Outcome.unmet(summary, history)
    if counts.verified / sample < SIGNED_SHARE:
        if (counts.verified + counts.unverifiable) / sample >= SIGNED_SHARE:
            return Outcome.unknown(f"{summary}; {counts.unverifiable} could not be checked "
                                   "with the keys known here", history,
                                   reason=UnknownReason.NOT_OBSERVABLE)
        return Outcome.unmet(f"{summary}; some signatures are bad, expired or revoked",
                             history)
    rules = observed(facts, BranchRules)
    if isinstance(rules, Outcome):
        return Outcome.unknown(f"{summary}; whether signing is required: {rules.summary}",
                               history, *facts.gaps(BranchRules))
    if rules.payload.signed_commits is None:
        return Outcome.unknown(f"{summary}; whether signed commits are required is not "
                               "visible to this token", history, rules,
                               reason=UnknownReason.NOT_PERMITTED)
    if rules.payload.signed_commits:
        return Outcome.met(f"{summary}; signed commits required", history, rules)
    return Outcome.unmet(f"{summary}; signed commits not required", history, rules)


@rule("TRA-5b")
def build_provenance_attested(facts: Facts) -> Outcome:
    """CI produces build provenance attestations."""
    return ci_runs(facts, {"provenance"}, "provenance attested by",
                   "no CI job attests build provenance")


@rule("TRA-5c")
def ai_bom_kept(facts: Facts) -> Outcome:
    """An AI-BOM is kept in the repository or generated in CI."""
    boms = [e for e in facts.all(BomFile) if e.payload.ai_components or e.payload.ai_codegen]
    if boms:
        return Outcome.met(f"AI-BOM kept: {paths(boms)}", *boms)
    jobs = ci_jobs(facts, {"aibom"})
    if jobs:
        return Outcome.met(f"AI-BOM generated by {name_jobs(jobs)}", *cite_jobs(jobs))
    return absent(facts, "no AI-BOM in the repository or CI", BomFile, CiPipeline,
                  seen=facts.all(BomFile))

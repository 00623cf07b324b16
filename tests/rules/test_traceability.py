"""Traceability & Audit rules, as a table: a row per answer each indicator can give."""

from __future__ import annotations

import pytest

from scanner.evidence import UnknownReason
from scanner.model import Status
from scanner.payloads import BomFile, RefCount
from tests.rules.builders import (
    NO_AI,
    STEADY_AI,
    Row,
    ai_config,
    bom,
    branch_rules,
    broken_ci,
    broken_history,
    broken_refs,
    check,
    ci,
    file_gap,
    history,
    hook,
    job,
    month,
    params,
    policy,
    precommit,
    provenance_refs,
    scan,
)

MET, UNMET, UNKNOWN = Status.MET, Status.UNMET, Status.UNKNOWN
UNREADABLE = UnknownReason.UNREADABLE
CI = ".github/workflows/ci.yml"
RELEASE = ".github/workflows/release.yml"

#: Eight active months, AI attribution only in the first two (before the last six).
EARLY_AI = tuple(month(f"2026-{m:02d}", 10, 4 if m < 5 else 0) for m in range(3, 11))
#: A shallow clone: two readable months, AI attribution in one.
SHALLOW = (month("2026-09", 3), month("2026-10", 5, 1))


ROWS: list[Row] = [
    # ------------------------------------------------------------------ TRA-2a
    Row("TRA-2a", "AI attribution in the window",
        lambda: scan(*history(*STEADY_AI)), MET, says=("9 of 45 commits", "claude-code (9)")),
    Row("TRA-2a", "no AI attribution in 60 commits",
        lambda: scan(*history(*NO_AI)), UNMET, says=("none of 60 commits",)),
    Row("TRA-2a", "no commits in the window",
        lambda: scan(*history()), UNMET, says=("no commits in the window",)),
    Row("TRA-2a", "no attribution in what a shallow clone kept",
        lambda: scan(*history(month("2026-10", 5), truncated=True)), UNKNOWN, UNREADABLE,
        says=("shallow",)),
    Row("TRA-2a", "git log failed", lambda: scan(*broken_history()), UNKNOWN, UNREADABLE),
    # ------------------------------------------------------------------ TRA-3a
    Row("TRA-3a", "contributing guide names the trailer",
        lambda: scan(policy("CONTRIBUTING.md", "contributing", mentions_ai=True,
                            attribution_trailers=("Assisted-by",))), MET,
        says=("CONTRIBUTING.md", "Assisted-by")),
    Row("TRA-3a", "the trailer is named but committed settings switch attribution off",
        lambda: scan(policy("CONTRIBUTING.md", "contributing", mentions_ai=True,
                            attribution_trailers=("Assisted-by",)),
                     ai_config("claude-code", ".claude/settings.json", "guardrail",
                               attribution_disabled=("includeCoAuthoredBy=false",))), UNMET,
        says=("Assisted-by", "switched off by .claude/settings.json (includeCoAuthoredBy=false)")),
    Row("TRA-3a", "no convention and a hook strips AI trailers",
        lambda: scan(precommit(hook("ad-blocker", "precommit-ad-blocker",
                                    stages=("commit-msg",)))), UNMET,
        says=("switched off by .pre-commit-config.yaml:ad-blocker",)),
    Row("TRA-3a", "commit-msg hook enforces disclosure",
        lambda: scan(precommit(hook("disclosure", "chaoss-disclosure",
                                    stages=("commit-msg",)))), MET),
    Row("TRA-3a", "CI checks disclosure",
        lambda: scan(ci(CI, job("disclosure", "chaoss-disclosure",
                                triggers=("pull_request",)))), MET),
    Row("TRA-3a", "policy forbids attribution trailers",
        lambda: scan(policy("CONTRIBUTING.md", "contributing", mentions_ai=True,
                            forbids_attribution=True)), UNMET,
        says=("forbids attribution trailers",)),
    Row("TRA-3a", "no convention and no check", lambda: scan(ci(CI, job("test", "pytest"))),
        UNMET),
    Row("TRA-3a", "nothing found but a workflow is malformed",
        lambda: scan(broken_ci()), UNKNOWN, UNREADABLE),
    # ------------------------------------------------------------------ TRA-3b
    Row("TRA-3b", "attribution in 3 of 5 active months",
        lambda: scan(*history(*STEADY_AI)), MET,
        says=("3 of the last 5 active months", "2026-06, 2026-08, 2026-10")),
    Row("TRA-3b", "attribution in the last 2 of 6 active months",
        lambda: scan(*history(*NO_AI[:4], month("2026-09", 10, 1), month("2026-10", 10, 2))),
        UNMET, says=("2 of the last 6 active months (2026-09, 2026-10)",)),
    Row("TRA-3b", "attribution only before the last six active months",
        lambda: scan(*history(*EARLY_AI)), UNMET, says=("0 of the last 6",)),
    Row("TRA-3b", "too few attributed months in a truncated history",
        lambda: scan(*history(*SHALLOW, truncated=True)), UNKNOWN, UNREADABLE,
        says=("1 of the last 2 active months (2026-10)", "truncated")),
    Row("TRA-3b", "consistent even in a truncated history",
        lambda: scan(*history(*STEADY_AI, truncated=True)), MET),
    Row("TRA-3b", "git log failed", lambda: scan(*broken_history()), UNKNOWN, UNREADABLE),
    # ------------------------------------------------------------------ TRA-4a
    Row("TRA-4a", "git-ai notes kept",
        lambda: scan(provenance_refs(RefCount(ref="refs/notes/ai", entries=31)),
                     *history(*STEADY_AI)), MET, says=("refs/notes/ai (31)",)),
    Row("TRA-4a", "Agent Trace records kept",
        lambda: scan(ai_config("agent-trace", ".agent-trace/traces.jsonl", "provenance"),
                     provenance_refs(), *history(*NO_AI)), MET,
        says=(".agent-trace/traces.jsonl",)),
    Row("TRA-4a", "trailers name the model",
        lambda: scan(provenance_refs(), *history(*STEADY_AI, model_named=6)), MET,
        says=("6 of 9",)),
    Row("TRA-4a", "attribution never names the model",
        lambda: scan(provenance_refs(), *history(*STEADY_AI)), UNMET,
        says=("never names the model",)),
    Row("TRA-4a", "no AI attribution at all",
        lambda: scan(provenance_refs(), *history(*NO_AI)), UNMET,
        says=("no AI attribution",)),
    Row("TRA-4a", "no model named in a truncated history",
        lambda: scan(provenance_refs(), *history(*SHALLOW, truncated=True)), UNKNOWN,
        UNREADABLE),
    Row("TRA-4a", "git log failed", lambda: scan(provenance_refs(), *broken_history()),
        UNKNOWN, UNREADABLE),
    Row("TRA-4a", "no model named and the provenance refs could not be read",
        lambda: scan(broken_refs(), *history(*STEADY_AI)), UNKNOWN, UNREADABLE),
    # ------------------------------------------------------------------ TRA-4b
    Row("TRA-4b", "syft in the release workflow",
        lambda: scan(ci(RELEASE, job("sbom", "syft", triggers=("tag",)))), MET,
        says=("syft",)),
    Row("TRA-4b", "CI without an SBOM", lambda: scan(ci(CI, job("test", "pytest"))), UNMET),
    Row("TRA-4b", "no SBOM found but a workflow is malformed",
        lambda: scan(ci(CI, job("test", "pytest")), broken_ci(RELEASE)), UNKNOWN, UNREADABLE,
        says=(RELEASE,)),
    # ------------------------------------------------------------------ TRA-5a
    Row("TRA-5a", "20 of 45 verified: unmet whatever the branch rules say",
        lambda: scan(*history(*STEADY_AI, verified=20)), UNMET,
        says=("of the 45 most recent commits 20 are signed, 20 verified",)),
    Row("TRA-5a", "all signed but most cannot be checked with local keys",
        lambda: scan(*history(*STEADY_AI, verified=5, unverifiable=40)), UNKNOWN,
        UnknownReason.NOT_OBSERVABLE, says=("40 could not be checked",)),
    Row("TRA-5a", "nearly all signed, but several signatures bad",
        lambda: scan(*history(*STEADY_AI, verified=35, unverifiable=2, bad=6)), UNMET,
        says=("43 are signed", "bad, expired or revoked")),
    Row("TRA-5a", "nearly all verified, signing requirement not visible locally",
        lambda: scan(*history(*STEADY_AI, verified=43)), UNKNOWN, UnknownReason.UNSUPPORTED,
        says=("43 verified", "whether signing is required")),
    Row("TRA-5a", "exactly 90 % verified and signing required",
        lambda: scan(*history(month("2026-10", 10), verified=9),
                     branch_rules(signed_commits=True)), MET,
        says=("signed commits required",)),
    Row("TRA-5a", "nearly all verified but signing not required",
        lambda: scan(*history(*STEADY_AI, verified=43), branch_rules(signed_commits=False)),
        UNMET, says=("signed commits not required",)),
    Row("TRA-5a", "nearly all verified, push rules not visible to this token (GitLab)",
        lambda: scan(*history(*STEADY_AI, verified=43), branch_rules(signed_commits=None)),
        UNKNOWN, UnknownReason.NOT_PERMITTED, says=("not visible to this token",)),
    Row("TRA-5a", "git log failed", lambda: scan(*broken_history()), UNKNOWN, UNREADABLE),
    # ------------------------------------------------------------------ TRA-5b
    Row("TRA-5b", "attest-build-provenance in the release workflow",
        lambda: scan(ci(RELEASE, job("attest", "github-attestations", triggers=("tag",)))),
        MET, says=("github-attestations",)),
    Row("TRA-5b", "release without provenance",
        lambda: scan(ci(RELEASE, job("sbom", "syft", triggers=("tag",)))), UNMET),
    Row("TRA-5b", "no provenance found but a workflow is malformed",
        lambda: scan(broken_ci(RELEASE)), UNKNOWN, UNREADABLE),
    # ------------------------------------------------------------------ TRA-5c
    Row("TRA-5c", "CycloneDX AI-BOM kept",
        lambda: scan(bom("ai-bom.cdx.json", ai_components=3)), MET, says=("ai-bom.cdx.json",)),
    Row("TRA-5c", "BOM with AI codegen provenance",
        lambda: scan(bom("bom.json", ai_codegen=True)), MET),
    Row("TRA-5c", "cdxgen ML-BOM generated in CI",
        lambda: scan(ci(RELEASE, job("mlbom", "cdxgen-mlbom", triggers=("tag",)))), MET,
        says=("cdxgen-mlbom",)),
    Row("TRA-5c", "only a plain SBOM",
        lambda: scan(bom("sbom.cdx.json"), ci(RELEASE, job("sbom", "syft"))), UNMET),
    Row("TRA-5c", "a BOM in a format the scanner does not understand",
        lambda: scan(file_gap("artifacts@1", BomFile, "bom.xml",
                              "bom.xml: CycloneDX XML is not supported",
                              UnknownReason.UNSUPPORTED)), UNKNOWN, UnknownReason.UNSUPPORTED),
]


@pytest.mark.parametrize("row", params(ROWS))
def test_traceability(row: Row) -> None:
    check(row)

"""Guarded Data Access rules, as a table: a row per answer each indicator can give."""

from __future__ import annotations

import pytest

from scanner.evidence import UnknownReason
from scanner.model import Status
from scanner.payloads import FlowScan, SecretScan
from tests.rules.builders import (
    Row,
    ai_config,
    broken_ai_config,
    broken_hooks,
    broken_policy,
    check,
    ci,
    code_scan,
    flow,
    hook,
    job,
    not_scanned,
    params,
    policy,
    policy_code,
    precommit,
    scan,
    secret,
    secret_scan,
    secrets_baseline,
    security_features,
)

MET, UNMET, UNKNOWN = Status.MET, Status.UNMET, Status.UNKNOWN
UNSUPPORTED = UnknownReason.UNSUPPORTED
NOT_OBSERVABLE = UnknownReason.NOT_OBSERVABLE
SETTINGS = ".claude/settings.json"
CI = ".github/workflows/ci.yml"

ROWS: list[Row] = [
    # ------------------------------------------------------------------ GDA-2a
    Row("GDA-2a", "data-classification document",
        lambda: scan(policy("docs/data-classification.md", "data-classification")), MET,
        says=("docs/data-classification.md",)),
    Row("GDA-2a", "AI policy states data rules",
        lambda: scan(policy("AI_POLICY.md", "ai-policy", mentions_ai=True, covers_data=True)),
        MET),
    Row("GDA-2a", "ignore file keeps .env out of AI context",
        lambda: scan(ai_config("cursor", ".cursorignore", "ignore",
                               ignore_patterns=(".env*", "*.pem"))), MET,
        says=(".cursorignore",)),
    Row("GDA-2a", "ignore file that excludes only build output",
        lambda: scan(ai_config("gemini", ".aiexclude", "ignore",
                               ignore_patterns=("node_modules/", "dist/"))), UNMET),
    Row("GDA-2a", "no data rules anywhere",
        lambda: scan(policy("CONTRIBUTING.md", "contributing")), UNMET),
    Row("GDA-2a", "nothing found but the contributing guide could not be read",
        lambda: scan(broken_policy()), UNKNOWN, UnknownReason.UNREADABLE),
    Row("GDA-2a", "nothing found but an AI ignore file could not be read",
        lambda: scan(broken_ai_config(".aiexclude")), UNKNOWN, UnknownReason.UNREADABLE),
    # ------------------------------------------------------------------ GDA-3a
    Row("GDA-3a", "gitleaks pre-commit hook",
        lambda: scan(precommit(hook("gitleaks", "gitleaks"))), MET,
        says=(".pre-commit-config.yaml:gitleaks",)),
    Row("GDA-3a", "secrets scanner in CI",
        lambda: scan(ci(CI, job("secrets", "gitleaks"))), MET, says=("ci.yml#secrets",)),
    Row("GDA-3a", "a detect-secrets baseline",
        lambda: scan(secrets_baseline()), MET, says=(".secrets.baseline",)),
    Row("GDA-3a", "hooks and CI without a secrets scanner",
        lambda: scan(precommit(hook("ruff", "ruff")), ci(CI, job("test", "pytest"))), UNMET),
    Row("GDA-3a", "nothing found but the hook configuration could not be read",
        lambda: scan(ci(CI, job("test", "pytest")), broken_hooks()), UNKNOWN,
        UnknownReason.UNREADABLE, says=(".pre-commit-config.yaml",)),
    # ------------------------------------------------------------------ GDA-3b
    Row("GDA-3b", "local scan: the code scan is not collected", scan, UNKNOWN,
        UnknownReason.NOT_COLLECTED),
    Row("GDA-3b", "clean tree", lambda: scan(*code_scan()), MET),
    Row("GDA-3b", "two live secrets",
        lambda: scan(*code_scan(secrets=(secret("config/prod.py", ai=False),
                                        secret("scripts/release.sh", ai=True)))),
        UNMET, says=("2 unaudited secret(s)", "(1 introduced by AI-attributed commits)",
                      "config/prod.py:12, scripts/release.sh:12")),
    Row("GDA-3b", "the only secrets are audited false positives in the baseline",
        lambda: scan(secret_scan(audited_out=2)), MET, says=("2 audited in the baseline",)),
    Row("GDA-3b", "no secret found, but a file timed out",
        lambda: scan(*code_scan(), not_scanned(SecretScan, "data/big.py")), UNKNOWN,
        UnknownReason.UNREADABLE, says=("1 could not be scanned (data/big.py)",)),
    Row("GDA-3b", "a secret found, and a file timed out",
        lambda: scan(*code_scan(secrets=(secret("config/prod.py", ai=None),)),
                     not_scanned(SecretScan, "data/big.py")), UNMET),
    Row("GDA-3b", "secrets scanned, data flows not (semgrep missing)",
        lambda: scan(secret_scan()), MET),
    # ------------------------------------------------------------------ GDA-4a
    Row("GDA-4a", "CodeQL on pull requests",
        lambda: scan(ci(CI, job("analyze", "codeql", triggers=("pull_request",)))), MET,
        says=("codeql",)),
    Row("GDA-4a", "data-flow analysis only on push, code scan not collected",
        lambda: scan(ci(CI, job("analyze", "codeql", triggers=("push",)))), UNKNOWN,
        UnknownReason.NOT_COLLECTED, says=("no data-flow analysis on PRs",)),
    Row("GDA-4a", "bundled data-flow rules find nothing", lambda: scan(*code_scan()), MET),
    Row("GDA-4a", "bundled data-flow rules find a risky flow",
        lambda: scan(*code_scan(dataflow=(flow("pii-to-log", "src/users.py", ai=True),))),
        UNMET, says=("1 risky flow(s)",)),
    Row("GDA-4a", "only a risky pattern, no data flow",
        lambda: scan(*code_scan(dataflow=(flow("tls-verification-disabled-go", "main.go",
                                               ai=False, category="risky-pattern"),))), MET),
    Row("GDA-4a", "no flow found, but a file could not be parsed",
        lambda: scan(*code_scan(), not_scanned(FlowScan, "src/app.js")), UNKNOWN,
        UnknownReason.UNREADABLE, says=("src/app.js",)),
    # ------------------------------------------------------------------ GDA-4b
    Row("GDA-4b", "local scan", scan, UNKNOWN, UNSUPPORTED),
    Row("GDA-4b", "push protection on",
        lambda: scan(security_features(secret_scanning=True, push_protection=True)), MET),
    Row("GDA-4b", "push protection off",
        lambda: scan(security_features(secret_scanning=True, push_protection=False)), UNMET),
    Row("GDA-4b", "push protection not visible to the token",
        lambda: scan(security_features(push_protection=None)), UNKNOWN, NOT_OBSERVABLE),
    # ------------------------------------------------------------------ GDA-4c
    Row("GDA-4c", "Read(./.env) denied",
        lambda: scan(ai_config("claude-code", SETTINGS, "guardrail",
                               deny_rules=("Read(./.env)", "Read(./secrets/**)"))), MET,
        says=(".env", "secrets/api-key.txt", "(not: ")),
    Row("GDA-4c", "ignore file covers .env and keys",
        lambda: scan(ai_config("cursor", ".cursorignore", "ignore",
                               ignore_patterns=(".env*", "*.pem", "id_rsa"))), MET,
        says=("deploy/server.pem", "id_rsa")),
    Row("GDA-4c", "deny rules that leave .env readable",
        lambda: scan(ai_config("claude-code", SETTINGS, "guardrail",
                               deny_rules=("Read(./secrets/**)", "Bash(curl:*)"))), UNMET,
        says=("do not cover .env",)),
    Row("GDA-4c", "editing .env denied, reading it allowed",
        lambda: scan(ai_config("claude-code", SETTINGS, "guardrail",
                               deny_rules=("Edit(./.env)", "Write(./.env)"))), UNMET),
    Row("GDA-4c", "no agent configuration", scan, UNMET,
        says=("no agent deny rules",)),
    Row("GDA-4c", "nothing found but the settings file is malformed",
        lambda: scan(broken_ai_config()), UNKNOWN, UnknownReason.UNREADABLE),
    # ------------------------------------------------------------------ GDA-5a
    Row("GDA-5a", "Rego policies evaluated by conftest in CI",
        lambda: scan(policy_code("policy/data.rego", "policy/pii.rego"),
                     ci(CI, job("policy", "conftest"))), MET, says=("conftest",)),
    Row("GDA-5a", "Rego policies not evaluated in CI",
        lambda: scan(policy_code("policy/data.rego"), ci(CI, job("test", "pytest"))), UNKNOWN,
        NOT_OBSERVABLE, says=("not evaluated in CI", "attestation")),
    Row("GDA-5a", "no policy-as-code", scan, UNKNOWN, NOT_OBSERVABLE,
        says=("no policy-as-code",)),
]


@pytest.mark.parametrize("row", params(ROWS))
def test_data_access(row: Row) -> None:
    check(row)

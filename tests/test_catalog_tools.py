"""The tool catalog: packaged entries, matching and validation."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.catalog import CatalogError, read_packaged
from scanner.catalog.tools import (
    CATEGORIES,
    MATCHED_LIMIT,
    ToolCatalog,
    categories_of,
    load_tools,
    merge_matches,
)
from scanner.payloads import ToolMatch

TOOLS = load_tools(read_packaged("tools.yaml"))


def ids(matches: tuple[ToolMatch, ...]) -> list[str]:
    return [m.tool for m in matches]


@pytest.mark.parametrize(("repo", "hook_id", "expected"), [
    ("https://github.com/gitleaks/gitleaks", "gitleaks", ["gitleaks"]),
    ("https://github.com/Yelp/detect-secrets", "detect-secrets", ["detect-secrets"]),
    ("https://github.com/pre-commit/pre-commit-hooks", "detect-private-key",
     ["pre-commit-secret-checks"]),
    ("https://github.com/pre-commit/pre-commit-hooks", "check-added-large-files",
     ["pre-commit-hooks"]),
    ("https://github.com/astral-sh/ruff-pre-commit", "ruff-format", ["ruff"]),
    ("https://github.com/PyCQA/bandit", "bandit", ["bandit"]),
    # by repository URL, whatever the hook id
    ("https://github.com/tmr232/precommit-ad-blocker", "anything", ["precommit-ad-blocker"]),
    ("https://github.com/compilerla/conventional-pre-commit", "conventional-pre-commit",
     ["conventional-pre-commit"]),
    ("local", "my-check", []),
    (None, "trailing-whitespace", ["pre-commit-hooks"]),
])
def test_match_hook(repo: str | None, hook_id: str, expected: list[str]) -> None:
    assert ids(TOOLS.match_hook(repo, hook_id)) == expected


@pytest.mark.parametrize(("uses", "expected"), [
    ("github/codeql-action/analyze@v3", ["codeql"]),
    ("github/codeql-action/init@v3", ["codeql"]),
    ("github/codeql-action/upload-sarif@v3", []),
    ("GitLeaks/Gitleaks-Action@v2", ["gitleaks"]),
    ("coderabbitai/ai-pr-reviewer@latest", ["coderabbit"]),
    ("anthropics/claude-code-action@beta", ["claude-code-action"]),
    ("CycloneDX/gh-node-module-generatebom@v1", ["cyclonedx"]),
    ("anchore/sbom-action@v0", ["syft"]),
    ("actions/attest-build-provenance@v1", ["github-attestations"]),
    ("actions/attest@v2", ["github-attestations"]),
    ("actions/attestation-thing@v1", []),  # a prefix only at a path boundary
    ("slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
     "@v2.0.0", ["slsa-github-generator"]),
    ("chaoss/disclosure/action@main", ["chaoss-disclosure"]),
    ("pre-commit/action@v3.0.1", ["pre-commit"]),
    ("docker://aquasec/trivy:0.50.0", ["trivy"]),
    ("actions/checkout@v4", []),
    ("./.github/actions/local", []),
])
def test_match_uses(uses: str, expected: list[str]) -> None:
    assert ids(TOOLS.match_uses(uses)) == expected


@pytest.mark.parametrize(("command", "expected"), [
    ("semgrep ci", ["semgrep"]),
    ("semgrep --config auto .", ["semgrep"]),
    ("pip install semgrep", []),
    ("pip install ruff mypy pytest && pytest -q", ["pytest"]),
    ("python -m pytest tests/", ["pytest"]),
    ("pip install pytest-cov", []),
    ("ruff check . && mypy src", ["mypy", "ruff"]),
    ("cp .gitleaks.toml /tmp; gitleaks detect --source .", ["gitleaks"]),
    ("trivy fs --format cyclonedx --output sbom.json .", ["trivy", "trivy-sbom"]),
    ("npm audit --audit-level=high", ["js-audit"]),
    ("pnpm audit", ["js-audit"]),
    ("npm run test:unit", ["js-test"]),
    ("yarn lint", ["js-lint"]),
    ("./gradlew :app:test", ["gradle-test"]),
    ("mvn -B verify", ["maven-test"]),
    ("go test ./...", ["go-test"]),
    ("go install golang.org/x/vuln/cmd/govulncheck@latest\ngovulncheck ./...", ["govulncheck"]),
    ("make lint test", ["make-test"]),
    ("cosign sign --yes $IMAGE", ["cosign"]),
    ("aims scan . --format sarif", ["aims"]),
    ("pre-commit run --all-files", ["pre-commit"]),
    ("snyk code test", ["snyk-code"]),
    ("snyk test --all-projects", ["snyk"]),
    ("cdxgen -t python --profile ml-deep -o bom.json", ["cdxgen", "cdxgen-mlbom"]),
    ("opa test policies/", ["opa"]),
    ("prettier --check .", ["prettier"]),
    ("prettier --write .", []),
    ("echo hello", []),
])
def test_match_command(command: str, expected: list[str]) -> None:
    assert ids(TOOLS.match_command(command)) == expected


@pytest.mark.parametrize(("template", "expected"), [
    ("Security/SAST.gitlab-ci.yml", ["gitlab-sast"]),
    ("Jobs/SAST.gitlab-ci.yml", ["gitlab-sast"]),
    ("Jobs/SAST-IaC.gitlab-ci.yml", ["gitlab-sast-iac"]),
    ("Security/Secret-Detection.gitlab-ci.yml", ["gitlab-secret-detection"]),
    ("Jobs/Dependency-Scanning.gitlab-ci.yml", ["gitlab-dependency-scanning"]),
    ("$CI_SERVER_FQDN/components/sast/sast@2.0.0", ["gitlab-sast"]),
    ("Auto-DevOps.gitlab-ci.yml", ["gitlab-auto-devops"]),
    ("/templates/build.yml", []),
])
def test_match_template(template: str, expected: list[str]) -> None:
    assert ids(TOOLS.match_template(template)) == expected


@pytest.mark.parametrize(("method", "text", "expected"), [
    ("match_image", "returntocorp/semgrep:latest", ["semgrep"]),
    ("match_image", "registry.gitlab.com/security-products/secrets:6", ["gitlab-secret-detection"]),
    ("match_image", "python:3.12", []),
    ("match_job", "semgrep-sast", ["gitlab-sast"]),
    ("match_job", "secret_detection", ["gitlab-secret-detection"]),
    ("match_job", "gemnasium-dependency_scanning", ["gitlab-dependency-scanning"]),
    ("match_job", "build", []),
])
def test_match_image_and_job(method: str, text: str, expected: list[str]) -> None:
    assert ids(getattr(TOOLS, method)(text)) == expected


def test_matches_are_sorted_and_carry_sorted_categories() -> None:
    found = TOOLS.match_command("gitleaks detect; semgrep ci; bandit -r src")
    assert ids(found) == ["bandit", "gitleaks", "semgrep"]
    assert found[2].categories == ("sast",)
    assert found[2].matched == "semgrep ci"


def test_matched_text_is_truncated() -> None:
    long_ref = "coderabbitai/" + "x" * 500
    (match,) = TOOLS.match_uses(long_ref)
    assert len(match.matched) == MATCHED_LIMIT


def test_packaged_catalog_uses_only_known_categories() -> None:
    used = {c for tool in TOOLS.tools for c in tool.categories}
    assert used <= CATEGORIES
    assert {"sast", "sca", "secrets", "sbom", "provenance", "ai-review", "aims"} <= used


def test_merge_and_categories_helpers() -> None:
    a = ToolMatch(tool="b", categories=("lint",), matched="first")
    b = ToolMatch(tool="a", categories=("sast", "dataflow"), matched="x")
    c = ToolMatch(tool="b", categories=("lint",), matched="second")
    merged = merge_matches([(a,), (b, c)])
    assert [(m.tool, m.matched) for m in merged] == [("a", "x"), ("b", "first")]
    assert categories_of(merged) == ("dataflow", "lint", "sast")


def entry(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "mytool", "name": "My tool", "categories": ["sast"],
                            "commands": [r"\bmytool\b"]}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(("raw", "message"), [
    ({"version": 1, "tools": [entry(categories=["fuzzing"])]}, "'mytool': unknown or missing"),
    ({"version": 1, "tools": [entry(categories=[])]}, "'mytool': unknown or missing"),
    ({"version": 1, "tools": [entry(commands=["(unclosed"])]}, "'mytool': bad regex"),
    ({"version": 1, "tools": [entry(colour="red")]}, "'mytool': unknown keys ['colour']"),
    ({"version": 1, "tools": [entry(id=None)]}, "tools entry #0: 'id'"),
    ({"version": 1, "tools": [entry(id="Bad Id")]}, "'Bad Id': 'id' must be"),
    ({"version": 1, "tools": [entry(name="")]}, "'mytool': 'name'"),
    ({"version": 1, "tools": [entry(hooks="gitleaks")]}, "'hooks' must be a list"),
    ({"version": 1, "tools": [entry(reports=[1])]}, "'reports' must be a list"),
    ({"version": 1, "tools": [entry(commands=None)]}, "'mytool': no match rules"),
    ({"version": 1, "tools": [entry(), entry()]}, "'mytool': duplicate id"),
    ({"version": 1, "tools": ["mytool"]}, "tools entry #0: expected a mapping"),
    ({"version": 1, "tools": [], "ignore": ["(bad"]}, "'ignore': bad regex"),
    ({"version": 1, "tools": [], "extra": 1}, "unknown keys ['extra']"),
    ({"version": 1}, "'tools' must be a list"),
    (["not", "a", "mapping"], "expected a mapping"),
])
def test_load_tools_rejects_invalid_entries(raw: Any, message: str) -> None:
    with pytest.raises(CatalogError) as info:
        load_tools(raw)
    assert message in str(info.value)


def test_extend_adds_tools_and_rejects_duplicates() -> None:
    extended = TOOLS.extend([entry(id="inhouse-scan", uses=["acme/scan-action"])])
    assert ids(extended.match_uses("acme/scan-action@v1")) == ["inhouse-scan"]
    assert ids(extended.match_command("mytool --all")) == ["inhouse-scan"]
    assert ids(TOOLS.match_uses("acme/scan-action@v1")) == []  # the original is unchanged
    with pytest.raises(CatalogError, match="'gitleaks': duplicate id"):
        TOOLS.extend([entry(id="gitleaks")])
    with pytest.raises(CatalogError, match="'bad': bad regex"):
        TOOLS.extend([entry(id="bad", commands=["[z-a]"])])


def test_ignore_patterns_apply_to_extensions() -> None:
    catalog = ToolCatalog(()).extend([entry()])
    assert ids(catalog.match_command("pip install mytool")) == ["mytool"]
    assert ids(TOOLS.extend([entry()]).match_command("pip install mytool")) == []


@pytest.mark.parametrize("tool", TOOLS.tools, ids=lambda t: t.id)
def test_packaged_command_patterns_stay_fast(tool: Any) -> None:
    # A literal start lets the engine skip ahead; bounded gaps keep a long line linear.
    for pattern in tool.commands:
        assert not pattern.pattern.startswith(("\\b", "(?<")), pattern.pattern
        assert "]*" not in pattern.pattern and "\\S*" not in pattern.pattern, pattern.pattern


@pytest.mark.parametrize(("command", "expected"), [
    ("cat .gitleaks.toml", []),
    ("xmypy src", []),
    ("vendor/bin/phpunit", ["phpunit"]),
    ("xmypy src && mypy src", ["mypy"]),  # a rejected candidate does not hide a later one
])
def test_command_matches_start_a_word(command: str, expected: list[str]) -> None:
    assert ids(TOOLS.match_command(command)) == expected


def test_template_reports() -> None:
    found = TOOLS.match_template("Auto-DevOps.gitlab-ci.yml") + TOOLS.match_command("pytest")
    assert TOOLS.template_reports(found) == ("dependency_scanning", "sast", "secret_detection")
    assert TOOLS.template_reports(TOOLS.match_command("pytest")) == ()

"""The file catalog: packaged entries, lookups, sensitive areas and validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scanner.catalog import CatalogError, read_packaged
from scanner.catalog.files import FileCatalog, load_files

RAW = read_packaged("files.yaml")
FILES = load_files(RAW)


def test_codeowners_locations_in_precedence_order() -> None:
    assert FILES.codeowners == (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS",
                                ".gitlab/CODEOWNERS")


@pytest.mark.parametrize(("path", "tool", "fmt", "roles"), [
    ("AGENTS.md", "cross-tool", "markdown", ("instructions",)),
    ("services/api/AGENTS.md", "cross-tool", "markdown", ("instructions",)),
    ("pkg/CLAUDE.md", "claude-code", "markdown", ("instructions",)),
    (".claude/settings.json", "claude-code", "json", ()),
    (".claude/skills/release/SKILL.md", "claude-code", "markdown", ("instructions",)),
    (".mcp.json", "claude-code", "json", ("mcp",)),
    (".github/instructions/py.instructions.md", "copilot", "markdown", ("instructions",)),
    (".github/workflows/copilot-setup-steps.yml", "copilot", "yaml",
     ("ci-agent", "environment")),
    (".github/hooks/policy.json", "copilot", "json", ("guardrail",)),
    (".vscode/settings.json", "copilot", "jsonc", ()),
    (".cursor/rules/backend/api.mdc", "cursor", "markdown", ("instructions",)),
    (".cursor/cli.json", "cursor", "json", ("guardrail",)),
    (".cursorignore", "cursor", "ignore", ("ignore",)),
    (".codex/config.toml", "codex", "toml", ()),
    (".codex/rules/default.rules", "codex", "starlark", ("guardrail",)),
    (".aiexclude", "gemini", "ignore", ("ignore",)),
    (".clinerules", "cline", "text", ("instructions",)),
    (".clinerules/testing.md", "cline", "text", ("instructions",)),
    (".roo/mcp.json", "roo", "json", ("mcp",)),          # before the .roo/** catch-all
    (".roo/rules/general.md", "roo", "text", ("instructions",)),
    (".kiro/settings/mcp.json", "kiro", "json", ("mcp",)),
    (".agent-trace/traces.jsonl", "agent-trace", "text", ("provenance",)),
    (".git-ai-ignore", "git-ai", "text", ("provenance",)),      # not an access boundary
    (".entire/settings.json", "entire", "text", ("provenance",)),
])
def test_ai_file_lookup(path: str, tool: str, fmt: str, roles: tuple[str, ...]) -> None:
    entry = FILES.ai_file(path)
    assert entry is not None
    assert (entry.tool, entry.format, entry.roles) == (tool, fmt, roles)


@pytest.mark.parametrize("path", [
    "README.md", "docs/agents.md", "src/.claude/settings.json", ".github/workflows/ci.yml",
    "vendor/.mcp.json",
])
def test_not_an_ai_file(path: str) -> None:
    assert FILES.ai_file(path) is None


def test_vscode_settings_need_ai_keys() -> None:
    entry = FILES.ai_file(".vscode/settings.json")
    assert entry is not None and "git.addAICoAuthor" in entry.ai_keys


@pytest.mark.parametrize(("path", "kinds"), [
    ("AI_POLICY.md", ("ai-policy",)),
    (".github/ai_policy.md", ("ai-policy",)),            # names are case-insensitive
    ("contributing.md", ("contributing",)),
    ("docs/CONTRIBUTING.rst", ("contributing",)),
    ("SECURITY.md", ("security",)),
    (".github/PULL_REQUEST_TEMPLATE/feature.md", ("pr-template",)),
    (".gitlab/merge_request_templates/Default.md", ("pr-template",)),
    ("docs/policies/data-classification-v2.md", ("data-classification",)),
    ("src/CONTRIBUTING.md", ()),
    ("README.md", ()),
])
def test_policy_kinds(path: str, kinds: tuple[str, ...]) -> None:
    assert FILES.policy_kinds(path) == kinds


@pytest.mark.parametrize(("path", "kind", "tool"), [
    (".secrets.baseline", "secrets", "detect-secrets"),
    (".gitleaks.toml", "secrets", "gitleaks"),
    (".gitguardian.yml", "secrets", "ggshield"),
    ("bom.json", "bom", None),
    ("dist/app.cdx.json", "bom", None),
    ("sbom-2026.json", "bom", None),
    ("model.spdx3.json", "bom", None),
    ("attestations/build.intoto.jsonl", "bom", None),
    ("policy/deny.rego", "policy-code", "opa"),
    ("sentinel/restrict.sentinel", "policy-code", "sentinel"),
])
def test_artifact_lookup(path: str, kind: str, tool: str | None) -> None:
    entry = FILES.artifact(path)
    assert entry is not None and (entry.kind, entry.tool) == (kind, tool)


def test_not_an_artifact() -> None:
    assert FILES.artifact("package.json") is None


@pytest.mark.parametrize(("path", "areas"), [
    ("src/auth/tokens/jwt.py", (("auth", "src/auth/"),)),
    ("app/oauth2/client.go", (("auth", "app/oauth2/"),)),
    ("lib/user_auth.py", (("auth", "lib/user_auth.py"),)),
    (".github/workflows/ci.yml", (("ci", ".github/workflows/"),)),
    (".github/workflows/copilot-setup-steps.yml",
     (("agent-config", ".github/workflows/copilot-setup-steps.yml"),
      ("ci", ".github/workflows/"))),
    ("infra/modules/vpc/main.tf", (("infrastructure", "infra/"),)),
    ("modules/vpc/main.tf", (("infrastructure", "modules/vpc/main.tf"),)),
    ("services/api/Dockerfile", (("infrastructure", "services/api/Dockerfile"),)),
    ("app/db/migrations/0001_init.py", (("migrations", "app/db/migrations/"),)),
    (".github/CODEOWNERS", (("security", ".github/CODEOWNERS"),)),
    (".claude/settings.json", (("agent-config", ".claude/"),)),
    ("src/main.py", ()),
    ("docs/authoring.md", ()),
])
def test_sensitive_areas(path: str, areas: tuple[tuple[str, str], ...]) -> None:
    assert FILES.sensitive_areas(path) == areas


def test_extend_sensitive_adds_a_category() -> None:
    extended = FILES.extend_sensitive([{"category": "payments", "patterns": ["**/billing/"]}])
    assert extended.sensitive_areas("svc/billing/charge.py") == (("payments", "svc/billing/"),)
    assert FILES.sensitive_areas("svc/billing/charge.py") == ()  # the original is unchanged


def _broken(section: str, index: int, **change: Any) -> Any:
    raw = copy.deepcopy(RAW)
    raw[section][index].update(change)
    return raw


@pytest.mark.parametrize(("raw", "message"), [
    (_broken("ai_files", 0, format="xml"), r"ai_files\[0\] \(cross-tool\)\.format"),
    (_broken("ai_files", 1, roles=["boss"]), r"ai_files\[1\] \(claude-code\)\.roles"),
    (_broken("ai_files", 2, colour="red"), r"ai_files\[2\].*unknown key"),
    (_broken("ai_files", 0, paths=[]), r"ai_files\[0\] \(cross-tool\)\.paths"),
    (_broken("sensitive_paths", 0, category="Auth Stuff"), r"sensitive_paths\[0\]\.category"),
    (_broken("policy_docs", 0, kind="manifesto"), r"policy_docs\[0\]\.kind"),
    (_broken("artifacts", 0, tool=None), r"artifacts\[0\]\.tool"),
    (_broken("artifacts", 4, tool="syft"), r"artifacts\[4\].*takes no tool"),
    ({**RAW, "codeowners": "CODEOWNERS"}, r"codeowners"),
    ({k: v for k, v in RAW.items() if k != "artifacts"}, r"missing artifacts"),
    ("nonsense", r"expected a mapping"),
])
def test_invalid_entries_are_named(raw: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        load_files(raw)


@pytest.mark.parametrize(("entries", "message"), [
    ([{"category": "payments"}], r"sensitive_paths\[0\] \(--config\): missing patterns"),
    ([{"category": "payments", "patterns": "billing/"}], r"payments\)\.patterns"),
    ({"category": "payments"}, r"expected a list"),
])
def test_invalid_extensions_are_named(entries: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        FILES.extend_sensitive(entries)


def test_catalog_is_frozen() -> None:
    assert isinstance(FILES, FileCatalog)
    with pytest.raises(AttributeError):
        FILES.codeowners = ()  # type: ignore[misc]

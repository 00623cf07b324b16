"""Coding Agent Behavioral Control rules, as a table: a row per answer of each indicator."""

from __future__ import annotations

import pytest

from scanner.evidence import UnknownReason
from scanner.model import Status
from scanner.payloads import CodeOwners, OrgRules
from tests.rules.builders import (
    Row,
    agent_hook,
    ai_config,
    area,
    branch_rules,
    broken_ai_config,
    broken_owners,
    check,
    collector_failed,
    forbidden,
    org_rules,
    owners,
    params,
    scan,
)

MET, UNMET, UNKNOWN = Status.MET, Status.UNMET, Status.UNKNOWN
UNSUPPORTED = UnknownReason.UNSUPPORTED
SETTINGS = ".claude/settings.json"

#: Sensitive areas of a typical service, all owned.
OWNED = (area("auth", "src/auth/", 8), area("ci", ".github/workflows/", 3),
         area("agent-config", ".claude/", 2))
#: The same tree with infrastructure and migrations left without owners.
HALF_OWNED = (area("auth", "src/auth/", 8), area("infrastructure", "infra/", 14, uncovered=14),
              area("migrations", "db/migrations/", 5, uncovered=2))

ROWS: list[Row] = [
    # ------------------------------------------------------------------ ABC-2a
    Row("ABC-2a", "AGENTS.md with do/don't rules",
        lambda: scan(ai_config("cross-tool", "AGENTS.md", "instructions", directives=12)), MET,
        says=("12 directive(s)", "AGENTS.md")),
    Row("ABC-2a", "CLAUDE.md without any rule",
        lambda: scan(ai_config("claude-code", "CLAUDE.md", "instructions")), UNMET,
        says=("CLAUDE.md", "no do/don't rules")),
    Row("ABC-2a", "no agent instruction file", scan, UNMET,
        says=("no agent instruction file",)),
    Row("ABC-2a", "no instruction file found but an agent settings file is malformed",
        lambda: scan(broken_ai_config()), UNKNOWN, UnknownReason.UNREADABLE,
        says=(SETTINGS,)),
    # ------------------------------------------------------------------ ABC-3a
    Row("ABC-3a", "every sensitive area owned",
        lambda: scan(owners(".github/CODEOWNERS", *OWNED)), MET,
        says=("all 3 sensitive paths",)),
    Row("ABC-3a", "CODEOWNERS and no sensitive area in the tree",
        lambda: scan(owners("CODEOWNERS")), MET, says=("no sensitive paths",)),
    Row("ABC-3a", "infrastructure and migrations without owners",
        lambda: scan(owners(".github/CODEOWNERS", *HALF_OWNED)), UNMET,
        says=("infra/ (infrastructure)", "db/migrations/ (migrations)")),
    Row("ABC-3a", "seven unowned areas are summarised",
        lambda: scan(owners(".github/CODEOWNERS",
                            *(area("security", f"src/security/m{n}/", 2, uncovered=1)
                              for n in range(7)))),
        UNMET, says=("src/security/m0/ (security)", "and 2 more")),
    Row("ABC-3a", "no CODEOWNERS file and sensitive areas in the tree",
        lambda: scan(owners(None, area("agent-config", ".claude/", 2, uncovered=2))), UNMET,
        says=("no CODEOWNERS file", ".claude/ (agent-config)")),
    Row("ABC-3a", "no CODEOWNERS file and nothing sensitive",
        lambda: scan(owners(None)), UNMET, says=("no CODEOWNERS file",)),
    Row("ABC-3a", "CODEOWNERS could not be read",
        lambda: scan(broken_owners()), UNKNOWN, UnknownReason.UNREADABLE),
    Row("ABC-3a", "the CODEOWNERS collector failed",
        lambda: scan(collector_failed(CodeOwners, "codeowners")), UNKNOWN,
        UnknownReason.COLLECTOR_ERROR),
    # ------------------------------------------------------------------ ABC-3b
    Row("ABC-3b", "MCP servers declared in .mcp.json",
        lambda: scan(ai_config("claude-code", ".mcp.json", "mcp",
                               mcp_servers=("github", "sentry"))), MET,
        says=("github", "sentry", ".mcp.json")),
    Row("ABC-3b", "MCP file declaring no server",
        lambda: scan(ai_config("cursor", ".cursor/mcp.json", "mcp")), UNMET),
    Row("ABC-3b", "no agent tooling declared",
        lambda: scan(ai_config("cross-tool", "AGENTS.md", "instructions", directives=3)),
        UNMET),
    Row("ABC-3b", "nothing declared but .mcp.json is malformed",
        lambda: scan(broken_ai_config(".mcp.json")), UNKNOWN, UnknownReason.UNREADABLE),
    # ------------------------------------------------------------------ ABC-4a
    Row("ABC-4a", "permissions.deny rules",
        lambda: scan(ai_config("claude-code", SETTINGS, "guardrail",
                               deny_rules=("Bash(git push:*)", "Read(./.env)"))), MET,
        says=(SETTINGS,)),
    Row("ABC-4a", "a blocking PreToolUse hook",
        lambda: scan(ai_config("claude-code", SETTINGS, "guardrail",
                               hooks=(agent_hook("PreToolUse", "gitleaks"),))), MET),
    Row("ABC-4a", "an AI ignore file",
        lambda: scan(ai_config("cursor", ".cursorignore", "ignore",
                               ignore_patterns=("secrets/", "*.pem"))), MET),
    Row("ABC-4a", "a Codex sandbox setting",
        lambda: scan(ai_config("codex", ".codex/config.toml", "guardrail",
                               sandbox=("sandbox_mode=workspace-write",))), MET),
    Row("ABC-4a", "only a non-blocking hook and a risky default mode",
        lambda: scan(ai_config("claude-code", SETTINGS, "guardrail",
                               hooks=(agent_hook("Stop", blocking=False),),
                               risky=("permissions.defaultMode=bypassPermissions",))),
        UNMET, says=("risky settings: permissions.defaultMode=bypassPermissions",)),
    Row("ABC-4a", "only risky settings: allow Bash and a bypass mode recorded as sandbox",
        lambda: scan(ai_config("claude-code", SETTINGS, "guardrail",
                               allow_rules=("Bash",),
                               sandbox=("permissions.defaultMode=bypassPermissions",),
                               risky=("allow=Bash", "permissions.defaultMode=bypassPermissions"))),
        UNMET, says=("risky settings",)),
    Row("ABC-4a", "a scoped allow list",
        lambda: scan(ai_config("claude-code", SETTINGS, "guardrail",
                               allow_rules=("Bash(npm test:*)",))), MET),
    Row("ABC-4a", "no agent settings", scan, UNMET),
    Row("ABC-4a", "no enforcement found but the settings file is malformed",
        lambda: scan(ai_config("cross-tool", "AGENTS.md", "instructions", directives=4),
                     broken_ai_config()), UNKNOWN, UnknownReason.UNREADABLE),
    # ------------------------------------------------------------------ ABC-4b
    Row("ABC-4b", "local scan", lambda: scan(owners(".github/CODEOWNERS", *OWNED)), UNKNOWN,
        UNSUPPORTED),
    Row("ABC-4b", "ruleset restricts file paths",
        lambda: scan(branch_rules(protected_paths=(".github/workflows/**", "infra/**"))), MET,
        says=(".github/workflows/**",)),
    Row("ABC-4b", "owner review required and every sensitive area owned",
        lambda: scan(branch_rules(code_owner_review=True),
                     owners(".github/CODEOWNERS", *OWNED)), MET),
    Row("ABC-4b", "owner review required but infrastructure unowned",
        lambda: scan(branch_rules(code_owner_review=True),
                     owners(".github/CODEOWNERS", *HALF_OWNED)), UNMET),
    Row("ABC-4b", "owner review required but no CODEOWNERS file",
        lambda: scan(branch_rules(code_owner_review=True), owners(None, *OWNED)), UNMET),
    Row("ABC-4b", "neither path rules nor owner review",
        lambda: scan(branch_rules(), owners(".github/CODEOWNERS", *OWNED)), UNMET),
    Row("ABC-4b", "owner review required and CODEOWNERS unreadable",
        lambda: scan(branch_rules(code_owner_review=True), broken_owners()), UNKNOWN,
        UnknownReason.UNREADABLE),
    # ------------------------------------------------------------------ ABC-5a
    Row("ABC-5a", "local scan", scan, UNKNOWN, UNSUPPORTED),
    Row("ABC-5a", "token may not read organisation rules",
        lambda: scan(forbidden(OrgRules)), UNKNOWN, UnknownReason.FORBIDDEN),
    Row("ABC-5a", "organisation path restrictions and read-only tokens",
        lambda: scan(org_rules(path_restrictions=(".github/**",),
                               default_token_read_only=True)), MET),
    Row("ABC-5a", "group push rule (its file name rule) not visible to this token",
        lambda: scan(org_rules(path_restrictions=None, default_token_read_only=True)),
        UNKNOWN, UnknownReason.NOT_PERMITTED),
    Row("ABC-5a", "path restrictions but write tokens by default",
        lambda: scan(org_rules(path_restrictions=(".github/**",),
                               default_token_read_only=False)), UNMET),
    Row("ABC-5a", "read-only tokens but no path restriction",
        lambda: scan(org_rules(default_token_read_only=True)), UNMET),
    Row("ABC-5a", "path restrictions, token default not visible",
        lambda: scan(org_rules(path_restrictions=(".github/**",),
                               default_token_read_only=None)), UNKNOWN,
        UnknownReason.NOT_OBSERVABLE),
]


@pytest.mark.parametrize("row", params(ROWS))
def test_agent_control(row: Row) -> None:
    check(row)

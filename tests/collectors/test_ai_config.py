"""AI tool configuration: each settings format, directives, ignore files, the collector."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from collectors.ai_config import (
    COLLECTOR,
    ConfigError,
    count_directives,
    parse_ai_file,
    parse_codex_rules,
    strip_jsonc,
)
from scanner.catalog import read_packaged
from scanner.catalog.files import load_files
from scanner.evidence import Evidence, Gap
from scanner.payloads import AgentHook, AiConfigFile, ToolMatch

FILES = load_files(read_packaged("files.yaml"))
GITLEAKS = ToolMatch(tool="gitleaks", categories=("secrets",), matched="gitleaks")


def fake_match(command: str) -> tuple[ToolMatch, ...]:
    """A stand-in for the tool catalog: knows gitleaks only."""
    return (GITLEAKS,) if "gitleaks" in command else ()


def parse(path: str, text: str | None) -> AiConfigFile | None:
    entry = FILES.ai_file(path)
    assert entry is not None, path
    return parse_ai_file(entry, path, text, blocking=FILES.blocking_hook_events,
                         match_command=fake_match)


def fields(path: str, text: str) -> dict[str, Any]:
    """The payload's non-empty fields (besides tool and path), for compact table rows."""
    payload = parse(path, text)
    assert payload is not None
    return {k: v for k, v in vars_of(payload).items()
            if k not in ("tool", "path") and v not in ((), 0)}


def vars_of(payload: AiConfigFile) -> dict[str, Any]:
    return {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}


CLAUDE_SETTINGS = json.dumps({
    "permissions": {
        "allow": ["Bash(git diff:*)", "Edit(src/**)"],
        "deny": ["Read(./.env)", "Bash(git push:*)"],
        "ask": ["WebFetch(domain:example.com)"],
        "defaultMode": "plan",
        "disableBypassPermissionsMode": "disable",
    },
    "hooks": {
        "PreToolUse": [{"matcher": "Bash",
                        "hooks": [{"type": "command", "command": "gitleaks protect --staged"}]}],
        "PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "fmt"},
                                                      {"type": "prompt", "prompt": "check"}]}],
    },
    "sandbox": {"enabled": True, "network": {"allowedDomains": ["pypi.org", "github.com"]}},
    "enabledMcpjsonServers": ["docs"],
    "attribution": {"commit": "", "pr": "Generated with AI"},
    "includeCoAuthoredBy": False,
})

SETTINGS_ROWS: list[tuple[str, str, dict[str, Any]]] = [
    (".claude/settings.json", CLAUDE_SETTINGS, {
        "roles": ("guardrail",),
        "allow_rules": ("Bash(git diff:*)", "Edit(src/**)"),
        "deny_rules": ("Read(./.env)", "Bash(git push:*)"),
        "ask_rules": ("WebFetch(domain:example.com)",),
        "hooks": (AgentHook(event="PreToolUse", matcher="Bash",
                            command="gitleaks protect --staged", blocking=True,
                            tools=(GITLEAKS,)),
                  AgentHook(event="PostToolUse", matcher="Edit", command="fmt",
                            blocking=False, tools=())),
        "sandbox": ("enabledMcpjsonServers=docs", "permissions.defaultMode=plan",
                    "permissions.disableBypassPermissionsMode=disable",
                    "sandbox.enabled=true",
                    "sandbox.network.allowedDomains=pypi.org,github.com"),
        "attribution_disabled": ('attribution.commit=""', "includeCoAuthoredBy=false"),
    }),
    (".claude/settings.local.json",
     '{"permissions": {"allow": ["Bash"], "defaultMode": "bypassPermissions"},'
     ' "enableAllProjectMcpServers": true}', {
         "roles": ("guardrail",),
         "allow_rules": ("Bash",),
         "sandbox": ("enableAllProjectMcpServers=true",
                     "permissions.defaultMode=bypassPermissions"),
         "risky": ("allow=Bash", "enableAllProjectMcpServers=true",
                   "permissions.defaultMode=bypassPermissions"),
     }),
    (".mcp.json", '{"mcpServers": {"github": {"command": "gh-mcp"}, "db": {"url": "x"}}}', {
        "roles": ("mcp",), "mcp_servers": ("db", "github")}),
    (".vscode/mcp.json",
     '// workspace servers\n{"servers": {"playwright": {"command": "npx", '
     '"args": ["@playwright/mcp"],},}, /* trailing */}', {
         "roles": ("mcp",), "mcp_servers": ("playwright",)}),
    (".vscode/settings.json",
     '{\n  // keep AI out of commits\n  "git.addAICoAuthor": "off",\n  "editor.tabSize": 2,\n}',
     {"attribution_disabled": ("git.addAICoAuthor=off",)}),
    (".vscode/settings.json",
     '{"chat.tools.terminal.autoApprove": {"git status": true, "rm": false},'
     ' "chat.tools.autoApprove": true}', {
         "roles": ("guardrail",), "allow_rules": ("git status",), "deny_rules": ("rm",),
         "risky": ("chat.tools.autoApprove=true",)}),
    (".cursor/cli.json",
     '{"permissions": {"allow": ["Shell(**)", "Read(src/**)"], "deny": ["Shell(rm)"]}}', {
         "roles": ("guardrail",), "allow_rules": ("Shell(**)", "Read(src/**)"),
         "deny_rules": ("Shell(rm)",), "risky": ("allow=Shell(**)",)}),
    (".cursor/hooks.json",
     '{"version": 1, "hooks": {"beforeShellExecution": [{"command": "./hooks/guard.sh"}],'
     ' "afterFileEdit": [{"command": "./hooks/fmt.sh"}]}}', {
         "roles": ("guardrail",),
         "hooks": (AgentHook(event="beforeShellExecution", matcher=None,
                             command="./hooks/guard.sh", blocking=True, tools=()),
                   AgentHook(event="afterFileEdit", matcher=None, command="./hooks/fmt.sh",
                             blocking=False, tools=()))}),
    (".github/hooks/security.json",
     '{"version": 1, "hooks": {"preToolUse": [{"type": "command",'
     ' "bash": "./scripts/deny-push.sh", "powershell": "./scripts/deny-push.ps1"}]}}', {
         "roles": ("guardrail",),
         "hooks": (AgentHook(event="preToolUse", matcher=None, command="./scripts/deny-push.sh",
                             blocking=True, tools=()),)}),
    (".windsurf/hooks.json",
     '{"hooks": {"pre_run_command": [{"command": "gitleaks detect", "show_output": true}]}}', {
         "roles": ("guardrail",),
         "hooks": (AgentHook(event="pre_run_command", matcher=None, command="gitleaks detect",
                             blocking=True, tools=(GITLEAKS,)),)}),
    (".codex/config.toml",
     'sandbox_mode = "danger-full-access"\napproval_policy = "never"\n'
     'command_attribution = ""\n[sandbox_workspace_write]\nnetwork_access = false\n'
     '[mcp_servers.docs]\ncommand = "docs-mcp"\n', {
         "roles": ("guardrail", "mcp"), "mcp_servers": ("docs",),
         "sandbox": ("approval_policy=never", "sandbox_mode=danger-full-access",
                     "sandbox_workspace_write.network_access=false"),
         "attribution_disabled": ('command_attribution=""',),
         "risky": ("approval_policy=never", "sandbox_mode=danger-full-access")}),
    (".gemini/settings.json",
     '{"tools": {"core": ["ShellTool(ls)", "ReadFileTool"], "exclude": ["ShellTool(rm)"]},'
     ' "mcpServers": {"search": {}}, // comment\n'
     ' "hooks": {"BeforeTool": [{"matcher": "shell", "hooks": [{"command": "./guard"}]}]}}', {
         "roles": ("guardrail", "mcp"), "allow_rules": ("ShellTool(ls)", "ReadFileTool"),
         "deny_rules": ("ShellTool(rm)",), "mcp_servers": ("search",),
         "hooks": (AgentHook(event="BeforeTool", matcher="shell", command="./guard",
                             blocking=True, tools=()),)}),
    ("opencode.json",
     '{"permission": {"edit": "ask", "webfetch": "deny",'
     ' "bash": {"git push": "deny", "*": "allow"}}, "mcp": {"jira": {}}}', {
         "roles": ("guardrail", "mcp"), "ask_rules": ("edit",),
         "deny_rules": ("webfetch", "bash(git push)"), "allow_rules": ("bash(*)",),
         "mcp_servers": ("jira",), "risky": ("allow=bash(*)",)}),
    (".copilot/settings.json", '{"includeCoAuthoredBy": false}',
     {"attribution_disabled": ("includeCoAuthoredBy=false",)}),
    (".aider.conf.yml", "model: sonnet\nattribute-co-authored-by: false\nattribute-author: true\n",
     {"attribution_disabled": ("attribute-co-authored-by=false",)}),
    ("crush.json", '{"options": {"attribution": {"trailer_style": "none"}}}',
     {"attribution_disabled": ("options.attribution.trailer_style=none",)}),
    (".continue/config.yaml",
     "name: team\nmcpServers:\n  - name: sqlite\n    command: uvx\n  - name: git\n", {
         "roles": ("mcp",), "mcp_servers": ("git", "sqlite")}),
    (".github/workflows/copilot-setup-steps.yml",
     "on: workflow_dispatch\npermissions: read-all\njobs:\n  copilot-setup-steps:\n"
     "    runs-on: [self-hosted, linux]\n    permissions:\n      contents: read\n"
     "      id-token: write\n    steps:\n      - uses: actions/checkout@v4\n", {
         "roles": ("ci-agent", "environment", "guardrail"),
         "sandbox": ("permissions=contents:read,id-token:write", "runs-on=self-hosted,linux")}),
    (".github/workflows/copilot-setup-steps.yml",
     "on: push\npermissions: read-all\njobs:\n  setup:\n    runs-on: ubuntu-latest\n", {
         "roles": ("ci-agent", "environment", "guardrail"),
         "sandbox": ("permissions=read-all", "runs-on=ubuntu-latest")}),
    (".cursorignore", "# secrets\n.env\n\nsecrets/**\n  \n", {
        "roles": ("ignore",), "ignore_patterns": (".env", "secrets/**")}),
    (".codex/rules/default.rules",
     '# guard\nprefix_rule(pattern=["git", "push"], decision="forbidden",\n'
     '            justification="ask a human")\n'
     'prefix_rule(pattern = ["gh", ["pr", "issue"], "view"], decision = "prompt")\n'
     'prefix_rule(pattern=["ls"])\n', {
         "roles": ("guardrail",), "deny_rules": ('["git", "push"]',),
         "ask_rules": ('["gh", ["pr", "issue"], "view"]',), "allow_rules": ('["ls"]',)}),
]


@pytest.mark.parametrize(("path", "text", "expected"), SETTINGS_ROWS)
def test_settings(path: str, text: str, expected: dict[str, Any]) -> None:
    assert fields(path, text) == expected


def test_vscode_settings_without_ai_keys_do_not_count() -> None:
    assert parse(".vscode/settings.json", '{"editor.tabSize": 2}') is None
    assert parse(".vscode/settings.json", '{"chat.agent.enabled": true}') is not None


@pytest.mark.parametrize(("text", "directives"), [
    ("# Rules\n\nYou MUST run the tests.\nNever push to main.\nUse tabs.\n", 2),
    ("Do not edit generated files.\nDon't commit secrets.\nAlways add tests.\n", 3),
    ("Only touch src/.\nThis is required.\nChanges should not break the API.\n", 3),
    ("Deleting data is forbidden; force pushes are prohibited.\n", 1),
    ("This project uses Python.\nThe mustard module parses sauces.\n", 0),
    ("---\nalwaysApply: true\n---\nPrefer small functions.\n", 0),   # front matter
    ("Run:\n```sh\n# never mind\nmake test  # always\n```\nThen must review.\n", 1),
])
def test_count_directives(text: str, directives: int) -> None:
    assert count_directives(text) == directives


def test_instruction_file_payload() -> None:
    payload = parse("AGENTS.md", "Never push.\nAlways run `make test`.\n")
    assert payload is not None
    assert (payload.tool, payload.roles, payload.directives) == ("cross-tool",
                                                                 ("instructions",), 2)


def test_risky_settings_alone_are_no_guardrail() -> None:
    payload = parse(".codex/config.toml", 'sandbox_mode = "danger-full-access"\n')
    assert payload is not None
    assert (payload.roles, payload.risky) == ((), ("sandbox_mode=danger-full-access",))


def test_presence_only_file_is_not_read() -> None:
    payload = parse(".agent-trace/traces.jsonl", None)
    assert payload is not None and payload.roles == ("provenance",)


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a": "http://x//y", /* c */ "b": 1}', {"a": "http://x//y", "b": 1}),
    ('{"a": "/* not a comment */",}', {"a": "/* not a comment */"}),
    ('{"a": "quote \\" // still string", "b": [1, 2,],}', {"a": 'quote " // still string',
                                                          "b": [1, 2]}),
    ('// head\n{"a": ",}"}', {"a": ",}"}),
])
def test_strip_jsonc(text: str, expected: Any) -> None:
    assert json.loads(strip_jsonc(text)) == expected


@pytest.mark.parametrize(("path", "text", "message"), [
    (".claude/settings.json", '{"permissions": {', "invalid JSON at line 1"),
    (".mcp.json", "[1, 2]", "expected an object"),
    (".vscode/mcp.json", '{"servers": {/* unterminated', "invalid JSON"),
    (".codex/config.toml", "sandbox_mode = \n", "invalid TOML"),
    (".aider.conf.yml", "model: [unclosed\n", "invalid YAML"),
    (".codex/rules/default.rules", "prefix_rule(pattern=[\n", "not a valid rules file"),
    (".codex/rules/default.rules", 'prefix_rule(pattern=["x"], decision="maybe")\n',
     "unknown decision"),
    (".codex/rules/default.rules", "prefix_rule(decision=\"allow\")\n", "literal pattern"),
    (".github/workflows/copilot-setup-steps.yml", "on: push\njobs:\n  a: {}\n  b: {}\n",
     "no copilot-setup-steps job"),
])
def test_malformed_content(path: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(path, text)


def test_codex_rules_default_decision_is_allow() -> None:
    assert parse_codex_rules('prefix_rule(pattern=["cargo", "test"])') == (
        ("allow", '["cargo", "test"]'),)


# --------------------------------------------------------------------------- collector


def test_collector_over_a_repository(repo: Any, context_of: Any) -> None:
    repo.write("AGENTS.md", "Never push to main.\n")
    repo.write(".claude/settings.json", '{"permissions": {"deny": ["Bash(git push:*)"]}}')
    repo.write(".mcp.json", '{"mcpServers": {')                       # malformed
    repo.symlink("CLAUDE.md", "../../outside.md")                     # outside the repo
    repo.write(".vscode/settings.json", '{"editor.tabSize": 2}')      # no AI keys
    repo.write(".agent-trace/traces.jsonl", "{}\n" * 400_000)          # over the text limit
    repo.write("README.md", "Always be kind.\n")                      # not an AI file
    repo.commit("init")
    items: dict[str, Any] = {i.provenance.locator: i for i in COLLECTOR.run(context_of(repo))}
    assert sorted(items) == ["tree:.agent-trace/traces.jsonl", "tree:.claude/settings.json",
                             "tree:.mcp.json", "tree:AGENTS.md", "tree:CLAUDE.md"]
    for gap in ("tree:.mcp.json", "tree:CLAUDE.md"):
        assert isinstance(items[gap], Gap) and items[gap].kind == AiConfigFile.KIND
    assert "outside the repository" in items["tree:CLAUDE.md"].detail
    settings = items["tree:.claude/settings.json"]
    assert isinstance(settings, Evidence)
    assert settings.payload.deny_rules == ("Bash(git push:*)",)
    assert settings.payload.roles == ("guardrail",)
    assert settings.provenance.collector == "ai_config@1"
    assert items["tree:AGENTS.md"].payload.directives == 1
    assert items["tree:.agent-trace/traces.jsonl"].payload.roles == ("provenance",)

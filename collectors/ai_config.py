"""AI tool and agent configuration files: what they instruct, allow, deny, hook and expose.

Which files count, and their tool, format and base roles, come from the file catalog
(``ai_files``). Each file becomes one :class:`~scanner.payloads.AiConfigFile`:

* instruction files (markdown, text): the number of directive lines;
* ignore files: their patterns;
* settings (JSON, JSONC, TOML, YAML): permission rules, agent hooks, MCP servers, sandbox
  and approval settings, settings that switch AI attribution off and risky settings
  (ai-signals §4.1). Settings are read by key, whatever the tool, because the tools share
  shapes (Claude-style ``permissions``/``hooks``/``mcpServers``, Codex TOML keys, ...);
* Codex ``.rules`` files (Starlark): ``prefix_rule`` decisions;
* the Copilot setup-steps workflow: its token permissions and runner.

Rule strings are kept as written. Content adds the ``guardrail`` role (rules, hooks, sandbox
settings) and the ``mcp`` role (servers) to the catalog's roles.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from collectors.base import Collector, Context, file_by_file, lone_surrogate
from collectors.sources.base import TreeEntry
from scanner.catalog.files import AiFileEntry
from scanner.evidence import Item
from scanner.payloads import AgentHook, AiConfigFile, ToolMatch
from scanner.yamlsafe import YamlError, load_yaml

MatchCommand = Callable[[str], tuple[ToolMatch, ...]]


class ConfigError(ValueError):
    """A configuration file's content could not be understood; the message says why."""


#: A line that tells an agent what it must or must not do.
DIRECTIVE = re.compile(
    r"\b(?:must|never|do not|don't|always|only|should not|shouldn't|shall|forbidden|"
    r"prohibited|required|mandatory)\b", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")

#: JSONC: strings are kept, ``//`` and ``/* */`` comments dropped (an unterminated block
#: comment runs to the end, so a hostile file cannot make the scan quadratic).
_JSONC_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)
_JSONC_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|,(?=\s*[}\]])')

#: Settings (flattened ``a.b.c`` keys) that describe sandboxing and approval.
SANDBOX_KEYS = frozenset({"sandbox", "sandbox_mode", "approval_policy", "tools.sandbox",
                          "enableAllProjectMcpServers", "enabledMcpjsonServers",
                          "disabledMcpjsonServers"})
SANDBOX_PREFIXES = ("permissions.", "sandbox.", "sandbox_workspace_write.")
_RULE_KEYS = ("permissions.allow", "permissions.deny", "permissions.ask")

#: Settings that switch AI attribution off (ai-signals §1.3): flattened key → values.
ATTRIBUTION_OFF: Mapping[str, tuple[object, ...]] = {
    "attribution.commit": ("",),                      # Claude Code
    "attribution.pr": ("",),
    "includeCoAuthoredBy": (False,),                  # Claude Code (old), Copilot CLI
    "git.addAICoAuthor": ("off",),                    # VS Code
    "command_attribution": ("",),                     # Codex
    "options.attribution.trailer_style": ("none",),   # Crush
    "options.attribution.generated_with": (False,),
    "attribute-co-authored-by": (False,),             # Aider
    "attribute-author": (False,),
    "attribute-committer": (False,),
}

#: Settings that widen what agents may do (ai-signals §4.1 item 6).
RISKY: Mapping[str, tuple[object, ...]] = {
    "permissions.defaultMode": ("bypassPermissions",),
    "enableAllProjectMcpServers": (True,),
    "sandbox_mode": ("danger-full-access",),
    "approval_policy": ("never",),
    "chat.tools.autoApprove": (True,),                # VS Code: approve every tool call
    "chat.tools.global.autoApprove": (True,),
}

#: Allow rules that let an agent run any command or tool.
UNRESTRICTED_ALLOW = frozenset({"*", "Bash", "Bash(*)", "Bash(**)", "Bash(:*)", "Shell(*)",
                                "Shell(**)", "bash", "bash(*)"})

#: Keys that name MCP servers (``servers`` only in files whose catalog role is ``mcp``).
MCP_KEYS = ("mcpServers", "mcp_servers", "mcp")


@dataclass
class _Found:
    """What a file declares, gathered while reading it."""

    roles: set[str]
    directives: int = 0
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    ask: list[str] = field(default_factory=list)
    hooks: list[AgentHook] = field(default_factory=list)
    mcp: set[str] = field(default_factory=set)
    ignore: list[str] = field(default_factory=list)
    sandbox: set[str] = field(default_factory=set)
    attribution: set[str] = field(default_factory=set)
    risky: set[str] = field(default_factory=set)

    def rule(self, decision: str, text: str) -> None:
        """Record a permission rule by its decision (allow, ask/prompt, deny/forbidden)."""
        target = {"allow": self.allow, "ask": self.ask, "prompt": self.ask,
                  "deny": self.deny, "forbidden": self.deny}.get(decision)
        if target is not None:
            target.append(text)

    def payload(self, entry: AiFileEntry, path: str) -> AiConfigFile:
        """The evidence payload, with roles completed from the content."""
        risky = self.risky | {f"allow={r}" for r in self.allow if r in UNRESTRICTED_ALLOW}
        roles = set(self.roles)
        # A risky setting (bypassPermissions, danger-full-access) widens, it does not guard.
        if self.allow or self.deny or self.ask or self.hooks or self.sandbox - risky:
            roles.add("guardrail")
        if self.mcp:
            roles.add("mcp")
        return AiConfigFile(
            tool=entry.tool, path=path, roles=tuple(sorted(roles)), directives=self.directives,
            deny_rules=tuple(self.deny), allow_rules=tuple(self.allow),
            ask_rules=tuple(self.ask), hooks=tuple(self.hooks),
            mcp_servers=tuple(sorted(self.mcp)), ignore_patterns=tuple(self.ignore),
            sandbox=tuple(sorted(self.sandbox)),
            attribution_disabled=tuple(sorted(self.attribution)), risky=tuple(sorted(risky)))


# --------------------------------------------------------------------------- text formats


def count_directives(text: str) -> int:
    """Lines of prose (outside front matter and code blocks) that state a directive."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        # YAML front matter (``alwaysApply: true``...) is configuration, not prose.
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = lines[end + 1:]
    count = 0
    in_code = False
    for line in lines:
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code and DIRECTIVE.search(line):
            count += 1
    return count


def ignore_patterns(text: str) -> tuple[str, ...]:
    """The patterns of a gitignore-style file (blank lines and comments left out)."""
    return tuple(line.rstrip() for line in text.splitlines()
                 if line.strip() and not line.lstrip().startswith("#"))


def strip_jsonc(text: str) -> str:
    """JSON text from JSONC: comments and trailing commas removed, strings untouched."""
    text = _JSONC_COMMENT.sub(lambda m: m.group(1) or " ", text)
    return _JSONC_TRAILING_COMMA.sub(lambda m: m.group(1) or "", text)


def parse_codex_rules(text: str) -> tuple[tuple[str, str], ...]:
    """``(decision, pattern)`` of each ``prefix_rule`` in a Codex ``.rules`` file.

    Starlark's syntax is a subset of Python's, so the file is parsed (never run) with
    :mod:`ast`; the pattern is rendered as JSON, e.g. ``["git", "push"]``.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError) as exc:
        raise ConfigError(f"not a valid rules file: {exc}") from None
    calls = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name) and node.func.id == "prefix_rule"),
                   key=lambda node: (node.lineno, node.col_offset))
    found: list[tuple[str, str]] = []
    for call in calls:
        args = {k.arg: k.value for k in call.keywords if k.arg}
        try:
            pattern = ast.literal_eval(args["pattern"])
            decision = ast.literal_eval(args["decision"]) if "decision" in args else "allow"
        except (KeyError, ValueError, TypeError, SyntaxError, RecursionError):
            raise ConfigError(f"line {call.lineno}: prefix_rule without a literal pattern "
                              "and decision") from None
        if decision not in ("allow", "prompt", "forbidden"):
            raise ConfigError(f"line {call.lineno}: unknown decision {decision!r}")
        found.append((decision, json.dumps(pattern)))
    return tuple(found)


# --------------------------------------------------------------------------- settings


def _render(value: object) -> str:
    """A setting value as written in ``key=value`` entries."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if value == "":
        return '""'
    if isinstance(value, list | tuple):
        return ",".join(_render(v) for v in value)
    return str(value)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, object]:
    """Nested mappings as ``a.b.c`` keys; lists and scalars are the values."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _same(value: object, candidates: Sequence[object]) -> bool:
    """Equal in value and type (so ``0`` is not ``False``)."""
    return any(type(value) is type(c) and value == c for c in candidates)


def _hooks(raw: object, blocking: frozenset[str], match_command: MatchCommand) -> list[AgentHook]:
    """Agent hooks: ``{event: [{matcher, hooks: [{command}]}]}`` or ``{event: [{command}]}``."""
    hooks: list[AgentHook] = []
    if not isinstance(raw, Mapping):
        return hooks
    for event, entries in raw.items():
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            matcher = entry.get("matcher")
            inner = entry.get("hooks")
            for hook in inner if isinstance(inner, list) else [entry]:
                if not isinstance(hook, Mapping):
                    continue
                # Copilot hooks name the command ``bash``/``powershell``, the others ``command``.
                command = next((hook[k] for k in ("command", "bash", "powershell")
                                if isinstance(hook.get(k), str) and hook[k]), None)
                if command is not None:
                    hooks.append(AgentHook(
                        event=str(event), matcher=matcher if isinstance(matcher, str) else None,
                        command=command, blocking=str(event) in blocking,
                        tools=match_command(command)))
    return hooks


def _server_names(raw: object) -> set[str]:
    """MCP server names from a mapping (name → config) or a list of ``{name: ...}``."""
    if isinstance(raw, Mapping):
        return {str(k) for k in raw}
    if isinstance(raw, list):
        return {str(s["name"]) for s in raw if isinstance(s, Mapping) and "name" in s}
    return set()


def _rule_list(raw: object) -> list[str]:
    return [r for r in raw if isinstance(r, str)] if isinstance(raw, list) else []


def read_settings(data: Mapping[str, Any], found: _Found, *, mcp_file: bool,
                  blocking: frozenset[str], match_command: MatchCommand) -> None:
    """Gather rules, hooks, servers and settings from a settings mapping, whatever the tool."""
    permissions = data.get("permissions")
    if isinstance(permissions, Mapping):              # Claude Code, Cursor CLI
        for decision in ("allow", "deny", "ask"):
            for rule in _rule_list(permissions.get(decision)):
                found.rule(decision, rule)
    permission = data.get("permission")               # opencode
    if isinstance(permission, str):
        found.rule(permission, "*")
    elif isinstance(permission, Mapping):
        for tool, action in permission.items():
            if isinstance(action, str):
                found.rule(action, str(tool))
            elif isinstance(action, Mapping):
                for pattern, act in action.items():
                    if isinstance(act, str):
                        found.rule(act, f"{tool}({pattern})")
    terminal = data.get("chat.tools.terminal.autoApprove")   # VS Code: command → true/false
    if isinstance(terminal, Mapping):
        for command, approve in terminal.items():
            if isinstance(approve, bool):
                found.rule("allow" if approve else "deny", str(command))
    tools = data.get("tools")                         # Gemini CLI
    gemini = tools if isinstance(tools, Mapping) else {}
    for rule in _rule_list(gemini.get("core")) + _rule_list(data.get("coreTools")):
        found.rule("allow", rule)
    for rule in _rule_list(gemini.get("exclude")) + _rule_list(data.get("excludeTools")):
        found.rule("deny", rule)
    found.hooks.extend(_hooks(data.get("hooks"), blocking, match_command))
    for key in (*MCP_KEYS, "servers") if mcp_file else MCP_KEYS:
        found.mcp |= _server_names(data.get(key))
    for key, value in _flatten(data).items():
        if key in _RULE_KEYS:
            continue
        if key in SANDBOX_KEYS or key.startswith(SANDBOX_PREFIXES):
            found.sandbox.add(f"{key}={_render(value)}")
        if _same(value, ATTRIBUTION_OFF.get(key, ())):
            found.attribution.add(f"{key}={_render(value)}")
        if _same(value, RISKY.get(key, ())):
            found.risky.add(f"{key}={_render(value)}")


def _permissions(raw: object) -> str:
    """Workflow token permissions, normalised: ``read-all`` or ``contents:read,...``."""
    if isinstance(raw, Mapping):
        # Keys by their text: YAML keys can mix types (1, "a"), which do not sort together.
        pairs = sorted(raw.items(), key=lambda kv: str(kv[0]))
        return ",".join(f"{k}:{_render(v)}" for k, v in pairs) or "none"
    return "none" if raw is None else _render(raw)


def read_setup_steps(data: Mapping[str, Any], found: _Found) -> None:
    """Token permissions and runner of the Copilot agent's setup-steps job."""
    jobs = data.get("jobs")
    if not isinstance(jobs, Mapping) or not jobs:
        raise ConfigError("workflow without jobs")
    job = jobs.get("copilot-setup-steps")
    if not isinstance(job, Mapping):
        job = next(iter(jobs.values())) if len(jobs) == 1 else None
    if not isinstance(job, Mapping):
        raise ConfigError("no copilot-setup-steps job")
    for scope in (job, data):
        if "permissions" in scope:
            found.sandbox.add(f"permissions={_permissions(scope['permissions'])}")
            break
    runs_on = job.get("runs-on")
    if isinstance(runs_on, Mapping):
        pairs = sorted(runs_on.items(), key=lambda kv: str(kv[0]))
        found.sandbox.add("runs-on=" + ",".join(f"{k}:{_render(v)}" for k, v in pairs))
    elif runs_on is not None:
        found.sandbox.add(f"runs-on={_render(runs_on)}")


def _load(fmt: str, text: str) -> Any:
    """Parse a settings file of the given format (``ConfigError`` when malformed)."""
    try:
        if fmt in ("json", "jsonc"):
            data = json.loads(text if fmt == "json" else strip_jsonc(text))
            if lone_surrogate(data):
                raise ConfigError("invalid JSON: an escape for a lone UTF-16 surrogate")
            return data
        if fmt == "toml":
            return tomllib.loads(text)
        return load_yaml(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}") from None
    except YamlError as exc:
        raise ConfigError(str(exc)) from None
    except RecursionError:
        raise ConfigError("nesting too deep") from None


def needs_content(entry: AiFileEntry) -> bool:
    """False for presence-only files (e.g. provenance logs), whose content is not read."""
    return entry.format != "text" or "instructions" in entry.roles


def parse_ai_file(entry: AiFileEntry, path: str, text: str | None, *,
                  blocking: frozenset[str] = frozenset(),
                  match_command: MatchCommand = lambda _c: ()) -> AiConfigFile | None:
    """The payload of one AI configuration file; None when it holds nothing AI-related.

    ``text`` may be None for presence-only files. Raises :class:`ConfigError` for content
    that cannot be parsed.
    """
    found = _Found(roles=set(entry.roles))
    if text is None:
        return found.payload(entry, path)
    if entry.format in ("markdown", "text"):
        found.directives = count_directives(text)
    elif entry.format == "ignore":
        found.ignore.extend(ignore_patterns(text))
    elif entry.format == "starlark":
        for decision, pattern in parse_codex_rules(text):
            found.rule(decision, pattern)
    else:
        data = _load(entry.format, text)
        data = {} if data is None else data
        if not isinstance(data, Mapping):
            raise ConfigError(f"expected an object at the top level, got {type(data).__name__}")
        if entry.ai_keys and not any(str(k).startswith(entry.ai_keys) for k in data):
            return None
        try:
            if entry.format == "yaml" and "jobs" in data:
                read_setup_steps(data, found)
            else:
                read_settings(data, found, mcp_file="mcp" in entry.roles, blocking=blocking,
                              match_command=match_command)
        except RecursionError:
            raise ConfigError("nesting too deep") from None
    return found.payload(entry, path)


def run(ctx: Context) -> Iterator[Item]:
    """One evidence item per AI configuration file of the HEAD tree."""
    catalog = ctx.catalog.files

    def read(file: TreeEntry, entry: AiFileEntry) -> tuple[AiConfigFile, str] | None:
        text, blob = ctx.read_text(file.path) if needs_content(entry) else (None, file.blob)
        payload = parse_ai_file(entry, file.path, text, blocking=catalog.blocking_hook_events,
                                match_command=ctx.catalog.tools.match_command)
        return None if payload is None else (payload, blob)

    return file_by_file(ctx, COLLECTOR.label, AiConfigFile.KIND, catalog.ai_file, read,
                        errors=(ConfigError,))


COLLECTOR = Collector(name="ai_config", version=1, kinds=(AiConfigFile,), run=run)

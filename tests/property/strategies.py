"""Inputs for the property tests: bytes, text, structured documents and mutated real files.

Structured documents are built from each parser's own vocabulary (the keys and values it
looks for) mixed with arbitrary text, then written as YAML or JSON, so that examples get
past "not a mapping" into the parsers' inner branches. Mutations start from the seed files
of ``tests/fuzz_corpus/<parser>/`` (real files of the fixture scenarios) and either change
bytes or replace one part of the parsed document.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from scanner.yamlsafe import YamlError, load_yaml

CORPUS = Path(__file__).resolve().parent.parent / "fuzz_corpus"

_WORKFLOW = ("on", "jobs", "steps", "run", "uses", "name", "permissions", "continue-on-error",
             "container", "image", "environment", "push", "pull_request", "pull_request_target",
             "tags", "branches", "tags-ignore", "schedule", "workflow_dispatch", "contents",
             "write", "read", "read-all", "write-all", "actions/checkout@v4",
             "github/codeql-action/upload-sarif@v3", "gitleaks detect", "semgrep ci")
_GITLAB = ("include", "template", "local", "remote", "component", "file", "project", "script",
           "before_script", "extends", "allow_failure", "when", "manual", "never", "rules",
           "if", "only", "except", "refs", "artifacts", "reports", "image", "name",
           "environment", "stages", "variables", "sast", "secret_detection", ".base",
           "Security/SAST.gitlab-ci.yml", "$CI_PIPELINE_SOURCE == 'merge_request_event'",
           "$CI_COMMIT_TAG", "$CI_COMMIT_BRANCH", "merge_requests", "tags", "schedules",
           "exit_codes", "semgrep-sast")
_HOOKS = ("repos", "repo", "rev", "hooks", "id", "entry", "args", "stages", "default_stages",
          "local", "meta", "pre-commit", "commit-msg", "pre-push", "commit", "push",
          "commands", "scripts", "jobs", "group", "run", "script", "runner", "name",
          "gitleaks", "https://github.com/gitleaks/gitleaks", "detect-secrets")
_AI = ("permissions", "allow", "deny", "ask", "permission", "hooks", "matcher", "command",
       "bash", "powershell", "mcpServers", "mcp_servers", "mcp", "servers", "sandbox",
       "sandbox_mode", "approval_policy", "jobs", "copilot-setup-steps", "runs-on", "tools",
       "core", "exclude", "coreTools", "excludeTools", "chat.tools.terminal.autoApprove",
       "chat.tools.autoApprove", "git.addAICoAuthor", "attribution", "commit", "pr",
       "includeCoAuthoredBy", "defaultMode", "bypassPermissions", "PreToolUse", "preToolUse",
       "name", "prefix_rule", "pattern", "decision", "forbidden", "prompt", "Bash(*)", "*")
_ARTIFACTS = ("bomFormat", "CycloneDX", "components", "type", "machine-learning-model", "data",
              "specVersion", "spdxVersion", "packages", "@graph", "@context", "payloadType",
              "payload", "_type", "https://in-toto.io/Statement/v1", "predicateType",
              "subject", "results", "version", "generated_at", "is_secret", "name",
              "cdx:ai:codegen:tool", "ai_AIPackage", "software_Package")
_ATTESTATION = ("version", "attestations", "id", "answer", "owner", "date", "evidence",
                "expires", "note", "yes", "no", "S4-Q4", "S1-Q4", "GDA-5a", "2026-10-15")
_CONFIG = ("version", "tools", "signatures", "sensitive_paths", "signals",
           "false_positive_windows", "id", "tool", "channel", "confidence", "pattern",
           "trailer", "model", "name", "categories", "commands", "hooks", "repos", "uses",
           "templates", "images", "jobs", "reports", "category", "patterns", "signal", "from",
           "to", "why", "body", "identity", "branch", "H", "M", "L", "sast", "acme",
           "**/billing/", "2026-01-01")
_CODEOWNERS = ("*", "/src/", "docs/*", "**/auth/", "*.tf", "@org/team", "@user", "@@role",
               "dev@example.com", "[Section]", "^[Optional]", "[Name][2]", "#", "\\#", "!x",
               "[a-z]", "path\\ with\\ space", "/", "**", "?")
_POLICY = ("# AI policy", "## Review", "AI", "LLM", "Copilot", "Cursor", "review", "approved",
           "Co-authored-by:", "Assisted-by:", "must not", "never", "- [ ] AI was used",
           "secrets", "customer data", "=====", "\n", ".", "Generated-by")
_TRAILERS = ("Co-authored-by", "Assisted-by", "Generated-by", "Claude", "Copilot",
             "noreply@anthropic.com", "copilot[bot]", "Generated with", "Merge branch 'claude/x'",
             "Merge pull request #1 from acme/cursor/fix", "AI-assisted", "Signed-off-by")

#: The vocabulary of each harness (``yaml`` takes every YAML one).
VOCABULARY: dict[str, tuple[str, ...]] = {
    "workflow": _WORKFLOW, "gitlab_ci": _GITLAB, "hooks": _HOOKS, "codeowners": _CODEOWNERS,
    "ai_config": _AI, "policies": _POLICY, "artifacts": _ARTIFACTS, "trailers": _TRAILERS,
    "attestation": _ATTESTATION, "config": _CONFIG,
    "yaml": _WORKFLOW + _GITLAB + ("&a", "*a", "<<", "!reference", "!!binary", "---"),
}
#: Harnesses whose input is lines of text rather than a YAML or JSON document.
TEXT_HARNESSES = frozenset({"codeowners", "policies"})


@cache
def seeds(name: str) -> tuple[bytes, ...]:
    """The seed files (real examples) of one harness's corpus."""
    return tuple(p.read_bytes() for p in sorted((CORPUS / name).glob("seed-*")))


def any_text(max_size: int = 12) -> st.SearchStrategy[str]:
    """Text of any code point, lone surrogates included (JSON and YAML escapes can spell them)."""
    return st.text(st.characters(exclude_categories=()), max_size=max_size)


def documents(words: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Nested mappings, lists and scalars, keys and strings mostly from ``words``."""
    text = st.sampled_from(words) | any_text()
    scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
               | st.floats(allow_nan=True) | text)
    keys = text | st.integers(-5, 5) | st.booleans()
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(keys, inner, max_size=5), max_leaves=30)


def render(value: Any, style: str) -> bytes:
    """A value as YAML (block or flow) or JSON (ASCII escapes, or raw text)."""
    if style.startswith("yaml"):
        text = yaml.safe_dump(value, default_flow_style=style == "yaml-flow",
                              allow_unicode=True, sort_keys=False)
    else:
        text = json.dumps(value, ensure_ascii=style == "json-ascii")
    # A raw surrogate cannot be UTF-8: it goes out as CESU-8 bytes, which readers must refuse.
    return text.encode("utf-8", "surrogatepass")


@cache
def structured(name: str) -> st.SearchStrategy[bytes]:
    """Documents (or lines of text) built from the harness's vocabulary."""
    words = VOCABULARY[name]
    if name == "trailers":
        return st.lists(log_record(), max_size=4).map(b"".join)
    if name in TEXT_HARNESSES:
        line = st.lists(st.sampled_from(words) | any_text(8), max_size=6).map(" ".join)
        return st.lists(line, max_size=20).map(
            lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass"))
    styles = st.sampled_from(("yaml", "yaml-flow", "json", "json-ascii"))
    return st.tuples(documents(words), styles).map(lambda pair: render(*pair))


def log_record() -> st.SearchStrategy[bytes]:
    """One record of ``git log`` output in the local source's format."""
    words = st.sampled_from(_TRAILERS) | any_text(20)
    trailer = st.tuples(words, words).map(lambda kv: f"{kv[0]}: {kv[1]}")
    stamp = st.integers(-2**40, 2**40).map(str) | st.sampled_from(("", "x", "1.5", "1" * 30))
    fields = st.tuples(
        st.text("0123456789abcdef", min_size=40, max_size=40),
        st.lists(st.text("0123456789abcdef", min_size=40, max_size=40), max_size=2)
        .map(" ".join),
        words, words, words, words, stamp, stamp,
        st.lists(trailer, max_size=4).map("\x1f".join),
        st.lists(words, max_size=6).map("\n".join))
    return fields.map(lambda f: "\x00".join(f).encode("utf-8", "surrogatepass")
                      + b"\x00\x1e\n")


def one_of_seeds(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    """One of ``values``, drawn by index (a strategy over whole files has a huge repr)."""
    return st.integers(0, len(values) - 1).map(values.__getitem__)


Mutation = tuple[str, float, bytes]


def mutate(seed: bytes, mutations: list[Mutation]) -> bytes:
    """Apply byte-level mutations: insert, delete, overwrite or duplicate at a position."""
    data = bytearray(seed)
    for kind, where, chunk in mutations:
        at = int(where * len(data))
        if kind == "insert":
            data[at:at] = chunk
        elif kind == "delete":
            del data[at:at + len(chunk)]
        elif kind == "overwrite":
            data[at:at + len(chunk)] = chunk
        else:  # duplicate a slice
            data[at:at] = data[at:at + len(chunk) * 8]
    return bytes(data)


@cache
def mutated(name: str) -> st.SearchStrategy[bytes]:
    """A seed file of the harness with a few byte-level mutations."""
    words = st.sampled_from(VOCABULARY[name]).map(str.encode)
    chunk = st.binary(min_size=1, max_size=8) | words | st.sampled_from(
        (b"\x00", b"\xff", b"\n", b":", b"- ", b"{", b"[", b"&a ", b"*a", b'"\\ud800"'))
    kinds = st.sampled_from(("insert", "delete", "overwrite", "duplicate"))
    mutations = st.lists(st.tuples(kinds, st.floats(0, 1), chunk), min_size=1, max_size=6)
    return st.tuples(one_of_seeds(seeds(name)), mutations).map(lambda p: mutate(*p))


def replace_part(document: Any, path: list[int], value: Any) -> Any:
    """``document`` with the node reached by ``path`` (child indices, modulo) replaced."""
    if not path or not isinstance(document, dict | list) or not document:
        return value
    if isinstance(document, list):
        index = path[0] % len(document)
        return [replace_part(v, path[1:], value) if i == index else v
                for i, v in enumerate(document)]
    key = list(document)[path[0] % len(document)]
    return {k: replace_part(v, path[1:], value) if k == key else v
            for k, v in document.items()}


@cache
def restructured(name: str) -> st.SearchStrategy[bytes]:
    """A YAML or JSON seed with one part of its document replaced by a generated value."""
    parsed = []
    for seed in seeds(name):
        try:
            # The guarded loader: the hostile scenario's alias bomb must stay unexpanded.
            parsed.append(load_yaml(seed))
        except YamlError:
            continue
    if not parsed:
        return mutated(name)
    parts = st.builds(replace_part, one_of_seeds(tuple(parsed)),
                      st.lists(st.integers(0, 50), max_size=6), documents(VOCABULARY[name]))
    styles = st.sampled_from(("yaml", "yaml-flow", "json"))
    return st.tuples(parts, styles).map(lambda pair: _render_any(*pair))


def _render_any(value: Any, style: str) -> bytes:
    # Seeds hold dates and other YAML-only values: those documents go out as YAML.
    try:
        return render(value, style)
    except (TypeError, ValueError):
        return render(value, "yaml")

"""Git-hook configurations: pre-commit, husky and lefthook."""

from __future__ import annotations

from typing import Any

import pytest

from collectors.hooks import (
    COLLECTOR,
    HookConfigError,
    framework_of,
    parse_husky,
    parse_lefthook,
    parse_precommit,
)
from scanner.catalog import read_packaged
from scanner.catalog.tools import load_tools
from scanner.evidence import Evidence, Gap, UnknownReason
from scanner.payloads import HookConfig
from scanner.yamlsafe import load_yaml

TOOLS = load_tools(read_packaged("tools.yaml"))

PRE_COMMIT = """
default_stages: [commit]
repos:
  - repo: https://github.com/gitleaks/gitleaks
    rev: v8.18.2
    hooks:
      - id: gitleaks
        stages: [push, commit]
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.6.0
    hooks:
      - id: ruff
      - id: ruff-format
        stages: [manual]
  - repo: https://github.com/compilerla/conventional-pre-commit
    rev: v3.4.0
    hooks:
      - id: conventional-pre-commit
        stages: [commit-msg]
  - repo: local
    hooks:
      - id: unit-tests
        name: tests
        entry: pytest -q
        language: system
      - id: scan
        entry: ./scripts/check.sh
        args: [--run, "semgrep ci"]
        language: script
"""


def hook_rows(config: HookConfig) -> list[tuple[Any, ...]]:
    return [(h.id, h.stages, h.command, tuple(m.tool for m in h.tools)) for h in config.hooks]


def test_precommit_hooks_stages_and_tools() -> None:
    config = parse_precommit(load_yaml(PRE_COMMIT), ".pre-commit-config.yaml", TOOLS)
    assert config.framework == "pre-commit"
    assert hook_rows(config) == [
        ("gitleaks", ("pre-push", "pre-commit"), None, ("gitleaks",)),
        ("ruff", ("pre-commit",), None, ("ruff",)),
        ("ruff-format", ("manual",), None, ("ruff",)),
        ("conventional-pre-commit", ("commit-msg",), None, ("conventional-pre-commit",)),
        ("unit-tests", ("pre-commit",), "pytest -q", ("pytest",)),
        ("scan", ("pre-commit",), "./scripts/check.sh --run semgrep ci", ("semgrep",)),
    ]
    assert config.hooks[0].rev == "v8.18.2"
    assert config.hooks[0].repo == "https://github.com/gitleaks/gitleaks"
    assert config.hooks[4].repo == "local"
    assert config.categories == ("commit-policy", "lint", "sast", "secrets", "test")


@pytest.mark.parametrize(("document", "expected"), [
    ("repos: [{repo: local, hooks: [{id: x, entry: x}]}]", ("pre-commit",)),
    ("default_stages: [push]\nrepos: [{repo: local, hooks: [{id: x, entry: x}]}]",
     ("pre-push",)),
    ("default_stages: [push]\nrepos: [{repo: local, hooks: [{id: x, entry: x, "
     "stages: [merge-commit, merge-commit]}]}]", ("pre-merge-commit",)),
])
def test_precommit_stage_defaults(document: str, expected: tuple[str, ...]) -> None:
    config = parse_precommit(load_yaml(document), ".pre-commit-config.yaml", TOOLS)
    assert config.hooks[0].stages == expected


@pytest.mark.parametrize(("document", "message"), [
    ("- just a list", "expected a mapping with a 'repos' list"),
    ("repos: {a: 1}", "expected a mapping with a 'repos' list"),
    ("repos: [{repo: local}]", "needs a 'hooks' list"),
    ("repos: [{repo: local, hooks: [{name: x}]}]", "has no 'id'"),
    ("repos: [{repo: local, hooks: [{id: x, stages: commit}]}]", "'stages' must be a list"),
])
def test_precommit_malformed(document: str, message: str) -> None:
    with pytest.raises(HookConfigError, match=message):
        parse_precommit(load_yaml(document), ".pre-commit-config.yaml", TOOLS)


def test_husky_hook_is_its_file() -> None:
    text = "#!/usr/bin/env sh\nnpx --no -- commitlint --edit \"$1\"\n"
    config = parse_husky(text, ".husky/commit-msg", TOOLS)
    assert config.framework == "husky"
    assert hook_rows(config) == [("commit-msg", ("commit-msg",), text, ("commitlint",))]
    assert config.categories == ("commit-policy",)


def test_husky_command_is_truncated() -> None:
    config = parse_husky("echo x\n" * 1000 + "gitleaks protect --staged\n", ".husky/pre-commit",
                         TOOLS)
    (hook,) = config.hooks
    assert hook.command is not None and len(hook.command) == 2000
    assert [m.tool for m in hook.tools] == ["gitleaks"]  # classified on the whole script


LEFTHOOK = """
colors: false
pre-commit:
  parallel: true
  commands:
    lint:
      run: npx eslint {staged_files}
    secrets:
      run: gitleaks protect --staged
  scripts:
    "check-secrets.sh":
      runner: bash
pre-push:
  jobs:
    - name: tests
      run: go test ./...
    - run: echo unnamed
    - group:
        jobs:
          - name: vuln
            run: govulncheck ./...
"""


def test_lefthook_commands_scripts_and_jobs() -> None:
    config = parse_lefthook(load_yaml(LEFTHOOK), "lefthook.yml", TOOLS)
    assert hook_rows(config) == [
        ("lint", ("pre-commit",), "npx eslint {staged_files}", ("eslint",)),
        ("secrets", ("pre-commit",), "gitleaks protect --staged", ("gitleaks",)),
        ("check-secrets.sh", ("pre-commit",), "bash check-secrets.sh", ()),
        ("tests", ("pre-push",), "go test ./...", ("go-test",)),
        ("jobs[1]", ("pre-push",), "echo unnamed", ()),
        ("vuln", ("pre-push",), "govulncheck ./...", ("govulncheck",)),
    ]
    assert config.categories == ("lint", "sca", "secrets", "test")


@pytest.mark.parametrize(("document", "message"), [
    ("[1, 2]", "expected a mapping"),
    ("pre-commit: run this", "'pre-commit' must be a mapping"),
    ("pre-commit: {commands: [a, b]}", "malformed commands"),
    ("pre-push: {jobs: [x]}", "job 0 must be a mapping"),
])
def test_lefthook_malformed(document: str, message: str) -> None:
    with pytest.raises(HookConfigError, match=message):
        parse_lefthook(load_yaml(document), "lefthook.yml", TOOLS)


@pytest.mark.parametrize(("path", "expected"), [
    (".pre-commit-config.yaml", "pre-commit"),
    (".pre-commit-config.yml", "pre-commit"),
    ("sub/.pre-commit-config.yaml", None),
    (".husky/pre-push", "husky"),
    (".husky/_/pre-push", None),
    (".husky/_/husky.sh", None),
    (".husky/README.md", None),
    ("lefthook.yml", "lefthook"),
    (".lefthook.yaml", "lefthook"),
    ("lefthook-local.yml", None),
])
def test_framework_of(path: str, expected: str | None) -> None:
    assert framework_of(path) == expected


def test_run_over_a_real_repository(repo: Any, context_of: Any) -> None:
    repo.write(".pre-commit-config.yaml", PRE_COMMIT)
    repo.write(".husky/pre-commit", "npx lint-staged\nnpm test\n")
    repo.write(".husky/_/husky.sh", "echo internal\n")
    repo.write("lefthook.yml", "pre-commit: [unclosed\n")
    repo.commit("hooks")
    items = list(COLLECTOR.run(context_of(repo)))
    evidence = {i.provenance.locator: i for i in items if isinstance(i, Evidence)}
    gaps = [i for i in items if isinstance(i, Gap)]
    assert sorted(evidence) == ["tree:.husky/pre-commit", "tree:.pre-commit-config.yaml"]
    husky = evidence["tree:.husky/pre-commit"]
    assert husky.kind == "tree.hooks" and husky.provenance.collector == "hooks@1"
    assert husky.payload.categories == ("test",)
    assert evidence["tree:.pre-commit-config.yaml"].provenance.digest is not None
    (gap,) = gaps
    assert gap.kind == "tree.hooks" and gap.reason is UnknownReason.UNREADABLE
    assert gap.provenance.locator == "tree:lefthook.yml" and "invalid YAML" in gap.detail


def test_run_without_configuration_yields_nothing(repo: Any, context_of: Any) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("init")
    assert list(COLLECTOR.run(context_of(repo))) == []

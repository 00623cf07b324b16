"""Git-hook manager configurations (pre-commit, husky, lefthook) and the tools their hooks run.

One :class:`~scanner.payloads.HookConfig` per configuration file of the HEAD tree: each hook
with the git stages it runs at, its command where the file states one, and the known tools
recognised from the tool catalog. A repository without any configuration yields nothing
here; rules cite the repository snapshot for that absence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from collectors.base import Collector, Context, file_by_file
from collectors.sources.base import TreeEntry
from scanner.catalog.tools import ToolCatalog, categories_of, merge_matches
from scanner.evidence import Item
from scanner.payloads import Hook, HookConfig

PRE_COMMIT_FILES = frozenset({".pre-commit-config.yaml", ".pre-commit-config.yml"})
LEFTHOOK_FILES = frozenset({"lefthook.yml", "lefthook.yaml", ".lefthook.yml", ".lefthook.yaml"})
HUSKY_DIR = ".husky/"

#: Git's hook names (githooks(5)): husky file names and lefthook top-level keys.
GIT_HOOKS = frozenset({
    "applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit",
    "prepare-commit-msg", "commit-msg", "post-commit", "pre-rebase", "post-checkout",
    "post-merge", "pre-push", "pre-receive", "update", "proc-receive", "post-receive",
    "post-update", "reference-transaction", "push-to-checkout", "pre-auto-gc", "post-rewrite",
    "sendemail-validate", "fsmonitor-watchman", "p4-changelist", "p4-prepare-changelist",
    "p4-post-changelist", "p4-pre-submit", "post-index-change",
})

#: pre-commit's stage names before version 3.2.
LEGACY_STAGES = {"commit": "pre-commit", "push": "pre-push", "merge-commit": "pre-merge-commit"}
COMMAND_LIMIT = 2000
#: lefthook groups nest jobs; YAML aliases can make a group contain itself.
MAX_GROUP_DEPTH = 10


class HookConfigError(ValueError):
    """The file is not a valid configuration of its framework; the message says why."""


def parse_precommit(data: Any, path: str, tools: ToolCatalog) -> HookConfig:
    """Classify the hooks of a ``.pre-commit-config.yaml`` document."""
    if not isinstance(data, dict) or not isinstance(data.get("repos"), list):
        raise HookConfigError(f"{path}: expected a mapping with a 'repos' list")
    default = _stages(data.get("default_stages"), path) or ("pre-commit",)
    hooks: list[Hook] = []
    for repo in data["repos"]:
        if not isinstance(repo, dict) or not isinstance(repo.get("hooks"), list):
            raise HookConfigError(f"{path}: each repo needs a 'hooks' list")
        url = str(repo.get("repo", ""))
        rev = repo.get("rev")
        for hook in repo["hooks"]:
            if not isinstance(hook, dict) or not isinstance(hook.get("id"), str):
                raise HookConfigError(f"{path}: a hook of {url or 'a repo'} has no 'id'")
            hooks.append(_precommit_hook(hook, url=url, rev=None if rev is None else str(rev),
                                         default=default, path=path, tools=tools))
    return _config("pre-commit", path, hooks)


def _precommit_hook(hook: Mapping[str, Any], *, url: str, rev: str | None,
                    default: tuple[str, ...], path: str, tools: ToolCatalog) -> Hook:
    hook_id: str = hook["id"]
    found = [tools.match_hook(url, hook_id)]
    command = None
    if url == "local" and isinstance(hook.get("entry"), str):
        args = hook.get("args")
        words = [str(a) for a in args] if isinstance(args, list) else []
        full = " ".join([hook["entry"], *words])
        command = full[:COMMAND_LIMIT]
        found.append(tools.match_command(full))
    return Hook(id=hook_id, repo=url or None, rev=rev,
                stages=_stages(hook.get("stages"), path) or default,
                command=command, tools=merge_matches(found))


def _stages(value: Any, path: str) -> tuple[str, ...]:
    """Stage names with legacy names normalised; empty when not given."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HookConfigError(f"{path}: 'stages' must be a list of stage names")
    return tuple(dict.fromkeys(LEGACY_STAGES.get(v, v) for v in map(str, value)))


def parse_husky(text: str, path: str, tools: ToolCatalog) -> HookConfig:
    """Classify one husky hook script (the file name is the git hook)."""
    name = path.rsplit("/", 1)[-1]
    hook = Hook(id=name, repo=None, rev=None, stages=(name,), command=text[:COMMAND_LIMIT],
                tools=tools.match_command(text))
    return _config("husky", path, [hook])


def parse_lefthook(data: Any, path: str, tools: ToolCatalog) -> HookConfig:
    """Classify the commands, jobs and scripts of a lefthook configuration."""
    if not isinstance(data, dict):
        raise HookConfigError(f"{path}: expected a mapping")
    hooks: list[Hook] = []
    for stage, spec in data.items():
        if stage not in GIT_HOOKS:
            continue
        if not isinstance(spec, dict):
            raise HookConfigError(f"{path}: '{stage}' must be a mapping")
        hooks.extend(_lefthook_hooks(stage, spec, path, tools))
    return _config("lefthook", path, hooks)


def _lefthook_hooks(stage: str, spec: Mapping[str, Any], path: str,
                    tools: ToolCatalog, depth: int = 0) -> Iterator[Hook]:
    if depth > MAX_GROUP_DEPTH:
        raise HookConfigError(f"{path}: '{stage}' groups nested over {MAX_GROUP_DEPTH} deep")
    commands = spec.get("commands") or {}
    scripts = spec.get("scripts") or {}
    jobs = spec.get("jobs") or []
    if not (isinstance(commands, dict) and isinstance(scripts, dict) and isinstance(jobs, list)):
        raise HookConfigError(f"{path}: '{stage}' has malformed commands, scripts or jobs")
    for name, command in commands.items():
        run = command.get("run") if isinstance(command, dict) else None
        yield _lefthook_hook(str(name), stage, run, tools)
    for name, script in scripts.items():
        runner = script.get("runner") if isinstance(script, dict) else None
        yield _lefthook_hook(str(name), stage, f"{runner or ''} {name}".strip(), tools)
    for index, job in enumerate(jobs):
        if not isinstance(job, dict):
            raise HookConfigError(f"{path}: '{stage}' job {index} must be a mapping")
        group = job.get("group")
        if isinstance(group, dict):
            yield from _lefthook_hooks(stage, group, path, tools, depth + 1)
            continue
        run = job.get("run") or job.get("script")
        yield _lefthook_hook(str(job.get("name") or f"jobs[{index}]"), stage, run, tools)


def _lefthook_hook(name: str, stage: str, run: Any, tools: ToolCatalog) -> Hook:
    command = run if isinstance(run, str) else None
    found = tools.match_command(command) if command else ()
    return Hook(id=name, repo=None, rev=None, stages=(stage,),
                command=command[:COMMAND_LIMIT] if command else None, tools=found)


def _config(framework: str, path: str, hooks: list[Hook]) -> HookConfig:
    return HookConfig(framework=framework, path=path, hooks=tuple(hooks),
                      categories=categories_of(m for h in hooks for m in h.tools))


def framework_of(path: str) -> str | None:
    """The hook framework a HEAD-tree path configures, or None."""
    if path in PRE_COMMIT_FILES:
        return "pre-commit"
    if path in LEFTHOOK_FILES:
        return "lefthook"
    name = path.removeprefix(HUSKY_DIR)
    if path.startswith(HUSKY_DIR) and name in GIT_HOOKS:
        return "husky"
    return None


def run(ctx: Context) -> Iterator[Item]:
    """One evidence item per hook configuration file, a gap per unreadable one."""
    tools = ctx.catalog.tools

    def read(entry: TreeEntry, framework: str) -> tuple[HookConfig, str]:
        if framework == "husky":
            text, blob = ctx.read_text(entry.path)
            return parse_husky(text, entry.path, tools), blob
        data, blob = ctx.read_yaml(entry.path)
        parse = parse_precommit if framework == "pre-commit" else parse_lefthook
        return parse(data, entry.path, tools), blob

    return file_by_file(ctx, COLLECTOR.label, HookConfig.KIND, framework_of, read,
                        errors=(HookConfigError,))


COLLECTOR = Collector(name="hooks", version=1, kinds=(HookConfig,), run=run)

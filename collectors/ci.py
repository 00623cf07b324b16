"""CI configuration files (GitHub Actions workflows, ``.gitlab-ci.yml``) and what they run.

One :class:`~scanner.payloads.CiPipeline` per file: its jobs with the events they run on,
whether they may fail, their token permissions, deployment environment and reports, and the
known tools recognised in steps, images, ``uses:`` references, GitLab includes and GitLab job
names. GitLab security templates become synthetic jobs (``template:<name>``) that may fail
unless the file overrides one of their jobs with ``allow_failure: false``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from collectors.base import Collector, Context, file_by_file
from collectors.sources.base import TreeEntry
from scanner.catalog.tools import ToolCatalog, categories_of, merge_matches
from scanner.evidence import Item
from scanner.payloads import CiJob, CiPipeline, CiStep, ToolMatch

WORKFLOW_DIR = ".github/workflows/"
GITLAB_FILE = ".gitlab-ci.yml"
RUN_LIMIT = 2000

#: GitHub events and the trigger vocabulary of :class:`~scanner.payloads.CiJob`.
GITHUB_EVENTS = {
    "pull_request": "pull_request", "pull_request_target": "pull_request",
    "merge_group": "pull_request", "push": "push", "schedule": "schedule",
    "workflow_dispatch": "manual", "workflow_call": "other",
}
#: Actions that upload SARIF results to code scanning (reported as ``sarif-upload``).
SARIF_UPLOADERS = frozenset({"github/codeql-action/upload-sarif", "github/codeql-action/analyze"})

#: Top-level ``.gitlab-ci.yml`` keys that are not jobs.
GITLAB_RESERVED = frozenset({
    "stages", "variables", "include", "default", "workflow", "image", "services",
    "before_script", "after_script", "cache", "spec",
})
#: ``only:``/``except:`` keywords; any other ref (branch name or regex) means ``push``.
GITLAB_REFS = {
    "merge_requests": "pull_request", "external_pull_requests": "pull_request",
    "schedules": "schedule", "tags": "tag", "branches": "push", "pushes": "push",
    "web": "manual", "api": "other", "triggers": "other", "pipelines": "other",
    "chat": "other", "external": "other",
}
#: ``$CI_PIPELINE_SOURCE`` values; any other source means ``other``.
GITLAB_SOURCES = {
    "merge_request_event": "pull_request", "external_pull_request_event": "pull_request",
    "push": "push", "schedule": "schedule", "web": "manual",
}
_SOURCE = re.compile(r"\$CI_PIPELINE_SOURCE\s*==\s*[\"']?(\w+)")
_MR_VARIABLE = re.compile(r"\$CI_MERGE_REQUEST_\w+")
_TAG = re.compile(r"\$CI_COMMIT_TAG\b(?!\s*==)")
_BRANCH = re.compile(r"\$CI_(?:COMMIT_BRANCH|DEFAULT_BRANCH|COMMIT_REF_NAME)\b")
#: Where a GitLab job without rules shows: branch pipelines, also shown on merge requests.
DEFAULT_GITLAB_TRIGGERS = ("pull_request", "push")


class CiConfigError(ValueError):
    """The file is not a CI configuration of its platform; the message says why."""


# --------------------------------------------------------------------------- GitHub Actions


def parse_workflow(data: Any, path: str, tools: ToolCatalog) -> CiPipeline:
    """Classify a GitHub Actions workflow document."""
    if not isinstance(data, dict):
        raise CiConfigError(f"{path}: expected a mapping")
    # The loader keeps `on` a string; a YAML 1.1 loader would have made it True.
    on = data["on"] if "on" in data else data.get(True)
    if on is None:
        raise CiConfigError(f"{path}: no 'on' triggers")
    jobs = data.get("jobs")
    if not isinstance(jobs, dict):
        raise CiConfigError(f"{path}: expected a 'jobs' mapping")
    triggers = github_triggers(on)
    parsed = tuple(_github_job(str(key), spec, triggers, path, tools)
                   for key, spec in jobs.items())
    permissions = data.get("permissions")
    return CiPipeline(
        platform="github-actions", path=path, name=_text(data.get("name")), triggers=triggers,
        jobs=parsed, permissions=normalise_permissions(permissions),
        permissions_read_only=read_only(permissions), templates=(),
        categories=categories_of(m for job in parsed for m in job.tools))


def github_triggers(on: Any) -> tuple[str, ...]:
    """The trigger vocabulary for an ``on:`` value (string, list or mapping)."""
    if isinstance(on, str):
        events: dict[str, Any] = {on: None}
    elif isinstance(on, list):
        events = {str(e): None for e in on}
    elif isinstance(on, dict):
        events = {str(k): v for k, v in on.items()}
    else:
        raise CiConfigError(f"'on' must be a string, list or mapping, not {type(on).__name__}")
    found: set[str] = set()
    for event, config in events.items():
        if event == "push":
            found.update(_push_triggers(config))
        else:
            found.add(GITHUB_EVENTS.get(event, "other"))
    return tuple(sorted(found))


def _push_triggers(config: Any) -> set[str]:
    """``push``, ``tag`` or both, from the push filters (tag filters alone mean tags only)."""
    if not isinstance(config, dict):
        return {"push"}
    tags = "tags" in config or "tags-ignore" in config
    branches = "branches" in config or "branches-ignore" in config
    found = {"tag"} if tags else set()
    if branches or not tags:
        found.add("push")
    return found


def normalise_permissions(value: Any) -> str | None:
    """``read-all``/``write-all`` as written, ``{}`` as ``none``, a mapping as sorted pairs."""
    if value is None:
        return None
    if isinstance(value, dict):
        return ",".join(sorted(f"{k}={v}" for k, v in value.items())) or "none"
    return str(value)


def read_only(value: Any) -> bool | None:
    """True when permissions grant no write scope, None when not set or not understood."""
    if value is None:
        return None
    if isinstance(value, dict):
        return all(v != "write" for v in value.values())
    return {"read-all": True, "write-all": False}.get(str(value))


def _github_job(job_id: str, spec: Any, triggers: tuple[str, ...], path: str,
                tools: ToolCatalog) -> CiJob:
    if not isinstance(spec, dict):
        raise CiConfigError(f"{path}: job '{job_id}' must be a mapping")
    raw_steps = spec.get("steps") or []
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        raise CiConfigError(f"{path}: job '{job_id}' steps must be a list of mappings")
    steps = tuple(_github_step(s, tools) for s in raw_steps)
    found: list[tuple[ToolMatch, ...]] = [s.tools for s in steps]
    if isinstance(spec.get("uses"), str):  # a reusable workflow
        found.append(tools.match_uses(spec["uses"]))
    image = _image(spec.get("container"))
    if image:
        found.append(tools.match_image(image))
    sarif = any(s.uses and s.uses.split("@", 1)[0].lower() in SARIF_UPLOADERS for s in steps)
    return CiJob(
        id=job_id, name=_text(spec.get("name")), triggers=triggers, steps=steps,
        tools=merge_matches(found), allow_failure=spec.get("continue-on-error") is True,
        environment=_environment(spec.get("environment")),
        permissions=normalise_permissions(spec.get("permissions")),
        artifacts_reports=("sarif-upload",) if sarif else ())


def _github_step(step: Mapping[str, Any], tools: ToolCatalog) -> CiStep:
    uses = _text(step.get("uses"))
    run = _text(step.get("run"))
    found = [tools.match_uses(uses) if uses else (), tools.match_command(run) if run else ()]
    return CiStep(name=_text(step.get("name")), uses=uses,
                  run=run[:RUN_LIMIT] if run else None, tools=merge_matches(found),
                  allow_failure=step.get("continue-on-error") is True)


# --------------------------------------------------------------------------- GitLab CI


def parse_gitlab(data: Any, path: str, tools: ToolCatalog) -> CiPipeline:
    """Classify a ``.gitlab-ci.yml`` document, its includes and its jobs."""
    if not isinstance(data, dict):
        raise CiConfigError(f"{path}: expected a mapping")
    templates = gitlab_includes(data.get("include"))
    included = {t: tools.match_template(t) for t in templates}
    template_tools = {m.tool for found in included.values() for m in found}
    definitions = {k: v for k, v in data.items()
                   if isinstance(k, str) and isinstance(v, dict) and k not in GITLAB_RESERVED}
    specs = {name: _extended(spec, definitions) for name, spec in definitions.items()
             if not name.startswith(".")}
    jobs = [_gitlab_job(name, spec, template_tools, tools) for name, spec in specs.items()]
    # A template whose job the file overrides with `allow_failure: false` is reported by
    # that job; otherwise it stands as one synthetic job that may fail.
    blocking = {m.tool for name, spec in specs.items() if spec.get("allow_failure") is False
                for m in tools.match_job(name)}
    for template, found in included.items():
        if found and not blocking & {m.tool for m in found}:
            jobs.append(CiJob(id=f"template:{template}", name=None,
                              triggers=DEFAULT_GITLAB_TRIGGERS, steps=(), tools=found,
                              allow_failure=True, environment=None, permissions=None,
                              artifacts_reports=tools.template_reports(found)))
    return CiPipeline(
        platform="gitlab-ci", path=path, name=None,
        triggers=tuple(sorted({t for job in jobs for t in job.triggers})), jobs=tuple(jobs),
        permissions=None, permissions_read_only=None, templates=templates,
        categories=categories_of(m for job in jobs for m in job.tools))


def gitlab_includes(value: Any) -> tuple[str, ...]:
    """Included templates, files, remote URLs and components as written, sorted."""
    items = value if isinstance(value, list) else [] if value is None else [value]
    names: set[str] = set()
    for item in items:
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict):
            names.update(item[k] for k in ("template", "local", "remote", "component")
                         if isinstance(item.get(k), str))
            files = item.get("file")
            files = [files] if isinstance(files, str) else files
            if isinstance(files, list):
                names.update(f for f in files if isinstance(f, str))
    return tuple(sorted(names))


def _extended(spec: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, Any]:
    """The job with its ``extends`` bases merged in (one level, later bases win)."""
    bases = spec.get("extends")
    names = [bases] if isinstance(bases, str) else bases if isinstance(bases, list) else []
    merged: dict[str, Any] = {}
    for name in names:
        base = definitions.get(name) if isinstance(name, str) else None
        if isinstance(base, dict):
            merged.update(base)
    merged.update(spec)
    return merged


def _gitlab_job(name: str, spec: Mapping[str, Any], template_tools: set[str],
                tools: ToolCatalog) -> CiJob:
    steps = tuple(step for key in ("before_script", "script")
                  if (step := _gitlab_step(key, spec.get(key), tools)) is not None)
    by_name = tools.match_job(name)
    # A job named like one of an included template's jobs overrides it: it keeps the
    # template's allow_failure default and still produces the template's reports.
    overrides = [m for m in by_name if m.tool in template_tools]
    found: list[tuple[ToolMatch, ...]] = [*(s.tools for s in steps), by_name]
    image = _image(spec.get("image"))
    if image:
        found.append(tools.match_image(image))
    if "allow_failure" in spec:
        allow = spec["allow_failure"] is True or isinstance(spec["allow_failure"], dict)
    else:
        # Manual jobs may fail by default, and so do GitLab's security template jobs.
        allow = spec.get("when") == "manual" or bool(overrides)
    artifacts = spec.get("artifacts")
    reports = artifacts.get("reports") if isinstance(artifacts, dict) else None
    keys = {str(k) for k in reports} if isinstance(reports, dict) else set()
    keys.update(tools.template_reports(overrides))
    return CiJob(
        id=name, name=None, triggers=gitlab_triggers(spec), steps=steps,
        tools=merge_matches(found), allow_failure=allow,
        environment=_environment(spec.get("environment")), permissions=None,
        artifacts_reports=tuple(sorted(keys)))


def _gitlab_step(key: str, script: Any, tools: ToolCatalog) -> CiStep | None:
    """The ``script``/``before_script`` lines as one step (nested lists flattened)."""
    lines = [script] if isinstance(script, str) else script if isinstance(script, list) else []
    flat = [str(x) for line in lines for x in (line if isinstance(line, list) else [line])]
    if not flat:
        return None
    text = "\n".join(flat)
    return CiStep(name=key, uses=None, run=text[:RUN_LIMIT], tools=tools.match_command(text),
                  allow_failure=False)


def gitlab_triggers(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """Events a GitLab job runs on, from ``when``, ``rules`` or ``only``/``except``."""
    if spec.get("when") == "manual":
        return ("manual",)
    rules = spec.get("rules")
    if isinstance(rules, list):
        found: set[str] = set()
        for rule in rules:
            if not isinstance(rule, dict) or rule.get("when") == "never":
                continue
            found |= {"manual"} if rule.get("when") == "manual" else _condition(rule.get("if"))
        return tuple(sorted(found))
    only, skip = _refs(spec.get("only")), _refs(spec.get("except"))
    if only is None and skip is None:
        return DEFAULT_GITLAB_TRIGGERS
    events = set(DEFAULT_GITLAB_TRIGGERS)
    if only:
        events = {GITLAB_REFS.get(r, "push") for r in only}
    events -= {GITLAB_REFS[r] for r in skip or () if r in GITLAB_REFS}
    return tuple(sorted(events))


def _condition(condition: Any) -> set[str]:
    """Events a ``rules: if:`` expression selects (no recognised variable: branch and MR)."""
    if not isinstance(condition, str):
        return set(DEFAULT_GITLAB_TRIGGERS)
    found = {GITLAB_SOURCES.get(s, "other") for s in _SOURCE.findall(condition)}
    if _MR_VARIABLE.search(condition):
        found.add("pull_request")
    if _TAG.search(condition):
        found.add("tag")
    if _BRANCH.search(condition):
        found.add("push")
    return found or set(DEFAULT_GITLAB_TRIGGERS)


def _refs(value: Any) -> list[str] | None:
    """``only``/``except`` refs (string, list or ``refs:`` mapping); None when not set."""
    if isinstance(value, dict):
        value = value.get("refs")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return None


# --------------------------------------------------------------------------- shared


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _image(value: Any) -> str | None:
    """A container image given as a string or a mapping with ``name``/``image``."""
    if isinstance(value, dict):
        value = value.get("name", value.get("image"))
    return value if isinstance(value, str) and value else None


def _environment(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) and value else None


def platform_of(path: str) -> str | None:
    """The CI platform a HEAD-tree path configures, or None."""
    if path == GITLAB_FILE:
        return "gitlab-ci"
    name = path.removeprefix(WORKFLOW_DIR)
    if path.startswith(WORKFLOW_DIR) and "/" not in name and name.endswith((".yml", ".yaml")):
        return "github-actions"
    return None


def run(ctx: Context) -> Iterator[Item]:
    """One evidence item per CI configuration file, a gap per unreadable one."""
    tools = ctx.catalog.tools

    def read(entry: TreeEntry, platform: str) -> tuple[CiPipeline, str]:
        data, blob = ctx.read_yaml(entry.path)
        parse = parse_gitlab if platform == "gitlab-ci" else parse_workflow
        return parse(data, entry.path, tools), blob

    return file_by_file(ctx, COLLECTOR.label, CiPipeline.KIND, platform_of, read,
                        errors=(CiConfigError,))


COLLECTOR = Collector(name="ci", version=1, kinds=(CiPipeline,), run=run)

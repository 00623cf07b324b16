"""CI configuration: GitHub Actions workflows and .gitlab-ci.yml."""

from __future__ import annotations

from typing import Any

import pytest

from collectors.ci import (
    COLLECTOR,
    CiConfigError,
    github_triggers,
    gitlab_includes,
    gitlab_triggers,
    normalise_permissions,
    parse_gitlab,
    parse_workflow,
    platform_of,
    read_only,
)
from scanner.catalog import read_packaged
from scanner.catalog.tools import load_tools
from scanner.evidence import Evidence, Gap, UnknownReason
from scanner.payloads import CiJob, CiPipeline
from scanner.yamlsafe import load_yaml

TOOLS = load_tools(read_packaged("tools.yaml"))

WORKFLOW = """
name: CI
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  security-events: write
jobs:
  analyze:
    runs-on: ubuntu-latest
    permissions: read-all
    steps:
      - uses: actions/checkout@v4
      - uses: github/codeql-action/init@v3
      - name: Analyze
        uses: github/codeql-action/analyze@v3
  tests:
    runs-on: ubuntu-latest
    continue-on-error: true
    container:
      image: returntocorp/semgrep:1.80
    steps:
      - run: |
          pip install -e .[test]
          pytest -q
  deploy:
    uses: slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@v2.0.0
    environment:
      name: production
"""


def job(pipeline: CiPipeline, job_id: str) -> CiJob:
    return next(j for j in pipeline.jobs if j.id == job_id)


def tool_ids(item: Any) -> list[str]:
    return [m.tool for m in item.tools]


# --------------------------------------------------------------------------- GitHub


def test_step_continue_on_error_is_kept() -> None:
    document = load_yaml("on: pull_request\njobs:\n  scan:\n    runs-on: x\n    steps:\n"
                         "      - run: gitleaks detect\n        continue-on-error: true\n"
                         "      - run: semgrep scan\n")
    (scan_job,) = parse_workflow(document, ".github/workflows/s.yml", TOOLS).jobs
    assert [(tool_ids(s), s.allow_failure) for s in scan_job.steps] == [
        (["gitleaks"], True), (["semgrep"], False)]
    assert scan_job.allow_failure is False


def test_workflow_jobs_steps_and_tools() -> None:
    pipeline = parse_workflow(load_yaml(WORKFLOW), ".github/workflows/ci.yml", TOOLS)
    assert (pipeline.platform, pipeline.name) == ("github-actions", "CI")
    assert pipeline.triggers == ("pull_request", "push")
    assert pipeline.permissions == "contents=read,security-events=write"
    assert pipeline.permissions_read_only is False
    assert [j.id for j in pipeline.jobs] == ["analyze", "tests", "deploy"]
    analyze, tests, deploy = pipeline.jobs
    assert analyze.triggers == pipeline.triggers
    assert analyze.permissions == "read-all"
    assert tool_ids(analyze) == ["codeql"]
    assert analyze.artifacts_reports == ("sarif-upload",)
    assert [(s.name, s.uses, tool_ids(s)) for s in analyze.steps] == [
        (None, "actions/checkout@v4", []),
        (None, "github/codeql-action/init@v3", ["codeql"]),
        ("Analyze", "github/codeql-action/analyze@v3", ["codeql"]),
    ]
    assert tests.allow_failure is True and analyze.allow_failure is False
    assert tool_ids(tests) == ["pytest", "semgrep"]  # the step's command and the container
    assert tests.steps[0].run == "pip install -e .[test]\npytest -q\n"
    assert tool_ids(deploy) == ["slsa-github-generator"]
    assert deploy.environment == "production" and deploy.steps == ()
    assert pipeline.categories == ("dataflow", "provenance", "sast", "test")


@pytest.mark.parametrize(("on", "expected"), [
    ("push", ("push",)),
    (["push", "pull_request_target"], ("pull_request", "push")),
    ({"merge_group": None, "schedule": [{"cron": "0 0 * * *"}]}, ("pull_request", "schedule")),
    ({"workflow_dispatch": None}, ("manual",)),
    ({"workflow_call": {"inputs": {}}}, ("other",)),
    ({"release": {"types": ["published"]}}, ("other",)),
    ({"push": {"tags": ["v*"]}}, ("tag",)),
    ({"push": {"tags-ignore": ["nightly"]}}, ("tag",)),
    ({"push": {"branches": ["main"], "tags": ["v*"]}}, ("push", "tag")),
    ({"push": {"paths": ["src/**"]}}, ("push",)),
])
def test_github_triggers(on: Any, expected: tuple[str, ...]) -> None:
    assert github_triggers(on) == expected


@pytest.mark.parametrize("key", ["on", True])
def test_on_key_as_string_or_yaml11_boolean(key: Any) -> None:
    data = {key: "pull_request", "jobs": {"a": {"steps": [{"run": "gitleaks detect"}]}}}
    pipeline = parse_workflow(data, ".github/workflows/a.yml", TOOLS)
    assert pipeline.triggers == ("pull_request",)
    assert pipeline.jobs[0].triggers == ("pull_request",)
    assert pipeline.categories == ("secrets",)


@pytest.mark.parametrize(("value", "normalised", "read"), [
    (None, None, None),
    ("read-all", "read-all", True),
    ("write-all", "write-all", False),
    ({}, "none", True),
    ({"pull-requests": "write", "contents": "read"}, "contents=read,pull-requests=write", False),
    ({"contents": "read", "id-token": "none"}, "contents=read,id-token=none", True),
])
def test_permissions(value: Any, normalised: str | None, read: bool | None) -> None:
    assert normalise_permissions(value) == normalised
    assert read_only(value) is read


@pytest.mark.parametrize(("document", "message"), [
    ("- a list", "expected a mapping"),
    ("name: x\njobs: {a: {}}", "no 'on' triggers"),
    ("on: push\njobs: [a]", "expected a 'jobs' mapping"),
    ("on: push\njobs: {a: run}", "job 'a' must be a mapping"),
    ("on: push\njobs: {a: {steps: [run this]}}", "steps must be a list of mappings"),
    ("on: 3\njobs: {}", "'on' must be a string, list or mapping"),
])
def test_workflow_malformed(document: str, message: str) -> None:
    with pytest.raises(CiConfigError, match=message):
        parse_workflow(load_yaml(document), ".github/workflows/x.yml", TOOLS)


# --------------------------------------------------------------------------- GitLab

GITLAB = """
include:
  - template: Jobs/SAST.gitlab-ci.yml
  - template: Security/Secret-Detection.gitlab-ci.yml
  - local: /ci/build.yml
  - project: acme/ci-templates
    file: [/lint.yml, /test.yml]
  - component: $CI_SERVER_FQDN/components/dependency-scanning/main@1
stages: [test, deploy]
variables:
  SAST_EXCLUDED_PATHS: docs
.python:
  image: python:3.12
  before_script:
    - pip install -r requirements.txt
unit:
  extends: .python
  script:
    - pytest
  artifacts:
    reports:
      junit: report.xml
      coverage_report: {coverage_format: cobertura, path: coverage.xml}
semgrep-sast:
  allow_failure: false
deploy:
  stage: deploy
  script: ./deploy.sh
  environment:
    name: production
  rules:
    - if: $CI_COMMIT_TAG
"""


def test_gitlab_jobs_templates_and_overrides() -> None:
    pipeline = parse_gitlab(load_yaml(GITLAB), ".gitlab-ci.yml", TOOLS)
    assert pipeline.platform == "gitlab-ci"
    assert pipeline.templates == (
        "$CI_SERVER_FQDN/components/dependency-scanning/main@1", "/ci/build.yml", "/lint.yml",
        "/test.yml", "Jobs/SAST.gitlab-ci.yml", "Security/Secret-Detection.gitlab-ci.yml")
    assert [j.id for j in pipeline.jobs] == [
        "unit", "semgrep-sast", "deploy",
        "template:$CI_SERVER_FQDN/components/dependency-scanning/main@1",
        "template:Security/Secret-Detection.gitlab-ci.yml",
    ]
    unit = job(pipeline, "unit")
    assert [(s.name, s.run) for s in unit.steps] == [
        ("before_script", "pip install -r requirements.txt"), ("script", "pytest")]
    assert tool_ids(unit) == ["pytest"] and unit.allow_failure is False
    assert unit.triggers == ("pull_request", "push")
    assert unit.artifacts_reports == ("coverage_report", "junit")
    # SAST is overridden to block the pipeline, so the override stands for the template.
    sast = job(pipeline, "semgrep-sast")
    assert (tool_ids(sast), sast.allow_failure) == (["gitlab-sast"], False)
    assert sast.artifacts_reports == ("sast",)  # still the template's report
    secrets = job(pipeline, "template:Security/Secret-Detection.gitlab-ci.yml")
    assert (tool_ids(secrets), secrets.allow_failure) == (["gitlab-secret-detection"], True)
    assert secrets.artifacts_reports == ("secret_detection",)
    assert secrets.triggers == ("pull_request", "push")
    deploy = job(pipeline, "deploy")
    assert (deploy.triggers, deploy.environment) == (("tag",), "production")
    assert pipeline.triggers == ("pull_request", "push", "tag")
    assert pipeline.categories == ("sast", "sca", "secrets", "test")
    assert pipeline.permissions is None and pipeline.permissions_read_only is None


@pytest.mark.parametrize(("override", "template_job", "allow_failure"), [
    ("", True, None),  # no override: the template job may fail
    ("secret_detection:\n  variables: {X: 1}\n", True, True),  # override inherits true
    ("secret_detection:\n  allow_failure: true\n", True, True),
    ("secret_detection:\n  allow_failure: false\n", False, False),
])
def test_gitlab_template_allow_failure(override: str, template_job: bool,
                                       allow_failure: bool | None) -> None:
    document = "include:\n  - template: Jobs/Secret-Detection.gitlab-ci.yml\n" + override
    pipeline = parse_gitlab(load_yaml(document), ".gitlab-ci.yml", TOOLS)
    synthetic = [j for j in pipeline.jobs if j.id.startswith("template:")]
    assert [j.allow_failure for j in synthetic] == ([True] if template_job else [])
    overrides = [j.allow_failure for j in pipeline.jobs if j.id == "secret_detection"]
    assert overrides == ([] if allow_failure is None else [allow_failure])
    assert pipeline.categories == ("secrets",)


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, ("pull_request", "push")),
    ({"rules": [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]}, ("pull_request",)),
    ({"rules": [{"if": "$CI_PIPELINE_SOURCE == 'schedule'"}]}, ("schedule",)),
    ({"rules": [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]}, ("push",)),
    ({"rules": [{"if": "$CI_MERGE_REQUEST_IID"},
                {"if": "$CI_COMMIT_TAG =~ /^v/"}]}, ("pull_request", "tag")),
    ({"rules": [{"if": "$CI_COMMIT_TAG == null", "when": "never"}, {"when": "always"}]},
     ("pull_request", "push")),
    ({"rules": [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"', "when": "manual"}]},
     ("manual",)),
    ({"rules": [{"if": '$CI_PIPELINE_SOURCE == "trigger"'}]}, ("other",)),
    ({"rules": [{"if": "$SAST_DISABLED", "when": "never"}]}, ()),
    ({"when": "manual"}, ("manual",)),
    ({"only": ["merge_requests"]}, ("pull_request",)),
    ({"only": "schedules"}, ("schedule",)),
    ({"only": {"refs": ["tags"]}}, ("tag",)),
    ({"only": ["main", "branches"]}, ("push",)),
    ({"except": ["merge_requests"]}, ("push",)),
    ({"only": {"variables": ["$X"]}}, ("pull_request", "push")),
])
def test_gitlab_triggers(spec: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert gitlab_triggers(spec) == expected


@pytest.mark.parametrize(("document", "expected_allow"), [
    ("build:\n  script: make\n  when: manual\n", True),
    ("build:\n  script: make\n  allow_failure: {exit_codes: [3]}\n", True),
    ("build:\n  script: make\n", False),
])
def test_gitlab_allow_failure_defaults(document: str, expected_allow: bool) -> None:
    pipeline = parse_gitlab(load_yaml(document), ".gitlab-ci.yml", TOOLS)
    assert pipeline.jobs[0].allow_failure is expected_allow


def test_gitlab_extends_later_base_wins_and_job_overrides() -> None:
    document = """
.scan:
  image: zricethezav/gitleaks:latest
  script: [echo base]
.lint:
  script: [ruff check .]
job:
  extends: [.scan, .lint]
  before_script: [echo own]
"""
    (only,) = parse_gitlab(load_yaml(document), ".gitlab-ci.yml", TOOLS).jobs
    assert only.id == "job"
    assert [s.run for s in only.steps] == ["echo own", "ruff check ."]
    assert tool_ids(only) == ["gitleaks", "ruff"]


@pytest.mark.parametrize(("value", "expected"), [
    ("Security/SAST.gitlab-ci.yml", ("Security/SAST.gitlab-ci.yml",)),
    ({"template": "Jobs/SAST.gitlab-ci.yml"}, ("Jobs/SAST.gitlab-ci.yml",)),
    ([{"remote": "https://x/y.yml"}, {"project": "a/b", "file": "/c.yml"}],
     ("/c.yml", "https://x/y.yml")),
    (None, ()),
])
def test_gitlab_includes(value: Any, expected: tuple[str, ...]) -> None:
    assert gitlab_includes(value) == expected


@pytest.mark.parametrize(("path", "expected"), [
    (".github/workflows/ci.yml", "github-actions"),
    (".github/workflows/release.yaml", "github-actions"),
    (".github/workflows/nested/ci.yml", None),
    (".github/workflows/README.md", None),
    (".gitlab-ci.yml", "gitlab-ci"),
    ("ci/.gitlab-ci.yml", None),
])
def test_platform_of(path: str, expected: str | None) -> None:
    assert platform_of(path) == expected


# --------------------------------------------------------------------------- real repository

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, n in zip("abcdefgh", "bcdefghi", strict=True))


def test_run_over_a_real_repository(repo: Any, context_of: Any) -> None:
    repo.write(".github/workflows/ci.yml", WORKFLOW)
    repo.write(".github/workflows/broken.yml", "on: push\njobs: {a: [unclosed\n")
    repo.write(".github/workflows/bomb.yml", ALIAS_BOMB)
    repo.write(".github/workflows/notes.txt", "not a workflow\n")
    repo.commit("ci")
    items = list(COLLECTOR.run(context_of(repo)))
    evidence = [i for i in items if isinstance(i, Evidence)]
    gaps = {i.provenance.locator: i for i in items if isinstance(i, Gap)}
    assert len(evidence) == 1 and len(gaps) == 2
    (good,) = evidence
    assert good.kind == "tree.ci" and good.provenance.locator == "tree:.github/workflows/ci.yml"
    assert good.provenance.collector == "ci@1"
    assert good.payload.categories == ("dataflow", "provenance", "sast", "test")
    assert sorted(gaps) == ["tree:.github/workflows/bomb.yml", "tree:.github/workflows/broken.yml"]
    assert all(g.reason is UnknownReason.UNREADABLE and g.kind == "tree.ci" for g in gaps.values())
    assert "aliases" in gaps["tree:.github/workflows/bomb.yml"].detail


def test_run_reads_gitlab_ci(repo: Any, context_of: Any) -> None:
    repo.write(".gitlab-ci.yml", GITLAB)
    repo.commit("gitlab")
    (item,) = COLLECTOR.run(context_of(repo))
    assert isinstance(item, Evidence) and item.payload.platform == "gitlab-ci"
    assert item.provenance.locator == "tree:.gitlab-ci.yml"

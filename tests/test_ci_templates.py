"""The GitHub Action (``action.yml``) and the GitLab CI template, checked and run for real.

The structure tests parse both files. The run tests execute them the way the platforms
would, on a fixture repository:

* the action's ``run:`` steps in order with ``bash --noprofile --norc -eo pipefail`` (the
  runner's ``shell: bash``), their ``env:`` expanded from the input defaults, step outputs
  read back from ``GITHUB_OUTPUT`` files and ``if: always()`` honoured. ``uses:`` steps are
  not run; the files they would cache or upload are checked instead. The install step is
  the one step replaced: it would ``pip install`` the action's checkout from PyPI's network,
  so the harness gives its declared output (``bin``, the directory holding ``aims``) the
  directory of the ``aims`` this test session runs with, which is that same checkout
  installed. One more test runs the real install step on its own (it needs PyPI, as the
  test command's own install does) and scans with what it installed.
* the GitLab job's ``script:`` with the template's variables in the project directory, with
  ``aims`` on PATH as ``before_script:`` would leave it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.outputs import FILE_NAMES
from tests.fixture_repos import build_scenario

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
GITLAB = ROOT / "ci" / "gitlab" / "aims.gitlab-ci.yml"
#: Where this session's ``aims`` is installed (the venv running the tests).
AIMS_BIN = Path(sys.executable).parent
#: The job token the harness hands to the action; it must never show up in any output.
FAKE_TOKEN = "fake-job-token-for-the-ci-template-tests"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w.-]+)*@(?:v\d+(?:\.\d+){0,2}|[0-9a-f]{40})$")


def load(path: Path) -> dict[str, Any]:
    """The YAML file as a mapping."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def action_steps() -> list[dict[str, Any]]:
    """The composite action's steps."""
    steps = load(ACTION)["runs"]["steps"]
    assert isinstance(steps, list)
    return steps


def step_named(fragment: str) -> dict[str, Any]:
    """The one action step whose ``uses:`` or ``id`` contains ``fragment``."""
    found = [s for s in action_steps() if fragment in str(s.get("uses", s.get("id", "")))]
    assert len(found) == 1, f"{len(found)} steps match {fragment!r}"
    return found[0]


# --- structure: the action -------------------------------------------------------------


def test_action_is_composite() -> None:
    assert load(ACTION)["runs"]["using"] == "composite"


@pytest.mark.parametrize(("name", "default"), [
    ("target", "."),
    ("formats", "json,sarif,markdown,html"),
    ("fail-under", ""),
    ("gate-basis", "floor"),
    ("fail-on-regression", "false"),
    ("fail-on-partial", "false"),
    ("deep", "true"),
    ("sign-key", ""),
    ("sign-key-passphrase", ""),
    ("token", "${{ github.token }}"),
    ("python-version", "3.12"),
    ("upload-sarif", "true"),
    ("artifact-name", "aims-report"),
])
def test_action_input_defaults(name: str, default: str) -> None:
    spec = load(ACTION)["inputs"][name]
    assert spec["default"] == default
    assert spec["description"].strip()


@pytest.mark.parametrize("name", ["exit-code", "code", "stage", "report", "sarif", "bundle"])
def test_action_outputs_come_from_steps(name: str) -> None:
    assert EXPRESSION.fullmatch(load(ACTION)["outputs"][name]["value"])


@pytest.mark.parametrize("step", [s for s in action_steps() if "uses" in s],
                         ids=lambda s: str(s["uses"]))
def test_action_uses_are_pinned(step: dict[str, Any]) -> None:
    assert PINNED.match(step["uses"]), step["uses"]


@pytest.mark.parametrize("step", [s for s in action_steps() if "run" in s],
                         ids=lambda s: str(s.get("id", s["name"])))
def test_action_run_steps_are_bash_without_expressions(step: dict[str, Any]) -> None:
    # Stricter than the gha-expression-injection rule: no expression at all in a script, so
    # every value reaches the shell as an environment variable.
    assert step["shell"] == "bash"
    assert "${{" not in step["run"]


def test_action_token_only_reaches_the_scan_as_environment() -> None:
    holders = [s for s in action_steps() if "inputs.token" in json.dumps(s)]
    assert [s["id"] for s in holders] == ["scan"]
    assert holders[0]["env"]["GITHUB_TOKEN"] == "${{ inputs.token }}"


def test_action_sarif_upload_has_a_category() -> None:
    step = step_named("codeql-action/upload-sarif")
    assert step["with"]["category"] == "aims"
    assert "inputs.upload-sarif == 'true'" in step["if"]


def test_action_artifact_upload_runs_always() -> None:
    assert step_named("upload-artifact")["if"] == "always()"


def test_action_cache_is_saved_even_when_the_job_fails() -> None:
    restore, save = step_named("cache/restore"), step_named("cache/save")
    assert "always()" in save["if"]
    assert restore["with"]["path"] == save["with"]["path"]
    assert restore["with"]["key"] == save["with"]["key"]
    assert "github.run_id" in save["with"]["key"]
    prefix = restore["with"]["restore-keys"].strip()
    assert save["with"]["key"].startswith(prefix)


# --- structure: the GitLab template ----------------------------------------------------


def test_gitlab_job_extends_the_hidden_job() -> None:
    template = load(GITLAB)
    assert template["aims-scan"]["extends"] == ".aims-scan"
    assert "script" in template[".aims-scan"]


def test_gitlab_codequality_report_is_the_file_the_scan_writes() -> None:
    hidden = load(GITLAB)[".aims-scan"]
    assert "--out-dir aims-out" in "\n".join(hidden["script"])
    assert "gitlab-codequality" in hidden["variables"]["AIMS_FORMATS"].split(",")
    expected = f"aims-out/{FILE_NAMES['gitlab-codequality']}"
    assert hidden["artifacts"]["reports"]["codequality"] == expected


@pytest.mark.parametrize(("path", "expected"), [
    (("variables", "GIT_DEPTH"), "0"),
    (("variables", "AIMS_TARGET"), "."),
    (("image",), "python:3.12-slim"),
    (("artifacts", "when"), "always"),
    (("artifacts", "expire_in"), "90 days"),
    (("cache", "paths"), [".aims-cache/"]),
    (("cache", "when"), "always"),
    (("allow_failure", "exit_codes"), [3]),
])
def test_gitlab_hidden_job_settings(path: tuple[str, ...], expected: object) -> None:
    value: Any = load(GITLAB)[".aims-scan"]
    for key in path:
        value = value[key]
    assert value == expected


def test_gitlab_rules_run_on_schedules_and_merge_requests_read_only() -> None:
    rules = {r["if"]: r.get("variables", {}) for r in load(GITLAB)["aims-scan"]["rules"]}
    assert rules['$CI_PIPELINE_SOURCE == "schedule"'] == {}
    assert rules['$CI_PIPELINE_SOURCE == "merge_request_event"'] == {"AIMS_CACHE_POLICY": "pull"}


# --- running the action ----------------------------------------------------------------


@dataclass
class ActionRun:
    """What a simulated run of the action left behind."""

    temp: Path
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> outputs
    logs: dict[str, str] = field(default_factory=dict)                # step name -> output
    codes: dict[str, int] = field(default_factory=dict)               # step name -> exit code
    context: dict[str, str] = field(default_factory=dict)

    def expand(self, text: str) -> str:
        """``text`` with every ``${{ }}`` expression replaced as the runner would."""
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("steps."):
                _, step, _, output = name.split(".", 3)
                return self.outputs.get(step, {}).get(output, "")
            assert name in self.context, f"the harness cannot evaluate {name!r}"
            return self.context[name]
        return EXPRESSION.sub(value, text)

    @property
    def action_outputs(self) -> dict[str, str]:
        """The action's declared outputs, evaluated."""
        return {name: self.expand(spec["value"])
                for name, spec in load(ACTION)["outputs"].items()}

    @property
    def final_code(self) -> int:
        """Exit code of the last step, which decides the job."""
        return self.codes[action_steps()[-1]["name"]]


def read_outputs(path: Path) -> dict[str, str]:
    """``name=value`` lines of a GITHUB_OUTPUT file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line)


def run_action(workspace: Path, temp: Path, **inputs: str) -> ActionRun:
    """Run the action's steps against ``workspace``; ``inputs`` override the defaults."""
    declared = load(ACTION)["inputs"]
    assert set(inputs) <= set(declared), f"unknown inputs {set(inputs) - set(declared)}"
    run = ActionRun(temp=temp)
    run.context = {"github.token": FAKE_TOKEN, "runner.temp": str(temp / "runner"),
                   "runner.os": "Linux", "github.run_id": "1234", "github.run_attempt": "1"}
    for name, spec in declared.items():
        run.context[f"inputs.{name}"] = run.expand(inputs.get(name, str(spec["default"])))
    runner_temp = Path(run.context["runner.temp"])
    runner_temp.mkdir(parents=True, exist_ok=True)
    base_env = {"PATH": os.environ["PATH"], "HOME": str(temp / "home"), "LC_ALL": "C.UTF-8",
                "RUNNER_TEMP": str(runner_temp), "RUNNER_OS": "Linux",
                "GITHUB_WORKSPACE": str(workspace), "GITHUB_ACTION_PATH": str(ROOT),
                "GITHUB_STEP_SUMMARY": str(temp / "step-summary.md")}
    failed = False
    for index, step in enumerate(action_steps()):
        if "uses" in step:
            continue
        condition = step.get("if")
        assert condition in (None, "always()"), f"the harness cannot evaluate if: {condition}"
        if failed and condition is None:
            continue
        output = temp / f"output-{index}"
        output.write_text("", encoding="utf-8")
        if step.get("id") == "install":
            output.write_text(f"bin={AIMS_BIN}\n", encoding="utf-8")
            code, log = 0, "(replaced: aims of this test session)"
        else:
            code, log = run_step(step, run, {**base_env, "GITHUB_OUTPUT": str(output)},
                                 workspace)
        run.codes[step["name"]], run.logs[step["name"]] = code, log
        run.outputs[step.get("id", f"step{index}")] = read_outputs(output)
        failed = failed or code != 0
    return run


def run_step(step: Mapping[str, Any], run: ActionRun, env: Mapping[str, str],
             workspace: Path) -> tuple[int, str]:
    """One ``run:`` step as the runner's ``shell: bash`` runs it: exit code and output."""
    script = run.temp / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    step_env = {**env, **{k: run.expand(str(v)) for k, v in step.get("env", {}).items()}}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                          cwd=workspace, env=step_env, capture_output=True, text=True,
                          check=False)
    return done.returncode, done.stdout + done.stderr


def uploaded_files(run: ActionRun) -> list[Path]:
    """Every file the artifact and SARIF upload steps of ``run`` would send."""
    artifact = step_named("upload-artifact")["with"]["path"]
    paths = [Path(run.expand(line.strip())) for line in artifact.splitlines() if line.strip()]
    return [*paths, Path(run.expand(step_named("upload-sarif")["with"]["sarif_file"]))]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh mid-maturity repository, as actions/checkout would leave it."""
    return build_scenario("mid-maturity", tmp_path / "workspace")


def test_action_run_publishes_summary_outputs_and_files(workspace: Path,
                                                        tmp_path: Path) -> None:
    run = run_action(workspace, tmp_path / "job")
    assert run.final_code == 0, run.logs
    outputs = run.action_outputs
    report = json.loads(Path(outputs["report"]).read_text(encoding="utf-8"))
    repository = report["repositories"][0]
    assert outputs["exit-code"] == "0"
    assert outputs["code"] == repository["model_d"]["code"]
    assert outputs["stage"] == str(repository["model_s"]["stage"])
    assert outputs["bundle"].endswith("aims-bundle.zip")
    markdown = (Path(outputs["report"]).parent / FILE_NAMES["markdown"]).read_text("utf-8")
    assert markdown.strip()
    assert (tmp_path / "job" / "step-summary.md").read_text(encoding="utf-8") == markdown
    for path in uploaded_files(run):
        assert path.is_file(), path
    cache = Path(run.expand(step_named("cache/save")["with"]["path"]))
    assert {"history.sqlite", "last-report.json"} <= {p.name for p in cache.iterdir()}
    written = [p for p in (tmp_path / "job").rglob("*") if p.is_file()]
    for path in written:
        assert FAKE_TOKEN.encode() not in path.read_bytes(), path
    assert not any(FAKE_TOKEN in log for log in run.logs.values())


def test_action_fails_the_job_on_a_gate_but_still_publishes(workspace: Path,
                                                            tmp_path: Path) -> None:
    run = run_action(workspace, tmp_path / "job", deep="false", **{"fail-under": "stage=5"})
    assert run.action_outputs["exit-code"] == "1"
    assert run.final_code == 1
    assert "::error::aims: a --fail-under gate failed" in run.logs["Decide the job result"]
    assert (tmp_path / "job" / "step-summary.md").read_text(encoding="utf-8").strip()
    for path in uploaded_files(run):
        assert path.is_file(), path


def test_action_adds_the_formats_its_outputs_need(workspace: Path, tmp_path: Path) -> None:
    run = run_action(workspace, tmp_path / "job", deep="false", formats="html")
    assert run.final_code == 0, run.logs
    out = Path(run.action_outputs["report"]).parent
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [FILE_NAMES["json"], FILE_NAMES["markdown"], FILE_NAMES["html"], "aims-bundle.zip"])
    assert run.action_outputs["sarif"] == ""
    assert run.action_outputs["stage"]


def test_action_fails_on_a_regression_since_the_cached_run(workspace: Path,
                                                           tmp_path: Path) -> None:
    # The same RUNNER_TEMP twice stands for the cache restored into the next run.
    first = run_action(workspace, tmp_path / "job", deep="false",
                       **{"fail-on-regression": "true"})
    assert first.final_code == 0, first.logs
    commit_removal(workspace, "AGENTS.md")
    second = run_action(workspace, tmp_path / "job", deep="false",
                        **{"fail-on-regression": "true"})
    assert second.outputs["scan"]["regression-exit-code"] == "1"
    assert second.final_code == 1
    assert "maturity regressed" in second.logs["Decide the job result"]


def commit_removal(repo: Path, path: str) -> None:
    """Delete ``path`` in a new commit with a pinned identity."""
    identity = {"GIT_AUTHOR_NAME": "Dana Developer", "GIT_AUTHOR_EMAIL": "dana@example.com",
                "GIT_COMMITTER_NAME": "Dana Developer",
                "GIT_COMMITTER_EMAIL": "dana@example.com",
                "GIT_AUTHOR_DATE": "2026-10-26T10:00:00Z",
                "GIT_COMMITTER_DATE": "2026-10-26T10:00:00Z"}
    env = {**os.environ, **identity, "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "rm", "-q", path], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", f"Remove {path}"], cwd=repo, env=env,
                   check=True)


def test_action_signs_the_bundle_and_removes_the_key(workspace: Path, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = tmp_path / "aims.pub"
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    run = run_action(workspace, tmp_path / "job", deep="false", **{"sign-key": pem})
    assert run.final_code == 0, run.logs
    verified = subprocess.run([str(AIMS_BIN / "aims"), "verify", run.action_outputs["bundle"],
                               "--key", str(public)], capture_output=True, text=True,
                              check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert not list((tmp_path / "job" / "runner").glob("aims-sign-key*"))
    secret_line = pem.splitlines()[1]
    assert not any(secret_line in log for log in run.logs.values())


@pytest.mark.parametrize(("scan", "regression", "fail_on_partial", "expected", "message"), [
    ("0", "0", "false", 0, ""),
    ("1", "0", "false", 1, "::error::aims: a --fail-under gate failed"),
    ("3", "0", "false", 0, "::warning::aims: partial result"),
    ("3", "0", "true", 3, "::error::aims: partial result"),
    ("0", "1", "false", 1, "::error::aims: maturity regressed"),
    ("3", "1", "false", 1, "::error::aims: maturity regressed"),
    ("0", "2", "false", 0, "::warning::aims: could not compare"),
    ("2", "0", "false", 2, "::error::aims: the scan failed with exit code 2"),
    ("70", "0", "false", 70, "::error::aims: the scan failed with exit code 70"),
    ("", "", "false", 1, "::error::aims: the scan did not run"),
])
def test_action_decides_the_job_result(tmp_path: Path, scan: str, regression: str,
                                       fail_on_partial: str, expected: int,
                                       message: str) -> None:
    run = ActionRun(temp=tmp_path, outputs={"scan": {"exit-code": scan,
                                                     "regression-exit-code": regression}},
                    context={"inputs.fail-on-partial": fail_on_partial})
    code, log = run_step(action_steps()[-1], run, {"PATH": os.environ["PATH"]}, tmp_path)
    assert code == expected, log
    assert message in log


def test_action_install_step_installs_its_own_checkout(tmp_path: Path) -> None:
    python = shutil.which("python3")
    assert python is not None
    run = ActionRun(temp=tmp_path, outputs={"python": {"python-path": python}},
                    context={"inputs.deep": "false"})
    output = tmp_path / "output"
    output.write_text("", encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "RUNNER_TEMP": str(tmp_path),
           "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_OUTPUT": str(output)}
    code, log = run_step(step_named("install"), run, env, tmp_path)
    assert code == 0, log
    # A wheel, not the editable checkout: the catalog, templates and schemas must be in it.
    aims = Path(read_outputs(output)["bin"]) / "aims"
    repo = build_scenario("mid-maturity", tmp_path / "repo")
    scan = subprocess.run([str(aims), "scan", str(repo), "--no-deep", "--out-dir",
                           str(tmp_path / "out"), "--format", ",".join(FILE_NAMES)],
                          capture_output=True, text=True, check=False)
    assert scan.returncode == 0, scan.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILE_NAMES.values())


# --- running the GitLab template ------------------------------------------------------


def gitlab_job(name: str) -> dict[str, Any]:
    """Job ``name`` with ``extends`` resolved (one level, as the template uses)."""
    template = load(GITLAB)
    job = dict(template[name])
    parent = job.pop("extends", None)
    if parent is None:
        return job
    merged = {**template[parent], **job}
    merged["variables"] = {**template[parent].get("variables", {}), **job.get("variables", {})}
    return merged


def run_gitlab_lines(lines: list[str], project: Path, variables: Mapping[str, str],
                     ) -> subprocess.CompletedProcess[str]:
    """Script lines the way GitLab Runner's bash shell runs them (stop at the first error)."""
    env = {"PATH": f"{AIMS_BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(project.parent),
           "LC_ALL": "C.UTF-8", "CI_PROJECT_DIR": str(project),
           "CI_PIPELINE_SOURCE": "schedule", **variables}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           "\n".join(lines)], cwd=project, env=env, capture_output=True,
                          text=True, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A fresh mid-maturity repository as GitLab's checkout of the project."""
    yield build_scenario("mid-maturity", tmp_path / "project")


def test_gitlab_script_writes_codequality_and_markdown(project: Path) -> None:
    job = gitlab_job("aims-scan")
    done = run_gitlab_lines(job["script"], project, {**job["variables"], "AIMS_DEEP": "false"})
    assert done.returncode == 0, done.stdout + done.stderr
    issues = json.loads((project / job["artifacts"]["reports"]["codequality"]).read_text("utf-8"))
    assert isinstance(issues, list)
    assert issues, "mid-maturity has unmet indicators, so code quality issues"
    markdown = (project / "aims-out" / FILE_NAMES["markdown"]).read_text(encoding="utf-8")
    assert markdown.strip() and markdown.strip() in done.stdout
    for path in job["artifacts"]["paths"]:
        assert (project / path).is_file(), path
    assert (project / ".aims-cache" / "history.sqlite").is_file()


@pytest.mark.parametrize(("variables", "expected", "message"), [
    ({"AIMS_FAIL_UNDER": "stage=5"}, 1, "is below the required 5"),
    ({"AIMS_FAIL_UNDER": "nonsense"}, 2, "gate 'nonsense': expected KEY=LEVEL"),
])
def test_gitlab_script_exit_code_is_the_scans(project: Path, variables: dict[str, str],
                                              expected: int, message: str) -> None:
    job = gitlab_job("aims-scan")
    done = run_gitlab_lines(job["script"], project,
                            {**job["variables"], "AIMS_DEEP": "false", **variables})
    assert done.returncode == expected, done.stdout + done.stderr
    assert message in done.stderr


def test_gitlab_script_fails_on_a_regression(project: Path) -> None:
    job = gitlab_job("aims-scan")
    variables = {**job["variables"], "AIMS_DEEP": "false", "AIMS_FAIL_ON_REGRESSION": "true"}
    first = run_gitlab_lines(job["script"], project, variables)
    assert first.returncode == 0, first.stdout + first.stderr
    commit_removal(project, "AGENTS.md")
    second = run_gitlab_lines(job["script"], project, variables)
    assert second.returncode == 1
    assert "maturity regressed since the previous run" in second.stderr


def test_gitlab_before_script_asks_for_the_package(project: Path) -> None:
    done = run_gitlab_lines(gitlab_job("aims-scan")["before_script"][:1], project, {})
    assert done.returncode == 2
    assert "set AIMS_PIP_SPEC" in done.stderr

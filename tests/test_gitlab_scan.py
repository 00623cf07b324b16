"""Group scans end to end: the CLI against a fake GitLab on 127.0.0.1.

Every scenario of the issue runs the real command (``aims scan gitlab:acme``) through
python-gitlab with real HTTP to a loopback server whose answers follow the response shapes
of GitLab's API (as typed by gitbeaker, corrected from GitLab's docs), and real blobless
clones over ``file://``. Each test checks per-project results, the group view, the exit
code, and that every response the server sent had the documented shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest

from scanner.cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from tests.conftest import RepoBuilder
from tests.fixture_repos import scenario_repo
from tests.gitlab_fake import (
    FakeGitLab,
    FakeGroup,
    FakeInstance,
    FakeProject,
    check_shapes,
    make_bare,
)
from tests.scan_run import Run
from tests.test_end_to_end import SCHEMA as SCHEMA_PATH

__all__ = ["scenario_repo"]

AS_OF = ["--as-of", "2026-11-01"]
TOKENS = {"tok-owner": 50, "tok-maint": 40, "tok-dev": 30, "tok-rep": 20}
LOCKED = [{"name": "main", "push_access_levels": [{"access_level": 0}],
           "merge_access_levels": [{"access_level": 40}], "code_owner_approval_required": True}]
OPEN = [{"name": "*", "push_access_levels": [{"access_level": 40}],
         "merge_access_levels": [{"access_level": 40}]}]
ONE_APPROVAL = [{"name": "All members", "rule_type": "any_approver", "approvals_required": 1}]
AI_MR = {"iid": 7, "merged_at": "2026-10-01T10:00:00Z", "author": "alice",
         "source_branch": "feature/x", "description": "", "approved_by": ["bob"],
         "commits": [("fix parser\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
                      "Alice", "alice@example.com")]}
#: A human's MR from an agent branch, approved by nobody but its own author.
SELF_APPROVED_AGENT_MR = {"iid": 9, "merged_at": "2026-10-02T10:00:00Z", "author": "carol",
                          "source_branch": "claude/fix-login", "description": "",
                          "approved_by": ["carol"],
                          "commits": [("fix login", "Carol", "carol@example.com")]}
#: GitLab's security templates let their jobs fail; this project makes its scanner blocking.
GITLAB_CI = """\
include:
  - template: Security/Secret-Detection.gitlab-ci.yml
secret_detection:
  allow_failure: false
test:
  script: [pytest]
"""


@pytest.fixture()
def instance(tmp_path: Path, scenario_repo: Callable[[str], Path],
             repo: RepoBuilder) -> FakeInstance:
    """A group three levels deep: a well-governed, a GitLab-CI, a loose, an archived, a
    vanished and an empty project."""
    def bare(source: Path, name: str) -> Path:
        return make_bare(source, tmp_path / "remote" / f"{name}.git")

    repo.write(".gitlab-ci.yml", GITLAB_CI).write(".gitlab/CODEOWNERS", "* @acme/leads\n")
    repo.commit("ci: secret detection")
    return FakeInstance(tier="premium", tokens=dict(TOKENS), groups=[
        FakeGroup("acme"), FakeGroup("acme/platform"), FakeGroup("acme/platform/core"),
        FakeGroup("acme/platform/core/deep"),
    ], projects=[
        FakeProject("acme/high", git_dir=bare(scenario_repo("high-maturity"), "high"),
                    protected_branches=LOCKED, approval_rules=ONE_APPROVAL,
                    approvals={"reset_approvals_on_push": True},
                    push_rule={"prevent_secrets": True, "reject_unsigned_commits": False},
                    protected_environments=[{"name": "production",
                                             "required_approval_count": 1}],
                    merge_requests=[AI_MR, SELF_APPROVED_AGENT_MR]),
        FakeProject("acme/platform/core/deep/pipeline", git_dir=bare(repo.path, "pipeline"),
                    protected_branches=LOCKED, approval_rules=ONE_APPROVAL,
                    pipeline_must_succeed=True),
        FakeProject("acme/platform/mid", git_dir=bare(scenario_repo("mid-maturity"), "mid"),
                    protected_branches=OPEN, push_rule=None),
        FakeProject("acme/platform/old", git_dir=bare(scenario_repo("ai-no-governance"), "old"),
                    archived=True),
        FakeProject("acme/platform/gone", git_dir=bare(scenario_repo("mid-maturity"), "gone"),
                    deleted=True),
        FakeProject("acme/platform/core/empty", git_dir=None, empty=True),
    ])


@pytest.fixture()
def server(instance: FakeInstance) -> Iterator[FakeGitLab]:
    """The fake GitLab; at the end, every answer it sent had GitLab's shape."""
    with FakeGitLab(instance) as fake:
        yield fake
        assert check_shapes(fake.log) == []


@pytest.fixture()
def scan(server: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``scan(token, *flags)`` runs the CLI against the fake server with a shared cache."""
    monkeypatch.delenv("CI_SERVER_URL", raising=False)
    monkeypatch.delenv("AIMS_GITLAB_URL", raising=False)

    def run(token: str, *flags: str, target: str = "gitlab:acme",
            url_flag: bool = True) -> Run:
        monkeypatch.setenv("GITLAB_TOKEN", token)
        output = tmp_path / "report.json"
        output.unlink(missing_ok=True)
        url = ["--gitlab-url", server.url] if url_flag else []
        code = main(["scan", target, *url, "--cache-dir", str(tmp_path / "cache"), *AS_OF,
                     "-o", str(output), "-v", *flags])
        captured = capsys.readouterr()
        report = json.loads(output.read_text()) if output.exists() else None
        return Run(code, report, captured.out, captured.err)

    return run


def test_maintainer_token_sees_the_settings(scan: Callable[..., Run]) -> None:
    run = scan("tok-maint")
    assert run.code == EXIT_PARTIAL  # only the vanished project
    assert sorted(run.names()) == ["empty", "high", "mid", "pipeline"]
    assert run.status("high", "CLG-3a") == ("met", None)
    assert run.status("high", "CLG-3c") == ("met", None)
    assert run.status("high", "CLG-4b") == ("met", None)
    assert run.status("high", "CLG-4d") == ("met", None)
    assert run.status("high", "CLG-5b") == ("met", None)
    assert run.status("high", "GDA-4b") == ("met", None)
    # Maintainers may push straight to every branch of the loose project.
    assert run.status("mid", "CLG-3a") == ("unmet", None)
    assert run.status("mid", "CLG-4d") == ("unmet", None)
    assert run.status("mid", "GDA-4b") == ("unmet", None)  # push rule answered null
    # One AI MR approved by another person, the agent-branch one only by its author.
    assert run.status("high", "CLG-4c") == ("unmet", None)
    reviews = run.evidence("high", "platform.reviews")["payload"]
    assert (reviews["merged"], reviews["ai_merged"], reviews["ai_unapproved"]) == (2, 2, [9])
    jsonschema.validate(run.report, json.loads(SCHEMA_PATH.read_text()))


def test_pipelines_must_succeed_makes_the_scanner_job_blocking(scan: Callable[..., Run]
                                                               ) -> None:
    run = scan("tok-maint")
    assert run.status("pipeline", "CLG-4a") == ("met", None)
    assert "pipelines must succeed" in run.summary("pipeline", "CLG-4a")
    assert run.status("high", "CLG-4a") == ("unmet", None)  # its scanners are GitHub Actions


def test_group_view_subgroups_and_failures(scan: Callable[..., Run]) -> None:
    run = scan("tok-maint")
    assert run.report is not None
    organisation = run.report["organisation"]
    assert organisation["target"] == "gitlab:acme"
    assert (organisation["scanned"], organisation["failed"]) == (4, 1)
    (failure,) = run.report["failures"]
    assert failure["repo"].endswith("/gone") and failure["reason"] == "not-found-or-hidden"
    assert "acme/platform/core/deep/pipeline" in run.repo("pipeline")["repo"]
    assert "/old: archived" in run.err
    rows = {row["evidence"]: row for row in run.report["preflight"]}
    assert rows["protected branch settings (push and merge access, code owner approval, "
                "force push)"]["visible"] == 5
    assert {row["scope"] for row in run.report["preflight"]} == {"projects", "group"}


def test_reporter_token_hides_settings_as_unknown(scan: Callable[..., Run],
                                                  server: FakeGitLab) -> None:
    run = scan("tok-rep")
    assert run.code == EXIT_PARTIAL  # the vanished project, not the hidden settings
    assert run.report is not None and len(run.report["failures"]) == 1
    for ident in ("CLG-3a", "CLG-3c", "CLG-4b", "CLG-4d", "GDA-4b", "CLG-5b"):
        assert run.status("high", ident) == ("unknown", "not-permitted"), ident
    # What a Reporter can read is still decided: the merged MRs and their approvals.
    assert run.status("high", "CLG-4c") == ("unmet", None)
    # Settings a Reporter may not read are never requested.
    hidden = r"/projects/\d+/(protected_branches|push_rule|approval_rules)"
    assert not server.requests("GET", hidden)


def test_developer_token_sees_approval_rules_only(scan: Callable[..., Run],
                                                  server: FakeGitLab) -> None:
    run = scan("tok-dev")
    # The protected default branch's settings need Maintainer, so the branch rules stay
    # unknown; the approval rules a Developer may read are read, the rest is not asked.
    assert run.status("high", "CLG-3c") == ("unknown", "not-permitted")
    assert run.status("high", "CLG-4b") == ("unknown", "not-permitted")
    assert server.requests("GET", r"/projects/\d+/approval_rules$")
    assert not server.requests("GET", r"/projects/\d+/(protected_branches|push_rule|approvals)$")


def test_free_plan_answers_unavailable_not_absent(scan: Callable[..., Run],
                                                  instance: FakeInstance,
                                                  server: FakeGitLab) -> None:
    instance.tier = "free"
    run = scan("tok-maint")
    assert run.status("high", "CLG-3a") == ("met", None)  # protected branches are Free
    assert run.status("high", "CLG-3c") == ("unmet", None)
    assert "not offered" in run.summary("high", "CLG-3c")
    assert run.status("high", "GDA-4b") == ("unmet", None)
    rules = run.evidence("high", "platform.branch_rules")["payload"]
    assert "not available on this GitLab plan" in rules["unavailable"]
    assert run.report is not None
    assert "push rules: secrets, signed commits, file names (Premium: not offered on this plan)" \
        in {row["evidence"] for row in run.report["preflight"]}
    # The plan is learnt once: the other projects do not ask again.
    premium = server.requests("GET", r"/projects/\d+/(approval_rules|approvals|push_rule|"
                                     r"protected_environments)$")
    # The group's own protected branches answered 404 first: no project asks at all.
    assert premium == []


def test_rate_limit_with_retry_after_is_waited_out(scan: Callable[..., Run],
                                                   server: FakeGitLab) -> None:
    server.too_many_requests("GET", r"/projects/\d+/approval_rules", retry_after=1)
    run = scan("tok-maint")
    assert run.code == EXIT_PARTIAL  # only the vanished project
    assert "GitLab rate limit: waiting 1 s" in run.err
    assert run.status("high", "CLG-3c") == ("met", None)
    assert sum(1 for entry in server.log if entry.status == 429) == 1


def test_rerun_with_nothing_changed_reads_only_settings(scan: Callable[..., Run],
                                                        server: FakeGitLab,
                                                        tmp_path: Path) -> None:
    first = scan("tok-maint")
    server.log.clear()
    second = scan("tok-maint")
    assert second.code == first.code, second.err
    assert first.report is not None and second.report is not None
    assert first.report["repositories"] == second.report["repositories"]
    assert not server.requests("GET", r"/merge_requests")  # cached by HEAD
    projects = len(second.report["repositories"]) + len(second.report["failures"])
    group_level = [e for e in server.log if "/groups/" in e.path]
    assert (len(server.log) - len(group_level)) / projects <= 5


def test_request_budget_stops_cleanly(scan: Callable[..., Run]) -> None:
    run = scan("tok-maint", "--max-requests", "12", "--concurrency", "1")
    assert run.code == EXIT_PARTIAL
    assert run.report is not None
    spent = [f for f in run.report["failures"] if f["reason"] == "budget-spent"]
    assert spent and "--max-requests 12" in spent[0]["detail"]
    assert "request budget spent" in run.err
    assert len(run.report["repositories"]) + len(run.report["failures"]) == 5


def test_single_project_and_url_targets(scan: Callable[..., Run], server: FakeGitLab) -> None:
    run = scan("tok-maint", target="gitlab:acme/platform/mid")
    assert run.code == EXIT_OK, run.err
    assert run.names() == ["mid"]
    run = scan("tok-maint", target=f"{server.url}/acme/high/-/tree/main")
    assert run.names() == ["high"]


def test_project_of_a_personal_namespace_has_no_group(scan: Callable[..., Run],
                                                        instance: FakeInstance,
                                                        server: FakeGitLab) -> None:
    instance.groups.append(FakeGroup("alice", user=True))
    instance.projects.append(FakeProject("alice/tool", git_dir=instance.projects[0].git_dir,
                                         protected_branches=LOCKED, push_rule=None))
    fresh = FakeInstance(tier=instance.tier, tokens=instance.tokens, groups=instance.groups,
                         projects=instance.projects)
    server.inst = fresh
    run = scan("tok-maint", target="gitlab:alice/tool")
    assert run.code == EXIT_OK, run.err
    assert not server.requests("GET", r"/groups/")  # no group settings to ask for
    # The plan is still learnt from the project's own Premium answers, not guessed Free.
    assert run.status("tool", "GDA-4b") == ("unmet", None)
    assert run.evidence("tool", "platform.branch_rules")["payload"]["unavailable"] is None
    assert run.status("tool", "CLG-5a") == ("unknown", "unsupported")


def test_inside_gitlab_ci_no_flag_is_needed(scan: Callable[..., Run], server: FakeGitLab,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_SERVER_URL", server.url)
    run = scan("tok-maint", target="gitlab:acme/high", url_flag=False)
    assert run.code == EXIT_OK, run.err
    assert run.names() == ["high"]


def test_empty_project_is_assessed(scan: Callable[..., Run]) -> None:
    run = scan("tok-maint")
    assert any("no commits" in note for note in run.repo("empty")["notes"])
    assert run.status("empty", "CLG-3a") == ("unknown", "not-observable")


def test_bad_and_missing_tokens_are_input_errors(scan: Callable[..., Run],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    run = scan("glpat-notARealToken12345")
    assert run.code == EXIT_USAGE
    assert "refused the token" in run.err
    assert "glpat-notARealToken12345" not in run.err + run.out
    run = scan("tok-maint", target="gitlab:nobody")
    assert run.code == EXIT_USAGE and "not visible to this token" in run.err
    monkeypatch.delenv("GITLAB_TOKEN")
    monkeypatch.setenv("CI_JOB_TOKEN", "job-token")
    assert main(["scan", "gitlab:acme"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "GITLAB_TOKEN" in err and "CI_JOB_TOKEN cannot read" in err


def test_token_never_appears_anywhere(scan: Callable[..., Run], instance: FakeInstance,
                                      server: FakeGitLab, tmp_path: Path) -> None:
    secret = "glpat-" + "plantedGroupScanToken0123"  # nosemgrep: hardcoded-credential-python
    instance.tokens[secret] = 40
    server.too_many_requests("GET", r"/projects/\d+/push_rule", retry_after=1)
    run = scan(secret, "-vv")
    assert run.report is not None
    for text in (run.out, run.err, json.dumps(run.report)):
        assert secret not in text
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_rerun_fetches_no_objects(scan: Callable[..., Run], tmp_path: Path) -> None:
    first = scan("tok-maint")
    packs = sorted((tmp_path / "cache" / "clones").rglob("*.pack"))
    second = scan("tok-maint")
    # GitLab tells no HEAD without a request per project, so git asks the remote; with
    # nothing new there, no object (no new pack) is transferred.
    assert sorted((tmp_path / "cache" / "clones").rglob("*.pack")) == packs
    assert first.report is not None and second.report is not None
    assert second.report["repositories"] == first.report["repositories"]

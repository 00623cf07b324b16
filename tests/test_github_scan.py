"""Organisation scans end to end: the CLI against a fake GitHub on 127.0.0.1.

Every scenario of the issue runs the real command (``aims scan github:acme``) with real
HTTP to a loopback server whose answers follow GitHub's published schemas, and real
blobless clones over ``file://`` of the fixture repositories. Each test checks per-repository
results, the organisation view, the exit code, and that every response the server sent had
the documented shape.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest

from scanner.cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from tests.fixture_repos import scenario_repo
from tests.github_fake import FakeGitHub, FakeOrg, FakeRepo, check_shapes, make_bare
from tests.scan_run import Run
from tests.test_end_to_end import SCHEMA as SCHEMA_PATH

__all__ = ["scenario_repo"]

AS_OF = ["--as-of", "2026-11-01"]
TOKENS = {"tok-owner": "owner", "tok-read": "read", "tok-secman": "security_manager"}
PROTECTION = {"required_pull_request_reviews": {"required_approving_review_count": 2,
                                                "require_code_owner_reviews": True,
                                                "dismiss_stale_reviews": True},
              "enforce_admins": True, "required_status_checks": {"contexts": ["semgrep"]}}
AI_PULL = {"number": 7, "merged_at": "2026-10-01T10:00:00Z", "author": "alice",
           "author_is_bot": False, "head_ref": "feature/x", "base_ref": "main", "body": "",
           "approvals": [("bob", False)],
           "commits": [("fix parser\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
                        "alice@example.com", "alice")]}
#: A squash merge by a human whose PR came from an agent branch, approved only by its author.
SQUASHED_AGENT_PULL = {"number": 9, "merged_at": "2026-10-02T10:00:00Z", "author": "carol",
                       "author_is_bot": False, "head_ref": "copilot/fix-login",
                       "base_ref": "main", "body": "", "approvals": [("carol", False)],
                       "commits": [("fix login", "carol@example.com", "carol")]}


@pytest.fixture()
def org(tmp_path: Path, scenario_repo: Callable[[str], Path]) -> FakeOrg:
    """An organisation with a well-governed, a middling, an archived, a vanished and an
    empty repository; tokens for an owner, a security manager and a plain reader."""
    def bare(scenario: str, name: str) -> Path:
        return make_bare(scenario_repo(scenario), tmp_path / "remote" / f"{name}.git")

    return FakeOrg("acme", [
        FakeRepo("high", bare("high-maturity", "high"), classic_protection=PROTECTION,
                 security={"secret_scanning": "enabled",
                           "secret_scanning_push_protection": "enabled"},
                 environments=[{"name": "production", "reviewers": ["boss"]}],
                 pulls=[AI_PULL, SQUASHED_AGENT_PULL], default_setup="configured"),
        FakeRepo("mid", bare("mid-maturity", "mid")),
        FakeRepo("old", bare("ai-no-governance", "old"), archived=True),
        FakeRepo("gone", bare("mid-maturity", "gone"), deleted=True),
        FakeRepo("empty", None),
    ], tokens=TOKENS)


@pytest.fixture()
def github(org: FakeOrg) -> Iterator[FakeGitHub]:
    """The fake GitHub serving ``org``; at the end, every answer it sent had GitHub's shape."""
    with FakeGitHub(org) as server:
        yield server
        assert check_shapes(server.log) == []


@pytest.fixture()
def scan(github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``scan(token, *flags)`` runs the CLI against the fake server with a shared cache."""
    def run(token: str, *flags: str, target: str = "github:acme") -> Run:
        monkeypatch.setenv("GITHUB_TOKEN", token)
        monkeypatch.delenv("GH_TOKEN", raising=False)
        output = tmp_path / "report.json"
        output.unlink(missing_ok=True)
        code = main(["scan", target, "--github-url", github.url, "--cache-dir",
                     str(tmp_path / "cache"), *AS_OF, "-o", str(output), "-v", *flags])
        captured = capsys.readouterr()
        report = json.loads(output.read_text()) if output.exists() else None
        return Run(code, report, captured.out, captured.err)

    return run


def test_owner_token_sees_everything(scan: Callable[..., Run]) -> None:
    run = scan("tok-owner")
    assert run.code == EXIT_PARTIAL  # the vanished repository
    assert run.report is not None
    assert [r["repo"].rsplit("/", 1)[1] for r in run.report["repositories"]] == \
        ["empty", "high", "mid"]
    assert run.status("high", "CLG-3c") == ("met", None)
    assert run.status("high", "CLG-4b") == ("met", None)
    assert run.status("high", "CLG-4d") == ("met", None)
    assert run.status("high", "CLG-5b") == ("met", None)
    assert run.status("high", "GDA-4b") == ("met", None)
    assert run.status("mid", "CLG-3a") == ("unmet", None)
    assert run.status("mid", "GDA-4b") == ("unmet", None)
    # One of two AI PRs (the agent-branch squash merge) was approved only by its author.
    assert run.status("high", "CLG-4c") == ("unmet", None)
    reviews = run.evidence("high", "platform.reviews")
    assert reviews["payload"]["ai_merged"] == 2
    assert reviews["payload"]["ai_unapproved"] == [9]
    jsonschema.validate(run.report, json.loads(SCHEMA_PATH.read_text()))


def test_organisation_view_and_failures(scan: Callable[..., Run]) -> None:
    run = scan("tok-owner")
    assert run.report is not None
    organisation = run.report["organisation"]
    assert organisation["target"] == "github:acme"
    assert organisation["scanned"] == 3 and organisation["failed"] == 1
    assert [row["repo"].rsplit("/", 1)[1] for row in organisation["levels"]] == \
        ["empty", "high", "mid"]
    (failure,) = run.report["failures"]
    assert failure["repo"].endswith("/gone") and failure["reason"] == "not-found-or-hidden"
    # S3-Q2 (pre-commit security hooks in more than half): high and mid have them.
    answer = run.org_answer("S3-Q2")
    assert (answer["met"], answer["counted"], answer["status"]) == (2, 3, "met")
    assert "what this token can see" in run.err
    assert "excluded" in run.err and "/old: archived" in run.err


def test_read_only_token_hides_protection_as_unknown(scan: Callable[..., Run]) -> None:
    run = scan("tok-read")
    # Classic protection's admin view is hidden: admin enforcement is unknown, not unmet.
    assert run.status("high", "CLG-4d") == ("unknown", "not-permitted")
    assert run.status("high", "CLG-3c") == ("met", None)  # the readers' view shows reviews
    assert run.status("high", "GDA-4b") == ("unknown", "not-permitted")
    assert run.status("high", "CLG-5a") == ("unknown", "not-permitted")
    assert run.report is not None
    rows = {row["evidence"]: row for row in run.report["preflight"]}
    admin_row = rows["classic branch protection, admin enforcement, bypass lists"]
    assert (admin_row["visible"], admin_row["total"]) == (0, 3 + 1)


def test_security_manager_sees_security_settings(scan: Callable[..., Run]) -> None:
    run = scan("tok-secman")
    assert run.status("high", "GDA-4b") == ("met", None)
    assert run.status("high", "CLG-4d") == ("unknown", "not-permitted")


def test_free_plan_private_repository_has_no_branch_rules(
        github: FakeGitHub, scan: Callable[..., Run]) -> None:
    github.org.plan = "free"
    github.org.repo("acme", "mid").private = True
    run = scan("tok-owner")
    assert run.status("mid", "CLG-3a") == ("unmet", None)
    rules = run.evidence("mid", "platform.branch_rules")
    assert "Upgrade to GitHub Pro" in rules["payload"]["unavailable"]


@pytest.mark.parametrize("limit", ["primary", "retry-after"])
def test_rate_limit_mid_scan_is_waited_out(github: FakeGitHub, scan: Callable[..., Run],
                                           limit: str) -> None:
    if limit == "primary":
        github.rate_limited("GET", r"/repos/acme/high/rules/branches/", reset_in=1)
    else:
        github.too_many_requests("GET", r"/repos/acme/mid/rules/branches/", retry_after=1)
    run = scan("tok-owner")
    assert run.code == EXIT_PARTIAL  # only the vanished repository
    assert "rate limited by GitHub: waiting" in run.err
    assert run.status("high", "CLG-3c") == ("met", None)
    assert run.status("mid", "CLG-3a") == ("unmet", None)


def test_rate_limit_beyond_the_wait_cap_is_a_gap(github: FakeGitHub,
                                                 scan: Callable[..., Run]) -> None:
    github.rate_limited("GET", r"/repos/acme/high/rules/branches/", reset_in=7200)
    run = scan("tok-owner")
    assert run.status("high", "CLG-3a") == ("unknown", "rate-limited")
    assert run.status("mid", "CLG-3a") == ("unmet", None)


def test_burst_of_502s_is_retried(github: FakeGitHub, scan: Callable[..., Run]) -> None:
    github.server_errors("POST", r"/graphql", status=502, times=2)
    run = scan("tok-owner")
    assert run.status("high", "CLG-5b") == ("met", None)
    assert sum(1 for r in github.log if r.status == 502) == 2


def test_rerun_with_nothing_changed_is_free(github: FakeGitHub, scan: Callable[..., Run],
                                            org: FakeOrg, tmp_path: Path) -> None:
    first = scan("tok-owner")
    github.log.clear()
    # The remotes' objects are gone (their refs stay for the fake's answers): any clone or
    # fetch traffic would now fail that repository.
    for objects in (tmp_path / "remote").glob("*.git/objects"):
        shutil.move(objects, objects.with_name("objects.away"))
    second = scan("tok-owner")
    assert second.code == first.code, second.err
    rest = [r for r in github.log if r.method == "GET"]
    assert rest and all(r.status == 304 for r in rest if not r.path.endswith("default-setup"))
    posts = [r for r in github.log if r.method == "POST"]
    assert len(posts) == 1  # the state sweep; pull requests come from the cache
    assert first.report is not None and second.report is not None
    assert first.report["repositories"] == second.report["repositories"]


def test_single_repository_and_url_targets(scan: Callable[..., Run]) -> None:
    run = scan("tok-owner", target="github:acme/high")
    assert run.code == EXIT_OK
    assert run.report is not None
    assert [r["repo"].rsplit("/", 1)[1] for r in run.report["repositories"]] == ["high"]


def test_include_archived_and_repo_filter(scan: Callable[..., Run]) -> None:
    run = scan("tok-owner", "--include-archived", "--repos", "old", "--repos", "mid")
    assert run.code == EXIT_OK
    assert run.report is not None
    assert sorted(r["repo"].rsplit("/", 1)[1] for r in run.report["repositories"]) == \
        ["mid", "old"]


def test_empty_repository_is_assessed(scan: Callable[..., Run]) -> None:
    run = scan("tok-owner")
    assert any("no commits" in note for note in run.repo("empty")["notes"])
    assert run.status("empty", "TRA-2a")[0] == "unmet"


@pytest.mark.parametrize(("token", "says"), [
    ("tok-unknown", "refused the token"),
])
def test_bad_token_is_an_input_error(scan: Callable[..., Run], token: str, says: str) -> None:
    run = scan(token)
    assert run.code == EXIT_USAGE
    assert says in run.err
    assert token not in run.err + run.out


def test_missing_token_is_an_input_error(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert main(["scan", "github:acme"]) == EXIT_USAGE
    assert "GITHUB_TOKEN" in capsys.readouterr().err


def test_token_never_appears_anywhere(github: FakeGitHub, scan: Callable[..., Run],
                                      tmp_path: Path) -> None:
    # nosemgrep: hardcoded-credential-python
    secret = "ghp_" + "plantedOrgScanToken0123456789abcdefXYZ"
    github.org.tokens[secret] = "owner"
    github.rate_limited("GET", r"/repos/acme/mid/rules/branches/", reset_in=1)
    run = scan(secret, "-vv")
    assert run.report is not None
    for text in (run.out, run.err, json.dumps(run.report)):
        assert secret not in text
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(("flags", "expected"), [
    ((), None),            # off by default for an organisation
    (("--deep",), [("config/deploy.sh", False), ("src/billing.py", True)]),
])
def test_the_code_scan_of_an_organisation_runs_on_its_clones(
        tmp_path: Path, scenario_repo: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch,
        flags: tuple[str, ...], expected: list[tuple[str, bool]] | None) -> None:
    bare = make_bare(scenario_repo("deep-findings"), tmp_path / "remote" / "billing.git")
    monkeypatch.setenv("GITHUB_TOKEN", "tok-owner")
    output = tmp_path / "report.json"
    with FakeGitHub(FakeOrg("acme", [FakeRepo("billing", bare)], tokens=TOKENS)) as server:
        code = main(["scan", "github:acme", "--github-url", server.url, "--cache-dir",
                     str(tmp_path / "cache"), *AS_OF, "-o", str(output), "-q", *flags])
    assert code == EXIT_OK
    evidence = json.loads(output.read_text())["evidence"]
    (secrets,) = [e for e in evidence if e["kind"] == "code.secrets"]
    if expected is None:
        assert secrets["gap"]["reason"] == "not-collected"
    else:
        # Blame and attribution work on the blobless history-window clone too.
        assert [(f["path"], f["ai_attributed"]) for f in secrets["payload"]["findings"]] == \
            expected

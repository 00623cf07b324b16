"""Faults on the wire: each breaks one repository's reads on a fake platform, and only those.

The real command (``aims scan github:acme`` / ``gitlab:acme``) runs against a fake server
that resets connections, hangs past the client's timeout, truncates or cuts bodies, answers
5xx storms and rate limits, or serves a clone URL git cannot clone, each aimed at ONE
repository ("two"). Every row checks that the scan completes, that the other repository's
results equal a fault-free run's, that the faulted repository is a failure or carries a gap
naming the reason, that the exit code says whether anything is missing (3) or a retry
recovered it (0), and that the faulted endpoint saw exactly the bounded number of requests
the client's retry policy allows. A fault on an organisation-level read ends in a clear
message or a partial report, never a traceback.

``AIMS_HTTP_TIMEOUT=1`` makes a hung request cost a second, not the default 30.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from collectors.sources import github_api, gitlab_api
from collectors.sources.base import TIMEOUT_ENV
from scanner.cli import main
from scanner.console import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from tests.fixture_repos import scenario_repo
from tests.github_fake import FakeGitHub, FakeOrg, FakeRepo, Fault, make_bare
from tests.gitlab_fake import FakeGitLab, FakeInstance, FakeProject

__all__ = ["scenario_repo"]

AS_OF = ("--as-of", "2026-11-01")
#: More scripted refusals than any retry policy sends: the client must give up first.
STORM = 50
#: Requests one read may cost: the first plus the client's retries.
GITHUB_BOUND = 1 + github_api.MAX_RETRIES
GITLAB_BOUND = 1 + gitlab_api.MAX_RETRIES
Report = dict[str, Any]
Server = Any  # FakeGitHub | FakeGitLab: both offer the same fault hooks


@dataclass(frozen=True)
class Case:
    """A fault aimed at one endpoint of repository "two", and what the scan must make of it."""

    arm: Callable[[Server], None]
    sent: int
    """Requests the faulted endpoint receives, retries included."""
    gap: str | None
    """A fragment of the detail of the gap left on that endpoint; None: a retry recovered."""
    reason: str = "api-error"


@dataclass
class Platform:
    """A fake server shared by a module's tests, and its fault-free report."""

    server: Server
    target: str
    url_flag: str
    clone: Path
    """What "two"'s clone URL names: a symlink to its bare repository, so that a test can
    break the clone without changing any API answer."""
    baseline: Report = field(default_factory=dict)


def served(bare: Path) -> Path:
    """A symlink to ``bare`` next to it, to serve as the clone URL's path."""
    link = bare.with_name("served-" + bare.name)
    link.symlink_to(bare)
    return link


@pytest.fixture(scope="module", autouse=True)
def environment() -> Iterator[None]:
    """Tokens for both fakes, a one-second HTTP timeout, nothing else from the caller."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("GH_TOKEN", "GH_HOST", "CI_SERVER_URL", "CI_JOB_TOKEN", "AIMS_GITHUB_URL",
                     "AIMS_GITLAB_URL", "AIMS_CACHE_DIR", "AIMS_HISTORY"):
            patch.delenv(name, raising=False)
        patch.setenv("GITHUB_TOKEN", "tok-owner")
        patch.setenv("GITLAB_TOKEN", "tok-maint")
        patch.setenv(TIMEOUT_ENV, "1")
        yield


def scan(platform: Platform, work: Path) -> tuple[int, Report | None]:
    """Run ``aims scan`` with a fresh cache; the exit code and the JSON report, if any."""
    output = work / "report.json"
    code = main(["scan", platform.target, platform.url_flag, platform.server.url,
                 "--cache-dir", str(work / "cache"), *AS_OF, "-o", str(output)])
    return code, json.loads(output.read_text()) if output.exists() else None


def repositories(report: Report) -> dict[str, Any]:
    """Repository entries by repository id."""
    return {entry["repo"]: entry for entry in report["repositories"]}


@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory,
           scenario_repo: Callable[[str], Path]) -> Iterator[Platform]:
    """An organisation of two repositories on a fake GitHub, and its fault-free report."""
    root = tmp_path_factory.mktemp("github")
    clone = served(make_bare(scenario_repo("mid-maturity"), root / "two.git"))
    org = FakeOrg("acme", [
        FakeRepo("one", make_bare(scenario_repo("bare-minimum"), root / "one.git")),
        FakeRepo("two", clone.resolve(), clone_url=clone.as_uri()),
    ], tokens={"tok-owner": "owner"})
    with FakeGitHub(org) as server:
        platform = Platform(server, "github:acme", "--github-url", clone)
        code, report = scan(platform, root / "baseline")
        assert code == EXIT_OK and report is not None
        platform.baseline = report
        yield platform


@pytest.fixture(scope="module")
def gitlab(tmp_path_factory: pytest.TempPathFactory,
           scenario_repo: Callable[[str], Path]) -> Iterator[Platform]:
    """A group of two projects (ids 101 and 102) on a fake GitLab, and its fault-free report."""
    root = tmp_path_factory.mktemp("gitlab")
    clone = served(make_bare(scenario_repo("mid-maturity"), root / "two.git"))
    instance = FakeInstance(tokens={"tok-maint": 40}, projects=[
        FakeProject("acme/one", git_dir=make_bare(scenario_repo("bare-minimum"),
                                                  root / "one.git")),
        FakeProject("acme/two", git_dir=clone.resolve(), clone_url=clone.as_uri()),
    ])
    with FakeGitLab(instance) as server:
        platform = Platform(server, "gitlab:acme", "--gitlab-url", clone)
        code, report = scan(platform, root / "baseline")
        assert code == EXIT_OK and report is not None
        platform.baseline = report
        yield platform


@pytest.fixture()
def fresh(github: Platform, gitlab: Platform) -> Iterator[None]:
    """Each test starts with no fault armed and an empty request log."""
    for platform in (github, gitlab):
        platform.server.clear_faults()
        platform.server.log.clear()
    yield
    for platform in (github, gitlab):
        platform.server.clear_faults()


def check(platform: Platform, code: int, report: Report | None, case: Case,
          endpoint: str) -> None:
    """The scan finished; only "two" lost what the fault took, and the exit code says so."""
    assert report is not None
    sent = platform.server.requests("GET", endpoint + "$")
    assert len(sent) == case.sent, [entry.status for entry in sent]
    found, expected = repositories(report), repositories(platform.baseline)
    two = next(repo for repo in expected if repo.endswith("/two"))
    assert {r: e for r, e in found.items() if r != two} == \
        {r: e for r, e in expected.items() if r != two}
    if case.gap is None:
        assert code == EXIT_OK
        assert found[two] == expected[two]
        return
    assert code == EXIT_PARTIAL and report["partial"]
    gaps = [item for item in report["evidence"] if item["provenance"]["repo"] == two
            and item.get("gap") and re.search(f"GET {endpoint}(\\?|$)",
                                              item["provenance"]["locator"])]
    assert gaps, f"no gap cites {endpoint}"
    for item in gaps:
        assert item["gap"]["reason"] == case.reason
        assert case.gap in item["gap"]["detail"]
        assert item["id"] in found[two]["problems"]


# ------------------------------------------------------------------------------ GitHub

#: The branch rules of "two": read once per scan, over REST.
RULES = "/repos/acme/two/rules/branches/main"

GITHUB_CASES = {
    "reset-once": Case(lambda s: s.break_requests(Fault.RESET, "GET", RULES, times=1), 2, None),
    "hang-once": Case(lambda s: s.break_requests(Fault.HANG, "GET", RULES, times=1), 2, None),
    "truncated-once": Case(lambda s: s.break_requests(Fault.TRUNCATED, "GET", RULES, times=1),
                           2, None),
    # A complete answer that is not JSON is not sent again: retrying would get the same.
    "cut-json": Case(lambda s: s.break_requests(Fault.CUT, "GET", RULES), 1,
                     "invalid JSON from GitHub"),
    "5xx-storm": Case(lambda s: s.server_errors("GET", RULES, times=STORM), GITHUB_BOUND,
                      f"HTTP 502 from GitHub after {github_api.MAX_RETRIES} retries"),
    "secondary-limit-once": Case(lambda s: s.secondary_limited("GET", RULES, retry_after=1),
                                 2, None),
}


@pytest.mark.parametrize("name", GITHUB_CASES)
def test_github_fault_costs_only_its_repository(github: Platform, fresh: None, tmp_path: Path,
                                                name: str) -> None:
    case = GITHUB_CASES[name]
    case.arm(github.server)
    code, report = scan(github, tmp_path)
    check(github, code, report, case, RULES)


# ------------------------------------------------------------------------------ GitLab

#: The push rule of "two" (a single object) and its protected branches (a list).
PUSH_RULE = "/projects/102/push_rule"
PROTECTED = "/projects/102/protected_branches"

GITLAB_CASES = {
    "reset-always": (PUSH_RULE, Case(lambda s: s.break_requests(Fault.RESET, "GET", PUSH_RULE),
                                     GITLAB_BOUND, "connection failed: ConnectionError")),
    "hang-once": (PUSH_RULE, Case(lambda s: s.break_requests(Fault.HANG, "GET", PUSH_RULE,
                                                             times=1), 2, None)),
    "truncated-always": (PROTECTED, Case(
        lambda s: s.break_requests(Fault.TRUNCATED, "GET", PROTECTED), GITLAB_BOUND,
        "connection failed: ChunkedEncodingError")),
    "cut-json-object": (PUSH_RULE, Case(lambda s: s.break_requests(Fault.CUT, "GET", PUSH_RULE),
                                        1, "GitLab sent a body that is not JSON")),
    "cut-json-list": (PROTECTED, Case(lambda s: s.break_requests(Fault.CUT, "GET", PROTECTED),
                                      1, "GitLab sent a body that is not JSON")),
    "5xx-storm": (PUSH_RULE, Case(lambda s: s.server_errors("GET", PUSH_RULE, times=STORM),
                                  GITLAB_BOUND, "502 Bad Gateway")),
}


@pytest.mark.parametrize("name", GITLAB_CASES)
def test_gitlab_fault_costs_only_its_project(gitlab: Platform, fresh: None, tmp_path: Path,
                                             name: str) -> None:
    endpoint, case = GITLAB_CASES[name]
    case.arm(gitlab.server)
    code, report = scan(gitlab, tmp_path)
    check(gitlab, code, report, case, endpoint)


# ------------------------------------------------------------------------------ clones


def corrupt_copy(bare: Path, dest: Path) -> Path:
    """A copy of a bare repository whose refs name objects it no longer has."""
    shutil.copytree(bare, dest)
    shutil.rmtree(dest / "objects")
    (dest / "objects" / "pack").mkdir(parents=True)
    return dest


# The clone cache is the same for both platforms: one way of breaking a clone on each.
@pytest.mark.parametrize(("platform_name", "broken"), [("github", "corrupt"),
                                                       ("gitlab", "missing")])
def test_clone_failure_costs_only_its_repository(
        request: pytest.FixtureRequest, fresh: None, tmp_path: Path, platform_name: str,
        broken: str) -> None:
    platform: Platform = request.getfixturevalue(platform_name)
    bare = platform.clone.resolve()
    platform.clone.unlink()
    if broken == "corrupt":
        platform.clone.symlink_to(corrupt_copy(bare, tmp_path / "corrupt.git"))
    try:
        code, report = scan(platform, tmp_path)
    finally:
        platform.clone.unlink(missing_ok=True)
        platform.clone.symlink_to(bare)
    assert code == EXIT_PARTIAL and report is not None
    expected = repositories(platform.baseline)
    (two,) = [r for r in expected if r.endswith("/two")]
    assert repositories(report) == {r: e for r, e in expected.items() if r != two}
    (failure,) = report["failures"]
    assert (failure["repo"], failure["reason"]) == (two, "api-error")
    assert failure["detail"].startswith(f"clone failed: {two}: clone failed: fatal: ")


# ------------------------------------------------------------------------------ organisation


@dataclass(frozen=True)
class OrgCase:
    """A fault on a read the whole organisation depends on."""

    platform: str
    arm: Callable[[Server], None]
    code: int
    says: str
    """What the error message (exit 2) or every repository's gap (exit 3) says."""


ORG_CASES = {
    # The inventory is the backbone: without it there is nothing to scan (exit 2).
    "github-listing-cut": OrgCase(
        "github", lambda s: s.break_requests(Fault.CUT, "GET", "/orgs/acme/repos"), EXIT_USAGE,
        "GET /orgs/acme/repos?per_page=100&type=all: invalid JSON from GitHub"),
    # Organisation rulesets apply to every repository: each one says it could not see them.
    "github-rulesets-cut": OrgCase(
        "github", lambda s: s.break_requests(Fault.CUT, "GET", "/orgs/acme/rulesets"),
        EXIT_PARTIAL, "invalid JSON from GitHub"),
    "gitlab-group-reset": OrgCase(
        "gitlab", lambda s: s.break_requests(Fault.RESET, "GET", "/groups/acme$"), EXIT_USAGE,
        "connection failed: ConnectionError"),
    "gitlab-group-rules-cut": OrgCase(
        "gitlab", lambda s: s.break_requests(Fault.CUT, "GET", "/groups/acme/protected_branches"),
        EXIT_PARTIAL, "GitLab sent a body that is not JSON"),
}


@pytest.mark.parametrize("name", ORG_CASES)
def test_organisation_level_fault_is_a_clear_error_or_a_partial_report(
        request: pytest.FixtureRequest, fresh: None, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], name: str) -> None:
    case = ORG_CASES[name]
    platform: Platform = request.getfixturevalue(case.platform)
    case.arm(platform.server)
    code, report = scan(platform, tmp_path)
    err = capsys.readouterr().err
    assert code == case.code, err
    assert "Traceback" not in err and "internal error" not in err
    if case.code == EXIT_USAGE:
        assert report is None
        assert f"aims: error: {platform.target}: " in err and case.says in err
    else:
        assert report is not None
        assert repositories(report).keys() == repositories(platform.baseline).keys()
        for entry in report["repositories"]:
            cited = [item for item in report["evidence"] if item["id"] in entry["problems"]]
            assert any(case.says in item["gap"]["detail"] for item in cited), entry["repo"]


@pytest.mark.parametrize(("target", "value"), [("github:acme", "soon"), ("gitlab:acme", "0")])
def test_a_bad_timeout_setting_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str],
                                                 target: str, value: str) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, value)
    flag = "--github-url" if target.startswith("github") else "--gitlab-url"
    code = main(["scan", target, flag, "http://127.0.0.1:9", "--cache-dir",
                 str(tmp_path / "cache"), *AS_OF, "-o", str(tmp_path / "report.json")])
    assert code == EXIT_USAGE
    assert (f"AIMS_HTTP_TIMEOUT must be a number of seconds from 1 to 3600, not '{value}'"
            in capsys.readouterr().err)

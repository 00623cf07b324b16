"""A hostile organisation on the fake GitHub and GitLab: the scan completes and names each problem.

The organisation holds repositories whose names carry path traversal (``..``,
``../../../../../../escape``), control characters and non-ASCII text, default branches named
``../../../../x`` and ``main<ESC>[31m``, and the fixture repositories
``hostile-org-configs`` (invalid UTF-8 in every kind of configuration file, workflows that
are a list or a scalar, a 50 MB workflow built at test time, symlink loops, submodules on
hosts that cannot be reached), ``hostile`` (an alias bomb, YAML nested 5,000 deep, symlinks
out of the repository, binary and oversized files) and ``hostile-org-names`` (file names that
are not UTF-8). One scan per platform; each test checks one promise about it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.console import EXIT_PARTIAL
from tests.fixture_repos import REPOS, scenario_repo
from tests.github_fake import FakeGitHub, FakeOrg, FakeRepo, make_bare
from tests.gitlab_fake import FakeGitLab, FakeInstance, FakeProject

__all__ = ["scenario_repo"]

EVIL = "evil\x1b]0;pwned\x07\x1b[2J\x9b31m"
UNICODE = "ünïcödé-☃"
UNICODE_BRANCH = "fünf-☃"
#: Deep enough that, were it joined to the clone cache's path, it would land in tmp_path.
ESCAPE = "../../../../../../escape"
#: Repository name -> (fixture, default branch).
REPOS_OF_THE_ORG = {
    "configs": ("hostile-org-configs", "main"),
    "hostile": ("hostile", "main"),
    "names": ("hostile-org-names", "main"),
    "ok": ("bare-minimum", "main"),
    EVIL: ("bare-minimum", "main"),
    UNICODE: ("bare-minimum", UNICODE_BRANCH),
    "..": ("bare-minimum", "main"),
    ESCAPE: ("bare-minimum", "main"),
    "trav-branch": ("bare-minimum", "../../../../x"),
    "ctl-branch": ("bare-minimum", "main\x1b[31m"),
}
#: Repositories that cannot be read at all, and why.
FAILURES = {
    "..": "not a usable repository id",
    ESCAPE: "not a usable repository id",
    "trav-branch": "'../../../../x' is not a valid branch name",
    "ctl-branch": r"'main\x1b[31m' is not a valid branch name",
}
NOT_UTF8 = "not UTF-8 text"
#: Every broken file, with what its gap says.
BROKEN_FILES = [
    *[("configs", path, NOT_UTF8) for path in (
        ".pre-commit-config.yaml", "lefthook.yml", ".github/workflows/bytes.yml",
        ".gitlab-ci.yml", ".github/CODEOWNERS", ".claude/settings.json", ".mcp.json",
        ".vscode/settings.json", ".codex/config.toml", "AGENTS.md",
        ".github/copilot-instructions.md", ".cursorrules", ".aiexclude", "SECURITY.md",
        "CONTRIBUTING.md", "bom.json")],
    ("configs", ".github/workflows/list.yml", "expected a mapping"),
    ("configs", ".github/workflows/scalar.yml", "expected a mapping"),
    ("configs", ".github/workflows/huge.yml", "bytes, over the 1,048,576-byte limit"),
    ("configs", ".github/workflows/loop.yml", "more than 8 symlink hops"),
    ("configs", "CLAUDE.md", "more than 8 symlink hops"),
    ("hostile", ".github/workflows/bomb.yml", "expands to over 200,000 nodes through aliases"),
    ("hostile", ".github/workflows/deep.yml", "nesting deeper than 100 levels"),
    ("hostile", ".github/workflows/bad-date.yml", "invalid value"),
    ("hostile", ".pre-commit-config.yaml", "invalid YAML at line 4"),
    ("hostile", ".github/CODEOWNERS", "symlink pointing outside the repository"),
    ("hostile", ".gitlab-ci.yml", "binary content"),
    ("hostile", ".mcp.json", "binary content"),
    ("hostile", ".claude/settings.json", "invalid JSON at line 1"),
    ("hostile", "AGENTS.md", "3,060,000 bytes, over the 1,048,576-byte limit"),
    ("hostile", "CONTRIBUTING.md", NOT_UTF8),
]
#: C0 controls but newline, DEL and the C1 controls: what a terminal may act on.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@dataclass
class Scanned:
    """One scan of the hostile organisation and what it left behind."""

    code: int
    report: dict[str, Any]
    table: str
    err: str
    written: set[Path]
    """Paths that appeared during the scan outside the cache and output directories (and
    their parents)."""
    trap: list[Any]
    """Requests the submodule trap server received."""
    host: str

    def repo_id(self, name: str) -> str:
        """The id a repository of the organisation gets (``host/acme/name``)."""
        return f"{self.host}/acme/{name}"


def build(fixture: str, dest: Path, scenario_repo: Callable[[str], Path], trap_url: str
          ) -> Path:
    """A fixture repository: the shared build of a scenario, or one built for this module."""
    if not fixture.startswith("hostile-org-"):
        return scenario_repo(fixture)
    env = {**os.environ, "HOSTILE_HUGE_MB": "50"}
    subprocess.run(["bash", str(REPOS / f"{fixture}.sh"), str(dest), trap_url], check=True,
                   env=env, capture_output=True)
    return dest


def tree(root: Path) -> set[Path]:
    """Every path under ``root``, symlinks not followed."""
    found: set[Path] = set()
    for folder, dirs, files in os.walk(root):
        found.update(Path(folder, name) for name in (*dirs, *files))
    return found


@pytest.fixture(scope="module")
def remotes(tmp_path_factory: pytest.TempPathFactory, scenario_repo: Callable[[str], Path]
            ) -> Iterator[tuple[dict[str, Path], FakeGitHub]]:
    """A bare repository per fixture, and the server the trap submodule points at."""
    root = tmp_path_factory.mktemp("remotes")
    with FakeGitHub(FakeOrg("trap", [])) as trap:
        bare = {}
        for fixture in sorted({fixture for fixture, _ in REPOS_OF_THE_ORG.values()}):
            source = build(fixture, root / "src" / fixture, scenario_repo,
                           f"{trap.url}/trap/y.git")
            bare[fixture] = make_bare(source, root / f"{fixture}.git")
        subprocess.run(["git", "branch", UNICODE_BRANCH, "main"], cwd=bare["bare-minimum"],
                       check=True)
        yield bare, trap


def run_scan(target: str, url_flag: str, server: Any, root: Path, trap: FakeGitHub
             ) -> Scanned:
    """Scan from an empty working directory; record what appeared outside cache and output."""
    (root / "cwd").mkdir()
    cache, out = root / "deep" / "er" / "cache", root / "out"
    before = tree(root)
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(err):
        patch.chdir(root / "cwd")
        for name in ("GH_TOKEN", "GH_HOST", "CI_SERVER_URL", "AIMS_GITHUB_URL",
                     "AIMS_GITLAB_URL", "AIMS_CACHE_DIR", "AIMS_HISTORY"):
            patch.delenv(name, raising=False)
        patch.setenv("GITHUB_TOKEN", "tok")
        patch.setenv("GITLAB_TOKEN", "tok")
        code = main(["scan", target, url_flag, server.url, "--cache-dir", str(cache),
                     "--as-of", "2026-11-01", "--out-dir", str(out),
                     "--format", "table,json,markdown"])
    kept = (cache, out)
    written = {path for path in tree(root) - before
               if not any(path.is_relative_to(k) or k.is_relative_to(path) for k in kept)}
    return Scanned(code=code, report=json.loads((out / "aims-report.json").read_text()),
                   table=(out / "aims-report.txt").read_text(encoding="utf-8"),
                   err=err.getvalue(), written=written, trap=list(trap.log),
                   host=server.url.removeprefix("http://"))


@pytest.fixture(scope="module", params=["github", "gitlab"])
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            remotes: tuple[dict[str, Path], FakeGitHub]) -> Scanned:
    """The hostile organisation scanned on one platform."""
    bare, trap = remotes
    root = tmp_path_factory.mktemp(f"scan-{request.param}")
    if request.param == "github":
        org = FakeOrg("acme", [FakeRepo(name, bare[fixture], default_branch=branch)
                               for name, (fixture, branch) in REPOS_OF_THE_ORG.items()],
                      tokens={"tok": "owner"})
        with FakeGitHub(org) as github:
            return run_scan("github:acme", "--github-url", github, root, trap)
    instance = FakeInstance(tokens={"tok": 40}, projects=[
        FakeProject(f"acme/{name}", git_dir=bare[fixture], default_branch=branch)
        for name, (fixture, branch) in REPOS_OF_THE_ORG.items()])
    with FakeGitLab(instance) as gitlab:
        return run_scan("gitlab:acme", "--gitlab-url", gitlab, root, trap)


def test_the_scan_completes_and_says_it_is_partial(scanned: Scanned) -> None:
    assert scanned.code == EXIT_PARTIAL, scanned.err
    assert scanned.report["partial"]
    assert "Traceback" not in scanned.err and "internal error" not in scanned.err
    read = {entry["repo"] for entry in scanned.report["repositories"]}
    assert read == {scanned.repo_id(name) for name in REPOS_OF_THE_ORG if name not in FAILURES}


def test_unusable_names_are_failures_that_say_why(scanned: Scanned) -> None:
    failures = {f["repo"]: f for f in scanned.report["failures"]}
    assert failures.keys() == {scanned.repo_id(name) for name in FAILURES}
    for name, says in FAILURES.items():
        failure = failures[scanned.repo_id(name)]
        assert failure["reason"] == "api-error"
        assert failure["detail"].startswith("clone failed: ") and says in failure["detail"]


@pytest.mark.parametrize(("repo", "path", "says"), BROKEN_FILES)
def test_each_broken_file_is_a_gap_that_says_why(scanned: Scanned, repo: str, path: str,
                                                  says: str) -> None:
    repo_id = scanned.repo_id(repo)
    gaps = [item for item in scanned.report["evidence"]
            if item["provenance"]["repo"] == repo_id
            and item["provenance"]["locator"] == f"tree:{path}" and item.get("gap")]
    assert gaps, f"no gap for {path}"
    (problems,) = [e["problems"] for e in scanned.report["repositories"] if e["repo"] == repo_id]
    for gap in gaps:
        assert gap["gap"]["reason"] == "unreadable"
        assert says in gap["gap"]["detail"]
        assert gap["id"] in problems


def test_the_50_mb_file_is_refused_by_its_size(scanned: Scanned) -> None:
    (gap,) = [item["gap"] for item in scanned.report["evidence"]
              if item["provenance"]["locator"] == "tree:.github/workflows/huge.yml"]
    size = int(gap["detail"].split(" bytes")[0].replace(",", ""))
    assert size >= 50 * 1024 * 1024


def test_what_is_readable_still_counts(scanned: Scanned) -> None:
    ci = [item for item in scanned.report["evidence"]
          if item["provenance"]["repo"] == scanned.repo_id("configs")
          and item["provenance"]["locator"] == "tree:.github/workflows/ok.yml"]
    assert [item["payload"]["categories"] for item in ci] == [["secrets"]]


def test_nothing_is_written_outside_the_cache_and_the_output(scanned: Scanned) -> None:
    assert scanned.written == set()


def test_no_submodule_is_ever_fetched(scanned: Scanned) -> None:
    assert scanned.trap == []


def test_control_characters_never_reach_the_table(scanned: Scanned) -> None:
    assert CONTROL.findall(scanned.table) == []
    assert f"{scanned.host}/acme/evil?]0;pwned??[2J?31m" in scanned.table
    assert UNICODE in scanned.table


def test_control_characters_never_reach_the_progress_lines(scanned: Scanned) -> None:
    assert CONTROL.findall(scanned.err) == []


def test_file_names_that_are_not_utf8_cost_nothing_else(scanned: Scanned) -> None:
    repo_id = scanned.repo_id("names")
    ci = {item["provenance"]["locator"]: item for item in scanned.report["evidence"]
          if item["provenance"]["repo"] == repo_id and item["kind"] == "tree.ci"}
    assert ci.keys() == {"tree:.github/workflows/ok.yml", r"tree:.github/workflows/caf\xe9.yml"}
    assert not [item for item in scanned.report["evidence"]
                if item["provenance"]["repo"] == repo_id and item.get("gap")
                and item["gap"]["reason"] == "collector-error"]

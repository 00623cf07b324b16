"""Clone directories are named from a digest, never from the repository's (hostile) name.

GitPython expands ``$VAR``/``${VAR}``, ``%VAR%`` (on Windows) and a leading ``~`` in every
path it opens, and warns "The use of environment variables in paths is deprecated" when it
sees ``$VAR`` or ``%VAR%`` there. Platform repository names are untrusted, so a clone's
directory name holds only ``[a-z0-9-]`` and a SHA-256 digest: nothing to expand or warn
about, whatever the name. Repositories are real git repositories cloned over ``file://``,
first through the cache alone, then through whole scans of the fake GitHub and GitLab.
"""

from __future__ import annotations

import contextlib
import io
import json
import ntpath
import posixpath
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from git.util import expand_path

from collectors.sources.clone_cache import LAYOUT, CloneCache, CloneError, clone_name
from collectors.sources.local import LocalSource
from scanner.cli import main
from scanner.console import EXIT_PARTIAL
from tests.conftest import RepoBuilder
from tests.github_fake import FakeGitHub, FakeOrg, FakeRepo, make_bare
from tests.gitlab_fake import FakeGitLab, FakeInstance, FakeProject

SINCE = datetime(2026, 3, 1, tzinfo=UTC)
#: An environment variable that names a directory; a path that expanded it would land there.
TRAP = "AIMS_TEST_TRAP"
#: Repository names carrying everything GitPython would expand or warn about.
HOSTILE = [
    "$HOME",
    "${HOME}",
    f"${TRAP}",
    "~",
    "~root",
    "%PATH%",
    f"%{TRAP}%",
    "ünïcödé-☃",
    "%C3%A9",
    f"$HOME~%PATH%ü${TRAP}",
]
#: What a clone directory's name may hold.
NAME = re.compile(r"[a-z0-9-]+-[0-9a-f]{32}\.git")
#: Words of the warning GitPython gives about a path it would expand.
GITPYTHON_WARNING = "environment variables in paths"


@pytest.fixture
def hostile_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    """HOME and the trap variable point at empty directories that must stay empty."""
    home, trap = tmp_path / "home", tmp_path / "trap"
    home.mkdir()
    trap.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv(TRAP, str(trap))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    return home, trap


@pytest.fixture
def origin(repo: RepoBuilder, tmp_path: Path) -> Path:
    """A bare repository with one commit inside the window, serving blobless clones."""
    repo.write("README.md", "hello\n").commit("in window", when=datetime(2026, 5, 1, tzinfo=UTC))
    return make_bare(repo.path, tmp_path / "origin.git")


def head_of(git_dir: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=git_dir, check=True,
                          capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------------- the cache alone


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_is_cloned_inside_the_cache_without_a_warning(
        name: str, origin: Path, tmp_path: Path, hostile_env: tuple[Path, Path],
        recwarn: pytest.WarningsRecorder) -> None:
    cache = CloneCache(tmp_path / "cache")
    repo_id = f"github.com/acme/{name}"
    result = cache.sync(repo_id, f"file://{origin}", "main", SINCE, None)
    assert [str(w.message) for w in recwarn] == []
    assert result.path.parent == tmp_path / "cache" / "clones" / LAYOUT
    assert NAME.fullmatch(result.path.name)
    # GitPython opens exactly this directory: there is nothing in it to expand.
    assert expand_path(str(result.path)) == str(result.path)
    assert result.head == head_of(origin) == LocalSource(result.path).info().head
    assert [p.name for p in hostile_env[0].iterdir()] == []
    assert [p.name for p in hostile_env[1].iterdir()] == []
    # The clone is found again: an unchanged HEAD costs no fetch.
    again = cache.sync(repo_id, f"file://{origin}", "main", SINCE, result.head)
    assert (again.path, again.fetched) == (result.path, False)
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("flavour", [posixpath, ntpath], ids=["posix", "windows"])
def test_no_platform_expands_a_clone_name(name: str, flavour: ModuleType, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """What GitPython calls (``expandvars``, ``expanduser``) leaves the name as it is.

    Percent-encoded names (the v1 layout) were safe from POSIX expansion only: on Windows
    the ``%C3%`` of ``%C3%BCn`` (the encoding of "ün") reads as the variable ``C3``.
    """
    monkeypatch.setenv("C3", str(tmp_path / "elsewhere"))
    monkeypatch.setenv(TRAP, str(tmp_path / "elsewhere"))
    leaf = CloneCache(tmp_path).path_for(f"github.com/acme/{name}").name
    assert flavour.expandvars(leaf) == flavour.expanduser(leaf) == leaf


@pytest.mark.parametrize(("repo_id", "name"), [
    ("github.com/acme/api", "github-com-acme-api-e1dcaa3496b93562cbcd84eaed8b8e3e"),
    ("github.com/acme/.github", "github-com-acme-github-b3833d52c19741cb8713f1646dad94e2"),
    ("gitlab.com/group/sub/project",
     "gitlab-com-group-sub-project-c445a1c8243a0aa343d6e27af1729d09"),
    ("github.com/acme/we ird%\\name",
     "github-com-acme-we-ird-name-5f435f352504ab2c95a54416e6e8eb3b"),
    ("github.com/acme/$HOME", "github-com-acme-home-5e2cba871bfb201768e39310caa13c90"),
    ("github.com/acme/~", "github-com-acme-658b2540166be97578738ab4b33b1b08"),
    ("ghe.example.com:8443/o/%PATH%",
     "ghe-example-com-8443-o-path-595ebd8c85b0a0731fd19ce8adb18a46"),
    ("github.com/acme/ünïcödé-☃", "github-com-acme-unicode-1555bca7efca39081c8f77e4b2787a4f"),
    ("☃/☃/☃", "dabcb5bbb4a4afbcf40e28dc0e9dfede"),
    ("github.com/acme/x\udc80", "github-com-acme-x-8bcde2c96b57c4b5d484107803f6c3e0"),
    ("gitlab.com/a-very-long-group/with-a-subgroup/and-a-long-project-name",
     "gitlab-com-a-very-long-group-with-a-subg-fa3de94f86c0e11cd84182e084ae0517"),
])
def test_clone_names_read_as_the_id_and_end_in_its_digest(repo_id: str, name: str) -> None:
    assert clone_name(repo_id) == name


def test_ids_that_read_alike_get_names_of_their_own() -> None:
    ids = ["github.com/acme/a-b", "github.com/acme/a_b", "github.com/acme/a.b",
           "github.com/acme/A-B", "github.com/acme/á-b", "github.com/acme/$a-b"]
    names = {clone_name(repo_id) for repo_id in ids}
    assert len(names) == len(ids)
    assert {name.rsplit("-", 1)[0] for name in names} == {"github-com-acme-a-b"}


@pytest.mark.parametrize("repo_id", [
    "github.com/acme/..", "github.com/../../etc", "/etc/passwd", "github.com//api",
    "github.com/acme/.", "",
])
def test_unusable_ids_are_refused(tmp_path: Path, repo_id: str) -> None:
    with pytest.raises(CloneError, match="not a usable repository id"):
        CloneCache(tmp_path).path_for(repo_id)


def test_a_clone_of_the_old_layout_is_left_alone_not_read(
        origin: Path, tmp_path: Path, hostile_env: tuple[Path, Path]) -> None:
    """A v1 clone whose state claims the HEAD asked for is not taken for the repository."""
    old = tmp_path / "cache" / "clones" / "github.com" / "acme" / "api.git"
    old.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(origin), str(old)], check=True)
    state = {"branch": "main", "since": 0, "head": head_of(origin)}
    old.with_name("api.git.json").write_text(json.dumps(state), encoding="utf-8")
    before = sorted(p.name for p in old.iterdir())

    result = CloneCache(tmp_path / "cache").sync("github.com/acme/api", f"file://{origin}",
                                                  "main", SINCE, head_of(origin))
    assert result.fetched and result.path.parent == tmp_path / "cache" / "clones" / LAYOUT
    assert sorted(p.name for p in old.iterdir()) == before


# ---------------------------------------------------------------------- whole scans


def scan(platform: str, origin: Path, cache: Path, out: Path) -> tuple[int, str]:
    """Scan an organisation of HOSTILE repositories on a fake platform; (exit code, stderr)."""
    args = ["--cache-dir", str(cache), "--as-of", "2026-11-01", "--out-dir", str(out),
            "--format", "json"]
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(err):
        for name in ("GH_TOKEN", "GH_HOST", "CI_SERVER_URL", "AIMS_GITHUB_URL",
                     "AIMS_GITLAB_URL", "AIMS_CACHE_DIR", "AIMS_HISTORY"):
            patch.delenv(name, raising=False)
        patch.setenv("GITHUB_TOKEN", "tok")
        patch.setenv("GITLAB_TOKEN", "tok")
        if platform == "github":
            org = FakeOrg("acme", [FakeRepo(name, origin) for name in HOSTILE],
                          tokens={"tok": "owner"})
            with FakeGitHub(org) as github:
                code = main(["scan", "github:acme", "--github-url", github.url, *args])
        else:
            instance = FakeInstance(tokens={"tok": 40}, projects=[
                FakeProject(f"acme/{name}", git_dir=origin) for name in HOSTILE])
            with FakeGitLab(instance) as gitlab:
                code = main(["scan", "gitlab:acme", "--gitlab-url", gitlab.url, *args])
    return code, err.getvalue()


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_a_scan_of_hostile_names_clones_each_inside_the_cache_without_a_warning(
        platform: str, origin: Path, tmp_path: Path, hostile_env: tuple[Path, Path],
        recwarn: pytest.WarningsRecorder) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    code, err = scan(platform, origin, cache, out)
    assert code in (0, EXIT_PARTIAL), err
    report = json.loads((out / "aims-report.json").read_text(encoding="utf-8"))
    assert report["failures"] == []
    assert sorted(r["repo"].rsplit("/", 1)[1] for r in report["repositories"]) == sorted(HOSTILE)
    assert [str(w.message) for w in recwarn if GITPYTHON_WARNING in str(w.message)] == []
    assert GITPYTHON_WARNING not in err
    clones = sorted(p.name for p in (cache / "clones" / LAYOUT).glob("*.git"))
    assert len(clones) == len(HOSTILE) and all(NAME.fullmatch(name) for name in clones)
    assert sorted(p.name for p in (cache / "clones").iterdir()) == [LAYOUT]
    assert [p.name for p in hostile_env[0].iterdir()] == []
    assert [p.name for p in hostile_env[1].iterdir()] == []
    shutil.rmtree(cache)  # nothing of the scan outside the cache and the output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "origin.git", "out", "repo",
                                                          "trap"]

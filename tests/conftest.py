"""Shared test fixtures: real git repositories built with pinned identities and dates."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.base import Context
from collectors.sources.local import LocalSource
from scanner.catalog import Catalog, load_catalog

#: The fixed clock of the test suite.
AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


def pinned_git_env(home: Path) -> dict[str, str]:
    """An environment in which git ignores the user's configuration and dates are pinned."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home), TZ="UTC", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null",
        GIT_AUTHOR_NAME="Test Author", GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author", GIT_COMMITTER_EMAIL="author@example.com",
        LC_ALL="C",
    )
    return env


@dataclass
class RepoBuilder:
    """Builds a git repository commit by commit with pinned identities and dates."""

    path: Path
    env: dict[str, str]
    clock: datetime = field(default=datetime(2026, 1, 5, 12, 0, tzinfo=UTC))

    def git(self, *args: str) -> str:
        """Run git in the repository and return its stdout."""
        return subprocess.run(["git", *args], cwd=self.path, env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def write(self, rel: str, content: str | bytes) -> RepoBuilder:
        """Write a file (text or bytes) into the work tree."""
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return self

    def symlink(self, rel: str, points_to: str) -> RepoBuilder:
        """Create a symbolic link in the work tree."""
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(points_to)
        return self

    def commit(self, message: str, *, when: datetime | None = None,
               author: str | None = None) -> str:
        """Commit everything; ``author`` is ``Name <email>``. Returns the new SHA."""
        when = when or self.clock
        self.clock = when + timedelta(hours=1)
        env = dict(self.env)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S+0000")
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        if author:
            name, _, email = author.partition(" <")
            env.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email.rstrip(">"))
        subprocess.run(["git", "add", "-A"], cwd=self.path, env=env, check=True)
        subprocess.run(["git", "commit", "-q", "--allow-empty", "--no-verify", "-m", message],
                       cwd=self.path, env=env, check=True)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    """An empty git repository (branch ``main``) with pinned identities."""
    path = tmp_path / "repo"
    path.mkdir()
    env = pinned_git_env(tmp_path)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], env=env, check=True)
    return RepoBuilder(path=path, env=env)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The packaged catalog."""
    return load_catalog()


def make_context(path: Path, catalog: Catalog, *, days: int = 365) -> Context:
    """A collector context over a local repository with the suite's fixed clock."""
    source = LocalSource(path)
    return Context(source=source, info=source.info(), catalog=catalog, as_of=AS_OF,
                   since=AS_OF - timedelta(days=days))


@pytest.fixture
def context_of(catalog: Catalog) -> Iterator[object]:
    """``context_of(repo_builder)`` gives a :class:`Context` over the built repository."""
    yield lambda builder, days=365: make_context(builder.path, catalog, days=days)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden`` rewrites the golden reports; review the diff before committing."""
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/* from the current output")


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Scans keep their caches (the deep scan's blob cache...) in the session's temporary
    directory, never in the user's cache directory. Scans of the same content share it, as
    reruns do for a user."""
    path = tmp_path_factory.mktemp("aims-cache")
    previous = os.environ.get("AIMS_CACHE_DIR")
    os.environ["AIMS_CACHE_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("AIMS_CACHE_DIR", None)
    else:
        os.environ["AIMS_CACHE_DIR"] = previous

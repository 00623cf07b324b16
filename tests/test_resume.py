"""Resumable organisation scans: killed midway and started again, the report is the same.

A real ``aims scan github:acme`` runs as a subprocess against the fake GitHub on loopback
(slowed down so it can be caught midway) and is killed with SIGKILL once some repositories
are journaled; the same command then finishes the run. Its report must equal, byte for
byte, the report of a run that was never interrupted.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from scanner.cli import EXIT_OK, main
from scanner.journal import DATABASE
from tests.fixture_repos import scenario_repo
from tests.github_fake import FakeGitHub, FakeOrg, FakeRepo, make_bare

__all__ = ["scenario_repo"]

AS_OF = "2026-11-01"
TOKEN = "tok-owner"
SCENARIOS = ("high-maturity", "mid-maturity", "ai-no-governance", "bare-minimum")
REPOS = 8


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory,
        scenario_repo: Callable[[str], Path]) -> FakeOrg:
    remote = tmp_path_factory.mktemp("remote")
    repos = [FakeRepo(f"r{n}", make_bare(scenario_repo(SCENARIOS[n % len(SCENARIOS)]),
                                         remote / f"r{n}.git")) for n in range(REPOS)]
    return FakeOrg("acme", repos, tokens={TOKEN: "owner"})


@pytest.fixture()
def github(org: FakeOrg) -> Iterator[FakeGitHub]:
    # Slow answers make a scan last long enough to be killed between repositories.
    with FakeGitHub(org, latency=0.05) as server:
        yield server


def command(github: FakeGitHub, cache: Path, out: Path, *extra: str) -> list[str]:
    return ["scan", "github:acme", "--github-url", github.url, "--cache-dir", str(cache),
            "--concurrency", "1", "-o", str(out), "-q", *extra]


def journaled(cache: Path) -> int:
    """Repositories the journal holds as finished (read as another process writes it)."""
    total = 0
    for database in (cache / "runs").glob(f"*/{DATABASE}"):
        try:
            with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
                total += db.execute("SELECT count(*) FROM repos WHERE resumable = 1"
                                    ).fetchone()[0]
        except sqlite3.Error:
            pass  # not created yet, or being set up: nothing journaled so far
    return total


def killed_midway(github: FakeGitHub, cache: Path, out: Path, after: int,
                  *extra: str) -> None:
    """Start the scan as a subprocess and SIGKILL it once ``after`` repositories are done."""
    env = {**os.environ, "GITHUB_TOKEN": TOKEN}
    env.pop("GH_TOKEN", None)
    process = subprocess.Popen([sys.executable, "-m", "scanner",
                                *command(github, cache, out, *extra)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while journaled(cache) < after:
            assert process.poll() is None, "the scan ended before it could be interrupted"
            assert time.monotonic() < deadline, "no progress to interrupt"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not out.exists()  # killed before the report was written


def finish(github: FakeGitHub, cache: Path, out: Path, monkeypatch: pytest.MonkeyPatch,
           *extra: str) -> bytes:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert main(command(github, cache, out, *extra)) == EXIT_OK
    return out.read_bytes()


def test_a_killed_scan_resumes_to_the_uninterrupted_result(
        github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = finish(github, tmp_path / "cache-a", tmp_path / "a.json", monkeypatch,
                      "--as-of", AS_OF)
    assert len(json.loads(expected)["repositories"]) == REPOS
    cache = tmp_path / "cache-b"
    # Killed at random points, twice, then finished.
    chance = random.Random(7)
    first = chance.randint(1, REPOS // 2)
    killed_midway(github, cache, tmp_path / "b.json", first, "--as-of", AS_OF)
    killed_midway(github, cache, tmp_path / "b.json", chance.randint(first + 1, REPOS - 1),
                  "--as-of", AS_OF)
    before = len(github.requests())
    resumed = finish(github, cache, tmp_path / "b.json", monkeypatch, "--as-of", AS_OF)
    assert resumed == expected
    # the journal is gone once the report is written
    assert not list((cache / "runs").iterdir())
    assert len(github.requests()) > before


def test_a_resumed_run_keeps_the_interrupted_runs_clock(
        github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    killed_midway(github, cache, tmp_path / "r.json", 2)
    (run,) = (cache / "runs").glob("*/run.json")
    started_as_of = json.loads(run.read_text())["as_of"]
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert main(command(github, cache, tmp_path / "r.json")[:-1]) == EXIT_OK
    assert "resuming the interrupted run" in capsys.readouterr().err
    assert json.loads((tmp_path / "r.json").read_text())["as_of"] == started_as_of


def test_no_resume_starts_over(github: FakeGitHub, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    killed_midway(github, cache, tmp_path / "r.json", 2, "--as-of", AS_OF)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert main(command(github, cache, tmp_path / "r.json", "--as-of", AS_OF,
                        "--no-resume")[:]) == EXIT_OK
    assert "resuming" not in capsys.readouterr().err


def test_other_options_never_pick_up_the_journal(github: FakeGitHub, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    killed_midway(github, cache, tmp_path / "r.json", 2, "--as-of", AS_OF)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert main(command(github, cache, tmp_path / "r.json", "--as-of", "2026-10-31"))\
        == EXIT_OK
    assert "resuming" not in capsys.readouterr().err


def test_a_cache_that_cannot_hold_a_journal_only_loses_resuming(
        github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    expected = finish(github, tmp_path / "cache-a", tmp_path / "a.json", monkeypatch,
                      "--as-of", AS_OF)
    cache = tmp_path / "cache-b"
    cache.mkdir()
    (cache / "runs").write_text("a file where the journal's directory belongs\n")
    assert finish(github, cache, tmp_path / "b.json", monkeypatch, "--as-of", AS_OF) \
        == expected
    assert "cannot keep a resume journal" in capsys.readouterr().err

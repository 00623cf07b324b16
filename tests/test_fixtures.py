"""The fixture scenarios build, are reproducible, and contain what their headers claim."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from collectors.base import TEXT_LIMIT
from scanner.yamlsafe import load_yaml
from tests.fixture_repos import PLANTED_TOKEN, REPOS, SCENARIOS, build_scenario, scenario_repo

__all__ = ["scenario_repo"]  # the session fixture, used by the tests below

ScenarioRepo = Callable[[str], Path]

EARLIEST = datetime(2025, 12, 1, tzinfo=UTC).timestamp()
LATEST = datetime(2026, 10, 25, 23, 59, 59, tzinfo=UTC).timestamp()
AS_OF = date(2026, 11, 1)
ATTESTATIONS = REPOS.parent / "attestations"

#: Reading the built repositories: the caller's git configuration must not change output.
_READ_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | {
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "LC_ALL": "C"}


def git(repo: Path, *args: str) -> bytes:
    """Run git in ``repo`` and return its raw stdout."""
    return subprocess.run(["git", *args], cwd=repo, env=_READ_ENV, check=True,
                          capture_output=True).stdout


def blob(repo: Path, path: str) -> bytes:
    """Raw content of a HEAD file."""
    return git(repo, "cat-file", "blob", f"HEAD:{path}")


def tree_paths(repo: Path) -> list[str]:
    """Paths of the HEAD tree."""
    return git(repo, "ls-tree", "-r", "-z", "--name-only", "HEAD").decode().rstrip("\0").split("\0")


def history_text(repo: Path) -> str:
    """Identities and full messages of every commit reachable from HEAD."""
    return git(repo, "log", "--format=%an <%ae>%n%cn <%ce>%n%B").decode("utf-8", "replace")


def snapshot(repo: Path) -> tuple[bytes, bytes, bytes]:
    """HEAD, every ref with its object, and the git-ai notes list."""
    return (git(repo, "rev-parse", "HEAD"),
            git(repo, "for-each-ref", "--format=%(objectname) %(refname)"),
            git(repo, "notes", "--ref=ai", "list"))


# ------------------------------------------------------------------ every scenario


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_builds_a_clean_repository_on_main(scenario_repo: ScenarioRepo,
                                                    name: str) -> None:
    repo = scenario_repo(name)
    assert git(repo, "symbolic-ref", "--short", "HEAD") == b"main\n"
    assert git(repo, "status", "--porcelain") == b""
    stamps = [int(s) for s in git(repo, "log", "--all", "--format=%at %ct").split()]
    assert len(stamps) >= 8
    assert all(EARLIEST <= s <= LATEST for s in stamps)


def test_unknown_scenario_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown fixture scenario"):
        build_scenario("nope", tmp_path / "repo")


def test_script_refuses_a_non_empty_target(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    result = subprocess.run(["bash", str(REPOS / "bare-minimum.sh"), str(tmp_path)],
                            check=False, capture_output=True, text=True)
    assert result.returncode != 0
    assert "not empty" in result.stderr
    assert not (tmp_path / ".git").exists()


@pytest.mark.parametrize("name", SCENARIOS)
def test_rebuild_elsewhere_gives_identical_objects(scenario_repo: ScenarioRepo, name: str,
                                                   tmp_path: Path) -> None:
    # A second machine: its own user configuration, identity variables, time zone and
    # umask must not reach the commits.
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    config = ("[user]\n\tname = Somebody Else\n\temail = else@example.org\n"
              "[commit]\n\tgpgsign = true\n[core]\n\tautocrlf = true\n"
              "[i18n]\n\tcommitEncoding = ISO-8859-1\n")
    (home / ".gitconfig").write_text(config)
    (home / ".config" / "git" / "config").write_text(config)
    env = os.environ | {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                        "TZ": "Asia/Tokyo", "GIT_AUTHOR_NAME": "Intruder",
                        "GIT_COMMITTER_DATE": "2030-01-01T00:00:00Z", "LC_ALL": "C.UTF-8"}
    second = tmp_path / "again"
    subprocess.run(["bash", str(REPOS / f"{name}.sh"), str(second)], env=env, umask=0o077,
                   check=True)
    assert snapshot(second) == snapshot(scenario_repo(name))


@pytest.mark.parametrize(("name", "count"), [
    ("bare-minimum", 0), ("ai-no-governance", 1), ("mid-maturity", 2), ("high-maturity", 10),
])
def test_configuration_files_parse(scenario_repo: ScenarioRepo, name: str, count: int) -> None:
    # Only the hostile scenario may hold broken configuration.
    repo = scenario_repo(name)
    parsed = 0
    for path in tree_paths(repo):
        if path.endswith((".json", ".baseline")):
            json.loads(blob(repo, path))
            parsed += 1
        elif path.endswith((".yml", ".yaml")):
            assert load_yaml(blob(repo, path)) is not None
            parsed += 1
    assert parsed == count


# ------------------------------------------------------------------ attribution


@pytest.mark.parametrize(("name", "expected"), [
    ("ai-no-governance", "Co-Authored-By: Claude <noreply@anthropic.com>"),
    ("ai-no-governance", "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"),
    ("ai-no-governance", "Co-authored-by: Cursor <cursoragent@cursor.com>"),
    ("ai-no-governance",
     "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n"
     "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\nInitial plan"),
    ("ai-no-governance", "Merge pull request #12 from acme/codex/fix-parser"),
    ("ai-no-governance", "Claude Martin <claude.martin@example.com>"),
    ("ai-no-governance", "Boris Example <boris@anthropic.com>"),
    ("mid-maturity", "Assisted-by: Claude:claude-sonnet-4-5"),
    ("high-maturity",
     "Assisted-by: Claude:claude-opus-4-6\n"
     "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"),
])
def test_history_carries_the_signal(scenario_repo: ScenarioRepo, name: str,
                                    expected: str) -> None:
    assert expected in history_text(scenario_repo(name))


@pytest.mark.parametrize(("name", "trailer", "months"), [
    ("ai-no-governance", "Co-Authored-By: Claude <noreply@anthropic.com>", 2),
    ("mid-maturity", "Assisted-by: Claude:claude-sonnet-4-5", 5),
    ("high-maturity", "Assisted-by: Claude:claude-opus-4-6", 8),
])
def test_ai_trailer_spans_months(scenario_repo: ScenarioRepo, name: str, trailer: str,
                                 months: int) -> None:
    out = git(scenario_repo(name), "log", "-F", f"--grep={trailer}",
              "--format=%ad", "--date=format:%Y-%m")
    assert len(set(out.split())) == months


def test_bare_minimum_has_no_ai_signal(scenario_repo: ScenarioRepo) -> None:
    repo = scenario_repo("bare-minimum")
    text = history_text(repo).lower()
    for word in ("anthropic", "cursor", "copilot", "openai", "assisted-by",
                 "co-authored-by", "[bot]", "claude"):
        assert word not in text
    assert not [p for p in tree_paths(repo)
                if p.startswith((".github/", ".claude/", ".cursor"))
                or p in ("AGENTS.md", "CLAUDE.md", ".mcp.json", ".pre-commit-config.yaml")]


def test_codex_merge_is_a_real_merge(scenario_repo: ScenarioRepo) -> None:
    out = git(scenario_repo("ai-no-governance"), "log", "--merges", "--format=%P|%s")
    parents, subject = out.decode().strip().split("|")
    assert len(parents.split()) == 2
    assert subject == "Merge pull request #12 from acme/codex/fix-parser"


def test_git_ai_notes_follow_the_authorship_standard(scenario_repo: ScenarioRepo) -> None:
    repo = scenario_repo("high-maturity")
    listing = git(repo, "notes", "--ref=ai", "list").decode().split()
    annotated = listing[1::2]
    assert len(annotated) == 3
    for commit in annotated:
        body = git(repo, "notes", "--ref=ai", "show", commit).decode()
        attestation, separator, metadata = body.partition("\n---\n")
        assert separator and "  s_" in attestation
        data = json.loads(metadata)
        assert data["schema_version"] == "authorship/3.0.0"
        assert data["base_commit_sha"] == commit
        assert {s["agent_id"]["model"] for s in data["sessions"].values()} == {"claude-opus-4-6"}


@pytest.mark.parametrize(("message", "accepted"), [
    ("Fix a typo\n", True),
    ("Add X\n\nAssisted-by: Claude:claude-opus-4-6\n"
     "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n", True),
    ("Add X\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n", False),
    ("Add X\n\nCo-authored-by: Cursor <cursoragent@cursor.com>\nAssisted-by: Cursor\n", False),
])
def test_commit_msg_hook_enforces_the_trailer(scenario_repo: ScenarioRepo, tmp_path: Path,
                                              message: str, accepted: bool) -> None:
    repo = scenario_repo("high-maturity")
    message_file = tmp_path / "COMMIT_EDITMSG"
    message_file.write_text(message)
    result = subprocess.run(["sh", str(repo / "scripts/check-ai-trailer.sh"),
                             str(message_file)], check=False, capture_output=True)
    assert (result.returncode == 0) is accepted


def test_commit_msg_hook_accepts_the_repositorys_own_history(scenario_repo: ScenarioRepo,
                                                             tmp_path: Path) -> None:
    repo = scenario_repo("high-maturity")
    assert b"100755 blob" in git(repo, "ls-tree", "HEAD", "scripts/check-ai-trailer.sh")
    message_file = tmp_path / "COMMIT_EDITMSG"
    for sha in git(repo, "rev-list", "HEAD").decode().split():
        message_file.write_bytes(git(repo, "log", "-1", "--format=%B", sha))
        subprocess.run(["sh", str(repo / "scripts/check-ai-trailer.sh"), str(message_file)],
                       check=True)


# ------------------------------------------------------------------ hostile


@pytest.mark.parametrize(("path", "message"), [
    (".pre-commit-config.yaml", "invalid YAML"),
    (".github/workflows/bomb.yml", "aliases"),
    (".github/workflows/deep.yml", "deeper than"),
    (".github/workflows/bad-date.yml", None),
])
def test_hostile_yaml_is_refused(scenario_repo: ScenarioRepo, path: str,
                                 message: str | None) -> None:
    with pytest.raises(ValueError, match=message):
        load_yaml(blob(scenario_repo("hostile"), path))


def test_hostile_bomb_is_valid_yaml_that_expands(scenario_repo: ScenarioRepo) -> None:
    # Unguarded PyYAML loads it (shared references); walking it would not finish.
    data = yaml.safe_load(blob(scenario_repo("hostile"), ".github/workflows/bomb.yml"))
    level: object = data["i"]
    for _ in range(9):
        assert isinstance(level, list) and len(level) == 9
        level = level[0]
    assert level == "lol"


def test_hostile_ok_workflow_still_reads(scenario_repo: ScenarioRepo) -> None:
    workflow = load_yaml(blob(scenario_repo("hostile"), ".github/workflows/ok.yml"))
    assert "pull_request" in workflow["on"]
    assert "gitleaks" in workflow["jobs"]["secrets"]["steps"][1]["run"]


def _json_fails(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return True
    return False


def _utf8_fails(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@pytest.mark.parametrize(("path", "check"), [
    (".gitlab-ci.yml", lambda d: d.startswith(b"\x89PNG\r\n\x1a\n") and b"\0" in d),
    (".mcp.json", lambda d: b"\0" in d and _json_fails(d)),
    (".claude/settings.json", lambda d: not _utf8_fails(d) and _json_fails(d)),
    ("CONTRIBUTING.md", lambda d: _utf8_fails(d) and b"g\xe9n\xe9r\xe9" in d),
    ("AGENTS.md", lambda d: 2_900_000 < len(d) < 3_300_000 and len(d) > TEXT_LIMIT),
    ("config/settings.py", lambda d: PLANTED_TOKEN.encode() in d),
    ("docs/Résumé notes – 2026 ☃.md", lambda d: d.startswith(b"# R\xc3\xa9sum\xc3\xa9")),
])
def test_hostile_file_has_the_claimed_content(scenario_repo: ScenarioRepo, path: str,
                                              check: Callable[[bytes], bool]) -> None:
    assert check(blob(scenario_repo("hostile"), path))


@pytest.mark.parametrize(("path", "target"), [
    (".github/CODEOWNERS", b"../../../../etc/passwd"),
    ("docs/evil", b"/etc/shadow"),
])
def test_hostile_symlinks_point_outside(scenario_repo: ScenarioRepo, path: str,
                                        target: bytes) -> None:
    repo = scenario_repo("hostile")
    mode, kind, sha = git(repo, "ls-tree", "HEAD", path).split(b"\t")[0].split()
    assert (mode, kind) == (b"120000", b"blob")
    assert git(repo, "cat-file", "blob", sha.decode()) == target


@pytest.mark.parametrize(("subject_start", "raw_bytes"), [
    (b"Corrige l'analyseur", b"caf\xe9s\n\nD\xe9tails"),
    (b"Update docs ", b"\x1b[31mRED ALERT\x1b[0m <script>alert(1)</script>"),
])
def test_hostile_commit_message_bytes_are_stored_raw(scenario_repo: ScenarioRepo,
                                                      subject_start: bytes,
                                                      raw_bytes: bytes) -> None:
    repo = scenario_repo("hostile")
    for sha in git(repo, "rev-list", "HEAD").decode().split():
        raw = git(repo, "cat-file", "commit", sha)
        header, _, message = raw.partition(b"\n\n")
        if message.startswith(subject_start):
            assert raw_bytes in message
            assert b"\nencoding " not in header
            return
    pytest.fail(f"no commit starting with {subject_start!r}")


def test_hostile_non_utf8_message_is_not_utf8(scenario_repo: ScenarioRepo) -> None:
    raw = git(scenario_repo("hostile"), "log", "--format=%B", "--grep=Corrige")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_hostile_remote_holds_the_planted_token(scenario_repo: ScenarioRepo) -> None:
    url = git(scenario_repo("hostile"), "config", "--get", "remote.origin.url").decode().strip()
    assert url == f"https://x-access-token:{PLANTED_TOKEN}@github.com/acme/hostile.git"
    assert PLANTED_TOKEN not in (REPOS / "hostile.sh").read_text(encoding="utf-8")


# ------------------------------------------------------------------ attestations


def test_high_maturity_attestations() -> None:
    data = load_yaml((ATTESTATIONS / "high-maturity.yaml").read_bytes())
    entries = {e["id"]: e for e in data["attestations"]}
    assert data["version"] == 1
    assert set(entries) == {"S4-Q4", "S5-Q2", "S2-Q4", "GDA-5a", "S1-Q4", "S1-Q5"}
    assert {i for i, e in entries.items() if e["answer"] == "no"} == {"S1-Q4"}
    stale = {i for i, e in entries.items() if (AS_OF - e["date"]).days > 90}
    assert stale == {"S5-Q2"}
    assert all(e["owner"] and e["evidence"].startswith("https://") for e in entries.values())


@pytest.mark.parametrize(("attestation_id", "as_described"), [
    ("S4-Q4", lambda e: {"owner", "date", "evidence"} <= e.keys() and isinstance(e["date"], date)),
    ("S2-Q4", lambda e: "owner" not in e),
    ("S5-Q2", lambda e: not isinstance(e["date"], date)),
    ("XYZ-9", lambda e: True),  # an id that is neither a question nor an indicator
    ("GDA-5a", lambda e: e["answer"] not in ("yes", "no")),
])
def test_invalid_attestations_have_one_defect_each(
        attestation_id: str, as_described: Callable[[dict[str, object]], bool]) -> None:
    # The first entry is valid; every other entry has exactly the defect its row names.
    entries = load_yaml((ATTESTATIONS / "invalid.yaml").read_bytes())["attestations"]
    entry = next(e for e in entries if e["id"] == attestation_id)
    assert as_described(entry)
    assert len(entries) == 5

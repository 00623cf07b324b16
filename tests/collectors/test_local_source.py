"""The local git source on the repository shapes people actually have."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import git
import pytest

from collectors.sources.base import SourceError, Unreadable
from collectors.sources.local import LocalSource, parse_log_record, sanitise_url
from tests.conftest import RepoBuilder, pinned_git_env

WINDOW = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def three_commits(repo: RepoBuilder) -> RepoBuilder:
    repo.write("README.md", "hello\n").commit("first")
    repo.write("src/app.py", "print(1)\n").commit("second\n\nAssisted-by: Claude:opus")
    repo.write("src/app.py", "print(2)\n").commit("third")
    return repo


def test_reads_tree_files_and_history(repo: RepoBuilder) -> None:
    three_commits(repo)
    source = LocalSource(repo.path)
    info = source.info()
    assert info.repo_id == "local:repo" and info.branch == "main" and not info.empty
    assert [e.path for e in source.tree()] == ["README.md", "src/app.py"]
    data, blob = source.read("src/app.py", 1000)
    assert data == b"print(2)\n"
    assert blob == repo.git("rev-parse", "HEAD:src/app.py").strip()
    commits = list(source.commits(*WINDOW))
    assert [c.message.splitlines()[0] for c in commits] == ["third", "second", "first"]
    assert commits[1].trailers == (("Assisted-by", "Claude:opus"),)
    assert commits[0].author_email == "author@example.com" and commits[0].parents == 1


def test_reads_committed_content_not_the_working_tree(repo: RepoBuilder) -> None:
    three_commits(repo)
    (repo.path / "src/app.py").write_text("uncommitted\n")
    assert LocalSource(repo.path).read("src/app.py", 1000)[0] == b"print(2)\n"


def test_window_excludes_older_commits(repo: RepoBuilder) -> None:
    repo.write("a", "1").commit("old", when=datetime(2024, 1, 1, tzinfo=UTC))
    repo.write("a", "2").commit("new", when=datetime(2026, 6, 1, tzinfo=UTC))
    commits = list(LocalSource(repo.path).commits(*WINDOW))
    assert [c.message.strip() for c in commits] == ["new"]


def test_empty_repository_has_no_tree_and_no_history(repo: RepoBuilder) -> None:
    source = LocalSource(repo.path)
    assert source.info().empty and source.info().head is None
    assert source.tree() == ()
    assert list(source.commits(*WINDOW)) == []
    assert source.last_change("x") is None


def test_bare_clone_reads_like_the_original(repo: RepoBuilder, tmp_path: Path) -> None:
    three_commits(repo)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True,
                   env=repo.env)
    source = LocalSource(bare)
    assert source.info().bare and source.info().repo_id == "local:bare"
    assert source.read("README.md", 100)[0] == b"hello\n"
    assert len(list(source.commits(*WINDOW))) == 3


def test_shallow_clone_is_reported(repo: RepoBuilder, tmp_path: Path) -> None:
    three_commits(repo)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow)],
                   check=True, env=repo.env)
    source = LocalSource(shallow)
    assert source.info().shallow
    assert len(list(source.commits(*WINDOW))) == 1


def test_linked_worktree_is_detected(repo: RepoBuilder, tmp_path: Path) -> None:
    three_commits(repo)
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked), "-b", "side")
    source = LocalSource(linked)
    assert source.info().worktree and source.info().branch == "side"
    assert source.read("README.md", 100)[0] == b"hello\n"


@pytest.mark.parametrize(
    ("link", "target", "message"),
    [
        ("escape", "../../etc/passwd", "outside the repository"),
        ("absolute", "/etc/passwd", "outside the repository"),
        ("dangling", "missing.txt", "not in the HEAD tree"),
    ],
)
def test_symlinks_never_leave_the_repository(repo: RepoBuilder, link: str, target: str,
                                             message: str) -> None:
    repo.write("inside.txt", "ok\n").symlink(link, target).commit("links")
    with pytest.raises(Unreadable, match=message):
        LocalSource(repo.path).read(link, 1000)


def test_symlink_inside_the_repository_is_followed(repo: RepoBuilder) -> None:
    repo.write("docs/real.md", "ok\n").symlink("CODEOWNERS", "docs/real.md").commit("link")
    assert LocalSource(repo.path).read("CODEOWNERS", 1000) == (
        b"ok\n", repo.git("rev-parse", "HEAD:docs/real.md").strip())


def test_size_limit_is_checked_before_reading(repo: RepoBuilder) -> None:
    repo.write("big.txt", "x" * 5000).commit("big")
    with pytest.raises(Unreadable, match="5,000 bytes, over the 1,000-byte limit"):
        LocalSource(repo.path).read("big.txt", 1000)


def test_non_utf8_commit_message_is_decoded_with_replacement(repo: RepoBuilder,
                                                             tmp_path: Path) -> None:
    message = tmp_path / "msg"
    message.write_bytes(b"caf\xe9 \xff\xfe\n\nCo-authored-by: X <x@example.com>\n")
    repo.write("a", "1")
    repo.git("add", "-A")
    repo.git("-c", "i18n.commitEncoding=binary", "commit", "-q", "-F", str(message))
    (commit,) = LocalSource(repo.path).commits(datetime(2000, 1, 1, tzinfo=UTC),
                                               datetime.now(UTC) + timedelta(days=1))
    assert commit.message.startswith("caf") and "\ufffd" in commit.message


def test_not_a_repository_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a git repository"):
        LocalSource(tmp_path)
    with pytest.raises(SourceError, match="no such file"):
        LocalSource(tmp_path / "missing")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x-access-token:ghp_secret@github.com/a/b.git", "https://github.com/a/b.git"),
        ("https://user@gitlab.example.com:8443/g/p", "https://gitlab.example.com:8443/g/p"),
        ("git@github.com:a/b.git", "git@github.com:a/b.git"),
        ("https://github.com/a/b", "https://github.com/a/b"),
        (None, None),
    ],
)
def test_remote_urls_lose_their_credentials(url: str | None, expected: str | None) -> None:
    assert sanitise_url(url) == expected


@pytest.mark.parametrize(
    "record",
    [b"", b"abc\x00def", b"a\x00b\x00c\x00d\x00e\x00f\x00notanumber\x001\x00N\x00\x00msg"],
)
def test_malformed_log_records_are_skipped(record: bytes) -> None:
    assert parse_log_record(record) is None


def test_a_failing_git_log_raises_instead_of_looking_short(repo: RepoBuilder) -> None:
    first = repo.write("a", "1").commit("one")
    repo.write("a", "2").commit("two")
    (repo.path / ".git" / "objects" / first[:2] / first[2:]).unlink()
    source = LocalSource(repo.path)
    with pytest.raises(git.GitCommandError, match=first):
        list(source.commits(*WINDOW))


def test_signature_states_of_ssh_signed_commits(repo: RepoBuilder, tmp_path: Path) -> None:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dev", "-f", str(key)],
                   check=True)
    allowed = tmp_path / "allowed"
    allowed.write_text("author@example.com " + (tmp_path / "key.pub").read_text())
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingkey", str(key))
    repo.git("config", "gpg.ssh.allowedSignersFile", str(allowed))
    repo.write("a", "1").commit("unsigned")
    repo.write("a", "2")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-S", "-m", "signed")
    states = LocalSource(repo.path).signature_states(datetime(2000, 1, 1, tzinfo=UTC),
                                                     datetime(2100, 1, 1, tzinfo=UTC), 10)
    assert states == "GN"
    assert LocalSource(repo.path).signature_states(*WINDOW, 1) == "G"


def test_blame_names_the_commit_that_wrote_each_line(repo: RepoBuilder) -> None:
    first = repo.write("src/app.py", "a = 1\nb = 2\n").commit("first")
    second = repo.write("src/app.py", "a = 1\nb = 3\nc = 4\n").commit(
        "second\n\nCo-authored-by: Claude <noreply@anthropic.com>")
    source = LocalSource(repo.path)
    assert source.blame("src/app.py", [1, 2, 3, 2]) == {1: first, 2: second, 3: second}
    records = source.commits_by_sha([second, first])
    assert set(records) == {first, second}
    assert records[second].trailers == (("Co-authored-by", "Claude <noreply@anthropic.com>"),)


@pytest.mark.parametrize(("path", "lines"), [
    ("src/app.py", [99]),      # beyond the end of the file: git refuses the whole range
    ("missing.py", [1]),       # not in HEAD
    ("src/app.py", [0, -1]),   # not line numbers
])
def test_blame_leaves_out_what_it_cannot_answer(repo: RepoBuilder, path: str,
                                                lines: list[int]) -> None:
    repo.write("src/app.py", "a = 1\n").commit("first")
    assert LocalSource(repo.path).blame(path, lines) == {}


def test_blame_beyond_a_shallow_boundary_is_untraced(repo: RepoBuilder, tmp_path: Path) -> None:
    three_commits(repo)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow)],
                   check=True, env=repo.env)
    source = LocalSource(shallow)
    # The only commit of the clone is its boundary: it did not necessarily write the line.
    assert source.blame("README.md", [1]) == {1: None}
    assert source.commits_by_sha(["0" * 40]) == {}


def test_a_path_git_would_read_expanded_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GitPython runs git in os.path.expandvars(path): '/x/$AIMS_DECOY' with AIMS_DECOY set
    # would be read as another repository than the one the auditor named.
    env = pinned_git_env(tmp_path)
    named, decoy = tmp_path / "$AIMS_DECOY", tmp_path / "decoy"
    for path, message in ((named, "the named one"), (decoy, "the decoy")):
        path.mkdir()
        builder = RepoBuilder(path=path, env=env)
        builder.git("init", "-q", "-b", "main")
        builder.write("README.md", f"{message}\n").commit(message)
    monkeypatch.setenv("AIMS_DECOY", "decoy")
    with pytest.raises(SourceError, match="environment variable reference"):
        LocalSource(named)
    monkeypatch.delenv("AIMS_DECOY")  # nothing to expand: read as named
    commits = list(LocalSource(named).commits(*WINDOW))
    assert [c.message.strip() for c in commits] == ["the named one"]

"""The clone cache over real git repositories served through ``file://`` and loopback HTTP."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from collectors.sources.clone_cache import CloneCache, CloneError, GitAuth
from collectors.sources.local import LocalSource
from tests.conftest import AS_OF, RepoBuilder

SINCE = datetime(2026, 3, 1, tzinfo=UTC)
TOKEN = "ghp_PLANTEDsecretTOKEN0123456789abcdef"  # nosemgrep: hardcoded-credential-python
ID = "github.com/acme/api"


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The cache's own git processes ignore the user's configuration too."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")


@dataclass
class Upstream:
    """A source repository with history, pushed to a bare origin that serves partial clones."""

    source: RepoBuilder
    origin: Path

    @property
    def url(self) -> str:
        return f"file://{self.origin}"

    def push(self, *refspecs: str) -> None:
        self.source.git("push", "-q", "--force", str(self.origin), *refspecs)

    def head(self) -> str:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.origin, check=True,
                              capture_output=True, text=True).stdout.strip()


def git_in(path: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=path, check=True, capture_output=True,
                          text=True).stdout


def serve_origin(source: RepoBuilder, tmp_path: Path) -> Upstream:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(source.path), str(origin)],
                   env=source.env, check=True)
    git_in(origin, "config", "uploadpack.allowFilter", "true")
    git_in(origin, "config", "uploadpack.allowAnySHA1InWant", "true")
    return Upstream(source, origin)


@pytest.fixture
def upstream(repo: RepoBuilder, tmp_path: Path) -> Upstream:
    """Two commits before the window, three inside it, files in folders and a symlink."""
    repo.write("README.md", "old\n").commit("ancient", when=datetime(2025, 1, 10, tzinfo=UTC))
    repo.write("src/a.py", "a = 1\n").commit("old", when=datetime(2025, 12, 1, tzinfo=UTC))
    repo.write("README.md", "hello\n").symlink("docs/readme", "../README.md")
    repo.commit("in window 1", when=datetime(2026, 3, 5, tzinfo=UTC))
    repo.write("src/b.py", "b = 2\n").commit("in window 2\n\nAssisted-by: Claude",
                                             when=datetime(2026, 5, 1, tzinfo=UTC))
    repo.write("src/a.py", "a = 3\n").commit("in window 3", when=datetime(2026, 7, 1, tzinfo=UTC))
    return serve_origin(repo, tmp_path)


def missing_objects(path: Path) -> list[str]:
    out = git_in(path, "rev-list", "--objects", "--missing=print", "HEAD")
    return [line[1:] for line in out.splitlines() if line.startswith("?")]


def fetches_traced(trace: Path) -> int:
    if not trace.exists():
        return 0
    return trace.read_text().count("built-in: git fetch")


# ---------------------------------------------------------------------- first sync


def test_first_sync_clones_blobless_and_reads_like_the_source(
        upstream: Upstream, tmp_path: Path) -> None:
    result = CloneCache(tmp_path / "cache").sync(ID, upstream.url, "main", SINCE, None)
    assert result.fetched and result.head == upstream.head()
    assert result.path == (tmp_path / "cache" / "clones" / "v2"
                           / "github-com-acme-api-e1dcaa3496b93562cbcd84eaed8b8e3e.git")
    assert git_in(result.path, "config", "remote.origin.promisor").strip() == "true"
    assert missing_objects(result.path), "a blobless clone holds no blob until one is read"

    clone = LocalSource(result.path, repo_id=ID, origin="https://github.com/acme/api")
    original = LocalSource(upstream.source.path)
    info = clone.info()
    assert (info.repo_id, info.origin, info.branch) == (ID, "https://github.com/acme/api", "main")
    assert info.bare and info.shallow and info.head == original.info().head
    assert clone.tree() == original.tree()
    for entry in original.tree():
        assert clone.read(entry.path, 10_000) == original.read(entry.path, 10_000)
    assert list(clone.commits(SINCE, AS_OF)) == list(original.commits(SINCE, AS_OF))
    assert [c.message.strip() for c in clone.commits(SINCE, AS_OF)] == [
        "in window 3", "in window 2\n\nAssisted-by: Claude", "in window 1"]
    # The window's three commits and the parent of the oldest (so it is no graft), no more.
    assert git_in(result.path, "rev-list", "--count", "HEAD").strip() == "4"
    assert clone.last_change("src/b.py") == original.last_change("src/b.py")


def test_state_file_records_branch_window_and_head(upstream: Upstream, tmp_path: Path) -> None:
    result = CloneCache(tmp_path / "cache").sync(ID, upstream.url, "main", SINCE, None)
    state = json.loads(result.path.with_name(result.path.name + ".json").read_text())
    assert state["branch"] == "main" and state["head"] == result.head
    assert state["since"] < SINCE.timestamp()  # the margin reaches a few days further back


# ---------------------------------------------------------------------- later syncs


def test_unchanged_head_does_not_touch_the_network(upstream: Upstream, tmp_path: Path) -> None:
    cache = CloneCache(tmp_path / "cache")
    first = cache.sync(ID, upstream.url, "main", SINCE, None)
    upstream.origin.rename(tmp_path / "gone.git")
    again = cache.sync(ID, upstream.url, "main", SINCE, first.head)
    assert (again.head, again.fetched, again.path) == (first.head, False, first.path)
    # Without an expected HEAD the cache must ask the remote, which is now gone.
    with pytest.raises(CloneError, match="fetch failed"):
        cache.sync(ID, upstream.url, "main", SINCE, None)


def test_new_commit_upstream_is_fetched_incrementally(upstream: Upstream,
                                                      tmp_path: Path) -> None:
    cache = CloneCache(tmp_path / "cache")
    first = cache.sync(ID, upstream.url, "main", SINCE, None)
    shallow_before = (first.path / "shallow").read_text()
    new = upstream.source.write("src/c.py", "c\n").commit(
        "in window 4", when=datetime(2026, 8, 1, tzinfo=UTC))
    upstream.push("main")
    result = cache.sync(ID, upstream.url, "main", SINCE, new)
    assert (result.head, result.fetched) == (new, True)
    assert (first.path / "shallow").read_text() == shallow_before  # not re-cloned, no deepen
    clone = LocalSource(result.path)
    assert clone.read("src/c.py", 100)[0] == b"c\n"
    assert next(c.sha for c in clone.commits(SINCE, AS_OF)) == new


def test_reported_head_is_the_real_one_when_expectation_is_stale(
        upstream: Upstream, tmp_path: Path) -> None:
    cache = CloneCache(tmp_path / "cache")
    first = cache.sync(ID, upstream.url, "main", SINCE, None)
    result = cache.sync(ID, upstream.url, "main", SINCE, "0" * 40)
    assert result.fetched and result.head == first.head


@pytest.mark.parametrize(("rewrite", "fetched"), [
    (False, False),  # renamed only: same commit, the local refs move without the network
    (True, True),    # renamed and force-pushed with a rewritten commit
])
def test_renamed_default_branch(upstream: Upstream, tmp_path: Path, rewrite: bool,
                                fetched: bool) -> None:
    cache = CloneCache(tmp_path / "cache")
    first = cache.sync(ID, upstream.url, "main", SINCE, None)
    if rewrite:
        upstream.source.write("src/a.py", "a = 4\n").git("commit", "-qa", "--amend", "-m",
                                                         "rewritten")
    upstream.source.git("branch", "-m", "main", "trunk")
    upstream.push("trunk")
    git_in(upstream.origin, "symbolic-ref", "HEAD", "refs/heads/trunk")
    git_in(upstream.origin, "branch", "-D", "main")
    head = upstream.head()
    assert (head != first.head) == rewrite

    result = cache.sync(ID, upstream.url, "trunk", SINCE, head)
    assert (result.head, result.fetched) == (head, fetched)
    clone = LocalSource(result.path)
    assert clone.info().branch == "trunk" and clone.info().head == head
    assert git_in(result.path, "for-each-ref", "--format=%(refname)", "refs/heads").split() == [
        "refs/heads/trunk"]
    assert clone.read("src/a.py", 100)[0] == (b"a = 4\n" if rewrite else b"a = 3\n")
    assert cache.sync(ID, upstream.url, "trunk", SINCE, head).fetched is False


def test_window_starting_earlier_deepens_the_clone(upstream: Upstream, tmp_path: Path) -> None:
    cache = CloneCache(tmp_path / "cache")
    first = cache.sync(ID, upstream.url, "main", datetime(2026, 6, 1, tzinfo=UTC), None)
    assert git_in(first.path, "rev-list", "--count", "HEAD").strip() == "2"
    deeper = cache.sync(ID, upstream.url, "main", datetime(2025, 11, 1, tzinfo=UTC), first.head)
    assert deeper.fetched and deeper.head == first.head
    assert git_in(first.path, "rev-list", "--count", "HEAD").strip() == "5"
    # A later window start is already covered: no network.
    assert not cache.sync(ID, upstream.url, "main", SINCE, first.head).fetched


@pytest.mark.parametrize(("dates", "shallow", "in_window"), [
    # Dormant: git selects no commit since the window start; the HEAD alone carries the files.
    (((2024, 1, 1), (2024, 2, 1)), True, 0),
    # Young: every commit is in the window, and git 2.39 also selects "no commits"; the
    # whole history is fetched.
    (((2026, 4, 1), (2026, 5, 1), (2026, 6, 1)), False, 3),
])
def test_windows_git_cannot_cut(repo: RepoBuilder, tmp_path: Path,
                                dates: tuple[tuple[int, int, int], ...], shallow: bool,
                                in_window: int) -> None:
    for number, day in enumerate(dates):
        head = repo.write("a.txt", f"{number}\n").commit(f"c{number}",
                                                         when=datetime(*day, tzinfo=UTC))
    upstream = serve_origin(repo, tmp_path)
    cache = CloneCache(tmp_path / "cache")
    result = cache.sync(ID, upstream.url, "main", SINCE, None)
    assert result.head == head
    clone, original = LocalSource(result.path), LocalSource(repo.path)
    assert clone.info().shallow == shallow
    assert clone.read("a.txt", 10) == original.read("a.txt", 10)
    assert list(clone.commits(SINCE, AS_OF)) == list(original.commits(SINCE, AS_OF))
    assert len(list(clone.commits(SINCE, AS_OF))) == in_window
    # Asking for an earlier window does not fail either.
    assert cache.sync(ID, upstream.url, "main", datetime(2025, 1, 1, tzinfo=UTC), head).head == head


def test_empty_repository_needs_no_network(tmp_path: Path, repo: RepoBuilder) -> None:
    cache = CloneCache(tmp_path / "cache")
    result = cache.sync(ID, "file:///nowhere/at/all.git", None, SINCE, None)
    assert (result.head, result.fetched) == (None, False)
    assert LocalSource(result.path).info().empty
    assert cache.sync(ID, "file:///nowhere/at/all.git", None, SINCE, None).fetched is False
    # The first push arrives later: the empty repository becomes a clone.
    head = repo.write("x", "1\n").commit("first", when=datetime(2026, 4, 1, tzinfo=UTC))
    upstream = serve_origin(repo, tmp_path)
    grown = cache.sync(ID, upstream.url, "main", SINCE, head)
    assert (grown.head, grown.fetched) == (head, True)
    assert LocalSource(grown.path).read("x", 10)[0] == b"1\n"


# ---------------------------------------------------------------------- failures


class _Refuse(BaseHTTPRequestHandler):
    """Answers every request with 401 and remembers the Authorization headers it saw."""

    seen: list[str | None]

    def do_GET(self) -> None:
        self.server.seen.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="fake"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Silence the request log."""


@pytest.fixture
def refusing_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("scoped", "header_sent"), [(True, True), (False, False)])
def test_token_travels_only_in_a_scoped_header(
        refusing_server: ThreadingHTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        scoped: bool, header_sent: bool) -> None:
    base = f"http://127.0.0.1:{refusing_server.server_port}/"
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    prefix = base if scoped else "https://github.com/"
    cache = CloneCache(tmp_path / "cache", auth=GitAuth(url_prefix=prefix, token=TOKEN))
    with pytest.raises(CloneError) as caught:
        cache.sync(ID, base + "acme/api.git", "main", SINCE, None)
    message = str(caught.value)
    assert message.startswith(f"{ID}: clone failed: fatal:")
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    seen = refusing_server.seen  # type: ignore[attr-defined]
    assert seen and seen[0] == (f"Basic {basic}" if header_sent else None)
    # Neither the token nor its encoding is in the message, a command line or the cache.
    stored = "".join(p.read_text(errors="replace") for p in (tmp_path / "cache").rglob("*")
                     if p.is_file())
    for text in (message, trace.read_text(), stored):
        assert TOKEN not in text and basic not in text
    assert TOKEN not in repr(GitAuth(url_prefix=prefix, token=TOKEN))


@pytest.mark.parametrize(("url", "expected"), [
    ("http://127.0.0.1:1/acme/api.git", "Failed to connect"),
    ("file:///nonexistent/origin.git", "does not appear to be a git repository"),
    ("http://user:hunter2@127.0.0.1:1/acme/api.git", "credentials belong in GitAuth"),
])
def test_unreachable_origin_raises_a_clean_clone_error(tmp_path: Path, url: str,
                                                       expected: str) -> None:
    cache = CloneCache(tmp_path / "cache",
                       auth=GitAuth(url_prefix="http://127.0.0.1:1/", token=TOKEN))
    with pytest.raises(CloneError, match=expected) as caught:
        cache.sync(ID, url, "main", SINCE, None)
    assert TOKEN not in str(caught.value) and "hunter2" not in str(caught.value)
    assert not cache.path_for(ID).exists()
    assert not list((tmp_path / "cache").rglob("*.partial"))


def test_directory_that_is_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(CloneError, match=r"clone failed: fatal: .*not.* a git repository"):
        CloneCache(tmp_path / "cache").sync(ID, f"file://{plain}", "main", SINCE, None)


@pytest.mark.parametrize("branch", ["bad:name", "a..b", "with space", "x~1", "x.lock"])
def test_invalid_branch_names_are_refused(upstream: Upstream, tmp_path: Path,
                                          branch: str) -> None:
    with pytest.raises(CloneError, match="not a valid branch name"):
        CloneCache(tmp_path / "cache").sync(ID, upstream.url, branch, SINCE, None)


def _delete_objects(path: Path) -> None:
    shutil.rmtree(path / "objects")


def _garbage_head(path: Path) -> None:
    (path / "HEAD").write_text("garbage\n")


def _empty_pack_dir(path: Path) -> None:
    for pack in (path / "objects" / "pack").iterdir():
        pack.unlink()


def _garbage_state(path: Path) -> None:
    path.with_name(path.name + ".json").write_text("{not json")


def _replaced_by_file(path: Path) -> None:
    shutil.rmtree(path)
    path.write_text("garbage")


@pytest.mark.parametrize("damage", [_delete_objects, _garbage_head, _empty_pack_dir,
                                    _garbage_state, _replaced_by_file])
def test_corrupt_clone_is_cloned_again(upstream: Upstream, tmp_path: Path, damage: object) -> None:
    cache = CloneCache(tmp_path / "cache")
    first = cache.sync(ID, upstream.url, "main", SINCE, None)
    damage(first.path)  # type: ignore[operator]
    again = cache.sync(ID, upstream.url, "main", SINCE, first.head)
    assert (again.head, again.fetched) == (first.head, True)
    assert LocalSource(again.path).read("src/b.py", 100)[0] == b"b = 2\n"


# ---------------------------------------------------------------------- blobs


def test_prefetch_fetches_missing_blobs_in_one_round_trip(
        upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = CloneCache(tmp_path / "cache")
    path = cache.sync(ID, upstream.url, "main", SINCE, None).path
    blobs = [line.split()[2] for line in git_in(path, "ls-tree", "-r", "HEAD").splitlines()]
    assert set(blobs) <= set(missing_objects(path))
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    cache.prefetch(path, blobs)
    assert fetches_traced(trace) == 1
    assert not set(blobs) & set(missing_objects(path))
    cache.prefetch(path, blobs)  # all present now: no fetch at all
    assert fetches_traced(trace) == 1
    # The files are now read without the remote.
    monkeypatch.delenv("GIT_TRACE")
    upstream.origin.rename(tmp_path / "gone.git")
    clone = LocalSource(path)
    assert [clone.read(e.path, 100)[0] for e in clone.tree()] == [
        b"hello\n", b"hello\n", b"a = 3\n", b"b = 2\n"]


def test_prefetch_of_an_unknown_object_fails_cleanly(upstream: Upstream,
                                                     tmp_path: Path) -> None:
    cache = CloneCache(tmp_path / "cache")
    path = cache.sync(ID, upstream.url, "main", SINCE, None).path
    with pytest.raises(CloneError, match=r"prefetch failed: fatal: .*not our ref"):
        cache.prefetch(path, ["0123456789abcdef0123456789abcdef01234567"])


def test_tree_without_prefetch_fetches_each_blob_lazily(
        upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the caller prefetches: ``ls-tree --long`` needs every size, one fetch per blob."""
    path = CloneCache(tmp_path / "cache").sync(ID, upstream.url, "main", SINCE, None).path
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    assert len(LocalSource(path).tree()) == 4
    assert fetches_traced(trace) == 4  # one round trip per blob


# ---------------------------------------------------------------------- threads


def test_threads_sync_many_repositories_and_never_one_twice_at_once(
        upstream: Upstream, tmp_path: Path) -> None:
    cache = CloneCache(tmp_path / "cache")
    ids = [f"github.com/acme/r{i % 4}" for i in range(12)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(
            lambda rid: cache.sync(rid, upstream.url, "main", SINCE, upstream.head()), ids))
    assert {r.head for r in results} == {upstream.head()}
    assert sum(r.fetched for r in results) == 4  # one clone per repository, the rest reuse it
    assert len(list((tmp_path / "cache" / "clones" / "v2").glob("*.git"))) == 4

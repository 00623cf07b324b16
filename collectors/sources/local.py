"""Reading a local git repository: HEAD tree, file contents, history window, provenance refs.

Everything is read from git's object store through GitPython (never from the working tree),
so bare repositories, linked worktrees and uncommitted local edits behave alike and a
symlink is only ever resolved inside the HEAD tree. The history window is streamed from a
single ``git log`` process and parsed record by record; nothing builds a Python object per
commit beyond the small :class:`CommitRecord`. Nothing here fetches from a network remote.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import git

from collectors.sources.base import CommitRecord, RepoInfo, SourceError, TreeEntry, Unreadable

#: One record per commit; fields separated by NUL, record closed by NUL + RS. Commit
#: messages cannot contain NUL, so the terminator cannot occur inside a record.
_FIELDS = ("%H", "%P", "%an", "%ae", "%cn", "%ce", "%at", "%ct",
           "%(trailers:unfold,separator=%x1f)", "%B")
LOG_FORMAT = "%x00".join(_FIELDS) + "%x00%x1e"
_TERMINATOR = b"\x00\x1e\n"
_CHUNK = 1 << 20
_MAX_SYMLINK_HOPS = 8
#: A porcelain blame group header: commit, original line, final line[, lines in group].
_BLAME_HEADER = re.compile(r"^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$", re.M)


def sanitise_url(url: str | None) -> str | None:
    """Remove user name and password from a remote URL (tokens live there)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme and parts.hostname and (parts.username or parts.password):
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


class LocalSource:
    """A :class:`~collectors.sources.base.Source` over a repository on disk."""

    def __init__(self, path: str | os.PathLike[str], *, repo_id: str | None = None,
                 origin: str | None = None) -> None:
        """Open the repository at ``path``; ``repo_id``/``origin`` override what it reports.

        The overrides let a cached clone of a platform repository report the platform's
        identity (``github.com/acme/api``) instead of ``local:<directory name>``.
        """
        target = Path(path).expanduser()
        if not target.exists():
            raise SourceError(f"{target}: no such file or directory")
        if os.path.expandvars(target) != str(target):
            # GitPython runs git in os.path.expandvars(path) whatever it is told: this path
            # would be read as another directory than the one named.
            raise SourceError(f"{target}: the path holds an environment variable reference "
                              "($NAME) that git would be run in expanded; open it through a "
                              "path without one (a symbolic link, or a renamed directory)")
        try:
            self._repo = git.Repo(target, search_parent_directories=True, expand_vars=False)
        except git.InvalidGitRepositoryError:
            raise SourceError(f"{target}: not a git repository") from None
        except git.GitCommandError as exc:  # e.g. "detected dubious ownership"
            raise SourceError(f"{target}: git refused to open it: {_stderr(exc)}") from None
        self._git = self._repo.git
        self._tree: tuple[TreeEntry, ...] | None = None
        self._by_path: dict[str, TreeEntry] = {}
        self._info = self._describe(repo_id, origin)

    # ------------------------------------------------------------------ identity

    def _describe(self, repo_id: str | None, origin_url: str | None) -> RepoInfo:
        repo = self._repo
        head = self._rev_parse("HEAD^{commit}")
        root = Path(repo.git_dir if repo.bare else (repo.working_tree_dir or repo.git_dir))
        name = root.name[:-4] if repo.bare and root.name.endswith(".git") else root.name
        try:
            branch: str | None = self._git.symbolic_ref("-q", "--short", "HEAD")
        except git.GitCommandError:
            branch = None
        shallow = self._git.rev_parse("--is-shallow-repository").strip() == "true"
        common = Path(getattr(repo, "common_dir", repo.git_dir)).resolve()
        shallow_file = common / "shallow"  # shared by linked worktrees
        boundary = (frozenset(shallow_file.read_text(encoding="ascii").split())
                    if shallow and shallow_file.exists() else frozenset())
        origin = origin_url
        if origin is None:
            try:
                origin = self._git.config("--get", "remote.origin.url")
            except git.GitCommandError:
                origin = None
        return RepoInfo(
            repo_id=repo_id or f"local:{name}",
            path=str(root.resolve()),
            head=head,
            tree=self._rev_parse("HEAD^{tree}") if head else None,
            branch=branch or None,
            bare=repo.bare,
            shallow=shallow,
            shallow_boundary=boundary,
            worktree=Path(repo.git_dir).resolve() != common,
            origin=sanitise_url(origin),
        )

    def _rev_parse(self, rev: str) -> str | None:
        try:
            out: str = self._git.rev_parse("--verify", "-q", rev)
        except git.GitCommandError:
            return None
        return out.strip() or None

    def info(self) -> RepoInfo:
        """Identity and shape of the repository."""
        return self._info

    # ------------------------------------------------------------------ files

    def tree(self) -> Sequence[TreeEntry]:
        """Files of the HEAD tree sorted by path, read once with ``git ls-tree``."""
        if self._tree is None:
            entries: list[TreeEntry] = []
            if self._info.head:
                raw: str = self._git.ls_tree("-r", "-z", "--long", "--full-tree", "HEAD")
                for record in raw.split("\x00"):
                    if not record:
                        continue
                    meta, _, path = record.partition("\t")
                    # A name that is not UTF-8 arrives with surrogates, which nothing after
                    # this point can encode: keep it readable as backslash escapes.
                    path = path.encode("utf-8", "surrogateescape").decode("utf-8",
                                                                          "backslashreplace")
                    mode, _kind, blob, size = meta.split(maxsplit=3)
                    entries.append(TreeEntry(path=path, mode=mode, blob=blob,
                                             size=None if size.strip() == "-" else int(size)))
            entries.sort(key=lambda e: e.path)
            self._tree = tuple(entries)
            self._by_path = {e.path: e for e in entries}
        return self._tree

    def read(self, path: str, limit: int) -> tuple[bytes, str]:
        """Content and blob SHA of a HEAD file, following symlinks only inside the tree."""
        self.tree()
        current = path
        for _ in range(_MAX_SYMLINK_HOPS):
            entry = self._by_path.get(current)
            if entry is None:
                raise Unreadable(f"{current}: not in the HEAD tree")
            if entry.mode == "160000":
                raise Unreadable(f"{current}: a submodule, not a file")
            if not entry.is_symlink:
                if entry.size is not None and entry.size > limit:
                    raise Unreadable(
                        f"{current}: {entry.size:,} bytes, over the {limit:,}-byte limit")
                return self._blob(entry.blob), entry.blob
            target = self._blob(entry.blob).decode("utf-8", "replace")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
            if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                raise Unreadable(f"{current}: symlink pointing outside the repository")
            current = resolved
        raise Unreadable(f"{path}: more than {_MAX_SYMLINK_HOPS} symlink hops")

    def _blob(self, sha: str) -> bytes:
        _hexsha, _kind, _size, data = self._git.get_object_data(sha)
        return bytes(data)

    # ------------------------------------------------------------------ history

    def _log_args(self, since: datetime, until: datetime) -> list[str]:
        return [f"--since=@{int(since.timestamp())}", f"--until=@{int(until.timestamp())}",
                "--no-show-signature", "--encoding=UTF-8", "--no-color"]

    def history_command(self, since: datetime, until: datetime) -> str:
        """The command that lists the same window by hand."""
        return "git log " + " ".join(self._log_args(since, until)[:2]) + " HEAD"

    def commits(self, since: datetime, until: datetime) -> Iterator[CommitRecord]:
        """Stream the window's commits from one ``git log`` process, newest first."""
        if not self._info.head:
            return
        proc: Any = self._git.log(*self._log_args(since, until), f"--format={LOG_FORMAT}",
                                  "HEAD", as_process=True)
        stream = proc.proc.stdout
        _widen_pipe(stream)
        pending = b""
        finished = False
        try:
            while True:
                # read1: take what git has written so far instead of waiting for a full
                # chunk, so parsing here overlaps with git producing the next records.
                chunk = stream.read1(_CHUNK)
                if not chunk:
                    break
                pending += chunk
                records = pending.split(_TERMINATOR)
                pending = records.pop()
                for record in records:
                    parsed = parse_log_record(record)
                    if parsed is not None:
                        yield parsed
            tail = pending.rstrip(b"\n")
            if tail.endswith(b"\x00\x1e"):
                parsed = parse_log_record(tail[:-2])
                if parsed is not None:
                    yield parsed
            finished = True
        finally:
            stream.close()
            if finished:
                # Raises GitCommandError with git's message when git failed part-way (e.g.
                # a missing object): a failed read must never look like a short history.
                proc.wait()
            else:
                proc.proc.kill()
                proc.proc.wait()

    def signature_states(self, since: datetime, until: datetime, limit: int) -> str:
        """``%G?`` of the ``limit`` most recent commits in the window, newest first."""
        if not self._info.head:
            return ""
        out: str = self._git.log(f"--max-count={limit}", *self._log_args(since, until),
                                 "--format=%G?", "HEAD")
        return "".join(line.strip() or "N" for line in out.splitlines())

    def last_change(self, path: str) -> datetime | None:
        """Commit time of the last commit that changed ``path``."""
        if not self._info.head:
            return None
        out: str = self._git.log("-1", "--format=%ct", "HEAD", "--", path)
        return datetime.fromtimestamp(int(out), tz=UTC) if out.strip() else None

    def blame(self, path: str, lines: Sequence[int]) -> dict[int, str | None]:
        """The commit that last wrote each of ``lines`` of a HEAD file (``git blame``).

        None for a line whose commit is a shallow clone's boundary: the history that would
        say who really wrote it is not in the clone. Lines git cannot blame are left out.
        """
        wanted = sorted({n for n in lines if n > 0})
        if not self._info.head or not wanted:
            return {}
        ranges = [f"-L{n},{n}" for n in wanted]
        try:
            out: str = self._git.blame("--porcelain", "--root", *ranges, "HEAD", "--", path)
        except git.GitCommandError:
            return {}
        found: dict[int, str | None] = {}
        for match in _BLAME_HEADER.finditer(out):
            sha = match.group(1)
            found[int(match.group(2))] = (None if sha in self._info.shallow_boundary
                                          else sha)
        return found

    def commits_by_sha(self, shas: Sequence[str]) -> dict[str, CommitRecord]:
        """The named commits, read like the history window (same record format)."""
        wanted = sorted(set(shas))
        if not wanted:
            return {}
        try:
            out: str = self._git.log("--no-walk=unsorted", "--no-show-signature",
                                     "--encoding=UTF-8", "--no-color",
                                     f"--format={LOG_FORMAT}", *wanted)
        except git.GitCommandError:
            return {}
        found: dict[str, CommitRecord] = {}
        for record in out.encode("utf-8", "surrogateescape").split(_TERMINATOR):
            parsed = parse_log_record(record)
            if parsed is not None:
                found[parsed.sha] = parsed
        return found

    def ref_counts(self, patterns: Sequence[str]) -> dict[str, int]:
        """Entries under each local ref pattern; notes refs count their notes."""
        counts: dict[str, int] = {}
        for pattern in patterns:
            if pattern.startswith("refs/notes/") and "*" not in pattern:
                if self._rev_parse(pattern) is None:
                    continue
                listed: str = self._git.notes(f"--ref={pattern}", "list")
                total = sum(1 for line in listed.splitlines() if line.strip())
            else:
                refs: str = self._git.for_each_ref("--format=%(refname)", pattern)
                total = sum(1 for line in refs.splitlines() if line.strip())
            if total:
                counts[pattern] = total
        return counts


def _widen_pipe(stream: Any) -> None:
    """Ask Linux for a 1 MiB pipe so git rarely waits on us (best effort, Linux only)."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl else None
    if set_size is None:
        return
    # An unprivileged limit below 1 MiB raises; the default size then stays.
    with contextlib.suppress(OSError):
        fcntl.fcntl(stream.fileno(), set_size, _CHUNK)


def parse_log_record(record: bytes) -> CommitRecord | None:
    """Parse one ``LOG_FORMAT`` record; None when it is not a well-formed record."""
    # Decoded once, then split: this runs for every commit of the window.
    fields = record.lstrip(b"\n").decode("utf-8", "replace").split("\x00", len(_FIELDS) - 1)
    if len(fields) != len(_FIELDS):
        return None
    sha, parents, an, ae, cn, ce, at, ct, trailers, message = fields
    try:
        authored = _FROM_EPOCH(int(at), UTC)
        committed = authored if ct == at else _FROM_EPOCH(int(ct), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    pairs: tuple[tuple[str, str], ...] = ()
    if trailers:
        found = []
        for line in trailers.split("\x1f"):
            key, sep, value = line.partition(":")
            if sep and key.strip():
                found.append((key.strip(), value.strip()))
        pairs = tuple(found)
    return CommitRecord(sha, parents.count(" ") + 1 if parents else 0, f"{an} <{ae}>", ae,
                        f"{cn} <{ce}>", ce, authored, committed, pairs, message)


_FROM_EPOCH = datetime.fromtimestamp


def _stderr(exc: git.GitCommandError) -> str:
    """The first meaningful line of git's error output."""
    text = str(exc.stderr or exc).strip().strip("'").strip()
    for raw in text.splitlines():
        line = raw.strip().removeprefix("stderr:").strip().strip("'")
        if line:
            return line
    return "unknown error"

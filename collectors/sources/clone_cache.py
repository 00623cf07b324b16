"""A cache of blobless, shallow, bare clones: files and history of platform repositories.

One clone per repository under ``<root>/clones/v2/<readable>-<digest>.git``, made with
``git clone --bare --filter=blob:none --single-branch --shallow-since=...`` and brought up
to date with incremental fetches; :class:`~collectors.sources.local.LocalSource` reads it
afterwards like any local repository. A JSON state file next to each clone records the
branch, the start of the history it holds and its HEAD, so a repository whose platform
HEAD has not moved is not fetched at all.

A clone's directory name is never the repository's name: names come from the platform,
and GitPython expands ``$VAR``, ``%VAR%`` and a leading ``~`` in the paths it opens (and
warns about them). The name is the repository id reduced to ``[a-z0-9-]`` for people,
then a SHA-256 digest of the whole id for uniqueness, so it holds nothing to expand.

Blobs arrive on demand: git fetches a missing blob from the ``origin`` promisor remote the
first time it is read, one round trip per blob. :meth:`CloneCache.prefetch` fetches a list
of blobs in one round trip instead; call it before reading, because the processes of
:class:`LocalSource` run without the credentials held here.

Credentials never appear on a command line, in a URL or on disk: the token reaches git as
an ``http.<prefix>.extraHeader`` set through ``GIT_CONFIG_*`` environment variables of
each git process, scoped to the platform's URL prefix, and git is forbidden to prompt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import git

from collectors.sources.local import sanitise_url
from scanner.evidence import redact

#: History fetched before the window start, so commits whose committer dates are slightly
#: out of order around the boundary are still in the clone.
WINDOW_MARGIN = timedelta(days=3)

#: What git's server says when ``--shallow-since`` selects no commit: the repository has
#: had no commit inside the window, and one commit (the HEAD) is all that is needed.
_NOTHING_SINCE = ("no commits selected for shallow requests", "error processing shallow info")

#: Prefix of the lines of git's stderr worth showing (progress and hints are not).
_ERROR_PREFIXES = ("fatal:", "error:", "remote:")

#: Folder of the clone layout under ``<root>/clones``. A new layout gets a new folder, so
#: clones of an older one (v1: ``<host>/<owner>/<name>.git``, percent-encoded names) are
#: left alone and never opened under names they were not made for.
LAYOUT = "v2"

#: Characters of the readable part of a clone's name, and its length at most.
_UNREADABLE = re.compile(r"[^a-z0-9]+")
_READABLE_LENGTH = 40

#: Hex digits of the SHA-256 digest of the repository id (128 bits: no two ids share one,
#: even ids chosen to collide).
_DIGEST_LENGTH = 32


class CloneError(Exception):
    """A clone, fetch or local git step failed; the message names it and holds no secret."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncResult:
    """Where a synced clone is, what its HEAD is, and whether the network was used."""

    path: Path
    head: str | None
    """HEAD commit of the clone (None for an empty repository)."""
    fetched: bool
    """True when git talked to the remote (a clone or a fetch)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GitAuth:
    """A token sent as HTTP basic authentication to URLs under ``url_prefix`` only."""

    url_prefix: str
    """E.g. ``https://github.com/`` (or a GHES host); other hosts never see the token."""
    token: str = field(repr=False)
    username: str = "x-access-token"
    """The basic-auth user name the host expects with a token (GitLab: ``oauth2``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _State:
    """What the JSON file next to a clone records."""

    branch: str | None
    since: int
    """Epoch seconds of the ``--shallow-since`` the history reaches back to."""
    head: str | None


class CloneCache:
    """Blobless bare clones under ``root/clones/v2``, synced per repository."""

    def __init__(self, root: Path, *, auth: GitAuth | None = None,
                 ca_file: str | None = None) -> None:
        """Keep clones under ``root/clones/v2``; ``auth`` authenticates every network step;
        ``ca_file`` is a CA bundle git trusts (a self-managed instance's own CA)."""
        self._root = root / "clones" / LAYOUT
        self._auth = auth
        self._guard = threading.Lock()
        self._locks: dict[Path, threading.Lock] = {}
        self._secrets: tuple[str, ...] = ()
        self._config: tuple[tuple[str, str], ...] = (("credential.helper", ""),)
        if auth is not None:
            basic = base64.b64encode(f"{auth.username}:{auth.token}".encode()).decode("ascii")
            header = f"Authorization: Basic {basic}"
            self._secrets = (auth.token, basic)
            self._config += ((f"http.{auth.url_prefix}.extraHeader", header),)
        if ca_file:
            self._config += (("http.sslCAInfo", ca_file),)

    # ------------------------------------------------------------------ public

    def path_for(self, repo_id: str) -> Path:
        """The clone directory of ``repo_id``: ``<readable>-<digest>.git``, ASCII only."""
        if any(part in ("", ".", "..") for part in repo_id.split("/")):
            raise CloneError(f"{repo_id!r}: not a usable repository id")
        return self._root / f"{clone_name(repo_id)}.git"

    def sync(self, repo_id: str, url: str, branch: str | None, since: datetime,
             expected_head: str | None) -> SyncResult:
        """Clone or update ``repo_id`` so it holds ``branch`` back to ``since``."""
        if sanitise_url(url) != url:
            raise CloneError(f"{repo_id}: credentials belong in GitAuth, not in the URL")
        path = self.path_for(repo_id)
        with self._locked(path):
            if branch is None:
                return self._sync_empty(path)
            self._check_branch(repo_id, branch)
            start = int((since - WINDOW_MARGIN).timestamp())
            state = self._healthy_state(path)
            if state is None or state.branch is None:
                self._remove(path)
                return self._clone(repo_id, path, url, branch, start)
            return self._update(repo_id, path, url, branch, start=start, state=state,
                                expected_head=expected_head)

    def head_blobs(self, path: Path) -> list[str]:
        """Blob SHAs of the HEAD tree, read from trees only (no blob is fetched for it)."""
        repo = self._open(path)
        listing = self._run(str(path), "list files", repo.git.ls_tree, "-r", "-z", "HEAD",
                            env=self._env(network=False))
        blobs = []
        for record in listing.split("\0"):
            meta, _, _name = record.partition("\t")
            fields = meta.split()
            if len(fields) == 3 and fields[1] == "blob":
                blobs.append(fields[2])
        return blobs

    def prefetch(self, path: Path, blobs: Sequence[str]) -> None:
        """Fetch those of ``blobs`` the clone lacks, all in one round trip."""
        wanted = set(blobs)
        if not wanted:
            return
        with self._locked(path):
            repo = self._open(path)
            # --batch-all-objects lists only what is on disk: asking about one missing
            # object by name would make git 2.39 fetch it lazily (and die if that fails).
            present: str = repo.git.cat_file("--batch-check=%(objectname)",
                                             "--batch-all-objects", "--unordered",
                                             env=self._env(network=False))
            missing = sorted(wanted - set(present.split()))
            if not missing:
                return
            # The same command git runs for one lazy blob, given every blob at once.
            with tempfile.TemporaryFile() as stdin:
                stdin.write("".join(f"{sha}\n" for sha in missing).encode("ascii"))
                stdin.seek(0)
                self._run(str(path), "prefetch", repo.git.fetch, "origin", "--no-tags",
                          "--no-write-fetch-head", "--recurse-submodules=no",
                          "--filter=blob:none", "--stdin", istream=stdin,
                          env=self._env(network=True,
                                        extra=(("fetch.negotiationAlgorithm", "noop"),)))

    # ------------------------------------------------------------------ steps

    def _sync_empty(self, path: Path) -> SyncResult:
        state = self._healthy_state(path)
        if state is None or state.branch is not None:
            self._remove(path)
            git.Repo.init(path, bare=True, mkdir=True)
            self._write_state(path, _State(branch=None, since=0, head=None))
        return SyncResult(path=path, head=None, fetched=False)

    def _clone(self, repo_id: str, path: Path, url: str, branch: str,
               start: int) -> SyncResult:
        partial = path.with_name(path.name + ".partial")
        self._remove(partial)
        partial.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._clone_window(url, partial, branch, start)
        except git.GitCommandError as exc:
            self._remove(partial)
            raise self._error(repo_id, "clone", exc) from None
        os.replace(partial, path)
        head = self._head(repo_id, self._open(path), branch)
        self._write_state(path, _State(branch=branch, since=start, head=head))
        return SyncResult(path=path, head=head, fetched=True)

    def _clone_window(self, url: str, path: Path, branch: str, start: int) -> None:
        """Clone the branch blobless with every commit since ``start`` and its parents."""
        options = ["--bare", "--filter=blob:none", "--single-branch", f"--branch={branch}",
                   "--quiet"]
        env = self._env(network=True)
        try:
            repo = git.Repo.clone_from(url, path, env=env,
                                       multi_options=[*options, f"--shallow-since=@{start}"])
        except git.GitCommandError as exc:
            if not _says_nothing_since(exc):
                raise
            self._remove(path)
            repo = git.Repo.clone_from(url, path, env=env, multi_options=[*options, "--depth=1"])
            self._settle_no_selection(repo, branch, start)
        else:
            self._deepen_one(repo, branch)

    def _update(self, repo_id: str, path: Path, url: str, branch: str, *, start: int,
                state: _State, expected_head: str | None) -> SyncResult:
        repo = self._open(path)
        deepen = start < state.since and (path / "shallow").exists()
        if not deepen and expected_head is not None and expected_head == state.head:
            if branch != state.branch:  # renamed default branch, same commit
                self._move_branch(repo_id, repo, state.branch, branch, state.head)
                self._write_state(path, _State(branch=branch, since=state.since,
                                               head=state.head))
            return SyncResult(path=path, head=state.head, fetched=False)
        # The URL changes when a repository is renamed or transferred.
        self._run(repo_id, "config", repo.git.config, "remote.origin.url", url,
                  env=self._env(network=False))
        try:
            if deepen:
                self._deepen(repo, branch, start)
            else:
                self._fetch(repo, branch)
        except git.GitCommandError as exc:
            raise self._error(repo_id, "fetch", exc) from None
        head = self._head(repo_id, repo, branch)
        if branch != state.branch:
            self._move_branch(repo_id, repo, state.branch, branch, head)
        self._write_state(path, _State(branch=branch, since=min(start, state.since), head=head))
        return SyncResult(path=path, head=head, fetched=True)

    def _deepen(self, repo: git.Repo, branch: str, start: int) -> None:
        """Fetch the branch and extend its history back to ``start``."""
        try:
            self._fetch(repo, branch, f"--shallow-since=@{start}")
        except git.GitCommandError as exc:
            if not _says_nothing_since(exc):
                raise
            self._fetch(repo, branch)
            self._settle_no_selection(repo, branch, start)
        else:
            self._deepen_one(repo, branch)

    def _deepen_one(self, repo: git.Repo, branch: str) -> None:
        """Fetch the parents of the oldest commits, so no commit of the window is a graft.

        Without them git reports the window's oldest commits as having no parents, so a
        merge or an ordinary commit there would look like a root commit.
        """
        self._fetch(repo, branch, "--deepen=1")

    def _settle_no_selection(self, repo: git.Repo, branch: str, start: int) -> None:
        """After ``--shallow-since`` selected nothing, fetch all history if all is recent."""
        # git 2.39's upload-pack answers "no commits selected" both when no commit is that
        # recent and when every commit is (no boundary to cut at); the HEAD's date tells.
        stamp: str = repo.git.log("-1", "--format=%ct", f"refs/heads/{branch}",
                                  env=self._env(network=False))
        if int(stamp) >= start:
            self._fetch(repo, branch, "--unshallow")

    def _fetch(self, repo: git.Repo, branch: str, *options: str) -> None:
        """Fetch ``branch`` blobless into the local branch of the same name."""
        repo.git.fetch("--quiet", "--no-tags", "--filter=blob:none", *options, "origin",
                       f"+refs/heads/{branch}:refs/heads/{branch}", env=self._env(network=True))

    def _move_branch(self, repo_id: str, repo: git.Repo, old: str | None, branch: str,
                     head: str | None) -> None:
        """Point HEAD at ``branch`` and drop the old branch (a renamed default branch)."""
        local = self._env(network=False)
        if head is not None:
            self._run(repo_id, "update-ref", repo.git.update_ref, f"refs/heads/{branch}", head,
                      env=local)
        self._run(repo_id, "symbolic-ref", repo.git.symbolic_ref, "HEAD",
                  f"refs/heads/{branch}", env=local)
        if old is not None:
            self._run(repo_id, "update-ref", repo.git.update_ref, "-d", f"refs/heads/{old}",
                      env=local)

    def _head(self, repo_id: str, repo: git.Repo, branch: str) -> str:
        out: str = self._run(repo_id, "rev-parse", repo.git.rev_parse, "--verify",
                             f"refs/heads/{branch}", env=self._env(network=False))
        return out.strip()

    # ------------------------------------------------------------------ health

    def _healthy_state(self, path: Path) -> _State | None:
        """The recorded state when the clone is whole; None when absent or damaged."""
        state = self._read_state(path)
        if state is None:
            return None
        try:
            repo = git.Repo(path, expand_vars=False)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return None
        if not repo.bare or state.branch is None:
            return state if repo.bare else None
        try:
            local = self._env(network=False)
            ref: str = repo.git.rev_parse("--verify", f"refs/heads/{state.branch}", env=local)
            # With the network forbidden, a missing commit or root tree fails here instead
            # of being fetched lazily.
            repo.git.cat_file("-e", f"{state.head}^{{tree}}", env=local)
        except git.GitCommandError:
            return None
        return state if ref.strip() == state.head else None

    def _open(self, path: Path) -> git.Repo:
        try:
            return git.Repo(path, expand_vars=False)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise CloneError(f"{path}: not a clone made by this cache") from None

    # ------------------------------------------------------------------ state file

    @staticmethod
    def _state_file(path: Path) -> Path:
        return path.with_name(path.name + ".json")

    def _read_state(self, path: Path) -> _State | None:
        try:
            data = json.loads(self._state_file(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        branch, since, head = data.get("branch"), data.get("since"), data.get("head")
        if (isinstance(branch, str | None) and isinstance(since, int)
                and isinstance(head, str | None)):
            return _State(branch=branch, since=since, head=head)
        return None

    def _write_state(self, path: Path, state: _State) -> None:
        target = self._state_file(path)
        scratch = target.with_name(target.name + ".tmp")
        scratch.write_text(json.dumps({"branch": state.branch, "since": state.since,
                                       "head": state.head}), encoding="utf-8")
        os.replace(scratch, target)

    def _remove(self, path: Path) -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        self._state_file(path).unlink(missing_ok=True)

    # ------------------------------------------------------------------ git plumbing

    @contextmanager
    def _locked(self, path: Path) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(path, threading.Lock())
        with lock:
            yield

    def _check_branch(self, repo_id: str, branch: str) -> None:
        """Refuse a branch name git would not accept (it goes into a refspec)."""
        try:
            git.Git().check_ref_format(f"refs/heads/{branch}")
        except git.GitCommandError:
            raise CloneError(f"{repo_id}: {branch!r} is not a valid branch name") from None

    def _env(self, *, network: bool,
             extra: tuple[tuple[str, str], ...] = ()) -> Mapping[str, str]:
        """Environment of one git process: no prompts, credentials only for the network."""
        config = (*self._config, *extra) if network else (("credential.helper", ""),)
        env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "false", "SSH_ASKPASS": "false",
               "GCM_INTERACTIVE": "never", "GIT_CONFIG_COUNT": str(len(config))}
        for index, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        if not network:
            # No protocol is allowed, so a lazy blob fetch fails instead of going out.
            env["GIT_ALLOW_PROTOCOL"] = "none"
        return env

    def _run(self, repo_id: str, what: str, command: Callable[..., object], *args: str,
             **kwargs: object) -> str:
        """Run one bound GitPython command; a failure becomes a :class:`CloneError`."""
        try:
            return str(command(*args, **kwargs))
        except git.GitCommandError as exc:
            raise self._error(repo_id, what, exc) from None

    def _error(self, repo_id: str, what: str, exc: git.GitCommandError) -> CloneError:
        """A CloneError carrying git's most telling stderr line, with secrets removed."""
        lines = [line.strip() for line in str(exc.stderr or "").splitlines() if line.strip()]
        lines = [line.removeprefix("stderr:").strip().strip("'").strip() for line in lines]
        telling = [line for line in lines if line.startswith(_ERROR_PREFIXES)
                   and "askpass" not in line]
        message = redact(f"{repo_id}: {what} failed: "
                         + (telling or lines or ["git gave no reason"])[0])
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return CloneError(message)


def clone_name(repo_id: str) -> str:
    """``repo_id`` as ``[a-z0-9-]`` for people, then the SHA-256 of all of it, hex."""
    # Accents are dropped rather than the letters they sit on: "ünïcödé" reads "unicode".
    ascii_id = unicodedata.normalize("NFKD", repo_id).encode("ascii", "ignore").decode("ascii")
    readable = _UNREADABLE.sub("-", ascii_id.lower()).strip("-")[:_READABLE_LENGTH].rstrip("-")
    # surrogatepass: an id decoded from JSON may hold a lone surrogate, still one id.
    digest = hashlib.sha256(repo_id.encode("utf-8", "surrogatepass")).hexdigest()
    return "-".join(filter(None, (readable, digest[:_DIGEST_LENGTH])))


def _says_nothing_since(exc: git.GitCommandError) -> bool:
    return any(marker in str(exc.stderr or "") for marker in _NOTHING_SINCE)

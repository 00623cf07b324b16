"""Secrets in file contents, found by detect-secrets in worker processes, and the baseline.

detect-secrets keeps its plugin settings in process-wide state, and a pathological file can
keep it busy for minutes; so every scan runs in a pebble worker process that is killed when a
file takes longer than the timeout. A secret's value never leaves the worker: a hit carries
only its type, line and two hashes (a slow salted `fingerprint` for output, and detect-secrets'
own SHA-1 `baseline_hashes` for matching `.secrets.baseline` entries).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Self

import detect_secrets.core.scan
from detect_secrets.__version__ import VERSION as DETECT_SECRETS_VERSION
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.core.scan import scan_file
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.settings import default_settings, get_plugins
from detect_secrets.types import NamedIO
from pebble import ProcessExpired, ProcessPool

ENGINE = f"detect-secrets {DETECT_SECRETS_VERSION}"

# Types whose detect-secrets "secret" is a fixed marker, not the secret: GitHub and GitLab
# tokens are reported as their 3-5 letter prefix (Yelp/detect-secrets#858), private keys as
# their header line. Their hashed_secret is shared by every such secret, so a baseline entry
# only identifies one together with its line. For tokens the worker fingerprints the whole
# regex match instead of the prefix; a private key's match is its header, so all keys of one
# kind share a fingerprint (path and line tell them apart).
MARKER_TYPES = frozenset({"GitHub Token", "GitLab Token", "Private Key"})

# When several plugins report the same value on one line, the most specific type wins:
# any named detector first, then these generic ones in this order.
_GENERIC_RANK = {"Secret Keyword": 1, "Hex High Entropy String": 2, "Base64 High Entropy String": 3}

_FINGERPRINT_SALT = b"aims-secret-v1"

# How many files each worker may have queued: enough to keep workers busy, small enough that
# memory does not grow with the number of files.
_QUEUE_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class SecretHit:
    """One secret on one line; never holds the secret's value."""

    type: str
    line: int
    fingerprint: str
    # detect-secrets' own hashed_secret (unsalted SHA-1) of every result it gave for this
    # secret on this line (one per plugin that fired), sorted. Used ONLY to match
    # .secrets.baseline entries; never stored, cached or output.
    baseline_hashes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileFailure:
    """Why one file could not be scanned; one line, never file content."""

    # Not a NamedTuple: a tuple would pass `isinstance(outcome, tuple)`, the natural test
    # for "these are the file's hits".

    detail: str


def fingerprint(secret: str) -> str:
    """Salted scrypt of the secret: stable across runs and repositories, slow to brute-force."""
    digest = hashlib.scrypt(
        secret.encode("utf-8"), salt=_FINGERPRINT_SALT, n=2**14, r=8, p=1, dklen=16
    )
    return "scrypt:" + digest.hex()


class SecretsPool:
    """detect-secrets in pebble worker processes, default plugin settings, no network."""

    def __init__(self, *, workers: int, timeout: float) -> None:
        self._timeout = timeout
        self._window = workers * _QUEUE_PER_WORKER
        # Workers make their own directories under this one; it is removed here on close,
        # because a worker killed on timeout cannot clean up after itself.
        self._scratch = tempfile.mkdtemp(prefix="aims-secrets-")
        self._pool = ProcessPool(
            max_workers=workers, initializer=_start_worker, initargs=(self._scratch,)
        )

    def scan(
        self, files: Iterable[tuple[str, bytes]]
    ) -> Iterator[tuple[str, tuple[SecretHit, ...] | FileFailure]]:
        """Scan (repo-relative path, content) pairs; yield each path's hits in input order."""
        in_flight: deque[tuple[str, Future[tuple[SecretHit, ...] | FileFailure]]] = deque()
        try:
            for path, content in files:
                future = self._pool.schedule(
                    _scan_in_worker, args=(path, content), timeout=self._timeout
                )
                in_flight.append((path, future))
                if len(in_flight) >= self._window:
                    yield self._outcome(*in_flight.popleft())
            while in_flight:
                yield self._outcome(*in_flight.popleft())
        finally:
            # A caller that stops iterating early leaves nothing running.
            for _, pending in in_flight:
                pending.cancel()

    def _outcome(
        self, path: str, future: Future[tuple[SecretHit, ...] | FileFailure]
    ) -> tuple[str, tuple[SecretHit, ...] | FileFailure]:
        try:
            return path, future.result()
        except FutureTimeout:
            return path, FileFailure(f"timed out after {self._timeout:g} s")
        except ProcessExpired as expired:
            return path, FileFailure(f"detect-secrets worker died (exit code {expired.exitcode})")

    def close(self) -> None:
        """Stop the workers and remove their scratch files."""
        self._pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves it unannotated
        self._pool.join()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --- worker side: these run in the pool's processes only -------------------------------------

# Keeps detect-secrets' default settings entered for the worker's lifetime (dropping the
# context manager would restore the empty settings).
_WORKER_SETTINGS = contextlib.ExitStack()


def _start_worker(scratch: str) -> None:
    """Worker initializer: a private working directory and detect-secrets' default settings."""
    # The worker scans files at their repo-relative path from here, so detect-secrets' filters
    # (lock files, swagger, binary extensions) see the same name as in the repository.
    os.chdir(tempfile.mkdtemp(dir=scratch))
    _WORKER_SETTINGS.enter_context(default_settings())
    # detect-secrets parses YAML and INI files with its "transformers" before scanning them,
    # with no limit on YAML aliases: an alias bomb in a scanned repository would hang the
    # worker until the timeout and an odd value raises instead of scanning. Every file is
    # read line by line instead (process-local: only this worker is affected); the keyword
    # detectors still know YAML and INI syntax from the file name.
    detect_secrets.core.scan.get_transformed_file = _no_transform  # type: ignore[attr-defined]


def _no_transform(file: NamedIO, use_eager_transformers: bool = False) -> list[str] | None:
    """Stands in for detect-secrets' transformers: no file is parsed, all read as lines."""
    del file, use_eager_transformers
    return None


def _scan_in_worker(path: str, content: bytes) -> tuple[SecretHit, ...] | FileFailure:
    """Scan one file's bytes in the current directory; errors become a FileFailure."""
    local = _local_path(path)
    try:
        # Undecodable bytes are replaced rather than passed on: detect-secrets silently
        # ignores a whole file it cannot decode, which would hide a secret next to one stray
        # Latin-1 byte. Replacement keeps every line (and so every line number) in place.
        text = content.decode("utf-8", errors="replace")
        local.parent.mkdir(parents=True, exist_ok=True)
        try:
            local.write_text(text, encoding="utf-8", newline="")
            return _hits(list(scan_file(str(local))), text)
        finally:
            # Leave the directory empty, so a later path can use any of these names.
            local.unlink(missing_ok=True)
            for parent in local.parents[:-1]:
                parent.rmdir()
    except Exception as error:  # the worker boundary; no message, as it may quote content
        return FileFailure(f"detect-secrets failed: {type(error).__name__}")


def _local_path(path: str) -> Path:
    """The repo-relative path with absolute and parent components flattened away."""
    parts = [part for part in path.split("/") if part not in ("", ".", "..")]
    return Path(*parts) if parts else Path("unnamed")


def _hits(found: list[PotentialSecret], text: str) -> tuple[SecretHit, ...]:
    """One hit per distinct secret on a line, with the most specific type."""
    lines = io.StringIO(text, newline=None).readlines()
    reports: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for secret in found:
        line_text = lines[secret.line_number - 1] if secret.line_number <= len(lines) else ""
        for value in _values(secret, line_text):
            reports.setdefault((secret.line_number, value), []).append(
                (secret.type, secret.secret_hash)
            )
    hits = (
        SecretHit(
            type=min((kind for kind, _ in found_as), key=_rank),
            line=line,
            fingerprint=fingerprint(value),
            baseline_hashes=tuple(sorted({hashed for _, hashed in found_as})),
        )
        for (line, value), found_as in reports.items()
    )
    return tuple(sorted(hits, key=lambda hit: (hit.line, hit.type, hit.fingerprint)))


def _values(secret: PotentialSecret, line_text: str) -> list[str]:
    """The secret values behind one detect-secrets result on its line."""
    value = secret.secret_value or ""
    if secret.type not in MARKER_TYPES:
        return [value]
    # The plugin's own patterns, matched whole, give each token on the line its own value.
    whole = [
        match.group(0)
        for plugin in get_plugins()
        if plugin.secret_type == secret.type and isinstance(plugin, RegexBasedDetector)
        for pattern in plugin.denylist
        for match in pattern.finditer(line_text)
        if _reported(match) == value
    ]
    return whole or [value]


def _reported(match: re.Match[str]) -> str:
    """What detect-secrets reports for a match: its one group if it has one (as re.findall)."""
    return (match.group(1) or "") if match.re.groups == 1 else match.group(0)


def _rank(secret_type: str) -> tuple[int, str]:
    return (_GENERIC_RANK.get(secret_type, 0), secret_type)


# --- the .secrets.baseline ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One result recorded in a .secrets.baseline."""

    type: str
    hashed_secret: str
    line: int | None
    is_secret: bool | None  # None: never audited; False: audited as a false positive


@dataclass(frozen=True, slots=True)
class Baseline:
    """A .secrets.baseline's results by repo-relative path, each path's entries sorted."""

    entries: Mapping[str, tuple[BaselineEntry, ...]]
    exclude_files: tuple[str, ...] = ()
    """The baseline's ``--exclude-files`` regexes: files detect-secrets does not scan here."""

    def excludes(self, path: str) -> bool:
        """True when one of the ``--exclude-files`` regexes matches the path (as
        detect-secrets applies them: a search anywhere in the path)."""
        return any(re.search(pattern, path) for pattern in self.exclude_files)


#: Where detect-secrets records ``--exclude-files`` patterns in a baseline.
_EXCLUDE_FILES = "detect_secrets.filters.regex.should_exclude_file"


class BaselineError(ValueError):
    """A .secrets.baseline that is not JSON of the expected shape."""


def parse_baseline(text: str) -> Baseline:
    """Parse the JSON of a .secrets.baseline; BaselineError if it has the wrong shape."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"not valid JSON (line {error.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise BaselineError("no 'results' object at the top level")
    entries: dict[str, tuple[BaselineEntry, ...]] = {}
    for raw_path, raw_entries in data["results"].items():
        path = raw_path.removeprefix("./")
        if not isinstance(raw_entries, list):
            raise BaselineError(f"results for {path!r} are not a list")
        parsed = [_baseline_entry(path, index, raw) for index, raw in enumerate(raw_entries)]
        entries[path] = tuple(sorted(parsed, key=_entry_order))
    return Baseline(entries=MappingProxyType(entries),
                    exclude_files=_exclude_files(data.get("filters_used", [])))


def _exclude_files(filters: Any) -> tuple[str, ...]:
    """The ``--exclude-files`` patterns of ``filters_used``, each checked to compile."""
    if not isinstance(filters, list):
        raise BaselineError("'filters_used' is not a list")
    patterns: list[str] = []
    for raw in filters:
        if not isinstance(raw, dict) or raw.get("path") != _EXCLUDE_FILES:
            continue
        found = raw.get("pattern", [])
        found = [found] if isinstance(found, str) else found
        if not isinstance(found, list) or not all(isinstance(p, str) for p in found):
            raise BaselineError("an exclude-files filter has a 'pattern' that is not text")
        for pattern in found:
            try:
                re.compile(pattern)
            except re.error as error:
                raise BaselineError(f"exclude-files pattern {pattern!r} is not a regular "
                                    f"expression ({error})") from None
        patterns.extend(found)
    return tuple(patterns)


def _baseline_entry(path: str, index: int, raw: Any) -> BaselineEntry:
    where = f"results for {path!r}, entry {index}"
    if not isinstance(raw, dict):
        raise BaselineError(f"{where} is not an object")
    kind, hashed = raw.get("type"), raw.get("hashed_secret")
    line, is_secret = raw.get("line_number"), raw.get("is_secret")
    if not isinstance(kind, str) or not isinstance(hashed, str):
        raise BaselineError(f"{where} lacks a string 'type' or 'hashed_secret'")
    if line is not None and (isinstance(line, bool) or not isinstance(line, int) or line < 1):
        raise BaselineError(f"{where} has a 'line_number' that is not a positive integer")
    if is_secret is not None and not isinstance(is_secret, bool):
        raise BaselineError(f"{where} has an 'is_secret' that is not true, false or null")
    return BaselineEntry(type=kind, hashed_secret=hashed, line=line, is_secret=is_secret)


def _entry_order(entry: BaselineEntry) -> tuple[int, str, str, int]:
    audit = {None: 0, False: 1, True: 2}[entry.is_secret]
    return (entry.line or 0, entry.type, entry.hashed_secret, audit)


def audited_out(baseline: Baseline, path: str, hit: SecretHit) -> bool:
    """True when the baseline marks this hit as a false positive and nothing says otherwise."""
    matching = [
        entry
        for entry in baseline.entries.get(path, ())
        if entry.hashed_secret in hit.baseline_hashes
        # A marker type's hash is shared by every secret of that type, so only the line
        # tells which one such an entry was about.
        and (entry.type not in MARKER_TYPES or entry.line == hit.line)
    ]
    # Two plugins can record the same secret with conflicting audits; it stays reported
    # unless every audit of it says false positive.
    return any(entry.is_secret is False for entry in matching) and not any(
        entry.is_secret is True for entry in matching
    )


def entries_digest(baseline: Baseline | None, path: str) -> str:
    """Stable sha256 hex of a path's baseline entries (no entries: the digest of nothing)."""
    entries = baseline.entries.get(path, ()) if baseline is not None else ()
    digest = hashlib.sha256()
    for entry in entries:
        record = [entry.type, entry.hashed_secret, entry.line, entry.is_secret]
        digest.update(json.dumps(record).encode("utf-8") + b"\n")
    return digest.hexdigest()

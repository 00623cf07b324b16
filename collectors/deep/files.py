"""Which files of the HEAD tree the deep scan reads, and why it leaves the others out.

Scanning dependencies somebody else wrote, minified bundles or lock files full of hashes
would bury a repository's own findings in noise and cost most of the time, so they are
left out on purpose and counted by reason; the report shows the counts. Binary content
is only known once a file is read, so :func:`is_binary` is applied then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pathspec

from collectors.sources.base import TreeEntry
from scanner.payloads import FileSkip

#: Files larger than this are not scanned (generated data, dumps, bundles).
MAX_BYTES = 1024 * 1024
#: How much of a file decides whether it is binary (git's own heuristic looks at 8000).
BINARY_PROBE = 8192

SYMLINK = "symlink"
SUBMODULE = "submodule"
TOO_LARGE = "over 1 MiB"
VENDORED = "vendored or generated"
LOCK_FILE = "lock file"
BINARY = "binary"

# gitignore-style patterns: third-party code, build output and generated sources.
_VENDORED = pathspec.GitIgnoreSpec.from_lines([
    "node_modules/", "bower_components/", "vendor/", "third_party/", "third-party/",
    "external/", ".venv/", "venv/", "site-packages/", "__pycache__/", "dist/",
    "*.min.js", "*.min.css", "*.bundle.js", "*.map", "*_pb2.py", "*_pb2_grpc.py",
    "*.pb.go", "*.generated.*", "*.snap",
])
# Lock files pin dependencies with integrity hashes that look like high-entropy secrets.
_LOCK_FILES = pathspec.GitIgnoreSpec.from_lines([
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
    "poetry.lock", "Pipfile.lock", "uv.lock", "pdm.lock", "Cargo.lock", "Gemfile.lock",
    "composer.lock", "go.sum", "mix.lock", "packages.lock.json", "gradle.lockfile",
])


@dataclass(frozen=True, slots=True)
class Chosen:
    """The files to read, and how many were left out for each reason."""

    files: tuple[TreeEntry, ...]
    skipped: Counter[str]


def choose(entries: Sequence[TreeEntry], *, max_bytes: int = MAX_BYTES) -> Chosen:
    """The HEAD files worth scanning (by path, mode and size; content is checked later)."""
    files: list[TreeEntry] = []
    skipped: Counter[str] = Counter()
    for entry in entries:
        reason = _left_out(entry, max_bytes)
        if reason is None:
            files.append(entry)
        else:
            skipped[reason] += 1
    return Chosen(files=tuple(files), skipped=skipped)


def _left_out(entry: TreeEntry, max_bytes: int) -> str | None:
    if entry.is_symlink:  # its target is scanned as the file it is
        return SYMLINK
    if entry.mode == "160000":
        return SUBMODULE
    if _LOCK_FILES.match_file(entry.path):
        return LOCK_FILE
    if _VENDORED.match_file(entry.path):
        return VENDORED
    if entry.size is not None and entry.size > max_bytes:
        return TOO_LARGE
    return None


def is_binary(data: bytes) -> bool:
    """True when the content is not text (a NUL byte near the start, as git decides)."""
    return b"\x00" in data[:BINARY_PROBE]


def skip_counts(skipped: Counter[str]) -> tuple[FileSkip, ...]:
    """The counts as payload values, sorted by reason."""
    return tuple(FileSkip(reason=reason, count=count)
                 for reason, count in sorted(skipped.items()) if count)

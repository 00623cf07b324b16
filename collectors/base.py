"""What every collector shares: the context it reads through and how it records results.

A collector is a name, a version, the payload kinds it produces and a ``run`` function from
a :class:`Context` to evidence and gaps. Parsing lives in pure functions next to ``run``;
``run`` is the thin reader. Per-file problems (malformed YAML, binary or huge files, symlinks
out of the repository) become :class:`~scanner.evidence.Gap` items for that file only; the
engine turns any unexpected exception of a whole collector into one gap per kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from collectors.sources.base import RepoInfo, Source, TreeEntry, Unreadable
from scanner.catalog import Catalog
from scanner.evidence import Evidence, Gap, Item, Provenance, UnknownReason, make_evidence, make_gap
from scanner.yamlsafe import YamlError, load_yaml

#: Default size limit for configuration and policy files.
TEXT_LIMIT = 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")


def _silent(_message: str) -> None:
    """No progress messages."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """Everything a collector may read: the source, the catalog and the run's clock."""

    source: Source
    info: RepoInfo
    catalog: Catalog
    as_of: datetime
    since: datetime
    note: Callable[[str], None] = _silent
    """Progress messages for long reads (a terminal line or a log line)."""

    def files(self) -> Sequence[TreeEntry]:
        """Files of the HEAD tree, sorted by path."""
        return self.source.tree()

    def provenance(self, collector: str, locator: str, digest: str | None) -> Provenance:
        """Provenance pinned to this repository's HEAD and the run's clock."""
        return Provenance(repo=self.info.repo_id, commit=self.info.head, locator=locator,
                          digest=digest, collector=collector, collected_at=self.as_of)

    def file_evidence(self, collector: str, path: str, blob: str, payload: Any) -> Evidence[Any]:
        """Evidence read from one HEAD file (locator ``tree:PATH``, digest = blob SHA)."""
        return make_evidence(payload, self.provenance(collector, f"tree:{path}", blob))

    def tree_evidence(self, collector: str, payload: Any, what: str = "") -> Evidence[Any]:
        """Evidence about the HEAD tree as a whole (e.g. an absence), pinned to its tree SHA."""
        locator = f"tree:{what}" if what else "tree:/"
        return make_evidence(payload, self.provenance(collector, locator, self.info.tree))

    def file_gap(self, collector: str, kind: str, path: str, detail: str,
                 reason: UnknownReason = UnknownReason.UNREADABLE) -> Gap:
        """A file that exists but could not be read or understood."""
        # The locator already names the file; keep the detail to the why.
        detail = detail.removeprefix(f"{path}: ")
        return make_gap(kind, reason, detail, self.provenance(collector, f"tree:{path}", None))

    def read_text(self, path: str, limit: int = TEXT_LIMIT) -> tuple[str, str]:
        """UTF-8 text and blob SHA of a HEAD file; :class:`Unreadable` for binary/odd files."""
        data, blob = self.source.read(path, limit)
        if b"\x00" in data[:8192]:
            raise Unreadable(f"{path}: binary content")
        try:
            return data.decode("utf-8-sig"), blob
        except UnicodeDecodeError as exc:
            raise Unreadable(f"{path}: not UTF-8 text (invalid byte at {exc.start})") from None

    def read_yaml(self, path: str, limit: int = TEXT_LIMIT) -> tuple[Any, str]:
        """Parsed YAML (guarded loader) and blob SHA; :class:`Unreadable` on any bad input."""
        text, blob = self.read_text(path, limit)
        try:
            return load_yaml(text), blob
        except YamlError as exc:
            raise Unreadable(f"{path}: {exc}") from None


def lone_surrogate(data: Any) -> bool:
    """True when a string of parsed JSON holds a lone UTF-16 surrogate.

    JSON escapes can spell one (``"\\ud800"``); no UTF-8 report could hold it.
    """
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


S = TypeVar("S")


def file_by_file(ctx: Context, collector: str, kind: str, select: Callable[[str], S | None],
                 parse: Callable[[TreeEntry, S], tuple[Any, str] | None], *,
                 errors: tuple[type[Exception], ...] = ()) -> Iterator[Item]:
    """Evidence for every HEAD file ``select`` picks, or a gap for each file that fails.

    ``select`` maps a path to what the parser needs to know about it (None: not ours);
    ``parse`` reads and parses one file and returns ``(payload, blob SHA)``, or None when
    the file turns out not to be evidence. :class:`Unreadable` and ``errors`` become a gap
    for that file only; the other files are still read.
    """
    caught: tuple[type[Exception], ...] = (Unreadable, *errors)
    for entry in ctx.files():
        spec = select(entry.path)
        if spec is None:
            continue
        try:
            parsed = parse(entry, spec)
        except caught as exc:
            yield ctx.file_gap(collector, kind, entry.path, str(exc))
            continue
        if parsed is not None:
            yield ctx.file_evidence(collector, entry.path, parsed[1], parsed[0])


Run = Callable[[Context], Iterable[Item]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Collector:
    """A named, versioned producer of evidence kinds."""

    name: str
    version: int
    kinds: tuple[type, ...]
    run: Run

    @property
    def label(self) -> str:
        """``name@version``, as recorded in provenance."""
        return f"{self.name}@{self.version}"

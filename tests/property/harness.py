"""Entry points that run untrusted bytes through each parser's real boundary.

One entry point per parser, shared by the property tests (hypothesis), the fuzzers
(``fuzz/fuzz_<parser>.py``, atheris) and the corpus replay (``tests/test_fuzz_regressions.py``).
Each takes bytes, runs them through the code a scan runs and checks the property:

* file collectors (CI, hooks, CODEOWNERS, AI configuration, policies, artifacts): the bytes
  become files of a HEAD tree and the collector's own ``run`` reads them through a real
  :class:`~collectors.base.Context`; every file yields one evidence item or one gap (at
  most one where the catalog lets a file be skipped), and every item serialises to the JSON
  report as UTF-8;
* AI attribution: the bytes are ``git log`` output in the format the local source asks
  git for; every record parses or is dropped, and the collector yields its three evidence
  kinds;
* the attestation file, the ``--config`` file and the YAML loader: a result, or only the
  documented error with a one-line message.

A broken property raises :class:`PropertyViolation`; any other exception is a crash. The
tree is served from memory (:class:`MemorySource`) so that an example costs milliseconds,
not a git repository; ``tests/property/test_memory_source.py`` checks that it gives the
same items as :class:`~collectors.sources.local.LocalSource` over a real repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from collectors import ai_config, artifacts, attribution, ci, codeowners, hooks, policies
from collectors.base import Collector, Context
from collectors.sources.base import CommitRecord, RepoInfo, TreeEntry, Unreadable
from collectors.sources.local import parse_log_record
from scanner.attest import AttestationError, load_attestations
from scanner.catalog import Catalog, CatalogError, load_catalog
from scanner.console import EXIT_USAGE
from scanner.evidence import Evidence, Gap, Item, kind_of
from scanner.payloads import AttestationRecord, Attribution, History, ProvenanceRefs
from scanner.report.json_report import item_dict
from scanner.yamlsafe import YamlError, load_yaml

#: The property suite's clock (the same as the rest of the test suite).
AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
#: How git ends each ``LOG_FORMAT`` record it writes (NUL, RS, newline).
RECORD_END = b"\x00\x1e\n"
_SURROGATE = re.compile("[\ud800-\udfff]")

Entry = Callable[[bytes], None]


class PropertyViolation(AssertionError):
    """A parser broke its contract on some input (not a crash: a wrong answer)."""


def require(condition: bool, message: str) -> None:
    """Raise :class:`PropertyViolation` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise PropertyViolation(message)


@cache
def catalog() -> Catalog:
    """The packaged catalog, loaded once per process."""
    return load_catalog()


def blob_sha(data: bytes) -> str:
    """The git blob SHA-1 of ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


MEMORY_INFO = RepoInfo(repo_id="local:fuzz", path="memory:fuzz", head="0" * 40,
                       tree="1" * 40, branch="main", bare=False, shallow=False,
                       worktree=False, origin=None)


@dataclass
class MemorySource:
    """A :class:`~collectors.sources.base.Source` whose HEAD tree and history live in memory.

    It answers like the local source for regular files (blob SHAs as git computes them,
    ``Unreadable`` for a missing file or one over the size limit); it has no symlinks,
    submodules, signatures, refs or blame.
    """

    files: Mapping[str, bytes]
    records: Sequence[CommitRecord] = ()
    repo: RepoInfo = MEMORY_INFO
    changed: datetime | None = None
    """What :meth:`last_change` answers for every file."""
    _entries: tuple[TreeEntry, ...] = field(init=False)

    def __post_init__(self) -> None:
        self._entries = tuple(TreeEntry(path=p, mode="100644", blob=blob_sha(d), size=len(d))
                              for p, d in sorted(self.files.items()))

    def info(self) -> RepoInfo:
        """The fixed repository identity."""
        return self.repo

    def tree(self) -> Sequence[TreeEntry]:
        """The files, sorted by path."""
        return self._entries

    def read(self, path: str, limit: int) -> tuple[bytes, str]:
        """Content and blob SHA; :class:`Unreadable` like the local source."""
        data = self.files.get(path)
        if data is None:
            raise Unreadable(f"{path}: not in the HEAD tree")
        if len(data) > limit:
            raise Unreadable(f"{path}: {len(data):,} bytes, over the {limit:,}-byte limit")
        return data, blob_sha(data)

    def commits(self, since: datetime, until: datetime) -> Iterator[CommitRecord]:
        """The records as given (git has already chosen the window)."""
        return iter(self.records)

    def signature_states(self, since: datetime, until: datetime, limit: int) -> str:
        """No signatures."""
        return ""

    def last_change(self, path: str) -> datetime | None:
        """The same time for every file."""
        return self.changed

    def ref_counts(self, patterns: Sequence[str]) -> dict[str, int]:
        """No refs."""
        return {}

    def blame(self, path: str, lines: Sequence[int]) -> dict[int, str | None]:
        """No blame."""
        return {}

    def commits_by_sha(self, shas: Sequence[str]) -> dict[str, CommitRecord]:
        """No lookups."""
        return {}

    def history_command(self, since: datetime, until: datetime) -> str:
        """The same command text as the local source."""
        return f"git log --since=@{int(since.timestamp())} --until=@{int(until.timestamp())} HEAD"


def context(source: MemorySource) -> Context:
    """A collector context over ``source`` with the suite's clock and the packaged catalog."""
    return Context(source=source, info=source.info(), catalog=catalog(), as_of=AS_OF,
                   since=AS_OF - timedelta(days=365))


# --------------------------------------------------------------------------- shared checks


def check_serialisable(item: Item) -> None:
    """The item renders as it would in the JSON report, and that text encodes as UTF-8."""
    try:
        text = json.dumps(item_dict(item), sort_keys=True, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise PropertyViolation(f"{item.kind} item does not serialise: {exc}") from None


def check_items(items: Sequence[Item], collector: Collector) -> None:
    """Every item is evidence or a gap of one of the collector's kinds, and serialises."""
    kinds = {kind_of(k) for k in collector.kinds}
    for item in items:
        require(isinstance(item, Evidence | Gap), f"{type(item).__name__} is not an item")
        require(item.kind in kinds, f"kind {item.kind} is not one of {sorted(kinds)}")
        if isinstance(item, Gap):
            require(bool(item.detail.strip()), f"gap for {item.provenance.locator} says nothing")
        check_serialisable(item)


def check_one_line(message: str, what: str) -> None:
    """A user-facing error is one non-empty line."""
    require(bool(message.strip()) and "\n" not in message,
            f"{what} error is not one line: {message!r}")


def check_plain_text(value: Any) -> None:
    """No string inside a parsed document holds a lone UTF-16 surrogate."""
    stack = [value]
    seen: set[int] = set()  # YAML aliases can make a document refer to itself
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, str):
            require(not _SURROGATE.search(node), f"lone surrogate in {node[:40]!r}")
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            stack.extend(node)


# --------------------------------------------------------------------------- file collectors


@dataclass(frozen=True)
class Layout:
    """Where a file harness puts the bytes, and which collector reads them."""

    collector: Collector
    paths: tuple[str, ...]
    """Each gets the input bytes."""
    optional: frozenset[str] = frozenset()
    """Paths the collector may skip (the catalog says the content is not AI-related)."""
    background: Mapping[str, bytes] = field(default_factory=dict)
    """Other files of the tree (for CODEOWNERS coverage, policy code)."""

    def files(self, data: bytes) -> dict[str, bytes]:
        """The HEAD tree for one input."""
        return {**self.background, **dict.fromkeys(self.paths, data)}


LAYOUTS: Mapping[str, Layout] = {
    "workflow": Layout(ci.COLLECTOR, (".github/workflows/ci.yml",)),
    "gitlab_ci": Layout(ci.COLLECTOR, (".gitlab-ci.yml",)),
    "hooks": Layout(hooks.COLLECTOR, (".pre-commit-config.yaml", "lefthook.yml",
                                      ".husky/pre-commit")),
    "codeowners": Layout(codeowners.COLLECTOR, (".github/CODEOWNERS",),
                         background={"src/auth/login.py": b"", "infra/main.tf": b"",
                                     "docs/guide.md": b"", ".github/workflows/ci.yml": b""}),
    "ai_config": Layout(ai_config.COLLECTOR, (
        "AGENTS.md", ".cursorrules", ".cursorignore", ".mcp.json", ".claude/settings.json",
        ".vscode/settings.json", ".codex/config.toml", ".codex/rules/default.rules",
        ".github/workflows/copilot-setup-steps.yml", ".aider.conf.yml"),
        optional=frozenset({".vscode/settings.json"})),
    "policies": Layout(policies.COLLECTOR, ("AI_POLICY.md", ".github/pull_request_template.md")),
    "artifacts": Layout(artifacts.COLLECTOR, (".secrets.baseline", "bom.json", "bom.xml",
                                              "sbom.spdx", "build.intoto.jsonl"),
                        background={"policy/deploy.rego": b""}),
}


def tree_items(layout: Layout, data: bytes, repo: RepoInfo = MEMORY_INFO,
               changed: datetime | None = None) -> list[Item]:
    """What the layout's collector reports for a tree holding ``data`` at its paths."""
    source = MemorySource(layout.files(data), repo=repo, changed=changed)
    return list(layout.collector.run(context(source)))


def run_layout(layout: Layout, data: bytes) -> None:
    """Run one file harness and check its property."""
    items = tree_items(layout, data)
    check_items(items, layout.collector)
    per_path: dict[str, int] = {}
    for item in items:
        path = item.provenance.locator.removeprefix("tree:")
        per_path[path] = per_path.get(path, 0) + 1
    for path in layout.paths:
        count = per_path.get(path, 0)
        allowed = (0, 1) if path in layout.optional else (1,)
        require(count in allowed, f"{path}: {count} items, expected {allowed}")


# --------------------------------------------------------------------------- history


def log_records(data: bytes) -> list[CommitRecord]:
    """Commit records from ``git log`` output, split and parsed like the local source does."""
    records = [parse_log_record(chunk) for chunk in data.split(RECORD_END)]
    return [r for r in records if r is not None]


def trailers(data: bytes) -> None:
    """Commit messages, trailers and identities through the attribution collector."""
    records = log_records(data)
    items = list(attribution.COLLECTOR.run(context(MemorySource({}, records))))
    check_items(items, attribution.COLLECTOR)
    by_kind = {type(i.payload): i.payload for i in items if isinstance(i, Evidence)}
    require(set(by_kind) == {History, Attribution, ProvenanceRefs},
            f"expected history, attribution and refs evidence, got {sorted(map(str, by_kind))}")
    history, found = by_kind[History], by_kind[Attribution]
    require(history.commits == len(records) == found.commits,
            f"{len(records)} records, history counts {history.commits}")
    require(0 <= found.ai_commits <= found.commits, "more AI commits than commits")


# --------------------------------------------------------------------------- documents


def attestation(data: bytes) -> None:
    """An attestation file, read like ``aims scan --attestations`` reads it."""
    model = catalog().model
    known = model.ids()
    try:
        records = load_attestations(
            data, known_ids=known, as_of=AS_OF, max_age_days=model.attestation_max_age_days,
            favourable_no={q.id for q in model.questions if q.favourable == "no"})
    except AttestationError as exc:
        check_one_line(str(exc), "attestation")
        return
    ids = [r.id for r in records]
    require(ids == sorted(set(ids)), f"records not unique and sorted: {ids}")
    for record in records:
        require(isinstance(record, AttestationRecord) and record.id in known,
                f"unexpected record {record!r}")
        require(isinstance(record.answer, bool), f"answer {record.answer!r} is not yes/no")
        date.fromisoformat(record.date)


def extend_catalog(base: Catalog, extensions: Mapping[str, Any]) -> None:
    """What :func:`scanner.catalog.load_catalog` does with ``extensions``, on a loaded base.

    load_catalog re-reads the packaged files (a third of a second); the fidelity test
    checks that this gives the same answers as calling it.
    """
    if "tools" in extensions:
        base.tools.extend(extensions["tools"])
    if "signatures" in extensions:
        base.signatures.extend(extensions["signatures"])
    if "sensitive_paths" in extensions:
        base.files.extend_sensitive(extensions["sensitive_paths"])


def config_outcome(data: bytes, scratch: Path,
                   extend: Callable[[Mapping[str, Any]], object]) -> str:
    """``ok`` or the one-line error ``aims scan --config`` would print for this file."""
    from scanner.cli import read_config  # the CLI module is heavy: only the config needs it

    path = scratch / "aims.yaml"
    path.write_bytes(data)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            extensions = read_config(path)
    except SystemExit as exc:
        require(exc.code == EXIT_USAGE, f"--config exits with {exc.code}")
        message = err.getvalue().removesuffix("\n")
        require(message.startswith(f"aims: error: --config {path}: "),
                f"--config error does not name the file: {message!r}")
        check_one_line(message, "--config")
        return message.removeprefix(f"aims: error: --config {path}: ")
    try:
        extend(extensions)
    except CatalogError as exc:
        check_one_line(str(exc), "catalog")
        return str(exc)
    return "ok"


def yaml_document(data: bytes) -> None:
    """The guarded YAML loader: plain data or :class:`YamlError`."""
    try:
        value = load_yaml(data)
    except YamlError as exc:
        check_one_line(str(exc), "YAML")
        return
    check_plain_text(value)


def entry_points(scratch: Path) -> dict[str, Entry]:
    """Every harness by name (the corpus directory names); ``scratch`` is a writable
    directory for the config file."""
    def layout_entry(layout: Layout) -> Entry:
        return lambda data: run_layout(layout, data)

    def config(data: bytes) -> None:
        config_outcome(data, scratch, lambda ext: extend_catalog(catalog(), ext))

    found: dict[str, Entry] = {name: layout_entry(layout) for name, layout in LAYOUTS.items()}
    found.update(trailers=trailers, attestation=attestation, config=config,
                 yaml=yaml_document)
    return found


#: Every harness name.
NAMES = (*LAYOUTS, "trailers", "attestation", "config", "yaml")

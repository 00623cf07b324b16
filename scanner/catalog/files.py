"""Where governance evidence lives in a repository: the file catalog (``files.yaml``).

CODEOWNERS locations, sensitive areas, AI tool configuration files, policy documents and
artifacts (secrets baselines, BOMs, policy code) as typed, validated data. Every path is a
gitignore-style pattern compiled once with ``pathspec``; the lookups of :class:`FileCatalog`
are what the CODEOWNERS, AI-configuration, policy and artifact collectors use to classify
the files of a HEAD tree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pathspec

from scanner.catalog.errors import CatalogError

FORMATS = frozenset({"json", "jsonc", "toml", "yaml", "markdown", "ignore", "text", "starlark"})
ROLES = frozenset({"instructions", "guardrail", "mcp", "ci-agent", "provenance", "ignore",
                   "environment"})
POLICY_KINDS = frozenset({"ai-policy", "contributing", "security", "pr-template",
                          "data-classification"})
ARTIFACT_KINDS = frozenset({"secrets", "bom", "policy-code"})
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_WILDCARD = re.compile(r"[*?\[\\]")

V = TypeVar("V")


def compile_patterns(patterns: Sequence[str]) -> Any:
    """A gitignore-style matcher for these patterns (``ValueError`` on an invalid one)."""
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


class PatternIndex(Generic[V]):
    """Gitignore-style patterns with a value each, indexed by a literal path segment.

    A HEAD tree can hold hundreds of thousands of files. Nearly every pattern spells out a
    segment (``auth``, ``.claude``, ``CODEOWNERS``) that a matching path must contain, so
    only the patterns sharing a segment with the path are tried one by one; the few without
    a literal segment (``**/*.tf``) are first tried together in one ``pathspec`` call.
    """

    def __init__(self, items: Sequence[tuple[str, V]]) -> None:
        self._by_segment: dict[str, list[int]] = {}
        self._always: list[int] = []
        self._items: list[tuple[Any, V]] = []
        for position, (pattern, value) in enumerate(items):
            self._items.append((compile_patterns([pattern]), value))
            literal = [p for p in pattern.strip("/").split("/") if p and not _WILDCARD.search(p)]
            if literal:
                self._by_segment.setdefault(literal[-1], []).append(position)
            else:
                self._always.append(position)
        self._any_wild = compile_patterns([items[i][0] for i in self._always])

    def matches(self, path: str) -> list[tuple[Any, V]]:
        """``(compiled pattern, value)`` of every pattern matching the path, in input order."""
        candidates = set(self._always) if self._any_wild.match_file(path) else set()
        for segment in path.split("/"):
            candidates.update(self._by_segment.get(segment, ()))
        return [self._items[i] for i in sorted(candidates)
                if self._items[i][0].match_file(path)]


@dataclass(frozen=True, slots=True, kw_only=True)
class SensitiveEntry:
    """A category of sensitive paths and its patterns."""

    category: str
    patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AiFileEntry:
    """An AI tool or agent configuration file kind."""

    tool: str
    paths: tuple[str, ...]
    format: str
    roles: tuple[str, ...]
    ai_keys: tuple[str, ...] = ()
    """When set, the file counts only if a top-level key equals or starts with one of these."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyDocEntry:
    """A kind of policy document and where it lives (matched case-insensitively)."""

    kind: str
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactEntry:
    """A secrets baseline/config, BOM or policy-code file kind."""

    kind: str
    tool: str | None
    """The secrets scanner or policy engine; None for BOMs (the format is in the content)."""
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FileCatalog:
    """The file catalog, immutable once loaded."""

    codeowners: tuple[str, ...]
    """CODEOWNERS locations in precedence order (the first one present is in effect)."""
    sensitive_paths: tuple[SensitiveEntry, ...]
    ai_files: tuple[AiFileEntry, ...]
    blocking_hook_events: frozenset[str]
    """Agent hook events that run before an action and can stop it."""
    policy_docs: tuple[PolicyDocEntry, ...]
    artifacts: tuple[ArtifactEntry, ...]
    _sensitive: PatternIndex[str] = field(init=False, compare=False, repr=False)
    _ai: PatternIndex[AiFileEntry] = field(init=False, compare=False, repr=False)
    _policy: PatternIndex[str] = field(init=False, compare=False, repr=False)
    _artifact: PatternIndex[ArtifactEntry] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # The indexes derive from the entries; object.__setattr__ is how a frozen dataclass
        # initialises derived fields.
        setattr_ = object.__setattr__
        setattr_(self, "_sensitive", PatternIndex(
            [(p, e.category) for e in self.sensitive_paths for p in e.patterns]))
        setattr_(self, "_ai", PatternIndex([(p, e) for e in self.ai_files for p in e.paths]))
        setattr_(self, "_policy", PatternIndex(
            [(p.lower(), e.kind) for e in self.policy_docs for p in e.paths]))
        setattr_(self, "_artifact", PatternIndex(
            [(p, e) for e in self.artifacts for p in e.paths]))

    def ai_file(self, path: str) -> AiFileEntry | None:
        """The first AI configuration entry matching the file, if any."""
        return next((entry for _, entry in self._ai.matches(path)), None)

    def policy_kinds(self, path: str) -> tuple[str, ...]:
        """The policy document kinds of a file, sorted (empty when it is none)."""
        return tuple(sorted({kind for _, kind in self._policy.matches(path.lower())}))

    def artifact(self, path: str) -> ArtifactEntry | None:
        """The first artifact entry matching the file, if any."""
        return next((entry for _, entry in self._artifact.matches(path)), None)

    def sensitive_areas(self, path: str) -> tuple[tuple[str, str], ...]:
        """``(category, area)`` for each sensitive category the file falls in.

        The area is the shortest directory (``dir/``) a matching pattern takes in, or the
        file itself when the pattern names files.
        """
        by_category: dict[str, list[Any]] = {}
        for spec, category in self._sensitive.matches(path):
            by_category.setdefault(category, []).append(spec)
        parts = path.split("/")
        found: list[tuple[str, str]] = []
        for category, specs in sorted(by_category.items()):
            area = next((directory for directory in
                         ("/".join(parts[:depth]) + "/" for depth in range(1, len(parts)))
                         if any(s.match_file(directory) for s in specs)), path)
            found.append((category, area))
        return tuple(found)

    def extend_sensitive(self, entries: Sequence[Mapping[str, Any]]) -> FileCatalog:
        """A catalog with extra sensitive-path entries from ``--config``."""
        if not isinstance(entries, list | tuple):
            raise CatalogError("sensitive_paths: expected a list of entries")
        extra = tuple(_sensitive(raw, f"sensitive_paths[{i}] (--config)")
                      for i, raw in enumerate(entries))
        return FileCatalog(codeowners=self.codeowners,
                           sensitive_paths=self.sensitive_paths + extra,
                           ai_files=self.ai_files, blocking_hook_events=self.blocking_hook_events,
                           policy_docs=self.policy_docs, artifacts=self.artifacts)


# --------------------------------------------------------------------------- validation


def _mapping(raw: Any, where: str, required: set[str], optional: set[str]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{where}: expected a mapping, got {type(raw).__name__}")
    missing = required - raw.keys()
    if missing:
        raise CatalogError(f"{where}: missing {', '.join(sorted(missing))}")
    unknown = set(raw) - required - optional
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    return raw


def _strings(raw: Any, where: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, str) and s for s in raw):
        raise CatalogError(f"{where}: expected a list of non-empty strings")
    if not raw and not allow_empty:
        raise CatalogError(f"{where}: must not be empty")
    return tuple(raw)


def _patterns(raw: Any, where: str) -> tuple[str, ...]:
    patterns = _strings(raw, where)
    for pattern in patterns:
        if pattern.startswith("!"):
            raise CatalogError(f"{where}: negated pattern {pattern!r} (list what matches)")
        try:
            compile_patterns([pattern])
        except ValueError as exc:
            raise CatalogError(f"{where}: invalid pattern {pattern!r}: {exc}") from None
    return patterns


def _name(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not _NAME.match(raw):
        raise CatalogError(f"{where}: {raw!r} is not a lower-case name")
    return raw


def _sensitive(raw: Any, where: str) -> SensitiveEntry:
    data = _mapping(raw, where, {"category", "patterns"}, set())
    category = _name(data["category"], f"{where}.category")
    where = f"{where} ({category})"
    return SensitiveEntry(category=category,
                          patterns=_patterns(data["patterns"], f"{where}.patterns"))


def _ai_file(raw: Any, where: str) -> AiFileEntry:
    data = _mapping(raw, where, {"tool", "paths", "format", "roles"}, {"ai_keys"})
    tool = _name(data["tool"], f"{where}.tool")
    where = f"{where} ({tool})"
    paths = _patterns(data["paths"], f"{where}.paths")
    fmt = data["format"]
    if fmt not in FORMATS:
        raise CatalogError(f"{where}.format: {fmt!r} is not one of {sorted(FORMATS)}")
    roles = _strings(data["roles"], f"{where}.roles", allow_empty=True)
    bad = set(roles) - ROLES
    if bad:
        raise CatalogError(f"{where}.roles: unknown role(s) {', '.join(sorted(bad))}")
    ai_keys = _strings(data.get("ai_keys", []), f"{where}.ai_keys", allow_empty=True)
    return AiFileEntry(tool=tool, paths=paths, format=fmt, roles=tuple(sorted(roles)),
                       ai_keys=ai_keys)


def _policy_doc(raw: Any, where: str) -> PolicyDocEntry:
    data = _mapping(raw, where, {"kind", "paths"}, set())
    kind = data["kind"]
    if kind not in POLICY_KINDS:
        raise CatalogError(f"{where}.kind: {kind!r} is not one of {sorted(POLICY_KINDS)}")
    return PolicyDocEntry(kind=kind, paths=_patterns(data["paths"], f"{where} ({kind}).paths"))


def _artifact(raw: Any, where: str) -> ArtifactEntry:
    data = _mapping(raw, where, {"kind", "paths"}, {"tool"})
    kind = data["kind"]
    if kind not in ARTIFACT_KINDS:
        raise CatalogError(f"{where}.kind: {kind!r} is not one of {sorted(ARTIFACT_KINDS)}")
    tool = data.get("tool")
    if kind == "bom":
        if tool is not None:
            raise CatalogError(f"{where}: a bom entry takes no tool (the format is read)")
    else:
        tool = _name(tool, f"{where}.tool")
    paths = _patterns(data["paths"], f"{where} ({tool or kind}).paths")
    return ArtifactEntry(kind=kind, tool=tool, paths=paths)


def _entries(raw: Mapping[str, Any], section: str) -> list[Any]:
    value = raw.get(section)
    if not isinstance(value, list) or not value:
        raise CatalogError(f"files.yaml: {section} must be a non-empty list")
    return value


def load_files(raw: Any) -> FileCatalog:
    """Validate and build the file catalog; :class:`CatalogError` names any bad entry."""
    data = _mapping(raw, "files.yaml", {"version", "codeowners", "sensitive_paths", "ai_files",
                                        "blocking_hook_events", "policy_docs", "artifacts"},
                    set())
    return FileCatalog(
        codeowners=_strings(data["codeowners"], "files.yaml: codeowners"),
        sensitive_paths=tuple(_sensitive(e, f"sensitive_paths[{i}]")
                              for i, e in enumerate(_entries(data, "sensitive_paths"))),
        ai_files=tuple(_ai_file(e, f"ai_files[{i}]")
                       for i, e in enumerate(_entries(data, "ai_files"))),
        blocking_hook_events=frozenset(_strings(data["blocking_hook_events"],
                                                "files.yaml: blocking_hook_events")),
        policy_docs=tuple(_policy_doc(e, f"policy_docs[{i}]")
                          for i, e in enumerate(_entries(data, "policy_docs"))),
        artifacts=tuple(_artifact(e, f"artifacts[{i}]")
                        for i, e in enumerate(_entries(data, "artifacts"))),
    )

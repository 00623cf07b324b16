"""Known tools and how to recognise them in hooks, CI steps, templates, images and commands.

``tools.yaml`` lists each tool with its categories and match rules; :func:`load_tools`
validates every entry (a bad one raises :class:`CatalogError` naming it) and compiles its
regexes once. The hooks, CI and AI-configuration collectors ask :class:`ToolCatalog` which
tools a hook, ``uses:`` reference, shell command, GitLab include, container image or GitLab
job name stands for. Every answer is a tuple of :class:`~scanner.payloads.ToolMatch` sorted
by tool id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.catalog.errors import CatalogError
from scanner.payloads import ToolMatch

CATEGORIES = frozenset({
    "sast", "sca", "secrets", "sbom", "provenance", "aibom", "ai-review", "precommit", "aims",
    "dataflow", "policy-as-code", "test", "lint", "commit-policy", "ai-policy",
    "attribution-strip",
})

#: Match-rule keys of an entry; each holds a list of non-empty strings.
RULE_KEYS = ("hooks", "repos", "uses", "commands", "templates", "images", "jobs")
_ENTRY_KEYS = frozenset({"id", "name", "categories", "reports", *RULE_KEYS})
_FILE_KEYS = frozenset({"version", "ignore", "tools"})
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
#: Characters that join a word: a command match may not start right after one.
_JOINED = re.compile(r"[\w.-]")
#: Longest ``matched`` text kept in a :class:`ToolMatch`.
MATCHED_LIMIT = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Tool:
    """One catalog tool with its match rules (strings lower-cased, regexes compiled)."""

    id: str
    name: str
    categories: tuple[str, ...]
    hooks: frozenset[str]
    repos: tuple[str, ...]
    uses: tuple[str, ...]
    commands: tuple[re.Pattern[str], ...]
    templates: tuple[str, ...]
    images: tuple[str, ...]
    jobs: frozenset[str]
    reports: tuple[str, ...]
    """GitLab ``artifacts:reports`` keys the tool's template jobs produce, sorted."""

    def found(self, text: str) -> ToolMatch:
        """A match of this tool on ``text`` (truncated)."""
        return ToolMatch(tool=self.id, categories=self.categories,
                         matched=text[:MATCHED_LIMIT])

    def runs_action(self, ref: str) -> bool:
        """True when a lower-cased ``uses:`` reference (without ``@ref``) is this tool's."""
        for prefix in self.uses:
            if prefix.endswith("*"):
                if ref.startswith(prefix[:-1]):
                    return True
            elif ref == prefix or ref.startswith(prefix + "/"):
                return True
        return False


@dataclass(frozen=True, slots=True)
class ToolCatalog:
    """The known tools, sorted by id, and the command fragments ignored before matching."""

    tools: tuple[Tool, ...]
    ignore: tuple[re.Pattern[str], ...] = ()

    def _each(self, test: Callable[[Tool], str | None]) -> tuple[ToolMatch, ...]:
        """Matches of every tool for which ``test`` returns the matched text."""
        found: list[ToolMatch] = []
        for tool in self.tools:
            text = test(tool)
            if text is not None:
                found.append(tool.found(text))
        return tuple(found)

    def match_hook(self, repo: str | None, hook_id: str) -> tuple[ToolMatch, ...]:
        """Tools a pre-commit hook runs, by hook id (exact) or repository URL (substring)."""
        url = (repo or "").lower()

        def test(tool: Tool) -> str | None:
            if hook_id in tool.hooks:
                return hook_id
            if url and any(r in url for r in tool.repos):
                return repo
            return None

        return self._each(test)

    def match_uses(self, uses: str) -> tuple[ToolMatch, ...]:
        """Tools a GitHub Actions ``uses:`` reference runs (``docker://`` goes by image)."""
        ref = uses.strip().split("@", 1)[0].lower()
        if ref.startswith("docker://"):
            image = ref.removeprefix("docker://")
            return self._each(lambda t: uses if any(i in image for i in t.images) else None)
        return self._each(lambda t: uses if t.runs_action(ref) else None)

    def match_command(self, command: str) -> tuple[ToolMatch, ...]:
        """Tools a shell command runs; package-install fragments are ignored first."""
        for pattern in self.ignore:
            command = pattern.sub(" ", command)

        def test(tool: Tool) -> str | None:
            for pattern in tool.commands:
                hit = _search_at_word_start(pattern, command)
                if hit is not None:
                    return hit
            return None

        return self._each(test)

    def match_template(self, template: str) -> tuple[ToolMatch, ...]:
        """Tools a GitLab CI include (template, file, remote URL or component) runs."""
        text = template.lower()
        return self._each(lambda t: template if any(s in text for s in t.templates) else None)

    def match_image(self, image: str) -> tuple[ToolMatch, ...]:
        """Tools a container image runs."""
        text = image.lower()
        return self._each(lambda t: image if any(s in text for s in t.images) else None)

    def match_job(self, job_name: str) -> tuple[ToolMatch, ...]:
        """Tools whose GitLab security template defines a job of this name."""
        return self._each(lambda t: job_name if job_name in t.jobs else None)

    def template_reports(self, matches: Iterable[ToolMatch]) -> tuple[str, ...]:
        """The sorted ``artifacts:reports`` keys the matched tools' template jobs produce."""
        ids = {m.tool for m in matches}
        return tuple(sorted({r for t in self.tools if t.id in ids for r in t.reports}))

    def extend(self, entries: Sequence[Mapping[str, Any]]) -> ToolCatalog:
        """A catalog with extra entries from ``--config``; a duplicate id is an error."""
        if not isinstance(entries, list | tuple):
            raise CatalogError("tools extension: expected a list of tool entries")
        added = [_tool(entry, index) for index, entry in enumerate(entries)]
        return ToolCatalog(_sorted_unique([*self.tools, *added]), self.ignore)


def _search_at_word_start(pattern: re.Pattern[str], text: str) -> str | None:
    """The first match of ``pattern`` that starts a word of ``text``.

    The word-start check is done here rather than with a leading ``\\b`` in the pattern so
    that patterns start with a literal, which the regex engine scans for quickly.
    """
    pos = 0
    while (hit := pattern.search(text, pos)) is not None:
        start = hit.start()
        if start == 0 or not _JOINED.match(text, start - 1):
            return hit.group(0)
        pos = start + 1
    return None


def merge_matches(groups: Iterable[Iterable[ToolMatch]]) -> tuple[ToolMatch, ...]:
    """One match per tool (the first seen) across several answers, sorted by tool id."""
    first: dict[str, ToolMatch] = {}
    for group in groups:
        for match in group:
            first.setdefault(match.tool, match)
    return tuple(first[k] for k in sorted(first))


def categories_of(matches: Iterable[ToolMatch]) -> tuple[str, ...]:
    """The sorted union of the matches' categories."""
    return tuple(sorted({c for m in matches for c in m.categories}))


def load_tools(raw: Any) -> ToolCatalog:
    """Validate ``tools.yaml`` content and build the catalog; :class:`CatalogError` if bad."""
    if not isinstance(raw, dict):
        raise CatalogError("tools catalog: expected a mapping with 'version' and 'tools'")
    unknown = sorted(set(raw) - _FILE_KEYS)
    if unknown:
        raise CatalogError(f"tools catalog: unknown keys {unknown}")
    entries = raw.get("tools")
    if not isinstance(entries, list):
        raise CatalogError("tools catalog: 'tools' must be a list")
    ignore = tuple(_regex(p, "tools catalog 'ignore'") for p in _strings(raw, "ignore", "ignore"))
    tools = [_tool(entry, index) for index, entry in enumerate(entries)]
    return ToolCatalog(_sorted_unique(tools), ignore)


def _sorted_unique(tools: Sequence[Tool]) -> tuple[Tool, ...]:
    seen: set[str] = set()
    for tool in tools:
        if tool.id in seen:
            raise CatalogError(f"tools entry {tool.id!r}: duplicate id")
        seen.add(tool.id)
    return tuple(sorted(tools, key=lambda t: t.id))


def _tool(entry: Any, index: int) -> Tool:
    """Validate one entry; errors name it by id (or position when it has none)."""
    if not isinstance(entry, dict):
        raise CatalogError(f"tools entry #{index}: expected a mapping")
    ident = entry.get("id")
    label = f"tools entry {ident!r}" if isinstance(ident, str) else f"tools entry #{index}"
    if not isinstance(ident, str) or not _ID.match(ident):
        raise CatalogError(f"{label}: 'id' must be lower-case letters, digits, '.', '_', '-'")
    unknown = sorted(map(str, set(entry) - _ENTRY_KEYS))  # keys may mix types
    if unknown:
        raise CatalogError(f"{label}: unknown keys {unknown}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CatalogError(f"{label}: 'name' must be a non-empty string")
    categories = _strings(entry, "categories", label)
    bad = sorted(set(categories) - CATEGORIES)
    if not categories or bad:
        raise CatalogError(f"{label}: unknown or missing categories {bad or '[]'}")
    rules = {key: _strings(entry, key, label) for key in RULE_KEYS}
    if not any(rules.values()):
        raise CatalogError(f"{label}: no match rules (one of {', '.join(RULE_KEYS)})")
    return Tool(
        id=ident,
        name=name,
        categories=tuple(sorted(set(categories))),
        hooks=frozenset(rules["hooks"]),
        repos=tuple(r.lower() for r in rules["repos"]),
        uses=tuple(u.lower() for u in rules["uses"]),
        commands=tuple(_regex(p, label) for p in rules["commands"]),
        templates=tuple(t.lower() for t in rules["templates"]),
        images=tuple(i.lower() for i in rules["images"]),
        jobs=frozenset(rules["jobs"]),
        reports=tuple(sorted(set(_strings(entry, "reports", label)))),
    )


def _strings(entry: Mapping[str, Any], key: str, label: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CatalogError(f"{label}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def _regex(pattern: str, label: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:  # a{99999999999}, (((...)))
        raise CatalogError(f"{label}: bad regex {pattern!r}: {exc}") from None

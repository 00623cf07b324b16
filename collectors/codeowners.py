"""CODEOWNERS: the file in effect, its rules, and how well it covers the sensitive areas.

GitHub and GitLab syntax are both read: comments (``#``, ``\\#`` for a literal), GitLab
sections (``[Name]``, ``^[Optional]``, ``[Name][2]``, with default owners), owners as
``@user``, ``@org/team``, ``@@role`` or e-mail, and entries without owners (GitHub's way to
un-own a path). Patterns follow gitignore rules as ``pathspec`` implements them, matched in
linear time by :mod:`collectors.globmatch`, except what CODEOWNERS leaves out (``!``
negation, ``[ ]`` ranges: such lines are reported in ``errors`` and skipped) and that a
wildcard in the last segment (``docs/*``) matches files only, not whole directories. The
last matching rule wins; in GitLab files that holds per section and a file is owned when
any section's last match names owners.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from collectors.base import Collector, Context
from collectors.globmatch import Glob, compile_glob
from collectors.sources.base import Unreadable
from scanner.catalog.files import FileCatalog
from scanner.evidence import Item
from scanner.payloads import CodeOwners, OwnerRule, SensitivePath

#: GitHub ignores CODEOWNERS files over 3 MB.
CODEOWNERS_LIMIT = 3 * 1024 * 1024
#: Entries kept per sensitive category (those with the most uncovered files).
MAX_PER_CATEGORY = 30

#: ``[Name]``, ``^[Optional]``, ``[Name][2]``, each optionally followed by default owners.
_SECTION = re.compile(r"^(?P<optional>\^)?\[(?P<name>[^\]]+)\](?:\[(?P<approvals>\d+)\])?"
                      r"(?P<owners>(?:\s.*)?)$")
#: A comment starts at an unescaped ``#`` at the start of the line or after whitespace.
_COMMENT = re.compile(r"(?:^|(?<=\s))(?<!\\)#.*$")
#: Fields are separated by whitespace that is not escaped (``path\ with\ spaces``).
_FIELDS = re.compile(r"(?<!\\)\s+")
_OWNER = re.compile(r"^(?:@@?[A-Za-z0-9][\w.-]*(?:/[\w.-]+)*|[^@\s]+@[^@\s]+\.[^@\s]+)$")
#: A ``[`` that no backslash escapes (``\\[`` is an escaped backslash, then a range).
_RANGE = re.compile(r"^(?:[^\\\[]|\\.)*\[", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Parsed:
    """The rules of a CODEOWNERS file and the lines that could not be understood."""

    rules: tuple[OwnerRule, ...]
    errors: tuple[str, ...]


#: Longest pattern accepted on one CODEOWNERS line.
MAX_PATTERN = 1000


def parse_codeowners(text: str) -> Parsed:
    """Parse CODEOWNERS text (GitHub or GitLab syntax) into rules and line errors."""
    rules: list[OwnerRule] = []
    errors: list[str] = []
    section: str | None = None
    defaults: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        header = _SECTION.match(line)
        if header:
            section = header["name"].strip()
            defaults = _owners(header["owners"].split(), number, errors)
            continue
        pattern, *owner_fields = _FIELDS.split(line)
        if len(pattern) > MAX_PATTERN:
            # No real CODEOWNERS pattern is this long, and every rule is tried on every
            # sensitive file: a hostile line should not multiply the scan's work.
            errors.append(f"line {number}: pattern longer than {MAX_PATTERN:,} characters")
            continue
        if pattern.startswith("!"):
            errors.append(f"line {number}: negation (!) is not supported in CODEOWNERS")
            continue
        if _RANGE.search(pattern):
            errors.append(f"line {number}: character ranges ([ ]) are not supported in "
                          "CODEOWNERS")
            continue
        try:
            compile_glob(pattern)
        except ValueError as exc:
            errors.append(f"line {number}: invalid pattern {pattern!r}: {exc}")
            continue
        owners = _owners(owner_fields, number, errors) or defaults
        rules.append(OwnerRule(line=number, pattern=pattern, owners=owners, section=section))
    return Parsed(tuple(rules), tuple(errors))


def _owners(fields: Sequence[str], number: int, errors: list[str]) -> tuple[str, ...]:
    """Valid owners among the fields; invalid ones are reported and dropped."""
    valid: list[str] = []
    for owner in fields:
        if _OWNER.match(owner):
            valid.append(owner)
        else:
            errors.append(f"line {number}: invalid owner {owner!r}")
    return tuple(valid)


class OwnerMatcher:
    """Answers "who owns this path" for a set of rules (last match wins, per section)."""

    def __init__(self, rules: Iterable[OwnerRule]) -> None:
        self._sections: dict[str | None, list[tuple[OwnerRule, Glob, bool]]] = {}
        for rule in rules:
            # GitLab section names are case-insensitive; same-named sections combine.
            key = rule.section.lower() if rule.section is not None else None
            self._sections.setdefault(key, []).append(
                (rule, compile_glob(rule.pattern), _files_only(rule.pattern)))

    def owners(self, path: str) -> tuple[str, ...]:
        """Sorted owners of a file (empty when no rule with owners is in effect for it)."""
        parts = path.split("/")
        found: set[str] = set()
        for compiled in self._sections.values():
            for rule, glob, files_only in reversed(compiled):
                if _matches(glob, files_only, parts):
                    found.update(rule.owners)
                    break
        return tuple(sorted(found))


def _files_only(pattern: str) -> bool:
    """Whether the pattern is anchored and its last segment a wildcard (``docs/*``)."""
    last = pattern.rstrip("/").rsplit("/", 1)[-1]
    return "/" in pattern.rstrip("/") and last != "**" and ("*" in last or "?" in last)


def _matches(glob: Glob, files_only: bool, parts: list[str]) -> bool:
    """Gitignore matching, except that an anchored wildcard last segment matches files only."""
    if not files_only:
        return glob.match(parts)
    # ``docs/*`` owns ``docs/a.md`` but not ``docs/sub/b.md`` (GitHub's documented
    # CODEOWNERS behaviour), where gitignore would take in the whole ``docs/sub/``: the file
    # itself must match, and no directory above it. A directory matches when the pattern's
    # segments match all or a leading part of its path, so the full path must be the only
    # match; a pattern ending in ``/`` matches only below a directory that matches.
    return not glob.below and glob.depths(parts) == [len(parts)]


def sensitive_coverage(paths: Iterable[str], catalog: FileCatalog,
                       matcher: OwnerMatcher | None) -> tuple[SensitivePath, ...]:
    """Sensitive areas of the tree, with file counts, uncovered counts and owners."""
    groups: dict[tuple[str, str], tuple[int, int, set[str]]] = {}
    for path in paths:
        areas = catalog.sensitive_areas(path)
        if not areas:
            continue
        owners = matcher.owners(path) if matcher else ()
        for category, area in areas:
            files, uncovered, seen = groups.get((category, area), (0, 0, set()))
            groups[(category, area)] = (files + 1, uncovered + (not owners), seen | set(owners))
    by_category: dict[str, list[SensitivePath]] = {}
    for (category, area), (files, uncovered, names) in groups.items():
        by_category.setdefault(category, []).append(SensitivePath(
            category=category, path=area, files=files, uncovered=uncovered,
            owners=tuple(sorted(names))))
    kept: list[SensitivePath] = []
    for entries in by_category.values():
        entries.sort(key=lambda e: (-e.uncovered, -e.files, e.path))
        kept.extend(entries[:MAX_PER_CATEGORY])
    return tuple(sorted(kept, key=lambda e: (e.category, e.path)))


def run(ctx: Context) -> Iterator[Item]:
    """Read the CODEOWNERS file in effect and the coverage of sensitive areas."""
    files = ctx.files()
    present = {e.path for e in files}
    searched = ctx.catalog.files.codeowners
    paths = [e.path for e in files]
    location = next((p for p in searched if p in present), None)
    if location is None:
        payload = CodeOwners(path=None, searched=searched, rules=(), errors=(),
                             sensitive=sensitive_coverage(paths, ctx.catalog.files, None))
        yield ctx.tree_evidence(COLLECTOR.label, payload, "CODEOWNERS")
        return
    try:
        text, blob = ctx.read_text(location, CODEOWNERS_LIMIT)
    except Unreadable as exc:
        yield ctx.file_gap(COLLECTOR.label, CodeOwners.KIND, location, str(exc))
        return
    parsed = parse_codeowners(text)
    payload = CodeOwners(path=location, searched=searched, rules=parsed.rules,
                         errors=parsed.errors,
                         sensitive=sensitive_coverage(paths, ctx.catalog.files,
                                                      OwnerMatcher(parsed.rules)))
    yield ctx.file_evidence(COLLECTOR.label, location, blob, payload)


COLLECTOR = Collector(name="codeowners", version=1, kinds=(CodeOwners,), run=run)

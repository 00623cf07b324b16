"""Gitignore-style path patterns matched in time O(len(pattern) * len(path)).

``pathspec`` turns a pattern into one backtracking regular expression. With several
separate ``*`` in a segment (``*a*a*a*a*b``) or several ``**`` (``**/a/**/a/**/b``),
Python's engine tries every way to share the path out among them: one 250-character file
name took 20 seconds against ``*a*a*a*a*b``, and a CODEOWNERS file is untrusted input.

:func:`compile_glob` gives the answers ``pathspec.GitIgnoreSpec.from_lines([pattern])``
gives (``tests/property/test_codeowners_glob.py`` compares the two), without
backtracking:

* a path is matched segment by segment, keeping the depths (numbers of leading path
  segments) that the pattern's segments so far can match: a pattern segment moves each
  depth on by one where it matches the path segment there, and ``**`` adds every deeper
  depth, so each pair of pattern segment and path segment is compared at most once;
* within a segment, ``?`` is any one character and a run of ``*`` any run of characters.
  Each ``*`` but the last takes the leftmost place where the literal chunk after it fits,
  and keeps it (an atomic group, as :func:`fnmatch.translate` does since Python 3.11):
  a fixed-length chunk placed leftmost leaves the most room for the rest, so nothing is
  lost, and each chunk is looked for once.

Negation (``!``) and character ranges (``[ ]``) are refused: CODEOWNERS has neither.
Paths are as git lists them (``/``-separated, no empty segment). One deliberate
difference: a path segment holding a newline matches like any other, where pathspec's
``.`` and ``$`` trip over it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: The pattern segment that spans any number of whole path segments.
GLOBSTAR = "**"


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled pattern: one step per pattern segment, ``None`` for ``**``."""

    steps: tuple[str | re.Pattern[str] | None, ...]
    """Each matches one path segment (a ``str`` exactly, a regular expression in full)."""
    below: bool
    """The pattern ends in ``/`` or ``/**``: it matches only what lies below a match."""

    def depths(self, parts: Sequence[str]) -> list[int]:
        """How many leading segments of the path the steps match in full, each way they can."""
        reach = [0]  # the depths the steps so far match, in increasing order
        count = len(parts)
        for step in self.steps:
            if not reach:
                break
            if step is None:
                reach = list(range(reach[0], count + 1))
            elif isinstance(step, str):
                reach = [j + 1 for j in reach if j < count and parts[j] == step]
            else:
                reach = [j + 1 for j in reach
                         if j < count and step.fullmatch(parts[j]) is not None]
        return reach

    def match(self, parts: Sequence[str]) -> bool:
        """Whether the file whose path has these segments matches (gitignore semantics)."""
        # A match of some leading segments covers everything below them too; a pattern
        # ending in ``/`` matches directories only, so the file must lie below the match.
        depths = self.depths(parts)
        if self.below:
            return bool(depths) and depths[0] < len(parts)
        return bool(depths) and depths[-1] > 0

    def match_file(self, path: str) -> bool:
        """Whether the file at ``path`` matches."""
        return self.match(path.split("/"))


#: What matches nothing (pathspec's blank, comment and ``/`` patterns).
NOTHING = Glob(steps=(), below=False)


def compile_glob(pattern: str) -> Glob:
    """Compile one gitignore pattern (``ValueError`` for an invalid or unsupported one)."""
    # pathspec keeps trailing whitespace only when its last character is escaped.
    text = pattern if pattern.endswith("\\ ") else pattern.rstrip()
    if not text or text == "/" or text.startswith("#"):
        return NOTHING
    if text.startswith("!"):
        raise ValueError(f"negation (!) is not supported: {pattern!r}")
    segments = text.split("/")
    directory = not segments[-1]
    if not segments[0]:
        del segments[0]  # a leading / anchors the pattern at the root
    elif len(segments) == 1 or (len(segments) == 2 and directory):
        segments.insert(0, GLOBSTAR)  # a pattern without an inner / matches at any depth
    if directory:
        segments[-1] = GLOBSTAR
    segments = [s for i, s in enumerate(segments)
                if not (s == GLOBSTAR and i and segments[i - 1] == GLOBSTAR)]
    if segments == [GLOBSTAR] and directory:
        segments.insert(0, "*")  # ``**/``: every file inside some directory
    below = segments[-1] == GLOBSTAR
    kept = segments[:-1] if below else segments
    return Glob(steps=tuple(None if s == GLOBSTAR else _segment(s, pattern) for s in kept),
                below=below)


def _segment(glob: str, pattern: str) -> str | re.Pattern[str]:
    """One segment's text when it has no wildcard, else a regular expression matching it."""
    literal = ""
    chunks = [""]  # the literal chunks (``?`` as ``.``) around the runs of ``*``
    star = escaped = wild = False
    for char in glob:
        if escaped or char not in "\\*?[":
            literal += char
            chunks[-1] += re.escape(char)
        elif char == "*":
            if not star:
                chunks.append("")
        elif char == "?":
            chunks[-1] += "."
        elif char == "[":
            raise ValueError(f"character ranges ([ ]) are not supported: {pattern!r}")
        wild = wild or (char in "*?" and not escaped)
        star, escaped = char == "*" and not escaped, char == "\\" and not escaped
    if escaped:  # a trailing backslash escapes nothing
        raise ValueError(f"Invalid git pattern: {pattern!r}")
    if not wild:
        return literal  # compared as text: most CODEOWNERS segments are plain names
    if len(chunks) == 1:
        return re.compile(chunks[0], re.DOTALL)
    first, *middle, last = chunks
    inner = "".join(f"(?>.*?{chunk})" for chunk in middle)
    return re.compile(f"{first}{inner}.*{last}", re.DOTALL)

"""The linear-time CODEOWNERS matcher gives pathspec's gitignore answers.

:mod:`collectors.globmatch` replaced ``pathspec`` for CODEOWNERS because pathspec's
regular expressions backtrack; pathspec stays the reference for what a pattern means. A
table of hand-picked cases pins both to the expected answer, and hypothesis compares them
on patterns and paths from a small alphabet, short enough for pathspec to answer quickly.
The CODEOWNERS rule that an anchored wildcard last segment matches files only is compared
with its pathspec formulation (the file matches, no directory above it does).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors.codeowners import OwnerMatcher
from collectors.globmatch import compile_glob
from scanner.catalog.files import compile_patterns
from scanner.payloads import OwnerRule


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    # anchored at the root by a leading / or an inner /
    ("/src/", "src/a.py", True),
    ("/src/", "lib/src/a.py", False),
    ("/a.md", "a.md", True),
    ("/a.md", "x/a.md", False),
    ("docs/api", "docs/api/x.md", True),
    ("docs/api", "x/docs/api/x.md", False),
    ("/*.md", "a.md", True),
    ("/*.md", "x/a.md", False),
    ("/*.md", "a.md/x", True),                 # a directory named a.md
    # unanchored: any depth, the path itself or a directory above it
    ("a.md", "x/y/a.md", True),
    ("src", "src/a.py", True),
    ("src", "srcx/a.py", False),
    ("src/", "lib/src/a.py", True),
    # a trailing / matches directories only
    ("src/", "src", False),
    ("docs/api/", "docs/api", False),
    ("docs/api/", "docs/api/x.md", True),
    # ** at the start, in the middle, at the end, alone
    ("**/x", "x", True),
    ("**/x", "a/b/x", True),
    ("**/x", "a/x/y", True),
    ("**/a/b", "z/a/b/c", True),
    ("**/a/b", "a/z/b", False),
    ("/**/x", "a/x", True),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("a/**/b", "a/x/b/c", True),
    ("a/**/b", "x/a/b", False),
    ("a/**/**/b", "a/x/b", True),
    ("a/**", "a", False),
    ("a/**", "a/b/c", True),
    ("a/**/", "a/b", True),
    ("**", "a/b", True),
    ("/**", "a", True),
    ("**/", "a", False),
    ("**/", "a/b", True),
    ("**/**/x", "x", True),
    # * and ? stay within a segment
    ("*", "a", True),
    ("*/", "a", False),
    ("*/", "a/b", True),
    ("**/*/**", "a", False),
    ("**/*/**", "a/b", True),
    ("*.md", "a/b.md", True),
    ("*.md", "a.mdx", False),
    ("a*", "abc", True),
    ("a*", "ba", False),
    ("a*c", "a/c", False),
    ("?.md", "a.md", True),
    ("?.md", "ab.md", False),
    ("a?c", "a/c", False),
    ("x/*", "x/a/b", True),                    # gitignore: x/a is a matching directory
    # separate stars and runs of stars
    ("*a*a*b", "xaxaxb", True),
    ("*a*a*b", "aab", True),
    ("*a*a*b", "ab", False),
    ("*ab*b", "ab", False),
    ("a**b", "axyb", True),
    ("a**b", "a/b", False),
    ("***", "a", True),
    ("\\***", "*x", True),                     # an escaped * then a run of them
    ("\\***", "x", False),
    # escaped characters are literal
    ("\\*.md", "*.md", True),
    ("\\*.md", "a.md", False),
    ("\\#x", "#x", True),
    ("\\?", "?", True),
    ("\\?", "a", False),
    ("a\\ b", "a b", True),
    ("\\\\x", "\\x", True),
    ("\\[a]", "[a]", True),
    # trailing whitespace is dropped unless escaped
    ("a.md   ", "a.md", True),
    ("a\\ ", "a ", True),
    ("a\\ ", "a", False),
    # patterns that match nothing
    ("/", "a", False),
    ("#a", "#a", False),
    ("a//b", "a/b", False),
    # text beyond ASCII
    ("é*", "x/éa", True),
])
def test_matches_like_pathspec(pattern: str, path: str, expected: bool) -> None:
    assert compile_glob(pattern).match_file(path) is expected
    assert compile_patterns([pattern]).match_file(path) is expected


@pytest.mark.parametrize("pattern", ["a\\", "a\\/b", "x/\\"])
def test_invalid_patterns_are_refused_like_pathspec(pattern: str) -> None:
    with pytest.raises(ValueError, match="Invalid git pattern"):
        compile_patterns([pattern])
    with pytest.raises(ValueError, match="Invalid git pattern"):
        compile_glob(pattern)


@pytest.mark.parametrize(("pattern", "message"), [
    ("!a", "negation"),
    ("[ab].md", "character ranges"),
    ("x/\\\\[ab]", "character ranges"),        # an escaped backslash, then a range
])
def test_what_codeowners_lacks_is_refused(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_glob(pattern)


PATTERN_CHARS = "ab*?/\\. #"
PATH_SEGMENTS = st.text(alphabet="ab.*? #é", min_size=1, max_size=5).filter(
    lambda s: s not in (".", ".."))  # git lists no such segment; pathspec drops a "./"
PATHS = st.lists(PATH_SEGMENTS, min_size=1, max_size=4).map("/".join)


def _pathspec_answer(pattern: str, path: str) -> bool | None:
    """pathspec's answer, or None when it refuses the pattern."""
    try:
        return bool(compile_patterns([pattern]).match_file(path))
    except ValueError:
        return None


def _glob_answer(pattern: str, path: str) -> bool | None:
    """The new matcher's answer, or None when it refuses the pattern."""
    try:
        return compile_glob(pattern).match_file(path)
    except ValueError:
        return None


@given(st.text(alphabet=PATTERN_CHARS, min_size=1, max_size=12), PATHS)
def test_agrees_with_pathspec(pattern: str, path: str) -> None:
    assert _glob_answer(pattern, path) == _pathspec_answer(pattern, path)


def _files_only_reference(pattern: str, path: str) -> bool:
    """The CODEOWNERS files-only rule as it was written on pathspec (directories as ``d/``)."""
    spec = compile_patterns([pattern])
    parts = path.split("/")
    return bool(spec.match_file(path)) and not any(
        spec.match_file("/".join(parts[:depth]) + "/") for depth in range(1, len(parts)))


@given(st.lists(st.text(alphabet="ab*?.", min_size=1, max_size=4), min_size=2, max_size=4),
       st.booleans(), PATHS)
def test_anchored_wildcard_owns_files_only_like_before(segments: list[str], trailing: bool,
                                                       path: str) -> None:
    if not any(c in segments[-1] for c in "*?") or segments[-1] == "**":
        segments[-1] += "*"
    pattern = "/".join(segments) + ("/" if trailing else "")
    owners = OwnerMatcher([OwnerRule(line=1, pattern=pattern, owners=("@a",),
                                     section=None)]).owners(path)
    assert (owners == ("@a",)) is _files_only_reference(pattern, path)

"""CODEOWNERS: parsing both syntaxes, last-match-wins, sensitive coverage, the collector."""

from __future__ import annotations

from typing import Any

import pytest

from collectors.codeowners import (
    COLLECTOR,
    MAX_PER_CATEGORY,
    OwnerMatcher,
    parse_codeowners,
    sensitive_coverage,
)
from scanner.catalog import read_packaged
from scanner.catalog.files import load_files
from scanner.evidence import Evidence, Gap, UnknownReason
from scanner.payloads import CodeOwners, OwnerRule, SensitivePath

FILES = load_files(read_packaged("files.yaml"))


@pytest.mark.parametrize(("text", "rules", "errors"), [
    # GitHub: comments, blank lines, users, teams, e-mails
    ("# owners\n\n*  @acme/core\n*.js @alice bob@example.com  # inline comment\n",
     [(3, "*", ("@acme/core",), None), (4, "*.js", ("@alice", "bob@example.com"), None)], []),
    # an entry without owners un-owns the path
    ("* @acme/core\n/vendor/\n", [(1, "*", ("@acme/core",), None), (2, "/vendor/", (), None)],
     []),
    # escaped '#' is part of the pattern, escaped spaces too
    ("\\#notes.md @alice\npath\\ with\\ space/ @bob\n",
     [(1, "\\#notes.md", ("@alice",), None), (2, "path\\ with\\ space/", ("@bob",), None)], []),
    # GitLab sections: plain, optional, approvals; default owners apply to bare entries
    ("[Docs] @docs-team\ndocs/\nREADME.md @alice\n^[Optional]\n*.md @bob\n"
     "[Security][2] @sec\nauth/\n",
     [(2, "docs/", ("@docs-team",), "Docs"), (3, "README.md", ("@alice",), "Docs"),
      (5, "*.md", ("@bob",), "Optional"), (7, "auth/", ("@sec",), "Security")], []),
    # GitLab roles and nested groups
    ("* @@maintainer @group/sub/team\n",
     [(1, "*", ("@@maintainer", "@group/sub/team"), None)], []),
    # unsupported syntax is reported and skipped; a bad owner is dropped
    ("!keep.txt @a\n[abc].py @b\nsrc/ @ok not-an-owner\n\\\n",
     [(3, "src/", ("@ok",), None)],
     ["line 1: negation (!) is not supported in CODEOWNERS",
      "line 2: character ranges ([ ]) are not supported in CODEOWNERS",
      "line 3: invalid owner 'not-an-owner'",
      "line 4: invalid pattern '\\\\': Invalid git pattern: '\\\\'"]),
    # a backslash escapes a backslash, so the [ after it opens a range; \[ is literal
    ("x\\\\[ab].md @a\n\\[literal].md @b\n", [(2, "\\[literal].md", ("@b",), None)],
     ["line 1: character ranges ([ ]) are not supported in CODEOWNERS"]),
])
def test_parse(text: str, rules: list[tuple[int, str, tuple[str, ...], str | None]],
               errors: list[str]) -> None:
    parsed = parse_codeowners(text)
    assert [(r.line, r.pattern, r.owners, r.section) for r in parsed.rules] == rules
    assert list(parsed.errors) == errors


GITHUB = """\
*                 @acme/everyone
*.py              @acme/python
/docs/*           @acme/docs
apps/             @acme/apps
/apps/legacy/
/build/logs/      @acme/ops
**/secrets/**     @acme/security
"""

GITLAB = """\
* @default
[Backend] @backend
*.go
/internal/
[Frontend]
*.ts @frontend
/internal/ui/
"""


@pytest.mark.parametrize(("text", "path", "owners"), [
    (GITHUB, "main.c", ("@acme/everyone",)),
    (GITHUB, "src/tool.py", ("@acme/python",)),                  # later rule wins
    (GITHUB, "docs/index.md", ("@acme/docs",)),
    (GITHUB, "docs/api/index.md", ("@acme/everyone",)),          # docs/* is one level only
    (GITHUB, "apps/web/app.js", ("@acme/apps",)),
    (GITHUB, "src/apps/x.js", ("@acme/apps",)),                  # unanchored directory
    (GITHUB, "apps/legacy/old.js", ()),                          # un-owned by a later rule
    (GITHUB, "build/logs/today.log", ("@acme/ops",)),
    (GITHUB, "lib/secrets/key.py", ("@acme/security",)),
    # GitLab: last match per section, owners of every section combine
    (GITLAB, "README.md", ("@default",)),
    (GITLAB, "cmd/main.go", ("@backend", "@default")),
    (GITLAB, "internal/db/db.go", ("@backend", "@default")),
    (GITLAB, "web/app.ts", ("@default", "@frontend")),
    (GITLAB, "internal/ui/app.ts", ("@backend", "@default")),    # un-owned in Frontend only
])
def test_last_match_wins(text: str, path: str, owners: tuple[str, ...]) -> None:
    assert OwnerMatcher(parse_codeowners(text).rules).owners(path) == owners


def test_sensitive_coverage_groups_and_counts() -> None:
    rules = parse_codeowners("src/auth/ @acme/security\n.github/ @acme/ops\n"
                             ".github/workflows/release.yml\n").rules
    paths = ["src/auth/login.py", "src/auth/tokens.py", "lib/authz/policy.py", "src/main.py",
             ".github/workflows/ci.yml", ".github/workflows/release.yml", "infra/main.tf"]
    assert sensitive_coverage(paths, FILES, OwnerMatcher(rules)) == (
        SensitivePath(category="auth", path="lib/authz/", files=1, uncovered=1, owners=()),
        SensitivePath(category="auth", path="src/auth/", files=2, uncovered=0,
                      owners=("@acme/security",)),
        SensitivePath(category="ci", path=".github/workflows/", files=2, uncovered=1,
                      owners=("@acme/ops",)),
        SensitivePath(category="infrastructure", path="infra/", files=1, uncovered=1,
                      owners=()),
    )


def test_sensitive_coverage_without_codeowners_is_all_uncovered() -> None:
    found = sensitive_coverage(["db/migrate/001.rb", "db/migrate/002.rb"], FILES, None)
    assert found == (SensitivePath(category="migrations", path="db/migrate/", files=2,
                                   uncovered=2, owners=()),)


def test_sensitive_coverage_keeps_the_most_uncovered_per_category() -> None:
    paths = [f"svc{i:02d}/auth/handler.py" for i in range(MAX_PER_CATEGORY + 5)]
    paths += ["svc00/auth/extra.py"]           # svc00 has the most uncovered files
    rules = parse_codeowners("svc01/ @a\nsvc02/ @a\nsvc03/ @a\nsvc04/ @a\nsvc05/ @a\n"
                             "svc06/ @a\n").rules
    found = sensitive_coverage(paths, FILES, OwnerMatcher(rules))
    assert len(found) == MAX_PER_CATEGORY
    assert found[0] == SensitivePath(category="auth", path="svc00/auth/", files=2,
                                     uncovered=2, owners=())
    # 35 areas, 6 of them covered: five covered ones make room for the uncovered
    assert [s.path for s in found if s.uncovered == 0] == ["svc01/auth/"]
    assert [s.path for s in found] == sorted(s.path for s in found)


# --------------------------------------------------------------------------- collector


def test_collector_reads_the_first_location(repo: Any, context_of: Any) -> None:
    repo.write("CODEOWNERS", "* @root-owner\n")
    repo.write(".github/CODEOWNERS", "* @acme/core\n/src/auth/ @acme/security\n!x @a\n")
    repo.write("src/auth/login.py", "pass\n")
    repo.write("src/main.py", "pass\n")
    repo.commit("init")
    items = list(COLLECTOR.run(context_of(repo)))
    assert len(items) == 1 and isinstance(items[0], Evidence)
    payload = items[0].payload
    assert isinstance(payload, CodeOwners)
    assert payload.path == ".github/CODEOWNERS"
    assert payload.searched == FILES.codeowners
    assert payload.rules[1] == OwnerRule(line=2, pattern="/src/auth/", owners=("@acme/security",),
                                         section=None)
    assert payload.errors == ("line 3: negation (!) is not supported in CODEOWNERS",)
    assert SensitivePath(category="auth", path="src/auth/", files=1, uncovered=0,
                         owners=("@acme/security",)) in payload.sensitive
    assert items[0].provenance.locator == "tree:.github/CODEOWNERS"
    assert items[0].provenance.collector == "codeowners@1"


def test_collector_without_codeowners(repo: Any, context_of: Any) -> None:
    repo.write("src/auth/login.py", "pass\n")
    repo.write("README.md", "hi\n")
    repo.commit("init")
    ctx = context_of(repo)
    [item] = list(COLLECTOR.run(ctx))
    assert isinstance(item, Evidence)
    assert item.payload == CodeOwners(
        path=None, searched=FILES.codeowners, rules=(), errors=(),
        sensitive=(SensitivePath(category="auth", path="src/auth/", files=1, uncovered=1,
                                 owners=()),))
    assert item.provenance.locator == "tree:CODEOWNERS"
    assert item.provenance.digest == ctx.info.tree


@pytest.mark.parametrize(("setup", "detail"), [
    (lambda r: r.symlink(".github/CODEOWNERS", "../../outside/CODEOWNERS"), "outside"),
    (lambda r: r.write("CODEOWNERS", b"* @a\x00\xff\n"), "binary"),
])
def test_collector_unreadable_file_is_a_gap(repo: Any, context_of: Any, setup: Any,
                                            detail: str) -> None:
    setup(repo)
    repo.write("docs/CODEOWNERS", "* @fallback\n")
    repo.commit("init")
    [item] = list(COLLECTOR.run(context_of(repo)))
    assert isinstance(item, Gap)
    assert item.kind == CodeOwners.KIND
    assert item.reason == UnknownReason.UNREADABLE
    assert detail in item.detail


def test_an_absurdly_long_pattern_is_a_line_error_not_a_stall() -> None:
    parsed = parse_codeowners('"' * 1_000_000 + " @a\nsrc/ @b\n")
    assert parsed.errors == ("line 1: pattern longer than 1,000 characters",)
    assert [r.pattern for r in parsed.rules] == ["src/"]


def test_patterns_with_many_wildcards_match_long_paths() -> None:
    """Each such path once took 20 s: pathspec's regex backtracked over the separate stars."""
    matcher = OwnerMatcher(parse_codeowners(
        "* @acme/all\n*a*a*a*a*b @acme/b\na*a*a*a*a*a*c @acme/c\n"
        "**/a/**/a/**/a/**/a/**/z @acme/z\n").rules)
    owners_by_ending = {"b": ("@acme/b",), "c": ("@acme/c",), "x": ("@acme/all",)}
    paths = [f"src/auth/{'a' * 246}{i:03d}{'bcx'[i % 3]}" for i in range(1000)]
    assert [matcher.owners(p) for p in paths] == [owners_by_ending[p[-1]] for p in paths]
    assert matcher.owners("a/" * 120 + "z") == ("@acme/z",)
    assert matcher.owners("a/" * 120 + "y") == ("@acme/all",)

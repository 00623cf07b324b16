"""AI attribution in history: matching single commits, aggregating a window, a real repo."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from collectors.attribution import COLLECTOR, Matcher, collect, match_commit, pseudonym
from collectors.base import Context
from collectors.sources.base import CommitRecord
from scanner.catalog import Catalog
from scanner.evidence import Evidence, Gap, UnknownReason
from scanner.payloads import Attribution, History, ProvenanceRefs, RefCount
from tests.conftest import AS_OF, RepoBuilder

HUMAN = "Dev One <dev@example.com>"
WHEN = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def record(message: str = "Change\n", *, trailers: Sequence[tuple[str, str]] = (),
           author: str = HUMAN, committer: str | None = None, when: datetime = WHEN,
           sha: str = "a" * 40, parents: int = 1) -> CommitRecord:
    """A commit as the source would stream it."""
    committer = committer or author
    return CommitRecord(
        sha=sha, parents=parents, author=author, author_email=author.split("<")[1][:-1],
        committer=committer, committer_email=committer.split("<")[1][:-1], authored=when,
        committed=when, trailers=tuple(trailers), message=message)


@pytest.fixture(scope="module")
def matcher(catalog: Catalog) -> Matcher:
    """The packaged catalog compiled for matching."""
    return Matcher(catalog.signatures)


def co(value: str) -> tuple[str, str]:
    """A ``Co-authored-by`` trailer."""
    return ("Co-authored-by", value)


# (case, commit, counted signal ids)
MATCH_ROWS: list[tuple[str, CommitRecord, set[str]]] = [
    ("human commit", record(), set()),
    ("claude co-author", record(trailers=[("Co-Authored-By", "Claude <noreply@anthropic.com>")]),
     {"claude.coauthor"}),
    ("claude footer + co-author", record(
        "Fix\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
        "Co-Authored-By: Claude <noreply@anthropic.com>\n",
        trailers=[("Co-Authored-By", "Claude <noreply@anthropic.com>")]),
     {"claude.coauthor", "claude.footer"}),
    ("claude footer, new URL", record(
        "Fix\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n"),
     {"claude.footer"}),
    ("claude session trailer", record(
        trailers=[("Claude-Session", "https://claude.ai/code/session_01AbCdEf")]),
     {"claude.session"}),
    ("claude bare session url", record("Fix\n\nhttps://claude.ai/code/session_01AbCdEf\n"),
     {"claude.session_url"}),
    ("claude web author", record(author="Claude <noreply@anthropic.com>"),
     {"claude.web_identity"}),
    ("claude github bot", record(author="claude[bot] <41898282+claude[bot]@users.noreply"
                                        ".github.com>"), {"claude.bot_identity"}),
    ("copilot agent author", record(
        "Initial plan\n", author="copilot-swe-agent[bot] <198982749+Copilot@users.noreply"
                                 ".github.com>"), {"copilot.agent_identity"}),
    ("copilot agent squash co-author", record(trailers=[co(
        "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>")]),
     {"copilot.agent_coauthor"}),
    ("copilot suggestion", record(trailers=[co(
        "Copilot <175728472+Copilot@users.noreply.github.com>")]), {"copilot.suggestion"}),
    ("copilot cli", record(trailers=[co("Copilot <223556219+Copilot@users.noreply.github.com>")]),
     {"copilot.cli"}),
    ("copilot vscode outside window", record(trailers=[co("Copilot <copilot@github.com>")]),
     {"copilot.vscode"}),
    ("copilot autofix subject", record(
        "Potential fix for code scanning alert no. 12: Uncontrolled data\n"),
     {"copilot.autofix_subject"}),
    ("aider author suffix", record(author="Paul (aider) <paul@example.com>"),
     {"aider.name_suffix"}),
    ("aider committer suffix only", record(committer="Paul (aider) <paul@example.com>"),
     {"aider.name_suffix"}),
    ("aider co-author", record(trailers=[co("aider (gpt-4o) <noreply@aider.dev>")]),
     {"aider.coauthor"}),
    ("aider subject prefix", record("aider: add tests\n"), {"aider.prefix"}),
    ("cursor trailers", record(trailers=[("Made-with", "Cursor"),
                                         co("Cursor <cursoragent@cursor.com>")]),
     {"cursor.made_with", "cursor.coauthor"}),
    ("cursor agent author", record(author="Cursor Agent <cursoragent@cursor.com>"),
     {"cursor.agent_identity"}),
    ("codex co-author", record(trailers=[co("Codex <noreply@openai.com>")]), {"codex.coauthor"}),
    ("codex author", record(author="Codex GPT-5 <codex@openai.com>"), {"codex.identity"}),
    ("devin author", record(author="Devin AI <158243242+devin-ai-integration[bot]@users"
                                   ".noreply.github.com>"), {"devin.identity"}),
    ("jules co-author", record(trailers=[co(
        "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>")]),
     {"jules.coauthor"}),
    ("gemini code assist", record(trailers=[co(
        "gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>")]),
     {"gemini_code_assist.coauthor"}),
    ("openhands co-author", record(trailers=[co("openhands <openhands@all-hands.dev>")]),
     {"openhands.coauthor"}),
    ("amp", record(trailers=[("Amp-Thread-ID", "https://ampcode.com/threads/T-0a1b"),
                             co("Amp <amp@ampcode.com>")]), {"amp.thread", "amp.coauthor"}),
    ("replit", record(trailers=[("Replit-Commit-Author", "Agent")]), {"replit.trailer"}),
    ("crush current", record("fix\n\n💘 Generated with Crush\n",
                             trailers=[("Assisted-by", "Crush:glm-5.1")]),
     {"crush.assisted_by", "crush.footer", "policy.assisted_by"}),
    ("entire", record(trailers=[("Entire-Checkpoint", "a1b2c3")]), {"entire.checkpoint"}),
    ("kernel assisted-by", record(trailers=[("Assisted-by", "Claude:claude-3-opus sparse")]),
     {"policy.assisted_by"}),
    ("asf generated-by", record(trailers=[("Generated-by", "ChatGPT 5")]),
     {"policy.generated_by"}),
    ("openliberty co-authored-by-ai", record(trailers=[
        ("Co-authored-by-AI", "GitHub Copilot (gpt-4.1)")]), {"policy.ai_coauthor"}),
    ("github merge of a codex branch", record(
        "Merge pull request #1711 from Dame5211/codex/resolve-config\n", parents=2),
     {"codex.branch"}),
    ("gitlab merge of a claude branch", record(
        "Merge branch 'claude/add-docs-line-05PIZ' into 'main'\n", parents=2),
     {"claude.branch"}),
    ("git merge of a devin branch", record(
        "Merge branch 'devin/1771599590-hooks-rebase-perf'\n", parents=2), {"devin.branch"}),
    # --- negatives: names, bare domains, ordinary words, non-trailers
    ("person named Claude", record(author="Claude Smith <claude@example.com>"), set()),
    ("vendor employee", record(trailers=[co("Boris <boris@anthropic.com>")],
                               author="Boris <boris@anthropic.com>"), set()),
    ("bare noreply domain", record(author="Mona <mona@users.noreply.github.com>"), set()),
    ("copilot login, wrong id", record(trailers=[co(
        "Copilot <12345+Copilot@users.noreply.github.com>")]), set()),
    ("openhands employee", record(author="Xingyao <xingyao@all-hands.dev>"), set()),
    ("human co-author", record(trailers=[co("Jane <jane@example.com>"),
                                         ("Signed-off-by", HUMAN)]), set()),
    ("trailer text outside the trailer block", record(
        "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\nMore text.\n"), set()),
    ("mentions tools in prose", record("Docs: claude code, cursor and codex exist\n"), set()),
    ("ordinary merge", record("Merge pull request #5 from acme/fix-bug\n", parents=2), set()),
    ("agent prefix deeper in branch", record(
        "Merge pull request #6 from acme/feature/claude/x\n", parents=2), set()),
]


@pytest.mark.parametrize(("case", "commit", "expected"), MATCH_ROWS,
                         ids=[c for c, _, _ in MATCH_ROWS])
def test_match_commit(matcher: Matcher, case: str, commit: CommitRecord,
                      expected: set[str]) -> None:
    match = match_commit(commit, matcher)
    assert {hit.signal.id for hit in match.hits} == expected
    assert match.ai is bool(expected)
    assert match.suspect == ()


@pytest.mark.parametrize(("commit", "model"), [
    (record(trailers=[co("Claude Sonnet 4.5 <noreply@anthropic.com>")]), "Claude Sonnet 4.5"),
    (record(trailers=[co("Claude <noreply@anthropic.com>")]), None),
    (record(trailers=[co("aider (anthropic/claude-sonnet-4) <aider@aider.chat>")]),
     "anthropic/claude-sonnet-4"),
    (record(trailers=[("Assisted-by", "Claude:claude-opus-4-6 coccinelle")]), "claude-opus-4-6"),
    (record(trailers=[("Assisted-by", "generic LLM chatbot")]), None),
    (record(author="Claude Opus 4.7 <noreply@anthropic.com>"), "Claude Opus 4.7"),
])
def test_model_is_captured(matcher: Matcher, commit: CommitRecord, model: str | None) -> None:
    (hit,) = match_commit(commit, matcher).hits
    assert hit.model == model


VSCODE = co("Copilot <copilot@github.com>")
CLAUDE = co("Claude <noreply@anthropic.com>")


@pytest.mark.parametrize(("when", "trailers", "counted", "suspect"), [
    (datetime(2026, 4, 21, 23, 59, tzinfo=UTC), [VSCODE], {"copilot.vscode"}, set()),
    (datetime(2026, 4, 22, 0, 0, tzinfo=UTC), [VSCODE], set(), {"copilot.vscode"}),
    (datetime(2026, 5, 6, 23, 59, tzinfo=UTC), [VSCODE], set(), {"copilot.vscode"}),
    (datetime(2026, 5, 7, 0, 0, tzinfo=UTC), [VSCODE], {"copilot.vscode"}, set()),
    # window dates are UTC: 2026-05-07 01:00 +02:00 is still 2026-05-06 in UTC
    (datetime(2026, 5, 7, 1, 0, tzinfo=timezone(timedelta(hours=2))), [VSCODE], set(),
     {"copilot.vscode"}),
    (datetime(2026, 4, 30, tzinfo=UTC), [VSCODE, CLAUDE], {"claude.coauthor"},
     {"copilot.vscode"}),
])
def test_false_positive_window(matcher: Matcher, when: datetime,
                               trailers: list[tuple[str, str]], counted: set[str],
                               suspect: set[str]) -> None:
    match = match_commit(record(trailers=trailers, when=when), matcher)
    assert {h.signal.id for h in match.hits} == counted
    assert {h.signal.id for h in match.suspect} == suspect


@pytest.mark.parametrize("message", [
    "", "\n", "Fix caf\ufffd \ufffd\ufffd\n", "x" * 5_000_000,
    "Merge branch '\n", "Merge pull request #1 from \n", "\x1f\x1e odd\n",
])
def test_odd_messages_do_not_crash(matcher: Matcher, message: str) -> None:
    assert not match_commit(record(message), matcher).ai


# --------------------------------------------------------------------------- aggregation


def window_of(commits: Sequence[CommitRecord], matcher: Matcher, *, shallow: bool = False,
              since: datetime = datetime(2025, 11, 1, tzinfo=UTC), signatures: str = "",
              boundary: frozenset[str] = frozenset()) -> tuple[History, Attribution]:
    """``collect`` with newest-first input, as the source streams it."""
    ordered = sorted(commits, key=lambda c: c.committed, reverse=True)
    return collect(ordered, matcher, since=since, until=AS_OF, shallow=shallow,
                   signatures=signatures, boundary=boundary)


def day(n: int, hour: int = 12) -> datetime:
    """The n-th day of 2026 (1-based), at ``hour`` UTC."""
    return datetime(2026, 1, 1, hour, tzinfo=UTC) + timedelta(days=n - 1)


def test_window_figures(matcher: Matcher, catalog: Catalog) -> None:
    commits = [
        record(sha="1" * 40, when=day(1), author="A <A@Example.com>"),
        record(sha="2" * 40, when=day(2), author="A <a@example.com>",
               trailers=[CLAUDE, ("Claude-Session", "https://claude.ai/code/session_1")]),
        record(sha="3" * 40, when=day(40), parents=2,
               trailers=[co("Claude Opus 4.6 <noreply@anthropic.com>")]),
        record(sha="4" * 40, when=day(41),
               author="Copilot <198982749+Copilot@users.noreply.github.com>"),
        record(sha="5" * 40, when=day(42)),
        record(sha="6" * 40, when=datetime(2026, 4, 30, tzinfo=UTC), trailers=[VSCODE]),
    ]
    history, attribution = window_of(commits, matcher, signatures="NNEBUG")
    assert (history.commits, history.merges, history.authors) == (6, 1, 3)
    assert (history.signature_sample, history.signed, history.verified,
            history.unverifiable) == (6, 4, 2, 1)
    assert [(m.month, m.commits, m.ai_commits) for m in history.months] == [
        ("2026-01", 2, 1), ("2026-02", 3, 2), ("2026-04", 1, 0)]
    assert history.oldest == "2026-01-01"
    assert not history.truncated
    assert (attribution.commits, attribution.ai_commits, attribution.share) == (6, 3, 0.5)
    assert attribution.model_named_commits == 1
    by_signal = {s.signal: s for s in attribution.signals}
    assert set(by_signal) == {"claude.coauthor", "claude.session", "copilot.agent_identity"}
    claude = by_signal["claude.coauthor"]
    assert (claude.commits, claude.model_named, claude.first, claude.last) == (
        2, 1, "2026-01-02", "2026-02-09")
    assert claude.examples == ("2" * 40, "3" * 40)
    assert [(t.tool, t.commits) for t in attribution.tools] == [
        ("claude-code", 2), ("claude-code-web", 1), ("copilot-agent", 1)]
    (suspect,) = attribution.suspect
    assert (suspect.signal, suspect.commits, suspect.examples) == ("copilot.vscode", 1,
                                                                   ("6" * 40,))
    assert attribution.ai_authors == tuple(sorted(
        {pseudonym("a@example.com"), pseudonym("dev@example.com"),
         pseudonym("198982749+copilot@users.noreply.github.com")}))
    assert "example.com" not in repr(attribution)
    assert attribution.catalog_signals == len(catalog.signatures.signals)


def test_examples_are_capped_oldest_first(matcher: Matcher) -> None:
    commits = [record(sha=f"{n:040x}", when=day(n), trailers=[CLAUDE]) for n in range(1, 9)]
    _, attribution = window_of(commits, matcher)
    (signal,) = attribution.signals
    assert signal.commits == 8
    assert signal.examples == tuple(f"{n:040x}" for n in range(1, 6))
    assert (signal.first, signal.last) == ("2026-01-01", "2026-01-08")


def test_month_is_the_utc_month_of_the_commit_time(matcher: Matcher) -> None:
    late = datetime(2026, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    history, _ = window_of([record(when=late)], matcher)
    assert [m.month for m in history.months] == ["2026-02"]
    assert history.oldest == "2026-02-01"


BOUNDARY = frozenset({"b" * 40})


@pytest.mark.parametrize(("shallow", "oldest", "sha", "truncated"), [
    (False, day(1), "a" * 40, False),
    # the walk reached a commit whose parents the shallow clone lacks
    (True, day(1), "b" * 40, True),
    # a shallow clone deep enough for the window: its boundary lies beyond the window
    (True, day(1), "a" * 40, False),
    (True, None, "a" * 40, True),
])
def test_truncated(matcher: Matcher, shallow: bool, oldest: datetime | None, sha: str,
                   truncated: bool) -> None:
    commits = [] if oldest is None else [record(when=oldest, sha=sha)]
    history, attribution = window_of(commits, matcher, shallow=shallow, boundary=BOUNDARY)
    assert (history.shallow, history.truncated) == (shallow, truncated)
    if oldest is None:
        assert (history.commits, history.oldest, attribution.share) == (0, None, 0.0)


def test_share_is_rounded(matcher: Matcher) -> None:
    commits = [record(when=day(n), trailers=[CLAUDE] if n == 1 else []) for n in range(1, 4)]
    _, attribution = window_of(commits, matcher)
    assert attribution.share == 0.3333


@pytest.mark.parametrize(("pattern", "message", "matches"), [
    # lower-case patterns are searched in lower-cased text, others case-insensitively
    ("made by acme-bot", "Fix\n\nMADE BY ACME-BOT\n", True),
    ("Made by ACME\\b", "fix\n\nmade by acme\n", True),
    ("[A-Z]{3}-agent-\\d", "fix\n\nabc-agent-1\n", True),
    ("made by acme-bot", "Fix\n\nmade by acme\n", False),
])
def test_body_signals_are_case_insensitive(catalog: Catalog, pattern: str, message: str,
                                           matches: bool) -> None:
    extended = catalog.signatures.extend({"signals": [
        {"id": "acme.body", "tool": "acme", "channel": "body", "confidence": "L",
         "pattern": pattern}]})
    match = match_commit(record(message), Matcher(extended))
    assert ([h.signal.id for h in match.hits] == ["acme.body"]) is matches


def test_extended_catalog_signal_is_applied(catalog: Catalog) -> None:
    extended = catalog.signatures.extend({"signals": [
        {"id": "acme.agent", "tool": "acme", "channel": "identity", "confidence": "M",
         "pattern": "<agent@acme\\.example>$"}]})
    match = match_commit(record(author="Agent <agent@acme.example>"), Matcher(extended))
    assert [h.signal.tool for h in match.hits] == ["acme"]


# --------------------------------------------------------------------------- real repository


def git_at(repo: RepoBuilder, when: datetime, *args: str) -> str:
    """Run git in the fixture repository with pinned author and committer dates."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S+0000")
    env = {**repo.env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    return subprocess.run(["git", *args], cwd=repo.path, env=env, check=True,
                          capture_output=True, text=True).stdout


def items_by_kind(items: Sequence[Evidence[Any] | Gap]) -> dict[str, Evidence[Any] | Gap]:
    """One item per kind (each kind of this collector is a singleton)."""
    kinds = [i.kind for i in items]
    assert len(kinds) == len(set(kinds))
    return {i.kind: i for i in items}


def test_real_repository(repo: RepoBuilder, context_of: Callable[..., Context]) -> None:
    repo.write("a.txt", "a\n").commit("Initial commit\n", when=day(5))
    repo.write("b.txt", "b\n").commit(
        "Add b\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
        "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n", when=day(10))
    repo.write("c.txt", "c\n").commit(
        "Initial plan\n", when=day(40),
        author="copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>")
    repo.write("d.txt", "d\n").commit("Fix typo\n", when=day(41),
                                      author="Claude Smith <claude@example.com>")
    git_at(repo, day(42), "checkout", "-q", "-b", "claude/add-docs-line-05PIZ")
    repo.write("e.txt", "e\n").commit("Add docs line\n", when=day(42))
    git_at(repo, day(43), "checkout", "-q", "main")
    git_at(repo, day(43), "merge", "-q", "--no-ff", "--no-edit", "claude/add-docs-line-05PIZ")
    message = repo.path.parent / "message.bin"
    message.write_bytes(b"Caf\xe9 \xff fix\n\nAssisted-by: Claude:claude-opus-4-6\n")
    git_at(repo, day(70), "commit", "-q", "--allow-empty", "-F", str(message))
    repo.commit("Old VS Code commit\n\nCo-authored-by: Copilot <copilot@github.com>\n",
                when=datetime(2026, 4, 23, 9, tzinfo=UTC))
    head = repo.git("rev-parse", "HEAD").strip()
    repo.git("notes", "--ref=ai", "add", "-m", '{"schema_version": "authorship/3.0.0"}', "HEAD")
    repo.git("update-ref", "refs/ai/authorship/" + head, head)

    ctx = context_of(repo)
    items = items_by_kind(list(COLLECTOR.run(ctx)))
    history, attribution, refs = (items[k] for k in (History.KIND, Attribution.KIND,
                                                      ProvenanceRefs.KIND))
    assert isinstance(history, Evidence) and isinstance(attribution, Evidence)
    assert isinstance(refs, Evidence)
    assert history.provenance.locator.startswith("git:git log --since=@")
    assert history.provenance.digest == head == attribution.provenance.digest
    assert history.provenance.collector == "attribution@1"
    assert (history.payload.commits, history.payload.merges, history.payload.authors) == (8, 1, 3)
    assert [(m.month, m.commits, m.ai_commits) for m in history.payload.months] == [
        ("2026-01", 2, 1), ("2026-02", 4, 2), ("2026-03", 1, 1), ("2026-04", 1, 0)]
    payload: Attribution = attribution.payload
    assert {s.signal: s.commits for s in payload.signals} == {
        "claude.coauthor": 1, "claude.footer": 1, "copilot.agent_identity": 1,
        "claude.branch": 1, "policy.assisted_by": 1}
    assert payload.ai_commits == 4
    # footer and co-author of one commit count that commit once for the tool
    assert [(t.tool, t.commits) for t in payload.tools] == [
        ("claude-code", 2), ("copilot-agent", 1), ("policy-trailer", 1)]
    assert payload.model_named_commits == 2
    assert [s.signal for s in payload.suspect] == ["copilot.vscode"]
    assert refs.payload == ProvenanceRefs(refs=(RefCount(ref="refs/ai/authorship/", entries=1),
                                                RefCount(ref="refs/notes/ai", entries=1)))
    assert refs.provenance.locator == ("git:git for-each-ref refs/notes/ai refs/ai/authorship/ "
                                       "refs/entire/checkpoints/ refs/heads/entire/checkpoints/v1")


def test_empty_repository(repo: RepoBuilder, context_of: Callable[..., Context]) -> None:
    items = items_by_kind(list(COLLECTOR.run(context_of(repo))))
    history, attribution, refs = (items[k] for k in (History.KIND, Attribution.KIND,
                                                      ProvenanceRefs.KIND))
    assert isinstance(history, Evidence) and isinstance(attribution, Evidence)
    assert (history.payload.commits, history.payload.oldest, history.payload.months) == (
        0, None, ())
    assert (attribution.payload.ai_commits, attribution.payload.share) == (0, 0.0)
    assert history.provenance.commit is None and history.provenance.digest is None
    assert isinstance(refs, Evidence) and refs.payload.refs == ()


def test_unreadable_history_becomes_gaps(repo: RepoBuilder,
                                         context_of: Callable[..., Context]) -> None:
    first = repo.commit("One\n", when=day(5))
    repo.commit("Two\n", when=day(6))
    # Corrupt the repository for real: the oldest commit object disappears.
    (repo.path / ".git" / "objects" / first[:2] / first[2:]).unlink()
    items = items_by_kind(list(COLLECTOR.run(context_of(repo))))
    for kind in (History.KIND, Attribution.KIND):
        gap = items[kind]
        assert isinstance(gap, Gap)
        assert gap.reason is UnknownReason.UNREADABLE
        assert gap.detail.startswith("git log failed: ") and first in gap.detail
    assert isinstance(items[ProvenanceRefs.KIND], Evidence)

"""The AI signature catalog: packaged data, the patterns it holds, and validation errors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from scanner.catalog import CatalogError, read_packaged
from scanner.catalog.signatures import CHANNELS, SignatureCatalog, load_signatures


@pytest.fixture(scope="module")
def packaged() -> SignatureCatalog:
    """The packaged signatures.yaml."""
    return load_signatures(read_packaged("signatures.yaml"))


def test_packaged_catalog_is_complete(packaged: SignatureCatalog) -> None:
    ids = [s.id for s in packaged.signals]
    assert len(ids) == len(set(ids))
    assert {s.channel for s in packaged.signals} == set(CHANNELS)
    assert packaged.provenance_refs == ("refs/notes/ai", "refs/ai/authorship/",
                                        "refs/entire/checkpoints/",
                                        "refs/heads/entire/checkpoints/v1")
    (window,) = packaged.windows
    assert (window.signal, window.start, window.end) == (
        "copilot.vscode", date(2026, 4, 22), date(2026, 5, 6))


# Every bot identity of ai-signals §1.1 with its numeric id appears in an identity or
# co-author pattern as "<id>+<login>@" (never as a bare login or domain).
BOT_ADDRESSES = [
    "41898282+claude[bot]@", "209825114+claude[bot]@", "215619710+anthropic-claude[bot]@",
    "208546643+claude-code-action[bot]@", "198982749+copilot@", "175728472+copilot@",
    "223556219+copilot@", "167198135+copilot[bot]@", "158243242+devin-ai-integration[bot]@",
    "161369871+google-labs-jules[bot]@", "176961590+gemini-code-assist[bot]@",
    "208079219+amazon-q-developer[bot]@", "206951365+cursor[bot]@",
    "199175422+chatgpt-codex-connector[bot]@", "215057067+openai-codex[bot]@",
    "128439645+sweep-ai[bot]@", "205137888+cline[bot]@", "230936708+continue[bot]@",
    "138933559+factory-droid[bot]@", "220155983+jetbrains-ai[bot]@",
    "244629292+kiro-agent@", "189301087+windsurf-bot[bot]@",
]


@pytest.mark.parametrize("address", BOT_ADDRESSES)
def test_bot_identities_are_matched_by_id_and_login(packaged: SignatureCatalog,
                                                    address: str) -> None:
    text = f"Bot <{address}users.noreply.github.com>"
    assert any(s.pattern.search(text) for s in packaged.signals
               if s.channel == "identity" or s.trailer == "co-authored-by")


# (signal id, text the channel sees, expected match, expected model)
PATTERN_ROWS: list[tuple[str, str, bool, str | None]] = [
    ("claude.coauthor", "Claude <noreply@anthropic.com>", True, None),
    ("claude.coauthor", "Claude Opus 4.6 (1M context) <noreply@anthropic.com>", True,
     "Claude Opus 4.6 (1M context)"),
    ("claude.coauthor", "Claude Smith <claude@example.com>", False, None),
    ("claude.coauthor", "Boris <boris@anthropic.com>", False, None),
    ("claude.footer", "🤖 Generated with [Claude Code](https://claude.ai/code)", True, None),
    ("claude.footer", "🤖 Generated with [Claude Code](https://claude.com/claude-code)", True,
     None),
    ("claude.footer", "We use Claude Code for reviews", False, None),
    ("claude.session", "https://claude.ai/code/session_01AbC", True, None),
    ("claude.web_identity", "Claude Opus 4.7 <noreply@anthropic.com>", True, "Claude Opus 4.7"),
    ("claude.web_identity", "Claude <claude@anthropic.com>", False, None),
    ("aider.coauthor", "aider (anthropic/claude-sonnet-4) <aider@aider.chat>", True,
     "anthropic/claude-sonnet-4"),
    ("aider.coauthor", "aider (gpt-4o) <noreply@aider.chat>", True, "gpt-4o"),
    ("aider.coauthor", "aider (o3) <noreply@aider.dev>", True, "o3"),
    ("aider.coauthor", "aider (o3) <paul@aider.chat>", False, None),
    ("aider.name_suffix", "Paul Gauthier (aider) <paul@aider.chat>", True, None),
    ("aider.name_suffix", "Aider Smith <aider@example.com>", False, None),
    ("aider.prefix", "aider: fix the thing", True, None),
    ("aider.prefix", "Fix\n\naider: later line", False, None),
    ("crush.assisted_by", "Crush:glm-5.1", True, "glm-5.1"),
    ("crush.assisted_by_legacy", "GLM-5.1 via Crush <crush@charm.land>", True, "GLM-5.1"),
    ("policy.assisted_by", "Claude:claude-3-opus coccinelle sparse", True, "claude-3-opus"),
    ("policy.assisted_by", "generic LLM chatbot", True, None),
    ("policy.ai_coauthor", "GitHub Copilot (gpt-4.1)", True, "gpt-4.1"),
    ("copilot.agent_identity",
     "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>", True, None),
    ("copilot.agent_identity", "Someone <12345+Copilot@users.noreply.github.com>", False, None),
    ("copilot.agent_identity", "Someone <someone@users.noreply.github.com>", False, None),
    ("copilot.vscode", "Copilot <copilot@github.com>", True, None),
    ("copilot.vscode", "Mona <mona@github.com>", False, None),
    ("copilot.autofix_legacy",
     "Copilot Autofix powered by AI <62310815+github-advanced-security[bot]@users.noreply"
     ".github.com>", True, None),
    ("copilot.autofix_legacy",
     "github-advanced-security[bot] <62310815+github-advanced-security[bot]@users.noreply"
     ".github.com>", False, None),
    ("codex.identity", "GPT 5.5 <codex@openai.com>", True, None),
    ("codex.identity", "Codex <codex@example.com>", False, None),
    ("openhands.identity", "openhands <openhands@all-hands.dev>", True, None),
    ("openhands.identity", "Xingyao <xingyao@all-hands.dev>", False, None),
    ("firebender.coauthor", "Firebender <help@firebender.com>", True, None),
    ("firebender.coauthor", "Support <help@firebender.com>", False, None),
    ("cursor.branch", "cursor/fix-login-bug-a1b2", True, None),
    ("cursor.branch", "cursor/fix-login-bug", False, None),
    ("devin.branch", "devin/1771599590-hooks-rebase-perf", True, None),
    ("devin.branch", "devin/hooks", False, None),
    ("amazon_q.branch", "Q-DEV-issue-12-1700000000", True, None),
]


@pytest.mark.parametrize(("signal_id", "text", "matches", "model"), PATTERN_ROWS)
def test_signal_patterns(packaged: SignatureCatalog, signal_id: str, text: str, matches: bool,
                         model: str | None) -> None:
    (signal,) = [s for s in packaged.signals if s.id == signal_id]
    assert bool(signal.pattern.search(text)) is matches
    if matches:
        found = signal.model.search(text) if signal.model else None
        assert (found.group(1).strip() if found else None) == model


def _raw(**signal: Any) -> dict[str, Any]:
    entry = {"id": "x.test", "tool": "x", "channel": "body", "confidence": "H",
             "pattern": "marker"}
    entry.update(signal)
    return {"version": 1, "signals": [{k: v for k, v in entry.items() if v is not None}]}


INVALID: list[tuple[str, Any, str]] = [
    ("bad regex", _raw(pattern="generated with ("), "invalid regex"),
    ("inline global flag", _raw(pattern="(?i)marker"), "invalid regex"),
    ("named group", _raw(pattern="(?P<name>x)"), "named groups"),
    ("backreference", _raw(pattern=r"(a)\1"), "backreferences"),
    ("unknown channel", _raw(channel="subject"), "channel must be one of"),
    ("unknown confidence", _raw(confidence="X"), "confidence must be one of"),
    ("missing tool", _raw(tool=""), "missing tool"),
    ("missing id", _raw(id=""), "missing id"),
    ("trailer signal without key", _raw(channel="trailer"), "needs a trailer key"),
    ("trailer key on body signal", _raw(trailer="assisted-by"), "only trailer signals"),
    ("model without group", _raw(model="opus"), "exactly one group"),
    ("unknown key", _raw(regex="x"), "unknown keys"),
    ("duplicate id", {"version": 1, "signals": [_raw()["signals"][0]] * 2}, "duplicate id"),
    ("wrong version", {"version": 2}, "unsupported version"),
    ("bad provenance ref", {"version": 1, "provenance_refs": ["notes/ai"]}, "provenance_refs"),
    ("window to before from", {**_raw(), "false_positive_windows": [
        {"signal": "x.test", "from": date(2026, 5, 6), "to": date(2026, 4, 22), "why": "w"}]},
     "before"),
    ("window not a date", {**_raw(), "false_positive_windows": [
        {"signal": "x.test", "from": "April", "to": "2026-05-06", "why": "w"}]},
     "not an ISO date"),
    ("window unknown signal", {**_raw(), "false_positive_windows": [
        {"signal": "nope", "from": "2026-04-22", "to": "2026-05-06", "why": "w"}]},
     "unknown signal"),
    ("window without why", {**_raw(), "false_positive_windows": [
        {"signal": "x.test", "from": "2026-04-22", "to": "2026-05-06"}]}, "needs signal and why"),
    ("not a mapping", ["signals"], "expected a mapping"),
]


@pytest.mark.parametrize(("case", "raw", "message"), INVALID, ids=[c for c, _, _ in INVALID])
def test_invalid_catalog_is_rejected(case: str, raw: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        load_signatures(raw)


def test_quoted_window_dates_are_accepted() -> None:
    catalog = load_signatures({**_raw(), "false_positive_windows": [
        {"signal": "x.test", "from": "2026-04-22", "to": "2026-04-22", "why": "one day"}]})
    assert catalog.windows[0].covers(date(2026, 4, 22))
    assert not catalog.windows[0].covers(date(2026, 4, 23))


def test_extend_adds_signals_and_windows(packaged: SignatureCatalog) -> None:
    extended = packaged.extend({
        "signals": [{"id": "acme.bot", "tool": "acme-agent", "channel": "identity",
                     "confidence": "M", "pattern": "<agent@acme\\.example>$"}],
        "false_positive_windows": [{"signal": "acme.bot", "from": "2026-01-01",
                                    "to": "2026-01-31", "why": "test window"}],
    })
    assert len(extended.signals) == len(packaged.signals) + 1
    assert extended.signals[-1].id == "acme.bot"
    assert len(extended.windows) == len(packaged.windows) + 1
    assert extended.provenance_refs == packaged.provenance_refs


@pytest.mark.parametrize(("raw", "message"), [
    ({"signals": [{"id": "claude.coauthor", "tool": "x", "channel": "body",
                   "confidence": "H", "pattern": "x"}]}, "duplicate id"),
    ({"provenance_refs": ["refs/x"]}, "unknown keys"),
    ({"signals": {"id": "x"}}, "must be a list"),
])
def test_extend_rejects_bad_entries(packaged: SignatureCatalog, raw: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        packaged.extend(raw)

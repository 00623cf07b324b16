"""The Markdown report: content per golden and organisation, escaping, diff, trend, size."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from scanner.diff import compare
from scanner.model import Report
from scanner.report import json_report, markdown
from scanner.summary import summarize

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
GOLDENS = sorted(p.stem for p in GOLDEN.glob("*.json"))


def golden(name: str) -> dict[str, Any]:
    """A golden JSON report as a document."""
    document: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    return document


def indicators(repo: dict[str, Any]) -> list[dict[str, Any]]:
    """Every indicator of a repository document."""
    return [i for d in repo["model_d"]["domains"] for i in d["indicators"]]


class Rendered(HTMLParser):
    """What a Markdown renderer made of a text: its tags, and the text of each table cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[str] = []
        self.open_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("td", "th"):
            self.cells.append("")
            self.open_cell = True

    def handle_endtag(self, tag: str) -> None:
        self.open_cell = self.open_cell and tag not in ("td", "th")

    def handle_data(self, data: str) -> None:
        if self.open_cell:
            self.cells[-1] += data


def rendered(text: str) -> Rendered:
    """GitHub-flavoured Markdown (CommonMark with tables) turned into HTML and parsed."""
    parser = Rendered()
    parser.feed(MarkdownIt("commonmark").enable("table").render(text))
    return parser


HOSTILE = [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('<img src=x onerror="alert(2)">', '&lt;img src=x onerror="alert(2)"&gt;'),
    ("a | b | c", r"a \| b \| c"),
    ("`rm -rf /`", r"\`rm -rf /\`"),
    ("[click](javascript:alert(3))", r"\[click\](javascript:alert(3))"),
    ("![x](https://evil.example/x.png)", r"!\[x\](https://evil.example/x.png)"),
    ("# heading", r"\# heading"),
    ("line one\nline two\r\n| cell |", r"line one line two \| cell \|"),
    ("**bold** _em_ ~~strike~~", r"\*\*bold\*\* \_em\_ \~\~strike\~\~"),
    ("a &amp; b & c", "a &amp;amp; b &amp; c"),
    ("back\\slash", r"back\\slash"),
    ("\x1b[31mred\x1b[0m\x00", r"\[31mred \[0m"),
    ("<!-- hidden -->", "&lt;!-- hidden --&gt;"),
    ("x" * 600, "x" * 499 + "…"),
    ("owned by @acme/security", "owned by @&#8203;acme/security"),
]


@pytest.mark.parametrize(("raw", "expected"), HOSTILE)
def test_escape_neutralises_hostile_text(raw: str, expected: str) -> None:
    assert markdown.escape(raw) == expected


@pytest.mark.parametrize("raw", [raw for raw, _ in HOSTILE])
def test_escaped_text_renders_as_the_same_text_in_one_table_cell(raw: str) -> None:
    page = rendered(f"| a | b |\n| --- | --- |\n| {markdown.escape(raw)} | end |\n")
    assert set(page.tags) == {"table", "thead", "tbody", "tr", "th", "td"}
    shown = " ".join(re.sub(r"[\x00-\x1f]", " ", raw).split())
    if len(shown) > markdown.MAX_TEXT:
        shown = shown[:markdown.MAX_TEXT - 1] + "…"
    # a handle keeps a zero-width space after '@' so that posting the report notifies no one
    assert page.cells == ["a", "b", shown.replace("@", "@\u200b"), "end"]


@pytest.mark.parametrize("name", GOLDENS)
def test_repository_report_shows_levels_failures_and_next_steps(name: str) -> None:
    document = golden(name)
    text = markdown.render(document, diff=None, trend=())
    repo = document["repositories"][0]
    assert text.startswith(f"# aims report: {markdown.escape(repo['repo'])}\n")
    assert repo["model_d"]["code"] in text
    stage = repo["model_s"]
    assert f"| Model S, security stage | {stage['stage']}" in text
    assert markdown.escape(stage["name"]) in text
    for row in indicators(repo):
        shown = f"**{row['id']}**" in text
        assert shown == (row["status"] == "unmet"), row["id"]
    for answer in repo["model_s"]["answers"]:
        assert (f"**{answer['id']}**" in text) == (answer["status"] == "unmet"), answer["id"]
    for step in repo["next_steps"][:markdown.MAX_STEPS]:
        assert markdown.escape(step) in text
    gaps = {e["id"]: e for e in document["evidence"] if "gap" in e}
    for ident in repo["problems"][:markdown.MAX_ITEMS]:
        assert markdown.escape(gaps[ident]["gap"]["detail"]) in text
    assert "<" not in text, "raw HTML must never reach the Markdown"


def test_unmet_indicator_cites_the_files_of_its_evidence() -> None:
    text = markdown.render(golden("mid-maturity"), diff=None, trend=())
    line = next(x for x in text.splitlines() if "**ABC-3a**" in x)
    assert line.endswith("(evidence: .github/CODEOWNERS)")


def test_hostile_repository_lists_what_could_not_be_read() -> None:
    text = markdown.render(golden("hostile"), diff=None, trend=())
    assert "**Partial:**" in text
    section = text.split("### Could not be read\n", 1)[1]
    assert section.count("\n- ") >= len(golden("hostile")["repositories"][0]["problems"])


def test_organisation_report_is_a_table_of_repositories(org_report: Report) -> None:
    document = json.loads(json_report.render(org_report))
    text = markdown.render(document, diff=None, trend=())
    org = document["organisation"]
    assert text.startswith("# aims report: github:acme\n")
    for row in org["levels"]:
        assert any(line.startswith(f"| {markdown.escape(row['repo'])} | {row['code']}")
                   for line in text.splitlines()), row["repo"]
    for answer in org["answers"]:
        assert (f"**{answer['id']}**" in text) == (answer["status"] != "met"), answer["id"]
    for failure in document["failures"]:
        assert f"- {markdown.escape(failure['repo'])}: {failure['reason']}" in text
    assert "## Unmet indicators" not in text and "### Unmet indicators" not in text
    page = rendered(text)
    assert page.tags.count("table") == 2


def with_change(document: dict[str, Any]) -> dict[str, Any]:
    """The document as a previous run would have had it: CLG-2a unmet, CLG at level 1."""
    older = copy.deepcopy(document)
    older["as_of"] = "2026-10-01T00:00:00Z"
    domain = older["repositories"][0]["model_d"]["domains"][0]
    domain["floor"] = 1
    next(i for i in domain["indicators"] if i["id"] == "CLG-2a")["status"] = "unmet"
    return older


def test_diff_lists_what_improved() -> None:
    new = golden("mid-maturity")
    diff = compare(summarize(with_change(new)), summarize(new))
    text = markdown.render(new, diff=diff, trend=())
    section = text.split("## What changed since the previous run (2026-10-01)\n", 1)[1]
    assert "**Improved:**" in section and "**Regressed:**" not in section.split("##")[0]
    assert "- local:mid-maturity: CLG 1 → 2" in section
    assert "- local:mid-maturity: CLG-2a unmet → met" in section


def test_diff_without_change_says_so() -> None:
    document = golden("mid-maturity")
    run = summarize(document)
    text = markdown.render(document, diff=compare(run, run), trend=())
    assert "## What changed since the previous run (2026-11-01)\n\nNo change.\n" in text


@pytest.mark.parametrize(("runs", "rows"), [(0, 0), (1, 0), (2, 2), (15, markdown.MAX_RUNS)])
def test_trend_table_needs_two_runs(runs: int, rows: int) -> None:
    document = golden("mid-maturity")
    history = []
    for day in range(runs):
        older = copy.deepcopy(document)
        older["as_of"] = f"2026-10-{day + 1:02d}T00:00:00Z"
        history.append(summarize(older))
    text = markdown.render(document, diff=None, trend=history)
    assert ("## Trend" in text) == (rows > 0)
    assert sum(line.startswith("| 2026-10-") for line in text.splitlines()) == rows


def test_long_lists_end_with_how_many_were_left_out() -> None:
    document = golden("mid-maturity")
    repo = document["repositories"][0]
    domain = repo["model_d"]["domains"][0]
    template = next(i for i in domain["indicators"] if i["id"] == "CLG-2a")
    domain["indicators"] = [{**template, "id": f"X-{n}", "status": "unmet"} for n in range(120)]
    unmet = sum(i["status"] == "unmet" for i in indicators(repo))
    text = markdown.render(document, diff=None, trend=())
    assert f"- … and {unmet - markdown.MAX_ITEMS} more (see the JSON report)\n" in text
    assert text.count("✗ **X-") == markdown.MAX_ITEMS


def test_output_stays_within_the_job_summary_and_note_limits() -> None:
    document = golden("hostile")
    repo = document["repositories"][0]
    document["repositories"] = [{**repo, "repo": f"local:{'r' * 300}-{n}"} for n in range(3000)]
    text = markdown.render(document, diff=None, trend=())
    assert len(text.encode("utf-8")) <= markdown.LIMIT <= 1024 * 1024
    assert text.endswith("the JSON report has everything.**\n")
    assert len(text) > markdown.LIMIT * 0.9


@pytest.mark.parametrize("name", GOLDENS)
def test_render_is_byte_stable(name: str) -> None:
    document = golden(name)
    first = markdown.render(document, diff=None, trend=())
    assert markdown.render(json.loads(json.dumps(document)), diff=None, trend=()) == first

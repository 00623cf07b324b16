"""The terminal report: the four-number code, the stage, what decided them, next steps.

Readable in 80 columns. Every untrusted string (paths, summaries built from file content)
is printed as plain text: rich markup is never interpreted and control characters are
replaced, so a hostile file name cannot restyle or rewrite the terminal.
"""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.evidence import Gap
from scanner.model import DomainScore, RepoAssessment, Report, Result, StagePlacement, Status
from scanner.report.json_report import stamp

SYMBOL = {Status.MET: "✓", Status.UNMET: "✗", Status.UNKNOWN: "?", Status.ATTESTED: "A"}
STYLE = {Status.MET: "green", Status.UNMET: "red", Status.UNKNOWN: "yellow",
         Status.ATTESTED: "cyan"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TOP_STEPS = 5


def clean(text: str) -> str:
    """Untrusted text with control characters made visible as '?'."""
    return _CONTROL.sub("?", text)


def _level(floor: int, ceiling: int) -> str:
    return str(floor) if floor == ceiling else f"{floor} (≤{ceiling})"


def _result_line(result: Result, title: str | None = None) -> Text:
    line = Text()
    line.append(f"{SYMBOL[result.status]} {result.id} ", style=STYLE[result.status])
    if title:
        line.append(f"{title}: ", style="bold")
    line.append(clean(result.summary))
    if result.reason:
        line.append(f" [{result.reason.value}]", style="dim")
    return line


def _domains(console: Console, repo: RepoAssessment, detail: bool) -> None:
    ceiling = f"  (ceiling {repo.code_ceiling})" if repo.code_ceiling != repo.code else ""
    console.print(Text.assemble(("Model D, governance domains: ", "bold"),
                                (repo.code, "bold magenta"), ceiling))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False,
                  padding=(0, 1))
    table.add_column("Domain", no_wrap=True)
    table.add_column("Level", no_wrap=True)
    table.add_column("Decided by")
    for score in repo.domains:
        table.add_row(f"{score.id} {score.name}", _level(score.floor, score.ceiling),
                      _deciding(score, detail))
    console.print(table)


def _deciding(score: DomainScore, detail: bool) -> Text:
    """Indicators that hold the domain at its level (all indicators when ``detail``)."""
    rows = [r for r in score.indicators
            if detail or (r.level == score.floor + 1 and r.result.status is not Status.MET
                          and r.result.status is not Status.ATTESTED)]
    text = Text()
    for row in rows:
        if text:
            text.append("\n")
        text.append_text(_result_line(row.result))
    if not rows:
        text.append("all levels met" if score.floor == 5 else "")
    return text


def _stage(console: Console, stage: StagePlacement, detail: bool) -> None:
    ceiling = (f"  (ceiling {stage.ceiling})" if stage.ceiling != stage.floor else "")
    console.print(Text.assemble(("Model S, security stage: ", "bold"),
                                (f"{stage.floor} {stage.name}", "bold magenta"), ceiling))
    for tally in stage.tallies:
        deciding = tally.stage <= stage.floor + 1
        if not (detail or deciding):
            continue
        rule = (f"{tally.threshold}+ unfavourable keeps a repository at stage 1"
                if tally.counts == "unfavourable" else f"{tally.threshold}+ favourable needed")
        console.print(Text(f" Stage {tally.stage} {tally.name}: {tally.favourable} favourable, "
                           f"{tally.unfavourable} unfavourable, {tally.unknown} unknown "
                           f"({rule})", style="bold"))
        for answer in stage.answers:
            if answer.stage == tally.stage:
                line = Text("   ")
                line.append_text(_result_line(answer.result))
                line.append(f"  → {answer.answer}", style="dim")
                console.print(line)


def _repository(console: Console, report: Report, repo: RepoAssessment, detail: bool) -> None:
    head = repo.head[:12] if repo.head else "no commits"
    console.print(Text(f"{clean(repo.repo)} · HEAD {head}"
                       + (f" ({clean(repo.branch)})" if repo.branch else "")
                       + f" · as of {stamp(report.as_of)[:10]}"
                       + f" · history since {stamp(report.since)[:10]}", style="bold"))
    ai = {True: "yes", False: "no", None: "unknown"}[repo.ai_in_use]
    console.print(Text(f"AI in use: {ai} ({clean(repo.ai_in_use_basis)})"))
    console.print()
    _domains(console, repo, detail)
    console.print()
    _stage(console, repo.stage, detail)
    console.print()
    steps = repo.next_steps if detail else repo.next_steps[:TOP_STEPS]
    if steps:
        console.print(Text("Next steps:", style="bold"))
        for number, step in enumerate(steps, start=1):
            console.print(Text(f" {number}. {clean(step)}"))
    gaps = {i.id: i for i in report.evidence if isinstance(i, Gap)}
    if repo.problems:
        console.print()
        console.print(Text("Could not be read:", style="bold red"))
        for ident in repo.problems:
            gap = gaps[ident]
            console.print(Text(f" - {clean(gap.provenance.locator)}: {clean(gap.detail)}"))
    for note in repo.notes:
        console.print(Text(f"Note: {clean(note)}", style="yellow"))


def render(report: Report, *, color: bool = False, width: int = 80, detail: bool = False) -> str:
    """The terminal report as text (ANSI colours only when ``color``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      emoji=False, soft_wrap=False, legacy_windows=False)
    console.print(Text(f"aims {report.tool_version} · catalog {report.catalog_version}",
                       style="dim"))
    for repo in report.repositories:
        _repository(console, report, repo, detail)
    legend = "✓ met  ✗ unmet  ? unknown  A attested"
    if report.partial:
        legend += "  · PARTIAL: some evidence could not be read"
    console.print(Text(legend, style="dim"))
    return buffer.getvalue()

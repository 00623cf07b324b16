"""The terminal report: the four-number code, the stage, what decided them, next steps.

Readable in 80 columns, wrapped with hanging indents and without trailing spaces so the
text diffs cleanly. Every untrusted string (paths, summaries built from file content) is
printed as plain text: rich markup is never interpreted and control characters are
replaced, so a hostile file name cannot restyle or rewrite the terminal.
"""

from __future__ import annotations

import io
import re
import textwrap

from rich.console import Console
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
    """Untrusted text on one line, with control characters made visible as '?'."""
    return " ".join(_CONTROL.sub("?", text).split())


class Writer:
    """Prints wrapped lines with hanging indents to a rich console."""

    def __init__(self, console: Console, width: int) -> None:
        self.console = console
        self.width = width

    def line(self, text: str, *, indent: int = 0, hang: int = 2, style: str | None = None,
             lead: str = "", lead_style: str | None = None) -> None:
        """One logical line: ``lead`` (styled) then ``text``, wrapped to the width."""
        wrapper = textwrap.TextWrapper(width=self.width, initial_indent=" " * indent,
                                       subsequent_indent=" " * (indent + hang),
                                       break_on_hyphens=False, break_long_words=True)
        lines = wrapper.wrap(f"{lead}{text}") or [""]
        for number, chunk in enumerate(lines):
            rendered = Text(chunk, style=style or "")
            if number == 0 and lead and lead_style:
                rendered.stylize(lead_style, indent, indent + len(lead))
            self.console.print(rendered)

    def result(self, result: Result, title: str, *, indent: int, tail: str = "") -> None:
        """A result as ``✓ ID title: summary [reason]``."""
        reason = f" [{result.reason.value}]" if result.reason else ""
        self.line(f"{title}: {clean(result.summary)}{reason}{tail}", indent=indent, hang=2,
                  lead=f"{SYMBOL[result.status]} {result.id} ", lead_style=STYLE[result.status])

    def blank(self) -> None:
        """An empty line."""
        self.console.print()


def _level(floor: int, ceiling: int) -> str:
    return str(floor) if floor == ceiling else f"{floor} (ceiling {ceiling})"


def _domain(out: Writer, score: DomainScore, detail: bool) -> None:
    out.line(f"{score.id} {score.name}: level {_level(score.floor, score.ceiling)}",
             indent=1, style="bold")
    for row in score.indicators:
        blocking = (row.level == score.floor + 1
                    and row.result.status not in (Status.MET, Status.ATTESTED))
        if detail or blocking:
            out.result(row.result, row.title, indent=3)


def _stage(out: Writer, stage: StagePlacement, detail: bool) -> None:
    ceiling = f" (ceiling {stage.ceiling})" if stage.ceiling != stage.floor else ""
    out.line(f"{stage.floor} {stage.name}{ceiling}", lead="Model S, security stage: ",
             lead_style="bold")
    for tally in stage.tallies:
        if not (detail or tally.stage <= stage.floor + 1):
            continue
        rule = (f"{tally.threshold}+ unfavourable keep a repository at stage 1"
                if tally.counts == "unfavourable" else f"{tally.threshold}+ favourable needed")
        out.line(f"Stage {tally.stage} {tally.name}: {tally.favourable} favourable, "
                 f"{tally.unfavourable} unfavourable, {tally.unknown} unknown ({rule})",
                 indent=1, style="bold")
        for answer in stage.answers:
            if answer.stage == tally.stage:
                out.result(answer.result, answer.text, indent=3, tail=f" → {answer.answer}")


def _repository(out: Writer, report: Report, repo: RepoAssessment, detail: bool) -> None:
    head = repo.head[:12] if repo.head else "no commits"
    branch = f" ({clean(repo.branch)})" if repo.branch else ""
    out.line(f"{clean(repo.repo)} at {head}{branch}", style="bold")
    if repo.origin:
        out.line(f"origin {clean(repo.origin)}")
    out.line(f"as of {stamp(report.as_of)[:10]}, history since {stamp(report.since)[:10]}")
    ai = {True: "yes", False: "no", None: "unknown"}[repo.ai_in_use]
    out.line(f"AI in use: {ai} ({clean(repo.ai_in_use_basis)})")
    out.blank()
    ceiling = f" (ceiling {repo.code_ceiling})" if repo.code_ceiling != repo.code else ""
    out.line(f"{repo.code}{ceiling}", lead="Model D, governance domains: ", lead_style="bold")
    for score in repo.domains:
        _domain(out, score, detail)
    out.blank()
    _stage(out, repo.stage, detail)
    steps = repo.next_steps if detail else repo.next_steps[:TOP_STEPS]
    if steps:
        out.blank()
        out.line("Next steps:", style="bold")
        for number, step in enumerate(steps, start=1):
            out.line(clean(step), indent=1, hang=3, lead=f"{number}. ")
    gaps = {i.id: i for i in report.evidence if isinstance(i, Gap)}
    if repo.problems:
        out.blank()
        out.line("Could not be read:", style="bold red")
        for ident in repo.problems:
            gap = gaps[ident]
            out.line(f"{clean(gap.provenance.locator)}: {clean(gap.detail)}", indent=1,
                     lead="- ")
    for note in repo.notes:
        out.line(clean(note), lead="Note: ", style="yellow")


def render(report: Report, *, color: bool = False, width: int = 80, detail: bool = False) -> str:
    """The terminal report as text (ANSI colours only when ``color``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width + 1, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      emoji=False, soft_wrap=True, legacy_windows=False)
    out = Writer(console, width)
    out.line(f"aims {report.tool_version}, catalog {report.catalog_version}", style="dim")
    for repo in report.repositories:
        _repository(out, report, repo, detail)
        out.blank()
    legend = "✓ met  ✗ unmet  ? unknown  A attested"
    if report.partial:
        legend += "  PARTIAL: some evidence could not be read"
    out.line(legend, style="dim")
    return buffer.getvalue()

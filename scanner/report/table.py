"""The terminal report: the four-number code, the stage, what decided them, next steps.

A multi-repository report shows first what the token could see, then the organisation:
its stage from coverage answers, a table of repositories by level, the spread of each
domain's levels and the repositories that could not be scanned; per-repository detail
only when asked for.

Readable in 80 columns, wrapped with hanging indents and without trailing spaces so the
text diffs cleanly. Every untrusted string (paths, summaries built from file content) is
printed as plain text: rich markup is never interpreted and control characters are
replaced, so a hostile file name cannot restyle or rewrite the terminal.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Mapping

from rich.console import Console
from rich.text import Text

from scanner.evidence import READ_FAILURES, Gap
from scanner.model import (
    DomainScore,
    OrgAssessment,
    RepoAssessment,
    Report,
    Result,
    StagePlacement,
    StageTally,
    Status,
)
from scanner.report.json_report import stamp

SYMBOL = {Status.MET: "✓", Status.UNMET: "✗", Status.UNKNOWN: "?", Status.ATTESTED: "A"}
STYLE = {Status.MET: "green", Status.UNMET: "red", Status.UNKNOWN: "yellow",
         Status.ATTESTED: "cyan"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TOP_STEPS = 5
#: Whether an organisation answer reached its cut-off.
REACHED = {Status.MET: "yes", Status.UNMET: "no", Status.UNKNOWN: "unknown"}
AI = {True: "yes", False: "no", None: "unknown"}


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

    def row(self, cells: tuple[str, ...], widths: tuple[int, ...], *, indent: int = 1,
            style: str | None = None) -> None:
        """One table row: cells padded (or cut with an ellipsis) to ``widths``; a negative
        width right-aligns."""
        parts = [_fit(cell, abs(w)).rjust(-w) if w < 0 else _fit(cell, w).ljust(w)
                 for cell, w in zip(cells, widths, strict=True)]
        self.console.print(Text((" " * indent + "  ".join(parts)).rstrip(), style=style or ""))


def _fit(text: str, width: int) -> str:
    """Untrusted text cut to ``width`` characters, ending in an ellipsis when cut."""
    text = clean(text)
    return text if len(text) <= width else text[:width - 1] + "…"


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


def _stage_line(out: Writer, floor: int, ceiling: int, name: str) -> None:
    above = f" (ceiling {ceiling})" if ceiling != floor else ""
    out.line(f"{floor} {name}{above}", lead="Model S, security stage: ", lead_style="bold")


def _tally(out: Writer, tally: StageTally, subject: str) -> None:
    rule = (f"{tally.threshold}+ unfavourable keep {subject} at stage 1"
            if tally.counts == "unfavourable" else f"{tally.threshold}+ favourable needed")
    out.line(f"Stage {tally.stage} {tally.name}: {tally.favourable} favourable, "
             f"{tally.unfavourable} unfavourable, {tally.unknown} unknown ({rule})",
             indent=1, style="bold")


def _stage(out: Writer, stage: StagePlacement, detail: bool) -> None:
    _stage_line(out, stage.floor, stage.ceiling, stage.name)
    for tally in stage.tallies:
        if not (detail or tally.stage <= stage.floor + 1):
            continue
        _tally(out, tally, "a repository")
        for answer in stage.answers:
            if answer.stage == tally.stage:
                out.result(answer.result, answer.text, indent=3, tail=f" → {answer.answer}")


def _repository(out: Writer, report: Report, repo: RepoAssessment, gaps: Mapping[str, Gap],
                detail: bool) -> None:
    head = repo.head[:12] if repo.head else "no commits"
    branch = f" ({clean(repo.branch)})" if repo.branch else ""
    out.line(f"{clean(repo.repo)} at {head}{branch}", style="bold")
    if repo.origin:
        out.line(f"origin {clean(repo.origin)}")
    out.line(f"as of {stamp(report.as_of)[:10]}, history since {stamp(report.since)[:10]}")
    out.line(f"AI in use: {AI[repo.ai_in_use]} ({clean(repo.ai_in_use_basis)})")
    out.blank()
    ceiling = f" (ceiling {repo.code_ceiling})" if repo.code_ceiling != repo.code else ""
    out.line(f"{repo.code}{ceiling}", lead="Model D, governance domains: ", lead_style="bold")
    for score in repo.domains:
        _domain(out, score, detail)
    out.blank()
    _stage(out, repo.stage, detail)
    _steps(out, "Next steps:", repo.next_steps, detail)
    if repo.problems:
        out.blank()
        out.line("Could not be read:", style="bold red")
        for ident in repo.problems:
            gap = gaps[ident]
            out.line(f"{clean(gap.provenance.locator)}: {clean(gap.detail)}", indent=1,
                     lead="- ")
    for note in repo.notes:
        out.line(clean(note), lead="Note: ", style="yellow")


def _steps(out: Writer, heading: str, steps: tuple[str, ...], detail: bool) -> None:
    shown = steps if detail else steps[:TOP_STEPS]
    if shown:
        out.blank()
        out.line(heading, style="bold")
        for number, step in enumerate(shown, start=1):
            out.line(clean(step), indent=1, hang=3, lead=f"{number}. ")


def _preflight(out: Writer, report: Report) -> None:
    out.line("What this token can see:", style="bold")
    for seen in sorted(report.preflight, key=lambda v: (v.evidence, v.needs)):
        out.line(f"{clean(seen.evidence)} (needs {clean(seen.needs)}): {seen.visible} of "
                 f"{seen.total} {seen.scope}", indent=1, lead="- ")
    out.blank()


def _org_stage(out: Writer, org: OrgAssessment, detail: bool) -> None:
    stage = org.stage
    _stage_line(out, stage.floor, stage.ceiling, stage.name)
    for tally in stage.tallies:
        if not (detail or tally.stage <= stage.floor + 1):
            continue
        _tally(out, tally, "an organisation")
        for answer in org.answers:
            if answer.stage == tally.stage:
                out.line(f"{clean(answer.text)} {answer.summary}: {REACHED[answer.status]}",
                         indent=3, lead=f"{SYMBOL[answer.status]} {answer.id} ",
                         lead_style=STYLE[answer.status])


def _levels(out: Writer, org: OrgAssessment) -> None:
    out.line("Repositories by level (ceiling in brackets where unknowns leave it open):",
             style="bold")
    widths = (max(10, out.width - 36), 17, 5, 7)
    out.row(("repository", "Model D", "stage", "AI use"), widths, style="dim")
    for row in org.levels:
        code = row.code if row.code == row.code_ceiling else f"{row.code} ({row.code_ceiling})"
        stage = (str(row.stage_floor) if row.stage_floor == row.stage_ceiling
                 else f"{row.stage_floor} ({row.stage_ceiling})")
        out.row((row.repo, code, stage, AI[row.ai_in_use]), widths)


def _spread(out: Writer, org: OrgAssessment) -> None:
    out.line("Repositories at each Model D floor level, per domain:", style="bold")
    widths = (out.width - 26, -3, -3, -3, -3, -3)
    out.row(("domain", "1", "2", "3", "4", "5"), widths, style="dim")
    for spread in org.spread:
        out.row((f"{spread.id} {spread.name}", *map(str, spread.repos_at_level)), widths)


def _organisation(out: Writer, report: Report, org: OrgAssessment, detail: bool) -> None:
    failed = f", {org.failed} could not be scanned" if org.failed else ""
    out.line(f"{clean(org.target)}: {org.scanned} repositories scanned{failed}", style="bold")
    out.line(f"as of {stamp(report.as_of)[:10]}, history since {stamp(report.since)[:10]}")
    out.line(f"AI in use: detected in {org.ai_in_use} of {org.scanned} repositories")
    out.blank()
    _org_stage(out, org, detail)
    _steps(out, "Next steps for the organisation:", org.stage.next_steps, detail)
    out.blank()
    _levels(out, org)
    out.blank()
    _spread(out, org)


def _failures(out: Writer, report: Report) -> None:
    out.blank()
    out.line("Could not be scanned:", style="bold red")
    for failure in sorted(report.failures, key=lambda f: f.repo):
        out.line(f"{clean(failure.repo)}: {failure.reason.value}: {clean(failure.detail)}",
                 indent=1, lead="- ")


def render(report: Report, *, color: bool = False, width: int = 80, detail: bool = False) -> str:
    """The terminal report as text (ANSI colours only when ``color``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width + 1, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      emoji=False, soft_wrap=True, legacy_windows=False)
    out = Writer(console, width)
    out.line(f"aims {report.tool_version}, catalog {report.catalog_version}", style="dim")
    if report.preflight:
        _preflight(out, report)
    repositories = report.repositories
    if report.organisation is not None:
        _organisation(out, report, report.organisation, detail)
        repositories = report.repositories if detail else ()
    if report.failures:
        _failures(out, report)
    if report.organisation is not None:
        out.blank()
        if not detail:
            out.line("Per-repository detail: run with --verbose, or see the JSON report.",
                     style="dim")
    # One pass over the evidence, however many repositories are shown: the problems they
    # name are read failures, so only those gaps are kept.
    gaps = ({i.id: i for i in report.evidence
             if isinstance(i, Gap) and i.reason in READ_FAILURES} if repositories else {})
    for repo in repositories:
        _repository(out, report, repo, gaps, detail)
        out.blank()
    legend = "✓ met  ✗ unmet  ? unknown  A attested"
    if report.partial:
        legend += "  PARTIAL: some evidence could not be read"
    out.line(legend, style="dim")
    return buffer.getvalue()

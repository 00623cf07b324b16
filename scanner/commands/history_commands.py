"""``aims diff`` and ``aims trend``: what changed between two reports, and over recorded runs."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from scanner import diff as diffs
from scanner.console import EXIT_GATE, fail
from scanner.history import History, HistoryError, default_history_path
from scanner.report.table import clean
from scanner.summary import RunSummary, as_dict, summarize

_REPORT = click.Path(dir_okay=False, path_type=Path)


def read_summary(path: Path) -> RunSummary:
    """The summary of a saved JSON report, or exit 2 naming the file and what is wrong."""
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"{path} is not a JSON report: it is not UTF-8 text")
    except json.JSONDecodeError as exc:
        fail(f"{path} is not JSON: {exc}")
    if not isinstance(document, dict) or "schema_version" not in document:
        fail(f"{path} is not an aims report (no schema_version)")
    try:
        return summarize(document)
    except (KeyError, TypeError, ValueError) as exc:
        fail(f"{path} is not a complete aims report ({type(exc).__name__}: {exc})")


@click.command()
@click.argument("old", type=_REPORT)
@click.argument("new", type=_REPORT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Readable text, or JSON for other tools.")
@click.option("--fail-on-regression", is_flag=True,
              help="Exit 1 when any level, stage or status got worse.")
def diff(old: Path, new: Path, fmt: str, fail_on_regression: bool) -> None:
    """Show what improved or regressed between two JSON reports.

    OLD and NEW are reports written by `aims scan --format json`. Levels and stages
    compare by their floor; statuses rank unmet < unknown < met, and a move to or from
    attested is shown as changed. Changes are listed per repository and for the
    organisation; repositories in only one report are listed as added or removed.
    """
    before, after = read_summary(old), read_summary(new)
    if before.target != after.target:
        click.echo(f"aims: warning: comparing reports of different targets: "
                   f"{clean(before.target)} and {clean(after.target)}", err=True)
    result = diffs.compare(before, after)
    if fmt == "json":
        click.echo(json.dumps(diffs.as_dict(result), indent=2, sort_keys=True,
                              ensure_ascii=False))
    else:
        click.echo(diffs.render_text(result), nl=False)
    if fail_on_regression and result.regressed:
        count = sum(c.direction == "regressed" for c in result.changes)
        click.echo(f"aims: regression: {count} indicator(s)/level(s) regressed", err=True)
        sys.exit(EXIT_GATE)


def _stage(floor: int | None, ceiling: int | None) -> str:
    if floor is None:
        return "-"
    return str(floor) if floor == ceiling else f"{floor}..{ceiling}"


def _row(run: RunSummary) -> str:
    """One run: as of, Model D code (ceiling in brackets), stage, partial."""
    if run.org_stage is None and len(run.repos) == 1:
        (repo,) = run.repos
        code = repo.code if repo.code == repo.code_ceiling else (
            f"{repo.code} ({repo.code_ceiling})")
        stage = _stage(repo.stage, repo.stage_ceiling)
    else:
        code = f"{len(run.repos)} repositories"
        stage = _stage(run.org_stage, run.org_stage_ceiling)
    flag = "partial" if run.partial else ""
    return f"  {clean(run.as_of):<20}  {code:<17}  {stage:<5}  {flag}".rstrip()


def render_trend(runs: Sequence[RunSummary]) -> str:
    """Runs grouped by target (sorted), oldest first, in 80 columns."""
    lines: list[str] = []
    for target in sorted({r.target for r in runs}):
        lines += textwrap.wrap(clean(target), width=80, subsequent_indent="    ")
        lines.append(f"  {'as of':<20}  {'Model D':<17}  {'stage':<5}")
        lines += [_row(r) for r in runs if r.target == target]
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--history", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="The history file written by `aims scan --history` [default: "
                   "$AIMS_HISTORY, else history.sqlite in $AIMS_CACHE_DIR or the user "
                   "cache directory].")
@click.option("--target", metavar="TARGET", help="Only runs of this target (as in the "
              "report, e.g. github:acme or local:web).")
@click.option("--last", type=click.IntRange(1), metavar="N",
              help="Only the N latest runs of each target.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A table per target, or JSON for other tools.")
def trend(path: Path | None, target: str | None, last: int | None, fmt: str) -> None:
    """Show Model D levels and Model S stage over the recorded runs.

    Each row is one run: when it was taken, the four-number Model D code (the ceiling
    in brackets where unknowns leave it open), the stage as floor..ceiling, and whether
    the run was partial. An organisation's row shows its stage and how many
    repositories were scanned. Runs are grouped by target, oldest first.
    """
    path = path or default_history_path()
    if not path.is_file():
        fail(f"no history at {path}: run `aims scan --history {path}` first")
    try:
        with History(path) as history:
            known = history.targets()
            runs = tuple(run for t in ((target,) if target is not None else known)
                         for run in history.runs(t, last))
    except HistoryError as exc:
        fail(str(exc))
    if target is not None and not runs:
        fail(f"no runs of {clean(target)} in {path}; recorded targets: "
             f"{', '.join(clean(t) for t in known) or 'none'}")
    if fmt == "json":
        click.echo(json.dumps({"runs": [as_dict(r) for r in runs]}, indent=2,
                              sort_keys=True, ensure_ascii=False))
    elif runs:
        click.echo(render_trend(runs), nl=False)
    else:
        click.echo(f"No runs recorded in {path}.")

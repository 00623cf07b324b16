"""The HTML report: one self-contained page for people and audit folders.

Built from the JSON report document and the catalog, so any saved report can be rendered
again. The page needs nothing from the network and no JavaScript: styles are inline,
charts are inline SVG drawn by the template, drill-down is ``<details>``. A
Content-Security-Policy forbids scripts and remote loads as a second line of defence.

Repository names, file names, summaries and payloads are untrusted: the template escapes
everything (Jinja2 autoescape) and never marks document text as safe, and no document
string becomes a link out of the page (only ``#`` fragments to its own evidence).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from scanner.diff import Diff
from scanner.summary import RunSummary

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The trend chart's plot area: x from LEFT to RIGHT, level 5 at TOP, level 1 at BOTTOM.
LEFT, RIGHT, TOP, STEP = 60, 580, 20, 40
BOTTOM = TOP + 4 * STEP
SYMBOL = {"met": "✓", "unmet": "✗", "unknown": "?", "attested": "A"}
AI = {True: "yes", False: "no", None: "unknown"}


@dataclass(frozen=True, slots=True)
class Series:
    """One line of the trend chart: a name, its SVG step path and its values by run."""

    name: str
    css: str
    path: str
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Trend:
    """The trend chart: run dates with their x positions, and one series per level."""

    ticks: tuple[tuple[float, str], ...]
    series: tuple[Series, ...]


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pretty"] = _pretty
    env.globals.update(SYMBOL=SYMBOL, AI=AI)
    return env


def _pretty(value: object) -> str:
    """A payload as indented JSON (plain text; the template escapes it)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _y(level: int, offset: float) -> float:
    """The y of a level; series are shifted a little so that equal lines stay visible."""
    return BOTTOM - (level - 1) * STEP + offset * 2.5


def _step_path(xs: Sequence[float], values: Sequence[int], offset: float) -> str:
    """An SVG path that holds each value until the next run."""
    parts = [f"M{xs[0]:.1f} {_y(values[0], offset):.1f}"]
    for x, value in zip(xs[1:], values[1:], strict=True):
        parts.append(f"H{x:.1f} V{_y(value, offset):.1f}")
    return " ".join(parts)


def _trend(trend: Sequence[RunSummary]) -> Trend | None:
    """The chart of the stage (and, for one repository, the domain floors) over the runs."""
    if len(trend) < 2:
        return None
    xs = [LEFT + (RIGHT - LEFT) * n / (len(trend) - 1) for n in range(len(trend))]
    columns: dict[str, list[int]] = {}
    for run in trend:
        single = run.repos[0] if len(run.repos) == 1 and run.org_stage is None else None
        stage = run.org_stage if run.org_stage is not None else single.stage if single else None
        if stage is not None:
            columns.setdefault("Stage", []).append(stage)
        for domain, floor, _ceiling in single.domains if single else ():
            columns.setdefault(domain, []).append(floor)
    # a domain missing from some run (another catalog) cannot be drawn as one line
    lines = {name: values for name, values in columns.items() if len(values) == len(trend)}
    middle = (len(lines) - 1) / 2
    series = tuple(Series(name, f"s{n}", _step_path(xs, values, n - middle), tuple(values))
                   for n, (name, values) in enumerate(lines.items()))
    return Trend(ticks=tuple((x, run.as_of[:10]) for x, run in zip(xs, trend, strict=True)),
                 series=series)


def _statuses(repo: Mapping[str, Any]) -> dict[str, str]:
    """Every indicator's and answer's status in a repository, by id."""
    rows = [*(i for d in repo["model_d"]["domains"] for i in d["indicators"]),
            *repo["model_s"]["answers"]]
    return {row["id"]: row["status"] for row in rows}


def render(document: Mapping[str, Any], catalog_doc: Mapping[str, Any], *,
           diff: Diff | None, trend: Sequence[RunSummary]) -> str:
    """The report as one self-contained HTML page."""
    repositories = document["repositories"]
    by_repo: dict[str, list[Mapping[str, Any]]] = {}
    for item in document["evidence"]:
        by_repo.setdefault(item["provenance"]["repo"], []).append(item)
    return _environment().get_template("report.html.j2").render(
        doc=document, catalog=catalog_doc, diff=diff, trend=_trend(trend),
        target=document["target"] or (repositories[0]["repo"] if repositories
                                      else "no repository"),
        evidence={item["id"]: item for item in document["evidence"]}, evidence_of=by_repo,
        statuses={r["repo"]: _statuses(r) for r in repositories},
        chart={"left": LEFT, "right": RIGHT, "top": TOP, "step": STEP, "bottom": BOTTOM})

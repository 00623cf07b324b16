"""``aims catalog``: the indicators and questions with their levels and rationale."""

from __future__ import annotations

import io
import json

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from scanner.catalog import Catalog


def as_dict(catalog: Catalog) -> dict[str, object]:
    """The model part of the catalog as plain data."""
    model = catalog.model
    return {
        "catalog_version": catalog.version,
        "domains": [{"id": d.id, "name": d.name, "summary": d.summary} for d in model.domains],
        "indicators": [{"id": i.id, "domain": i.domain, "level": i.level, "title": i.title,
                        "rationale": i.rationale, "remediation": i.remediation,
                        "evidence": list(i.evidence)} for i in model.indicators],
        "stages": [{"stage": s.number, "name": s.name, "control_point": s.control_point,
                    "threshold": s.threshold, "counts": s.counts,
                    "next_steps": list(s.next_steps)} for s in model.stages],
        "questions": [{"id": q.id, "stage": q.stage, "question": q.text,
                       "favourable": q.favourable, "observable": q.observable,
                       "rationale": q.rationale, "remediation": q.remediation}
                      for q in model.questions],
    }


def render(catalog: Catalog, fmt: str) -> str:
    """The catalog as JSON or as readable text in 80 columns."""
    if fmt == "json":
        return json.dumps(as_dict(catalog), indent=2, sort_keys=True) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, no_color=True, highlight=False, emoji=False)
    model = catalog.model
    console.print(Text(f"aims catalog {catalog.version}", style="bold"))
    console.print(Text("Model D: AI Coding Maturity Model (four governance domains, 1-5)"))
    for domain in model.domains:
        console.print()
        console.print(Text(f"{domain.id} {domain.name}: {domain.summary}", style="bold"))
        for indicator in (i for i in model.indicators if i.domain == domain.id):
            console.print(Text(f"  {indicator.id} (level {indicator.level}) {indicator.title}"))
            console.print(Padding(Text(indicator.rationale), (0, 0, 0, 6), expand=False))
    console.print()
    console.print(Text("Model S: AI Security Maturity Model (five stages)"))
    for stage in model.stages:
        rule = (f"{stage.threshold}+ unfavourable answers keep you here" if
                stage.counts == "unfavourable" else f"{stage.threshold}+ favourable answers")
        console.print()
        console.print(Text(f"Stage {stage.number} {stage.name} (control point: "
                           f"{stage.control_point}; {rule})", style="bold"))
        for question in (q for q in model.questions if q.stage == stage.number):
            tag = "" if question.observable else " (attestation only)"
            console.print(Text(f"  {question.id} {question.text} [favourable: "
                               f"{question.favourable}]{tag}"))
            console.print(Padding(Text(question.rationale), (0, 0, 0, 6), expand=False))
    return buffer.getvalue()

"""Running a platform's collectors over a real repository that carries a platform handle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from collectors.base import Collector, Context
from collectors.sources.cloned import ClonedSource
from scanner.catalog import Catalog
from scanner.evidence import Item


def collect(path: Path, catalog: Catalog, collectors: Sequence[Collector], platform: object,
            *, repo_id: str, as_of: datetime) -> dict[str, list[Item]]:
    """Every item the collectors yield, by kind, checking each item's kind and collector."""
    source = ClonedSource(path, repo_id=repo_id, web_url="", platform=platform)
    ctx = Context(source=source, info=source.info(), catalog=catalog, as_of=as_of,
                  since=as_of - timedelta(days=90))
    found: dict[str, list[Item]] = {}
    for collector in collectors:
        for item in collector.run(ctx):
            assert item.kind in {k.KIND for k in collector.kinds}  # type: ignore[attr-defined]
            assert item.provenance.collector == collector.label
            found.setdefault(item.kind, []).append(item)
    return found

"""Resumable organisation scans: every repository's result is written to disk as it finishes.

A scan of thousands of repositories can be killed midway (a CI timeout, a lost runner).
The journal keeps each finished repository's assessment and evidence as one JSON file
under ``<cache-dir>/runs/<key>/``, written atomically, so a killed scan leaves only whole
results behind. Started again with the same options and cache directory, the scan takes
those results as they are and reads only the rest; the final report equals an
uninterrupted run's because a resumed run also keeps the interrupted run's clock
(``as_of``). The key is a digest of everything that decides the results (target, window,
options, catalog, tool, token fingerprint), so a run with other options never picks up
these results. Repositories that could not be scanned are not journaled: a resumed run
tries them again. A journal older than :data:`RESUME_WITHIN` is discarded rather than
resumed, so a nightly job never reports yesterday's clock after a failed night.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from scanner.console import write_atomically
from scanner.evidence import Item
from scanner.model import RepoAssessment
from scanner.report.json_report import item_dict, repository_dict, stamp
from scanner.report.loader import item, repo_assessment

#: An interrupted run is resumed only within this time of its start.
RESUME_WITHIN = timedelta(hours=24)
JOURNAL_FORMAT = 1


class Journal:
    """The finished repositories of one run, one file each."""

    def __init__(self, root: Path, as_of: datetime) -> None:
        self.root = root
        self.as_of = as_of
        self._pieces = root / "repos"

    @classmethod
    def open(cls, cache_dir: Path, key: Mapping[str, str], *, as_of: datetime | None,
             now: datetime) -> Journal:
        """The run's journal: the interrupted one for this key if recent, else a new one.

        ``as_of`` is the clock given on the command line (None: the run's own, ``now``).
        """
        digest = hashlib.sha256(json.dumps(dict(key), sort_keys=True).encode()).hexdigest()
        root = cache_dir / "runs" / digest[:32]
        found = _read_run(root / "run.json")
        if found is not None and (as_of is not None or now - found["started"] <= RESUME_WITHIN):
            return cls(root, found["as_of"])
        shutil.rmtree(root, ignore_errors=True)
        clock = as_of or now
        write_atomically(root / "run.json", json.dumps(
            {"format": JOURNAL_FORMAT, "as_of": stamp(clock), "started": stamp(now),
             "key": dict(key)}, indent=2, sort_keys=True) + "\n")
        return cls(root, clock)

    def done(self) -> int:
        """How many repositories are already finished."""
        return sum(1 for _ in self._pieces.glob("*.json")) if self._pieces.is_dir() else 0

    def load(self, repo_id: str) -> tuple[RepoAssessment, list[Item]] | None:
        """A finished repository's result, or None (also for a damaged file: read again)."""
        try:
            piece = json.loads(self._path(repo_id).read_text(encoding="utf-8"))
            return (repo_assessment(piece["repository"]),
                    [item(entry) for entry in piece["evidence"]])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, repo_id: str, assessment: RepoAssessment, items: list[Item]) -> None:
        """Record a finished repository (atomically: a kill leaves it whole or absent)."""
        piece = {"repository": repository_dict(assessment),
                 "evidence": [item_dict(item) for item in items]}
        write_atomically(self._path(repo_id),
                         json.dumps(piece, sort_keys=True, ensure_ascii=False) + "\n")

    def finish(self) -> None:
        """The run completed and its report is written: the journal is no longer needed."""
        shutil.rmtree(self.root, ignore_errors=True)

    def _path(self, repo_id: str) -> Path:
        # Repository names are untrusted: the file name is a digest, never the name itself.
        return self._pieces / f"{hashlib.sha256(repo_id.encode()).hexdigest()[:32]}.json"


def _read_run(path: Path) -> dict[str, datetime] | None:
    """The stored clock and start of an interrupted run, or None if absent or unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != JOURNAL_FORMAT:
            return None
        return {"as_of": _moment(data["as_of"]), "started": _moment(data["started"])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))

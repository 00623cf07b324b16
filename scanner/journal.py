"""Where an organisation scan keeps its finished repositories: on disk, not in memory.

A scan of thousands of repositories must neither hold every repository's evidence in
memory to the end nor lose its work when it is killed midway (a CI timeout, a lost
runner). Each repository's assessment and evidence are written to an SQLite database as
soon as the repository is done, in one transaction, so a killed scan leaves only whole
results behind. Only a brief of each repository (:class:`~scanner.model.RepoBrief`) stays
in memory for the organisation view; the report reads the rest back in order when it is
written (:meth:`Journal.repositories`, :meth:`Journal.evidence`).

A resumable journal lives under ``<cache-dir>/runs/<key>/``. Started again with the same
options and cache directory, the scan takes the finished repositories as they are and
reads only the rest; the final report equals an uninterrupted run's because a resumed run
also keeps the interrupted run's clock (``as_of``). The key is a digest of everything that
decides the results (target, window, options, catalog, tool, token fingerprint), so a run
with other options never picks up these results. Repositories whose results a passing
condition spoiled (rate limits, API errors) are kept for the report but not resumed: a
resumed run reads them again. A journal older than :data:`RESUME_WITHIN` is discarded
rather than resumed, so a nightly job never reports yesterday's clock after a failed night.
Without resuming (:meth:`Journal.temporary`) the database is SQLite's private temporary
one, deleted when it is closed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, overload

from scanner.console import write_atomically
from scanner.evidence import Item
from scanner.model import RepoAssessment, RepoBrief
from scanner.report.json_report import item_dict, repository_dict, stamp
from scanner.report.loader import item, repo_assessment

#: An interrupted run is resumed only within this time of its start.
RESUME_WITHIN = timedelta(hours=24)
#: 3: one SQLite database, briefs derived from the assessments (format 1 kept a JSON file
#: per repository, format 2 a brief column; both are discarded).
JOURNAL_FORMAT = 3
DATABASE = "results.sqlite"
#: Rows read back at a time.
PAGE = 16

_SCHEMA = """
CREATE TABLE IF NOT EXISTS repos (
    job TEXT PRIMARY KEY,      -- the name the repository was listed under
    repo TEXT NOT NULL,        -- the name its assessment carries (the report's order)
    resumable INTEGER NOT NULL,
    partial INTEGER NOT NULL,  -- something about it could not be read
    assessment TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS repos_order ON repos (repo, job);
CREATE TABLE IF NOT EXISTS evidence (
    job TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL
);
-- (id, job) and the implicit rowid: the report's order with no sort in memory.
CREATE INDEX IF NOT EXISTS evidence_order ON evidence (id, job);
CREATE INDEX IF NOT EXISTS evidence_job ON evidence (job);
"""

T = TypeVar("T")


class Journal:
    """The finished repositories of one run, in one SQLite database."""

    def __init__(self, connection: sqlite3.Connection, as_of: datetime,
                 root: Path | None) -> None:
        self.as_of = as_of
        self.root = root
        """The run's directory under the cache, or None for a temporary journal."""
        self._db = connection
        # Repositories finish on several threads; one connection, one writer at a time.
        self._lock = threading.Lock()
        self._db.executescript(_SCHEMA)

    @classmethod
    def open(cls, cache_dir: Path, key: Mapping[str, str], *, as_of: datetime | None,
             now: datetime) -> Journal:
        """The run's journal: the interrupted one for this key if recent, else a new one.

        ``as_of`` is the clock given on the command line (None: the run's own, ``now``).
        Raises OSError or sqlite3.Error when the cache directory cannot hold it.
        """
        digest = hashlib.sha256(json.dumps(dict(key), sort_keys=True).encode()).hexdigest()
        root = cache_dir / "runs" / digest[:32]
        found = _read_run(root / "run.json")
        if found is not None and (as_of is not None or now - found["started"] <= RESUME_WITHIN):
            clock = found["as_of"]
        else:
            shutil.rmtree(root, ignore_errors=True)
            clock = as_of or now
            write_atomically(root / "run.json", json.dumps(
                {"format": JOURNAL_FORMAT, "as_of": stamp(clock), "started": stamp(now),
                 "key": dict(key)}, indent=2, sort_keys=True) + "\n")
        connection = sqlite3.connect(root / DATABASE, check_same_thread=False)
        # WAL: a transaction committed before a kill survives it (only an OS crash could
        # lose the last ones, which a resumed run then reads again).
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return cls(connection, clock, root)

    @classmethod
    def temporary(cls, as_of: datetime) -> Journal:
        """A journal nobody resumes: SQLite's private temporary database."""
        return cls(sqlite3.connect("", check_same_thread=False), as_of, None)

    def done(self) -> int:
        """How many repositories are already finished (and will not be read again)."""
        with self._lock:
            (count,) = self._db.execute(
                "SELECT count(*) FROM repos WHERE resumable = 1").fetchone()
        return int(count)

    def finished(self, job: str) -> tuple[RepoBrief, bool] | None:
        """A finished repository's brief and whether it is partial, or None when it must be
        read (again)."""
        with self._lock:
            row = self._db.execute(
                "SELECT assessment, partial FROM repos WHERE job = ? AND resumable = 1",
                (job,)).fetchone()
        if row is None:
            return None
        try:
            return RepoBrief.of(repo_assessment(json.loads(row[0]))), bool(row[1])
        except ValueError:  # not JSON, or not an assessment (LoadError): damaged
            return None  # read the repository again

    def save(self, job: str, assessment: RepoAssessment, items: Sequence[Item], *,
             partial: bool, resumable: bool) -> RepoBrief:
        """Record a finished repository in one transaction; its brief for the caller."""
        # Serialised outside the lock: the threads only wait for the database itself.
        rows = [(job, entry.id, _text(item_dict(entry))) for entry in items]
        repo_row = (job, assessment.repo, int(resumable), int(partial),
                    _text(repository_dict(assessment)))
        with self._lock, self._db:
            self._delete(job)
            self._db.execute("INSERT INTO repos VALUES (?, ?, ?, ?, ?)", repo_row)
            self._db.executemany("INSERT INTO evidence VALUES (?, ?, ?)", rows)
        return RepoBrief.of(assessment)

    def forget(self, job: str) -> None:
        """Drop a repository's recorded result (it could not be read this time)."""
        with self._lock, self._db:
            self._delete(job)

    def keep_only(self, jobs: Collection[str]) -> None:
        """Forget repositories this run did not list (gone since the interrupted run)."""
        with self._lock, self._db:
            stale = [job for (job,) in self._db.execute("SELECT job FROM repos")
                     if job not in jobs]
            for job in stale:
                self._delete(job)

    def repositories(self) -> Sequence[RepoAssessment]:
        """Every recorded assessment, sorted by repository, read back one at a time."""
        return _Stored(self, "SELECT assessment FROM repos ORDER BY repo, job",
                       "SELECT count(*) FROM repos",
                       lambda text: repo_assessment(json.loads(text)))

    def evidence(self) -> Sequence[Item]:
        """Every recorded evidence item and gap, sorted by id, read back one at a time."""
        return _Stored(self, "SELECT body FROM evidence ORDER BY id, job, rowid",
                       "SELECT count(*) FROM evidence", lambda text: item(json.loads(text)))

    def finish(self) -> None:
        """The run is over (its report written, or abandoned): release the journal."""
        self._db.close()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def _delete(self, job: str) -> None:
        self._db.execute("DELETE FROM repos WHERE job = ?", (job,))
        self._db.execute("DELETE FROM evidence WHERE job = ?", (job,))

    def _rows(self, query: str, *arguments: Any) -> list[Any]:
        with self._lock:
            return self._db.execute(query, arguments).fetchall()

    def _stream(self, query: str) -> Iterator[str]:
        # A separate cursor per pass: pages are fetched under the lock, then decoded freely.
        # Small pages: a repository's assessment is tens of kilobytes.
        with self._lock:
            cursor = self._db.execute(query)
        while True:
            with self._lock:
                page = cursor.fetchmany(PAGE)
            if not page:
                return
            for (text,) in page:
                yield str(text)


class _Stored(Sequence[T]):
    """A sorted column of the journal as a read-only sequence (never all in memory)."""

    def __init__(self, journal: Journal, query: str, count: str,
                 decode: Callable[[str], T]) -> None:
        self._journal = journal
        self._query = query
        self._decode = decode
        self._length = int(journal._rows(count)[0][0])

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[T]:
        return (self._decode(text) for text in self._journal._stream(self._query))

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError(index)
        (row,) = self._journal._rows(f"{self._query} LIMIT 1 OFFSET ?", position)
        return self._decode(str(row[0]))


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


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

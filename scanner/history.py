"""The run history: every run's summary in an SQLite file, for trends and "since last run".

The file is plain SQLite with one table per kind of row (``runs``, ``repos``, ``domains``,
``results``, ``org_results``) so it can be queried with any SQLite client. It marks itself
with an application id and a ``schema`` version table; any other file is refused rather
than written into. A run is identified by its target and ``as_of``: recording it again
replaces it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import TracebackType

from scanner.console import default_cache_dir
from scanner.summary import RepoSummary, RunSummary

#: ``PRAGMA application_id`` of an aims history file: "aims" in ASCII.
APPLICATION_ID = 0x61696D73
SCHEMA_VERSION = 1

_TABLES = """
CREATE TABLE schema (version INTEGER NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, target TEXT NOT NULL, as_of TEXT NOT NULL,
  tool_version TEXT NOT NULL, catalog_version TEXT NOT NULL, partial INTEGER NOT NULL,
  org_stage INTEGER, org_stage_ceiling INTEGER, UNIQUE (target, as_of));
CREATE TABLE repos (
  run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, repo TEXT NOT NULL,
  code TEXT NOT NULL, code_ceiling TEXT NOT NULL, stage INTEGER NOT NULL,
  stage_ceiling INTEGER NOT NULL, PRIMARY KEY (run, repo));
CREATE TABLE domains (
  run INTEGER NOT NULL, repo TEXT NOT NULL, position INTEGER NOT NULL, domain TEXT NOT NULL,
  floor INTEGER NOT NULL, ceiling INTEGER NOT NULL, PRIMARY KEY (run, repo, domain),
  FOREIGN KEY (run, repo) REFERENCES repos (run, repo) ON DELETE CASCADE);
CREATE TABLE results (
  run INTEGER NOT NULL, repo TEXT NOT NULL, position INTEGER NOT NULL, id TEXT NOT NULL,
  status TEXT NOT NULL, PRIMARY KEY (run, repo, id),
  FOREIGN KEY (run, repo) REFERENCES repos (run, repo) ON DELETE CASCADE);
CREATE TABLE org_results (
  run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, position INTEGER NOT NULL,
  id TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (run, id));
"""


class HistoryError(Exception):
    """The history file cannot be opened or is not an aims history file."""


def default_history_path(cache_dir: Path | None = None) -> Path:
    """``$AIMS_HISTORY``, else ``history.sqlite`` in ``cache_dir`` (``--cache-dir``),
    ``$AIMS_CACHE_DIR`` or the user cache: where ``scan --history`` and ``trend`` meet."""
    if os.environ.get("AIMS_HISTORY"):
        return Path(os.environ["AIMS_HISTORY"])
    cache = cache_dir or (Path(os.environ["AIMS_CACHE_DIR"]) if os.environ.get("AIMS_CACHE_DIR")
                          else default_cache_dir())
    return cache / "history.sqlite"


class History:
    """An open history file; use as a context manager so it is closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"cannot open history {path}: {exc}") from None
        try:
            self._prepare()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise HistoryError(f"{path} is not an aims history file ({exc})") from None
        except HistoryError:
            self._db.close()
            raise

    def _prepare(self) -> None:
        """Check the file is ours (or empty, then make it ours) and turn on WAL."""
        db = self._db
        # the lock makes a second process wait while the first creates the tables
        db.execute("BEGIN IMMEDIATE")
        try:
            version = self._claim()
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if version != SCHEMA_VERSION:
            raise HistoryError(f"{self.path} is an aims history file of schema {version}; "
                               f"this aims reads schema {SCHEMA_VERSION}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")

    def _claim(self) -> object:
        """The file's schema version, after creating the tables in an empty file."""
        db = self._db
        application = db.execute("PRAGMA application_id").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
        if application == 0 and tables == 0:
            for statement in _TABLES.split(";")[:-1]:
                db.execute(statement)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute("INSERT INTO schema VALUES (?)", (SCHEMA_VERSION,))
        elif application != APPLICATION_ID:
            raise HistoryError(f"{self.path} is not an aims history file")
        return db.execute("SELECT max(version) FROM schema").fetchone()[0]

    def __enter__(self) -> History:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def record(self, summary: RunSummary) -> None:
        """Store a run in one transaction, replacing a run of the same target and as_of."""
        try:
            with self._db:  # commits, or rolls back on any error
                self._db.execute("BEGIN IMMEDIATE")
                self._insert(summary)
        except sqlite3.OperationalError as exc:
            # locked, read-only, full or damaged: a condition of the file, not a bug
            raise HistoryError(f"cannot record the run in {self.path}: {exc}") from None

    def _insert(self, summary: RunSummary) -> None:
        db = self._db
        db.execute("DELETE FROM runs WHERE target = ? AND as_of = ?",
                   (summary.target, summary.as_of))
        run = db.execute(
            "INSERT INTO runs (target, as_of, tool_version, catalog_version, partial, "
            "org_stage, org_stage_ceiling) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (summary.target, summary.as_of, summary.tool_version, summary.catalog_version,
             int(summary.partial), summary.org_stage, summary.org_stage_ceiling)).lastrowid
        for repo in summary.repos:
            self._record_repo(run, repo)
        db.executemany("INSERT INTO org_results VALUES (?, ?, ?, ?)",
                       [(run, n, i, s) for n, (i, s) in enumerate(summary.org_answers)])

    def _record_repo(self, run: int | None, repo: RepoSummary) -> None:
        db = self._db
        db.execute("INSERT INTO repos VALUES (?, ?, ?, ?, ?, ?)",
                   (run, repo.repo, repo.code, repo.code_ceiling, repo.stage,
                    repo.stage_ceiling))
        db.executemany("INSERT INTO domains VALUES (?, ?, ?, ?, ?, ?)",
                       [(run, repo.repo, n, d, f, c) for n, (d, f, c) in enumerate(repo.domains)])
        db.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?)",
                       [(run, repo.repo, n, i, s) for n, (i, s) in enumerate(repo.results)])

    def runs(self, target: str | None = None, last: int | None = None
             ) -> tuple[RunSummary, ...]:
        """Runs of ``target`` (all targets when None), oldest first; only the ``last`` N."""
        rows = self._db.execute(
            "SELECT id FROM runs WHERE ?1 IS NULL OR target = ?1 "
            "ORDER BY as_of DESC, target DESC LIMIT ?2",
            (target, -1 if last is None else last)).fetchall()
        return tuple(self._load(run) for (run,) in reversed(rows))

    def previous(self, summary: RunSummary) -> RunSummary | None:
        """The latest run of the same target strictly before ``summary``, if any."""
        row = self._db.execute(
            "SELECT id FROM runs WHERE target = ? AND as_of < ? ORDER BY as_of DESC LIMIT 1",
            (summary.target, summary.as_of)).fetchone()
        return self._load(row[0]) if row else None

    def targets(self) -> tuple[str, ...]:
        """Every target with a recorded run, sorted."""
        rows = self._db.execute("SELECT DISTINCT target FROM runs ORDER BY target")
        return tuple(target for (target,) in rows)

    def _load(self, run: int) -> RunSummary:
        db = self._db
        (target, as_of, tool, catalog, partial, org_stage, org_ceiling) = db.execute(
            "SELECT target, as_of, tool_version, catalog_version, partial, org_stage, "
            "org_stage_ceiling FROM runs WHERE id = ?", (run,)).fetchone()
        repos = db.execute("SELECT repo FROM repos WHERE run = ? ORDER BY repo",
                           (run,)).fetchall()
        answers = db.execute("SELECT id, status FROM org_results WHERE run = ? "
                             "ORDER BY position", (run,)).fetchall()
        return RunSummary(
            target=target, as_of=as_of, tool_version=tool, catalog_version=catalog,
            partial=bool(partial), org_stage=org_stage, org_stage_ceiling=org_ceiling,
            org_answers=tuple((i, s) for i, s in answers),
            repos=tuple(self._load_repo(run, repo) for (repo,) in repos))

    def _load_repo(self, run: int, repo: str) -> RepoSummary:
        db = self._db
        code, code_ceiling, stage, stage_ceiling = db.execute(
            "SELECT code, code_ceiling, stage, stage_ceiling FROM repos WHERE run = ? AND "
            "repo = ?", (run, repo)).fetchone()
        domains = db.execute("SELECT domain, floor, ceiling FROM domains WHERE run = ? AND "
                             "repo = ? ORDER BY position", (run, repo)).fetchall()
        results = db.execute("SELECT id, status FROM results WHERE run = ? AND repo = ? "
                             "ORDER BY position", (run, repo)).fetchall()
        return RepoSummary(repo=repo, code=code, code_ceiling=code_ceiling,
                           domains=tuple((d, f, c) for d, f, c in domains), stage=stage,
                           stage_ceiling=stage_ceiling,
                           results=tuple((i, s) for i, s in results))

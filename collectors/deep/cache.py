"""Results of the deep scan kept per file blob, so an unchanged file is never scanned twice.

A git blob SHA names a file's exact content, so a result stored under (engine, path, blob)
stays true for as long as the engine and its settings do not change: the namespace is a
digest of those (scanner version, rule files, baseline entries for the file...). Values
are small JSON documents of findings that never hold a secret value. One SQLite file may
be shared by many repositories and processes (forks and copied files share blobs).
Failed scans are never stored, so they are tried again on the next run.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    namespace TEXT NOT NULL,
    path TEXT NOT NULL,
    blob TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (namespace, path, blob)
) WITHOUT ROWID
"""


class BlobCache:
    """A SQLite table of ``(namespace, path, blob) -> JSON``; ``None`` path = this run only."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # Threads of one organisation scan share the connection, one at a time.
        self._db = sqlite3.connect(":memory:" if path is None else str(path), timeout=60,
                                   check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)

    def get_many(self, namespace: str, keys: Iterable[tuple[str, str]]
                 ) -> dict[tuple[str, str], str]:
        """The stored values for those ``(path, blob)`` keys that have one."""
        found: dict[tuple[str, str], str] = {}
        query = "SELECT value FROM results WHERE namespace = ? AND path = ? AND blob = ?"
        with self._lock:
            for path, blob in keys:
                row = self._db.execute(query, (namespace, path, blob)).fetchone()
                if row is not None:
                    found[(path, blob)] = row[0]
        return found

    def put_many(self, namespace: str, rows: Sequence[tuple[str, str, str]]) -> None:
        """Store ``(path, blob, value)`` rows in one transaction."""
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
                    [(namespace, path, blob, value) for path, blob, value in rows])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Release the database."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> BlobCache:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

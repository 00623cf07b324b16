"""A persistent ETag cache for conditional GitHub requests, kept in one sqlite file.

GitHub does not count an authenticated ``304 Not Modified`` against the primary rate limit,
so a second scan of an unchanged organisation costs almost nothing if the first one kept
each response's ``ETag`` and body. Entries are keyed by :func:`cache_key`, which mixes in a
fingerprint of the token: a response one credential was allowed to see is never replayed to
another. The file holds only what the server sent plus that fingerprint, never the token,
and is created readable by its owner only. A file that is corrupt or not a database is moved
aside (``.corrupt``) and replaced, with a warning: losing the cache costs requests, never
the scan.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS responses ("
    " key TEXT PRIMARY KEY, etag TEXT NOT NULL, status INTEGER NOT NULL,"
    " body TEXT NOT NULL, link TEXT)"
)


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """What is kept of one response: enough to answer a later 304 without the server."""

    etag: str
    status: int
    body: str
    link: str | None
    """The ``Link`` header (pagination), when the response had one."""


def token_fingerprint(token: str | None) -> str:
    """A short, one-way name for a credential (``anonymous`` without one)."""
    if not token:
        return "anonymous"
    return hashlib.sha256(f"aims-token:{token}".encode()).hexdigest()[:16]


def cache_key(fingerprint: str, method: str, url: str, accept: str) -> str:
    """The cache key of a request: who asked, how, for which URL and representation."""
    material = "\0".join((fingerprint, method.upper(), url, accept))
    return hashlib.sha256(material.encode()).hexdigest()


class EtagCache:
    """Thread-safe store of :class:`CachedResponse` by :func:`cache_key`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = self._open()

    def __repr__(self) -> str:
        return f"EtagCache({str(self.path)!r})"

    def get(self, key: str) -> CachedResponse | None:
        """The stored response for ``key``, or None."""
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT etag, status, body, link FROM responses WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.DatabaseError as exc:
                self._recover(exc)
                return None
        return None if row is None else CachedResponse(row[0], row[1], row[2], row[3])

    def put(self, key: str, entry: CachedResponse) -> None:
        """Store (or replace) the response for ``key``."""
        with self._lock:
            try:
                with self._db:
                    self._db.execute(
                        "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
                        (key, entry.etag, entry.status, entry.body, entry.link),
                    )
            except sqlite3.DatabaseError as exc:
                self._recover(exc)

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except (OSError, sqlite3.DatabaseError) as exc:
            return self._replace(exc)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create the file ourselves so that it is never readable by others, even briefly.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        os.chmod(self.path, 0o600)
        db = sqlite3.connect(self.path, check_same_thread=False)
        try:
            db.execute(_SCHEMA)
            db.execute("SELECT key, etag, status, body, link FROM responses LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _recover(self, exc: sqlite3.DatabaseError) -> None:
        """Replace a database that failed while in use (called with the lock held)."""
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        self._db = self._replace(exc)

    def _replace(self, exc: OSError | sqlite3.DatabaseError) -> sqlite3.Connection:
        """Move the unusable file aside and start afresh; in memory if even that fails."""
        aside = self.path.with_name(self.path.name + ".corrupt")
        log.warning("ETag cache %s is unusable (%s): moved to %s, starting afresh",
                    self.path, exc, aside.name)
        try:
            os.replace(self.path, aside)
            return self._connect()
        except (OSError, sqlite3.DatabaseError) as again:
            log.warning("ETag cache %s cannot be recreated (%s): caching in memory only",
                        self.path, again)
            db = sqlite3.connect(":memory:", check_same_thread=False)
            db.execute(_SCHEMA)
            return db

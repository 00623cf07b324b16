"""The persistent ETag cache: keys, persistence, file mode and recovery from a bad file."""

from __future__ import annotations

import logging
import sqlite3
import stat
from pathlib import Path

import pytest

from collectors.sources.etag_cache import CachedResponse, EtagCache, cache_key, token_fingerprint

ENTRY = CachedResponse(etag='W/"abc"', status=200, body='{"name": "api"}', link=None)
BASE_KEY = ("f" * 16, "GET", "https://api.github.com/repos/acme/api", "application/json")


def test_fingerprint_is_short_one_way_and_anonymous_without_token() -> None:
    fingerprint = token_fingerprint("ghp_secret")
    assert len(fingerprint) == 16
    assert "secret" not in fingerprint
    assert fingerprint != token_fingerprint("ghp_other")
    assert token_fingerprint(None) == token_fingerprint("") == "anonymous"


@pytest.mark.parametrize("position, other", [
    (0, "0" * 16),
    (1, "HEAD"),
    (2, "https://api.github.com/repos/acme/web"),
    (3, "application/vnd.github.raw+json"),
])
def test_every_part_of_the_request_changes_the_key(position: int, other: str) -> None:
    changed = list(BASE_KEY)
    changed[position] = other
    assert cache_key(*changed) != cache_key(*BASE_KEY)


def test_entries_persist_across_instances_and_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "etags.sqlite"
    first = EtagCache(path)
    first.put("k", ENTRY)
    first.put("k2", CachedResponse("e2", 200, "[]", '<https://x/?page=2>; rel="next"'))
    first.close()
    second = EtagCache(path)
    assert second.get("k") == ENTRY
    assert second.get("k2") == CachedResponse("e2", 200, "[]", '<https://x/?page=2>; rel="next"')
    assert second.get("missing") is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_put_replaces_an_entry(tmp_path: Path) -> None:
    cache = EtagCache(tmp_path / "etags.sqlite")
    cache.put("k", ENTRY)
    newer = CachedResponse('W/"def"', 200, '{"name": "api2"}', None)
    cache.put("k", newer)
    assert cache.get("k") == newer


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\x00" * 100)


def _wrong_schema(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, something TEXT)")
    db.commit()
    db.close()


@pytest.mark.parametrize("spoil", [_garbage, _wrong_schema], ids=["garbage", "wrong-schema"])
def test_unusable_file_is_moved_aside_and_replaced(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, spoil: object) -> None:
    path = tmp_path / "etags.sqlite"
    spoil(path)  # type: ignore[operator]
    original = path.read_bytes()
    with caplog.at_level(logging.WARNING):
        cache = EtagCache(path)
    assert "unusable" in caplog.text
    assert (tmp_path / "etags.sqlite.corrupt").read_bytes() == original
    cache.put("k", ENTRY)
    assert cache.get("k") == ENTRY
    cache.close()
    assert EtagCache(path).get("k") == ENTRY


def test_file_spoiled_while_open_is_replaced_not_raised(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "etags.sqlite"
    cache = EtagCache(path)
    cache.put("k", ENTRY)
    cache._db.execute("DROP TABLE responses")  # the file changes under the open cache
    with caplog.at_level(logging.WARNING):
        assert cache.get("k") is None
    assert "unusable" in caplog.text
    cache.put("k", ENTRY)
    assert cache.get("k") == ENTRY

"""Which HEAD files the deep scan reads, and the cache that keeps its results per blob."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from collectors.deep.cache import BlobCache
from collectors.deep.files import choose, is_binary, skip_counts
from collectors.sources.base import TreeEntry
from scanner.payloads import FileSkip


def entry(path: str, *, mode: str = "100644", size: int | None = 10) -> TreeEntry:
    return TreeEntry(path=path, mode=mode, blob="b" * 40, size=size)


@pytest.mark.parametrize(("tree_entry", "reason"), [
    (entry("src/app.py"), None),
    (entry("tests/test_app.py"), None),
    (entry(".github/workflows/ci.yml"), None),
    (entry("build/gen.py"), None),                      # "build" is often real source
    (entry("link.py", mode="120000"), "symlink"),
    (entry("libs/sub", mode="160000", size=None), "submodule"),
    (entry("package-lock.json"), "lock file"),
    (entry("web/yarn.lock"), "lock file"),
    (entry("go.sum"), "lock file"),
    (entry("node_modules/left-pad/index.js"), "vendored or generated"),
    (entry("web/node_modules/x/y.js"), "vendored or generated"),
    (entry("vendor/github.com/x/y.go"), "vendored or generated"),
    (entry("static/app.min.js"), "vendored or generated"),
    (entry("api/service_pb2.py"), "vendored or generated"),
    (entry("data/dump.sql", size=2 * 1024 * 1024), "over 1 MiB"),
    (entry("data/edge.sql", size=1024 * 1024), None),   # the limit itself is allowed
])
def test_files_left_out_by_reason(tree_entry: TreeEntry, reason: str | None) -> None:
    chosen = choose([tree_entry])
    assert chosen.files == (() if reason else (tree_entry,))
    assert dict(chosen.skipped) == ({reason: 1} if reason else {})


def test_skip_counts_are_sorted_payload_values() -> None:
    chosen = choose([entry("a.min.js"), entry("b.min.js"), entry("yarn.lock"), entry("ok.py")])
    assert skip_counts(chosen.skipped) == (FileSkip(reason="lock file", count=1),
                                           FileSkip(reason="vendored or generated", count=2))


@pytest.mark.parametrize(("data", "binary"), [
    (b"print('hello')\n", False),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", True),
    ("caf\u00e9 na\u00efve\n".encode("latin-1"), False),   # odd encoding is still text
    (b"x" * 9000 + b"\x00", False),                       # NUL past the probe
    (b"", False),
])
def test_binary_is_decided_by_a_nul_byte_near_the_start(data: bytes, binary: bool) -> None:
    assert is_binary(data) is binary


def test_cache_answers_only_what_was_stored_in_the_same_namespace(tmp_path: Path) -> None:
    location = tmp_path / "deep" / "blobs.sqlite"
    with BlobCache(location) as cache:
        cache.put_many("ns1", [("a.py", "b1", '{"hits":[]}'), ("b.py", "b2", '{"skip":"binary"}')])
        assert cache.get_many("ns1", [("a.py", "b1"), ("a.py", "b9"), ("b.py", "b2")]) == {
            ("a.py", "b1"): '{"hits":[]}', ("b.py", "b2"): '{"skip":"binary"}'}
        assert cache.get_many("ns2", [("a.py", "b1")]) == {}
    with BlobCache(location) as reopened:   # kept on disk between runs
        assert reopened.get_many("ns1", [("a.py", "b1")]) == {("a.py", "b1"): '{"hits":[]}'}
        reopened.put_many("ns1", [("a.py", "b1", '{"hits":[["x",1,"f"]]}')])
        assert reopened.get_many("ns1", [("a.py", "b1")])[("a.py", "b1")].endswith('"f"]]}')


def test_in_memory_cache_serves_one_run_from_many_threads() -> None:
    with BlobCache(None) as cache:
        def store(n: int) -> None:
            cache.put_many("ns", [(f"f{n}.py", "b", str(n))])
        threads = [threading.Thread(target=store, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(cache.get_many("ns", [(f"f{n}.py", "b") for n in range(8)])) == 8


def test_a_corrupt_cache_file_is_an_error_the_caller_can_handle(tmp_path: Path) -> None:
    location = tmp_path / "blobs.sqlite"
    location.write_bytes(b"this is not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        BlobCache(location)

"""The harness's in-memory tree answers like a real repository.

The property tests and fuzzers read files through :class:`MemorySource` for speed. Here the
seed files go through both that and :class:`LocalSource` over a real git repository: the
collectors must report the same items. Likewise the history harness must split and parse
``git log`` output into the same records as the local source, and the config harness must
answer like :func:`scanner.catalog.load_catalog`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from collectors import attribution
from collectors.sources.local import LOG_FORMAT, LocalSource
from scanner.catalog import Catalog, load_catalog
from scanner.evidence import Evidence
from scanner.payloads import Attribution
from tests.conftest import AS_OF, RepoBuilder, make_context
from tests.property import harness
from tests.property.strategies import seeds

SEEDED = [(name, index) for name in harness.LAYOUTS for index in range(len(seeds(name)))]


def test_the_suites_share_one_clock() -> None:
    assert harness.AS_OF == AS_OF


@pytest.mark.parametrize(("name", "index"), SEEDED, ids=[f"{n}-{i}" for n, i in SEEDED])
def test_seed_files_read_the_same_from_memory_and_from_git(
        repo: RepoBuilder, catalog: Catalog, name: str, index: int) -> None:
    layout, data = harness.LAYOUTS[name], seeds(name)[index]
    for path, content in layout.files(data).items():
        repo.write(path, content)
    repo.commit("files")
    real = list(layout.collector.run(make_context(repo.path, catalog)))
    source = LocalSource(repo.path)
    changed = source.last_change(layout.paths[0])
    assert real, "the collector reported nothing"
    assert harness.tree_items(layout, data, repo=source.info(), changed=changed) == real


def test_git_log_output_gives_the_local_sources_records(repo: RepoBuilder,
                                                        catalog: Catalog) -> None:
    messages = [
        "feat: parse\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        "fix: folded trailer\n\nAssisted-by: GitHub Copilot\n  (gpt-5)\nSigned-off-by: A <a@b.c>\n",
        "Merge branch 'claude/fix-login'\n",
        "plain message without trailers\n",
        "🤖 Generated with [Claude Code](https://claude.ai)\n",
    ]
    for number, message in enumerate(messages):
        repo.write(f"f{number}", str(number)).commit(message)
    since = AS_OF - timedelta(days=365)
    source = LocalSource(repo.path)
    output = subprocess.run(
        ["git", "log", f"--since=@{int(since.timestamp())}", f"--until=@{int(AS_OF.timestamp())}",
         "--no-show-signature", "--encoding=UTF-8", "--no-color", f"--format={LOG_FORMAT}",
         "HEAD"], cwd=repo.path, env=repo.env, check=True, capture_output=True).stdout
    records = harness.log_records(output)
    assert records == list(source.commits(since, AS_OF))
    assert len(records) == len(messages)

    def attribution_of(items: list[Any]) -> Attribution:
        return next(i.payload for i in items
                    if isinstance(i, Evidence) and isinstance(i.payload, Attribution))

    real = attribution_of(list(attribution.COLLECTOR.run(make_context(repo.path, catalog))))
    memory = harness.MemorySource({}, records, repo=source.info())
    assert attribution_of(list(attribution.COLLECTOR.run(harness.context(memory)))) == real
    assert real.ai_commits >= 3


CONFIGS = [
    *seeds("config"),
    b"version: 2\n",
    b"version: 1\nrules: []\n",
    b"version: 1\ntools: [{id: gitleaks, name: dup, categories: [secrets], hooks: [x]}]\n",
    b"version: 1\nsignatures: {signals: [{id: x, tool: t, channel: body, confidence: H,"
    b" pattern: '(?i)x'}]}\n",
    b"version: 1\nsensitive_paths: [{category: Bad, patterns: ['a/']}]\n",
]


@pytest.mark.parametrize("data", CONFIGS)
def test_config_harness_answers_like_load_catalog(tmp_path: Path, data: bytes) -> None:
    def real(extensions: Mapping[str, Any]) -> None:
        load_catalog(extensions)

    def quick(extensions: Mapping[str, Any]) -> None:
        harness.extend_catalog(harness.catalog(), extensions)

    assert (harness.config_outcome(data, tmp_path, real)
            == harness.config_outcome(data, tmp_path, quick))


def test_memory_blob_shas_are_gits(repo: RepoBuilder) -> None:
    repo.write("a.txt", b"\x00binary\xff").commit("blob")
    assert harness.blob_sha(b"\x00binary\xff") == repo.git("rev-parse", "HEAD:a.txt").strip()

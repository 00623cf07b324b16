"""The scan journal: finished repositories on disk, read back in the report's order.

Repositories are recorded from real assessments of fixture repositories; what the journal
gives back must be exactly what was recorded (the same JSON), in the order the in-memory
report used (repositories by name, evidence by id), whatever order they finished in.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.registry import LOCAL
from collectors.sources.local import LocalSource
from scanner.catalog import Catalog
from scanner.engine import ScanOptions, assess
from scanner.evidence import Item
from scanner.journal import DATABASE, JOURNAL_FORMAT, RESUME_WITHIN, Journal
from scanner.model import RepoAssessment, RepoBrief
from scanner.report.json_report import item_dict, repository_dict
from tests.fixture_repos import scenario_repo

__all__ = ["scenario_repo"]

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
KEY = {"target": "github:acme", "tool": "test"}
SCENARIOS = ("high-maturity", "mid-maturity", "bare-minimum")

Assessed = tuple[RepoAssessment, list[Item]]


@pytest.fixture(scope="module")
def assessed(catalog: Catalog, scenario_repo: Callable[[str], Path]) -> dict[str, Assessed]:
    """Three real assessments by scenario name, each named as in an organisation."""
    options = ScanOptions(catalog=catalog, as_of=AS_OF, since=AS_OF - timedelta(days=365))
    found = {}
    for name in SCENARIOS:
        repo, items = assess(LocalSource(scenario_repo(name)), options, LOCAL, lambda _m: None)
        found[name] = (dataclasses.replace(repo, repo=f"acme/{name}"), items)
    return found


def recorded(journal: Journal, assessed: dict[str, Assessed], order: list[str]) -> None:
    for name in order:
        repo, items = assessed[name]
        journal.save(f"acme/{name}", repo, items, partial=name == "bare-minimum",
                     resumable=True)


@pytest.mark.parametrize("order", [list(SCENARIOS), list(reversed(SCENARIOS))])
def test_read_back_in_the_reports_order_whatever_the_finishing_order(
        assessed: dict[str, Assessed], order: list[str]) -> None:
    journal = Journal.temporary(AS_OF)
    recorded(journal, assessed, order)
    repos = sorted((repo for repo, _ in assessed.values()), key=lambda r: r.repo)
    items = sorted((i for _, found in assessed.values() for i in found), key=lambda i: i.id)
    stored = journal.repositories()
    assert [repository_dict(r) for r in stored] == [repository_dict(r) for r in repos]
    assert [item_dict(i) for i in journal.evidence()] == [item_dict(i) for i in items]
    assert len(stored) == len(repos) and len(journal.evidence()) == len(items)


def test_the_stored_sequences_index_like_tuples(assessed: dict[str, Assessed]) -> None:
    journal = Journal.temporary(AS_OF)
    recorded(journal, assessed, list(SCENARIOS))
    stored = journal.repositories()
    names = [r.repo for r in stored]
    assert [stored[i].repo for i in range(len(stored))] == names
    assert stored[-1].repo == names[-1]
    assert [r.repo for r in stored[1:]] == names[1:]
    with pytest.raises(IndexError):
        stored[len(stored)]
    # two passes at once (a table's repositories and its evidence) do not disturb each other
    assert [(a.repo, b.repo) for a, b in zip(stored, stored, strict=True)] == \
        [(n, n) for n in names]


def test_briefs_carry_what_the_organisation_view_needs(assessed: dict[str, Assessed]) -> None:
    journal = Journal.temporary(AS_OF)
    recorded(journal, assessed, list(SCENARIOS))
    for name, (repo, _) in assessed.items():
        found = journal.finished(f"acme/{name}")
        assert found == (RepoBrief.of(repo), name == "bare-minimum")
    assert journal.finished("acme/never-scanned") is None
    assert journal.done() == len(SCENARIOS)


def test_a_repository_read_again_replaces_its_earlier_result(
        assessed: dict[str, Assessed]) -> None:
    journal = Journal.temporary(AS_OF)
    high, _ = assessed["high-maturity"]
    journal.save("acme/x", *assessed["high-maturity"], partial=False, resumable=False)
    # not resumable (a rate limit spoiled it): reported, but read again by a resumed run
    assert journal.finished("acme/x") is None and journal.done() == 0
    assert [r.repo for r in journal.repositories()] == [high.repo]
    mid, mid_items = assessed["mid-maturity"]
    journal.save("acme/x", mid, mid_items, partial=False, resumable=True)
    assert [r.repo for r in journal.repositories()] == [mid.repo]
    assert len(journal.evidence()) == len(mid_items)


def test_forget_and_keep_only_drop_repositories_and_their_evidence(
        assessed: dict[str, Assessed]) -> None:
    journal = Journal.temporary(AS_OF)
    recorded(journal, assessed, list(SCENARIOS))
    journal.forget("acme/high-maturity")
    journal.keep_only({"acme/mid-maturity", "acme/not-recorded"})
    (left,) = journal.repositories()
    assert left.repo == assessed["mid-maturity"][0].repo
    assert len(journal.evidence()) == len(assessed["mid-maturity"][1])


def test_a_resumable_journal_is_found_again_and_removed_when_finished(
        tmp_path: Path, assessed: dict[str, Assessed]) -> None:
    journal = Journal.open(tmp_path, KEY, as_of=None, now=NOW)
    assert journal.as_of == NOW
    recorded(journal, assessed, ["mid-maturity"])
    again = Journal.open(tmp_path, KEY, as_of=None, now=NOW + timedelta(hours=1))
    assert again.as_of == NOW  # the interrupted run's clock
    assert again.finished("acme/mid-maturity") is not None
    other = Journal.open(tmp_path, {**KEY, "target": "github:other"}, as_of=None, now=NOW)
    assert other.done() == 0  # other options, other journal
    again.finish()
    assert again.root is not None and not again.root.exists()


@pytest.mark.parametrize(("later", "as_of", "resumed"), [
    (RESUME_WITHIN - timedelta(minutes=1), None, True),
    (RESUME_WITHIN + timedelta(minutes=1), None, False),
    # a clock given on the command line does not age
    (RESUME_WITHIN + timedelta(days=3), AS_OF, True),
])
def test_an_old_journal_is_resumed_only_with_a_fixed_clock(
        tmp_path: Path, assessed: dict[str, Assessed], later: timedelta,
        as_of: datetime | None, resumed: bool) -> None:
    first = Journal.open(tmp_path, KEY, as_of=as_of, now=NOW)
    recorded(first, assessed, ["mid-maturity"])
    again = Journal.open(tmp_path, KEY, as_of=as_of, now=NOW + later)
    assert (again.done() == 1) is resumed


def test_a_damaged_record_means_reading_the_repository_again(
        tmp_path: Path, assessed: dict[str, Assessed]) -> None:
    journal = Journal.open(tmp_path, KEY, as_of=AS_OF, now=NOW)
    recorded(journal, assessed, ["mid-maturity"])
    assert journal.root is not None
    with sqlite3.connect(journal.root / DATABASE) as db:
        db.execute("UPDATE repos SET assessment = ?", (json.dumps({"repo": 7}),))
    db.close()
    again = Journal.open(tmp_path, KEY, as_of=AS_OF, now=NOW)
    assert again.finished("acme/mid-maturity") is None


def test_a_journal_of_another_format_is_discarded(tmp_path: Path,
                                                  assessed: dict[str, Assessed]) -> None:
    journal = Journal.open(tmp_path, KEY, as_of=AS_OF, now=NOW)
    recorded(journal, assessed, ["mid-maturity"])
    assert journal.root is not None
    run = journal.root / "run.json"
    run.write_text(run.read_text().replace(f'"format": {JOURNAL_FORMAT}', '"format": 1'))
    assert Journal.open(tmp_path, KEY, as_of=AS_OF, now=NOW).done() == 0


@pytest.mark.parametrize("read", ["repositories", "evidence"])
def test_reading_back_needs_no_sort_in_memory(read: str) -> None:
    # The report's order must come from an index: SQLite sorting thousands of repositories'
    # evidence would hold them in memory, which the journal exists to avoid.
    journal = Journal.temporary(AS_OF)
    stored = getattr(journal, read)()
    plan = journal._db.execute(f"EXPLAIN QUERY PLAN {stored._query}").fetchall()
    assert "USING INDEX" in str(plan) and "TEMP B-TREE" not in str(plan)

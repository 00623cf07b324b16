"""Multi-repository scans in the engine: one repository failing never stops the others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.registry import LOCAL
from collectors.sources.base import Job, RepoUnavailable, Source, SourceError
from collectors.sources.local import LocalSource
from scanner.catalog import Catalog
from scanner.engine import ScanOptions, scan_many
from scanner.evidence import UnknownReason
from tests.fixture_repos import scenario_repo

__all__ = ["scenario_repo"]

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


def _failing(error: SourceError) -> Callable[[], Source]:
    def open_repo() -> Source:
        raise error
    return open_repo


@pytest.mark.parametrize(("error", "reason"), [
    (RepoUnavailable("clone failed: refused", UnknownReason.API_ERROR), UnknownReason.API_ERROR),
    (SourceError("/cache/x.git: not a git repository"), UnknownReason.UNREADABLE),
])
def test_a_repository_that_cannot_be_opened_is_a_failure(
        catalog: Catalog, scenario_repo: Callable[[str], Path], error: SourceError,
        reason: UnknownReason) -> None:
    path = scenario_repo("mid-maturity")
    jobs = [Job(repo_id="example/ok", open=lambda: LocalSource(path)),
            Job(repo_id="example/broken", open=_failing(error))]
    lines: list[str] = []

    class Reporter:
        def started(self, repo: str) -> None:
            """Nothing to do."""

        def step(self, repo: str, what: str) -> None:
            """Nothing to do."""

        def finished(self, repo: str, outcome: str) -> None:
            lines.append(f"{repo}: {outcome}")

    options = ScanOptions(catalog=catalog, as_of=AS_OF, since=AS_OF - timedelta(days=365))
    report = scan_many("example", [jobs], options, reporter=Reporter(), collectors=LOCAL)
    assert [r.repo for r in report.repositories] == ["local:repo"]
    (failure,) = report.failures
    assert (failure.repo, failure.reason) == ("example/broken", reason)
    assert report.partial
    assert report.organisation is not None and report.organisation.failed == 1
    assert any(line.startswith("example/broken: not scanned:") for line in lines)

"""Shared fixtures for report tests: an organisation report built from real fixture repositories."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collectors.registry import LOCAL
from collectors.sources.local import LocalSource
from scanner.catalog import Catalog
from scanner.engine import SCHEMA_VERSION, ScanOptions, assess
from scanner.evidence import UnknownReason
from scanner.model import RepoAssessment, RepoBrief, RepoFailure, Report, Visibility
from scanner.org import assess_org
from tests.conftest import AS_OF
from tests.fixture_repos import build_scenario

LONG = "a-repository-name-far-too-long-for-the-eighty-column-table-of-levels"
#: scenario -> directory name (the repository id is ``local:<directory>``)
FLEET = {"mid-maturity": "web", "ai-no-governance": "api", "bare-minimum": LONG}


@pytest.fixture(scope="session")
def org_report(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Report:
    """Three scanned repositories, two that could not be scanned, and a preflight."""
    root = tmp_path_factory.mktemp("fleet")
    options = ScanOptions(catalog=catalog, as_of=AS_OF, since=AS_OF - timedelta(days=365))
    repos: list[RepoAssessment] = []
    items = []
    for scenario, name in FLEET.items():
        repo, found = assess(LocalSource(build_scenario(scenario, root / name)), options,
                             LOCAL, lambda _msg: None)
        repos.append(repo)
        items.extend(found)
    repos.sort(key=lambda r: r.repo)
    failures = (
        RepoFailure(repo="local:zz-gone", reason=UnknownReason.NOT_FOUND_OR_HIDDEN,
                    detail="deleted between listing and reading"),
        RepoFailure(repo="local:aa-refused", reason=UnknownReason.FORBIDDEN,
                    detail="clone refused"),
    )
    preflight = (Visibility(evidence="rulesets", needs="repository read", visible=3, total=3),
                 Visibility(evidence="classic branch protection", needs="repository admin",
                            visible=0, total=3))
    return Report(
        schema_version=SCHEMA_VERSION, tool_version="0.0.0", catalog_version=catalog.version,
        as_of=AS_OF, since=options.since, collectors=("engine@1",), repositories=tuple(repos),
        evidence=tuple(sorted(items, key=lambda i: i.id)), partial=True,
        target="github:acme",
        organisation=assess_org(catalog, "github:acme", [RepoBrief.of(r) for r in repos],
                                failures),
        failures=failures, preflight=preflight)



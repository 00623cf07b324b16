"""GitHub targets, instance URLs, repository selection and progress output."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from collectors.sources.github import (
    PUBLIC_API,
    GitHubTarget,
    Selection,
    api_url_for,
    meta_of,
    parse_target,
)
from collectors.sources.json_shapes import moment
from scanner.progress import BarReporter, LineReporter

GHES = "https://ghe.example.com/api/v3"


@pytest.mark.parametrize(("text", "api", "expected"), [
    ("github:acme", PUBLIC_API, ("acme", None)),
    ("github:acme/api", PUBLIC_API, ("acme", "api")),
    ("github:acme/api.git", PUBLIC_API, ("acme", "api")),
    ("https://github.com/acme", PUBLIC_API, ("acme", None)),
    ("https://github.com/acme/api", PUBLIC_API, ("acme", "api")),
    ("https://github.com/acme/api.git", PUBLIC_API, ("acme", "api")),
    ("https://github.com/acme/api/tree/main/src", PUBLIC_API, ("acme", "api")),
    ("https://ghe.example.com/acme/api", GHES, ("acme", "api")),
    ("https://gitlab.com/acme/api", PUBLIC_API, None),
    ("https://ghe.example.com/acme/api", PUBLIC_API, None),
    ("github:", PUBLIC_API, None),
    ("github:acme/api/extra", PUBLIC_API, None),
    ("github:../etc", PUBLIC_API, None),
    ("github:acme/..", PUBLIC_API, None),
    ("https://github.com/acme/../x", PUBLIC_API, None),
    (".", PUBLIC_API, None),
    ("/srv/repos/api", PUBLIC_API, None),
])
def test_parse_target(text: str, api: str, expected: tuple[str, str | None] | None) -> None:
    target = parse_target(text, api)
    assert (None if target is None else (target.owner, target.repo)) == expected


@pytest.mark.parametrize(("flag", "host", "expected"), [
    (None, None, PUBLIC_API),
    (None, "github.com", PUBLIC_API),
    (None, "ghe.example.com", GHES),
    ("http://127.0.0.1:8080/", "ghe.example.com", "http://127.0.0.1:8080"),
])
def test_api_url(flag: str | None, host: str | None, expected: str) -> None:
    assert api_url_for(flag, host) == expected


@pytest.mark.parametrize(("api", "host"), [(PUBLIC_API, "github.com"), (GHES, "ghe.example.com")])
def test_repository_ids_name_the_web_host(api: str, host: str) -> None:
    target = GitHubTarget(api_url=api, owner="acme", repo=None)
    assert target.web_host == host
    assert target.label == "github:acme"


def _meta(name: str, *, archived: bool = False, fork: bool = False) -> object:
    return meta_of({"name": name, "full_name": f"acme/{name}", "owner": {"login": "acme"},
                    "archived": archived, "fork": fork, "default_branch": "main"},
                   "GET /orgs/acme/repos", None)


@pytest.mark.parametrize(("selection", "meta", "why"), [
    (Selection(), _meta("api"), None),
    (Selection(), _meta("old", archived=True), "archived (--include-archived)"),
    (Selection(include_archived=True), _meta("old", archived=True), None),
    (Selection(), _meta("copy", fork=True), "fork (--include-forks)"),
    (Selection(include_forks=True), _meta("copy", fork=True), None),
    (Selection(patterns=("api-*",)), _meta("api-gateway"), None),
    (Selection(patterns=("acme/api-*",)), _meta("api-gateway"), None),
    (Selection(patterns=("api-*",)), _meta("web"), "not matched by --repos"),
])
def test_selection(selection: Selection, meta: object, why: str | None) -> None:
    assert selection.why_excluded(meta) == why  # type: ignore[arg-type]


def test_inventory_without_permissions_or_security_block_is_not_visible() -> None:
    meta = meta_of({"name": "api", "full_name": "acme/api", "owner": {"login": "acme"}},
                   "GET /orgs/acme/repos", '"e"')
    assert not meta.admin
    assert meta.security_and_analysis is None  # not visible, never "disabled"
    assert meta.visibility == "public"


def test_line_reporter_counts_finished_repositories() -> None:
    lines: list[str] = []
    reporter = LineReporter(lines.append, 2)
    reporter.started("github.com/acme/a")
    reporter.step("github.com/acme/a", "hooks")
    reporter.finished("github.com/acme/a", "Model D 2-1-1-1, Model S stage 1")
    reporter.finished("github.com/acme/b", "not scanned: gone")
    assert lines == ["[1/2] github.com/acme/a: Model D 2-1-1-1, Model S stage 1",
                     "[2/2] github.com/acme/b: not scanned: gone"]


def test_bar_reporter_prints_results_above_the_bars() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    with BarReporter(2, console=console) as reporter:
        reporter.started("github.com/acme/a")
        reporter.step("github.com/acme/a", "github.com/acme/a: attribution")
        reporter.finished("github.com/acme/a", "Model D 2-1-1-1, Model S stage 1")
    assert "aims: github.com/acme/a: Model D 2-1-1-1, Model S stage 1" in stream.getvalue()


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-10-01T10:00:00Z", "2026-10-01T10:00:00+00:00"),
    (None, "1970-01-01T00:00:00+00:00"),
    ("yesterday", "1970-01-01T00:00:00+00:00"),
])
def test_graphql_dates_are_read_tolerantly(value: object, expected: str) -> None:
    """A malformed date from the API falls before every window instead of stopping the scan."""
    assert moment(value).isoformat() == expected

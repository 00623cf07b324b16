"""The GitHub sweep's GraphQL queries: valid against GitHub's schema, admin fields for admins."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path
from typing import Any

import graphql
import pytest

from collectors.sources import github_queries as queries
from collectors.sources.json_shapes import nodes

SCHEMA = Path(__file__).parent.parent / "data" / "github" / "schema.graphql.gz"

#: Fields that non-admins get "Resource not accessible" errors for.
ADMIN_ONLY = ("branchProtectionRule", "rulesets", "bypassActors", "isAdminEnforced")


@cache
def schema() -> graphql.GraphQLSchema:
    """GitHub's published schema (it breaks a few SDL rules itself, hence assume_valid)."""
    text = gzip.decompress(SCHEMA.read_bytes()).decode("utf-8")
    return graphql.build_schema(text, assume_valid=True, assume_valid_sdl=True)


BUILT = {
    "state, one reader": queries.state_query([("acme", "web", False)]),
    "state, one admin": queries.state_query([("acme", "api", True)]),
    "state, mixed batch": queries.state_query([("acme", "api", True), ("acme", "web", False)]),
    "state, full batch": queries.state_query([("acme", f"r{i}", i % 2 == 0) for i in range(25)]),
    "pulls, batch": queries.pulls_query([("acme", "api", "main"), ("acme", "web", "dev")]),
    "pulls, next page": queries.pulls_query([("acme", "api", "main")], first=50, after="Y3Vy"),
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_queries_validate_against_githubs_schema(name: str) -> None:
    query, variables = BUILT[name]
    document = graphql.parse(query)
    assert graphql.validate(schema(), document) == []
    # Every declared variable is given a value, and no value goes undeclared.
    declared = {d.variable.name.value for op in document.definitions
                if isinstance(op, graphql.OperationDefinitionNode)
                for d in op.variable_definitions or ()}
    assert declared == set(variables)


@pytest.mark.parametrize(("repos", "admin_fields"), [
    ([("acme", "web", False)], False),
    ([("acme", "api", True)], True),
    ([("acme", "web", False), ("acme", "api", True)], True),
])
def test_admin_only_fields_are_asked_only_for_admins(repos: list[tuple[str, str, bool]],
                                                    admin_fields: bool) -> None:
    query, _ = queries.state_query(repos)
    assert all((field in query) == admin_fields for field in ADMIN_ONLY)
    for i, (_, _, admin) in enumerate(repos):
        line = next(x for x in query.splitlines() if x.strip().startswith(f"{queries.alias(i)}:"))
        assert ("...AdminState" in line) == admin


def test_repositories_travel_as_variables_by_alias() -> None:
    query, variables = queries.state_query([("acme", 'evil") { x }', False), ("o", "n", True)])
    assert 'evil")' not in query
    assert variables == {"o0": "acme", "n0": 'evil") { x }', "o1": "o", "n1": "n"}
    assert [queries.alias(i) for i in range(3)] == ["r0", "r1", "r2"]


def test_pulls_query_asks_merged_prs_into_the_branch_newest_updated_first() -> None:
    query, variables = queries.pulls_query([("acme", "api", "release/1.0")], first=20)
    assert variables == {"first": 20, "o0": "acme", "n0": "api", "b0": "release/1.0"}
    assert "states: [MERGED], baseRefName: $b0" in query
    assert "orderBy: {field: UPDATED_AT, direction: DESC}" in query
    assert "after" not in query


@pytest.mark.parametrize(("call", "kwargs"), [
    (queries.state_query, {"repos": []}),
    (queries.state_query, {"repos": [("o", f"r{i}", False) for i in range(26)]}),
    (queries.pulls_query, {"repos": [("o", "a", "main"), ("o", "b", "main")], "after": "c"}),
])
def test_bad_batches_are_programming_errors(call: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        call(**kwargs)


@pytest.mark.parametrize(("value", "expected"), [
    ({"nodes": [{"a": 1}, None, 3]}, [{"a": 1}]),
    ({"nodes": None}, []),
    (None, []),
    ("oops", []),
])
def test_nodes_reads_connections_defensively(value: Any, expected: list[Any]) -> None:
    assert nodes(value) == expected

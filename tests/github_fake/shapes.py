"""Response shapes checked against GitHub's OpenAPI description (the committed subset).

``tests/data/github/openapi-subset.json.gz`` is written by
``fixtures/github/extract_schemas.py`` from npm ``@octokit/openapi``.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from tests.github_fake.server import Logged

DATA = Path(__file__).resolve().parents[1] / "data" / "github"


@functools.cache
def load_subset() -> dict[str, Any]:
    """The committed OpenAPI subset: ``{"source": ..., "operations": {"GET /x": ...}}``."""
    subset: dict[str, Any] = json.loads(
        gzip.decompress((DATA / "openapi-subset.json.gz").read_bytes()))
    return subset


def _template_regex(template: str) -> re.Pattern[str]:
    """``/repos/{owner}/{repo}/rules/branches/{branch}`` as a regex (a branch may hold /)."""
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join((".+" if part == "{branch}" else "[^/]+") if part.startswith("{")
                    else re.escape(part) for part in parts)
    return re.compile(regex)


def operation_of(method: str, path: str, operations: Iterable[str]) -> str | None:
    """The ``METHOD /template`` key an actual request path belongs to."""
    for key in operations:
        verb, template = key.split(" ", 1)
        if verb == method and _template_regex(template).fullmatch(path):
            return key
    return None


def check_shapes(log: Iterable[Logged], subset: Mapping[str, Any] | None = None) -> list[str]:
    """Problems of logged REST responses against their schemas (2xx success, 4xx error).

    GraphQL is not covered here: it is executed against GitHub's schema itself. A 2xx
    response of an endpoint outside the subset is a problem too (nothing to check it by).
    """
    operations = (subset or load_subset())["operations"]
    problems = []
    for entry in log:
        if entry.path == "/graphql" or entry.body is None or not 200 <= entry.status < 500:
            continue
        key = operation_of(entry.method, entry.path, operations)
        label = f"{entry.method} {entry.path} -> {entry.status}"
        if key is None:
            if entry.status < 400:
                problems.append(f"{label}: no schema for this operation")
                continue
            key = next(iter(operations))
        schema = operations[key]["success" if entry.status < 400 else "error"]
        for err in Draft202012Validator(schema).iter_errors(entry.body):
            where = "/".join(str(p) for p in err.absolute_path)
            problems.append(f"{label}: at /{where}: {err.message[:200]}")
    return problems

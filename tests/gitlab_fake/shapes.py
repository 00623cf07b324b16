"""Response shapes checked against gitbeaker's TypeScript declarations (the committed file).

``tests/data/gitlab/shapes.json.gz`` is written by ``fixtures/gitlab/extract_shapes.mjs`` from
npm ``@gitbeaker/core``: per interface its properties (optional flag, simplified type) and
whether extra keys are allowed. Where gitbeaker disagrees with GitLab's documentation and
API entities, :data:`OVERRIDES` follows GitLab (listed in ``fixtures/gitlab/README.md``).
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from tests.gitlab_fake.rest import flag

if TYPE_CHECKING:
    from tests.gitlab_fake.server import Logged

DATA = Path(__file__).resolve().parents[1] / "data" / "gitlab"

_OPTIONAL: dict[str, Any] = {"optional": True}
_NULLABLE: dict[str, Any] = {"nullable": True}
_ID_OR_NULL: dict[str, Any] = {"optional": True, "type": {"union": ["null", "number"]}}

#: ``Interface.property[.property]`` -> changes to gitbeaker's property (``optional``,
#: ``nullable``, ``type``), or a new property. Inheritance is flattened, so a property of a
#: base interface is named once per interface that is checked.
OVERRIDES: dict[str, dict[str, Any]] = {
    # API::Entities::Project: `owner` only "unless project.group"; `license(_url)` only with
    # ?license=true; `runners_token` only for admins of the project; mirror_* only "if
    # project.mirror?"; `permissions` only on GET /projects/:id (ProjectWithAccess), with
    # project_access / group_access null when the access comes from the other.
    **dict.fromkeys(("ProjectSchema.owner", "ProjectSchema.license",
                     "ProjectSchema.license_url", "ProjectSchema.runners_token",
                     "ProjectSchema.mirror_user_id", "ProjectSchema.mirror_trigger_builds",
                     "ProjectSchema.only_mirror_protected_branches",
                     "ProjectSchema.mirror_overwrites_diverged_branches",
                     "ProjectSchema.permissions"), _OPTIONAL),
    "ProjectSchema.permissions.project_access": _NULLABLE,
    "ProjectSchema.permissions.group_access": _NULLABLE,
    # Empty repositories have no default branch; unmarked projects send null.
    "ProjectSchema.default_branch": _NULLABLE,
    "SimpleProjectSchema.default_branch": _NULLABLE,
    "ProjectSchema.marked_for_deletion_on": _NULLABLE,
    # Projects API docs: a role name ("developer", "maintainer", "owner", "no_one_allowed").
    "ProjectSchema.ci_pipeline_variables_minimum_override_role": {"type": "string"},
    # Groups API docs: null for a top-level group.
    "GroupSchema.parent_id": _NULLABLE,
    # Protected branches API docs: access levels carry deploy_key_id.
    "ExtendedProtectedBranchAccessLevelSchema.deploy_key_id": _ID_OR_NULL,
    # Protected environments API docs: {"id", "access_level", "access_level_description",
    # "user_id": null, "group_id": null, "group_inheritance_type": 0}.
    "ProtectedEnvironmentAccessLevelSummarySchema.id": {"optional": False, "type": "number"},
    "ProtectedEnvironmentAccessLevelSummarySchema.group_inheritance_type": {
        "optional": True, "type": "number"},
    "ProtectedEnvironmentAccessLevelSummarySchema.user_id": _NULLABLE,
    "ProtectedEnvironmentAccessLevelSummarySchema.group_id": _NULLABLE,
    # MR approvals API docs: project-level rules have no `overridden` (MR-level rules do).
    "ProjectLevelApprovalRuleSchema.overridden": _OPTIONAL,
}

_LIST = "array"
#: ``(path regex, type)`` per endpoint the fake serves (paths include ``/api/v4``).
_P = r"/api/v4/projects/[^/]+"
_G = r"/api/v4/groups/[^/]+"
ENDPOINTS: list[tuple[str, Any]] = [
    (_G, {"ref": "GroupSchema"}),
    (_G + "/projects", {_LIST: {"ref": "ProjectSchema"}}),
    (_G + "/protected_branches", {_LIST: {"ref": "ProtectedBranchSchema"}}),
    (_G + "/push_rule", {"ref": "PushRuleSchema"}),
    (_P, {"ref": "ProjectSchema"}),
    (_P + "/repository/branches/.+", {"ref": "BranchSchema"}),
    (_P + "/protected_branches", {_LIST: {"ref": "ProtectedBranchSchema"}}),
    (_P + "/approval_rules", {_LIST: {"ref": "ProjectLevelApprovalRuleSchema"}}),
    (_P + "/approvals", {"ref": "ProjectLevelMergeRequestApprovalSchema"}),
    (_P + "/push_rule", {"union": [{"ref": "PushRuleSchema"}, "null"]}),
    (_P + "/protected_environments", {_LIST: {"ref": "ProtectedEnvironmentSchema"}}),
    (_P + "/merge_requests", {_LIST: {"ref": "MergeRequestSchema"}}),
    (_P + r"/merge_requests/\d+/commits", {_LIST: {"ref": "CommitSchema"}}),
    (_P + r"/merge_requests/\d+/approvals",
     {"ref": "MergeRequestLevelMergeRequestApprovalSchema"}),
]
_COMPILED = [(re.compile(regex), shape) for regex, shape in ENDPOINTS]
_SIMPLE_LISTING = {_LIST: {"ref": "SimpleProjectSchema"}}


@functools.cache
def load_shapes() -> dict[str, Any]:
    """The committed shapes with :data:`OVERRIDES` applied: ``{"source", "interfaces"}``."""
    shapes: dict[str, Any] = json.loads(
        gzip.decompress((DATA / "shapes.json.gz").read_bytes()))
    return {**shapes, "interfaces": apply_overrides(shapes["interfaces"], OVERRIDES)}


def apply_overrides(interfaces: dict[str, Any],
                    overrides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A copy of ``interfaces`` with each override applied (KeyError for a wrong path)."""
    patched = copy.deepcopy(interfaces)
    for dotted, change in overrides.items():
        name, *names = dotted.split(".")
        shape = patched[name]
        for prop in names[:-1]:
            shape = shape["properties"][prop]["type"]["object"]
        prop = shape["properties"].setdefault(names[-1], {"optional": False, "type": "unknown"})
        prop.update({k: v for k, v in change.items() if k != "nullable"})
        if change.get("nullable"):
            prop["type"] = {"union": ["null", prop["type"]]}
    return patched


def shape_of(path: str, query: str) -> Any:
    """The type of a 2xx body of ``GET path?query``, None when the endpoint is unknown."""
    for regex, shape in _COMPILED:
        if regex.fullmatch(path):
            if path.endswith("/projects") and flag(dict(parse_qsl(query)).get("simple")):
                return _SIMPLE_LISTING
            return shape
    return None


def check(value: Any, shape: Any, interfaces: dict[str, Any], where: str = "") -> list[str]:
    """Problems of ``value`` against a simplified type (see extract_shapes.mjs)."""
    if isinstance(shape, str):
        return [] if _primitive_ok(value, shape) else [
            f"{where or '/'}: expected {shape}, got {type(value).__name__}"]
    if "ref" in shape:
        return _check_object(value, interfaces[shape["ref"]], interfaces, where, shape["ref"])
    if "object" in shape:
        return _check_object(value, shape["object"], interfaces, where, "object")
    if _LIST in shape:
        if not isinstance(value, list):
            return [f"{where or '/'}: expected array, got {type(value).__name__}"]
        return [p for i, item in enumerate(value)
                for p in check(item, shape[_LIST], interfaces, f"{where}/{i}")]
    results = [check(value, member, interfaces, where) for member in shape["union"]]
    if any(not problems for problems in results):
        return []
    return [f"{where or '/'}: matches no member of the union: "
            + "; ".join(problems[0] for problems in results)]


def _primitive_ok(value: Any, name: str) -> bool:
    if name == "unknown":
        return True
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    expected = {"string": str, "boolean": bool, "null": type(None)}[name]
    return isinstance(value, expected)


def _check_object(value: Any, shape: dict[str, Any], interfaces: dict[str, Any], where: str,
                  name: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where or '/'}: expected {name}, got {type(value).__name__}"]
    problems = []
    for prop, spec in shape["properties"].items():
        if prop in value:
            problems += check(value[prop], spec["type"], interfaces, f"{where}/{prop}")
        elif not spec["optional"]:
            problems.append(f"{where or '/'}: {name} lacks required {prop!r}")
    if not shape["extra"]:
        problems += [f"{where or '/'}: {name} has no property {key!r}"
                     for key in value if key not in shape["properties"]]
    return problems


def check_shapes(log: Iterable[Logged], shapes: dict[str, Any] | None = None) -> list[str]:
    """Problems of logged 2xx JSON bodies against their interfaces.

    A 2xx answer of an endpoint without a known shape is a problem too (nothing to check
    it by); error answers (4xx, 5xx) are not checked.
    """
    interfaces = (shapes or load_shapes())["interfaces"]
    problems = []
    for entry in log:
        if not 200 <= entry.status < 300:
            continue
        label = f"{entry.method} {entry.path} -> {entry.status}"
        shape = shape_of(entry.path, entry.query)
        if shape is None:
            problems.append(f"{label}: no shape for this endpoint")
            continue
        problems += [f"{label}: {p}" for p in check(entry.body, shape, interfaces)]
    return problems

"""GitLab targets, instance URLs and error classification (no server needed)."""

from __future__ import annotations

import gitlab
import pytest
import requests

from collectors.sources.gitlab import PUBLIC_URL, instance_url_for, meta_of, parse_target
from collectors.sources.gitlab_api import classify, endpoint_of
from scanner.evidence import UnknownReason

SELF = "https://git.example.com"


@pytest.mark.parametrize(("text", "instance", "expected"), [
    ("gitlab:acme", PUBLIC_URL, (PUBLIC_URL, "acme")),
    ("gitlab:acme/platform/core/", PUBLIC_URL, (PUBLIC_URL, "acme/platform/core")),
    ("gitlab:acme/api.git", PUBLIC_URL, (PUBLIC_URL, "acme/api")),
    ("https://gitlab.com/acme/platform", SELF, (PUBLIC_URL, "acme/platform")),
    ("https://gitlab.com/acme/api/-/tree/main", PUBLIC_URL, (PUBLIC_URL, "acme/api")),
    ("https://gitlab.com/groups/acme/platform/-/epics", PUBLIC_URL,
     (PUBLIC_URL, "acme/platform")),
    ("https://git.example.com/acme/api", SELF, (SELF, "acme/api")),
    ("https://git.example.com/gitlab/acme", f"{SELF}/gitlab", (f"{SELF}/gitlab", "acme")),
    ("https://git.example.com/acme", PUBLIC_URL, None),  # not the configured instance
    ("https://github.com/acme", PUBLIC_URL, None),
    ("gitlab:acme/../etc", PUBLIC_URL, None),
    ("gitlab:", PUBLIC_URL, None),
    ("github:acme", PUBLIC_URL, None),
    ("./acme", PUBLIC_URL, None),
])
def test_targets(text: str, instance: str, expected: tuple[str, str] | None) -> None:
    target = parse_target(text, instance)
    assert (None if target is None else (target.url, target.path)) == expected


def test_target_label_and_host() -> None:
    target = parse_target("gitlab:acme/platform", "http://127.0.0.1:8080")
    assert target is not None
    assert (target.label, target.web_host) == ("gitlab:acme/platform", "127.0.0.1:8080")


@pytest.mark.parametrize(("flag", "ci_server", "expected"), [
    (None, None, PUBLIC_URL),
    (None, "https://gitlab.example.com/", "https://gitlab.example.com"),
    ("https://other.example.com", "https://gitlab.example.com", "https://other.example.com"),
    ("  ", None, PUBLIC_URL),
])
def test_instance_url(flag: str | None, ci_server: str | None, expected: str) -> None:
    assert instance_url_for(flag, ci_server) == expected


def test_endpoint_leaves_paging_out_and_sorts_the_query() -> None:
    assert endpoint_of("/groups/7/projects", {"per_page": 100, "simple": "true",
                                              "include_subgroups": "true", "page": 2}) == \
        "GET /groups/7/projects?include_subgroups=true&simple=true"
    assert endpoint_of("/projects/7/push_rule") == "GET /projects/7/push_rule"


def _http_error(code: int, message: object) -> gitlab.exceptions.GitlabHttpError:
    return gitlab.exceptions.GitlabHttpError(response_code=code, error_message=message)


@pytest.mark.parametrize(("exc", "status", "reason"), [
    (gitlab.exceptions.GitlabAuthenticationError(response_code=401,
                                                  error_message="401 Unauthorized"),
     401, UnknownReason.NO_CREDENTIALS),
    (_http_error(403, "403 Forbidden"), 403, UnknownReason.FORBIDDEN),
    (_http_error(404, "404 Project Not Found"), 404, UnknownReason.NOT_FOUND_OR_HIDDEN),
    (_http_error(429, b"Retry later"), 429, UnknownReason.RATE_LIMITED),
    (_http_error(502, b"<html>bad gateway</html>"), 502, UnknownReason.API_ERROR),
    (requests.ConnectionError("boom"), None, UnknownReason.API_ERROR),
])
def test_classify(exc: Exception, status: int | None, reason: UnknownReason) -> None:
    error = classify("GET /projects/7", exc)
    assert (error.status, error.reason) == (status, reason)
    assert error.endpoint == "GET /projects/7"


def test_classify_never_repeats_a_token() -> None:
    error = classify("GET /x", _http_error(500, "glpat-abcdefghijklmnopqrst leaked"))
    assert "glpat-abcdefghijklmnopqrst" not in str(error)


def test_project_entity_fields() -> None:
    meta = meta_of({"id": 7, "path_with_namespace": "acme/api", "default_branch": "main",
                    "archived": False, "forked_from_project": {"id": 1},
                    "empty_repo": False, "only_allow_merge_if_pipeline_succeeds": True,
                    "http_url_to_repo": "https://gitlab.com/acme/api.git",
                    "web_url": "https://gitlab.com/acme/api"}, 40, "GET /groups/3/projects")
    assert (meta.name, meta.fork, meta.maintainer, meta.pipeline_must_succeed,
            meta.secret_push_protection) == ("api", True, True, True, None)

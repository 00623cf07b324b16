"""The GitHub HTTP client against a scripted server on loopback: caching, limits, failures."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import scanner
from collectors.sources.etag_cache import EtagCache
from collectors.sources.github_api import ApiStats, GitHubApi
from collectors.sources.github_types import ApiError
from scanner.evidence import UnknownReason

TOKEN = "ghp_PLANTEDsecretTOKEN0123456789"  # nosemgrep: hardcoded-credential-python
NOW = 1_800_000_000.0
"""The fake clock: 2027-01-15 08:00:00 UTC."""

Scripted = tuple[int, Mapping[str, str], Any]
"""One scripted answer: status, headers, body (JSON-encoded unless it is a str)."""


@dataclass
class Recorded:
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any


@dataclass
class ScriptedServer:
    """Answers each path (with its query) from a queue; the last answer repeats."""

    url: str = ""
    scripts: dict[str, deque[Scripted]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path: str, *answers: Scripted) -> None:
        self.scripts[path].extend(answers)

    def answer(self, record: Recorded) -> Scripted:
        with self.lock:
            self.requests.append(record)
            queue = self.scripts.get(record.path)
            if not queue:
                return 404, {}, {"message": "Not Found"}
            status, headers, body = queue.popleft() if len(queue) > 1 else queue[0]
        # Behave like GitHub: a matching If-None-Match turns a 200 into a bodiless 304.
        etag = headers.get("ETag")
        if status == 200 and etag and record.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, ""
        return status, headers, body


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            record = Recorded(self.command, self.path, dict(self.headers.items()),
                              json.loads(raw) if raw else None)
            status, headers, body = server.answer(record)
            text = body if isinstance(body, str) else json.dumps(body)
            payload = b"" if status == 304 else text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(scripted))
    scripted.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield scripted
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Fakes:
    sleeps: list[float] = field(default_factory=list)
    announced: list[str] = field(default_factory=list)


def make_api(base_url: str, *, token: str | None = TOKEN, cache: EtagCache | None = None,
             fakes: Fakes | None = None, **options: Any) -> GitHubApi:
    fakes = fakes if fakes is not None else Fakes()
    return GitHubApi(base_url=base_url, token=token, cache=cache, sleep=fakes.sleeps.append,
                     clock=lambda: NOW, on_wait=fakes.announced.append, **options)


def stats_of(api: GitHubApi, **expected: float) -> dict[str, float]:
    """The named counters of ``api`` (so a row can list only what it is about)."""
    stats = api.stats()
    return {name: getattr(stats, name) for name in expected}


OK: Scripted = (200, {}, {"ok": True})


# -- conditional requests -----------------------------------------------------------------


def test_etag_reused_across_instances_sharing_the_cache_file(
        tmp_path: Path, server: ScriptedServer) -> None:
    path = tmp_path / "etags.sqlite"
    server.script("/repos/acme/api", (200, {"ETag": 'W/"v1"'}, {"name": "api"}))
    first = make_api(server.url, cache=EtagCache(path))
    fresh = first.get("/repos/acme/api")
    second = make_api(server.url, cache=EtagCache(path))
    again = second.get("/repos/acme/api")

    assert (fresh.data, fresh.not_modified, fresh.etag) == ({"name": "api"}, False, 'W/"v1"')
    assert (again.data, again.not_modified, again.status) == ({"name": "api"}, True, 200)
    assert "If-None-Match" not in server.requests[0].headers
    assert server.requests[1].headers["If-None-Match"] == 'W/"v1"'
    assert stats_of(second, requests=1, not_modified=1, counted=1) == {
        "requests": 1, "not_modified": 1, "counted": 0}
    assert TOKEN.encode() not in path.read_bytes()


@pytest.mark.parametrize("second_token", ["ghp_anotherTOKEN", None])
def test_cached_response_not_reused_for_another_credential(
        tmp_path: Path, server: ScriptedServer, second_token: str | None) -> None:
    path = tmp_path / "etags.sqlite"
    server.script("/repos/acme/api", (200, {"ETag": '"v1"'}, {"name": "api"}))
    make_api(server.url, cache=EtagCache(path)).get("/repos/acme/api")
    other = make_api(server.url, token=second_token, cache=EtagCache(path)).get("/repos/acme/api")
    assert not other.not_modified
    assert "If-None-Match" not in server.requests[1].headers


def test_requests_carry_token_accept_and_user_agent(server: ScriptedServer) -> None:
    server.script("/orgs/acme?a=1&b=2", OK)
    response = make_api(server.url).get("/orgs/acme", {"b": 2, "a": "1"})
    sent = server.requests[0].headers
    assert response.endpoint == "GET /orgs/acme?a=1&b=2"
    assert sent["Authorization"] == f"token {TOKEN}"
    assert sent["Accept"] == "application/vnd.github+json"
    assert sent["User-Agent"] == f"aims/{scanner.__version__}"


# -- pagination ---------------------------------------------------------------------------


def test_pages_follow_link_next_each_page_conditional(
        tmp_path: Path, server: ScriptedServer) -> None:
    page2 = f"{server.url}/orgs/acme/repos?per_page=100&page=2"
    server.script("/orgs/acme/repos?per_page=100&type=all",
                  (200, {"ETag": '"p1"', "Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
                   [{"name": "a"}]))
    server.script("/orgs/acme/repos?page=2&per_page=100", (200, {"ETag": '"p2"'}, [{"name": "b"}]))
    cache = EtagCache(tmp_path / "etags.sqlite")

    first = list(make_api(server.url, cache=cache).pages("/orgs/acme/repos", {"type": "all"}))
    second = list(make_api(server.url, cache=cache).pages("/orgs/acme/repos", {"type": "all"}))

    assert [page.data for page in first] == [[{"name": "a"}], [{"name": "b"}]]
    assert [page.endpoint for page in first] == [
        "GET /orgs/acme/repos?per_page=100&type=all", "GET /orgs/acme/repos?page=2&per_page=100"]
    assert [(page.data, page.not_modified) for page in second] == [
        ([{"name": "a"}], True), ([{"name": "b"}], True)]
    assert [r.headers.get("If-None-Match") for r in server.requests[2:]] == ['"p1"', '"p2"']


@pytest.mark.parametrize("next_url, detail", [
    ("https://evil.example.com/orgs/acme/repos?page=2", "another host"),
    ("{url}/orgs/acme/repos?per_page=100", "loops back"),
])
def test_pagination_refuses_foreign_hosts_and_loops(
        server: ScriptedServer, next_url: str, detail: str) -> None:
    link = f'<{next_url.format(url=server.url)}>; rel="next"'
    server.script("/orgs/acme/repos?per_page=100", (200, {"Link": link}, []))
    with pytest.raises(ApiError) as caught:
        list(make_api(server.url).pages("/orgs/acme/repos"))
    assert detail in caught.value.detail
    assert caught.value.reason is UnknownReason.API_ERROR
    assert all(r.path.startswith("/orgs/acme") for r in server.requests)


def test_ghes_prefix_is_kept_on_the_wire_and_dropped_from_endpoints(server: ScriptedServer) -> None:
    page2 = f"{server.url}/api/v3/organizations/7/repos?page=2&per_page=100"
    server.script("/api/v3/orgs/acme/repos?per_page=100",
                  (200, {"Link": f'<{page2}>; rel="next"'}, [1]))
    server.script("/api/v3/organizations/7/repos?page=2&per_page=100", (200, {}, [2]))
    api = make_api(server.url + "/api/v3")
    pages = list(api.pages("/orgs/acme/repos"))
    assert [page.endpoint for page in pages] == [
        "GET /orgs/acme/repos?per_page=100", "GET /organizations/7/repos?page=2&per_page=100"]
    assert api.graphql_endpoint == "POST /api/graphql"


@pytest.mark.parametrize("base_url, graphql_url, endpoint", [
    ("https://api.github.com", None, "POST /graphql"),
    ("https://ghe.example.com/api/v3", None, "POST /api/graphql"),
    ("https://ghe.example.com/api/v3/", None, "POST /api/graphql"),
    ("https://ghe.example.com/api/v3", "https://ghe.example.com/custom/graphql",
     "POST /custom/graphql"),
])
def test_graphql_endpoint(base_url: str, graphql_url: str | None, endpoint: str) -> None:
    api = GitHubApi(base_url=base_url, token=None, cache=None, graphql_url=graphql_url)
    assert api.graphql_endpoint == endpoint


def test_graphql_url_on_another_host_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="not on the host"):
        GitHubApi(base_url="https://api.github.com", token=None, cache=None,
                  graphql_url="https://elsewhere.example.com/graphql")


# -- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_followed_with_their_query(server: ScriptedServer, status: int) -> None:
    moved = f"{server.url}/repositories/1/pulls?state=all"
    server.script("/repos/old/name/pulls?state=all", (status, {"Location": moved}, ""))
    server.script("/repositories/1/pulls", (200, {}, ["query lost"]))
    server.script("/repositories/1/pulls?state=all", (200, {}, ["query kept"]))
    response = make_api(server.url).get("/repos/old/name/pulls", {"state": "all"})
    assert response.data == ["query kept"]
    assert response.endpoint == "GET /repos/old/name/pulls?state=all"


@pytest.mark.parametrize("status", [301, 307])
def test_redirect_loops_and_foreign_hosts_are_refused(server: ScriptedServer, status: int) -> None:
    server.script("/a", (status, {"Location": "/b"}, ""))
    server.script("/b", (status, {"Location": "/a"}, ""))
    server.script("/away", (status, {"Location": "https://evil.example.com/x"}, ""))
    api = make_api(server.url)
    with pytest.raises(ApiError, match="too many redirects"):
        api.get("/a")
    assert [r.path for r in server.requests] == ["/a", "/b", "/a", "/b"]
    with pytest.raises(ApiError, match="another host"):
        api.get("/away")


# -- rate limits --------------------------------------------------------------------------

PRIMARY: Scripted = (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 36)},
                     {"message": "API rate limit exceeded for user ID 1."})
RETRY_AFTER: Scripted = (429, {"Retry-After": "5"}, {"message": "Too many requests"})
SECONDARY: Scripted = (403, {}, {"message": "You have exceeded a secondary rate limit. "
                                            "Please wait a few minutes before you try again."})


@pytest.mark.parametrize("refusals, sleeps, announced", [
    ([PRIMARY], [37.0], "waiting 37 s until 08:00:37 UTC"),
    ([RETRY_AFTER], [5.0], "waiting 5 s until 08:00:05 UTC"),
    ([SECONDARY], [60.0], "waiting 60 s until 08:01:00 UTC"),
    ([SECONDARY, SECONDARY, SECONDARY], [60.0, 120.0, 240.0], "waiting 240 s"),
    ([(403, {"Retry-After": "30"}, {"message": "abuse detection"})], [30.0], "waiting 30 s"),
], ids=["primary-reset", "429-retry-after", "secondary", "secondary-doubling", "403-retry-after"])
def test_rate_limits_are_waited_out(server: ScriptedServer, refusals: list[Scripted],
                                    sleeps: list[float], announced: str) -> None:
    server.script("/orgs/acme", *refusals, OK)
    fakes = Fakes()
    api = make_api(server.url, fakes=fakes)
    assert api.get("/orgs/acme").data == {"ok": True}
    assert fakes.sleeps == sleeps
    assert announced in fakes.announced[-1]
    assert fakes.announced[-1].startswith("rate limited by GitHub: waiting")
    assert stats_of(api, requests=0, rate_limited=0, retries=0, waited=0, counted=0) == {
        "requests": len(sleeps) + 1, "rate_limited": len(sleeps), "retries": len(sleeps),
        "waited": sum(sleeps), "counted": len(sleeps) + 1}


@pytest.mark.parametrize("refusals, options", [
    ([PRIMARY], {"max_wait": 30.0}),
    ([(429, {"Retry-After": "3600"}, {})], {}),
    ([SECONDARY] * 5, {"max_retries": 2}),
], ids=["reset-beyond-max-wait", "retry-after-beyond-default", "too-many-refusals"])
def test_rate_limit_beyond_what_may_be_waited_raises(
        server: ScriptedServer, refusals: list[Scripted], options: dict[str, Any]) -> None:
    server.script("/orgs/acme", *refusals, OK)
    fakes = Fakes()
    api = make_api(server.url, fakes=fakes, **options)
    with pytest.raises(ApiError) as caught:
        api.get("/orgs/acme")
    assert caught.value.reason is UnknownReason.RATE_LIMITED
    assert caught.value.endpoint == "GET /orgs/acme"
    if len(refusals) == 1:
        assert fakes.sleeps == []
    else:
        assert fakes.sleeps == [60.0, 120.0]


# -- server errors and connection failures ------------------------------------------------

BAD_GATEWAY: Scripted = (502, {}, "<html>Bad Gateway</html>")


def test_server_error_burst_then_success(server: ScriptedServer) -> None:
    server.script("/orgs/acme", BAD_GATEWAY, (503, {}, {"message": "busy"}), OK)
    fakes = Fakes()
    api = make_api(server.url, fakes=fakes)
    assert api.get("/orgs/acme").data == {"ok": True}
    assert fakes.sleeps == [1.0, 2.0]
    assert stats_of(api, requests=0, retries=0, counted=0) == {
        "requests": 3, "retries": 2, "counted": 3}


@pytest.mark.parametrize("max_retries, sleeps", [(3, [1.0, 2.0, 4.0]), (0, [])])
def test_persistent_server_error_gives_up_after_max_retries(
        server: ScriptedServer, max_retries: int, sleeps: list[float]) -> None:
    server.script("/orgs/acme", BAD_GATEWAY)
    fakes = Fakes()
    api = make_api(server.url, fakes=fakes, max_retries=max_retries)
    with pytest.raises(ApiError) as caught:
        api.get("/orgs/acme")
    assert (caught.value.reason, caught.value.status) == (UnknownReason.API_ERROR, 502)
    assert fakes.sleeps == sleeps
    assert len(server.requests) == max_retries + 1


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused_is_retried_then_api_error() -> None:
    fakes = Fakes()
    api = make_api(f"http://127.0.0.1:{closed_port()}", fakes=fakes)
    with pytest.raises(ApiError) as caught:
        api.get("/orgs/acme")
    assert (caught.value.reason, caught.value.status) == (UnknownReason.API_ERROR, None)
    assert "no response from GitHub" in caught.value.detail
    assert fakes.sleeps == [1.0, 2.0, 4.0]
    assert stats_of(api, requests=0, counted=0) == {"requests": 4, "counted": 0}


# -- classification of failures -----------------------------------------------------------

PERMISSION = {"X-Accepted-GitHub-Permissions": "administration=read"}


@pytest.mark.parametrize("answer, reason, detail, unavailable, permission", [
    ((401, {}, {"message": "Bad credentials"}), UnknownReason.NO_CREDENTIALS,
     "Bad credentials", False, None),
    ((401, {}, ""), UnknownReason.NO_CREDENTIALS, "bad credentials", False, None),
    ((403, PERMISSION, {"message": "Resource not accessible by personal access token"}),
     UnknownReason.FORBIDDEN, "Resource not accessible", False, "administration=read"),
    ((403, {}, {"message": "Upgrade to GitHub Pro or make this repository public to enable "
                           "this feature."}), UnknownReason.FORBIDDEN, "Upgrade", True, None),
    ((403, {}, {"message": "Code Security must be enabled for this repository to use code "
                           "scanning."}), UnknownReason.FORBIDDEN, "Code Security", True, None),
    ((403, {}, {"message": "Advanced Security must be enabled for this repository to use "
                           "code scanning."}), UnknownReason.FORBIDDEN, "Advanced", True, None),
    ((403, {}, {"message": "Must have admin rights to Repository."}), UnknownReason.FORBIDDEN,
     "admin rights", False, None),
    ((404, {}, {"message": "Branch not protected"}), UnknownReason.NOT_FOUND_OR_HIDDEN,
     "Branch not protected", False, None),
    ((409, {}, {"message": "Git Repository is empty."}), UnknownReason.API_ERROR,
     "Git Repository is empty.", False, None),
    ((422, {}, {"message": "Validation Failed"}), UnknownReason.API_ERROR,
     "Validation Failed", False, None),
    ((410, {}, "gone"), UnknownReason.API_ERROR, "HTTP 410", False, None),
    ((200, {}, "<html>not json</html>"), UnknownReason.API_ERROR,
     "invalid JSON from GitHub", False, None),
])
def test_failures_are_classified(server: ScriptedServer, answer: Scripted, reason: UnknownReason,
                                 detail: str, unavailable: bool, permission: str | None) -> None:
    server.script("/repos/acme/api/branches/main/protection", answer)
    with pytest.raises(ApiError) as caught:
        make_api(server.url).get("/repos/acme/api/branches/main/protection")
    error = caught.value
    assert error.reason is reason
    assert detail in error.detail
    assert (error.unavailable, error.permission, error.status) == (unavailable, permission,
                                                                   answer[0])
    assert error.endpoint == "GET /repos/acme/api/branches/main/protection"
    assert str(error) == f"{error.endpoint}: {error.detail}"


# -- GraphQL ------------------------------------------------------------------------------

QUERY = "query($org: String!) { organization(login: $org) { login } }"


def test_graphql_partial_data_and_errors_are_returned(server: ScriptedServer) -> None:
    errors = [{"type": "FORBIDDEN", "path": ["organization", "x"], "message": "no access"}]
    server.script("/graphql", (200, {}, {"data": {"organization": {"login": "acme"}},
                                          "errors": errors}))
    api = make_api(server.url)
    result = api.graphql(QUERY, {"org": "acme"})
    assert result.data == {"organization": {"login": "acme"}}
    assert result.errors == tuple(errors)
    assert server.requests[0].method == "POST"
    assert server.requests[0].body == {"query": QUERY, "variables": {"org": "acme"}}
    assert stats_of(api, graphql=0, counted=0) == {"graphql": 1, "counted": 1}


def test_graphql_rate_limited_then_success(server: ScriptedServer) -> None:
    limited = {"data": None, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit "
                                         "already exceeded for user ID 1."}]}
    server.script("/graphql",
                  (200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 10)},
                   limited),
                  (200, {}, {"data": {"organization": {"login": "acme"}}}))
    fakes = Fakes()
    api = make_api(server.url, fakes=fakes)
    result = api.graphql(QUERY, {"org": "acme"})
    assert (result.data, result.errors) == ({"organization": {"login": "acme"}}, ())
    assert fakes.sleeps == [11.0]
    assert api.stats() == ApiStats(requests=2, counted=2, rate_limited=1, retries=1, waited=11.0,
                                   graphql=2)


@pytest.mark.parametrize("answer, reason", [
    ((401, {}, {"message": "Bad credentials"}), UnknownReason.NO_CREDENTIALS),
    ((200, {}, "[1, 2]"), UnknownReason.API_ERROR),
    ((200, {}, "not json"), UnknownReason.API_ERROR),
])
def test_graphql_failures(server: ScriptedServer, answer: Scripted, reason: UnknownReason) -> None:
    server.script("/graphql", answer)
    with pytest.raises(ApiError) as caught:
        make_api(server.url).graphql(QUERY, {"org": "acme"})
    assert (caught.value.reason, caught.value.endpoint) == (reason, "POST /graphql")


# -- sharing and secrecy ------------------------------------------------------------------


def test_one_client_shared_by_threads(tmp_path: Path, server: ScriptedServer) -> None:
    for n in range(8):
        server.script(f"/repos/acme/r{n}", (200, {}, {"thread": n}))
    api = make_api(server.url, cache=EtagCache(tmp_path / "etags.sqlite"))
    failures: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            for _ in range(20):
                assert api.get(f"/repos/acme/r{thread}").data == {"thread": thread}
        except BaseException as exc:  # reported to the main thread below
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    api.close()
    assert failures == []
    assert len(server.requests) == 160
    assert stats_of(api, requests=0, counted=0) == {"requests": 160, "counted": 160}


def test_token_never_in_errors_or_repr(tmp_path: Path, server: ScriptedServer) -> None:
    echo = {"message": f"Bad credentials {TOKEN}"}  # even if a server echoed it back
    server.script("/user", (401, {}, echo))
    server.script("/orgs/acme", BAD_GATEWAY)
    server.script("/repos/acme/api", (403, {}, {"message": "Resource not accessible by "
                                                           "personal access token"}))
    path = tmp_path / "etags.sqlite"
    api = make_api(server.url, cache=EtagCache(path))
    refused = make_api(f"http://127.0.0.1:{closed_port()}")
    texts = [repr(api), repr(refused)]
    for client, target in ((api, "/user"), (api, "/orgs/acme"), (api, "/repos/acme/api"),
                           (refused, "/orgs/acme")):
        with pytest.raises(ApiError) as caught:
            client.get(target)
        texts += [str(caught.value), repr(caught.value), caught.value.detail]
    assert all(r.headers["Authorization"] == f"token {TOKEN}" for r in server.requests)
    assert texts[2] == "GET /user: Bad credentials ***"
    for text in texts:
        assert TOKEN not in text
    assert TOKEN.encode() not in path.read_bytes()


def test_token_never_in_logs(server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    server.script("/orgs/acme", BAD_GATEWAY, PRIMARY, OK)
    server.script("/graphql", (200, {}, {"data": {}}))
    api = make_api(server.url)
    refused = make_api(f"http://127.0.0.1:{closed_port()}")
    # PyGithub's own logger ("github") logs each request's headers at DEBUG.
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="github"):
        api.get("/orgs/acme")
        api.graphql(QUERY, {"org": "acme"})
        with pytest.raises(ApiError):
            refused.get("/orgs/acme")
    assert "Authorization" in caplog.text  # the request headers were logged, masked
    assert "rate limited by GitHub: waiting 37 s" in caplog.text
    assert TOKEN not in caplog.text

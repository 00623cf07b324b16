"""A loopback GitHub (REST + GraphQL) over an in-memory organisation, for tests and benchmarks.

Every request is authenticated by token (role from :attr:`FakeOrg.tokens`), may be answered
by a scripted response first (rate limits, 5xx bursts) or broken on the wire
(:mod:`tests.github_fake.faults`), is otherwise routed to
:mod:`tests.github_fake.rest` or :mod:`tests.github_fake.graphql_api`, gets GitHub's ETag and
``x-ratelimit-*`` headers, and is logged as a :class:`Logged` entry.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.github_fake.faults import Fault, Faults
from tests.github_fake.graphql_api import Viewer, github_schema, run_query
from tests.github_fake.model import FakeOrg
from tests.github_fake.rest import Call, Reply, error, route
from tests.loopback import LoopbackServer, Scripted

PRIMARY_LIMIT = "API rate limit exceeded for user ID 1."
SECONDARY_LIMIT = ("You have exceeded a secondary rate limit. Please wait a few minutes before "
                   "you try again.")
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"


@dataclass(frozen=True)
class Logged:
    """One request the server answered."""

    method: str
    path: str
    """Raw path without the query string (percent-encoding kept)."""
    query: str
    status: int
    conditional: bool
    """The request carried ``If-None-Match``."""
    role: str | None
    """The token's role; None when the credentials were missing or bad."""
    body: Any
    """The JSON response body (None when empty, e.g. a 304)."""
    request: Any = None
    """The JSON request body (GraphQL: ``{"query", "variables"}``)."""


@dataclass
class _Budget:
    limit: int
    used: int = 0

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


class FakeGitHub(LoopbackServer):
    """The server; use as a context manager, then point the client at :attr:`url`."""

    def __init__(self, org: FakeOrg, *, latency: float = 0.0, core_limit: int = 5000,
                 graphql_limit: int = 5000) -> None:
        self.org = org
        super().__init__()
        self.latency = latency
        """Seconds slept before answering each request."""
        self.log: list[Logged] = []
        self.faults = Faults()
        """Transport faults played instead of answers (see :meth:`break_requests`)."""
        self._budgets = {"core": _Budget(core_limit), "graphql": _Budget(graphql_limit)}
        self._reset = int(time.time()) + 3600

    # --- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        github_schema()  # parse GitHub's schema now, not inside the first timed request
        self.start(_Handler)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.faults.release()
        super().__exit__(kind, exc, tb)

    # --- scripting --------------------------------------------------------------------

    def rate_limited(self, method: str = "GET", path_regex: str = ".*", *,
                     reset_in: float = 1.0, times: int = 1) -> None:
        """Primary limit: 403 with ``x-ratelimit-remaining: 0`` and a reset ``reset_in`` s away."""
        reset = str(math.ceil(time.time() + reset_in))
        self.script(method, path_regex, *[Scripted(
            403, {"message": PRIMARY_LIMIT, "documentation_url": RATE_DOCS},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})] * times)

    def secondary_limited(self, method: str = "GET", path_regex: str = ".*", *,
                          retry_after: int = 1, times: int = 1) -> None:
        """Secondary limit: 403 with ``retry-after``."""
        self.script(method, path_regex, *[Scripted(
            403, {"message": SECONDARY_LIMIT, "documentation_url": RATE_DOCS},
            {"retry-after": str(retry_after)})] * times)

    def too_many_requests(self, method: str = "GET", path_regex: str = ".*", *,
                          retry_after: int = 1, times: int = 1) -> None:
        """429 with ``Retry-After``."""
        self.script(method, path_regex, *[Scripted(
            429, {"message": SECONDARY_LIMIT, "documentation_url": RATE_DOCS},
            {"Retry-After": str(retry_after)})] * times)

    def server_errors(self, method: str = "GET", path_regex: str = ".*", *,
                      status: int = 502, times: int = 3) -> None:
        """A burst of ``times`` 5xx answers (GitHub's 502 body is ``Server Error``)."""
        self.script(method, path_regex, *[Scripted(status, {"message": "Server Error"})] * times)

    def break_requests(self, fault: Fault, method: str = "GET", path_regex: str = ".*", *,
                       times: int | None = None) -> None:
        """Play ``fault`` for the next ``times`` matching requests (None: for every one)."""
        self.faults.add(fault, method, path_regex, times=times)

    def clear_faults(self) -> None:
        """Forget every transport fault and scripted answer not yet played."""
        self.faults.clear()
        with self._lock:
            self._scripts.clear()

    def requests(self, method: str | None = None, path_regex: str = "") -> list[Logged]:
        """Logged requests, filtered by method and a regex searched in the path."""
        with self._lock:
            return [e for e in self.log if (method is None or e.method == method)
                    and re.search(path_regex, e.path)]

    # --- handling ---------------------------------------------------------------------

    def _role(self, authorization: str | None) -> str | None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.org.tokens.get(token.strip())

    def _charge(self, resource: str, counted: bool) -> dict[str, str]:
        """Count one request against ``resource`` and return the rate-limit headers."""
        with self._lock:
            budget = self._budgets[resource]
            if counted:
                budget.used += 1
            return {"x-ratelimit-limit": str(budget.limit),
                    "x-ratelimit-remaining": str(budget.remaining),
                    "x-ratelimit-used": str(budget.used),
                    "x-ratelimit-reset": str(self._reset), "x-ratelimit-resource": resource}

    def _snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {name: {"limit": b.limit, "used": b.used, "remaining": b.remaining,
                           "reset": self._reset} for name, b in self._budgets.items()}

    def _exhausted(self, resource: str) -> bool:
        with self._lock:
            return self._budgets[resource].remaining == 0

    def _answer(self, method: str, path: str, query: dict[str, str], role: str,
                request: Any) -> Reply:
        """Normal handling of an authenticated request."""
        if path == "/graphql" and method == "POST":
            if self._exhausted("graphql"):
                return Reply(200, {"errors": [{"type": "RATE_LIMITED",
                                               "message": PRIMARY_LIMIT}]})
            rate = self._snapshot()["graphql"]
            rate = {**rate, "used": rate["used"] + 1, "remaining": max(rate["remaining"] - 1, 0)}
            return Reply(200, run_query(Viewer(self.org, role, rate), request))
        found = route(method, path)
        if found is None:
            return error(404, "Not Found")
        if path != "/rate_limit" and self._exhausted("core"):
            return Reply(403, {"message": PRIMARY_LIMIT, "documentation_url": RATE_DOCS})
        endpoint, params = found
        call = Call(org=self.org, role=role, api=self.url, path=path, params=params,
                    query=query, rate=self._snapshot())
        return endpoint(call)

    def handle(self, method: str, target: str, headers: Mapping[str, str],
               payload: bytes) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: ``(status, headers, body bytes)``; logs it."""
        time.sleep(self.latency)
        split = urlsplit(target)
        path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in headers.items()}
        role = self._role(headers.get("authorization"))
        try:
            request = json.loads(payload) if payload else None
        except ValueError:
            request = payload.decode(errors="replace")
        reply: Reply
        if (scripted := self.scripted(method, target)) is not None:
            reply = Reply(scripted.status, scripted.body, dict(scripted.headers))
        elif role is None:
            reply = error(401, "Bad credentials" if headers.get("authorization")
                          else "Requires authentication")
        elif isinstance(request, str):
            reply = error(400, "Problems parsing JSON")
        else:
            reply = self._answer(method, path, query, role, request)
        body = b"" if reply.body is None else json.dumps(reply.body).encode()
        etag = f'W/"{hashlib.sha256(body).hexdigest()}"'
        sent = headers.get("if-none-match")
        status = reply.status
        if method == "GET" and status == 200 and sent and etag in _etags(sent):
            status, body = 304, b""
        resource = "graphql" if path == "/graphql" else "core"
        out = self._charge(resource, counted=status != 304 and path != "/rate_limit")
        out.update({"Content-Type": "application/json; charset=utf-8",
                    "X-GitHub-Request-Id": f"FAKE:{len(self.log)}"})
        if method == "GET" and reply.status == 200:
            out["ETag"] = etag
        out.update(reply.headers)
        with self._lock:
            self.log.append(Logged(method, path, split.query, status, sent is not None, role,
                                   None if status == 304 else reply.body, request))
        return status, out, body


def _etags(header: str) -> set[str]:
    """The ETags of an ``If-None-Match`` header, each also in its weak form."""
    tags = {tag.strip() for tag in header.split(",")}
    return tags | {f"W/{tag}" for tag in tags if not tag.startswith("W/")}


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, delegating to :meth:`FakeGitHub.handle`."""

    protocol_version = "HTTP/1.1"
    #: Headers and body go out in two writes; with Nagle's algorithm the second waits for
    #: the client's delayed ACK (about 40 ms per request on loopback).
    disable_nagle_algorithm = True
    server_fake: FakeGitHub

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        fault = self.server_fake.faults.take(self.command, self.path)
        status, headers, body = self.server_fake.handle(
            self.command, self.path, dict(self.headers.items()), payload)
        if fault is not None:
            self.server_fake.faults.play(self, fault, status, headers, body)
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr line."""

"""A loopback GitLab (REST v4) over an in-memory instance, for tests and benchmarks.

Every request is authenticated by token (``PRIVATE-TOKEN`` header, or ``Authorization:
Bearer``), may be answered by a scripted response first (429s, 5xx bursts) or broken on the
wire (:mod:`tests.github_fake.faults`), is otherwise routed to :mod:`tests.gitlab_fake.rest`,
gets GitLab's ``RateLimit-*`` headers (informational: the fake never throttles on its own)
and is logged as a :class:`Logged` entry.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.github_fake.faults import Fault, Faults
from tests.gitlab_fake.model import FakeInstance
from tests.gitlab_fake.rest import Call, Reply, error, route
from tests.loopback import LoopbackServer, Scripted

RATE_LIMIT = 2000
"""GitLab.com's authenticated API limit per user and minute (platform-apis.md §4.8)."""
RATE_WINDOW = 60


@dataclass(frozen=True)
class Logged:
    """One request the server answered."""

    method: str
    path: str
    """Raw path including ``/api/v4``, without the query string (percent-encoding kept)."""
    query: str
    status: int
    role: int | None
    """The token's instance-wide role (:attr:`FakeInstance.tokens`); None when the token was
    missing or unknown. Per-project overrides are not reflected here."""
    body: Any
    """The response body: JSON value, or the text of a plain-text answer (429)."""


class FakeGitLab(LoopbackServer):
    """The server; use as a context manager, then point the client at :attr:`url`."""

    def __init__(self, inst: FakeInstance, *, latency: float = 0.0) -> None:
        self.inst = inst
        super().__init__()
        self.latency = latency
        """Seconds slept before answering each request."""
        self.log: list[Logged] = []
        self.faults = Faults()
        """Transport faults played instead of answers (see :meth:`break_requests`)."""
        self._window = (time.time(), 0)  # (window start, requests counted in it)

    # --- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> FakeGitLab:
        self.start(_Handler)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.faults.release()
        super().__exit__(kind, exc, tb)

    # --- scripting --------------------------------------------------------------------

    def too_many_requests(self, method: str = "GET", path_regex: str = ".*", *,
                          retry_after: int = 1, times: int = 1) -> None:
        """429 ``Retry later`` with ``Retry-After`` and the ``RateLimit-*`` headers."""
        reset = int(time.time()) + retry_after
        headers = {"Retry-After": str(retry_after), "RateLimit-Limit": str(RATE_LIMIT),
                   "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset),
                   "RateLimit-ResetTime": formatdate(reset, usegmt=True)}
        self.script(method, path_regex, *[Scripted(429, "Retry later", headers)] * times)

    def server_errors(self, method: str = "GET", path_regex: str = ".*", *,
                      status: int = 502, times: int = 1) -> None:
        """A burst of ``times`` 5xx answers (``{"message": "502 Bad Gateway"}``-like)."""
        text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout"}.get(status, "Server Error")
        self.script(method, path_regex,
                    *[Scripted(status, {"message": f"{status} {text}"})] * times)

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

    def _rate_headers(self) -> dict[str, str]:
        """Count one request in the current one-minute window; GitLab's informational headers."""
        with self._lock:
            start, used = self._window
            now = time.time()
            if now - start >= RATE_WINDOW:
                start, used = now, 0
            self._window = (start, used + 1)
        reset = int(start + RATE_WINDOW)
        return {"RateLimit-Limit": str(RATE_LIMIT), "RateLimit-Observed": str(used + 1),
                "RateLimit-Remaining": str(max(RATE_LIMIT - used - 1, 0)),
                "RateLimit-Reset": str(reset),
                "RateLimit-ResetTime": formatdate(reset, usegmt=True)}

    def _answer(self, method: str, path: str, query: dict[str, str], token: str | None) -> Reply:
        """Normal handling: authentication, then routing."""
        if token is None or token not in self.inst.tokens:
            return error(401, "401 Unauthorized")
        found = route(method, path)
        if found is None:
            return Reply(404, {"error": "404 Not Found"})
        endpoint, params = found
        return endpoint(Call(inst=self.inst, token=token, server=self.url, path=path,
                             params=params, query=query))

    def handle(self, method: str, target: str,
               headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: ``(status, headers, body bytes)``; logs it."""
        time.sleep(self.latency)
        split = urlsplit(target)
        path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
        token = _token({name.lower(): value for name, value in headers.items()})
        reply: Reply
        if (scripted := self.scripted(method, target)) is not None:
            reply = Reply(scripted.status, scripted.body, dict(scripted.headers),
                          rate_headers=False)
        else:
            reply = self._answer(method, path, query, token)
        text = isinstance(reply.body, str)
        body = reply.body.encode() if text else json.dumps(reply.body).encode()
        out = {"Content-Type": "text/plain" if text else "application/json",
               "X-Request-Id": f"FAKE{len(self.log)}"}
        if reply.rate_headers:
            out.update(self._rate_headers())
        out.update(reply.headers)
        role = self.inst.tokens.get(token) if token is not None else None
        with self._lock:
            self.log.append(Logged(method, path, split.query, reply.status, role, reply.body))
        return reply.status, out, body


def _token(headers: Mapping[str, str]) -> str | None:
    """The token of ``PRIVATE-TOKEN`` or ``Authorization: Bearer`` (python-gitlab sends the
    first for personal/project/group access tokens, the second for OAuth tokens)."""
    if "private-token" in headers:
        return headers["private-token"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, delegating to :meth:`FakeGitLab.handle`."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for
    # the client's delayed ACK (~40 ms per request on Linux).
    disable_nagle_algorithm = True
    server_fake: FakeGitLab

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # the fake serves reads only; drain any body
        fault = self.server_fake.faults.take(self.command, self.path)
        status, headers, body = self.server_fake.handle(
            self.command, self.path, dict(self.headers.items()))
        if fault is not None:
            self.server_fake.faults.play(self, fault, status, headers, body)
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr line."""

"""The one HTTP client of the GitHub scan: conditional REST GETs, pagination, GraphQL, limits.

PyGithub's :class:`~github.Requester.Requester` sends the requests (authentication, user
agent, connection pooling, masking the token in its debug log); ``requestJson`` returns
``(status, headers, body)`` without raising, and everything GitHub-specific about what to
do with an answer is decided here:

* every GET is conditional on a persistent :class:`EtagCache` entry, so an unchanged
  resource costs a ``304`` that GitHub does not count against the primary rate limit;
* rate limits are waited out (``retry-after``, else ``x-ratelimit-reset``, else a minute
  doubling) unless the wait exceeds ``max_wait``, and server errors are retried with
  exponential backoff, both a bounded number of times;
* a final failure becomes an :class:`ApiError` whose reason says whether the data is
  hidden, forbidden, not offered or merely failed to arrive;
* every request waits at most ``timeout`` seconds for the server (default: the
  ``AIMS_HTTP_TIMEOUT`` environment variable, else 30).

The client is shared by the scan's worker threads: each thread gets its own ``Github``
object and connection (a ``requests`` session is not meant to be shared between threads),
while the cache and the counters are shared behind locks.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
from github import Auth, Github
from github.Requester import (
    HTTPRequestsConnectionClass,
    HTTPSRequestsConnectionClass,
    Requester,
)

import scanner
from collectors.sources.base import env_timeout
from collectors.sources.etag_cache import CachedResponse, EtagCache, cache_key, token_fingerprint
from collectors.sources.github_types import ApiError, GraphQLResult, Response
from scanner.evidence import UnknownReason

log = logging.getLogger(__name__)

#: Sent on every REST request: part of the cache key, so it must never vary.
ACCEPT = "application/vnd.github+json"
_RETRYABLE = frozenset({500, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 307, 308})
_MAX_REDIRECTS = 3
#: PyGithub follows a 301 by itself, without a bound and dropping the query string (so a
#: renamed repository's ``?state=all`` would silently be lost). Our connection hides the
#: ``Location`` of a 301 from it under this name, and :meth:`GitHubApi._follow` follows it.
_MOVED_TO = "x-aims-moved-to"
_SECONDARY_WAIT = 60.0
#: Retries of a request after a connection failure, a timeout or a 5xx answer (and, counted
#: apart, after a rate limit) before its failure is final.
MAX_RETRIES = 3
_PER_PAGE = 100
#: 403 messages meaning the feature is not offered on this plan or product at all.
_UNAVAILABLE = (
    "upgrade to github pro",
    "code security must be enabled",
    "advanced security must be enabled",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiStats:
    """What a client has sent so far (a snapshot)."""

    requests: int = 0
    """HTTP requests sent, retries and followed redirects included."""
    not_modified: int = 0
    """Requests answered ``304 Not Modified`` from the cache."""
    counted: int = 0
    """Responses that count against GitHub's primary limit: every response except a 304."""
    rate_limited: int = 0
    """Rate-limit refusals (403/429 responses, GraphQL ``RATE_LIMITED`` errors)."""
    retries: int = 0
    """Requests sent again after a rate limit, a server error or a connection failure."""
    waited: float = 0.0
    """Seconds slept (rate-limit waits and backoff)."""
    graphql: int = 0
    """GraphQL POSTs sent, retries included."""


_Connection = HTTPRequestsConnectionClass | HTTPSRequestsConnectionClass


@dataclass(frozen=True, slots=True)
class _Raw:
    """One HTTP answer as PyGithub returns it (header names in lower case)."""

    status: int
    headers: Mapping[str, Any]
    text: str


class GitHubApi:
    """Conditional, rate-limit-aware access to one GitHub (github.com or GHES) instance."""

    def __init__(self, *, base_url: str, token: str | None, cache: EtagCache | None,
                 graphql_url: str | None = None, max_wait: float = 900.0,
                 max_retries: int = MAX_RETRIES, timeout: float | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._base = urlsplit(self._base_url)
        self._graphql_url = graphql_url or _default_graphql_url(self._base_url)
        if _origin(urlsplit(self._graphql_url)) != _origin(self._base):
            # PyGithub sends every request to the base URL's host, whatever URL it is given.
            raise ValueError(f"GraphQL URL {self._graphql_url} is not on the host of {base_url}")
        self._auth = Auth.Token(token) if token else None
        self._fingerprint = token_fingerprint(token)
        self._cache = cache
        self._max_wait = max_wait
        self._max_retries = max_retries
        # PyGithub insists on an int.
        self._timeout = max(1, math.ceil(timeout if timeout is not None else env_timeout()))
        self._sleep = sleep
        self._clock = clock
        self._on_wait = on_wait
        self._local = threading.local()
        self._lock = threading.Lock()
        self._clients: list[tuple[Github, _Connection]] = []
        self._stats = ApiStats()

    def __repr__(self) -> str:
        return f"GitHubApi(base_url={self._base_url!r}, authenticated={self._auth is not None})"

    @property
    def graphql_endpoint(self) -> str:
        """How GraphQL calls are named in provenance, e.g. ``POST /graphql``."""
        return f"POST {urlsplit(self._graphql_url).path}"

    def stats(self) -> ApiStats:
        """The counters so far."""
        with self._lock:
            return self._stats

    def close(self) -> None:
        """Close the connections of every thread's PyGithub client."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client, connection in clients:
            connection.close()
            client.close()

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Response:
        """Conditional GET of ``path`` (relative to the base URL); raises :class:`ApiError`."""
        response, _ = self._get(self._url(path, params))
        return response

    def pages(self, path: str, params: Mapping[str, str | int] | None = None
              ) -> Iterator[Response]:
        """Every page of a list endpoint, following ``Link: rel="next"`` (100 per page)."""
        url: str | None = self._url(path, {"per_page": _PER_PAGE, **(params or {})})
        seen: set[str] = set()
        while url is not None:
            if url in seen:
                raise ApiError(self._endpoint("GET", url), None, UnknownReason.API_ERROR,
                               "pagination loops back to an earlier page")
            seen.add(url)
            response, link = self._get(url)
            yield response
            url = self._next_page(link, response.endpoint)

    def graphql(self, query: str, variables: Mapping[str, Any]) -> GraphQLResult:
        """POST a GraphQL query; GitHub's ``errors`` are returned with the (partial) data."""
        endpoint = self.graphql_endpoint
        raw = self._send("POST", self._graphql_url, endpoint, {"Accept": ACCEPT},
                         {"query": query, "variables": dict(variables)})
        if raw.status != 200:
            raise self._failure(endpoint, raw)
        body = _parse_json(raw.text, endpoint, raw.status)
        if not isinstance(body, dict):
            raise ApiError(endpoint, raw.status, UnknownReason.API_ERROR,
                           "invalid JSON from GitHub")
        return GraphQLResult(data=body.get("data") or {}, errors=tuple(body.get("errors") or ()))

    # -- one GET, conditional and cached ----------------------------------------------------

    def _get(self, url: str) -> tuple[Response, str | None]:
        endpoint = self._endpoint("GET", url)
        key = cache_key(self._fingerprint, "GET", url, ACCEPT)
        cached = self._cache.get(key) if self._cache is not None else None
        headers = {"Accept": ACCEPT}
        if cached is not None:
            headers["If-None-Match"] = cached.etag
        raw = self._follow(url, endpoint, headers)
        if raw.status == 304 and cached is not None:
            data = _parse_json(cached.body, endpoint, cached.status)
            return Response(endpoint=endpoint, status=cached.status, data=data, etag=cached.etag,
                            not_modified=True), cached.link
        if not 200 <= raw.status < 300:
            raise self._failure(endpoint, raw)
        data = _parse_json(raw.text, endpoint, raw.status)
        etag = raw.headers.get("etag")
        link = raw.headers.get("link")
        if etag and self._cache is not None:
            self._cache.put(key, CachedResponse(etag, raw.status, raw.text, link))
        return Response(endpoint=endpoint, status=raw.status, data=data, etag=etag,
                        not_modified=False), link

    def _follow(self, url: str, endpoint: str, headers: Mapping[str, str]) -> _Raw:
        """Send a GET, following redirects on the same host at most three times."""
        for _ in range(_MAX_REDIRECTS + 1):
            raw = self._send("GET", url, endpoint, headers, None)
            location = raw.headers.get("location") or raw.headers.get(_MOVED_TO)
            if raw.status not in _REDIRECTS or not location:
                return raw
            url = self._same_origin(urljoin(url, location), endpoint)
        raise ApiError(endpoint, None, UnknownReason.API_ERROR, "too many redirects")

    def _next_page(self, link: str | None, endpoint: str) -> str | None:
        for entry in requests.utils.parse_header_links(link or ""):
            if entry.get("rel") == "next" and entry.get("url"):
                return self._same_origin(entry["url"], endpoint)
        return None

    # -- sending, waiting, retrying ---------------------------------------------------------

    def _send(self, method: str, url: str, endpoint: str, headers: Mapping[str, str],
              body: Any) -> _Raw:
        """One request, waiting out rate limits and retrying transient failures (bounded)."""
        failures = 0
        limited = 0
        while True:
            try:
                raw = self._once(method, url, headers, body)
            except requests.RequestException as exc:
                log.debug("%s: %s", endpoint, self._redact(str(exc)))
                if failures >= self._max_retries:
                    raise ApiError(endpoint, None, UnknownReason.API_ERROR,
                                   f"no response from GitHub ({type(exc).__name__})") from None
                failures += 1
                self._retry(2.0 ** (failures - 1))
                continue
            wait = self._rate_limit_wait(raw, limited, graphql=method == "POST")
            if wait is not None:
                self._add(rate_limited=1)
                if wait > self._max_wait or limited >= self._max_retries:
                    raise ApiError(endpoint, raw.status, UnknownReason.RATE_LIMITED,
                                   f"rate limited by GitHub for another {wait:.0f} s")
                limited += 1
                self._announce(wait)
                self._retry(wait)
                continue
            if raw.status in _RETRYABLE and failures < self._max_retries:
                failures += 1
                log.info("%s: HTTP %d from GitHub, retrying", endpoint, raw.status)
                self._retry(2.0 ** (failures - 1))
                continue
            return raw

    def _once(self, method: str, url: str, headers: Mapping[str, str], body: Any) -> _Raw:
        self._add(requests=1, graphql=int(method == "POST"))
        requester, connection = self._client()
        # requestJson writes the Authorization header into the dict it is given: a fresh copy.
        status, response_headers, text = requester.requestJson(
            method, url, headers=dict(headers), input=body, cnx=connection)
        if status == 304:
            self._add(not_modified=1)
        else:
            self._add(counted=1)
        return _Raw(status, response_headers, text)

    def _rate_limit_wait(self, raw: _Raw, repeats: int, *, graphql: bool) -> float | None:
        """Seconds to wait before retrying a rate-limited answer, or None if it is not one."""
        headers = raw.headers
        if raw.status in (403, 429):
            retry_after = headers.get("retry-after")
            if retry_after is not None:
                return _seconds(retry_after, _SECONDARY_WAIT * 2.0 ** repeats)
            if str(headers.get("x-ratelimit-remaining")) == "0":
                return self._until_reset(headers, repeats)
            message = _message(raw.text)
            if raw.status == 429 or Requester.isRateLimitError(message) \
                    or "secondary rate limit" in message.lower():
                return _SECONDARY_WAIT * 2.0 ** repeats
            return None
        if graphql and raw.status == 200 and _graphql_rate_limited(raw.text):
            return self._until_reset(headers, repeats)
        return None

    def _until_reset(self, headers: Mapping[str, Any], repeats: int) -> float:
        reset = _seconds(headers.get("x-ratelimit-reset"), None)
        if reset is None:
            return _SECONDARY_WAIT * 2.0 ** repeats
        # Plus one second: it is not known when within that second the window resets.
        return max(reset - self._clock(), 0.0) + 1.0

    def _announce(self, wait: float) -> None:
        until = datetime.fromtimestamp(self._clock() + wait, UTC)
        message = f"rate limited by GitHub: waiting {wait:.0f} s until {until:%H:%M:%S} UTC"
        log.info("%s", message)
        if self._on_wait is not None:
            self._on_wait(message)

    def _retry(self, seconds: float) -> None:
        self._add(retries=1, waited=seconds)
        self._sleep(seconds)

    def _add(self, **deltas: float) -> None:
        with self._lock:
            self._stats = replace(self._stats, **{
                name: getattr(self._stats, name) + delta for name, delta in deltas.items()})

    def _client(self) -> tuple[Requester, _Connection]:
        """This thread's PyGithub requester and the connection it sends through."""
        pair: tuple[Github, _Connection] | None = getattr(self._local, "pair", None)
        if pair is None:
            client = Github(base_url=self._base_url, auth=self._auth, retry=None,
                            timeout=self._timeout, per_page=_PER_PAGE,
                            seconds_between_requests=None, seconds_between_writes=None,
                            user_agent=f"aims/{scanner.__version__}")
            kind = (HTTPSRequestsConnectionClass if self._base.scheme == "https"
                    else HTTPRequestsConnectionClass)
            connection = kind(self._base.hostname or "", self._base.port, timeout=self._timeout,
                              retry=None)
            connection.session.hooks["response"].append(_hide_permanent_redirect)
            pair = self._local.pair = (client, connection)
            with self._lock:
                self._clients.append(pair)
        return pair[0].requester, pair[1]

    # -- failures ---------------------------------------------------------------------------

    def _failure(self, endpoint: str, raw: _Raw) -> ApiError:
        """Classify a final non-success answer."""
        status = raw.status
        message = self._redact(_message(raw.text)) or f"HTTP {status}"
        if status == 401:
            return ApiError(endpoint, status, UnknownReason.NO_CREDENTIALS,
                            self._redact(_message(raw.text)) or "bad credentials")
        if status == 403:
            lowered = message.lower()
            return ApiError(endpoint, status, UnknownReason.FORBIDDEN, message,
                            unavailable=any(marker in lowered for marker in _UNAVAILABLE),
                            permission=raw.headers.get("x-accepted-github-permissions"))
        if status == 404:
            return ApiError(endpoint, status, UnknownReason.NOT_FOUND_OR_HIDDEN, message)
        if 300 <= status < 400:
            return ApiError(endpoint, status, UnknownReason.API_ERROR,
                            f"unexpected redirect (HTTP {status})")
        if status in _RETRYABLE:  # "Server Error" alone would not say that retries ran out
            return ApiError(endpoint, status, UnknownReason.API_ERROR,
                            f"HTTP {status} from GitHub after {self._max_retries} retries: "
                            f"{message}")
        return ApiError(endpoint, status, UnknownReason.API_ERROR, message)

    def _redact(self, text: str) -> str:
        if self._auth is not None:
            return text.replace(self._auth.token, "***")
        return text

    # -- URLs -------------------------------------------------------------------------------

    def _url(self, path: str, params: Mapping[str, str | int] | None) -> str:
        """The absolute URL of ``path`` under the base URL, query sorted."""
        parts = urlsplit(path)
        query = parse_qsl(parts.query) + [(k, str(v)) for k, v in (params or {}).items()]
        return _canonical(f"{self._base_url}/{parts.path.lstrip('/')}", query)

    def _same_origin(self, url: str, endpoint: str) -> str:
        parts = urlsplit(url)
        if _origin(parts) != _origin(self._base):
            # Never send the token to a host it was not given for.
            raise ApiError(endpoint, None, UnknownReason.API_ERROR,
                           f"GitHub pointed to another host ({parts.hostname})")
        return _canonical(urlunsplit(parts._replace(query="", fragment="")),
                          parse_qsl(parts.query))

    def _endpoint(self, method: str, url: str) -> str:
        """``METHOD /path?query`` relative to the base URL (no host, no API prefix)."""
        parts = urlsplit(url)
        path = parts.path
        prefix = self._base.path.rstrip("/")
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix):]
        return f"{method} {path}" + (f"?{parts.query}" if parts.query else "")


def _hide_permanent_redirect(response: requests.Response, *_: Any, **__: Any
                             ) -> requests.Response:
    """Response hook: keep a 301 from PyGithub's own redirect following (see _MOVED_TO)."""
    if response.status_code == 301 and "location" in response.headers:
        response.headers[_MOVED_TO] = response.headers.pop("location")
    return response


def _default_graphql_url(base_url: str) -> str:
    if base_url.endswith("/api/v3"):
        return base_url.removesuffix("/v3") + "/graphql"
    return base_url + "/graphql"


def _origin(parts: SplitResult) -> tuple[str, str | None, int | None]:
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname, parts.port or default


def _canonical(url_without_query: str, query: list[tuple[str, str]]) -> str:
    """A URL with its query sorted, encoded as PyGithub sends it."""
    return url_without_query + (f"?{urlencode(sorted(query))}" if query else "")


def _parse_json(text: str, endpoint: str, status: int) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ApiError(endpoint, status, UnknownReason.API_ERROR,
                       "invalid JSON from GitHub") from None


def _message(text: str) -> str:
    """GitHub's ``message`` from an error body ('' when there is none)."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else ""


def _graphql_rate_limited(text: str) -> bool:
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        return False
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(error, dict) and error.get("type") == "RATE_LIMITED" for error in errors)


def _seconds(value: Any, default: float | None) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default

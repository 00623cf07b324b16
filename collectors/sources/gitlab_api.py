"""The GitLab REST v4 client of a group scan: python-gitlab, counted, bounded, classified.

python-gitlab does the HTTP work: authentication, pagination (``Link`` headers), retries of
transient errors and its own rate-limit handling (on 429 it sleeps ``Retry-After``, else
until ``RateLimit-Reset``). Around it this module adds what a scan needs:

* every HTTP request is counted, retries included, through the session python-gitlab uses;
* a per-run request budget (``--max-requests``): once spent, no request leaves and
  :class:`BudgetSpent` is raised, so the scan stops cleanly and says what it covered;
* a cap on every rate-limit wait: a longer ``Retry-After`` is shortened to ``max_wait`` before
  python-gitlab reads it, so a run never sleeps for an hour on one answer (after its retries
  the answer is a ``rate-limited`` gap);
* failures become :class:`~collectors.sources.api_types.ApiError` with a reason
  (platform-apis.md §4.7); the token is never part of a message;
* every request waits at most ``timeout`` seconds for the server (default: the
  ``AIMS_HTTP_TIMEOUT`` environment variable, else 30), as the GitHub client does.

GitLab documents no ETag or 304 for REST v4 (§4.8), so nothing here is conditional: the
plan saves requests by skipping what the role or plan cannot show and by caching by HEAD.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import gitlab
import requests

from collectors.sources.api_types import ApiError, Response
from collectors.sources.base import env_timeout
from scanner.evidence import UnknownReason, redact

#: Retries python-gitlab makes on 429 and transient errors before an answer is final.
MAX_RETRIES = 4
#: Query parameters that only steer paging; left out of the endpoint a report cites.
_PAGING = frozenset({"page", "per_page"})


class BudgetSpent(Exception):
    """The run's request budget is spent: no further request is sent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GitLabStats:
    """What a client has sent so far (a snapshot)."""

    requests: int = 0
    """HTTP requests sent, retries included."""
    rate_limited: int = 0
    """429 answers (each one waited for and retried by python-gitlab, up to its bound)."""
    waited: float = 0.0
    """Seconds the rate-limit answers asked to wait (after the cap)."""
    budget: int | None = None
    """The request budget (None: unlimited)."""
    refused: int = 0
    """Requests not sent because the budget was spent."""


class _CountingSession(requests.Session):
    """The session python-gitlab sends through: counts, enforces the budget, caps waits."""

    def __init__(self, *, budget: int | None, max_wait: float,
                 on_wait: Callable[[str], None] | None) -> None:
        super().__init__()
        self.budget = budget
        self.max_wait = max_wait
        self.on_wait = on_wait
        self.sent = self.rate_limited = self.refused = 0
        self.waited = 0.0
        self._lock = threading.Lock()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send unless the budget is spent; shorten an over-long rate-limit wait."""
        with self._lock:
            if self.budget is not None and self.sent >= self.budget:
                self.refused += 1
                raise BudgetSpent(f"the request budget of {self.budget} is spent")
            self.sent += 1
        response = super().send(request, **kwargs)
        if response.status_code == 429:
            self._cap_wait(response)
        return response

    def _cap_wait(self, response: requests.Response) -> None:
        wait = _wait_of(response.headers)
        if wait > self.max_wait:
            # python-gitlab sleeps exactly what these headers say: shorten them.
            response.headers["Retry-After"] = str(int(self.max_wait))
            response.headers.pop("RateLimit-Reset", None)
            wait = self.max_wait
        with self._lock:
            self.rate_limited += 1
            self.waited += wait
        if self.on_wait is not None:
            self.on_wait(f"GitLab rate limit: waiting {wait:.0f} s before retrying")


def _wait_of(headers: Mapping[str, str]) -> float:
    """Seconds a 429 asks to wait, as python-gitlab reads it (Retry-After, else reset time)."""
    try:
        if "Retry-After" in headers:
            return float(int(headers["Retry-After"]))
        if "RateLimit-Reset" in headers:
            return max(0.0, int(headers["RateLimit-Reset"]) - time.time())
    except ValueError:
        pass
    return 0.0


class GitLabApi:
    """Read-only access to one GitLab instance's REST v4 API."""

    def __init__(self, *, url: str, token: str, max_requests: int | None = None,
                 max_wait: float = 900.0, on_wait: Callable[[str], None] | None = None,
                 ca_file: str | None = None, timeout: float | None = None) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._session = _CountingSession(budget=max_requests, max_wait=max_wait,
                                         on_wait=on_wait)
        self._gl = gitlab.Gitlab(self.url, private_token=token, session=self._session,
                                 timeout=timeout if timeout is not None else env_timeout(),
                                 ssl_verify=ca_file or True,
                                 retry_transient_errors=True, per_page=100,
                                 keep_base_url=True, user_agent="aims")

    def close(self) -> None:
        """Release the connection pool."""
        self._session.close()

    def stats(self) -> GitLabStats:
        """Counters so far."""
        session = self._session
        return GitLabStats(requests=session.sent, rate_limited=session.rate_limited,
                           waited=session.waited, budget=session.budget,
                           refused=session.refused)

    def _scrubbed(self, error: ApiError) -> ApiError:
        """The error without this client's token, whatever its format (servers echo)."""
        if not self._token or self._token not in error.detail:
            return error
        return ApiError(error.endpoint, error.status, error.reason,
                        error.detail.replace(self._token, "***"),
                        unavailable=error.unavailable)

    @property
    def budget_spent(self) -> bool:
        """True once no further request may be sent."""
        session = self._session
        return session.budget is not None and session.sent >= session.budget

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Response:
        """One GET; ``data`` is the parsed JSON body (None for a ``null`` body)."""
        endpoint = endpoint_of(path, params)
        try:
            answer = self._gl.http_request("get", path, query_data=dict(params or {}),
                                           max_retries=MAX_RETRIES)
            data = answer.json() if answer.content.strip() else None
        except BudgetSpent:
            raise
        except Exception as exc:  # python-gitlab and requests raise many kinds
            raise self._scrubbed(classify(endpoint, exc)) from None
        return Response(endpoint=endpoint, status=answer.status_code, data=data, etag=None,
                        not_modified=False)

    def items(self, path: str, params: Mapping[str, Any] | None = None, *,
              limit: int | None = None) -> tuple[Response, bool]:
        """Every item of a paginated list (up to ``limit``) and whether the list was complete.

        The list is read page by page as items are consumed, so stopping at ``limit``
        requests no further page.
        """
        endpoint = endpoint_of(path, params)
        found: list[Any] = []
        complete = True
        try:
            listing = self._gl.http_list(path, query_data=dict(params or {}), iterator=True,
                                         max_retries=MAX_RETRIES)
            for item in listing:
                if limit is not None and len(found) >= limit:
                    complete = False
                    break
                found.append(item)
        except BudgetSpent:
            raise
        except Exception as exc:
            raise self._scrubbed(classify(endpoint, exc)) from None
        return Response(endpoint=endpoint, status=200, data=found, etag=None,
                        not_modified=False), complete


def endpoint_of(path: str, params: Mapping[str, Any] | None = None) -> str:
    """``GET /path?query`` as a report cites it (API-relative, paging parameters left out)."""
    query = {k: v for k, v in sorted((params or {}).items()) if k not in _PAGING}
    return f"GET {path}" + (f"?{urlencode(query)}" if query else "")


def classify(endpoint: str, exc: Exception) -> ApiError:
    """An exception of python-gitlab or requests as a classified failure."""
    if isinstance(exc, gitlab.exceptions.GitlabAuthenticationError):
        return ApiError(endpoint, 401, UnknownReason.NO_CREDENTIALS, _message(exc))
    if isinstance(exc, gitlab.exceptions.GitlabError) and exc.response_code is not None:
        status = exc.response_code
        reason = {403: UnknownReason.FORBIDDEN, 404: UnknownReason.NOT_FOUND_OR_HIDDEN,
                  429: UnknownReason.RATE_LIMITED}.get(status, UnknownReason.API_ERROR)
        return ApiError(endpoint, status, reason, _message(exc))
    # Before RequestException: requests' JSONDecodeError is one too, but no connection failed.
    if isinstance(exc, ValueError | gitlab.exceptions.GitlabParsingError):
        return ApiError(endpoint, None, UnknownReason.API_ERROR, "GitLab sent a body that is "
                        "not JSON")
    if isinstance(exc, requests.RequestException):
        return ApiError(endpoint, None, UnknownReason.API_ERROR,
                        f"connection failed: {type(exc).__name__}")
    return ApiError(endpoint, None, UnknownReason.API_ERROR, redact(f"{type(exc).__name__}: "
                                                                    f"{exc}")[:200])


def _message(exc: gitlab.exceptions.GitlabError) -> str:
    """GitLab's own message, short and without credentials."""
    message: object = exc.error_message  # bytes when the body was not JSON
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    text = str(message or exc.response_code or "no message")
    return redact(text)[:200]

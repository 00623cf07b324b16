"""What a platform API answered, for any platform: a response, a classified failure, a read.

The GitHub and GitLab clients return :class:`Response` values or raise :class:`ApiError`;
what a scan reads ahead for a repository travels as :class:`Fetched` (data, or why it could
not be read) to the platform collectors, which turn it into evidence or a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.evidence import UnknownReason


class ApiError(Exception):
    """A request that failed for good (after any retries), classified for a gap.

    ``str(error)`` is safe to print: it never contains a credential.
    """

    def __init__(self, endpoint: str, status: int | None, reason: UnknownReason, detail: str,
                 *, unavailable: bool = False, permission: str | None = None) -> None:
        super().__init__(f"{endpoint}: {detail}")
        self.endpoint = endpoint
        """``METHOD /path?query`` without host, e.g. ``GET /repos/acme/api/rules/branches/main``."""
        self.status = status
        """HTTP status, or None when no response arrived (connection error, timeout)."""
        self.reason = reason
        self.detail = detail
        """GitHub's ``message`` (or a short description), credentials removed."""
        self.unavailable = unavailable
        """The feature is not offered here (plan or product), e.g. "Upgrade to GitHub Pro"
        or "Code Security must be enabled": the control cannot be in effect."""
        self.permission = permission
        """The ``X-Accepted-GitHub-Permissions`` header of a 403, when GitHub sent one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """A successful (2xx or revalidated 304) REST response."""

    endpoint: str
    """``GET /path?query`` without host."""
    status: int
    """The status of the content: 200/204 (a revalidated 304 reports the cached status)."""
    data: Any
    """Parsed JSON body (None for an empty body)."""
    etag: str | None
    not_modified: bool
    """True when the server answered 304 and ``data`` came from the persistent cache."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    """Raw data read from one endpoint or query, or why it could not be read."""

    endpoint: str
    data: Any = None
    etag: str | None = None
    error: ApiError | None = None

    @property
    def ok(self) -> bool:
        """True when ``data`` holds the answer."""
        return self.error is None

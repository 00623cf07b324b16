"""Transport faults a fake server plays instead of a clean answer: resets, hangs, cut bodies.

Both fakes (:mod:`tests.github_fake`, :mod:`tests.gitlab_fake`) hold a :class:`Faults` plan
and ask it for every request before answering. A matching rule turns the answer the fake
computed (and logged, so retries can be counted) into a broken one on the wire:

* ``RESET``: the connection is closed (with an RST) and no response is sent;
* ``HANG``: nothing is sent until the client gave up (or the server stops), then as RESET;
* ``TRUNCATED``: headers with the full ``Content-Length``, half the body, then close;
* ``CUT``: a complete, well-framed answer whose JSON body stops half way.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler
from typing import Any

#: How long a hung request waits at most; far longer than any client timeout used in tests.
HANG_SECONDS = 60.0


class Fault(StrEnum):
    """What goes wrong on the wire."""

    RESET = "reset"
    HANG = "hang"
    TRUNCATED = "truncated"
    CUT = "cut"


@dataclass
class _Rule:
    fault: Fault
    method: str
    pattern: re.Pattern[str]
    left: int | None
    """Matching requests still to break; None = every one."""


class Faults:
    """Which requests break how: the first ``times`` matches of a rule, or all of them."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._released = threading.Event()

    def add(self, fault: Fault, method: str, path_regex: str, *,
            times: int | None = None) -> None:
        """Break the next ``times`` requests (None: all) whose path matches ``path_regex``.

        ``path_regex`` is searched (``re.search``) in the raw path plus ``?query`` if any.
        """
        with self._lock:
            self._rules.append(_Rule(fault, method, re.compile(path_regex), times))

    def take(self, method: str, target: str) -> Fault | None:
        """The fault to play for this request, if any (uses up one of a rule's count)."""
        with self._lock:
            for rule in self._rules:
                if rule.method == method and rule.left != 0 and rule.pattern.search(target):
                    if rule.left is not None:
                        rule.left -= 1
                    return rule.fault
        return None

    def clear(self) -> None:
        """Drop every rule (hung requests stay hung until :meth:`release`)."""
        with self._lock:
            self._rules.clear()

    def release(self) -> None:
        """Let every hung request go (the server is stopping)."""
        self._released.set()

    def play(self, handler: BaseHTTPRequestHandler, fault: Fault, status: int,
             headers: dict[str, str], body: bytes) -> None:
        """Send the broken form of the answer ``(status, headers, body)``."""
        if fault is Fault.HANG:
            self._released.wait(HANG_SECONDS)
        if fault in (Fault.RESET, Fault.HANG):
            _abort(handler)
            return
        half = body[:len(body) // 2]
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body if fault is Fault.TRUNCATED
                                                      else half)))
        handler.end_headers()
        handler.wfile.write(half)
        if fault is Fault.TRUNCATED:
            handler.wfile.flush()
            _abort(handler)


def _abort(handler: Any) -> None:
    """Close the connection with an RST once the handler returns, sending nothing more."""
    # SO_LINGER on with a zero timeout: close() resets the connection instead of a FIN.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True

"""What the fake platforms share: a threaded HTTP server on 127.0.0.1 and scripted answers.

A fake (:mod:`tests.github_fake`, :mod:`tests.gitlab_fake`) subclasses
:class:`LoopbackServer`, passes its request handler class to :meth:`LoopbackServer.start`
from ``__enter__``, and asks :meth:`LoopbackServer.scripted` before answering normally.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Scripted:
    """A canned response served instead of normal handling (a str body is plain text)."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


class LoopbackServer:
    """Lifecycle and scripting of a fake server; use it as a context manager."""

    def __init__(self) -> None:
        self._scripts: list[tuple[str, re.Pattern[str], deque[Scripted]]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Serve with ``handler``, which finds this fake as its ``server_fake``."""
        bound = type("Handler", (handler,), {"server_fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (and so each test's teardown) quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)
        self._thread.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running (use it as a context "
                               "manager)")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, method: str, path_regex: str, *responses: Scripted) -> None:
        """Answer the next requests matching ``method`` and ``path_regex`` with ``responses``.

        ``path_regex`` is searched (``re.search``) in the raw path plus ``?query`` if any.
        """
        with self._lock:
            self._scripts.append((method, re.compile(path_regex), deque(responses)))

    def scripted(self, method: str, target: str) -> Scripted | None:
        """The next scripted answer for this request, if any."""
        with self._lock:
            for verb, pattern, queue in self._scripts:
                if verb == method and queue and pattern.search(target):
                    return queue.popleft()
        return None

"""A platform repository read through its cached clone, with the platform's answers attached.

GitHub and GitLab scans read files and history the same way: sync the repository's clone
in the :class:`~collectors.sources.clone_cache.CloneCache` (no traffic when HEAD is
unchanged), fetch every HEAD blob in one round trip, and hand the clone to the local
collectors as a :class:`ClonedSource`. Its ``platform`` attribute carries what the
platform's API said about the repository, for that platform's collectors.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from collectors.sources.base import RepoInfo, RepoUnavailable
from collectors.sources.clone_cache import CloneCache, CloneError, SyncResult
from collectors.sources.local import LocalSource
from scanner.evidence import UnknownReason


class ClonedSource(LocalSource):
    """A repository's cached clone read as a local source, carrying its platform handle."""

    def __init__(self, clone: Path, *, repo_id: str, web_url: str, platform: object) -> None:
        super().__init__(clone, repo_id=repo_id, origin=web_url or None)
        self.platform = platform
        self._web_url = web_url

    def info(self) -> RepoInfo:
        """The repository on its platform: the bare clone is how it is read, not what it is."""
        info = super().info()
        return replace(info, path=self._web_url or info.path, bare=False)


def sync_clone(clones: CloneCache, *, repo_id: str, url: str, branch: str | None,
               head: str | None, since: datetime) -> SyncResult:
    """Sync the clone and make every HEAD blob local; :class:`RepoUnavailable` on failure.

    ``head`` is the HEAD the platform reported, if known: when the clone already has it, git
    is not asked at all.
    """
    try:
        synced = clones.sync(repo_id, url, branch, since, head)
    except CloneError as exc:
        raise RepoUnavailable(f"clone failed: {exc}", UnknownReason.API_ERROR) from None
    if synced.head:
        # Every HEAD blob in one round trip: listing the tree with sizes, or reading a file,
        # would otherwise fetch blobs one by one, and without credentials. Nothing goes out
        # when they are all present already (an unchanged HEAD).
        try:
            clones.prefetch(synced.path, clones.head_blobs(synced.path))
        except CloneError as exc:
            raise RepoUnavailable(f"fetching files failed: {exc}", UnknownReason.API_ERROR
                                  ) from None
    return synced

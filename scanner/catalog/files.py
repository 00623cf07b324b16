"""Where governance evidence lives in a repository (INTERFACE — to be completed).

Planned interface, used by the CODEOWNERS, AI-configuration, policy and artifact collectors:

    FileCatalog.extend_sensitive(entries: Sequence[Mapping[str, Any]]) -> FileCatalog
    load_files(raw: Any) -> FileCatalog
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FileCatalog:
    """Placeholder until files.yaml exists."""

    def extend_sensitive(self, entries: Sequence[Mapping[str, Any]]) -> FileCatalog:
        """A catalog with extra sensitive-path entries from ``--config``."""
        return self


def load_files(raw: Any) -> FileCatalog:
    """Validate and build the file catalog."""
    return FileCatalog()

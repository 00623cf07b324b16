"""Known tools and how to recognise them (INTERFACE — to be completed by the hooks/CI work).

Planned interface, used by the hooks, CI and AI-configuration collectors:

    ToolCatalog.match_hook(repo: str | None, hook_id: str) -> tuple[ToolMatch, ...]
    ToolCatalog.match_uses(uses: str) -> tuple[ToolMatch, ...]        # GitHub `uses:` ref
    ToolCatalog.match_command(command: str) -> tuple[ToolMatch, ...]  # shell command text
    ToolCatalog.match_template(template: str) -> tuple[ToolMatch, ...]  # GitLab include
    ToolCatalog.match_image(image: str) -> tuple[ToolMatch, ...]       # container image
    ToolCatalog.extend(entries: Sequence[Mapping[str, Any]]) -> ToolCatalog
    load_tools(raw: Any) -> ToolCatalog
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.payloads import ToolMatch


@dataclass(frozen=True, slots=True)
class ToolCatalog:
    """Placeholder until tools.yaml exists."""

    entries: tuple[Mapping[str, Any], ...] = ()

    def match_hook(self, repo: str | None, hook_id: str) -> tuple[ToolMatch, ...]:
        """Tools a pre-commit hook runs."""
        return ()

    def match_uses(self, uses: str) -> tuple[ToolMatch, ...]:
        """Tools a GitHub Actions ``uses:`` reference runs."""
        return ()

    def match_command(self, command: str) -> tuple[ToolMatch, ...]:
        """Tools a shell command runs."""
        return ()

    def match_template(self, template: str) -> tuple[ToolMatch, ...]:
        """Tools a GitLab CI include/template runs."""
        return ()

    def match_image(self, image: str) -> tuple[ToolMatch, ...]:
        """Tools a container image runs."""
        return ()

    def extend(self, entries: Sequence[Mapping[str, Any]]) -> ToolCatalog:
        """A catalog with extra entries from ``--config``."""
        return self


def load_tools(raw: Any) -> ToolCatalog:
    """Validate and build the tool catalog."""
    return ToolCatalog()

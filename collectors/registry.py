"""The collectors each kind of scan runs, in order (explicit; no discovery magic)."""

from __future__ import annotations

from collectors import (
    ai_config,
    artifacts,
    attribution,
    ci,
    codeowners,
    github_platform,
    gitlab_platform,
    hooks,
    policies,
)
from collectors.base import Collector

LOCAL: tuple[Collector, ...] = (
    hooks.COLLECTOR,
    ci.COLLECTOR,
    codeowners.COLLECTOR,
    ai_config.COLLECTOR,
    policies.COLLECTOR,
    artifacts.COLLECTOR,
    attribution.COLLECTOR,
)

#: A GitHub scan reads the same files and history from a clone, plus the platform.
GITHUB: tuple[Collector, ...] = (*LOCAL, *github_platform.GITHUB)

#: A GitLab scan reads the same files and history from a clone, plus the platform.
GITLAB: tuple[Collector, ...] = (*LOCAL, *gitlab_platform.GITLAB)

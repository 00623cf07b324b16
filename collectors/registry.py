"""The collectors a local scan runs, in order (explicit; no discovery magic)."""

from __future__ import annotations

from collectors import ai_config, artifacts, attribution, ci, codeowners, hooks, policies
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

"""Hypothesis profiles for the property suite and the harness entry points as a fixture.

``ci`` (the default) keeps the whole suite under a minute on two cores; ``long`` is for a
deliberate hunt: ``HYPOTHESIS_PROFILE=long pytest tests/property``. Neither keeps an
example database, so nothing is written into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.property.harness import Entry, entry_points

_COMMON = {"deadline": None, "database": None, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=40, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("long", max_examples=3000, **_COMMON)  # type: ignore[arg-type]
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Entry]:
    """Every harness entry point by name, writing the config file under a session temp dir."""
    scratch: Path = tmp_path_factory.mktemp("harness")
    return entry_points(scratch)

"""AI attribution signatures (INTERFACE — to be completed by the attribution work).

Planned interface, used by the attribution collector:

    SignatureCatalog.extend(raw: Mapping[str, Any]) -> SignatureCatalog
    load_signatures(raw: Any) -> SignatureCatalog
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SignatureCatalog:
    """Placeholder until signatures.yaml exists."""

    def extend(self, raw: Mapping[str, Any]) -> SignatureCatalog:
        """A catalog with extra signatures from ``--config``."""
        return self


def load_signatures(raw: Any) -> SignatureCatalog:
    """Validate and build the signature catalog."""
    return SignatureCatalog()

"""The maturity model and the detection knowledge as data: one place, versioned, validated.

Four YAML files, each with its typed loader:

- ``model.yaml`` (:mod:`scanner.catalog.model`): Model D indicators, Model S questions and
  stages, thresholds, rationale and remediation per entry.
- ``tools.yaml`` (:mod:`scanner.catalog.tools`): known security and AI tools, how they show in
  hooks, CI steps, templates and commands, and their categories.
- ``signatures.yaml`` (:mod:`scanner.catalog.signatures`): AI attribution signatures (trailers,
  identities, branch names, body markers), false-positive windows, provenance refs.
- ``files.yaml`` (:mod:`scanner.catalog.files`): where things live in a repository (AI tool
  configuration, policy documents, CODEOWNERS, sensitive paths, baselines and BOMs).

The catalog lives in the core package, not in ``rules/``: collectors need the tool, signature
and file knowledge and rules need the indicator metadata, so keeping it here lets both depend
on ``scanner`` without depending on each other. ``--config`` extends the catalog
(:func:`load_catalog`'s ``extensions``); it never replaces entries silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from scanner.catalog.errors import CatalogError
from scanner.catalog.files import FileCatalog, load_files
from scanner.catalog.model import MaturityModel, load_model
from scanner.catalog.signatures import SignatureCatalog, load_signatures
from scanner.catalog.tools import ToolCatalog, load_tools
from scanner.yamlsafe import YamlError, load_yaml

#: Bump when any catalog entry changes meaning; recorded in every report.
CATALOG_VERSION = "2026.11.2"

__all__ = ["CATALOG_VERSION", "Catalog", "CatalogError", "load_catalog", "read_packaged"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalog:
    """The whole catalog, immutable once loaded."""

    version: str
    model: MaturityModel
    tools: ToolCatalog
    signatures: SignatureCatalog
    files: FileCatalog


def read_packaged(name: str) -> Any:
    """Parse one of the catalog's packaged YAML files."""
    data = resources.files(__package__).joinpath(name).read_bytes()
    try:
        return load_yaml(data)
    except YamlError as exc:
        raise CatalogError(f"catalog file {name}: {exc}") from None


def load_catalog(extensions: Mapping[str, Any] | None = None) -> Catalog:
    """Load and validate the packaged catalog, extended by a ``--config`` mapping.

    ``extensions`` may hold ``tools`` (a list of tool entries), ``signatures`` (a mapping of
    signature lists) and ``sensitive_paths`` (a list of sensitive path entries), each in the
    same shape as the packaged files. Raises :class:`CatalogError` on any invalid entry.
    """
    extra = extensions or {}
    tools = load_tools(read_packaged("tools.yaml"))
    signatures = load_signatures(read_packaged("signatures.yaml"))
    files = load_files(read_packaged("files.yaml"))
    if "tools" in extra:
        tools = tools.extend(extra["tools"])
    if "signatures" in extra:
        signatures = signatures.extend(extra["signatures"])
    if "sensitive_paths" in extra:
        files = files.extend_sensitive(extra["sensitive_paths"])
    return Catalog(version=CATALOG_VERSION, model=load_model(read_packaged("model.yaml")),
                   tools=tools, signatures=signatures, files=files)

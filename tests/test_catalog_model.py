"""Catalog integrity: ids, levels, thresholds, and catalog ids == rule ids."""

from __future__ import annotations

import pytest

from rules import RULES
from scanner.catalog import Catalog, CatalogError, read_packaged
from scanner.catalog.model import load_model


def test_catalog_ids_are_exactly_the_rule_ids(catalog: Catalog) -> None:
    assert set(catalog.model.ids()) == set(RULES)


def test_every_domain_has_levels_two_to_five(catalog: Catalog) -> None:
    for domain in catalog.model.domains:
        levels = {i.level for i in catalog.model.indicators if i.domain == domain.id}
        assert levels == {2, 3, 4, 5}


def test_thresholds_are_the_source_models(catalog: Catalog) -> None:
    stages = catalog.model.stages
    assert [(s.counts, s.threshold) for s in stages] == [("unfavourable", 2)] + [
        ("favourable", 3)] * 4
    counts = {n: sum(q.stage == n for q in catalog.model.questions) for n in range(1, 6)}
    assert counts == {1: 5, 2: 4, 3: 4, 4: 4, 5: 4}
    assert catalog.model.coverage == {"most": 0.5, "nearly_complete": 0.9, "almost_all": 0.95}
    assert catalog.model.question("S1-Q4").favourable == "no"


def test_rationale_names_a_source_model(catalog: Catalog) -> None:
    for indicator in catalog.model.indicators:
        assert indicator.rationale and indicator.remediation
    for entry in (*catalog.model.indicators, *catalog.model.questions):
        assert "Model D" in entry.rationale or "Model S" in entry.rationale, entry.id


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: raw["indicators"].append(dict(raw["indicators"][0])), "duplicate ids"),
        (lambda raw: raw["indicators"][0].update(id="CLG-9z"), "is not like CLG-3a"),
        (lambda raw: raw["questions"][0].update(favourable="maybe"), "favourable must be"),
        (lambda raw: raw["stages"][1].update(threshold=0), "threshold"),
        (lambda raw: raw["indicators"][0].update(evidence=[]), "lists no evidence"),
        (lambda raw: raw.update(version=2), "unsupported version"),
    ],
)
def test_invalid_model_entries_are_rejected(mutate: object, message: str) -> None:
    raw = read_packaged("model.yaml")
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(CatalogError, match=message):
        load_model(raw)

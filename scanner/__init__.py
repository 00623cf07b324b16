"""aims, the AI Maturity Scanner: the core (evidence model, catalog, engine, reports, CLI)."""

__version__ = "0.1.0"

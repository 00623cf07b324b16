"""The one error a catalog or ``--config`` extension raises when an entry is invalid."""


class CatalogError(ValueError):
    """A catalog file or extension entry is invalid; the message names the entry."""

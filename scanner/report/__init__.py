"""Renderers: they present a report and never compute anything.

``json_report`` is the contract and ``table`` the terminal view; both take the
:class:`~scanner.model.Report`. Every other format (``sarif``, ``codequality``, ``markdown``,
``html``) takes the JSON document, so a saved report can be rendered again later.
``catalog_view`` prints the catalog.
"""


class RenderError(ValueError):
    """A report document a renderer cannot present (another catalog, too many runs)."""

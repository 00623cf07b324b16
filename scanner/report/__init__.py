"""Renderers: they present a :class:`~scanner.model.Report` and never compute anything.

``json_report`` is the contract, ``table`` the terminal view, ``catalog_view`` the catalog.
"""

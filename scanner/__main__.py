"""Allows ``python -m scanner`` as an alias of the ``aims`` command."""

from scanner.cli import main

raise SystemExit(main())

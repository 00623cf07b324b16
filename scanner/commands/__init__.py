"""``aims`` sub-commands other than ``scan`` and ``catalog``, one module per job.

Each module defines click commands that :mod:`scanner.cli` adds to the group; they share
exit codes and error printing through :mod:`scanner.console`.
"""

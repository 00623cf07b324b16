#!/usr/bin/env python3
"""Fuzz AI tool and agent configuration files through the ai_config collector (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("ai_config")

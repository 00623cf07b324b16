#!/usr/bin/env python3
"""Fuzz .gitlab-ci.yml through the CI collector (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("gitlab_ci")

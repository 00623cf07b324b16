"""Coverage-guided fuzzers (atheris) of the parsers; see README.md."""

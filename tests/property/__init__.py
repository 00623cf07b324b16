"""Property tests of the parsers and the harness entry points the fuzzers share."""

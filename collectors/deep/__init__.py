"""The deep code scan: secrets and risky data flows in the HEAD tree, tied to the commits
that introduced them."""

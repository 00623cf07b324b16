"""A fake GitHub (REST + GraphQL on loopback) over an in-memory organisation, for tests.

Build a :class:`FakeOrg` of :class:`FakeRepo` (bare repositories from :func:`make_bare`),
serve it with ``with FakeGitHub(org) as gh:`` and point the client at ``gh.url``; every
request lands in ``gh.log``, and :func:`check_shapes` checks the logged REST bodies against
GitHub's OpenAPI description. Faults: scripted answers (rate limits, 5xx) and transport
faults (:class:`Fault`: resets, hangs, truncated or cut bodies) per method and path.
"""

from tests.github_fake.faults import Fault
from tests.github_fake.model import ROLES, FakeOrg, FakeRepo, make_bare
from tests.github_fake.server import FakeGitHub, Logged
from tests.github_fake.shapes import check_shapes, load_subset
from tests.loopback import Scripted

__all__ = ["ROLES", "FakeGitHub", "FakeOrg", "FakeRepo", "Fault", "Logged", "Scripted",
           "check_shapes", "load_subset", "make_bare"]

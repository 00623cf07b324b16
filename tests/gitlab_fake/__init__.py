"""A fake GitLab (REST v4 on loopback) over an in-memory instance, for tests.

Build a :class:`FakeInstance` of :class:`FakeGroup` and :class:`FakeProject` (bare
repositories from :func:`make_bare`), serve it with ``with FakeGitLab(inst) as gl:`` and point
the client at ``gl.url``; every request lands in ``gl.log``, and :func:`check_shapes` checks
the logged bodies against gitbeaker's declarations of GitLab's response shapes. Faults:
scripted answers (429, 5xx) and transport faults (:class:`Fault`: resets, hangs, truncated or
cut bodies) per method and path.
"""

from tests.github_fake.faults import Fault
from tests.github_fake.model import make_bare
from tests.gitlab_fake.model import FakeGroup, FakeInstance, FakeProject
from tests.gitlab_fake.server import FakeGitLab, Logged
from tests.gitlab_fake.shapes import check_shapes, load_shapes
from tests.loopback import Scripted

__all__ = ["FakeGitLab", "FakeGroup", "FakeInstance", "FakeProject", "Fault", "Logged",
           "Scripted", "check_shapes", "load_shapes", "make_bare"]

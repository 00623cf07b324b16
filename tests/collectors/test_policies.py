"""Policy documents: the heuristics, positive and negative rows, and the collector."""

from __future__ import annotations

from typing import Any

import pytest

from collectors.policies import COLLECTOR, analyse_policy, passages
from scanner.evidence import Evidence, Gap
from scanner.payloads import PolicyDocument

KUBERNETES = """\
# Pull requests

Please get your pull request reviewed by two approvers.

## AI guidance

You may use AI tools, but you are responsible for the change.
Listing AI tooling as a co-author, co-signing commits using an AI tool, or using the
`assisted-by`, `co-developed` or similar commit trailer is not allowed.
"""

LLVM = """\
AI Tool Use Policy
==================

Contributors may use coding assistants such as Copilot or Claude.

A human must review all LLM-generated code before it is submitted; reviewers may
ask how a change was produced.

Use a commit message trailer like `Assisted-by: <name of code assistant>`.
Never paste secrets or customer data into an AI prompt.
"""

PLAIN_CONTRIBUTING = """\
# Contributing

Fork the repository and open a pull request. A maintainer will review it.

Never commit credentials. Use `Co-authored-by:` for pair programming.
"""

PR_TEMPLATE = """\
## Description

## Checklist

- [ ] Tests added
- [ ] This contribution was assisted or created by Generative AI tools.
"""

GENERIC_AI_MENTION = """\
# Contributing

We welcome contributions. Please open an issue first and wait for a review.

## Tools

Our CI uses an AI model to label issues.
"""


@pytest.mark.parametrize(("text", "kinds", "expected"), [
    (KUBERNETES, ("contributing",), {
        "mentions_ai": True, "covers_review": False, "attribution_trailers": (),
        "forbids_attribution": True, "covers_data": False}),
    (LLVM, ("ai-policy",), {
        "mentions_ai": True, "covers_review": True, "attribution_trailers": ("Assisted-by",),
        "forbids_attribution": False, "covers_data": True}),
    # a contributing guide that does not mention AI: generic review and data rules count,
    # trailers do not (they are not AI attribution there)
    (PLAIN_CONTRIBUTING, ("contributing",), {
        "mentions_ai": False, "covers_review": True, "attribution_trailers": (),
        "forbids_attribution": False, "covers_data": True}),
    (PR_TEMPLATE, ("pr-template",), {
        "mentions_ai": True, "covers_review": True, "attribution_trailers": (),
        "forbids_attribution": False, "covers_data": False}),
    # AI is mentioned, but the review request is not about AI
    (GENERIC_AI_MENTION, ("contributing",), {
        "mentions_ai": True, "covers_review": False, "attribution_trailers": (),
        "forbids_attribution": False, "covers_data": False}),
    ("# Data handling\n\nPublic, internal and restricted data.\n", ("data-classification",),
     {"mentions_ai": False, "covers_review": False, "attribution_trailers": (),
      "forbids_attribution": False, "covers_data": True}),
    ("Report vulnerabilities to security@example.com.\n", ("security",), {
        "mentions_ai": False, "covers_review": False, "attribution_trailers": (),
        "forbids_attribution": False, "covers_data": False}),
    ("# AI usage\n\nCommits made with A.I. help carry `Co-authored-by-AI: Tool (model)` and\n"
     "`Generated-by: tool`; do not use Co-authored-by: for bots.\n", ("ai-policy",), {
         "mentions_ai": True, "covers_review": False,
         "attribution_trailers": ("Co-authored-by", "Co-authored-by-AI", "Generated-by"),
         "forbids_attribution": True, "covers_data": False}),
])
def test_analyse_policy(text: str, kinds: tuple[str, ...], expected: dict[str, Any]) -> None:
    assert analyse_policy("DOC.md", kinds, text) == PolicyDocument(path="DOC.md", kinds=kinds,
                                                                  **expected)


@pytest.mark.parametrize(("text", "mentions_ai"), [
    ("Do not submit AI-generated code.", True),
    ("We use large language models sparingly.", True),
    ("Output from ChatGPT must be checked.", True),
    ("Coding agents must open draft PRs.", True),
    ("Cursor rules live in .cursor/.", True),
    ("Move the cursor to the end of the line.", False),    # a text cursor is not an AI
    ("The user agent header is logged.", False),
    ("Maintain the email queue.", False),                   # "ai" inside a word
    ("Hosting in Shanghai.", False),
])
def test_mentions_ai(text: str, mentions_ai: bool) -> None:
    assert analyse_policy("X.md", ("contributing",), text).mentions_ai is mentions_ai


def test_passages_inherit_ai_from_their_heading() -> None:
    found = passages("# Intro\n\nHello.\n\n## AI use\n\nGet it reviewed.\n\n### Details\n\n"
                     "More.\n\n## Style\n\nTabs.\n")
    assert [p.about_ai for p in found] == [False, False, True, True, True, True, False, False]


# --------------------------------------------------------------------------- collector


def test_collector_over_a_repository(repo: Any, context_of: Any) -> None:
    repo.write("AI_POLICY.md", LLVM)
    repo.write("contributing.md", PLAIN_CONTRIBUTING)
    repo.write(".github/pull_request_template.md", PR_TEMPLATE)
    repo.write("SECURITY.md", b"\xff\xfe binary \x00 junk")        # unreadable
    repo.write("docs/guide.md", "Never mind.\n")                  # not a policy document
    repo.commit("init")
    items: dict[str, Any] = {i.provenance.locator: i for i in COLLECTOR.run(context_of(repo))}
    assert sorted(items) == ["tree:.github/pull_request_template.md", "tree:AI_POLICY.md",
                             "tree:SECURITY.md", "tree:contributing.md"]
    gap = items["tree:SECURITY.md"]
    assert isinstance(gap, Gap) and gap.kind == PolicyDocument.KIND
    policy = items["tree:AI_POLICY.md"]
    assert isinstance(policy, Evidence)
    assert policy.payload.kinds == ("ai-policy",)
    assert policy.payload.attribution_trailers == ("Assisted-by",)
    assert policy.provenance.collector == "policies@1"
    assert items["tree:contributing.md"].payload.mentions_ai is False
    assert items["tree:.github/pull_request_template.md"].payload.covers_review is True

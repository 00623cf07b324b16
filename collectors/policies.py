"""Policy and process documents: AI policies, contributing guides, security policies, PR
templates and data-classification documents, and what they cover.

Which files are policy documents comes from the file catalog (``policy_docs``); a file can be
of several kinds. What a document covers is read with the named heuristics below over plain
text split into passages (blank-line separated paragraphs). A passage is "about AI" when it
mentions AI or sits under a heading that does. When a document mentions AI, what it asks
for (review, data rules, attribution) only counts inside passages about AI, so a generic
"please get your PR reviewed" does not count as an AI review policy. A prohibition of
attribution must name the trailer and forbid it in the same sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from collectors.base import Collector, Context, file_by_file
from collectors.sources.base import TreeEntry
from scanner.evidence import Item
from scanner.payloads import PolicyDocument

#: AI, A.I., LLM, generative AI, named assistants, "coding assistant", "AI-generated"...
#: "Cursor" only capitalised: a lower-case cursor is usually a text or database cursor.
AI_TERMS = re.compile(
    r"(?:\bA\.I\.|\b(?:AI|GenAI|LLMs?|generative|large language models?|Copilot|Claude|"
    r"ChatGPT|GPT-?\d\w*|Gemini|coding assistants?|AI[- ]generated|AI[- ]assisted|"
    r"machine[- ]generated|(?:coding|autonomous|software)[- ]agents?)\b|\b(?-i:Cursor)\b)",
    re.IGNORECASE)
#: A request for review or approval of changes.
REVIEW = re.compile(r"\b(?:review(?:s|ed|er|ers|ing)?|approv(?:e|es|ed|al|als|ing))\b",
                    re.IGNORECASE)
#: A Markdown checkbox line (``- [ ] ...``), e.g. an AI disclosure in a PR template.
CHECKBOX = re.compile(r"^\s*[-*+]\s*\[[ xX]\]", re.MULTILINE)
#: AI attribution trailer keys written as trailers (``Key:``); longest names first.
TRAILER = re.compile(r"\b(Co-authored-by-AI|Co-authored-by|Assisted-by|Generated-by|"
                     r"AI-assisted|AI-used-for|Made-with)\s*:", re.IGNORECASE)
#: Trailer or co-author wording, with or without a colon (for prohibitions).
TRAILER_NAMED = re.compile(r"\b(?:co-authored-by(?:-ai)?|assisted-by|generated-by|"
                           r"co-developed(?:-by)?|made-with|ai-used-for|co-?author(?:s|ed)?)\b",
                           re.IGNORECASE)
#: Sentence ends, for prohibitions that must name the trailer in the same sentence.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
#: Wording that forbids something.
FORBIDDING = re.compile(r"\b(?:not allowed|not permitted|must not|mustn't|forbidden|do not|"
                        r"don't|prohibited|never)\b", re.IGNORECASE)
#: Secrets, credentials, personal or customer data, confidentiality, data classification.
DATA = re.compile(r"\b(?:secrets?|credentials?|personal (?:data|information)|PII|"
                  r"customer data|confidential|proprietary|data classification|"
                  r"sensitive (?:data|information)|API keys?|passwords?)\b", re.IGNORECASE)

_CANONICAL_TRAILERS = {name.lower(): name for name in (
    "Co-authored-by-AI", "Co-authored-by", "Assisted-by", "Generated-by", "AI-assisted",
    "AI-used-for", "Made-with")}
_MD_HEADING = re.compile(r"^(#{1,6})\s+\S")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph and whether it is about AI (itself or through its headings)."""

    text: str
    about_ai: bool


def passages(text: str) -> tuple[Passage, ...]:
    """Blank-line separated paragraphs, each marked as about AI or not."""
    headings: list[tuple[int, bool]] = []  # (level, mentions AI) of the open headings
    found: list[Passage] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        if not block.strip():
            continue
        lines = block.strip("\n").splitlines()
        heading = _MD_HEADING.match(lines[0])
        level = len(heading.group(1)) if heading else None
        if level is None and len(lines) > 1 and _RST_UNDERLINE.match(lines[1]):
            level = 1
        mentions = bool(AI_TERMS.search(block))
        if level is not None:
            headings = [h for h in headings if h[0] < level]
            headings.append((level, bool(AI_TERMS.search(lines[0]))))
        found.append(Passage(block, mentions or any(ai for _, ai in headings)))
    return tuple(found)


def analyse_policy(path: str, kinds: tuple[str, ...], text: str) -> PolicyDocument:
    """What a policy document covers, by the heuristics of this module."""
    parts = passages(text)
    mentions_ai = any(AI_TERMS.search(p.text) for p in parts)
    relevant = [p.text for p in parts if p.about_ai or not mentions_ai]
    ai_checkbox = "pr-template" in kinds and any(
        CHECKBOX.match(line) and AI_TERMS.search(line) for line in text.splitlines())
    trailers = sorted({_CANONICAL_TRAILERS[m.group(1).lower()] for m in TRAILER.finditer(text)})
    return PolicyDocument(
        path=path,
        kinds=kinds,
        mentions_ai=mentions_ai,
        covers_review=ai_checkbox or any(REVIEW.search(p) for p in relevant),
        attribution_trailers=tuple(trailers) if mentions_ai else (),
        forbids_attribution=mentions_ai and any(
            TRAILER_NAMED.search(s) and FORBIDDING.search(s)
            for p in relevant for s in SENTENCE_END.split(p)),
        covers_data="data-classification" in kinds or any(DATA.search(p) for p in relevant),
    )


def run(ctx: Context) -> Iterator[Item]:
    """One evidence item per policy document of the HEAD tree."""
    def read(entry: TreeEntry, kinds: tuple[str, ...]) -> tuple[PolicyDocument, str]:
        text, blob = ctx.read_text(entry.path)
        return analyse_policy(entry.path, kinds, text), blob

    return file_by_file(ctx, COLLECTOR.label, PolicyDocument.KIND,
                        lambda path: ctx.catalog.files.policy_kinds(path) or None, read)


COLLECTOR = Collector(name="policies", version=1, kinds=(PolicyDocument,), run=run)

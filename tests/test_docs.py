"""The README and docs/: the README stays a short quickstart, every relative link and image resolves
(anchors included), the README links every JSON Schema, and the paths the docs name exist.

Reads Markdown files only: no model, no index.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
SCHEMAS = sorted((ROOT / "docs" / "schemas").glob("*.schema.json"))
MARKDOWN = [README, *DOCS]

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+).+?\1")
# [text](target) and ![alt](target), with an optional "title" after the target.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
# A backticked path into the project, such as `app/engine/answer.py` or `eval/questions.yaml`.
PROJECT_PATH = re.compile(r"^(?:app|ingest|eval|tests|benchmark|corpus|docs)/[\w./-]+\.(?:py|json|jsonl|yaml|toml|txt|md|png)$")


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fence = [], None
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            lines.append(line)
    return lines


def fenced_blocks(text: str) -> list[list[str]]:
    """The lines of each fenced code block, in order."""
    blocks, current, fence = [], None, None
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence is None and m:
            fence, current = m.group(1)[0] * len(m.group(1)), []
        elif fence is not None and line.strip().startswith(fence):
            blocks.append(current)
            fence, current = None, None
        elif current is not None:
            current.append(line)
    return blocks


def links(path: Path) -> list[str]:
    """Every link and image target in a Markdown file, outside code."""
    found = []
    for line in prose_lines(path.read_text(encoding="utf-8")):
        found += LINK.findall(CODE_SPAN.sub("", line))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation other than - and _ removed, spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading counts as its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    out = set()
    for line in prose_lines(path.read_text(encoding="utf-8")):
        m = HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(path: Path) -> list[str]:
    """The targets in a Markdown file that lead nowhere: a missing file, or an anchor no heading makes."""
    broken = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not target or not dest.exists():
            broken.append(target)
        elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest)):
            broken.append(target)
    return broken


def test_the_readme_is_at_most_250_lines():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= 250, f"README.md has {lines} lines; method belongs in docs/"


def test_there_are_docs_pages_to_check():
    assert {p.name for p in DOCS} >= {"README.md", "how-an-answer-is-made.md", "fitting.md", "performance.md"}


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(path):
    assert links(path), f"{path.name} links nothing"
    assert broken_links(path) == []


def test_the_link_checker_finds_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## A section, with punctuation!\n", encoding="utf-8")
    (tmp_path / "pic.png").write_bytes(b"")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](other.md) [fine too](other.md#a-section-with-punctuation) ![ok](pic.png) [here](#page)\n"
        "[gone](missing.md) ![gone](missing.png) [no such heading](other.md#nowhere) [nor here](#nowhere)\n"
        "[web](https://example.org/x) `[in code](missing-in-code.md)`\n\n"
        "```\n[in a block](missing-in-block.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["missing.md", "missing.png", "other.md#nowhere", "#nowhere"]


def test_slugs_follow_github():
    assert slug("`footnote ask --json` output") == "footnote-ask---json-output"
    assert slug("Checking a student's answer") == "checking-a-students-answer"
    assert slug("Fitting the models, and what they score") == "fitting-the-models-and-what-they-score"


def test_the_readme_links_every_json_schema_and_each_parses():
    assert SCHEMAS, "no schema files in docs/schemas/"
    linked = {(README.parent / t.partition("#")[0]).resolve() for t in links(README)}
    for schema in SCHEMAS:
        assert schema.resolve() in linked, f"README does not link {schema.relative_to(ROOT)}"
        assert isinstance(json.loads(schema.read_text(encoding="utf-8")), dict)


def test_the_readmes_first_commands_are_make_run_then_make_test():
    first = fenced_blocks(README.read_text(encoding="utf-8"))[0]
    commands = [line.split("#")[0].strip() for line in first if line.split("#")[0].strip()]
    assert commands == ["make run", "make test"]


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_project_path_the_docs_name_exists(path):
    named = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        named |= {span.strip("`") for span in re.findall(r"`[^`\s]+`", line)}
    missing = sorted(p for p in named if PROJECT_PATH.match(p) and not (ROOT / p).exists())
    assert missing == []

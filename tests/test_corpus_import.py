"""Every version of 39 real privacy policies (Open Terms Archive's Markdown, see
../shared/corpus/README.md) imported version after version into one policy, as an editor
recording a policy's history would.

Each import: no exception, no clause without text, no markup in a title, every word of the
input in the fragments or in what import reports as not imported; each re-import keeps the
id of every clause whose heading or text stays. In-process (the CLI's own function) so the
510 imports take seconds, not minutes.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from policygen.editing import import_policy
from policygen.schema import name_problem

CORPUS = Path(__file__).resolve().parents[1].parent.parent / "shared" / "corpus" / "ota"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus/ota")
POLICIES = sorted(p.name for p in CORPUS.iterdir()) if CORPUS.is_dir() else []
MARKUP_RE = re.compile(r"</?[a-z][^>]*>|\\[^\s]|\*\*|\]\(|^#|&[a-z]+;|^[*_]|[*_]$", re.I)


def words(md: str) -> set[str]:
    """The words a reader sees, as a set (markup, link targets and bare numbers aside)."""
    md = re.sub(r"<!--.*?-->", " ", md, flags=re.S)
    md = re.sub(r"\]\(\s*<?[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*>?(?:\s+\"[^\"\n]*\")?\s*\)", "] ", md)  # link targets
    md = re.sub(r"^\s*\[[^\]]+\]:\s*\S+.*$", " ", md, flags=re.M)  # reference definitions
    md = re.sub(r"</?[A-Za-z][^>]*>", " ", md)
    md = html.unescape(md)
    return {w for w in re.findall(r"[^\W_]+", md.lower()) if not w.isdigit()}


def read_policy(src: Path, policy: str) -> tuple[dict, dict]:
    manifest = yaml.safe_load((src / policy / "policy.yml").read_text(encoding="utf-8"))
    clauses = {}
    for cid in manifest["clauses"]:
        text = (src / policy / "en" / f"{cid}.md").read_text(encoding="utf-8")
        _, fm, body = text.split("---\n", 2)
        clauses[cid] = (yaml.safe_load(fm)["title"], body)
    return manifest, clauses


def norm_title(title: str) -> str:
    return " ".join(re.findall(r"[^\W\d_]+", title.lower()))


def kept_ids_problems(before: dict, after: dict) -> list[str]:
    """Clauses of ``before`` whose heading or text stays in ``after`` under another id."""
    problems = []
    new_titles: dict = {}
    for cid, (title, _body) in after.items():
        new_titles.setdefault(norm_title(title), []).append(cid)
    old_titles: dict = {}
    for cid, (title, _body) in before.items():
        old_titles.setdefault(norm_title(title), []).append(cid)
    for cid, (title, body) in before.items():
        same = new_titles.get(norm_title(title), [])
        if len(same) == 1 and len(old_titles[norm_title(title)]) == 1:
            if same != [cid]:
                problems.append(f"{cid!r} ({title!r}): same heading, now {same[0]!r}")
            continue
        old_words = words(body)
        if len(old_words) < 20:
            continue
        # Most of its words stay in one clause that is mostly made of them.
        best = max(after, key=lambda n: len(old_words & words(after[n][1])), default=None)
        if best is None or best == cid or cid in after:
            continue
        common = len(old_words & words(after[best][1]))
        if best in before and len(words(before[best][1]) & words(after[best][1])) >= common:
            continue  # two old clauses with the same text (a page holding a section twice)
        if best in before and norm_title(before[best][0]) == norm_title(after[best][0]):
            continue  # an identical heading keeps its id first
        if common >= 0.8 * len(old_words) and common >= 0.8 * len(words(after[best][1])):
            problems.append(f"{cid!r} ({title!r}): most of its text stays, now {best!r}")
    return problems


@pytest.mark.parametrize("name", POLICIES)
def test_corpus_versions_import_faithfully(tmp_path, name):
    src = tmp_path / "policy_src"
    before = None
    failures = []
    for path in sorted((CORPUS / name).glob("*.md")):
        report = import_policy(str(path), name, "en", str(src))
        manifest, clauses = read_policy(src, name)
        where = f"{name}/{path.name}"
        for cid, (title, body) in clauses.items():
            assert name_problem("clause id", cid) is None, (where, cid)
            if MARKUP_RE.search(title):
                failures.append(f"{where}: markup in title {title!r}")
            if not body.strip():
                failures.append(f"{where}: empty clause {cid!r}")
        reported = " ".join(text for _line, text, _why in report.dropped)
        written = " ".join(f"{t}\n{b}" for t, b in clauses.values()) + " " + str(manifest.get("title"))
        lost = words(path.read_text(encoding="utf-8")) - words(written) - words(reported)
        if lost:
            failures.append(f"{where}: words lost: {sorted(lost)[:10]}")
        if before is not None:
            failures += [f"{where}: {p}" for p in kept_ids_problems(before, clauses)]
        before = clauses
    assert not failures, "\n".join(failures[:20])


PAGE = """<!doctype html><html><head><title>Privacy</title></head><body>
<a class="skip-link" href="#main">Skip to content</a>
<header><nav><a href="/">Home</a> <a href="/pricing">Pricing plans</a></nav></header>
<div id="onetrust-banner"><p>We use cookies on this site. <button>Accept all</button></p></div>
<main id="main">{body}</main>
<footer><p>© 2024 Example, Inc. Terms Privacy Sitemap</p></footer></body></html>"""


@pytest.mark.parametrize("name", POLICIES)
def test_corpus_versions_as_saved_web_pages(name):
    """The newest version of each policy as a web page (the Markdown rendered into a page
    with navigation, a cookie banner and a footer): the clauses of the Markdown import,
    the page residue reported and left out, no word lost."""
    import markdown

    from policygen.importer import parse_html, parse_markdown

    path = sorted((CORPUS / name).glob("*.md"))[-1]
    text = path.read_text(encoding="utf-8")
    page = PAGE.format(body=markdown.markdown(text, extensions=["tables"]))
    md, web = parse_markdown(text), parse_html(page)
    assert [s.title for s in web.sections] == [s.title for s in md.sections]
    kept = " ".join(f"{s.title}\n{s.body}" for s in web.sections) + " " + web.title
    reported = " ".join(what for _line, what, _why in web.dropped)
    for residue in ("Skip to content", "Pricing plans", "We use cookies on this site", "© 2024 Example"):
        assert residue not in kept and residue in reported
    assert "Accept all" not in kept  # a button: page furniture
    assert not words(text) - words(kept) - words(reported)

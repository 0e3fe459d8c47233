"""Word round trip: .docx drafts written with python-docx as a Word user writes them are
imported through the real CLI; redlines and exports are opened again with python-docx/lxml."""

from __future__ import annotations

import copy
import re
import zipfile
from datetime import datetime, timezone

import docx
import pytest
import yaml
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from conftest import EN, SEEDS, ZH, commit_all, edit, import_texts, new_repo, retranslate, run, write

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def add_link(paragraph, text: str, url: str) -> None:
    """A hyperlink as Word stores one (python-docx has no call for it)."""
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run_el = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run_el.append(t)
    link.append(run_el)
    paragraph._p.append(link)


def styled_draft(path, heading_prefix=("1. ", "2. ", "3. "), extra=""):
    """An English draft with Word's heading styles, lists, a table, a link, bold and italic."""
    d = docx.Document()
    d.add_paragraph("Acme Privacy Policy", style="Title")
    d.add_paragraph("Last updated: 2024-03-01")
    d.add_heading(heading_prefix[0] + "Data We Collect", level=1)
    p = d.add_paragraph("We collect your ")
    p.add_run("name").bold = True
    p.add_run(" and ")
    p.add_run("email address").italic = True
    p.add_run(" when you register." + extra)
    d.add_paragraph("Account data", style="List Bullet")
    d.add_paragraph("Usage data", style="List Bullet")
    d.add_heading("Retention", level=2)
    t = d.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "Data", (0, 1): "Kept for", (1, 0): "Email", (1, 1): "2 years"}.items():
        t.cell(r, c).text = text
    d.add_heading(heading_prefix[1] + "How We Share Data", level=1)
    d.add_paragraph("We share it with our hosting provider only.")
    d.add_paragraph("Check its identity", style="List Number")
    d.add_paragraph("Sign a contract", style="List Number")
    d.add_heading(heading_prefix[2] + "Contact Us", level=1)
    p = d.add_paragraph("Read ")
    add_link(p, "our contact page", "https://example.com/contact")
    p.add_run(" or write to us.")
    d.save(path)


STYLED_MD = """---
title: Acme Privacy Policy
---

Last updated: 2024-03-01

## 1. Data We Collect

We collect your **name** and *email address* when you register.

- Account data
- Usage data

### Retention

| Data | Kept for |
|---|---|
| Email | 2 years |

## 2. How We Share Data

We share it with our hosting provider only.

1. Check its identity
2. Sign a contract

## 3. Contact Us

Read [our contact page](https://example.com/contact) or write to us.
"""


def repo(root):
    root.mkdir()
    return new_repo(root)


def clause_files(project, policy="acme", lang="en"):
    folder = project / "policy_src" / policy / lang
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


def manifest(project, policy="acme"):
    return yaml.safe_load((project / "policy_src" / policy / "policy.yml").read_text(encoding="utf-8"))


# --- import -----------------------------------------------------------------------------

def test_word_styles_import_as_the_markdown_importer_makes_them(tmp_path):
    word = repo(tmp_path / "w")
    styled_draft(word / "draft.docx")
    out = run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=word).stdout
    md = repo(tmp_path / "m")
    write(md / "draft.md", STYLED_MD)
    run(["import", "draft.md", "--policy", "acme", "--lang", "en"], cwd=md)
    assert clause_files(word) == clause_files(md)
    assert manifest(word) == manifest(md)
    assert manifest(word)["title"] == {"en": "Acme Privacy Policy"}
    body = clause_files(word)["data-collect"]
    assert "**name**" in body and "*email address*" in body and "| Email | 2 years |" in body
    assert "[our contact page](https://example.com/contact)" in clause_files(word)[manifest(word)["clauses"][-1]]
    assert "--effective 2024-03-01 --backfill" in out


def test_word_reimport_keeps_ids(project):
    styled_draft(project / "draft.docx")
    run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=project)
    ids = manifest(project)["clauses"]
    # Counsel renumber the headings and edit a sentence: the clauses keep their ids.
    styled_draft(project / "draft.docx", heading_prefix=("", "", ""), extra=" We never sell it.")
    out = run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=project).stdout
    assert manifest(project)["clauses"] == ids
    assert out.count(" kept ") == len(ids) and " new " not in out
    assert "We never sell it." in clause_files(project)["data-collect"]


@pytest.mark.parametrize("seed", ["astronergy-privacy-policy-2023-05-31", "st-machinery-privacy-policy"])
def test_word_numbered_headings_in_plain_paragraphs(tmp_path, seed):
    """A seed pasted into Word line by line, headings typed as 'I.Personal Data ...' in plain
    paragraphs: the same clauses as the plain-text importer finds, the table of contents reported."""
    text = (SEEDS / f"{seed}.txt").read_text(encoding="utf-8")
    word = repo(tmp_path / "w")
    d = docx.Document()
    for line in text.splitlines():
        if line.strip():
            d.add_paragraph(line.strip())
    d.save(word / "draft.docx")
    out = run(["import", "draft.docx", "--policy", "p", "--lang", "en"], cwd=word).stdout
    plain = repo(tmp_path / "t")
    run(["import", str(SEEDS / f"{seed}.txt"), "--policy", "p", "--lang", "en"], cwd=plain)
    got, want = manifest(word, "p"), manifest(plain, "p")
    assert got["clauses"] == want["clauses"] and got["numbering"] == want["numbering"]
    assert got["title"] == want["title"]
    titles = lambda files: {k: yaml.safe_load(v.split("---")[1])["title"] for k, v in files.items()}  # noqa: E731
    assert titles(clause_files(word, "p")) == titles(clause_files(plain, "p"))
    if seed.startswith("astronergy"):
        assert "not imported (table of contents): I.Personal Data We Process" in out
        assert "### 1.Personal data you provide" in clause_files(word, "p")["personal-data-process"]
    else:
        assert got["entity"] == want["entity"]
        assert "not imported (page residue (not policy text)): Scroll" in out


def test_word_chinese_translation_aligns_to_source_ids(project):
    import_texts(project, {"en": EN})
    d = docx.Document()
    d.add_paragraph("隐私政策", style="Title")
    for title, body in (("我们收集的数据", "您注册时，我们收集您的姓名和电子邮件地址。"),
                        ("我们如何共享数据", "我们不出售您的数据，仅与我们的托管服务商共享。"),
                        ("联系我们", "如有任何问题，请发送邮件至 privacy@example.com。")):
        d.add_heading(title, level=1)
        d.add_paragraph(body)
    d.save(project / "zh.docx")
    run(["import", "zh.docx", "--policy", "acme", "--lang", "zh-CN"], cwd=project)
    zh = clause_files(project, lang="zh-CN")
    assert set(zh) == set(clause_files(project))
    assert "您注册时" in zh[manifest(project)["clauses"][0]]
    assert manifest(project)["title"]["zh-CN"] == "隐私政策"


def _with_tracked_changes(path):
    """A draft a reviewer edited with Track Changes on: one insertion, one deletion."""
    styled_draft(path)
    d = docx.Document(path)
    p = d.paragraphs[3]._p
    for tag, text in (("w:ins", " promptly"), ("w:del", " old words")):
        change = OxmlElement(tag)
        change.set(qn("w:id"), str(len(tag)))
        change.set(qn("w:author"), "Counsel")
        r = OxmlElement("w:r")
        t = OxmlElement("w:delText" if tag == "w:del" else "w:t")
        t.text = text
        r.append(t)
        change.append(r)
        p.append(change)
    d.save(path)


def test_word_tracked_changes_are_refused_with_a_count(project):
    _with_tracked_changes(project / "draft.docx")
    proc = run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=project, check=False)
    assert proc.returncode == 2
    assert "draft.docx: " in proc.stderr and "accept or reject the 2 tracked changes first" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (project / "policy_src" / "acme").exists()


def test_word_comments_are_reported(project):
    styled_draft(project / "draft.docx")
    d = docx.Document(project / "draft.docx")
    target = next(p for p in d.paragraphs if p.text.startswith("We share"))
    d.add_comment(target.runs, text="Name the provider?", author="Outside Counsel")
    d.save(project / "draft.docx")
    out = run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=project).stdout
    assert re.search(r"draft\.docx:\d+: note: comment by Outside Counsel .*not imported: Name the provider\?", out)
    assert "Name the provider" not in "".join(clause_files(project).values())


def test_word_not_a_docx_is_a_clear_error(project):
    (project / "draft.docx").write_text("just text", encoding="utf-8")
    proc = run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=project, check=False)
    assert proc.returncode == 2 and "not a Word document" in proc.stderr and "Traceback" not in proc.stderr


# --- redline: Word's Accept All / Reject All, done on the XML ------------------------------

def _unwrap(el):
    parent = el.getparent()
    at = parent.index(el)
    for k, child in enumerate(list(el)):
        parent.insert(at + k, child)
    parent.remove(el)


def resolve_revisions(body, accept: bool):
    """What Word's Accept All (or Reject All) leaves of a document body (an lxml copy). A
    paragraph mark that goes joins what is left of its paragraph to the next paragraph,
    which keeps its own properties (Word keeps a paragraph's properties in its mark)."""
    body = copy.deepcopy(body)
    gone, kept = (f"{W}del", f"{W}ins") if accept else (f"{W}ins", f"{W}del")
    marks = (f"{W}rPr", f"{W}trPr")
    for tr in list(body.iter(f"{W}tr")):  # rows added (or removed) as a whole
        if tr.find(f"{W}trPr/{gone}") is not None:
            tbl = tr.getparent()
            tbl.remove(tr)
            if tbl.find(f"{W}tr") is None:  # a table with no rows left is gone
                tbl.getparent().remove(tbl)
    joined = [p for p in body.iter(f"{W}p") if p.find(f"{W}pPr/{W}rPr/{gone}") is not None]
    for el in list(body.iter(gone)):
        if el.getparent().tag not in marks:
            el.getparent().remove(el)
    for p in joined:
        nxt = p.getnext()
        content = [c for c in p if c.tag != f"{W}pPr"]
        if nxt is not None and nxt.tag == f"{W}p":
            at = 1 if nxt.find(f"{W}pPr") is not None else 0
            for k, c in enumerate(content):
                nxt.insert(at + k, c)
        else:
            assert not "".join(p.itertext()), "a paragraph mark removed at the end of the text"
        p.getparent().remove(p)
    for el in list(body.iter(kept)):
        if el.getparent().tag not in marks:
            _unwrap(el)
    for t in body.iter(f"{W}delText"):
        t.tag = f"{W}t"
    for change in list(body.iter(f"{W}pPrChange", f"{W}rPrChange")):
        ppr = change.getparent()
        if not accept:  # the properties before the change come back
            old = change[0]
            for child in list(ppr):
                if child.tag not in (f"{W}rPr", f"{W}sectPr") and child is not change:
                    ppr.remove(child)
            for k, child in enumerate(old):
                ppr.insert(k, child)
        ppr.remove(change)
    return body


def body_after_cover(document):
    """The document's body from the first section break on (the cover comes before it)."""
    body = copy.deepcopy(document.element.body)
    for el in list(body):
        body.remove(el)
        if el.find(f"{W}pPr/{W}sectPr") is not None:
            break
    return body


def visible(body) -> list:
    """(style, text) per paragraph and [[cell text]] per table, in order; empty paragraphs skipped."""
    out = []
    for el in body:
        if el.tag == f"{W}p":
            text = "".join(t.text or "" for t in el.iter(f"{W}t"))
            style = el.find(f"{W}pPr/{W}pStyle")
            if text:
                out.append((style.get(f"{W}val") if style is not None else "Normal", text))
        elif el.tag == f"{W}tbl":
            out.append([["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tr.iter(f"{W}tc")]
                        for tr in el.iter(f"{W}tr")])
    return out


def clean_body(path):
    """An export's body after its title."""
    body = copy.deepcopy(docx.Document(path).element.body)
    body.remove(body[0])
    return body


def set_clause(project, cid, body, title=None, lang="en"):
    """Replace a clause's body (and title), keeping its front matter."""
    from conftest import clause_path

    p = clause_path(project, lang, cid)
    head, _old = p.read_text(encoding="utf-8").split("\n---\n", 1)
    if title:
        head = re.sub(r"(?m)^title: .*$", f"title: {title}", head)
    p.write_text(head + "\n---\n\n" + body.strip() + "\n", encoding="utf-8")


V1_COLLECT = """We collect your name and email address when you register.

- Account data
- Usage data
- Device data

How long we keep it

| Data | Kept for |
|---|---|
| Email | 2 years |
| Logs | 90 days |

Read [our cookie notice](https://example.com/cookies) for more.
"""

V2_COLLECT = """We collect your **name**, phone number and email address when you register.

- Account data
- Usage data, including *crash reports*

### How long we keep it

| Data | Kept for |
|---|---|
| Email | 3 years |
| Phone | 1 year |

1. We delete data on request.
2. We anonymise logs.

Read [our cookie notice](https://example.com/cookies) for more.
"""


def released_history(project):
    """Two released versions of the three-clause policy with every kind of change between them:
    words, bold and italic, a list item removed and one changed, a paragraph made a heading,
    table cells and rows, a numbered list, a renamed, a moved, an added and a removed clause."""
    import_texts(project, {"en": EN})
    ids = manifest(project)["clauses"]
    set_clause(project, ids[0], V1_COLLECT)
    commit_all(project, "v1", date="2022-12-01")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "release v1", date="2022-12-01")
    set_clause(project, ids[0], V2_COLLECT, title="Personal Data We Collect")
    write(project / "policy_src" / "acme" / "en" / "cookies.md",
          "---\nid: cookies\ntitle: Cookies\n---\n\nWe use only essential cookies.\n")
    (project / "policy_src" / "acme" / "en" / f"{ids[1]}.md").unlink()
    m = manifest(project)
    m["clauses"] = [ids[2], ids[0], "cookies"]
    (project / "policy_src" / "acme" / "policy.yml").write_text(yaml.safe_dump(m, sort_keys=False), encoding="utf-8")
    commit_all(project, "v2", date="2023-12-01")
    run(["release", "--policy", "acme", "--effective", "2024-01-01", "--backfill"], cwd=project)
    commit_all(project, "release v2", date="2023-12-01")
    return ids


def test_redline_accept_all_is_new_and_reject_all_is_old(project):
    released_history(project)
    run(["diff", "2023-01-01", "2024-01-01", "--policy", "acme", "--format", "docx", "-o", "red.docx"], cwd=project)
    for version in ("2023-01-01", "2024-01-01"):
        run(["export", "--policy", "acme", "--version", version, "--format", "docx", "-o", f"{version}.docx"],
            cwd=project)
    red = docx.Document(project / "red.docx")
    body = body_after_cover(red)
    new, old = visible(clean_body(project / "2024-01-01.docx")), visible(clean_body(project / "2023-01-01.docx"))
    assert visible(resolve_revisions(body, accept=True)) == new
    assert visible(resolve_revisions(body, accept=False)) == old
    # What the clean versions hold: tables as tables, headings as headings, lists as lists.
    assert ["Data", "Kept for"] in next(b for b in new if isinstance(b, list))
    assert ("Heading2", "How long we keep it") in new and ("Normal", "How long we keep it") in old
    assert ("ListNumber", "We delete data on request.") in new
    assert ("Heading1", "2. Personal Data We Collect") in new and ("Heading1", "1. Data We Collect") in old


def test_redline_revisions_are_words_by_policygen_dated_new(project):
    released_history(project)
    run(["diff", "2023-01-01", "2024-01-01", "--policy", "acme", "--format", "docx", "-o", "red.docx"], cwd=project)
    with zipfile.ZipFile(project / "red.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
    body = body_after_cover(docx.Document(project / "red.docx"))
    revisions = list(body.iter(f"{W}ins", f"{W}del", f"{W}pPrChange", f"{W}rPrChange"))
    assert revisions and {r.get(f"{W}author") for r in revisions} == {"policygen"}
    assert {r.get(f"{W}date") for r in revisions} == {"2024-01-01T00:00:00Z"}
    ids = [r.get(f"{W}id") for r in revisions]
    assert len(ids) == len(set(ids))
    inserted = ["".join(t.text for t in el.iter(f"{W}t")) for el in body.iter(f"{W}ins")]
    deleted = ["".join(t.text for t in el.iter(f"{W}delText")) for el in body.iter(f"{W}del")]
    assert " phone number" in "".join(inserted) or "phone number" in "".join(inserted)
    assert "3" in inserted and "2" in deleted  # "2 years" -> "3 years": one cell, one word
    assert "Device data" in deleted and "Logs" in deleted  # a list item and a table row removed
    # Formatting changes are formatting revisions: bold "name", a paragraph made a heading.
    assert any(c.getparent().find(f"{W}b") is not None for c in body.iter(f"{W}rPrChange"))
    assert any(c.find(f"{W}pPr/{W}pStyle") is None for c in body.iter(f"{W}pPrChange"))
    # Table rows added and removed as rows; links as hyperlinks; counsel's edits tracked too.
    assert body.find(f".//{W}trPr/{W}ins") is not None and body.find(f".//{W}trPr/{W}del") is not None
    assert 'Target="https://example.com/cookies"' in rels and "<w:hyperlink" in xml
    assert "<w:trackRevisions/>" in settings


def test_redline_cover_names_versions_level_and_reasons(project):
    released_history(project)
    run(["diff", "2023-01-01", "2024-01-01", "--policy", "acme", "--format", "docx", "-o", "red.docx"], cwd=project)
    doc = docx.Document(project / "red.docx")
    cover = []
    for p in doc.paragraphs:
        if p._p.find(f"{W}pPr/{W}sectPr") is not None:
            break
        cover.append(p.text)
    assert cover[0] == "Privacy Policy"
    assert "Changes from 1 January 2023 to 1 January 2024" in cover
    level = run(["diff", "2023-01-01", "2024-01-01", "--policy", "acme", "--format", "json"], cwd=project).stdout
    import json

    data = json.loads(level)["classification"]
    label = {"editorial": "Editorial", "minor": "Minor", "notice": "Notice required", "consent": "Consent required"}
    assert f"Level: {label[data['level']]}" in cover
    assert len([c for c in cover if c.startswith(("Personal Data We Collect (", "Cookies (", "How We Share Data (", "Contact Us ("))]) \
        == len(data["reasons"])
    assert doc.core_properties.author == "policygen"


def test_redline_chinese_changes_are_per_character(project):
    import_texts(project, {"en": EN, "zh-CN": ZH})
    commit_all(project, "v1", date="2022-12-01")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "release v1", date="2022-12-01")
    ids = manifest(project)["clauses"]
    edit(project, "en", ids[0], "name and email address", "name, email address and phone number")
    edit(project, "zh-CN", ids[0], "姓名和电子邮件地址", "姓名、电子邮件地址和电话号码")
    edit(project, "zh-CN", ids[2], "如有任何问题", "如有任何疑问")
    retranslate(project)
    commit_all(project, "v2", date="2023-12-01")
    run(["release", "--policy", "acme", "--effective", "2024-01-01", "--backfill"], cwd=project)
    commit_all(project, "release v2", date="2023-12-01")
    run(["diff", "2023-01-01", "2024-01-01", "--policy", "acme", "--lang", "zh-CN", "--format", "docx",
         "-o", "zh.docx"], cwd=project)
    for version in ("2023-01-01", "2024-01-01"):
        run(["export", "--policy", "acme", "--version", version, "--lang", "zh-CN", "--format", "docx",
             "-o", f"{version}.docx"], cwd=project)
    doc = docx.Document(project / "zh.docx")
    body = body_after_cover(doc)
    assert visible(resolve_revisions(body, accept=True)) == visible(clean_body(project / "2024-01-01.docx"))
    assert visible(resolve_revisions(body, accept=False)) == visible(clean_body(project / "2023-01-01.docx"))
    deleted = ["".join(t.text for t in el.iter(f"{W}delText")) for el in body.iter(f"{W}del")]
    inserted = ["".join(t.text for t in el.iter(f"{W}t")) for el in body.iter(f"{W}ins")]
    assert "问题" not in deleted and ["题"] == [d for d in deleted if d in ("题", "问题")]  # 问题 -> 疑问: per character
    assert "疑" in inserted
    assert ["、", "和电话号码"] == [i for i in inserted if i in ("、", "和电话号码")] and "和" in deleted
    assert not [d for d in deleted if "您注册时" in d]  # the sentence is kept, its changed characters marked
    assert any("从2023年1月1日到2024年1月1日的变更" in p.text for p in doc.paragraphs)
    lang = doc.styles.element.find(f".//{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}val") == "zh-CN" and lang.get(f"{W}eastAsia") == "zh-CN"
    # The clean Chinese copy ("一、我们收集的数据") imports back to the same fragments.
    before = clause_files(project, lang="zh-CN")
    out = run(["import", "2024-01-01.docx", "--policy", "acme", "--lang", "zh-CN"], cwd=project).stdout
    assert clause_files(project, lang="zh-CN") == before, out


def test_export_docx_footer_has_effective_date_and_hash(project):
    import json

    released_history(project)
    run(["export", "--policy", "acme", "--version", "2024-01-01", "--format", "docx", "-o", "v.docx"], cwd=project)
    doc = docx.Document(project / "v.docx")
    footer = doc.sections[-1].footer.paragraphs[0].text
    hashes = json.loads(run(["versions", "--policy", "acme", "--format", "json"], cwd=project).stdout)[-1]["hashes"]
    assert "Effective 1 January 2024" in footer and f"Content hash: {hashes['en']}" in footer
    assert not list(doc.element.body.iter(f"{W}ins", f"{W}del"))
    # Reproducible: the same version exported again is the same file, byte for byte.
    run(["export", "--policy", "acme", "--version", "2024-01-01", "--format", "docx", "-o", "again.docx"],
        cwd=project)
    assert (project / "v.docx").read_bytes() == (project / "again.docx").read_bytes()
    # Importing the export gives the same fragments back.
    before, order = clause_files(project), manifest(project)["clauses"]
    out = run(["import", "v.docx", "--policy", "acme", "--lang", "en"], cwd=project).stdout
    assert " new " not in out and clause_files(project) == before and manifest(project)["clauses"] == order


# --- the same invariants on random edits of every kind of block ----------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

BLOCKS = st.sampled_from([
    "We share data with partners.", "We **retain** logs for 30 days.", "您的个人信息将存储在中国境内。",
    "- account data\n- usage data", "- 姓名\n- 电话号码", "1. ask us\n2. we answer", "### Your rights",
    "| Data | Kept |\n|---|---|\n| Email | 2 years |", "| Data | Kept |\n|---|---|\n| Email | 3 years |\n| Logs | 1 day |",
    "Read [the notice](https://example.com/n) *now*.", "> A quoted promise.", "We share data with *partners* only.",
    "- a loose item\n\n    its second paragraph\n\n    - nested\n\n- another item",
])


def _text(bodies):
    from policygen.model import Clause, Manifest, PolicyText

    m = Manifest(id="p", titles={"en": "Policy"}, languages=("en",), clauses=tuple(f"c{k}" for k, _ in bodies))
    return PolicyText(manifest=m, lang="en", clauses=tuple(
        Clause(id=f"c{k}", title=f"Clause {k}", body="\n\n".join(blocks)) for k, blocks in bodies))


def _docx_body(data: bytes):
    import io

    return docx.Document(io.BytesIO(data))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.lists(BLOCKS, max_size=5)), min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 3), st.lists(BLOCKS, max_size=5)), min_size=1, max_size=3))
def test_redline_invariants_on_random_versions(old, new):
    from datetime import date

    from policygen.classify import classify
    from policygen.diff import diff_policy
    from policygen.docxout import export_docx, redline_docx

    old_text, new_text = _text(dict(old).items()), _text(dict(new).items())
    cls = classify(diff_policy(old_text, new_text, "en"), new_text.manifest)
    red = redline_docx(old_text, new_text, lang="en", old_ref="a", old_effective=None, new_ref="b",
                       new_effective=date(2024, 1, 1), cls=cls, when=date(2024, 1, 1))
    body = body_after_cover(_docx_body(red))
    for text, accept in ((new_text, True), (old_text, False)):
        clean = export_docx(text, lang="en", ref="x", effective=None, when=date(2024, 1, 1))
        doc = _docx_body(clean)
        doc.element.body.remove(doc.element.body[0])
        assert visible(resolve_revisions(body, accept=accept)) == visible(doc.element.body)


# --- the site offers the redlines ------------------------------------------------------------

def test_build_docx_puts_a_redline_next_to_each_comparison(project):
    from bs4 import BeautifulSoup

    released_history(project)
    run(["build", "--date", "2024-06-01", "--out", "site", "--docx"], cwd=project)
    site = project / "site"
    arch = BeautifulSoup((site / "en/acme/archive/index.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in arch.select("a.pg-docx-link")]
    assert set(links) == {"../compare/2023-01-01...2024-01-01/redline.docx"}  # as "changes" and "vs. in force"
    red = site / "en/acme/compare/2023-01-01...2024-01-01/redline.docx"
    page = BeautifulSoup((site / "en/acme/compare/2023-01-01...2024-01-01/index.html").read_text(encoding="utf-8"),
                         "html.parser")
    assert [a["href"] for a in page.select("a.pg-docx-link")] == ["redline.docx"]
    run(["export", "--policy", "acme", "--version", "2024-01-01", "--format", "docx", "-o", "new.docx"], cwd=project)
    body = body_after_cover(docx.Document(red))
    assert visible(resolve_revisions(body, accept=True)) == visible(clean_body(project / "new.docx"))
    # The same bytes as `policygen diff --format docx` of the two versions.
    run(["diff", "2023-01-01", "2024-01-01", "--policy", "acme", "--format", "docx", "-o", "cli.docx"], cwd=project)
    assert red.read_bytes() == (project / "cli.docx").read_bytes()
    run(["build", "--date", "2024-06-01", "--out", "plain"], cwd=project)
    assert not list((project / "plain").rglob("*.docx"))
    # The plugin's own option does the same for `mkdocs build` users.
    from policygen.buildsite import DEFAULT_CONFIG

    write(project / "mkdocs.yml", DEFAULT_CONFIG.replace("  - policygen\n", "  - policygen:\n      docx: true\n"))
    run(["build", "--date", "2024-06-01", "--out", "plugin"], cwd=project)
    assert (project / "plugin/en/acme/compare/2023-01-01...2024-01-01/redline.docx").read_bytes() == red.read_bytes()
    plain = (project / "plain/en/acme/archive/index.html").read_text(encoding="utf-8")
    assert "pg-docx-link" not in plain
    assert "pg-docx-link" not in (project / "plain/en/acme/compare/2023-01-01...2024-01-01/index.html").read_text()


def test_build_docx_only_for_the_comparisons_the_archive_links(tmp_path):
    from bs4 import BeautifulSoup

    from conftest import long_history

    project = long_history(tmp_path, releases=4)
    run(["build", "--date", "2024-06-01", "--out", "site", "--docx"], cwd=project)
    base = project / "site/en/acme"
    arch = BeautifulSoup((base / "archive/index.html").read_text(encoding="utf-8"), "html.parser")
    linked = {(base / "archive" / a["href"]).resolve() for a in arch.select("a.pg-docx-link")}
    made = {p.resolve() for p in base.rglob("*.docx")}
    # 2011...2012, 2012...2013, 2013...2014 and each older version against 2014 (in force)
    assert linked == made and len(made) == 5
    assert not (base / "compare/2011-01-01...2013-01-01/redline.docx").exists()
    assert (base / "compare/2011-01-01...2013-01-01/index.html").exists()  # a page, no redline
    assert "pg-docx-link" not in (base / "compare/2011-01-01...2013-01-01/index.html").read_text(encoding="utf-8")


def test_word_lone_heading_1_is_the_title_and_pictures_are_reported(project):
    import base64

    d = docx.Document()
    d.add_heading("Acme Privacy Notice", level=1)
    d.add_paragraph("Who we are and what this notice covers.")
    for title in ("What we collect", "Why we use it", "Contact"):
        d.add_heading(title, level=2)
        d.add_paragraph(f"Text about {title.lower()}.")
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    (project / "logo.png").write_bytes(png)
    d.add_picture(str(project / "logo.png"))
    d.save(project / "draft.docx")
    out = run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=project).stdout
    m = manifest(project)
    assert m["title"] == {"en": "Acme Privacy Notice"}
    assert len(m["clauses"]) == 4 and m["clauses"][0] == "introduction"  # the text under the title
    assert "1 picture not imported" in out


def test_word_paragraphs_typed_like_list_items_stay_paragraphs(project):
    d = docx.Document()
    d.add_heading("Contact", level=1)
    d.add_paragraph("- Recipients and categories of recipients;")
    d.add_paragraph("1. This is the first sentence, not a numbered list.")
    d.add_heading("Other", level=1)
    d.add_paragraph("Text.")
    d.save(project / "draft.docx")
    run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=project)
    body = clause_files(project)["contact"]
    assert "\\- Recipients and categories" in body and "1\\. This is the first sentence" in body
    from policygen.blocks import blocks

    assert [b[0] for b in blocks(body.split("---\n", 2)[2])] == ["p", "p"]


# --- golden: the redline's document.xml, reviewed once ---------------------------------------

GOLDEN_OLD = {"en": ("We collect your name and email address.\n\n- Account data\n- Device data\n\n"
                     "| Data | Kept for |\n|---|---|\n| Email | 2 years |\n\nRead [the notice](https://example.com/n)."),
              "zh-CN": "我们收集您的姓名和电子邮件地址。\n\n- 账户信息\n- 设备信息\n\n| 数据 | 保存期限 |\n|---|---|\n| 邮箱 | 2 年 |"}
GOLDEN_NEW = {"en": ("We collect your **name**, phone number and email address.\n\n- Account data\n\n### Retention\n\n"
                     "| Data | Kept for |\n|---|---|\n| Email | 3 years |\n| Phone | 1 year |\n\n"
                     "Read [the notice](https://example.com/n) now."),
              "zh-CN": ("我们收集您的姓名、电子邮件地址和手机号码。\n\n- 账户信息\n\n### 保存期限\n\n"
                        "| 数据 | 保存期限 |\n|---|---|\n| 邮箱 | 3 年 |\n| 手机号码 | 1 年 |")}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_redline_document_golden(lang):
    from datetime import date

    from lxml import etree
    from test_golden import check_golden

    from policygen.classify import classify
    from policygen.diff import diff_policy
    from policygen.docxout import redline_docx
    from policygen.model import Clause, Manifest, PolicyText

    m = Manifest(id="acme", titles={"en": "Privacy Policy", "zh-CN": "隐私政策"}, languages=("en", "zh-CN"),
                 clauses=("collect",), numbering="roman")
    title = {"en": "Data We Collect", "zh-CN": "我们收集的信息"}[lang]
    old, new = (PolicyText(manifest=m, lang=lang, clauses=(Clause("collect", title, body[lang]),))
                for body in (GOLDEN_OLD, GOLDEN_NEW))
    data = redline_docx(old, new, lang=lang, old_ref="2024-01-01", old_effective=date(2024, 1, 1),
                        new_ref="2025-01-01", new_effective=date(2025, 1, 1),
                        cls=classify(diff_policy(old, new, lang), m), when=date(2025, 1, 1))
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        xml = etree.tostring(etree.fromstring(z.read("word/document.xml")), pretty_print=True, encoding="unicode")
    check_golden(f"redline-{lang}.document.xml", xml)


def test_word_encrypted_or_old_doc_is_a_clear_error(project):
    (project / "draft.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    proc = run(["import", "draft.docx", "--policy", "acme", "--lang", "en"], cwd=project, check=False)
    assert proc.returncode == 2 and "password-protected" in proc.stderr and "Traceback" not in proc.stderr

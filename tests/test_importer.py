"""The importer on the two real seed policies, through the real CLI."""

import re

import pytest
import yaml

from conftest import SEEDS, commit_all, run

ASTRO = SEEDS / "astronergy-privacy-policy-2023-05-31.txt"
ST = SEEDS / "st-machinery-privacy-policy.txt"


def fragments(project, policy, lang="en"):
    folder = project / "policy_src" / policy / lang
    manifest = yaml.safe_load((project / "policy_src" / policy / "policy.yml").read_text())
    return manifest, {p.stem: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}


def words(text):
    # Heading numbers are derived from clause order, so bare numbers are not compared.
    return {w for w in re.findall(r"[A-Za-z0-9\u4e00-\u9fff]+", text.lower()) if not w.isdigit()}


def test_astronergy_sections_become_clauses(project):
    out = run(["import", str(ASTRO), "--policy", "astronergy", "--lang", "en"], cwd=project).stdout
    manifest, files = fragments(project, "astronergy")
    assert manifest["numbering"] == "roman"
    assert len(manifest["clauses"]) == 12  # introduction + I..XI
    assert manifest["clauses"][0] == "introduction"
    titles = [yaml.safe_load(files[c].split("---")[1])["title"] for c in manifest["clauses"]]
    assert titles[1] == "Personal Data We Process"  # "I.Personal ..." without a space
    assert titles[3] == "How Do We Keep Your Personal Information"  # "III. How ..." with a space
    assert titles[-1] == "How This Policy is Updated"
    # The table of contents is not a clause and is reported as not imported.
    assert "table of contents" in out
    assert "Next: review the fragments" in out and "--effective 2023-05-31 --backfill" in out


def test_astronergy_keeps_structure_and_every_word(project):
    out = run(["import", str(ASTRO), "--policy", "astronergy", "--lang", "en"], cwd=project).stdout
    manifest, files = fragments(project, "astronergy")
    body = files["personal-data-process"]
    assert "### 1. Personal data you provide when using our services" in body
    assert "\n- (1) Account data such as the nickname" in body
    rights = files["rights-personal-information"]
    assert rights.count("\n- (") == 7  # items (1)..(7) stay a list
    purposes = files["purposes-legal-basis-processing"]
    assert "\n- 1) Such collection and use are necessary" in purposes
    # No text lost: every word of the input is in the fragments or the manifest, except
    # the lines the importer reports as not imported (date line, table of contents).
    reported = " ".join(ln.split("): ", 1)[1] for ln in out.splitlines() if "not imported" in ln)
    everything = " ".join(files.values()) + str(manifest)
    romans = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi"}
    missing = words(ASTRO.read_text(encoding="utf-8")) - words(everything) - romans
    assert missing <= words(reported) and len(missing) < 5, missing


def test_st_machinery_bullets_entity_and_residue(project):
    out = run(["import", str(ST), "--policy", "st-machinery", "--lang", "en"], cwd=project).stdout
    manifest, files = fragments(project, "st-machinery")
    assert len(manifest["clauses"]) == 9
    assert manifest["numbering"] == "decimal"
    assert "艾仕缇机械科技(佛山)有限公司" in manifest["entity"]["name"]
    collect = files["collection-use-personal-information"]
    assert "\n- Fulfill a purchase order or a contract." in collect
    assert collect.count("\n- ") == 20  # 8 purposes + 6 exceptions + 6 rules
    # "Scroll" is page residue: flagged, not kept as policy text.
    assert "Scroll" in out and "page residue" in out
    assert not any("Scroll" in text for text in files.values())
    text_words = words(ST.read_text(encoding="utf-8")) - {"scroll"}
    assert not text_words - words(" ".join(files.values()) + str(manifest))


def test_reimport_keeps_ids_of_matching_clauses(project):
    run(["import", str(ST), "--policy", "st", "--lang", "en"], cwd=project)
    manifest, _ = fragments(project, "st")
    text = ST.read_text(encoding="utf-8")
    # Rename a heading, edit a clause, and swap two sections.
    text = text.replace("9. Contact Us", "9. How to Contact Us")
    text = text.replace("We will reply within 30 days.", "We will reply within 15 days.")
    a = text.index("4. Access and Management")
    b = text.index("5. Protection and Storage")
    c = text.index("6. Protection of Children")
    sec4, sec5 = text[a:b], text[b:c]
    text = text[:a] + sec5.replace("5. ", "4. ", 1) + sec4.replace("4. ", "5. ", 1) + text[c:]
    changed = project / "st-v2.txt"
    changed.write_text(text, encoding="utf-8")
    run(["import", str(changed), "--policy", "st", "--lang", "en"], cwd=project)
    manifest2, files2 = fragments(project, "st")
    assert sorted(manifest2["clauses"]) == sorted(manifest["clauses"])
    assert manifest2["clauses"].index("protection-storage-personal-information") < \
        manifest2["clauses"].index("access-management-personal-information")
    assert "How to Contact Us" in files2["contact-us"] and "15 days" in files2["contact-us"]


@pytest.mark.parametrize("name", ["notes.pdf", "policy.doc"])  # .docx: tests/test_word.py
def test_unsupported_file_type_is_a_clear_error(project, name):
    (project / name).write_bytes(b"%PDF-1.4")
    proc = run(["import", name, "--policy", "x", "--lang", "en"], cwd=project, check=False)
    assert proc.returncode == 2
    assert f"{name}: error: cannot import" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_real_world_markdown_statement(project):
    """Sections at ###, a title in front matter, a written-out date, tables, nested lists,
    attribute lists, in-document links and template placeholders, as real repositories have."""
    from conftest import ROOT

    src = ROOT / "tests" / "data" / "real-world-statement.md"
    out = run(["import", str(src), "--policy", "example", "--lang", "en"], cwd=project).stdout
    assert "--effective 2019-07-02" in out
    manifest, files = fragments(project, "example")
    assert manifest["title"]["en"] == "Example Co. Privacy Statement"
    assert manifest["clauses"] == ["introduction", "short-version", "summary", "what-information-collect-why",
                                   "share-information-collect", "use-cookies-tracking"]
    collect = files["what-information-collect-why"]
    assert "### Information from users with accounts" in collect
    assert "#### Why we collect this information" in collect
    assert "  * When you create an account" in collect
    summary = files["summary"]
    assert "| [What information we collect and why](#what-information-collect-why) |" in summary
    assert "(#share-information-collect)" in files["short-version"]
    assert "{{ site.data.variables.contact.contact_privacy }}" in files["share-information-collect"]
    run(["check"], cwd=project)
    commit_all(project, "import")
    run(["release", "--policy", "example", "--effective", "2019-07-02", "--backfill"], cwd=project)
    commit_all(project, "release")
    run(["build", "--out", "site", "--date", "2026-11-23"], cwd=project)
    page = (project / "site/en/example/index.html").read_text(encoding="utf-8")
    assert 'href="#what-information-collect-why"' in page and "<table>" in page
    assert 'target="_blank"' not in page  # attributes from content never reach the page

"""Importing policies as real sites publish them (issue 19), through the real CLI."""

import textwrap

import yaml

from conftest import run

MD = textwrap.dedent("""\
    ---
    title: Example Privacy Statement
    redirect_from: /privacy/
    layout: legal
    ---

    ## <span class="privacy-header-firefox">Example</span> <span class="privacy-header-policy">Privacy Notice</span>

    Effective date: February 1, 2024

    <!-- generated from the legal repository -->

    1\\. Overview
    ------------

    We respect your privacy. See [what we collect](#2-what-we-collect), [our terms](/legal/terms)
    and [a missing part](#nowhere).

    ###

    2\\. What *we* [collect](https://example.com/collect)
    -----------------------------------------------

    Your name and email address.

    ###

    3\\. Contact
    ----------

    Write to privacy@example.com.
    """)


def manifest_and_files(project, policy):
    base = project / "policy_src" / policy
    manifest = yaml.safe_load((base / "policy.yml").read_text(encoding="utf-8"))
    return manifest, {p.stem: p.read_text(encoding="utf-8") for p in (base / "en").glob("*.md")}


def test_real_markdown_headings_title_dates_links(project):
    (project / "notice.md").write_text(MD, encoding="utf-8")
    out = run(["import", "notice.md", "--policy", "ex", "--lang", "en"], cwd=project).stdout
    manifest, files = manifest_and_files(project, "ex")
    # setext and ATX headings, escaped numbers, emphasis and links in headings; empty
    # headings and the comment-only preamble make no clause; the title is the policy's.
    assert manifest["clauses"] == ["overview", "what-collect", "contact"]
    assert manifest["numbering"] == "decimal"
    assert manifest["title"]["en"] == "Example Privacy Statement"
    titles = [yaml.safe_load(files[c].split("---")[1])["title"] for c in manifest["clauses"]]
    assert titles == ["Overview", "What we collect", "Contact"]
    assert "Effective date" not in " ".join(files.values())
    assert "--effective 2024-02-01" in out
    assert "front matter keys not used: redirect_from, layout" in out
    assert "(#what-collect)" in files["overview"]  # the anchor now names the clause
    # The same text with ATX headings (as a later version of the page was converted) keeps the ids.
    atx = MD.replace("1\\. Overview\n------------", "### 1\\. Overview").replace(
        "3\\. Contact\n----------", "### 3\\. Contact")
    (project / "notice2.md").write_text(atx, encoding="utf-8")
    run(["import", "notice2.md", "--policy", "ex", "--lang", "en"], cwd=project)
    assert manifest_and_files(project, "ex")[0]["clauses"] == ["overview", "what-collect", "contact"]
    assert "1 root-relative link(s) such as /legal/terms" in out and "--base-url" in out
    assert "#nowhere" in out
    check = run(["check"], cwd=project, check=False).stdout
    assert "in-page link to '#nowhere' leads nowhere" in check


def test_base_url_makes_root_relative_links_absolute(project):
    (project / "notice.md").write_text(MD, encoding="utf-8")
    run(["import", "notice.md", "--policy", "ex", "--lang", "en", "--base-url", "https://example.com"], cwd=project)
    _, files = manifest_and_files(project, "ex")
    assert "(https://example.com/legal/terms)" in files["overview"]
    bad = run(["import", "notice.md", "--policy", "ex", "--lang", "en", "--base-url", "example.com"], cwd=project,
              check=False)
    assert bad.returncode == 2 and "is not a web address" in bad.stderr


HTML = """<!doctype html><html><head><title>Privacy</title></head><body>
<a class="skip-link" href="#main">Skip to content</a>
<header><nav><a href="/">Home</a> <a href="/pricing">Pricing</a></nav></header>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies. <button>Accept all</button></p></div>
<main id="main"><h1>Acme Privacy Statement</h1>
<p>Last updated: 9 May 2025</p>
<h2>1. Data we collect</h2><p>Your <b>name</b>, see <a href="/terms">terms</a>.</p>
<h2>2. Your rights</h2><p>Ask us. <a href="#top">Back to top</a></p>
</main>
<footer><p>© 2022 Acme, Inc. Terms Privacy Status</p></footer>
</body></html>"""


def test_html_page_residue_is_reported_and_left_out(project):
    (project / "page.html").write_text(HTML, encoding="utf-8")
    out = run(["import", "page.html", "--policy", "acme", "--lang", "en", "--base-url", "https://acme.example"],
              cwd=project).stdout
    manifest, files = manifest_and_files(project, "acme")
    assert manifest["clauses"] == ["data-collect", "rights"]
    assert manifest["title"]["en"] == "Acme Privacy Statement"
    text = " ".join(files.values())
    for residue in ("Skip to content", "Pricing", "cookies", "© 2022", "Back to top"):
        assert residue not in text
        assert residue in out  # reported, not silently lost
    assert "(https://acme.example/terms)" in files["data-collect"]
    assert "--effective 2025-05-09" in out


def test_reimport_keeps_ids_by_text_and_heading_and_map(project):
    base = textwrap.dedent("""\
        # Privacy Policy

        ## Information we collect

        We collect your name, your email address and the pages you visit on our site every day.

        ## Notice to California residents

        California residents have the right to know, delete and correct the personal information we hold.

        ## Contact

        Write to privacy@example.com or to our office in Berlin, Germany.
        """)
    (project / "v1.md").write_text(base, encoding="utf-8")
    run(["import", "v1.md", "--policy", "p", "--lang", "en"], cwd=project)
    v2 = base.replace("Notice to California residents", "U.S. State Data Privacy") \
             .replace("Write to privacy@example.com or to our office in Berlin, Germany.", "Use the form.")
    (project / "v2.md").write_text(v2, encoding="utf-8")
    out = run(["import", "v2.md", "--policy", "p", "--lang", "en"], cwd=project).stdout
    manifest, _ = manifest_and_files(project, "p")
    # renamed heading, same text: kept; same heading, new text: kept; no "-2" ids
    assert manifest["clauses"] == ["information-collect", "notice-california-residents", "contact"]
    assert "notice-california-residents" in out and "100% same text, by text" in out
    # An editor overrules the matching: heading and text changed, yet it is the same clause.
    v3 = v2.replace("## Contact\n", "## Support\n").replace("Use the form.", "Call us on weekdays.")
    (project / "v3.md").write_text(v3, encoding="utf-8")
    for name in ("v1.md", "v2.md", "v3.md"):
        run(["import", name, "--policy", "q", "--lang", "en"], cwd=project)
    assert manifest_and_files(project, "q")[0]["clauses"][-1] == "support"
    out = run(["import", "v3.md", "--policy", "p", "--lang", "en", "--map", "contact=support"], cwd=project).stdout
    assert manifest_and_files(project, "p")[0]["clauses"][-1] == "contact" and "by --map" in out
    bad = run(["import", "v3.md", "--policy", "p", "--lang", "en", "--map", "nope=support"], cwd=project, check=False)
    assert bad.returncode == 2 and "has no clause 'nope'" in bad.stderr


ZH = """# 示例公司隐私政策

更新日期：2025年1月15日

生效日期：2025年2月1日

## 第一条 我们收集的信息

我们收集您的姓名和手机号码。

## 第二条 我们如何使用信息

用于提供服务。

## 第三条 联系我们

请发送邮件至 privacy@example.cn。
"""


def test_chinese_policy_numbers_title_and_dates(project):
    (project / "zh.md").write_text(ZH, encoding="utf-8")
    out = run(["import", "zh.md", "--policy", "zh", "--lang", "zh-CN"], cwd=project).stdout
    base = project / "policy_src" / "zh"
    manifest = yaml.safe_load((base / "policy.yml").read_text(encoding="utf-8"))
    assert manifest["title"]["zh-CN"] == "示例公司隐私政策"
    assert manifest["numbering"] == "decimal" and manifest["clauses"] == ["clause-1", "clause-2", "clause-3"]
    titles = [yaml.safe_load((base / "zh-CN" / f"{c}.md").read_text(encoding="utf-8").split("---")[1])["title"]
              for c in manifest["clauses"]]
    assert titles == ["我们收集的信息", "我们如何使用信息", "联系我们"]
    assert "--effective 2025-02-01" in out  # the effective date wins over the update date

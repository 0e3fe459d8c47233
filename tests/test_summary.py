"""The data-practices summary: built from clause facts in each language, diffed between
versions, shown on version and compare pages, printed by `policygen summary` and
`policygen diff`, and checked against the text by `policygen check`.

A small policy in two languages is imported, annotated and released through the real CLI
in a real git repository; the bundled policies are summarised from their own facts.
"""

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, clause_path, commit_all, edit, import_texts, new_repo, retranslate, run, soup, write

TODAY = "2026-11-23"

EN = """# Privacy Policy

## 1. Data We Collect

We collect your name, email address and mobile phone number when you register.

## 2. Sharing and Transfers

Our hosting provider processes your data on our behalf. Your data is stored in Germany.

## 3. How Long We Keep Data

We keep account data for 1 year after you close your account.

## 4. Your Rights

You may access or delete your data by writing to privacy@example.com.

## 5. Contact Us

Write to privacy@example.com with any question.
"""

ZH = """# 隐私政策

## 1. 我们收集的数据

您注册时，我们收集您的姓名、电子邮件地址和手机号码。

## 2. 共享与跨境传输

我们的托管服务商代表我们处理您的数据。您的数据存储在德国。

## 3. 保存期限

您注销账户后，我们将账户数据保存1年。

## 4. 您的权利

您可以发送邮件至 privacy@example.com 查阅或删除您的数据。

## 5. 联系我们

如有任何问题，请发送邮件至 privacy@example.com。
"""

FACTS_V1 = {
    "en": {
        "data-collect": """data_categories:
- name
- email address
- mobile phone number
purposes:
- provide the service
legal_bases:
- basis: contract
  purpose: provide the service
""",
        "sharing-transfers": """recipients:
- name: hosting provider
  role: processor
transfers:
- country: Germany
""",
        "long-keep-data": """retention:
- period: 1 year
  data: account data
""",
        "rights": """rights:
- right: access
  how: email privacy@example.com
- right: deletion
  how: email privacy@example.com
""",
        "contact-us": """contacts:
- email: privacy@example.com
""",
    },
    "zh-CN": {
        "data-collect": """data_categories:
- 姓名
- 电子邮件地址
- 手机号码
purposes:
- 提供服务
legal_bases:
- basis: 合同
  purpose: 提供服务
""",
        "sharing-transfers": """recipients:
- name: 托管服务商
  role: processor
transfers:
- country: 德国
""",
        "long-keep-data": """retention:
- period: 1年
  data: 账户数据
""",
        "rights": """rights:
- right: 查阅
  how: 发送邮件至 privacy@example.com
- right: 删除
  how: 发送邮件至 privacy@example.com
""",
        "contact-us": """contacts:
- email: privacy@example.com
""",
    },
}



def add_facts(project, lang, cid, facts_yaml, policy="acme"):
    """Append YAML facts to a clause's front matter (just before its closing '---')."""
    p = clause_path(project, lang, cid, policy)
    text = p.read_text(encoding="utf-8")
    end = text.index("\n---\n", 4)
    p.write_text(text[:end + 1] + facts_yaml + text[end + 1:], encoding="utf-8")



@pytest.fixture(scope="module")
def acme(tmp_path_factory):
    """Two released versions: the second adds precise location (sensitive), a transfer to
    Singapore, a third-party controller, and keeps account data 3 years instead of 1."""
    project = new_repo(tmp_path_factory.mktemp("summary"))
    import_texts(project, {"en": EN, "zh-CN": ZH})
    for lang, clauses in FACTS_V1.items():
        for cid, facts in clauses.items():
            add_facts(project, lang, cid, facts)
    retranslate(project)
    commit_all(project, "Import and annotate", date="2023-12-01")
    run(["release", "--policy", "acme", "--effective", "2024-01-01", "--backfill", "--today", "2024-01-01"],
        cwd=project)
    commit_all(project, "Release 2024-01-01", date="2023-12-02")

    edit(project, "en", "data-collect", "- mobile phone number\n",
         "- mobile phone number\n- name: precise location\n  sensitive: true\n")
    edit(project, "en", "data-collect", "when you register.",
         "when you register. With your permission we also collect your precise location to show nearby "
         "service centres.")
    edit(project, "zh-CN", "data-collect", "- 手机号码\n", "- 手机号码\n- name: 精确位置\n  sensitive: true\n")
    edit(project, "zh-CN", "data-collect", "手机号码。", "手机号码。经您同意，我们还会收集您的精确位置，以便显示附近的服务网点。")
    edit(project, "en", "sharing-transfers", "- country: Germany\n", "- country: Germany\n- country: Singapore\n")
    edit(project, "en", "sharing-transfers", "  role: processor\n",
         "  role: processor\n- name: insurance partner\n  role: controller\n")
    edit(project, "en", "sharing-transfers", "stored in Germany.",
         "stored in Germany and in Singapore. We share your name with our insurance partner, a separate controller.")
    edit(project, "zh-CN", "sharing-transfers", "- country: 德国\n", "- country: 德国\n- country: 新加坡\n")
    edit(project, "zh-CN", "sharing-transfers", "  role: processor\n",
         "  role: processor\n- name: 保险合作伙伴\n  role: controller\n")
    edit(project, "zh-CN", "sharing-transfers", "存储在德国。", "存储在德国和新加坡。我们向保险合作伙伴（独立的个人信息处理者）提供您的姓名。")
    edit(project, "en", "long-keep-data", "period: 1 year", "period: 3 years")
    edit(project, "en", "long-keep-data", "for 1 year", "for 3 years")
    edit(project, "zh-CN", "long-keep-data", "period: 1年", "period: 3年")
    edit(project, "zh-CN", "long-keep-data", "保存1年", "保存3年")
    retranslate(project)
    commit_all(project, "Location, Singapore, insurance partner, 3 years", date="2024-11-01")
    run(["release", "--policy", "acme", "--effective", "2025-01-01", "--backfill", "--today", "2025-01-01"],
        cwd=project)
    commit_all(project, "Release 2025-01-01", date="2024-11-02")
    run(["build", "--date", TODAY, "--out", "site", "--draft"], cwd=project)
    return project


def summary_json(project, *args):
    return json.loads(run(["summary", "--policy", "acme", "--format", "json", *args], cwd=project).stdout)


def values(doc, key):
    row = next(r for r in doc["rows"] if r["key"] == key)
    return [i["text"] for i in row["items"]]


def item(doc, key, text):
    row = next(r for r in doc["rows"] if r["key"] == key)
    return next(i for i in row["items"] if i["text"] == text)


# --- summaries in both languages -----------------------------------------------------------

def test_summary_json_en_first_version(acme):
    doc = summary_json(acme, "--version", "2024-01-01")
    assert doc["policy"] == "acme" and doc["lang"] == "en" and doc["effective"] == "2024-01-01"
    assert [r["key"] for r in doc["rows"]] == ["data_categories", "purposes", "legal_bases", "controllers",
                                               "processors", "recipients", "transfers", "retention", "rights",
                                               "contacts"]
    assert values(doc, "data_categories") == ["name", "email address", "mobile phone number"]
    assert doc["sensitive_data"] is False
    assert item(doc, "data_categories", "name") == {"value": "name", "text": "name", "clause": "data-collect",
                                                     "clauses": ["data-collect"], "sensitive": False}
    assert values(doc, "purposes") == ["provide the service"]
    assert item(doc, "legal_bases", "contract")["detail"] == "provide the service"
    assert values(doc, "controllers") == []
    assert item(doc, "processors", "hosting provider")["role"] == "processor"
    assert item(doc, "transfers", "Germany")["clause"] == "sharing-transfers"
    ret = item(doc, "retention", "account data: 1 year")
    assert ret["value"] == "1 year" and ret["applies_to"] == "account data" and ret["clause"] == "long-keep-data"
    assert item(doc, "rights", "access")["how"] == "email privacy@example.com"
    assert values(doc, "rights") == ["access", "deletion"]
    assert item(doc, "contacts", "privacy@example.com")["clause"] == "contact-us"
    labels = {r["key"]: r["label"] for r in doc["rows"]}
    assert labels["transfers"] == "Transfers abroad" and labels["rights"] == "Your rights and how to exercise them"


def test_summary_json_en_current_version(acme):
    doc = summary_json(acme)  # default: the version in force
    assert doc["ref"] == "2025-01-01"
    loc = item(doc, "data_categories", "precise location")
    assert loc["sensitive"] is True and loc["clause"] == "data-collect"
    assert doc["sensitive_data"] is True
    assert values(doc, "transfers") == ["Germany", "Singapore"]
    assert item(doc, "controllers", "insurance partner")["role"] == "controller"
    assert values(doc, "processors") == ["hosting provider"]
    assert values(doc, "retention") == ["account data: 3 years"]
    for ref in ("latest", "draft", "2025-01-01"):
        assert summary_json(acme, "--version", ref)["rows"] == doc["rows"], ref


def test_summary_json_zh_uses_the_translations_own_facts(acme):
    doc = summary_json(acme, "--lang", "zh-CN")
    assert doc["lang"] == "zh-CN" and doc["title"] == "隐私政策"
    labels = {r["key"]: r["label"] for r in doc["rows"]}
    assert labels["data_categories"] == "个人信息类别" and labels["retention"] == "保存期限"
    assert values(doc, "data_categories") == ["姓名", "电子邮件地址", "手机号码", "精确位置"]
    assert item(doc, "data_categories", "精确位置")["sensitive"] is True
    assert values(doc, "transfers") == ["德国", "新加坡"]
    assert values(doc, "controllers") == ["保险合作伙伴"]
    assert values(doc, "retention") == ["账户数据：3年"]
    assert item(doc, "rights", "查阅")["how"] == "发送邮件至 privacy@example.com"
    old = summary_json(acme, "--lang", "zh-CN", "--version", "2024-01-01")
    assert values(old, "transfers") == ["德国"] and old["sensitive_data"] is False


def test_summary_text_and_markdown(acme):
    text = run(["summary", "--policy", "acme"], cwd=acme).stdout
    assert text.splitlines()[0] == "Privacy Policy (acme, en) 2025-01-01"
    assert re.search(r"^Personal data +name  \[data-collect\]$", text, re.M)
    assert re.search(r"^ +precise location \(sensitive\)  \[data-collect\]$", text, re.M)
    assert re.search(r"^Transfers abroad +Germany  \[sharing-transfers\]$", text, re.M)
    assert re.search(r"^Your rights and how to exercise them +access \(email privacy@example.com\)  \[rights\]$",
                     text, re.M)
    zh = run(["summary", "--policy", "acme", "--lang", "zh-CN", "--format", "text"], cwd=acme).stdout
    assert re.search(r"^ +精确位置（敏感）  \[data-collect\]$", zh, re.M)
    assert re.search(r"^保存期限 +账户数据：3年  \[long-keep-data\]$", zh, re.M)
    md = run(["summary", "--policy", "acme", "--format", "md", "--version", "2024-01-01"], cwd=acme).stdout
    assert md.startswith("## Data practices at a glance: Privacy Policy (en)\n")
    assert "| Transfers abroad | Germany [`sharing-transfers`] |" in md
    assert "| Personal data | name [`data-collect`]<br>email address [`data-collect`]<br>" in md
    zh_md = run(["summary", "--policy", "acme", "--format", "md", "--lang", "zh-CN"], cwd=acme).stdout
    assert "| 个人信息类别 | " in zh_md and "精确位置（**敏感**） [`data-collect`]" in zh_md


def test_summary_cli_errors(acme):
    proc = run(["summary", "--policy", "acme", "--lang", "fr"], cwd=acme, check=False)
    assert proc.returncode == 2 and "has no 'fr' text" in proc.stderr and "Traceback" not in proc.stderr
    proc = run(["summary", "--policy", "acme", "--version", "2020-01-01"], cwd=acme, check=False)
    assert proc.returncode == 2 and "no version takes effect on 2020-01-01" in proc.stderr
    proc = run(["summary", "--policy", "acme", "--format", "html"], cwd=acme, check=False)
    assert proc.returncode == 2


# --- the summary diff ------------------------------------------------------------------------

def test_diff_json_lists_summary_changes(acme):
    doc = json.loads(run(["diff", "2024-01-01", "2025-01-01", "--policy", "acme", "--format", "json"],
                         cwd=acme).stdout)
    texts = [c["text"] for c in doc["summary_changes"]]
    assert texts == ["+ precise location (sensitive)", "+ shared with insurance partner (controller)",
                     "+ transfer to Singapore", "retention of account data 1 year -> 3 years"]
    loc = doc["summary_changes"][0]
    assert loc == {"change": "added", "row": "data_categories", "value": "precise location",
                   "clause": "data-collect", "sensitive": True, "old": None, "new": None,
                   "text": "+ precise location (sensitive)"}
    ret = doc["summary_changes"][-1]
    assert (ret["change"], ret["old"], ret["new"], ret["clause"]) == ("changed", "1 year", "3 years", "long-keep-data")
    zh = json.loads(run(["diff", "2024-01-01", "2025-01-01", "--policy", "acme", "--lang", "zh-CN", "--format",
                         "json"], cwd=acme).stdout)
    assert [c["text"] for c in zh["summary_changes"]] == [
        "+ 精确位置（敏感）", "+ 提供给保险合作伙伴（个人信息处理者）", "+ 向新加坡传输", "账户数据保存期限 1年 -> 3年"]


def test_diff_text_and_md_have_a_summary_changes_section(acme):
    text = run(["diff", "2024-01-01", "2025-01-01", "--policy", "acme"], cwd=acme).stdout
    section = text[text.index("\nSummary changes:\n"):]
    assert "  + precise location (sensitive)  [data-collect]\n" in section
    assert "  + transfer to Singapore  [sharing-transfers]\n" in section
    assert "  retention of account data 1 year -> 3 years  [long-keep-data]\n" in section
    md = run(["diff", "2024-01-01", "2025-01-01", "--policy", "acme", "--format", "md"], cwd=acme).stdout
    assert "\n### Summary changes\n\n- + precise location \\(sensitive\\) (`data-collect`)\n" in md
    page = BeautifulSoup(run(["diff", "2024-01-01", "2025-01-01", "--policy", "acme", "--format", "html"],
                             cwd=acme).stdout, "html.parser")
    assert [li.get_text() for li in page.select(".pg-ds-changes li")][:2] == [
        "+ precise location (sensitive)", "+ shared with insurance partner (controller)"]
    same = run(["diff", "2025-01-01", "draft", "--policy", "acme"], cwd=acme).stdout
    assert "Summary changes:\n  No change to the data-practices summary.\n" in same


def test_summary_diff_rules():
    from policygen.model import Clause, Manifest, PolicyText
    from policygen.summary import build_summary, summary_diff

    m = Manifest(id="p", titles={"en": "P"}, languages=("en",), clauses=("a", "b"))

    def summ(a_facts, b_facts):
        return build_summary(PolicyText(m, "en", (Clause("a", "A", "x\n", facts=a_facts),
                                                  Clause("b", "B", "y\n", facts=b_facts))))

    old = summ({"data_categories": ["email", "health data"], "retention": "1 year",
                "recipients": [{"name": "Acme Cloud", "role": "processor"}],
                "rights": [{"right": "access", "how": "email"}], "contacts": ["a@example.com"]},
               {"transfers": ["Singapore", "Japan"]})
    new = summ({"rights": [{"right": "access", "how": "web form"}], "contacts": ["a@example.com"],
                "recipients": [{"name": "Acme Cloud", "role": "controller"}], "retention": "6 months"},
               {"data_categories": ["email", {"name": "health data", "sensitive": False}], "transfers": ["Singapore"]})
    texts = [c["text"] for c in summary_diff(old, new)]
    # "email" moved from clause a to clause b: no change in the summary.
    assert texts == ["health data: no longer marked sensitive", "recipient Acme Cloud: processor -> controller",
                     "- transfer to Japan", "retention 1 year -> 6 months",
                     "how to exercise access: email -> web form"]
    assert summary_diff(old, old) == []
    added = summary_diff(None, old)
    assert {c["change"] for c in added} == {"added"} and "+ health data (sensitive)" in [c["text"] for c in added]


# --- pages -------------------------------------------------------------------------------------

def test_version_pages_start_with_the_summary_table(acme):
    site = acme / "site"
    for path in ("en/acme", "en/acme/2024-01-01", "en/acme/draft", "zh-CN/acme", "zh-CN/acme/2025-01-01"):
        page = soup(site, path)
        table = page.select_one("article .pg-ds table.pg-ds__table")
        assert table is not None, path
        # the summary comes right after the header, before the first clause
        first = page.select_one("article.pg-policy").find(["section", "header"], recursive=False)
        assert first.name == "header" and first.find_next_sibling("details")["class"] == ["pg-ds"], path
        for a in table.select("a"):
            assert a["href"].startswith("#") and page.find(id=a["href"][1:]) is not None, (path, a)
        assert len(page.find_all("h1")) == 1
    cur = soup(site, "en/acme")
    rows = {tr.th.get_text(): tr.td for tr in cur.select(".pg-ds tr")}
    assert rows["Transfers abroad"].get_text(" ", strip=True) == "Germany Singapore"
    loc = rows["Personal data"].find("a", string="precise location")
    assert loc["href"] == "#data-collect" and loc.find_next_sibling("strong").get_text() == "sensitive"
    # rights exercised the same way share one entry: the detail is said once
    assert rows["Your rights and how to exercise them"].get_text(" ", strip=True) == \
        "access , deletion (email privacy@example.com)"
    assert cur.select_one(".pg-ds caption").get_text() == "Data practices at a glance"
    old = soup(site, "en/acme/2024-01-01")
    assert "Singapore" not in old.select_one(".pg-ds").get_text()
    zh = soup(site, "zh-CN/acme")
    assert zh.select_one(".pg-ds caption").get_text() == "数据处理概览"
    zrows = {tr.th.get_text(): tr.td for tr in zh.select(".pg-ds tr")}
    assert zrows["向境外提供（国家/地区）"].get_text(" ", strip=True) == "德国 新加坡"
    assert zrows["个人信息类别"].find("a", string="精确位置").find_next_sibling("strong").get_text() == "敏感"


def test_compare_page_shows_the_summary_diff(acme):
    page = soup(acme / "site", "en/acme/compare/2024-01-01...2025-01-01")
    box = page.select_one(".pg-ds-changes")
    assert box.h2.get_text() == "Summary changes"
    items = [(li.get_text(), li.a["href"]) for li in box.select("li")]
    assert items == [("+ precise location (sensitive)", "#data-collect"),
                     ("+ shared with insurance partner (controller)", "#sharing-transfers"),
                     ("+ transfer to Singapore", "#sharing-transfers"),
                     ("retention of account data 1 year -> 3 years", "#long-keep-data")]
    for _text, href in items:
        assert page.find(id=href[1:]) is not None
    # the summary diff comes before the redline
    assert box.find_next("section", class_="pg-change") is not None
    zh = soup(acme / "site", "zh-CN/acme/compare/2024-01-01...2025-01-01").select_one(".pg-ds-changes")
    assert zh.h2.get_text() == "概览变更" and "+ 向新加坡传输" in zh.get_text()


def test_pages_of_a_policy_without_facts_have_no_summary(project):
    write(project / "p.md", "# Policy\n\n## 1. Data\n\nWe collect your name.\n")
    run(["import", "p.md", "--policy", "plain", "--lang", "en"], cwd=project)
    (project / "p.md").unlink()
    commit_all(project, "Import", date="2024-01-01")
    run(["release", "--policy", "plain", "--effective", "2024-02-01", "--backfill", "--today", "2024-02-01"],
        cwd=project)
    commit_all(project, "Release", date="2024-01-02")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    page = soup(project / "site", "en/plain")
    assert page.select_one(".pg-ds") is None
    out = run(["summary", "--policy", "plain"], cwd=project).stdout
    assert "no structured facts" in out


# --- check warnings ----------------------------------------------------------------------------

CHECK_EN = """# Policy

## 1. Data

We collect your name and your health data to tailor exercise plans.

## 2. Transfers

We store data in the United States.

## 3. Contact

Write to privacy@example.com.
"""

CHECK_ZH = """# 政策

## 1. 数据

我们收集您的姓名和身份证号码，用于实名认证。

## 2. 跨境传输

我们将数据存储在美国。

## 3. 联系

请写信至 privacy@example.com。
"""


def line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in text)


def test_check_warns_about_facts_the_text_does_not_back(project):
    write(project / "en.md", CHECK_EN)
    write(project / "zh.md", CHECK_ZH)
    run(["import", "en.md", "--policy", "p", "--lang", "en"], cwd=project)
    run(["import", "zh.md", "--policy", "p", "--lang", "zh-CN"], cwd=project)
    base = project / "policy_src/p"
    ids = sorted(f.stem for f in (base / "en").glob("*.md"))
    assert ids == ["contact", "data", "transfers"]
    for lang, cats in (("en", "- name\n"), ("zh-CN", "- 姓名\n")):
        add_facts(project, lang, "data", "data_categories:\n" + cats, policy="p")
        # the United States is named in the text (as 美国 in Chinese); Japan is not
        add_facts(project, lang, "transfers", "transfers:\n- country: USA\n- country: Japan\n", policy="p")
        add_facts(project, lang, "contact", "contacts:\n- name: DPO\n  email: dpo@example.com\n"
                                            "- email: privacy@example.com\n", policy="p")
    retranslate(project, policy="p")
    proc = run(["check"], cwd=project)
    out = proc.stdout
    rel = "policy_src/p"
    en, zh = base / "en", base / "zh-CN"
    expected = [
        f"{rel}/en/data.md:{line_of(en / 'data.md', 'health data')}: warning: the text mentions 'health data' "
        "(health data) but 'data_categories' of clause 'data' does not list it",
        f"{rel}/en/transfers.md:{line_of(en / 'transfers.md', 'transfers:')}: warning: transfer destination "
        "'Japan' is not mentioned anywhere in the en text of the policy",
        f"{rel}/en/contact.md:{line_of(en / 'contact.md', 'contacts:')}: warning: contact email "
        "'dpo@example.com' does not appear in the text of clause 'contact'",
        f"{rel}/zh-CN/data.md:{line_of(zh / 'data.md', '身份证')}: warning: the text mentions '身份证' "
        "(ID card number) but 'data_categories' of clause 'data' does not list it",
        f"{rel}/zh-CN/transfers.md:{line_of(zh / 'transfers.md', 'transfers:')}: warning: transfer destination "
        "'Japan' is not mentioned anywhere in the zh-CN text of the policy",
        f"{rel}/zh-CN/contact.md:{line_of(zh / 'contact.md', 'contacts:')}: warning: contact email "
        "'dpo@example.com' does not appear in the text of clause 'contact'",
    ]
    for line in expected:
        assert line in out, (line, out)
    # the line numbers are those of the file: front matter key, or the text line
    assert f"{rel}/en/data.md:8: warning: the text mentions 'health data'" in out
    assert f"{rel}/en/contact.md:4: warning: contact email" in out
    assert "'USA'" not in out and "privacy@example.com' does not appear" not in out
    assert proc.stderr.strip().endswith("0 error(s), 6 warning(s)")

    # Declaring the data, naming the country and writing the address silences each warning.
    edit(project, "en", "data", "- name\n", "- name\n- name: health data\n  sensitive: true\n", policy="p")
    edit(project, "en", "transfers", "the United States.", "the United States and Japan.", policy="p")
    edit(project, "en", "contact", "Write to privacy@example.com.", "Write to privacy@example.com or dpo@example.com.",
         policy="p")
    out = run(["check"], cwd=project).stdout
    assert not [ln for ln in out.splitlines() if ln.startswith(f"{rel}/en/") and "warning" in ln
                and "stale" not in ln], out


def test_check_ignores_negations_definitions_and_policies_without_facts(project):
    text = """# Policy

## 1. Data

"Sensitive personal information" refers to biometric data, medical records and ID card numbers. We do not
collect health data. We collect your name.
"""
    write(project / "en.md", text)
    run(["import", "en.md", "--policy", "p", "--lang", "en"], cwd=project)
    out = run(["check"], cwd=project).stdout
    assert "the text mentions" not in out  # no facts yet: nothing to check against
    add_facts(project, "en", "data", "data_categories:\n- name\n", policy="p")
    out = run(["check"], cwd=project).stdout
    assert "the text mentions" not in out, out
    edit(project, "en", "data", "We collect your name.", "We collect your name and fingerprints.", policy="p")
    out = run(["check"], cwd=project).stdout
    assert "the text mentions 'fingerprints' (biometric data)" in out


# --- golden: the rendered table ------------------------------------------------------------------

def _golden_text(lang):
    from policygen.model import Clause, Manifest, PolicyText

    m = Manifest(id="acme", titles={"en": "Privacy Policy", "zh-CN": "隐私政策"}, languages=("en", "zh-CN"),
                 clauses=("collect", "share", "keep", "rights", "contact"))
    if lang == "en":
        facts = {
            "collect": {"data_categories": ["name", {"name": "precise location", "sensitive": True},
                                            "<script>alert(1)</script>"],
                        "purposes": ["provide the service"], "legal_bases": [{"basis": "consent"}]},
            "share": {"recipients": [{"name": "Acme Cloud", "role": "processor", "purpose": "hosting"},
                                     {"name": "Insurer & Co", "role": "controller"}],
                      "transfers": [{"country": "Singapore", "mechanism": "standard contractual clauses"}]},
            "keep": {"retention": [{"period": "3 years", "data": "account data"}]},
            "rights": {"rights": [{"right": "access", "how": "email us"}, {"right": "erasure", "how": "email us"},
                                  {"right": "complain", "how": "to your data protection authority"}]},
            "contact": {"contacts": [{"name": "DPO", "email": "dpo@example.com"}]},
        }
        titles = ("Data", "Sharing", "Retention", "Rights", "Contact")
    else:
        facts = {
            "collect": {"data_categories": ["姓名", {"name": "精确位置", "sensitive": True}],
                        "purposes": ["提供服务"], "legal_bases": [{"basis": "同意"}]},
            "share": {"recipients": [{"name": "云服务商", "role": "processor", "purpose": "托管"},
                                     {"name": "保险公司", "role": "controller"}],
                      "transfers": [{"country": "新加坡", "mechanism": "标准合同"}]},
            "keep": {"retention": [{"period": "3年", "data": "账户数据"}]},
            "rights": {"rights": [{"right": "查阅", "how": "发送邮件"}, {"right": "删除", "how": "发送邮件"}]},
            "contact": {"contacts": [{"name": "个人信息保护负责人", "email": "dpo@example.com"}]},
        }
        titles = ("数据", "共享", "保存", "权利", "联系")
    clauses = tuple(Clause(cid, title, "text\n", facts=facts[cid]) for cid, title in zip(m.clauses, titles))
    return PolicyText(m, lang, clauses)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_summary_table_golden(lang):
    from policygen.site import ENV
    from policygen.summary import summary_view
    from test_golden import check_golden

    html = ENV.get_template("_summary.html").render(summary=summary_view(_golden_text(lang)))
    if lang == "en":
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    check_golden(f"summary-{lang}.html", html)


# --- the bundled policies ------------------------------------------------------------------------

def bundled():
    from policygen.fragments import list_policies, load_policy
    from policygen.worktree import DirSource

    src = DirSource(str(ROOT / "policy_src"))
    out = []
    for pid in list_policies(src, ""):
        manifest, texts = load_policy(src, "", pid, [])
        for lang, text in texts.items():
            out.append(pytest.param(text, id=f"{pid}-{lang}"))
    return out


@pytest.mark.parametrize("text", bundled())
def test_bundled_policy_summaries_are_true_to_their_text(text):
    from policygen.summary import build_summary

    if not any(c.facts for c in text.clauses):
        pytest.skip(f"{text.manifest.id} ({text.lang}) has no structured facts yet")
    summary = build_summary(text)
    assert not summary.empty
    ids = {c.id for c in text.clauses}
    for row in summary.rows:
        for i in row.items:
            assert set(i.clauses) <= ids, (row.key, i)
    for i in summary.row("contacts").items:
        for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", i.value):
            assert email in text.clause(i.clause).body, (email, i.clause)
    # every clause that names a data category, a transfer or a retention period is a clause of the text
    # whose title or body is about it; the values are in the clause's own language
    if text.lang.startswith("zh"):
        for row in summary.filled:
            for i in row.items:
                if row.key in ("data_categories", "purposes", "transfers", "retention"):
                    assert re.search(r"[\u4e00-\u9fff]", i.value), (row.key, i.value)

"""Golden tests: whole rendered pieces compared with reviewed files in tests/golden/.

Set POLICYGEN_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review the diff.
"""

import os
from pathlib import Path

import pytest

from policygen.changes import Resolved
from policygen.classify import classify
from policygen.comparepage import standalone_html
from policygen.diff import diff_policy
from policygen.model import Clause, Manifest, PolicyText

GOLDEN = Path(__file__).parent / "golden"

MANIFEST = Manifest(id="acme", titles={"en": "Privacy Policy", "zh-CN": "隐私政策"}, languages=("en", "zh-CN"),
                    clauses=("collect", "share", "contact"), regimes=("gdpr", "pipl"), numbering="roman")


def policy(lang, clauses):
    return PolicyText(manifest=MANIFEST, lang=lang, clauses=tuple(clauses))


def check_golden(name: str, actual: str):
    path = GOLDEN / name
    if os.environ.get("POLICYGEN_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: write it with POLICYGEN_UPDATE_GOLDEN=1, then review it"
    assert actual == path.read_text(encoding="utf-8")


def compare_html(lang, old_clauses, new_clauses):
    old, new = policy(lang, old_clauses), policy(lang, new_clauses)
    d = diff_policy(old, new, lang)
    cls = classify(d, MANIFEST)
    return standalone_html("acme", lang, Resolved("2024-01-01", {lang: old}, None, MANIFEST),
                           Resolved("2025-01-01", {lang: new}, None, MANIFEST), d, cls)


def test_compare_page_en():
    old = [Clause("collect", "Data We Collect", "We collect your **name** and email address.\n",
                  facts={"data_categories": [{"name": "name"}, {"name": "email address"}]}),
           Clause("share", "Sharing", "We share data with our hosting provider <b>only</b>.\n"),
           Clause("contact", "Contact", "Write to privacy@example.com.\n")]
    new = [Clause("collect", "Data We Collect", "We collect your **name**, email address and precise location.\n",
                  facts={"data_categories": [{"name": "name"}, {"name": "email address"},
                                             {"name": "precise location", "sensitive": True}]}),
           Clause("share", "Sharing and Transfers", "We share data with our hosting provider in Singapore.\n",
                  facts={"transfers": [{"country": "Singapore"}]}),
           Clause("contact", "Contact", "Write to privacy@example.com.\n")]
    check_golden("compare-en.html", compare_html("en", old, new))


def test_compare_page_zh():
    old = [Clause("collect", "我们收集的信息", "我们收集您的姓名和电子邮件地址。\n"),
           Clause("contact", "联系我们", "请发送邮件至 privacy@example.com。\n")]
    new = [Clause("collect", "我们收集的信息", "我们收集您的姓名、电子邮件地址和手机号码。\n",
                  facts={"data_categories": [{"name": "手机号码"}]}),
           Clause("contact", "联系我们", "请发送邮件至 privacy@example.com。\n")]
    check_golden("compare-zh-CN.html", compare_html("zh-CN", old, new))


# Redlines show the document: a table edited cell by cell (a row added, a row removed), a
# list edited item by item, a link whose target moved (with its note), in both languages.
DOC_CASES = {
    "table": {
        "en": ("| Data | Why we use it |\n|---|---|\n| Name | To create your account |\n"
               "| Email address | To send receipts |\n| Fax number | To reach you |\n",
               "| Data | Why we use it |\n|:--|:--|\n| Name | To create and secure your account |\n"
               "| Email address | To send receipts |\n| Device ID | To detect fraud |\n"),
        "zh-CN": ("| 信息 | 用途 |\n|---|---|\n| 姓名 | 创建账户 |\n| 电子邮件地址 | 发送收据 |\n| 传真号码 | 联系您 |\n",
                  "| 信息 | 用途 |\n|---|---|\n| 姓名 | 创建并保护账户 |\n| 电子邮件地址 | 发送收据 |\n| 设备标识符 | 识别欺诈 |\n"),
    },
    "list": {
        "en": ("We use your data to:\n\n- provide the service;\n- answer your questions;\n"
               "    - by email;\n- improve our products.\n",
               "We use your data to:\n\n* provide and secure the service;\n* answer your questions;\n"
               "    * by email or chat;\n* send you our newsletter, if you ask for it.\n"),
        "zh-CN": ("我们将您的信息用于：\n\n- 提供服务；\n- 回答您的问题；\n- 改进产品。\n",
                  "我们将您的信息用于：\n\n- 提供并保护服务；\n- 回答您的问题；\n- 经您同意后发送新闻简报。\n"),
    },
    "link": {
        "en": ("### Contact\n\nRead our [cookie notice](https://acme.example/cookies) or see "
               "[complaints](#resolving-complaints).\n",
               "### Contact\n\nRead our [cookie notice](https://acme.example/legal/cookies) or see "
               "[complaints](#dispute-resolution).\n"),
        "zh-CN": ("### 联系我们\n\n请阅读我们的[Cookie 声明](https://acme.example/cookies)。\n",
                  "### 联系我们\n\n请阅读我们的[Cookie 声明](https://acme.example/legal/cookies)。\n"),
    },
}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("case", sorted(DOC_CASES))
def test_compare_page_shows_the_document(case, lang):
    old_body, new_body = DOC_CASES[case][lang]
    title = {"en": "Data We Collect", "zh-CN": "我们收集的信息"}[lang]
    check_golden(f"compare-{case}-{lang}.html",
                 compare_html(lang, [Clause("collect", title, old_body)], [Clause("collect", title, new_body)]))

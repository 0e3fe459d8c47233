"""Golden tests: whole rendered pieces compared with reviewed files in tests/golden/.

Set POLICYGEN_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review the diff.
"""

import os
from pathlib import Path

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
    if os.environ.get("POLICYGEN_UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_text(actual, encoding="utf-8")
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

"""policygen.compare.textfacts: facts read from text in six languages, coded to DPV.

The cases (cases.yml) were written before the reader; each names facts that must be read
and, for polarity, facts that must not be.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from policygen.compare import textfacts
from policygen.compare.textfacts import LANGUAGES, Fact, Organisation, Period, read_facts

HERE = Path(__file__).parent
VOCAB = Path(textfacts.__file__).parent / "vocab"
SHARED_DPV = Path(__file__).resolve().parents[3] / "shared" / "vocab" / "dpv-2.2"
CASES = yaml.safe_load((HERE / "cases.yml").read_text(encoding="utf-8"))


def _value(f: Fact):
    v = f.value
    if isinstance(v, Period):
        return v.days
    if isinstance(v, Organisation):
        return v.name
    return v


def _has(facts, item: str) -> bool:
    left, _, want = item.partition(" = ")
    kind, code = left.split()
    return any(f.kind == kind and f.code == code and (not want or str(_value(f)) == want) for f in facts)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    facts = read_facts(case["text"], case["lang"])
    shown = "\n".join(f"  {f.kind} {f.code} {f.value!r} {f.words!r}" for f in facts)
    for item in case.get("expect", ()):
        assert _has(facts, item), f"{item} not read from {case['text']!r}; read:\n{shown}"
    for item in case.get("absent", ()):
        assert not _has(facts, item), f"{item} read from {case['text']!r}; read:\n{shown}"


KINDS_PER_LANGUAGE = ("data", "sensitive", "recipient", "table", "transfer", "retention", "sale-no", "sale-yes",
                      "right", "children", "automated", "basis")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_a_case_of_every_kind(lang):
    prefix = {"zh-CN": "zh"}.get(lang, lang)
    ids = {c["id"] for c in CASES if c["lang"] == lang}
    aliases = {"en": {"table": "issue-vendor-table", "sale-no": "issue-no-sale", "sale-yes": "issue-sale"}}
    for kind in KINDS_PER_LANGUAGE:
        assert f"{prefix}-{kind}" in ids or aliases.get(lang, {}).get(kind) in ids, (lang, kind)


SIX = {
    "en": "We collect your precise location and health data, share them with advertising partners in the United "
          "States, keep them for 2 years and never sell them.",
    "zh-CN": "我们收集您的精确位置和健康信息，与位于美国的广告合作伙伴共享，保存2年，且绝不出售。",
    "de": "Wir erheben Ihren genauen Standort und Ihre Gesundheitsdaten, teilen sie mit Werbepartnern in den USA, "
          "speichern sie 2 Jahre und verkaufen sie niemals.",
    "fr": "Nous collectons votre localisation précise et vos données de santé, les partageons avec des partenaires "
          "publicitaires aux États-Unis, les conservons 2 ans et ne les vendons jamais.",
    "es": "Recopilamos su ubicación precisa y sus datos de salud, los compartimos con socios publicitarios en Estados "
          "Unidos, los conservamos durante 2 años y nunca los vendemos.",
    "ja": "当社は、お客様の正確な位置情報と健康情報を取得し、米国の広告パートナーと共有し、2年間保存しますが、販売することはありません。",
}


def _codes(text, lang):
    return sorted({(f.kind, f.code, str(_value(f))) for f in read_facts(text, lang)})


def test_the_same_sentence_in_six_languages_has_the_same_codes():
    want = [("data_category", "dpv-pd:Health", "None"), ("data_category", "policygen:PreciseLocation", "None"),
            ("recipient", "policygen:AdvertisingPartner", "None"), ("retention", "policygen:RetentionPeriod", "730"),
            ("sale", "policygen:Sale", "False"), ("sensitive", "dpv-pd:Health", "None"),
            ("sensitive", "policygen:PreciseLocation", "None"), ("sharing", "policygen:Sharing", "True"),
            ("transfer", "dpv:CrossBorderTransfer", "US")]
    for lang, text in SIX.items():
        assert _codes(text, lang) == want, lang


def test_labels_are_in_the_texts_language():
    labels = {lang: {f.code: f.label for f in read_facts(text, lang)} for lang, text in SIX.items()}
    assert labels["en"]["dpv-pd:Health"] == "Health data"
    assert labels["de"]["dpv-pd:Health"] == "Gesundheitsdaten"
    assert labels["zh-CN"]["policygen:Sale"] == "出售个人信息"
    assert labels["ja"]["dpv:CrossBorderTransfer"] == "米国"  # a transfer's label is its country
    assert labels["fr"]["dpv:CrossBorderTransfer"] == "États-Unis"


def test_words_and_span_quote_the_text():
    text = SIX["de"]
    for f in read_facts(text, "de"):
        assert text[f.span[0]:f.span[1]] == f.words and f.words


def test_retention_says_what_it_keeps():
    (f,) = [f for f in read_facts("If you contact support, we will retain your details and the messages you send for up "
                                  "to 30 days.", "en") if f.kind == "retention"]
    assert f.value == Period(30, "details") and f.words == "up to 30 days"


def test_table_rows_carry_purpose_and_country():
    case = next(c for c in CASES if c["id"] == "issue-vendor-table")
    rows = [f.value for f in read_facts(case["text"], "en") if f.kind == "recipient" and f.value]
    assert rows == [Organisation("MongoDB Atlas", "Database hosting", "US"), Organisation("Stripe", "Payment processing", "IE")]


def test_a_list_introduced_as_sub_processors():
    text = "We engage the following sub-processors:\n\n- **Amazon Web Services** – hosting (United States)\n" \
           "- Zendesk, Inc.: customer support\n"
    rows = [f.value for f in read_facts(text, "en") if f.kind == "recipient" and f.value]
    assert rows == [Organisation("Amazon Web Services", "hosting", "US"),
                    Organisation("Zendesk, Inc.", "customer support", None)]
    assert {f.code for f in read_facts(text, "en") if f.kind == "recipient"} == {"dpv:DataSubProcessor"}


def test_a_list_of_kinds_of_recipient_is_not_read_as_names():
    text = "We share personal data with the following categories of recipients:\n\n" \
           "- Service providers who host our services\n- Law enforcement, when the law requires it\n"
    named = [f for f in read_facts(text, "en") if f.kind == "recipient" and f.value]
    assert named == []


@pytest.mark.parametrize("text,lang", [
    ("You can opt out of the sale of your personal information via the Do Not Sell My Personal Information link.", "en"),
    ("In the event of a merger or sale of our business, your data may be transferred to the buyer.", "en"),
    ("Our sales team uses CRM software.", "en"),
])
def test_no_sale_statement(text, lang):
    assert not [f for f in read_facts(text, lang) if f.kind == "sale"]


def test_not_limited_to_is_no_negation():
    facts = read_facts("我们会与合作伙伴共享您的个人信息，包括但不限于广告合作伙伴。", "zh-CN")
    assert [f.value for f in facts if f.kind == "sharing"] == [True]


def test_language_codes_are_normalised():
    assert read_facts("我们不会出售您的个人信息。", "zh")[0].code == "policygen:Sale"
    assert read_facts("Wir verkaufen Ihre Daten nicht.", "de-AT")[0].value is False
    assert read_facts("", "en") == []


def test_as_dict_is_plain():
    f = next(f for f in read_facts(SIX["en"], "en") if f.kind == "retention")
    assert f.as_dict()["value"] == {"days": 730, "of": "Precise location"}  # "keep them": what the sentence names


# ---------------------------------------------------------------- the vocabulary

def test_every_concept_has_a_label_and_terms_in_all_six_languages():
    concepts = textfacts.concepts()
    assert len(concepts) >= 120
    for c in concepts:
        for lang in LANGUAGES:
            assert c.labels.get(lang), (c.code, lang, "label")
            assert c.terms.get(lang), (c.code, lang, "terms")
            assert all(t.strip() for t in c.terms[lang]), (c.code, lang)
        assert c.kind in textfacts.KINDS, c.code
        assert c.code.split(":")[0] in textfacts.PREFIXES, c.code


def test_codes_are_unique_and_minted_ones_documented():
    codes = [c.code for c in textfacts.concepts()]
    assert len(codes) == len(set(codes))
    for c in textfacts.concepts():
        if c.code.startswith("policygen:"):
            assert c.note or c.broader, f"{c.code}: a minted concept says what it is (note) or what it narrows (broader)"


def test_every_dpv_code_is_in_the_dpv_subset():
    rows = {r["code"]: r for r in csv.DictReader((VOCAB / "dpv-concepts.csv").open(encoding="utf-8"))}
    for c in textfacts.concepts():
        for code in (c.code, c.broader):
            if code and not code.startswith("policygen:"):
                assert code in rows, code
                assert rows[code]["iri"] == textfacts.PREFIXES[code.split(":")[0]] + code.split(":", 1)[1]


@pytest.mark.skipif(not SHARED_DPV.is_dir(), reason="the DPV CSV files are not beside this clone")
def test_the_dpv_subset_is_copied_unchanged():
    source = {}
    for path in SHARED_DPV.glob("*.csv"):
        for r in csv.DictReader(path.open(encoding="utf-8")):
            source[r["iri"]] = (path.name, r)
    for r in csv.DictReader((VOCAB / "dpv-concepts.csv").open(encoding="utf-8")):
        name, src = source[r["iri"]]
        assert (r["label"], r["definition"], r["hasbroader"], r["source_file"]) == \
               (src["label"], src["definition"], src["hasbroader"], name)


def test_the_licence_notice_is_beside_the_derived_files():
    text = " ".join((VOCAB / "LICENSE-DPV.md").read_text(encoding="utf-8").split())
    assert "Data Privacy Vocabulary (DPV) 2.2" in text and "W3C Software and Document" in text
    for name in ("data_categories.yml", "purposes.yml", "legal_bases.yml", "rights.yml", "recipients.yml",
                 "practices.yml", "dpv-concepts.csv"):
        assert name in text
        if name.endswith(".yml"):
            assert "LICENSE-DPV.md" in (VOCAB / name).read_text(encoding="utf-8")

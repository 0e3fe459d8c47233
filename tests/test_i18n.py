"""The interface catalogs: one gettext catalog per language, complete and compiled, and the
reader's sentences made from them."""

from __future__ import annotations

import re
import string

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from conftest import commit_all, run, write
from policygen import i18n
from policygen.classify import RULES, Reason
from policygen.sentences import reader_sentences, reason_sentence

LOCALES = sorted(d.name for d in i18n.LOCALE_DIR.iterdir() if (d / "LC_MESSAGES").is_dir())
REQUIRED = {"en", "zh_CN", "de", "fr", "es", "ja"}


def _po(locale: str):
    with open(i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "policygen.po", "rb") as fh:
        return read_po(fh)


def _entries(catalog) -> dict:
    return {(m.context or "", m.id): m.string for m in catalog if m.id}


def _fields(text: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_required_languages_have_catalogs():
    assert REQUIRED <= set(LOCALES), LOCALES
    assert {"en", "zh-CN", "de", "fr", "es", "ja"} <= set(i18n.catalogs())


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogs_have_the_same_keys_all_translated(locale):
    english, other = _entries(_po("en")), _entries(_po(locale))
    assert set(other) == set(english), {"missing": set(english) - set(other), "extra": set(other) - set(english)}
    assert not [k for k, v in other.items() if not v.strip()], "untranslated entries"
    # the same placeholders as English: a {date} lost in translation would raise at build time
    wrong = {k: v for k, v in other.items() if _fields(v) != _fields(english[k])}
    assert not wrong, wrong


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_its_source(locale):
    """The .mo the site reads is the .po compiled (pybabel compile -d generator/locale -D policygen)."""
    with open(i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "policygen.mo", "rb") as fh:
        compiled = _entries(read_mo(fh))
    assert compiled == _entries(_po(locale)), "run: pybabel compile -d generator/locale -D policygen"


def test_every_rule_has_a_reader_sentence():
    sentences = i18n.table("en", "reason")
    assert not [r.id for r in RULES if r.id not in sentences]


def test_other_languages_fall_back_to_english():
    assert i18n.t("ko", "archive") == "All versions"
    assert i18n.t("zh-CN", "archive") == "全部版本" and i18n.t("de", "archive") == "Alle Fassungen"
    assert i18n.t("fr-CA", "archive") == "Toutes les versions"  # the primary language's catalog


def _reason(rule, level="notice", clause="c", **fields):
    return Reason(clause, level, rule, f"{rule} (evidence)", fields=tuple(fields.items()))


@pytest.mark.parametrize("lang", ["en", "zh-CN", "de", "fr", "es", "ja"])
def test_reasons_read_as_sentences_without_internals(lang):
    r = _reason("transfer-added", item="Germany", fact="transfers", change="added")
    text = reason_sentence(r, lang)
    assert "Germany" in text and "transfer-added" not in text and "pipl" not in text
    # a fact given as a mapping has no name: its JSON never reaches the reader
    children = [_reason("children-changed", item='{"collects":false}', fact="children", change="added", collects=False),
                _reason("children-removed", "minor", item='{"collects":true}', fact="children", change="removed")]
    said = reader_sentences(children, lang)
    assert len(said) == 1 and "{" not in said[0] and "collects" not in said[0], said
    if lang == "en":
        assert said == ["Children's data is no longer collected."]
    # a rule with no sentence of its own reads as a change of its fact
    other = reason_sentence(_reason("biometrics-added", item="face scans", fact="biometrics", change="added"), lang)
    assert "face scans" in other and "biometrics-added" not in other


def test_check_warns_about_a_language_without_a_catalog(project):
    write(project / "policy_src" / "p" / "policy.yml",
          "title: {en: Privacy policy, ko: 개인정보 처리방침}\nlanguages: [en, ko]\nclauses: [intro]\n")
    write(project / "policy_src" / "p" / "en" / "intro.md", "---\nid: intro\ntitle: Introduction\n---\n\nHello.\n")
    write(project / "policy_src" / "p" / "ko" / "intro.md", "---\nid: intro\ntitle: 소개\n---\n\n안녕하세요.\n")
    commit_all(project, "policy")
    out = run(["check"], cwd=project, check=False)
    text = out.stdout + out.stderr
    assert re.search(r"policy\.yml.*warning: language 'ko' has no interface catalog", text), text
    assert "'en'" not in text.split("no interface catalog")[0].splitlines()[-1]

"""Interface strings and date formats per language.

Every reader-facing string lives in one gettext catalog per language (``generator/locale/
<locale>/LC_MESSAGES/policygen.po``, compiled to the ``.mo`` beside it with
``pybabel compile -d generator/locale -D policygen``). Messages are keyed by a context
(ui, compare, summary, fact, reason, import) and a symbolic id; English is the fallback.
"""

from __future__ import annotations

import functools
from datetime import date

from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import read_mo

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "policygen"
FALLBACK = "en"


def catalog_locale(lang: str) -> str:
    """The gettext folder of a site language: zh-CN -> zh_CN."""
    return lang.replace("-", "_")


@functools.lru_cache(maxsize=None)
def _messages(locale: str) -> dict:
    """(context, key) -> text of one compiled catalog (generator/locale/<locale>/LC_MESSAGES/
    policygen.mo, compiled from the .po beside it); {} when there is none."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with open(path, "rb") as fh:
            catalog = read_mo(fh)
    except FileNotFoundError:
        return {}
    return {(m.context or "", m.id): m.string for m in catalog if m.id and m.string}


def catalogs() -> list[str]:
    """The site languages with an interface catalog of their own (en, zh-CN, ...)."""
    return sorted(d.name.replace("_", "-") for d in LOCALE_DIR.iterdir()
                  if (d / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file())


def has_catalog(lang: str) -> bool:
    return bool(_messages(catalog_locale(lang)) or _messages(lang.split("-")[0]))


@functools.lru_cache(maxsize=None)
def table(lang: str, context: str) -> dict:
    """Every string of one context in a language, English filling in what it lacks (a
    language with no catalog of its own is English: ``policygen check`` says so)."""
    out = {k: v for (c, k), v in _messages(FALLBACK).items() if c == context}
    for locale in (lang.split("-")[0], catalog_locale(lang)):
        if locale != FALLBACK:
            out.update({k: v for (c, k), v in _messages(locale).items() if c == context})
    return out


def text(lang: str, context: str, key: str, **kw) -> str:
    got = table(lang, context)[key]
    return got.format(**kw) if kw else got


def t(lang: str, key: str, **kw) -> str:
    """An interface string of the site (context "ui")."""
    return text(lang, "ui", key, **kw)


def fact_name(lang: str, key: str) -> str:
    return table(lang, "fact").get(key) or key.replace("_", " ")


def sensitive_word(lang: str) -> str:
    return text(lang, "fact", "sensitive")


def cjk(lang: str) -> bool:
    """Chinese and Japanese write sentences with no space between them."""
    return lang.split("-")[0] in ("zh", "ja")


LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文", "zh-TW": "繁體中文", "de": "Deutsch", "fr": "Français",
                  "es": "Español", "ja": "日本語", "ko": "한국어", "it": "Italiano", "pt": "Português", "nl": "Nederlands"}
# Babel locale used for dates; British English writes "31 May 2023".
DATE_LOCALES = {"en": "en_GB", "zh-CN": "zh_Hans_CN", "zh-TW": "zh_Hant_TW"}
# Material's own UI translations are named by the primary subtag except for a few.
MATERIAL_LANGS = {"zh-CN": "zh", "zh-TW": "zh-TW", "pt-BR": "pt-BR"}


@functools.lru_cache(maxsize=4096)
def format_day(d: date, lang: str) -> str:
    locale = DATE_LOCALES.get(lang, lang.replace("-", "_"))
    try:
        return format_date(d, format="long", locale=locale)
    except Exception:  # unknown locale: ISO dates are never wrong
        return d.isoformat()


def language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, lang)


def material_language(lang: str) -> str:
    return MATERIAL_LANGS.get(lang, lang.split("-")[0])


def numbered(number: str, title: str) -> str:
    """A clause's number and title as a heading writes them: "3. Title", "I. Title", "三、标题"."""
    return f"{number}{'' if number.endswith('、') else ' '}{title}" if number else title

"""UI strings and date formats per language; English is the fallback for missing keys."""

from __future__ import annotations

import functools
from datetime import date

from babel.dates import format_date

STRINGS = {
    "en": {
        "effective": "Effective {date}",
        "version": "Version",
        "versions": "Versions",
        "current": "in force",
        "upcoming": "upcoming",
        "superseded_banner": "This version took effect on {date} and has been superseded.",
        "read_current": "Read the version in force",
        "upcoming_banner": "A new version of this policy takes effect on {date}.",
        "upcoming_consent": "You will be asked for your consent again.",
        "upcoming_notice": "Please review the changes before they take effect.",
        "recent_banner": "This policy changed on {date}.",
        "see_changes": "See what changes",
        "upcoming_page_banner": "This version is not yet in force. It takes effect on {date}.",
        "draft_banner": "Draft: this text has not been released and is not in force.",
        "archive": "All versions",
        "in_force": "Version in force",
        "compare_with_current": "vs. in force",
        "archive_title": "{title}: all versions",
        "compare": "Compare",
        "compare_title": "Changes from {old} to {new}",
        "compare_with_previous": "changes",
        "language": "Language",
        "languages": "Languages",
        "level": "Level",
        "summary": "Summary",
        "date": "Effective",
        "no_versions": "No version has been released yet.",
        "home_title": "Privacy policies",
        "contents": "Contents",
        "level_editorial": "Editorial",
        "level_minor": "Minor",
        "level_notice": "Notice required",
        "level_consent": "Consent required",
        "skip": "Skip to content",
        "translation_pending": "This translation is being updated. The {language} text is the binding version.",
        "page": "Page",
        "level_lowered": "Level set by the editor: {level} (computed: {computed}). Justification: {why}",
        "first_version": "First published version.",
        "no_text_change": "No change in the text.",
        "and_more": "and {n} more",
        "notice_label": "Privacy policy change",
        "notice_upcoming": "{title} changes on {date}.",
        "notice_changed": "{title} changed on {date}.",
        "notice_consent": "The changes need your consent.",
        "notice_see_changed": "See what changed",
        "notice_read": "Read the new version",
        "notice_dismiss": "Dismiss",
        "redline_note": "The text that follows is the version of {new} with every change since {old} as a tracked "
                        "change by policygen: Accept All Changes gives the text of {new}, Reject All Changes the "
                        "text of {old}.",
        "content_hash": "Content hash",
        "redline_word": "these changes as a Word document with tracked changes",
        "redline_download": "Word document with tracked changes (.docx)",
        "table_in": "Table in “{title}”",
    },
    "zh-CN": {
        "effective": "生效日期：{date}",
        "version": "版本",
        "versions": "版本",
        "current": "现行",
        "upcoming": "即将生效",
        "superseded_banner": "本版本于{date}生效，现已被新版本取代。",
        "read_current": "阅读现行版本",
        "upcoming_banner": "本政策的新版本将于{date}生效。",
        "upcoming_consent": "届时我们将再次征求您的同意。",
        "upcoming_notice": "请在新版本生效前查阅变更内容。",
        "recent_banner": "本政策已于{date}更新。",
        "see_changes": "查看变更内容",
        "upcoming_page_banner": "本版本尚未生效，将于{date}生效。",
        "draft_banner": "草稿：此文本尚未发布，不具效力。",
        "archive": "全部版本",
        "in_force": "现行版本",
        "compare_with_current": "对比现行版本",
        "archive_title": "{title}：全部版本",
        "compare": "比较",
        "compare_title": "从{old}到{new}的变更",
        "compare_with_previous": "变更",
        "language": "语言",
        "languages": "语言",
        "level": "级别",
        "summary": "摘要",
        "date": "生效日期",
        "no_versions": "尚未发布任何版本。",
        "home_title": "隐私政策",
        "contents": "目录",
        "level_editorial": "文字修订",
        "level_minor": "轻微变更",
        "level_notice": "需事先告知",
        "level_consent": "需重新取得同意",
        "skip": "跳到正文",
        "translation_pending": "本译文正在更新中，以{language}文本为准。",
        "page": "页面",
        "level_lowered": "编辑确定的级别：{level}（计算结果：{computed}）。理由：{why}",
        "first_version": "首次发布的版本。",
        "no_text_change": "文本无变更。",
        "and_more": "等另外 {n} 项",
        "notice_label": "隐私政策变更通知",
        "notice_upcoming": "{title}将于{date}更新。",
        "notice_changed": "{title}已于{date}更新。",
        "notice_consent": "本次变更需要取得您的同意。",
        "notice_see_changed": "查看变更内容",
        "notice_read": "阅读新版本",
        "notice_dismiss": "关闭",
        "redline_note": "以下正文为{new}版本，自{old}以来的每一处变更均以 policygen 的修订标记显示："
                        "“接受所有修订”即得到{new}版本的文本，“拒绝所有修订”即得到{old}版本的文本。",
        "content_hash": "内容哈希",
        "redline_word": "以带修订标记的 Word 文档查看这些变更",
        "redline_download": "带修订标记的 Word 文档（.docx）",
        "table_in": "“{title}”中的表格",
    },
}

FACT_NAMES = {
    "zh-CN": {"purposes": "处理目的", "data_categories": "个人信息类别", "legal_bases": "法律依据", "recipients": "接收方",
              "transfers": "跨境传输", "retention": "保存期限", "rights": "个人权利", "contacts": "联系方式",
              "automated_decisions": "自动化决策", "children": "儿童个人信息", "cookies": "Cookie",
              "security": "安全措施", "methods": "处理方式"},
}
SENSITIVE = {"en": "sensitive", "zh-CN": "敏感"}


def fact_name(lang: str, key: str) -> str:
    return FACT_NAMES.get(lang, {}).get(key) or key.replace("_", " ")


LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文", "zh-TW": "繁體中文", "de": "Deutsch", "fr": "Français",
                  "es": "Español", "ja": "日本語", "ko": "한국어", "it": "Italiano", "pt": "Português", "nl": "Nederlands"}
# Babel locale used for dates; British English writes "31 May 2023".
DATE_LOCALES = {"en": "en_GB", "zh-CN": "zh_Hans_CN", "zh-TW": "zh_Hant_TW"}
# Material's own UI translations are named by the primary subtag except for a few.
MATERIAL_LANGS = {"zh-CN": "zh", "zh-TW": "zh-TW", "pt-BR": "pt-BR"}


def t(lang: str, key: str, **kw) -> str:
    table = STRINGS.get(lang) or STRINGS.get(lang.split("-")[0]) or STRINGS["en"]
    text = table.get(key) or STRINGS["en"][key]
    return text.format(**kw) if kw else text


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

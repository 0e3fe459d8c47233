"""Date lines as real policies write them (pure)."""

from datetime import date

import pytest

from policygen.headings import clean_inline, date_from_line, find_headings


@pytest.mark.parametrize("line, expected", [
    ("Effective date: February 1, 2024", date(2024, 2, 1)),
    ("Effective February 25, 2025", date(2025, 2, 25)),
    ("Last updated: 26 November 2024", date(2024, 11, 26)),
    ("_Last updated:_ _March 30, 2020_", date(2020, 3, 30)),
    ("**🗓 Effective Date: March 28, 2023**", date(2023, 3, 28)),
    ("**Effective date:** 16th of June, 2023", date(2023, 6, 16)),
    ("[_Effective August 11, 2020_](https://example.com/updates)", date(2020, 8, 11)),
    ("### Updated October 27, 2021", date(2021, 10, 27)),
    ("Effective as of March 28, 2025", date(2025, 3, 28)),
    ("This Privacy Policy is effective as of December 20, 2022.", date(2022, 12, 20)),
    ("Date when this Privacy Notice was last updated: 25 April 2024", date(2024, 4, 25)),
    ("Last Updated: March 26, 2024_._", date(2024, 3, 26)),
    ("Last Update: 2023.05.31", date(2023, 5, 31)),
    ("生效日期：2024年2月1日", date(2024, 2, 1)),
    ("更新日期：2025年1月15日", date(2025, 1, 15)),
    ("Updated: 05/11/2021", date(2021, 5, 11)),
    ("Stand: 1. März 2025", date(2025, 3, 1)),
    ("Zuletzt aktualisiert am 14. Februar 2026", date(2026, 2, 14)),
    ("Dernière mise à jour : 1er mars 2025", date(2025, 3, 1)),
    ("Última actualización: 1 de marzo de 2025", date(2025, 3, 1)),
    ("最終更新日：2025年3月1日", date(2025, 3, 1)),
    ("We updated this policy on March 3, 2023 to add a section on cookies and on the rights of our users.", None),
    ("Our Privacy Policy has been updated.", None),
    ("Effective date", None),
])
def test_date_lines(line, expected):
    assert date_from_line(line) == expected


@pytest.mark.parametrize("raw, title", [
    ('<span class="privacy-header-firefox">Firefox</span> <span class="privacy-header-policy">Privacy Notice</span>',
     "Firefox Privacy Notice"),
    ("1\\. Overview", "1. Overview"),
    ("**_3.14. Complying with legal obligations", "3.14. Complying with legal obligations"),
    ("[How we share](#how-we-share) *information*", "How we share information"),
    ("Cookies &amp; tracking {#cookies}", "Cookies & tracking"),
])
def test_heading_text_is_what_a_reader_sees(raw, title):
    assert clean_inline(raw) == title


def test_setext_and_atx_headings():
    lines = ["Title", "=====", "", "1\\. Overview", "------------", "", "text", "", "### 2\\. Next", "", "- a", "---"]
    got = [(h.level, h.title) for h in find_headings(lines)]
    assert got == [(1, "Title"), (2, "1. Overview"), (3, "2. Next")]

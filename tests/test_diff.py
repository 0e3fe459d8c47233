"""The diff engine: exact redlines, clause alignment, Chinese, formatting-only changes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from policygen.diff import diff_policy, new_side, old_side, tokenize, word_diff
from policygen.model import Clause, Manifest, PolicyText

MANIFEST = Manifest(id="p", titles={"en": "Policy"}, languages=("en",), clauses=())


def text(*clauses):
    return PolicyText(manifest=MANIFEST, lang="en", clauses=tuple(clauses))


def C(cid, title, body, **facts):
    return Clause(id=cid, title=title, body=body, facts=facts)


WORDS = st.sampled_from(["we", "share", "data", "with", "partners", "个人", "信息", "共享", "。", ",", " ", "\n",
                         "retain", "30", "days", "(1)", "**bold**", "- item", "数据出境"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=40), st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["del", "ins", "sub"]),
                                                        WORDS), max_size=8))
def test_round_trip_on_random_edits(base, edits):
    old = list(base)
    new = list(base)
    for pos, kind, word in edits:
        pos = min(pos, len(new))
        if kind == "ins":
            new.insert(pos, word)
        elif new and pos < len(new):
            if kind == "del":
                del new[pos]
            else:
                new[pos] = word
    a, b = "".join(old), "".join(new)
    segs = word_diff(a, b)
    assert new_side(segs) == b
    assert old_side(segs) == a


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200))
def test_round_trip_on_any_text(a, b):
    segs = word_diff(a, b)
    assert new_side(segs) == b and old_side(segs) == a


def test_two_chinese_characters_show_as_two_characters():
    old = "我们将在法律规定的最短期限内保存您的个人信息。"
    new = "我们将在法律规定的最长期限内保存您的个人信息。"
    segs = word_diff(old, new)
    assert [s for s in segs if s[0] != "equal"] == [("delete", "短"), ("insert", "长")]


def test_latin_is_word_level():
    segs = word_diff("We retain data for 30 days.", "We retain data for 90 days.")
    assert ("delete", "30") in segs and ("insert", "90") in segs
    assert tokenize("Hello, world") == ["Hello", ",", " ", "world"]


def test_alignment_added_removed_moved_renamed_modified():
    old = text(C("a", "Alpha", "one\n"), C("b", "Beta", "two\n"), C("c", "Gamma", "three\n"), C("d", "Delta", "four\n"))
    new = text(C("c", "Gamma", "three\n"), C("a", "Alpha", "one\n"), C("b", "Beta renamed", "two\n"),
               C("e", "Epsilon", "five\n"))
    d = diff_policy(old, new, "en")
    status = {c.id: c.status for c in d.clauses}
    assert status == {"c": "moved", "a": "unchanged", "b": "modified", "d": "removed", "e": "added"}
    b = next(c for c in d.clauses if c.id == "b")
    assert b.renamed and b.old_title == "Beta" and not b.formatting_only
    # The removed clause stays where it was, after its old predecessor.
    assert [c.id for c in d.clauses] == ["c", "d", "a", "b", "e"]


def test_formatting_only_never_hides_a_wording_change():
    wrapped = text(C("a", "A", "We keep your data\nfor **one** year.\n"))
    rewrapped = text(C("a", "A", "We keep your data for *one* year.\n"))
    reworded = text(C("a", "A", "We keep your data for *two* years.\n"))
    fmt = diff_policy(wrapped, rewrapped, "en").clauses[0]
    assert fmt.status == "modified" and fmt.formatting_only
    real = diff_policy(wrapped, reworded, "en").clauses[0]
    assert real.status == "modified" and not real.formatting_only


def test_fact_changes_listed_next_to_text():
    old = text(C("a", "A", "x\n", transfers=[{"country": "Germany"}], retention="1 year"))
    new = text(C("a", "A", "x\n", transfers=[{"country": "Germany"}, {"country": "Singapore"}], retention="3 years"))
    cd = diff_policy(old, new, "en").clauses[0]
    facts = {f["fact"]: f for f in cd.facts}
    assert [a for a, _ in facts["transfers"]["added"]] == ["Singapore"]
    assert [a for a, _ in facts["retention"]["added"]] == ["3 years"]


# ------------------------------------------------ redlines show the document (issue 18)

from policygen.blocks import blocks, visible_text  # noqa: E402
from policygen.classify import classify  # noqa: E402
from policygen.redline import diff_markdown, diff_text  # noqa: E402

DOC_OLD = ("### Feedback\n\nWe use:\n\n- your name\n- your email\n\n| Data | Use |\n|---|---|\n| name | account |\n"
           "| fax | support |\n\nSee [our notice](https://example.com/a) and write to @acme about #12.\n")
DOC_NEW = ("#### Feedback and surveys\n\nWe use:\n\n* your name\n* your work email\n\n| Data | Use |\n|:--|:--|\n"
           "| name | account and billing |\n\nSee [our notice](https://example.com/b) and write to @acme about #12.\n")


def doc_diff():
    old, new = text(C("a", "A", DOC_OLD)), text(C("a", "A", DOC_NEW))
    d = diff_policy(old, new, "en")
    return d, classify(d, MANIFEST)


def test_blocks_are_what_the_reader_reads():
    model = blocks("## Title {: #t }\n\n<!-- note -->\n- one *two*\n\n| a | b |\n|---|---|\n| [x](#y) | z&rsquo;s |\n")
    assert [(b[0], b[1]) for b in model] == [("h", "h4"), ("li", "ul depth=1"), ("row", "th"), ("row", "")]
    assert visible_text(model) == "Title\n\none two\n\na | b\n\nx | z’s"
    assert model[0][4] == ("t",) and model[1][3] == (("em", "two"),) and model[3][2][0] == (("x", "#y"),)


def test_round_trip_of_the_flat_block_diff():
    d, _ = doc_diff()
    cd = d.clauses[0]
    assert old_side(cd.segments) == visible_text(cd.old_blocks)
    assert new_side(cd.segments) == visible_text(cd.new_blocks)


def test_markdown_redline_is_the_document():
    d, cls = doc_diff()
    md = diff_markdown("p", "en", "a", "b", d, cls)
    assert "#### Feedback <ins>and surveys</ins>" in md  # a heading, not '###' as words
    assert "- your <ins>work</ins> email" in md  # a list item
    assert "| Data | Use |\n|---|---|\n| name | account <ins>and billing</ins> |" in md  # a table
    assert "| <del>fax</del> | <del>support</del> |" in md  # a removed row, as a row
    assert "[our notice](https://example.com/b) (link changed: `https://example.com/a`" in md
    assert "@acme" not in md and "@\u2060acme" in md  # no mention (a word joiner breaks it)
    assert "example.com/a)" not in md.replace("`https://example.com/a`", "")  # the target is not diffed as words


def test_text_redline_marks_words_never_markdown():
    d, cls = doc_diff()
    out = diff_text("p", "en", "a", "b", d, cls)
    assert "Feedback{+ and surveys+}" in out
    assert "• your {+work +}email" in out
    assert "name | account{+ and billing+}" in out and "[-fax-] | [-support-]" in out
    assert "(link changed: https://example.com/a -> https://example.com/b)" in out
    for syntax in ("###", "|---", "**", "](", "* your"):
        assert syntax not in out, syntax


PIECES = st.sampled_from(["We keep data", " for 30 days.", "\n", "\n\n", "- item", "1. first", "* star", "**bold**",
                          "_x_", "[link](https://example.com)", "&rsquo;", "<b>b</b>", "| a | b |\n|---|---|\n| 1 | 2 |",
                          "    code", "  \n", "===", "---", "> quote", ": def", "个人信息。", "{: #id }", "# Head",
                          "\t", " ", "2020. A year", "plain words (with parentheses), commas; and colons:"])


@settings(max_examples=600, deadline=None)
@given(st.lists(PIECES, max_size=25))
def test_blocks_piece_by_piece_equal_blocks_of_the_whole_render(parts):
    from policygen.blocks import blocks_of_html
    from policygen.render import markdown_to_html

    source = "".join(parts)
    assert blocks(source) == (blocks_of_html(markdown_to_html(source)) if source.strip() else ())


# ---------------------------------------- rewritten sections stay reviewable (issue 18)

SECTION_A = ("We collect your name and email address when you create an account. We use them to run your "
             "account and to answer your questions.")
SECTION_B = ("We keep your account data for as long as your account is open and delete it within thirty days "
             "after you close it, unless the law requires us to keep it longer.")


def regrouped(old_clauses, new_clauses):
    d = diff_policy(text(*old_clauses), text(*new_clauses), "en")
    return {c.id: c for c in d.clauses}, classify(d, MANIFEST)


def test_a_clause_with_a_new_id_and_heading_is_renamed_not_removed_and_added():
    got, cls = regrouped([C("old-id", "Data", SECTION_A)], [C("new-id", "Your data", SECTION_A + " Thank you.")])
    assert set(got) == {"new-id"}
    cd = got["new-id"]
    assert (cd.status, cd.note, cd.old_ids, cd.renamed) == ("modified", "renamed", ("old-id",), True)
    assert [s for s in cd.segments if s[0] != "equal"] == [("insert", " Thank you.")]
    assert cls.level == "minor"


def test_a_split_section_aligns_as_modified_parts():
    old = [C("data", "Data", SECTION_A + "\n\n" + SECTION_B)]
    new = [C("data", "Data", SECTION_A), C("retention", "Retention", SECTION_B.replace("thirty", "sixty"))]
    got, cls = regrouped(old, new)
    assert (got["data"].status, got["data"].note) == ("modified", "split")
    assert (got["retention"].status, got["retention"].note, got["retention"].old_ids) == ("modified", "split", ("data",))
    assert [s for s in got["data"].segments if s[0] != "equal"] == []  # its half is unchanged
    assert [s for s in got["retention"].segments if s[0] != "equal"] == [("delete", "thirty"), ("insert", "sixty")]
    assert cls.level != "editorial"


def test_merged_sections_align_as_one_modified_clause():
    old = [C("data", "Data", SECTION_A), C("retention", "Retention", SECTION_B)]
    new = [C("data", "Data and retention", SECTION_A + "\n\n" + SECTION_B)]
    got, cls = regrouped(old, new)
    assert set(got) == {"data"}
    assert (got["data"].status, got["data"].note, got["data"].old_ids) == ("modified", "merged", ("data", "retention"))
    assert [s for s in got["data"].segments if s[0] != "equal"] == []
    assert cls.level in ("editorial", "minor")


def test_unrelated_clauses_stay_removed_and_added():
    got, _ = regrouped([C("a", "A", SECTION_A)], [C("b", "B", SECTION_B)])
    assert (got["a"].status, got["b"].status) == ("removed", "added")


def test_a_new_clause_in_common_words_is_no_split_of_a_kept_one():
    got, _ = regrouped([C("data", "Data", SECTION_A + "\n\n" + SECTION_B)],
                       [C("data", "Data", SECTION_A + "\n\n" + SECTION_B),
                        C("share", "Sharing", "We may share your account data with our partners when you ask us to.")])
    assert (got["data"].status, got["share"].status) == ("unchanged", "added")


def test_split_is_named_in_the_markdown_and_on_the_compare_page():
    from policygen.comparepage import clause_change_html

    old = [C("data", "Data", SECTION_A + "\n\n" + SECTION_B)]
    new = [C("data", "Data", SECTION_A), C("retention", "Retention", SECTION_B)]
    d = diff_policy(text(*old), text(*new), "en")
    cls = classify(d, MANIFEST)
    assert "### `retention` Retention (modified, formatting only, split from data)" in diff_markdown("p", "en", "a", "b", d, cls)
    part = next(c for c in d.clauses if c.id == "retention")
    assert '<span class="pg-badge">split</span>' in clause_change_html(part, "2", "en", "minor")
    assert '<span class="pg-badge">拆分</span>' in clause_change_html(part, "2", "zh-CN", "minor")

"""Hypothesis: the front matter parser, the importer and the diff engine never crash on
arbitrary input; user errors are PolicyError (with a line inside the file), nothing else."""


from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policygen.diff import SINGLE_RE, tokenize, word_diff
from policygen.errors import Finding, PolicyError
from policygen.fragments import parse_clause, render_clause_file
from policygen.importer import parse_html, parse_markdown, parse_text
from policygen.model import Clause

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
# Text with the characters that matter to these parsers: YAML and Markdown syntax, line
# breaks of every kind, CJK, combining marks, emoji and other planes.
SYNTAX = st.sampled_from(list("-:#[]{}|>*&!%@`'\"\\,.?()<>/=_~ \t\n\r") +
                         ["---", "...", "\n---\n", "- ", ": ", "# ", "## ", "1. ", "I.", "(1) ", "•", "\u3000",
                          "\ufeff", "\u2028", "\x00", "\x85", "é", "e\u0301", "😀", "<script>", "<p>", "</p>",
                          "&amp;", "&#0;", "<!--", "-->", "<![CDATA[", "id: x", "title: T"])
TEXT = st.lists(st.one_of(st.text(max_size=12), CJK, SYNTAX), max_size=40).map("".join)


def assert_findings_point_into(text: str, findings: list):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for f in findings:
        assert isinstance(f, Finding)
        assert f.severity in ("error", "warning")
        assert f.message and f.path == "policy_src/acme/en/x.md"
        assert f.line is None or 1 <= f.line <= lines + 1, (f, lines)


@SETTINGS
@given(TEXT)
@example("---\n")
@example("---\n---\n")
@example("---\nid: [\n---\n")
@example("---\n: \n---\n")
@example("---\n? [a, b]\n: c\nid: a\ntitle: b\n---\n")
@example("---\nid: a\ntitle: b\npurposes: !!python/object:os.system echo\n---\n")
@example("---\nid: a\ntitle: b\n&x a: *x\n---\n")
@example("---\nid: 1.5\ntitle: 2024-01-01\n---\n")
def test_parse_clause_never_crashes(text):
    findings = []
    clause = parse_clause(text, "policy_src/acme/en/x.md", findings)
    assert_findings_point_into(text, findings)
    if clause is None:
        assert any(f.severity == "error" for f in findings)
    else:
        assert clause.id and clause.title.strip()


@SETTINGS
@given(st.text(max_size=200))
def test_parse_clause_never_crashes_inside_front_matter(inner):
    """Arbitrary text where the YAML goes, so the YAML loader itself is exercised."""
    text = f"---\n{inner}\n---\n\nBody.\n"
    findings = []
    parse_clause(text, "policy_src/acme/en/x.md", findings)
    assert_findings_point_into(text, findings)


IDS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
PLAIN = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
FACTS = st.dictionaries(st.sampled_from(["purposes", "retention", "transfers", "children"]),
                        st.one_of(st.lists(PLAIN, max_size=3), PLAIN, st.booleans()), max_size=3)


@SETTINGS
@given(IDS, PLAIN.filter(lambda t: t.strip()), st.text(max_size=200), FACTS)
def test_clause_file_round_trip(cid, title, body, facts):
    """What the importer writes, the parser reads back unchanged."""
    body = body.replace("\r", "").replace("\x00", "")
    clause = Clause(id=cid, title=title.strip(), body=body, facts=facts)
    findings = []
    back = parse_clause(render_clause_file(clause), "policy_src/acme/en/x.md", findings)
    assert back is not None, findings
    assert (back.id, back.title, back.facts) == (cid, title.strip(), facts)
    assert back.body.strip() == body.strip()


def import_never_crashes(parse, text):
    try:
        doc = parse(text)
    except PolicyError as exc:
        assert exc.format()  # a message for the user, not a traceback
        return
    for s in doc.sections:
        assert isinstance(s.title, str) and isinstance(s.body, str)
    for line, _text, _why in doc.dropped:
        assert isinstance(line, int)


@SETTINGS
@given(TEXT)
@example("")
@example("\n\n")
@example("I.\nII.\nIII.\n")
@example("Last updated: 2023.02.30\n1. A\nx\n")
@example("Privacy\n1. One\ntext\n2. Two\n1) a\n(1) b\n  • c\nScroll\n")
def test_import_text_never_crashes(text):
    import_never_crashes(parse_text, text)


@SETTINGS
@given(TEXT)
@example("")
@example("---\n[\n---\n# T\n")
@example("---\ndate: 2023-02-30\n---\n")
@example("# A\n# B\n```\n## not a heading\n")
@example("Last updated: February 30, 2023\n## 1. A\n")
def test_import_markdown_never_crashes(text):
    import_never_crashes(parse_markdown, text)


HTML_BITS = st.sampled_from(["<h1>", "</h1>", "<h2>", "</h2>", "<p>", "</p>", "<ul>", "<li>", "</ul>", "<ol>",
                             "<table><tr><td>", "</td></tr></table>", "<a href='javascript:x'>", "<a href=#>",
                             "</a>", "<br>", "<pre>", "</pre>", "<blockquote>", "<script>", "</script>",
                             "<!--", "-->", "<b>", "<i>", "<code>", "<title>", "<body>", "&nbsp;", "&lt;"])
HTML = st.lists(st.one_of(TEXT, HTML_BITS), max_size=40).map("".join)


@SETTINGS
@given(HTML)
@example("<h1></h1><h2>1.</h2>")
@example("<table></table><ul><li><ul><li>x</ul></ul>")
def test_import_html_never_crashes(text):
    import_never_crashes(parse_html, text)


UNICODE = st.text(st.one_of(st.characters(blacklist_categories=("Cs",)), CJK, st.sampled_from(list(" \n\t。，、"))),
                  max_size=80)


def sides(segs):
    new = "".join(t for op, t in segs if op in ("equal", "insert"))
    old = "".join(t for op, t in segs if op in ("equal", "delete"))
    return old, new


@SETTINGS
@given(UNICODE, UNICODE)
@example("我们收集您的姓名", "我们收集您的姓名和电话")
@example("a b", "a  b")
@example("", "x")
@example("x", "")
@example("e\u0301", "é")
def test_word_diff_reproduces_both_texts(a, b):
    segs = word_diff(a, b)
    assert all(op in ("equal", "insert", "delete") and t for op, t in segs)
    assert sides(segs) == (a, b)


@SETTINGS
@given(UNICODE)
@example("a \u3000b")  # the ideographic space is CJK, yet it joins a run of spaces
@example("中文，more。")
def test_text_splits_at_single_character_tokens(text):
    """word_diff tokenizes only what lies between the shared head and tail of two texts; that
    gives the same tokens as the whole text only if it splits before and after punctuation and
    CJK characters."""
    whole = tokenize(text)
    for m in SINGLE_RE.finditer(text):
        for cut in (m.start(), m.end()):
            assert tokenize(text[:cut]) + tokenize(text[cut:]) == whole, (text, cut)


@SETTINGS
@given(st.lists(st.sampled_from(["我们", "收集", "您的", "个人信息", "we", "collect", "data", " ", "\n", "，", "。"]),
                max_size=30),
       st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["", "不", "电话", "phone", " ", "。"])), max_size=5))
def test_word_diff_round_trip_on_edits(words, edits):
    """Realistic edits of a mixed Chinese/English text."""
    a = "".join(words)
    b_words = list(words)
    for pos, new in edits:
        pos = min(pos, len(b_words))
        if new:
            b_words.insert(pos, new)
        elif b_words and pos < len(b_words):
            del b_words[pos]
    b = "".join(b_words)
    assert sides(word_diff(a, b)) == (a, b)


# --- policy.yml and releases.yml: any YAML value in any key ------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 40), st.floats(allow_nan=False), PLAIN,
                    st.sampled_from(["en", "zh-CN", "gdpr", "pipl", "roman", "none", "intro", "2024-01-01",
                                     "2024-02-30", "editorial", "consent", "a" * 64]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(PLAIN | st.sampled_from(["en", "name"]),
                                                                      inner, max_size=3)), max_leaves=8)
MANIFEST_KEYS = ["title", "entity", "languages", "clauses", "regimes", "notice_days", "numbering", "unnumbered",
                 "promises"]
RELEASE_KEYS = ["effective", "level", "computed_level", "justification", "summary", "content", "backfill",
                "stale_translations"]


def dump(data) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@SETTINGS
@given(st.fixed_dictionaries({}, optional={k: VALUES for k in MANIFEST_KEYS}),
       st.sampled_from([None, ["en"], ["en", "zh-CN"]]), st.sampled_from([None, ["intro", "data"]]))
@example({"title": ["a"]}, ["en"], ["intro"])
@example({"unnumbered": 5}, ["en"], ["intro"])
@example({"entity": "Acme Ltd", "regimes": "pipl"}, ["en"], ["intro"])
def test_parse_manifest_never_crashes(data, languages, clauses):
    from policygen.fragments import parse_manifest

    if languages is not None:
        data.setdefault("languages", languages)
    if clauses is not None:
        data.setdefault("clauses", clauses)
    text = dump(data)
    findings = []
    m = parse_manifest(text, "policy_src/acme/en/x.md", findings, "acme")
    assert_findings_point_into(text, findings)
    if m is None:
        assert any(f.severity == "error" for f in findings)
    else:
        # What the rest of the program relies on.
        assert all(isinstance(x, str) for x in (*m.languages, *m.clauses, *m.regimes, *m.unnumbered))
        assert isinstance(m.entity, dict) and isinstance(m.promises, dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in m.titles.items())
        assert m.title("en") and m.source_lang in m.languages


@SETTINGS
@given(st.lists(st.fixed_dictionaries({}, optional={k: VALUES for k in RELEASE_KEYS}), max_size=4),
       st.booleans())
@example([{"effective": "2023-01-01", "content": ["a"]}], True)
@example([{"effective": "2023-01-01", "stale_translations": 5}], True)
def test_parse_releases_never_crashes(entries, wrapped):
    from policygen.fragments import parse_releases

    text = dump({"releases": entries} if wrapped else entries)
    findings = []
    releases = parse_releases(text, "policy_src/acme/en/x.md", findings)
    assert_findings_point_into(text, findings)
    for r in releases:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in r.hashes.items())  # str() of a scalar
        assert isinstance(r.stale, dict)


# Blocks whose rendering depends on the blocks around them (lists, quotes, tables, code,
# definition lists, setext headings, reference links, abbreviations, raw HTML) next to plain
# paragraphs, headings and CJK text: what the chunk-by-chunk renderer must get right.
MD_BLOCKS = st.sampled_from([
    "Plain paragraph with *em* and **strong**.", "Two\nlines.", "# Head", "### Sub {: #sid }", "Setext\n======",
    "Setext2\n------", "- a\n- b", "* star", "+ plus", "1. one\n2. two", "3) paren", "    code", "\tcode tab",
    "  - indented item", "- a\n    - nested", "1. x\n\n    code in list", "> quote", "> quote\ncontinued",
    "| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n--|--\n1 | 2", "Term\n: def", ": lone def", "***", "---", "___",
    "{: .cls }", "para {: #pid }", "*[HTML]: Hyper", "[r]: http://x.example", "[link][r] here", "<div>raw</div>",
    "x < y", "hard  \nbreak", "   three-space para", "2023 was a year.", "Ends with a colon:", "para\n---",
    "- (1) item one\n- (2) item two", "(a) parenthesised", "中文段落，没有空格。", "：全角冒号开头", "\u3000全角空格开头", "    ", "",
    # what the sanitiser changes: schemes, reserved classes and ids, images, entities
    "[x](javascript:alert(1))", "[y](http://a.example \"t\")", "![img](x.png)", "para {: .md-typeset #__x }",
    "a & b &amp; &lt;c&gt; &#x202e;", "`code <b>`", "**bold *both***"])
MD_SEPARATORS = st.sampled_from(["\n", "\n\n", "\n\n", "\n\n\n", "\n  \n", "\n\t\n"])


@SETTINGS
@given(st.lists(st.tuples(MD_SEPARATORS, MD_BLOCKS), min_size=1, max_size=8), st.booleans())
@example([("", "Term\n: def"), ("\n\n", "Para"), ("\n\n", ": lone def")], False)
@example([("", "    code"), ("\n\n\n", "Para")], False)
@example([("", "- a\n- b"), ("\n\n", "* star"), ("\n\n", "> quote"), ("\n\n", "> quote")], False)
def test_rendering_chunk_by_chunk_gives_the_whole_texts_html(blocks, fresh):
    """Pieces converted and sanitised one by one, joined, are the whole text converted and
    sanitised at once."""
    from policygen import render

    text = "".join(sep + block for sep, block in blocks)
    if fresh:
        render._CHUNKS.clear()
    assert render.markdown_to_html(text) == render.sanitize(render._convert(render._shift_headings(text)))


# --- the ledger and the manifest against the declared schema (generator/schema.py) -------------

WITHDRAWAL_KEYS = ["effective", "withdrawn_on", "justification", "content"]
YAML_SNIPPETS = st.sampled_from(["!!binary aGVsbG8=", "&a [1, 2]", "*a", "!!python/object:os.system x", "[", "{",
                                 "'2027-02-30'", "2027-02-30", "~", "yes", "0x1F", "1e400", "\"\\u202e\"",
                                 "'" + "x" * 300 + "'", "|\n  block\n", ">-\n  folded\n"])


@SETTINGS
@given(st.lists(st.fixed_dictionaries({}, optional={k: VALUES for k in RELEASE_KEYS}), max_size=3),
       st.lists(st.fixed_dictionaries({}, optional={k: VALUES for k in WITHDRAWAL_KEYS}), max_size=2))
@example([{"effective": "2023-01-01", "level": "minor", "content": {"en": "a" * 64}}],
         [{"effective": "2023-01-01", "withdrawn_on": "2022-12-01", "justification": "x"}])
@example([], [{"effective": "2024-02-30", "withdrawn_on": "2024-01-01", "justification": ""}])
def test_parse_ledger_values_fit_the_schema(entries, withdrawn):
    """Whatever the ledger holds, what the parser returns has the schema's types, and every
    finding points into the file."""
    from datetime import date

    from policygen.fragments import parse_ledger
    from policygen.model import LEVELS

    text = dump({"releases": entries, "withdrawn": withdrawn})
    findings = []
    releases, withdrawals = parse_ledger(text, "policy_src/acme/en/x.md", findings)
    assert_findings_point_into(text, findings)
    for r in releases:
        assert isinstance(r.effective, date) and r.level in LEVELS
        assert r.computed_level is None or r.computed_level in LEVELS
        assert r.justification is None or isinstance(r.justification, str)
        assert isinstance(r.summary, str) and isinstance(r.backfill, bool)
        assert r.hashes and all(isinstance(k, str) and len(v) == 64 for k, v in r.hashes.items())
        assert all(isinstance(ids, list) for ids in r.stale.values())
        assert isinstance(r.record, str)
    for w in withdrawals:
        assert w.on < w.effective and w.justification.strip()
    assert len({r.effective for r in releases}) == len(releases)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(RELEASE_KEYS), YAML_SNIPPETS), max_size=4), st.booleans())
@example([("justification", "!!binary aGVsbG8=")], True)
@example([("summary", "&a [1, 2]")], False)
def test_parse_ledger_never_crashes_on_raw_yaml(pairs, aliased):
    """Hand-written YAML (tags, anchors, broken brackets, impossible dates) in a real entry."""
    from policygen.fragments import parse_ledger

    entry = "- effective: '2023-01-01'\n  level: minor\n  content:\n    en: " + "a" * 64 + "\n"
    entry += "".join(f"  {k}: {v}\n" if "\n" not in v else f"  {k}: {v.replace(chr(10), chr(10) + '  ')}\n"
                     for k, v in pairs)
    text = ("base: &a [x, y]\n" if aliased else "") + "releases:\n" + entry
    findings = []
    parse_ledger(text, "policy_src/acme/en/x.md", findings)
    assert_findings_point_into(text, findings)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["2020-01-01", "2021-01-01", "2022-01-01", "2023-01-01"]),
                          st.sampled_from(["minor", "notice", "bogus"]), st.booleans()), max_size=6))
def test_ledger_entries_read_incrementally_as_a_whole_parse_would(steps):
    """Each commit's ledger, read from the one before it (appended entries parsed alone), holds
    the records a whole parse gives: the append-only check compares those records."""
    from policygen.versions import _ledger_entries, read_ledger

    class Src:
        def __init__(self, text):
            self.data = text.encode()

        def read(self, _path):
            return self.data

    text, before = "# ledger\nreleases:\n", None
    for day, level, comment in steps:
        text += ("# note\n" if comment else "") + f"- effective: '{day}'\n  level: {level}\n  content:\n    en: {'b' * 64}\n"
        entries, before = _ledger_entries(Src(text), "acme", before)
        assert entries == {r.key: r.record for r in read_ledger(Src(text), "acme", [])}, text


@SETTINGS
@given(st.sampled_from(MANIFEST_KEYS), YAML_SNIPPETS | st.text(max_size=40))
def test_manifest_values_of_any_shape_give_findings_with_lines(key, raw):
    from policygen.fragments import parse_manifest

    text = f"languages: [en]\nclauses: [intro]\n{key}: {raw}\n" if key not in ("languages", "clauses") \
        else f"languages: [en]\nclauses: [intro]\n".replace(f"{key}: [", f"{key}: [{raw!r}, ")
    findings = []
    m = parse_manifest(text, "policy_src/acme/en/x.md", findings, "acme")
    assert_findings_point_into(text, findings)
    if m is not None:
        assert all(isinstance(x, str) for x in (*m.languages, *m.clauses))
        assert isinstance(m.notice_days, int) and m.notice_days >= 0

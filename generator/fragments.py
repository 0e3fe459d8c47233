"""Parse and validate policy sources: clause fragments, policy.yml, releases.yml.

Pure functions: they take file contents (through a ``Source``, which may be the work
tree or a git tree) and return model values plus findings with file and line.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Callable, Protocol

import yaml

from .errors import Finding
from .schema import (CLAUSE, FACT_KEYS, MANIFEST, MAX_NESTING, MAX_UNCLOSED, RELEASE, RESERVED_RULE, WITHDRAWAL,
                     check_fields, name_problem, reserved_name)
from .model import LEVELS, Clause, Manifest, PolicyText, Release, Withdrawal

REGIMES = ("gdpr", "pipl", "ccpa")
NUMBERINGS = ("decimal", "roman", "chinese", "none")


class Source(Protocol):
    """Read access to a policy tree: the work tree or a commit."""

    def read(self, relpath: str) -> bytes | None: ...

    def listdir(self, relpath: str) -> list[str]: ...


def decode(data: bytes, path: str, findings: list[Finding], controls: bool = True) -> str | None:
    """The text of a source file, line ends made LF; None (with a finding) if it is not UTF-8
    or (``controls``) holds a control character."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        findings.append(Finding(path, line, "file is not valid UTF-8",
                                hint="re-save the file with UTF-8 encoding"))
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if controls:
        m = CONTROL_RE.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            more = len(CONTROL_RE.findall(text)) - 1
            findings.append(Finding(path, line, f"{control_name(m.group())} at column {column}"
                                    + (f" ({more} more in the file)" if more else ""), hint=CONTROL_HINT))
            return None
    return text


# Control characters: C0 but tab and line ends, DEL and C1. Invisible, and not text: a NUL cuts
# a string short in C programs, an escape code recolours a terminal, C1 codes are usually
# characters of a Windows-1252 text read as Latin-1 (U+0092 for a curly apostrophe).
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_HINT = ("delete it, or retype the character it stands for: control characters are invisible and are not "
                "text (a form feed or vertical tab is a page or line break: use a blank line)")
_CONTROL_NAMES = {0: "NUL", 0x07: "bell", 0x08: "backspace", 0x0b: "vertical tab", 0x0c: "form feed",
                  0x1b: "escape", 0x7f: "DEL"}


def control_name(char: str) -> str:
    """E.g. 'control character U+0000 (NUL)'."""
    code = ord(char)
    name = _CONTROL_NAMES.get(code, "C1 control" if code >= 0x80 else "")
    return f"control character U+{code:04X}" + (f" ({name})" if name else "")


def _yaml_error(exc: yaml.YAMLError, path: str, line_offset: int, text: str = "") -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    opened = getattr(exc, "context_mark", None)
    if context and opened is not None and (
            "end of stream" in problem or "<stream end>" in problem
            or (context.startswith("while parsing a flow") and opened.line < mark.line)):
        # An unclosed quote or bracket: point at where it was opened, not where YAML gave up.
        mark = opened
        problem = re.sub(r"^while (scanning|parsing) ", "", context) + " is never closed"
    elif "could not find expected ':'" in problem and opened is not None:
        # YAML notices a line without ':' only on the next line.
        mark = opened
        problem = "a line that is not 'key: value' (a missing ':'?)"
    line = mark.line if mark is not None else None
    if line is not None and text:
        # A mark at the very start of a line past the text's content (the end of the file, an
        # empty line) belongs to the last line that has content.
        rows = text.split("\n")
        while line > 0 and mark.column == 0 and (line >= len(rows) or not rows[line].strip()):
            line -= 1
    line = (line + 1 + line_offset) if line is not None else None
    return Finding(path, line, f"malformed YAML: {problem}",
                   hint="check indentation and quote values that contain ':' or '#'")


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (YAML silently keeps the last one)."""


# libyaml's parser, ten times faster, for the common case; a text it rejects is parsed again
# by the pure-Python one, whose messages the error reports are written for.
_FastLoader = type("_FastLoader", (getattr(yaml, "CSafeLoader", yaml.SafeLoader),), {})


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:  # "? [a, b]": a list as a key
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value, not a list or mapping", key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen[key] = True
    return loader.construct_mapping(node, deep)


for _loader in (_UniqueKeyLoader, _FastLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    # Dates stay strings: a YAML date and a quoted date must mean the same thing.
    _loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


MAX_EXPANDED = 10_000  # values an aliased document may expand to (the largest real one holds a few hundred)


def load_yaml(text: str, path: str, findings: list[Finding], line_offset: int = 0, escapes: bool = False):
    """The value of a YAML text, or None with a finding. ``escapes``: a control character
    written as an escape in a quoted value (``"\\0"``) is an error too."""
    try:
        try:
            data = yaml.load(text, Loader=_FastLoader)
        except yaml.YAMLError:
            try:
                data = yaml.load(text, Loader=_UniqueKeyLoader)
            except yaml.YAMLError as exc:
                findings.append(_yaml_error(exc, path, line_offset, text))
                return None
    except RecursionError:
        # PyYAML builds nested values by recursion: some hundred levels use up Python's stack.
        data = _TOO_DEEP
    if data is not _TOO_DEEP and "*" in text and _expands_beyond(data, MAX_EXPANDED):
        # Aliases share one object, but everything that walks the value (hashing, diffs,
        # pages) expands them: ten nested aliases are gigabytes ("billion laughs").
        line = next((e.start_mark.line for e in yaml.parse(text, Loader=yaml.SafeLoader)
                     if isinstance(e, yaml.AliasEvent)), 0)
        findings.append(Finding(path, line + 1 + line_offset,
                                f"YAML aliases ('*name') here expand to more than {MAX_EXPANDED:,} values",
                                hint="write the values out instead of repeating anchors"))
        return None
    if data is _TOO_DEEP or (data is not None and not isinstance(data, str) and _deeper_than(data, MAX_NESTING)):
        line = _deep_line(text, MAX_NESTING)
        findings.append(Finding(path, None if line is None else line + 1 + line_offset,
                                f"YAML nested more than {MAX_NESTING} deep",
                                hint="write the value with fewer levels of lists and mappings inside each other"))
        return None
    if escapes and "\\" in text:
        char = _escaped_control(data)
        if char:
            line = next((e.start_mark.line for e in yaml.parse(text, Loader=_FastLoader)
                         if isinstance(e, yaml.ScalarEvent) and char in e.value), 0)
            findings.append(Finding(path, line + 1 + line_offset,
                                    f"{control_name(char)} written as an escape in a YAML value", hint=CONTROL_HINT))
            return None
    return data


_TOO_DEEP = object()


def _deeper_than(data, limit: int) -> bool:
    """Whether lists and mappings nest more than ``limit`` deep in ``data`` (the top one is 1)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return False


def _deep_line(text: str, limit: int) -> int | None:
    """The 0-based line where YAML collections first nest more than ``limit`` deep (the
    parser's events come one by one, without recursion)."""
    for _attempt in range(2):
        depth = 0
        try:
            for event in yaml.parse(text, Loader=_FastLoader):
                if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    depth += 1
                    if depth > limit:
                        return event.start_mark.line
                elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    depth -= 1
        except yaml.YAMLError as exc:
            # libyaml stops at 1,000 levels of '[' or '{' while it looks ahead for a key,
            # before it reports any of them: read the text up to there again.
            mark = getattr(exc, "problem_mark", None)
            if mark is None or not mark.index:
                return None
            text = text[: mark.index]
    return None


def _escaped_control(data) -> str | None:
    """The first control character in a key or value of ``data``."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            m = CONTROL_RE.search(value)
            if m:
                return m.group()
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return None


def _expands_beyond(data, limit: int) -> bool:
    """Whether walking ``data`` (aliases expanded) meets more than ``limit`` values; stops early."""
    count, stack = 0, [data]
    while stack:
        value = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter YAML or None, body, line number of the body's first line)."""
    if not text.startswith("---\n"):
        return None, text, 1
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], re.M)
    if not end:
        return None, text, 1
    fm = text[4: 4 + end.start()]
    rest = text[4 + end.end():]
    body_line = 1 + text[: 4 + end.end()].count("\n") + 1
    if rest.startswith("\n"):
        rest = rest[1:]
    else:
        body_line -= 1
    return fm, rest, body_line


def _key_line(fm: str, key: str) -> int:
    m = re.search(rf"^{re.escape(key)}\s*:", fm, re.M)
    return fm[: m.start()].count("\n") + 2 if m else 2


def parse_clause(text: str, path: str, findings: list[Finding]) -> Clause | None:
    """Parse one clause fragment; append findings; return None if unusable."""
    clause, found = _parse_clause(text, path)
    findings.extend(found)
    return clause


@functools.lru_cache(maxsize=65536)
def _parse_clause(text: str, path: str) -> tuple[Clause | None, tuple[Finding, ...]]:
    # Memoised: fifty versions hold mostly the same files, and a clause is a frozen value.
    findings: list[Finding] = []
    return _parse_clause_text(text, path, findings), tuple(findings)


def _parse_clause_text(text: str, path: str, findings: list[Finding]) -> Clause | None:
    fm, body, body_line = split_front_matter(text)
    if fm is None:
        findings.append(Finding(path, 1, "clause has no YAML front matter",
                                hint="start the file with '---', an 'id:' and a 'title:', then '---'"))
        return None
    meta = load_yaml(fm, path, findings, line_offset=1, escapes=True)
    if meta is None and findings and findings[-1].path == path:
        return None
    if not isinstance(meta, dict):
        findings.append(Finding(path, 2, "front matter must be a mapping of keys to values",
                                hint="write 'id: my-clause' and 'title: ...' between the '---' lines"))
        return None
    if check_fields(meta, CLAUSE, path, lambda key: _key_line(fm, key) if key else 2, findings, "front matter"):
        return None
    cid, title = str(meta["id"]), meta["title"]
    for text_, first_line, what in ((title, _key_line(fm, "title"), "title"), (body, body_line, "")):
        problem = markup_problem(text_)
        if problem:
            offset, message, hint = problem
            line = first_line if what else first_line + body.count("\n", 0, offset)
            findings.append(Finding(path, line, (f"in the title: {message}" if what else message), hint=hint))
            return None
    facts = {k: meta[k] for k in FACT_KEYS if k in meta and meta[k] is not None}
    src = meta.get("source_hash")
    return Clause(id=cid, title=title.strip(), body=body.rstrip() + "\n" if body.strip() else "",
                  facts=facts, source_hash=str(src) if src else None,
                  path=path, body_line=body_line, fact_lines={k: _key_line(fm, k) for k in facts})


# --- what Markdown rendering can do in bounded time ------------------------------------------

_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
_BRACKET_RE = re.compile(r"\\.|[\[\]]", re.S)
_PAREN_RE = re.compile(r"\\.|[()]", re.S)
# a line whose prefix of indentation and list or quote markers is long enough to nest deep
_DEEP_PREFIX_RE = re.compile(rf"^[ \t>*+\-0-9.)]{{{MAX_NESTING + 1},}}", re.M)
_TAG_START_RE = re.compile(r"<[A-Za-z]")
_RULE_RE = re.compile(r"[ ]{0,3}([-*_])(?:[ \t]*\1)+[ \t]*$", re.M)
_PREFIX_RE = re.compile(r"[ \t]+|>|[-*+](?=[ \t]|$)|[0-9]{1,9}[.)](?=[ \t]|$)", re.M)
BRACKET_HINT = (r"write a bracket that is only text as \[ or \] (with a backslash), or close the brackets "
                f"that are open; links nest at most {MAX_NESTING} deep")


def markup_problem(text: str) -> tuple[int, str, str] | None:
    """(offset, message, hint) where Markdown text nests beyond the limits of schema.py
    (brackets and link targets per paragraph, lists and quotes per line, HTML tags left open
    at the end), else None.
    Linear in the text; paragraphs with few brackets are not scanned at all."""
    if text.count("[") > MAX_NESTING:
        for start, end in _paragraphs(text):
            if text.count("[", start, end) > MAX_NESTING:
                got = _bracket_problem(text, start, end)
                if got:
                    return got
    after = text.rfind(">") + 1
    if text.count("<", after) > MAX_UNCLOSED:
        # Python's HTML parser looks for the '>' of each such tag to the end of the text.
        starts = [m.start() for m in _TAG_START_RE.finditer(text, after)]
        if len(starts) > MAX_UNCLOSED:
            return (starts[0], f"more than {MAX_UNCLOSED} '<' start an HTML tag that no '>' closes ({len(starts):,})",
                    "write a '<' that is only text as &lt;, or end the tag with '>'")
    for m in _DEEP_PREFIX_RE.finditer(text):
        if _RULE_RE.match(text, m.start()):
            continue  # a rule such as '- - - - -', not a list
        depth, pos = 0, m.start()
        while pos < m.end():
            part = _PREFIX_RE.match(text, pos, m.end() + 1)
            if not part:
                break
            token, pos = part.group(), part.end()
            depth += len(token.expandtabs(4)) // 4 if token[0] in " \t" else 1  # 4 columns indent a level
            if depth > MAX_NESTING:
                return (m.start(), f"lists and quotes nested more than {MAX_NESTING} deep",
                        "flatten the structure: move the innermost items up a level, or out of the list")
    return None


def _paragraphs(text: str):
    """(start, end) of each run of lines between blank lines: Markdown reads links within one."""
    start = 0
    for m in _BLANK_LINE_RE.finditer(text):
        yield start, m.start()
        start = m.end()
    yield start, len(text)


def _bracket_problem(text: str, start: int, end: int) -> tuple[int, str, str] | None:
    opened: list[int] = []  # offsets of the '[' open at this point
    deep = None  # where the nesting first went past the limit
    targets: list[int] = []  # offsets of the '(' of each '](' that closes a '['
    for m in _BRACKET_RE.finditer(text, start, end):
        c = m.group()
        if c == "[":
            opened.append(m.start())
            if deep is None and len(opened) > MAX_NESTING:
                deep = m.start()
        elif c == "]" and opened:
            opened.pop()
            if text.startswith("(", m.end(), end):
                targets.append(m.end())
    if len(opened) > MAX_UNCLOSED:
        return (opened[0], f"more than {MAX_UNCLOSED} '[' are never closed in this paragraph ({len(opened):,})",
                BRACKET_HINT)
    if deep is not None:
        return deep, f"brackets '[' nested more than {MAX_NESTING} deep", BRACKET_HINT
    if len(targets) > MAX_UNCLOSED:
        unclosed = _unclosed_parens(text, start, end, targets)
        if len(unclosed) > MAX_UNCLOSED:
            return (unclosed[0], f"more than {MAX_UNCLOSED} link targets '](' are never closed in this paragraph "
                                 f"({len(unclosed):,})",
                    r"close each link target with ')', or write a bracket that is only text as \[ or \(")
    return None


def _unclosed_parens(text: str, start: int, end: int, targets: list[int]) -> list[int]:
    """Those of ``targets`` (offsets of '(') that no ')' closes before ``end``."""
    tokens = [(m.start(), m.group()) for m in _PAREN_RE.finditer(text, start, end) if m.group() in "()"]
    after, balance = [], 0  # the balance of parentheses after each token
    for _pos, c in tokens:
        balance += 1 if c == "(" else -1
        after.append(balance)
    lowest, suffix_min = None, [0] * len(after)  # the lowest balance from each token on
    for i in range(len(after) - 1, -1, -1):
        lowest = after[i] if lowest is None else min(lowest, after[i])
        suffix_min[i] = lowest
    index = {pos: i for i, (pos, _c) in enumerate(tokens)}
    # the '(' at token i opened at balance after[i] - 1; a later balance below after[i] closes it
    return [p for p in targets if p in index and suffix_min[index[p]] >= after[index[p]]]


def render_clause_file(clause: Clause) -> str:
    """Serialise a clause back to a fragment file (used by the importer)."""
    meta = {"id": clause.id, "title": clause.title}
    if clause.source_hash:
        meta["source_hash"] = clause.source_hash
    meta.update(clause.facts)
    fm = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{fm}---\n\n{clause.body.strip()}\n"


def parse_manifest(text: str, path: str, findings: list[Finding], policy_id: str) -> Manifest | None:
    data = load_yaml(text, path, findings)
    if data is None:
        if not any(f.path == path for f in findings):
            findings.append(Finding(path, 1, "policy.yml is empty",
                                    hint="list 'languages:' and 'clauses:' (see README)"))
        return None
    if not isinstance(data, dict):
        findings.append(Finding(path, 1, "policy.yml must be a mapping"))
        return None

    def line(key):
        return _key_line(text, key) - 1

    bad = check_fields(data, MANIFEST, path, line, findings, "policy.yml")
    ok = not bad
    langs = data["languages"] if "languages" not in bad else []
    clauses = [str(c) for c in data["clauses"]] if "clauses" not in bad else []
    seen = set()
    for cid in clauses:
        if cid in seen:
            findings.append(Finding(path, line("clauses"), f"clause id {cid!r} listed twice in 'clauses'"))
            ok = False
        seen.add(cid)

    def as_list(key, default):
        """A list value (checked by the schema); a single string stands for a list of one."""
        value = data.get(key) if key not in bad else None
        return [value] if isinstance(value, str) else (value or default)

    regimes = as_list("regimes", ["gdpr"])
    unnumbered = as_list("unnumbered", [])
    for r in regimes:
        if r not in REGIMES:
            findings.append(Finding(path, line("regimes"), f"unknown regime {r!r}",
                                    hint="known regimes: " + ", ".join(REGIMES)))
            ok = False
    numbering = data.get("numbering") or "decimal"
    styles = numbering.values() if isinstance(numbering, dict) else [numbering]
    if "numbering" not in bad and any(n not in NUMBERINGS for n in styles):
        findings.append(Finding(path, line("numbering"), f"unknown numbering {numbering!r}",
                                hint="use one of: " + ", ".join(NUMBERINGS)
                                + ", or one per language, e.g. numbering: {en: roman, zh-CN: chinese}"))
        ok = False
    elif isinstance(numbering, dict):
        numbering = tuple(sorted((str(k), v) for k, v in numbering.items()))
    notice_days = data.get("notice_days")
    notice_days = 30 if notice_days is None else notice_days
    titles = data.get("title") or {}
    if isinstance(titles, str):
        titles = {langs[0] if langs else "en": titles}
    entity = data.get("entity") or {}
    if isinstance(entity, str):
        entity = {"name": entity}
    promises = data.get("promises") or {}
    if not ok:
        return None
    return Manifest(
        id=policy_id, titles={str(k): str(v) for k, v in titles.items()}, languages=tuple(langs),
        clauses=tuple(str(c) for c in clauses), entity=entity,
        regimes=tuple(regimes), notice_days=notice_days, numbering=numbering,
        unnumbered=tuple(str(u) for u in unnumbered), promises=promises,
        path=path,
    )


def parse_releases(text: str, path: str, findings: list[Finding]) -> list[Release]:
    releases, _withdrawn, found = _parse_ledger(text, path)
    findings.extend(found)
    return list(releases)


def parse_ledger(text: str, path: str, findings: list[Finding]) -> tuple[list[Release], list[Withdrawal]]:
    """The releases and the withdrawals a ledger records."""
    releases, withdrawn, found = _parse_ledger(text, path)
    findings.extend(found)
    return list(releases), list(withdrawn)


@functools.lru_cache(maxsize=1024)
def _parse_ledger(text: str, path: str) -> tuple[tuple[Release, ...], tuple[Withdrawal, ...], tuple[Finding, ...]]:
    # Memoised: a build reads each commit's ledger twice (its releases, and the policy's checks).
    findings: list[Finding] = []
    data = load_yaml(text, path, findings)
    if data is None:
        return (), (), tuple(findings)
    entries = data.get("releases") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        findings.append(Finding(path, 1, "releases.yml must hold 'releases:', a list of versions"))
        return (), (), tuple(findings)
    rows = text.split("\n")
    releases = _parse_releases_list(entries, _entry_lines(text, "releases"), rows, path, findings)
    withdrawn = isinstance(data, dict) and data.get("withdrawn")
    withdrawals = _parse_withdrawals(withdrawn, _entry_lines(text, "withdrawn"), rows, path, findings) \
        if withdrawn else []
    taken = {w.effective: w for w in withdrawals}
    for r in releases:
        if r.effective in taken:
            findings.append(Finding(path, r.line or None, f"version {r.key} is listed both as released and as withdrawn",
                                    hint=f"the withdrawal is at line {taken[r.effective].line}; a withdrawn date "
                                         "is not used again: release the corrected text under another date"))
    return tuple(releases), tuple(withdrawals), tuple(findings)


def _entry_lines(text: str, section: str) -> list[int]:
    """The line of each '- effective:' item under a top-level key (or of a bare list)."""
    lines, inside = [], not re.search(r"^[A-Za-z_]\w*\s*:", text, re.M)
    for i, ln in enumerate(text.splitlines()):
        top = re.match(r"^([A-Za-z_]\w*)\s*:", ln)
        if top:
            inside = top.group(1) == section
        elif inside and re.match(r"^\s*-\s+effective\s*:", ln):
            lines.append(i + 1)
    return lines


def _entry_line_of(rows: list[str], start: int | None, end: int | None):
    """The line of a key inside one list item of the ledger (which starts at line ``start``)."""
    def line_of(key: str) -> int | None:
        if start is None or not key:
            return start
        for n in range(start, (end or len(rows) + 1)):
            if re.match(rf"^\s*(-\s+)?{re.escape(key)}\s*:", rows[n - 1]):
                return n
        return start
    return line_of


def _parse_releases_list(entries: list, lines: list[int], rows: list[str], path: str,
                         findings: list[Finding]) -> list[Release]:
    out: list[Release] = []
    seen: dict = {}
    for i, e in enumerate(entries):
        line = lines[i] if i < len(lines) else None
        if not isinstance(e, dict) or "effective" not in e:
            findings.append(Finding(path, line, "each release needs an 'effective: YYYY-MM-DD' date",
                                    hint="released entries are written by 'policygen release'; restore this one from git"))
            continue
        line_of = _entry_line_of(rows, line, lines[i + 1] if i + 1 < len(lines) else None)
        if check_fields(e, RELEASE, path, line_of, findings, f"release {e['effective']}"):
            continue
        eff = date.fromisoformat(e["effective"])
        if eff in seen:
            findings.append(Finding(path, line, f"two releases take effect on {eff}",
                                    hint=f"the first is at line {seen[eff]}; a version has one effective date"))
            continue
        seen[eff] = line
        out.append(Release(
            effective=eff, level=e["level"], computed_level=e.get("computed_level"),
            justification=e.get("justification"), summary=e.get("summary") or "",
            hashes=dict(e["content"]), backfill=bool(e.get("backfill", False)),
            stale=e.get("stale_translations") or {}, lagging=e.get("lagging") or {}, line=line or 0,
        ))
    return sorted(out, key=lambda r: r.effective)


def _parse_withdrawals(entries, lines: list[int], rows: list[str], path: str,
                       findings: list[Finding]) -> list[Withdrawal]:
    if not isinstance(entries, list):
        findings.append(Finding(path, None, "'withdrawn' must be a list of withdrawn releases",
                                hint="withdrawals are written by 'policygen release --withdraw'; restore it from git"))
        return []
    out = []
    for i, e in enumerate(entries):
        line = lines[i] if i < len(lines) else None
        if not isinstance(e, dict):
            findings.append(Finding(path, line, "each withdrawal needs 'effective' and 'withdrawn_on' dates",
                                    hint="withdrawals are written by 'policygen release --withdraw'"))
            continue
        line_of = _entry_line_of(rows, line, lines[i + 1] if i + 1 < len(lines) else None)
        if check_fields(e, WITHDRAWAL, path, line_of, findings, "withdrawal"):
            continue
        eff, on = date.fromisoformat(e["effective"]), date.fromisoformat(e["withdrawn_on"])
        if on >= eff:
            findings.append(Finding(path, line, f"version {eff} was withdrawn on {on}, when it was already in force",
                                    hint="only a version not yet in force can be withdrawn; correct it with a new version"))
            continue
        out.append(Withdrawal(effective=eff, on=on, justification=e["justification"].strip(),
                              hashes=dict(e.get("content") or {}), line=line or 0))
    return out


def release_to_yaml(r: Release) -> dict:
    entry = {"effective": r.effective.isoformat(), "level": r.level}
    if r.computed_level:  # recorded with every new entry: the floor later checks hold the level to
        entry["computed_level"] = r.computed_level
    if r.justification:
        entry["justification"] = r.justification
    if r.summary:
        entry["summary"] = r.summary
    if r.backfill:
        entry["backfill"] = True
    if r.stale:
        entry["stale_translations"] = r.stale
    if r.lagging:
        entry["lagging"] = dict(r.lagging)
    entry["content"] = dict(r.hashes)
    return entry


def withdrawal_to_yaml(w: Withdrawal) -> dict:
    return {"effective": w.key, "withdrawn_on": w.on.isoformat(), "justification": w.justification,
            "content": dict(w.hashes)}


def dump_releases(releases: list[Release], withdrawals: list[Withdrawal] = ()) -> str:
    head = ("# Release ledger: one entry per published version. Written by `policygen release`;\n"
            "# reviewed in pull requests like any other change. Do not edit released entries.\n")
    data = {"releases": [release_to_yaml(r) for r in sorted(releases, key=lambda r: r.effective)]}
    if withdrawals:
        data["withdrawn"] = [withdrawal_to_yaml(w) for w in sorted(withdrawals, key=lambda w: w.effective)]
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def load_policy(src: Source, root: str, policy_id: str, findings: list[Finding], *, ledger: bool = True,
                parsed: dict | None = None) -> tuple[Manifest | None, dict]:
    """Load one policy folder: its manifest and each language's clauses in manifest order.

    ``ledger=False`` skips checking releases.yml. ``parsed`` ((path, blob) -> clause, for a
    source that names blobs: a commit) lets versions share the clauses of files they share,
    read and parsed once: memory and time grow with the text that changed, not with versions."""
    base = f"{root}/{policy_id}" if root else policy_id
    mpath = f"{base}/policy.yml"
    bad_name = name_problem("policy id", policy_id)
    if bad_name:
        # The folder name is the policy id: it becomes URLs, file names and feed ids.
        findings.append(Finding(base, None, f"the folder name is an {bad_name}",
                                hint="rename the folder (git mv); versions follow a renamed folder"))
        return None, {}
    if _links(src, [base, mpath, f"{base}/releases.yml", *(f"{base}/{n}" for n in src.listdir(base))], findings):
        return None, {}
    data = src.read(mpath)
    if data is None:
        findings.append(Finding(base, None, "policy folder has no policy.yml",
                                hint="create one (see README) or run 'policygen import'"))
        return None, {}
    text = decode(data, mpath, findings)
    if text is None:
        return None, {}
    manifest = parse_manifest(text, mpath, findings, policy_id)
    if manifest is None:
        return None, {}
    texts = {}
    for lang in manifest.languages:
        texts[lang] = _load_language(src, base, manifest, lang, findings, text, parsed)
    ledger_path = f"{base}/releases.yml"
    ledger_data = src.read(ledger_path) if ledger else None
    if ledger_data is not None:
        ledger_text = decode(ledger_data, ledger_path, findings)
        if ledger_text is not None:
            parse_releases(ledger_text, ledger_path, findings)
    for entry in src.listdir(base):
        if entry in ("policy.yml", "releases.yml") or entry.startswith("."):
            continue
        if src.listdir(f"{base}/{entry}") and entry not in manifest.languages:
            findings.append(Finding(f"{base}/{entry}", None,
                                    f"folder {entry!r} is not a language listed in policy.yml",
                                    hint=f"add {entry!r} to 'languages:' in {mpath} or remove the folder"))
    return manifest, texts


def _links(src: Source, paths, findings: list[Finding]) -> set:
    """Symbolic links among ``paths``, each reported: git stores the link, not the file it
    points to, so a release would record text that no commit holds (and a link may point
    anywhere on the machine that builds)."""
    is_link = getattr(src, "is_link", None)
    found = {p for p in paths if is_link is not None and is_link(p)}
    for p in sorted(found):
        findings.append(Finding(p, None, "is a symbolic link; policygen reads only regular files and folders "
                                         "in the policy sources", hint="replace the link with a copy of what it points to"))
    return found


def _listed_line(manifest_text: str, cid: str) -> int | None:
    """The line of policy.yml that lists a clause id under 'clauses:'."""
    start = re.search(r"^clauses\s*:", manifest_text, re.M)
    if not start:
        return None
    m = re.compile(rf"(^\s*-\s*|[\[,]\s*)['\"]?{re.escape(cid)}['\"]?\s*(?=[,\]#\n]|$)", re.M).search(
        manifest_text, start.start())
    return manifest_text.count("\n", 0, m.start() + len(m.group(1))) + 1 if m else None


def _load_language(src: Source, base: str, manifest: Manifest, lang: str, findings: list[Finding],
                   manifest_text: str = "", parsed: dict | None = None) -> PolicyText:
    folder = f"{base}/{lang}"
    names = sorted(n for n in src.listdir(folder) if n.endswith(".md"))
    linked = _links(src, [f"{folder}/{n}" for n in names], findings)
    names = [n for n in names if f"{folder}/{n}" not in linked]
    source = lang == manifest.source_lang
    if not names:
        sev = "error" if source else "warning"
        findings.append(Finding(folder, None, f"no clauses for language {lang!r}", severity=sev,
                                hint="import the text with 'policygen import FILE --policy "
                                     f"{manifest.id} --lang {lang}'"))
    by_id: dict[str, Clause] = {}
    broken: set[str] = set()  # files already reported as unreadable
    orphans: list[Clause] = []
    for name in names:
        path = f"{folder}/{name}"
        key = (path, src.object_id(path)) if parsed is not None else None
        clause = parsed.get(key) if key else None
        if clause is None:
            text = decode(src.read(path) or b"", path, findings)
            clause = None if text is None else parse_clause(text, path, findings)
            if clause is None:
                broken.add(name)
                continue
            if key and key[1]:
                parsed[key] = clause
        if reserved_name(name):  # e.g. CON.md holding clause 'contact'
            findings.append(Finding(path, None, f"the file name {name!r} is a reserved device name on Windows, "
                                                "where the file cannot be checked out",
                                    hint=f"rename it (git mv) to {clause.id}.md, its clause id; ids use {RESERVED_RULE}"))
            broken.add(name)
            continue
        if clause.id in by_id:
            findings.append(Finding(path, 2, f"duplicate clause id {clause.id!r}",
                                    hint=f"also used by {by_id[clause.id].path}; ids must be unique"))
            continue
        by_id[clause.id] = clause
        if clause.id not in manifest.clauses and not source:
            # The source language was restructured after this translation: the language lags,
            # which never stops a build or a release (lint.stale_translations warns about it).
            orphans.append(clause)
        elif clause.id not in manifest.clauses:
            findings.append(Finding(path, 2, f"clause {clause.id!r} is not listed in policy.yml",
                                    hint=f"add it to 'clauses:' in {manifest.path} where it belongs in the text"))
    ordered = []
    for cid in manifest.clauses:
        if cid in by_id:
            ordered.append(by_id[cid])
        elif names and f"{cid}.md" not in broken:  # a broken file is reported already
            sev = "error" if source else "warning"
            what = "clause" if source else "translation of clause"
            findings.append(Finding(manifest.path, _listed_line(manifest_text, cid),
                                    f"{what} {cid!r} has no file in {folder}/",
                                    severity=sev,
                                    hint=f"create {folder}/{cid}.md or remove {cid!r} from 'clauses:'"))
    return PolicyText(manifest=manifest, lang=lang, clauses=tuple(ordered), orphans=tuple(orphans))


def list_policies(src: Source, root: str) -> list[str]:
    return sorted(n for n in src.listdir(root) if not n.startswith(".") and src.read(f"{root}/{n}/policy.yml") is not None)


TextReader = Callable[[str], "bytes | None"]

"""The one declared schema of the policy sources: every key of policy.yml, of a clause's
front matter and of an entry in releases.yml, with its type and rule, and the patterns
names must match (they become folder names, URLs and HTML ids).

The parsers in fragments.py check each mapping against its table here first, so a wrong type
is reported as ``path:line: error: 'key' must be ...`` before any value is used. To add a
key, add a row to its table; README's "Source file reference" lists the same rows.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Callable

from .errors import Finding

LEVELS = ("editorial", "minor", "notice", "consent")

# Names are data: a policy id is a folder and a URL segment, a language code a folder, a URL
# segment and an HTML lang attribute, a clause id a file name and an HTML id.
NAME_PATTERNS = {
    "policy id": (re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$"),
                  "1 to 64 lower-case letters, digits and '-', starting with a letter or digit"),
    "language code": (re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$"),
                      "a BCP 47 code such as en, de or zh-CN (at most 35 characters)"),
    "clause id": (re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$"),
                  "1 to 100 lower-case letters, digits and '-', starting with a letter or digit"),
}
FACT_KEYS = (
    "purposes", "data_categories", "legal_bases", "recipients", "transfers", "retention",
    "rights", "contacts", "automated_decisions", "children", "cookies", "security", "methods",
)
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# Names Windows keeps for devices: a file or folder named so (with any extension: con.md) cannot
# be checked out there, so a clone on a Windows laptop would lose that clause or policy.
RESERVED_NAME_RE = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.I)
RESERVED_RULE = "a name that is not a reserved device name on Windows (con, prn, aux, nul, com0-com9, lpt0-lpt9)"

# Limits that keep reading and rendering a source bounded (README: "Limits"). Python-Markdown
# scans from every '[' to its ']' (and from every '](' to its ')'), and nests a call per list,
# quote and YAML level: the work grows with the square of the nesting, or ends in a RecursionError.
MAX_NESTING = 32  # '[' inside '[', lists and quotes inside each other, YAML collections inside each other
MAX_UNCLOSED = 32  # '[' (or link targets '](') never closed in one paragraph


def reserved_name(value: str) -> bool:
    """Whether a name (a file name without its extension) is a Windows device name."""
    return bool(RESERVED_NAME_RE.match(value.split(".", 1)[0]))


def name_problem(kind: str, value) -> str | None:
    """Why ``value`` is not a valid name of this kind (None if it is)."""
    pattern, rule = NAME_PATTERNS[kind]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # 'id: 2024' is read as a number
    if isinstance(value, str) and pattern.match(value):
        if reserved_name(value):
            return f"invalid {kind} {value!r}: use {RESERVED_RULE}, e.g. '{value}-1'"
        return None
    shown = repr(value) if not isinstance(value, str) or len(value) <= 40 else repr(value[:40]) + "..."
    return f"invalid {kind} {shown}: use {rule}"


def date_problem(value) -> tuple[str, str] | None:
    """None if ``value`` is a date written YYYY-MM-DD, else (reason, hint); the reason is
    empty for a wrong format and says what is wrong with a day that does not exist."""
    text = value if isinstance(value, str) else ""
    if not DATE_RE.match(text):
        return "", "write dates as YYYY-MM-DD"
    year, month, day = (int(x) for x in text.split("-"))
    if not 1 <= month <= 12:
        return f"there is no month {month}", "write dates as YYYY-MM-DD"
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days or year < 1:
        return f"{calendar.month_name[month]} {year} has {days} days", "check the day of the month"
    return None


def date_message(what: str, value) -> tuple[str, str] | None:
    """(message, hint) for an invalid date, e.g. "invalid date '2027-02-30': February 2027 has 28 days"."""
    problem = date_problem(value)
    if problem is None:
        return None
    reason, hint = problem
    return f"{what} {value!r}" + (f": {reason}" if reason else ""), hint


def _date(v):
    problem = date_message("invalid date", v)
    return problem and problem[0]


# --- value types: each returns why a value does not fit, or None -------------------------

def _text(v):
    return None if isinstance(v, str) else "must be text"


def _scalar(v):
    # YAML reads an unquoted hash such as 1234e567 as a number: what matters is that it is one value.
    return None if isinstance(v, (str, int, float)) and not isinstance(v, bool) else "must be text"


def _nonempty_text(v):
    return None if isinstance(v, str) and v.strip() else "must be non-empty text"


def _level(v):
    return None if isinstance(v, str) and v in LEVELS else "must be one of " + ", ".join(LEVELS)


def _bool(v):
    return None if isinstance(v, bool) else "must be true or false"


def _days(v):
    return None if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else "must be a whole number of days"


def _hashes(v):
    if not isinstance(v, dict) or not v:
        return "must map each language to its content hash"
    for k, h in v.items():
        if name_problem("language code", k) or not isinstance(h, str) or not HASH_RE.match(h):
            return f"must map each language to its content hash (64 hex digits); {k!r} does not"
    return None


def _stale(v):
    if not isinstance(v, dict):
        return "must map each language to a list of clause ids"
    for k, ids in v.items():
        if name_problem("language code", k) or not isinstance(ids, list) \
                or any(name_problem("clause id", i) for i in ids):
            return f"must map each language to a list of clause ids; {k!r} does not"
    return None


def _lagging(v):
    if not isinstance(v, dict):
        return "must map each lagging language to the date of the version whose translation it keeps publishing"
    for k, d in v.items():
        if name_problem("language code", k) or not isinstance(d, str) or _date(d):
            return f"must map each lagging language to a date YYYY-MM-DD; {k!r} does not"
    return None


def _lang_list(v):
    if not isinstance(v, list) or not v:
        return "must be a list of language codes, the source language first"
    bad = [x for x in v if name_problem("language code", x)]
    return name_problem("language code", bad[0]) if bad else None


def _id_list(v):
    if not isinstance(v, list) or not v:
        return "must be a list of clause ids in reading order"
    bad = [x for x in v if name_problem("clause id", x)]
    return name_problem("clause id", bad[0]) if bad else None


def _ids_or_one(v):
    return _id_list([v] if isinstance(v, str) else v) if v else None


def _titles(v):
    if isinstance(v, str):
        return None
    if isinstance(v, dict) and all(isinstance(t, str) and t.strip() for t in v.values()) \
            and not any(name_problem("language code", k) for k in v):
        return None
    return "must be a title, or one title per language (en: ..., zh-CN: ...)"


def _numbering(v):
    if isinstance(v, str) or (isinstance(v, dict) and all(isinstance(x, str) for x in v.values())):
        return None
    return "must be a word, or one word per language"


def _mapping(v):
    return None if isinstance(v, dict) else "must be a mapping"


def _entity(v):
    return None if isinstance(v, (str, dict)) else "must be a name, or a mapping such as 'name: Acme Ltd'"


def _words_or_one(v):
    items = [v] if isinstance(v, str) else v
    return None if isinstance(items, list) and all(isinstance(x, str) for x in items) else "must be a list of words"


def _fact(v):
    return None if isinstance(v, (str, list, dict, bool, int)) and not isinstance(v, bytes) \
        else "must be text, a list or a mapping"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # the type, as README names it
    check: Callable[[object], "str | None"]
    required: bool = False
    rule: str = ""  # what the value means
    missing: str = ""  # the message when a required key is missing (default: "<what> has no '<name>'")


MANIFEST = (
    Field("title", "text, or language: text", _titles, rule="the policy's title (per language)"),
    Field("entity", "text or mapping", _entity, rule="the controller: name, address, contacts"),
    Field("languages", "list of language codes", _lang_list, True, "the source language first",
          missing="policy.yml needs 'languages:', a list with the source language first"),
    Field("clauses", "list of clause ids", _id_list, True, "reading order; each has a file per language",
          missing="policy.yml needs 'clauses:', the clause ids in reading order"),
    Field("regimes", "list of words", _words_or_one, rule="gdpr, pipl, ccpa: the strictest rule wins"),
    Field("notice_days", "whole number >= 0", _days, rule="days of notice before a notice/consent change (30)"),
    Field("numbering", "word, or language: word", _numbering, rule="decimal, roman, chinese or none (per language)"),
    Field("unnumbered", "list of clause ids", _ids_or_one, rule="clauses shown without a number"),
    Field("promises", "mapping", _mapping, rule="what the policy promises about its own changes"),
)

CLAUSE = (
    Field("id", "clause id", lambda v: name_problem("clause id", v), True, "a stable id such as data-we-collect; never reuse an old one",
          missing="clause has no 'id'"),
    Field("title", "text", _nonempty_text, True, "the clause heading", missing="clause has no 'title'"),
    Field("source_hash", "text", _scalar, rule="translations: the hash of the source clause translated"),
    Field("translation_of", "text", _scalar, rule="translations: the source clause's id, if it differs"),
    *(Field(k, "text, list or mapping", _fact, rule="a fact that drives classification") for k in FACT_KEYS),
)

RELEASE = (
    Field("effective", "date", _date, True, "the day the version takes effect; names the version"),
    Field("level", "level", _level, True, "editorial, minor, notice or consent"),
    Field("computed_level", "level", _level, rule="the classifier's level, when an editor changed it"),
    Field("justification", "text", _text, rule="why the level was changed"),
    Field("summary", "text", _text, rule="one line for the archive and feeds"),
    Field("backfill", "true or false", _bool, rule="recorded as past history"),
    Field("stale_translations", "language: list of clause ids", _stale, rule="translations lagging at release"),
    Field("lagging", "language: date", _lagging,
          rule="languages not in step at release: the earlier version whose translation each keeps publishing"),
    Field("content", "language: content hash", _hashes, True, "SHA-256 of each language's text"),
)

WITHDRAWAL = (
    Field("effective", "date", _date, True, "the withdrawn version"),
    Field("withdrawn_on", "date", _date, True, "the day it was withdrawn (before it took effect)"),
    Field("justification", "text", _nonempty_text, True, "why it was withdrawn"),
    Field("content", "language: content hash", _hashes, rule="what the withdrawn entry recorded"),
)


def check_fields(data: dict, table, path: str, line_of: Callable[[str], "int | None"], findings: list[Finding],
                 what: str, unknown: str = "warning") -> set:
    """Check a mapping against a table: required keys, each value's type, unknown keys
    (``unknown``: the severity of those). Returns the keys found wrong (empty: all good)."""
    bad = set()
    known = {f.name: f for f in table}
    for f in table:
        value = data.get(f.name)
        if value is None or value == "" or value == [] or value == {}:
            if f.required:
                findings.append(Finding(path, line_of(f.name if f.name in data else ""),
                                        f.missing or f"{what} has no '{f.name}'",
                                        hint=f"add '{f.name}:' ({f.kind}): {f.rule}"))
                bad.add(f.name)
            continue
        problem = f.check(value)
        if problem:
            message = problem if problem.startswith("invalid ") else f"'{f.name}' {problem}"
            findings.append(Finding(path, line_of(f.name), message, hint=f"'{f.name}' is {f.kind}: {f.rule}"))
            bad.add(f.name)
    for key in data:
        if key not in known:
            findings.append(Finding(path, line_of(str(key)), f"unknown key {key!r} in {what}", severity=unknown,
                                    hint="known keys: " + ", ".join(known)))
            if unknown == "error":
                bad.add(key)
    return bad


def reference_table(table) -> str:
    """The rows of one table as a Markdown table (README's source file reference)."""
    rows = ["| key | type | required | meaning |", "|---|---|---|---|"]
    rows += [f"| `{f.name}` | {f.kind} | {'yes' if f.required else ''} | {f.rule} |" for f in table]
    return "\n".join(rows)

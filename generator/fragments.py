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
from .model import LEVELS, Clause, Manifest, PolicyText, Release, Withdrawal

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
FACT_KEYS = (
    "purposes", "data_categories", "legal_bases", "recipients", "transfers", "retention",
    "rights", "contacts", "automated_decisions", "children", "cookies", "security", "methods",
)
CLAUSE_KEYS = {"id", "title", "source_hash", "translation_of", *FACT_KEYS}
REGIMES = ("gdpr", "pipl", "ccpa")
NUMBERINGS = ("decimal", "roman", "chinese", "none")


class Source(Protocol):
    """Read access to a policy tree: the work tree or a commit."""

    def read(self, relpath: str) -> bytes | None: ...

    def listdir(self, relpath: str) -> list[str]: ...


def decode(data: bytes, path: str, findings: list[Finding]) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        findings.append(Finding(path, line, "file is not valid UTF-8",
                                hint="re-save the file with UTF-8 encoding"))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _yaml_error(exc: yaml.YAMLError, path: str, line_offset: int) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if context and ("end of stream" in problem or "<stream end>" in problem) \
            and getattr(exc, "context_mark", None) is not None:
        # An unclosed quote or bracket: point at where it was opened, not at the end of the text.
        mark = exc.context_mark
        problem = re.sub(r"^while (scanning|parsing) ", "", context) + " is never closed"
    line = (mark.line + 1 + line_offset) if mark is not None else None
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


def load_yaml(text: str, path: str, findings: list[Finding], line_offset: int = 0):
    try:
        return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError:
        pass
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        findings.append(_yaml_error(exc, path, line_offset))
        return None


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
    meta = load_yaml(fm, path, findings, line_offset=1)
    if meta is None and findings and findings[-1].path == path:
        return None
    if not isinstance(meta, dict):
        findings.append(Finding(path, 2, "front matter must be a mapping of keys to values",
                                hint="write 'id: my-clause' and 'title: ...' between the '---' lines"))
        return None
    cid = meta.get("id")
    if cid is None or cid == "":
        findings.append(Finding(path, 2, "clause has no 'id'",
                                hint="add a stable id such as 'id: data-we-collect'; never reuse an old one"))
        return None
    cid = str(cid)
    if not ID_RE.match(cid):
        findings.append(Finding(path, _key_line(fm, "id"), f"invalid clause id {cid!r}",
                                hint="use lower-case letters, digits and '-' only"))
        return None
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        findings.append(Finding(path, _key_line(fm, "title"), f"clause {cid!r} has no 'title'",
                                hint="add 'title: ...' to the front matter"))
        return None
    for key in meta:
        if key not in CLAUSE_KEYS:
            findings.append(Finding(path, _key_line(fm, str(key)), f"unknown front matter key {key!r}",
                                    severity="warning",
                                    hint="known keys: " + ", ".join(sorted(CLAUSE_KEYS))))
    facts = {k: meta[k] for k in FACT_KEYS if k in meta and meta[k] is not None}
    src = meta.get("source_hash")
    return Clause(id=cid, title=title.strip(), body=body.rstrip() + "\n" if body.strip() else "",
                  facts=facts, source_hash=str(src) if src else None,
                  path=path, body_line=body_line, fact_lines={k: _key_line(fm, k) for k in facts})


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

    ok = True
    langs = data.get("languages")
    if not isinstance(langs, list) or not langs:
        findings.append(Finding(path, line("languages"), "policy.yml needs 'languages:', a list with the source language first",
                                hint="for example: languages: [en, zh-CN]"))
        ok = False
        langs = []
    for lg in langs:
        if not isinstance(lg, str) or not LANG_RE.match(lg):
            findings.append(Finding(path, line("languages"), f"unknown language code {lg!r}",
                                    hint="use BCP 47 codes such as en, de, zh-CN"))
            ok = False
    clauses = data.get("clauses")
    if not isinstance(clauses, list) or not clauses:
        findings.append(Finding(path, line("clauses"), "policy.yml needs 'clauses:', the clause ids in reading order",
                                hint="an empty policy cannot be published; import one with 'policygen import'"))
        ok = False
        clauses = []
    seen = set()
    for cid in clauses:
        if isinstance(cid, (list, dict, bool)) or cid is None or not ID_RE.match(str(cid)):
            findings.append(Finding(path, line("clauses"), f"invalid clause id {cid!r} in 'clauses'",
                                    hint="list clause ids (lower-case letters, digits and '-'), one per line"))
            ok = False
            continue
        if str(cid) in seen:
            findings.append(Finding(path, line("clauses"), f"clause id {cid!r} listed twice in 'clauses'"))
            ok = False
        seen.add(str(cid))

    def as_list(key, default):
        """A list value; a single string stands for a list of one."""
        value = data.get(key) or default
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            findings.append(Finding(path, line(key), f"'{key}' must be a list", hint=f"for example: {key}: [...]"))
            return None
        return value

    regimes = as_list("regimes", ["gdpr"])
    unnumbered = as_list("unnumbered", [])
    if regimes is None or unnumbered is None:
        ok = False
        regimes = regimes or []
    for r in regimes:
        if r not in REGIMES:
            findings.append(Finding(path, line("regimes"), f"unknown regime {r!r}",
                                    hint="known regimes: " + ", ".join(REGIMES)))
            ok = False
    numbering = data.get("numbering", "decimal")
    styles = numbering.values() if isinstance(numbering, dict) else [numbering]
    if any(not isinstance(n, str) or n not in NUMBERINGS for n in styles):
        findings.append(Finding(path, line("numbering"), f"unknown numbering {numbering!r}",
                                hint="use one of: " + ", ".join(NUMBERINGS)
                                + ", or one per language, e.g. numbering: {en: roman, zh-CN: chinese}"))
        ok = False
    elif isinstance(numbering, dict):
        numbering = tuple(sorted((str(k), v) for k, v in numbering.items()))
    notice_days = data.get("notice_days", 30)
    if not isinstance(notice_days, int) or isinstance(notice_days, bool) or notice_days < 0:
        findings.append(Finding(path, line("notice_days"), "notice_days must be a whole number of days"))
        ok = False
    titles = data.get("title") or {}
    if isinstance(titles, str):
        titles = {langs[0] if langs and isinstance(langs[0], str) else "en": titles}
    if not isinstance(titles, dict) or any(isinstance(v, (list, dict)) or v is None for v in titles.values()):
        findings.append(Finding(path, line("title"), "'title' must be a title, or one title per language",
                                hint="for example: title: {en: Privacy Policy, zh-CN: 隐私政策}"))
        ok = False
    entity = data.get("entity") or {}
    if isinstance(entity, str):
        entity = {"name": entity}
    if not isinstance(entity, dict):
        findings.append(Finding(path, line("entity"), "'entity' must be a mapping such as 'name: Acme Ltd'"))
        ok = False
    promises = data.get("promises") or {}
    if not isinstance(promises, dict):
        findings.append(Finding(path, line("promises"), "'promises' must be a mapping (see README)"))
        ok = False
    if not ok:
        return None
    return Manifest(
        id=policy_id, titles={str(k): str(v) for k, v in titles.items()}, languages=tuple(langs),
        clauses=tuple(str(c) for c in clauses), entity=entity,
        regimes=tuple(regimes), notice_days=notice_days, numbering=numbering,
        unnumbered=tuple(str(u) for u in unnumbered), promises=promises,
        path=path,
    )


def parse_date(value, path: str, line: int | None, findings: list[Finding]) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        findings.append(Finding(path, line, f"invalid date {value!r}", hint="write dates as YYYY-MM-DD"))
        return None


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
    releases = _parse_releases_list(entries, _entry_lines(text, "releases"), path, findings)
    withdrawn = isinstance(data, dict) and data.get("withdrawn")
    withdrawals = _parse_withdrawals(withdrawn, _entry_lines(text, "withdrawn"), path, findings) if withdrawn else []
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


def _parse_releases_list(entries: list, lines: list[int], path: str, findings: list[Finding]) -> list[Release]:
    out: list[Release] = []
    seen: dict = {}
    for i, e in enumerate(entries):
        line = lines[i] if i < len(lines) else None
        if not isinstance(e, dict) or "effective" not in e:
            findings.append(Finding(path, line, "each release needs an 'effective: YYYY-MM-DD' date"))
            continue
        eff = parse_date(e["effective"], path, line, findings)
        if eff is None:
            continue
        if eff in seen:
            findings.append(Finding(path, line, f"two releases take effect on {eff}",
                                    hint=f"the first is at line {seen[eff]}; a version has one effective date"))
            continue
        seen[eff] = line
        level = e.get("level", "editorial")
        if isinstance(level, (list, dict)) or level not in LEVELS:
            findings.append(Finding(path, line, f"unknown level {level!r}", hint="use one of: " + ", ".join(LEVELS)))
            continue
        content, stale = e.get("content") or {}, e.get("stale_translations") or {}
        if not isinstance(content, dict) or any(isinstance(v, (list, dict)) or v is None for v in content.values()):
            findings.append(Finding(path, line, "'content' must map each language to its content hash",
                                    hint="released entries are written by 'policygen release'; restore this one from git"))
            continue
        if not isinstance(stale, dict):
            findings.append(Finding(path, line, "'stale_translations' must map each language to clause ids"))
            continue
        lagging = e.get("lagging") or {}
        if not isinstance(lagging, dict) or any(not isinstance(v, str) for v in lagging.values()):
            findings.append(Finding(path, line, "'lagging' must map each lagging language to the date of the "
                                                "version whose translation it keeps showing",
                                    hint="released entries are written by 'policygen release'; restore this one from git"))
            continue
        out.append(Release(
            effective=eff, level=level, computed_level=e.get("computed_level"),
            justification=e.get("justification"), summary=str(e.get("summary") or ""),
            hashes={str(k): str(v) for k, v in content.items()},
            backfill=bool(e.get("backfill", False)), stale=stale,
            lagging={str(k): str(v) for k, v in lagging.items()}, line=line or 0,
        ))
    return sorted(out, key=lambda r: r.effective)


def _parse_withdrawals(entries, lines: list[int], path: str, findings: list[Finding]) -> list[Withdrawal]:
    if not isinstance(entries, list):
        findings.append(Finding(path, None, "'withdrawn' must be a list of withdrawn releases",
                                hint="withdrawals are written by 'policygen release --withdraw'; restore it from git"))
        return []
    out = []
    for i, e in enumerate(entries):
        line = lines[i] if i < len(lines) else None
        if not isinstance(e, dict) or "effective" not in e or "withdrawn_on" not in e:
            findings.append(Finding(path, line, "each withdrawal needs 'effective' and 'withdrawn_on' dates",
                                    hint="withdrawals are written by 'policygen release --withdraw'"))
            continue
        eff = parse_date(e["effective"], path, line, findings)
        on = parse_date(e["withdrawn_on"], path, line, findings)
        why = e.get("justification")
        content = e.get("content") or {}
        if eff is None or on is None:
            continue
        if not isinstance(why, str) or not why.strip():
            findings.append(Finding(path, line, f"the withdrawal of {eff} has no justification",
                                    hint="a withdrawal is part of the legal record: say why"))
            continue
        if on >= eff:
            findings.append(Finding(path, line, f"version {eff} was withdrawn on {on}, when it was already in force",
                                    hint="only a version not yet in force can be withdrawn; correct it with a new version"))
            continue
        out.append(Withdrawal(effective=eff, on=on, justification=why.strip(),
                              hashes={str(k): str(v) for k, v in content.items()} if isinstance(content, dict) else {},
                              line=line or 0))
    return out


def release_to_yaml(r: Release) -> dict:
    entry = {"effective": r.effective.isoformat(), "level": r.level}
    if r.computed_level and r.computed_level != r.level:
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
        if clause.id in by_id:
            findings.append(Finding(path, 2, f"duplicate clause id {clause.id!r}",
                                    hint=f"also used by {by_id[clause.id].path}; ids must be unique"))
            continue
        by_id[clause.id] = clause
        if clause.id not in manifest.clauses and not source:
            # The source language was restructured after this translation: the language lags,
            # which never stops a build or a release (see lint.lagging_translation).
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

"""The cache folder (policygen.cache) and what is kept in it: renders are content-addressed
(an edited clause is rendered again, a change of renderer settings invalidates every entry),
pages, history and diffs are kept between builds, and a build with a warm cache is byte for
byte the build without one. tests/test_cache_trust.py tampers with it."""

import os
from pathlib import Path

import pytest

from conftest import GIT_ENV, commit_all, edit, git, long_history, run, write

TODAY = "2026-11-23"

MANIFEST = """title:
  en: Acme Privacy Policy
  zh-CN: Acme 隐私政策
languages: [en, zh-CN]
clauses: [data, contact]
"""


def clause(cid, title, body, source_hash=None):
    extra = f"source_hash: {source_hash}\n" if source_hash else ""
    return f"---\nid: {cid}\ntitle: {title}\n{extra}---\n\n{body}\n"


def write_policy(project: Path, data_en: str, data_zh: str):
    from policygen.fragments import parse_clause
    from policygen.lint import source_hash

    base = project / "policy_src" / "acme"
    write(base / "policy.yml", MANIFEST)
    en = {"data": ("Data We Collect", data_en),
          "contact": ("Contact Us", "Write to privacy@example.com with any question.")}
    zh = {"data": ("我们收集的数据", data_zh), "contact": ("联系我们", "如有任何问题，请发送邮件至 privacy@example.com。")}
    for cid, (title, body) in en.items():
        write(base / "en" / f"{cid}.md", clause(cid, title, body))
    for cid, (title, body) in zh.items():
        text = (base / "en" / f"{cid}.md").read_text(encoding="utf-8")
        write(base / "zh-CN" / f"{cid}.md", clause(cid, title, body, source_hash(parse_clause(text, "x", []))))


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Two released versions in git; the work tree (draft) equals the second."""
    os.makedirs(GIT_ENV["HOME"], exist_ok=True)
    d = tmp_path_factory.mktemp("cache") / "proj"
    d.mkdir()
    git(d, "init", "-q", "-b", "main")
    write_policy(d, "We collect your **name** and email address.\n\n### Details\n\n- name\n- email address",
                 "我们收集您的**姓名**和电子邮件地址。\n\n- 姓名\n- 电子邮件地址")
    commit_all(d, "Policy", date="2023-01-01")
    run(["release", "--policy", "acme", "--effective", "2023-02-01", "--backfill"], cwd=d)
    commit_all(d, "Release 2023-02-01", date="2023-01-02")
    write_policy(d, "We collect your **name**, email address and postal address.\n\n### Details\n\n"
                    "- name\n- email address\n- postal address",
                 "我们收集您的**姓名**、电子邮件地址和邮寄地址。\n\n- 姓名\n- 电子邮件地址\n- 邮寄地址")
    commit_all(d, "Postal address", date="2024-01-01")
    run(["release", "--policy", "acme", "--effective", "2024-02-01", "--backfill"], cwd=d)
    commit_all(d, "Release 2024-02-01", date="2024-01-02")
    return d


def entries(cache: Path, kind: str) -> list[Path]:
    """The index entries of one kind kept in a cache folder."""
    return sorted(p for p in (cache / "index" / kind).rglob("*") if p.is_file())


def tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(project, out, cache=None, draft=False):
    args = ["build", "--date", TODAY, "--out", str(out)] + (["--draft"] if draft else [])
    return run(args, cwd=project, env={"POLICYGEN_CACHE": str(cache)} if cache else {"POLICYGEN_CACHE": ""})


def test_cached_and_uncached_builds_are_byte_identical(history, tmp_path):
    cache = tmp_path / "render-cache"
    build(history, tmp_path / "cold", cache)
    renders = entries(cache, "render")
    assert renders, "the first build should fill the render cache"
    build(history, tmp_path / "warm", cache)
    assert entries(cache, "render") == renders, "a warm build renders nothing new"
    build(history, tmp_path / "none")
    none, cold, warm = tree(tmp_path / "none"), tree(tmp_path / "cold"), tree(tmp_path / "warm")
    assert len(none) > 20
    assert sorted(none) == sorted(cold) == sorted(warm)
    differ = [name for name in none if not (none[name] == cold[name] == warm[name])]
    assert not differ, f"{len(differ)} files differ, e.g. {differ[:5]}"


def test_an_edited_clause_is_rendered_again(history, tmp_path):
    cache = tmp_path / "render-cache"
    draft_page = tmp_path / "site" / "en" / "acme" / "draft" / "index.html"
    build(history, tmp_path / "site", cache, draft=True)
    assert "postal address" in draft_page.read_text(encoding="utf-8")
    target = history / "policy_src" / "acme" / "en" / "data.md"
    original = target.read_text(encoding="utf-8")
    try:
        # One word: a cache keyed by anything but the text itself would serve the old page.
        target.write_text(original.replace("postal address.", "billing address."), encoding="utf-8")
        build(history, tmp_path / "site", cache, draft=True)
        html = draft_page.read_text(encoding="utf-8")
        # The clause itself (the contents sidebar and the changes block name it too).
        data = html[html.index('id="data"'):].split("Contact Us")[0]
        assert "and billing address." in data and "and postal address." not in data
        # The released versions keep their own text.
        released = (tmp_path / "site" / "en" / "acme" / "2024-02-01" / "index.html").read_text(encoding="utf-8")
        assert "postal address" in released and "billing address" not in released
    finally:
        target.write_text(original, encoding="utf-8")


def test_render_cache_is_content_addressed(tmp_path):
    from policygen.cache import Cache
    from policygen.render import RenderCache, markdown_to_html

    cache = RenderCache(Cache(str(tmp_path)), "code")
    a = cache.render("We collect your *name*.")
    b = cache.render("We collect your *name* and address.")
    assert a == markdown_to_html("We collect your *name*.") and "address" in b and a != b
    assert cache.misses == 2
    assert cache.render("We collect your *name*.") == a and cache.hits == 1
    # A second cache (a later build) finds the entries on disk, under the same keys.
    again = RenderCache(Cache(str(tmp_path)), "code")
    assert again.key("x") == cache.key("x")
    assert len(entries(tmp_path, "render")) == 2
    # Other code that renders (the build passes policygen's code fingerprint) gives other keys.
    assert RenderCache(Cache(str(tmp_path)), "other code").key("x") != cache.key("x")


def _fresh_memory(monkeypatch):
    # The in-memory part is shared by the whole process: start from an empty one.
    import policygen.render as render

    monkeypatch.setattr(render, "_MEMORY", {})


def test_a_settings_change_invalidates_the_cache(tmp_path, monkeypatch):
    import policygen.render as render
    from policygen.cache import Cache

    _fresh_memory(monkeypatch)
    text = "## Details\n\nWe keep data for *two* years."
    store = Cache(str(tmp_path))
    before = render.RenderCache(store)
    key = before.key(text)
    # Keep a recognisable entry under the current key: it is served while settings stay.
    store.put("render", key, b"<p>from the cache</p>")
    assert before.render(text) == "<p>from the cache</p>"

    # Changing the settings key (a new extension, sanitiser policy or version) ...
    monkeypatch.setattr(render, "SETTINGS_KEY", "0123456789abcdef")
    after = render.RenderCache(store)
    assert after.key(text) != key
    fresh = after.render(text)
    assert fresh != "<p>from the cache</p>" and "<h4" in fresh and after.misses == 1
    monkeypatch.undo()

    # ... or the settings themselves, e.g. how far headings are shifted, gives new keys too.
    _fresh_memory(monkeypatch)
    monkeypatch.setitem(render.SETTINGS, "heading_shift", 3)
    changed = render.RenderCache(store)
    assert changed.key(text) != key
    assert changed.render(text) != "<p>from the cache</p>" and changed.misses == 1


def test_settings_key_covers_the_renderer():
    import policygen.render as render
    from policygen.model import canonical_json, sha256

    assert render.SETTINGS_KEY == sha256(canonical_json(render.SETTINGS))[:16]
    for part in ("extensions", "tags", "attrs", "schemes", "version", "libraries"):
        assert part in render.SETTINGS


# --- policygen serve: rebuilds reuse what did not change, and only that ----------------------

SERVE_WORKER = r"""
import json, logging, os, sys, tempfile
os.environ.update({"POLICYGEN_DRAFT": "1", "POLICYGEN_DATE": sys.argv[1]})
from mkdocs.commands.build import build
from policygen.buildsite import load_mkdocs_config
logging.getLogger("mkdocs").setLevel(logging.ERROR)
site = tempfile.mkdtemp()
url = "http://127.0.0.1:8000/"  # the dev server's address: the plugin knows it is serving
for line in sys.stdin:  # one build per line, in one process, as `mkdocs serve` rebuilds
    cfg = load_mkdocs_config("mkdocs.yml", "policy_src", site)
    cfg.site_url = url
    build(cfg, serve_url=url)
    print(json.dumps({"site": site}), flush=True)
"""


class Serve:
    """A live-preview process: ``rebuild()`` builds again and returns the site's files."""

    def __init__(self, project: Path, cache: str = ""):
        import subprocess
        import sys

        env = {**os.environ, **GIT_ENV, "POLICYGEN_CACHE": cache}
        self.proc = subprocess.Popen([sys.executable, "-c", SERVE_WORKER, TODAY], cwd=project, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def rebuild(self) -> dict:
        import json

        self.proc.stdin.write("build\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the serve worker died (see stderr above)"
        return tree(Path(json.loads(line)["site"]))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def serve_project(history, tmp_path) -> Path:
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    from policygen.buildsite import DEFAULT_CONFIG

    write(project / "mkdocs.yml", DEFAULT_CONFIG)
    return project


def fresh(project) -> dict:
    """What a new serve process builds from the same state: the reference for a rebuild."""
    s = Serve(project)
    try:
        return s.rebuild()
    finally:
        s.close()


def test_serve_rebuild_after_a_draft_edit_equals_a_fresh_build(history, tmp_path):
    project = serve_project(history, tmp_path)
    s = Serve(project)
    try:
        first = s.rebuild()
        clause_file = project / "policy_src/acme/en/data.md"
        clause_file.write_text(clause_file.read_text(encoding="utf-8") + "\nAlso your shoe size.\n", encoding="utf-8")
        second = s.rebuild()
    finally:
        s.close()
    assert "shoe size" in second["en/acme/draft/index.html"].decode()
    assert "shoe size" not in first["en/acme/draft/index.html"].decode()
    # Released pages were reused, and are exactly what a new process makes of the same state.
    assert second == fresh(project)
    assert second["en/acme/2023-02-01/index.html"] == first["en/acme/2023-02-01/index.html"]


def test_serve_rebuild_follows_config_template_and_release_changes(history, tmp_path):
    project = serve_project(history, tmp_path)
    s = Serve(project)
    try:
        s.rebuild()
        # The site's name appears on every page: no page may keep the old one.
        config = project / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8").replace("Privacy policies", "Legal at Acme"),
                          encoding="utf-8")
        renamed = s.rebuild()
        assert "Legal at Acme" in renamed["en/acme/2023-02-01/index.html"].decode()
        assert renamed == fresh(project)
        # A template override saved while serving shows on reused pages too.
        write(project / "overrides/main.html", '{% extends "base.html" %}\n'
                                                '{% block announce %}Preview of the privacy site{% endblock %}\n')
        config.write_text(config.read_text(encoding="utf-8").replace("  name: material\n",
                                                                      "  name: material\n  custom_dir: overrides\n"),
                          encoding="utf-8")
        s.rebuild()
        (project / "overrides/main.html").write_text('{% extends "base.html" %}\n'
                                                     '{% block announce %}Reviewed draft{% endblock %}\n',
                                                     encoding="utf-8")
        overridden = s.rebuild()
        assert "Reviewed draft" in overridden["en/acme/2023-02-01/index.html"].decode()
        assert overridden == fresh(project)
        # A new release committed while serving: the archive and the version pages know it.
        clause_file = project / "policy_src/acme/en/contact.md"
        clause_file.write_text(clause_file.read_text(encoding="utf-8").replace("any question", "any questions"),
                               encoding="utf-8")
        run(["release", "--policy", "acme", "--effective", "2026-12-01", "--allow-stale-translations",
             "--today", "2026-11-20"], cwd=project)
        commit_all(project, "Release 2026-12-01", date="2026-11-20")
        released = s.rebuild()
    finally:
        s.close()
    assert "en/acme/2026-12-01/index.html" in released
    assert "2026-12-01" in released["en/acme/archive/index.html"].decode()
    assert released == fresh(project)


def test_default_cache_folder_keeps_itself_out_of_git(history, tmp_path):
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    env = {k: v for k, v in os.environ.items() if k != "POLICYGEN_CACHE"}
    import subprocess

    from conftest import policygen_exe

    subprocess.run([policygen_exe(), "build", "--date", TODAY], cwd=project, check=True, capture_output=True,
                   env={**env, **GIT_ENV})
    cache = project / ".policygen-cache"
    assert entries(cache, "render"), "the build kept no rendered clauses"
    status = git(project, "status", "--porcelain", "--untracked-files=all")
    assert "site/" in status  # the check sees untracked files...
    assert ".policygen-cache" not in status  # ...but the cache keeps itself out of git


# --- policygen build: finished pages kept between builds ------------------------------------

def build_at(project, out, date, cache=None):
    """`policygen build` as of ``date``; with ``cache``, keeping pages in that folder."""
    args = ["build", "--date", date, "--out", str(out)]
    return run(args, cwd=project, env={"POLICYGEN_CACHE": str(cache) if cache else ""}).stderr


def assert_same_as_fresh(project, tmp_path, date, cache, name) -> str:
    """A build with the kept cache gives exactly the bytes of a build without one."""
    said = build_at(project, tmp_path / f"{name}-kept", date, cache)
    build_at(project, tmp_path / f"{name}-fresh", date)
    kept, new = tree(tmp_path / f"{name}-kept"), tree(tmp_path / f"{name}-fresh")
    assert sorted(kept) == sorted(new)
    differ = [n for n in kept if kept[n] != new[n]]
    assert not differ, f"{name}: {len(differ)} files differ from a fresh build, e.g. {differ[:5]}"
    return said


def kept_count(said: str) -> tuple[int, int]:
    import re

    m = re.search(r"(\d+) of (\d+) kept from an earlier build", said)
    return (int(m.group(1)), int(m.group(2))) if m else (0, -1)


def test_kept_pages_are_reused_and_follow_every_input(history, tmp_path):
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    cache = tmp_path / "cache"
    # 2024-01-15: the 2024-02-01 version is upcoming.
    first = assert_same_as_fresh(project, tmp_path, "2024-01-15", cache, "a")
    assert kept_count(first)[0] == 0
    again = assert_same_as_fresh(project, tmp_path, "2024-01-15", cache, "b")
    kept, total = kept_count(again)
    assert kept == total > 10, again  # every page of a released version, every embed and feed

    # Another day, same state: all kept but changes.json, which names the build date. The day
    # the upcoming version takes effect, menus, banners and embeds change: of the old pages only
    # the two compare pages (en, zh-CN) are served, as they show neither version's standing,
    # and notice.js (made from policygen's code alone).
    assert kept_count(assert_same_as_fresh(project, tmp_path, "2024-01-20", cache, "c"))[0] == total - 1
    moved = assert_same_as_fresh(project, tmp_path, "2024-02-10", cache, "d")
    assert kept_count(moved)[0] == 3, moved
    assert "took effect on" in (tmp_path / "d-kept/en/acme/2023-02-01/index.html").read_text(encoding="utf-8")
    # Months later (past the notice period): what changed is only which versions were in the
    # future when the pages were kept.
    assert_same_as_fresh(project, tmp_path, "2024-06-01", cache, "d2")

    # A theme template saved: every page shows it.
    write(project / "mkdocs.yml", __import__("policygen.buildsite", fromlist=["x"]).DEFAULT_CONFIG.replace(
        "  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    write(project / "overrides/main.html", '{% extends "base.html" %}\n'
                                           '{% block announce %}Reviewed by Legal{% endblock %}\n')
    build_at(project, tmp_path / "e0", "2024-06-01", cache)
    (project / "overrides/main.html").write_text('{% extends "base.html" %}\n'
                                                 '{% block announce %}Approved by Legal{% endblock %}\n',
                                                 encoding="utf-8")
    themed = assert_same_as_fresh(project, tmp_path, "2024-06-01", cache, "e")
    assert "Approved by Legal" in (tmp_path / "e-kept/en/acme/2023-02-01/index.html").read_text(encoding="utf-8")
    assert kept_count(themed)[0] == 0

    # A new release: every version's menu, the archive and the feeds know it.
    clause_file = project / "policy_src/acme/en/contact.md"
    clause_file.write_text(clause_file.read_text(encoding="utf-8").replace("any question", "any questions"),
                           encoding="utf-8")
    run(["release", "--policy", "acme", "--effective", "2024-07-01", "--allow-stale-translations",
         "--today", "2024-06-01"], cwd=project)
    commit_all(project, "Release 2024-07-01", date="2024-06-01")
    assert_same_as_fresh(project, tmp_path, "2024-06-01", cache, "f")
    assert "2024-07-01" in (tmp_path / "f-kept/en/acme/archive/index.html").read_text(encoding="utf-8")


def test_the_cache_forgets_what_no_build_used_for_a_month(tmp_path):
    import time

    from policygen.cache import KEEP_DAYS, KINDS, Cache

    cache = Cache(str(tmp_path))
    now = time.time()
    old = now - (KEEP_DAYS + 1) * 86400
    for kind in KINDS:  # pages, renders, summaries, the history memo and diff shards alike
        cache.put(kind, "a" * 64, f"old {kind}".encode())
        cache.put(kind, "b" * 64, f"recent {kind}".encode())
        os.utime(cache._index(kind, "a" * 64), (old, old))
    for leftover in ("jinja/x.cache", "pages/ab/abc", "history.marshal", "3f/3f00.html"):  # what older versions kept
        write(tmp_path / leftover, "x")
    os.utime(tmp_path / "objects", (old, old))
    for obj in (tmp_path / "objects").rglob("*"):
        os.utime(obj, (old, old))
    removed = cache.prune(now)
    # Each kind's old index entry and its object; the four leftovers.
    assert removed == 2 * len(KINDS) + 4
    for kind in KINDS:
        assert cache.get(kind, "a" * 64) is None
        assert cache.get(kind, "b" * 64) == f"recent {kind}".encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitignore", ".pruned", "index", "objects"]
    out = tmp_path.parent / "out"
    assert cache.fetch("page", "b" * 64, str(out / "b.html"))
    assert (out / "b.html").read_bytes() == b"recent page"
    # At most one look a day: the next prune the same day removes nothing, even if due.
    cache.put("page", "c" * 64, b"another")
    os.utime(cache._index("page", "c" * 64), (old, old))
    assert cache.prune(now + 60) == 0
    assert cache.prune(now + 86400 + 60) == 2  # its index entry and its object


def test_a_release_remakes_only_the_pages_it_touches(tmp_path):
    """In a long history, a page lists only its version's neighbours: after a release the kept
    pages of every other version are served, and the site is still byte for byte a fresh build."""
    project = long_history(tmp_path, releases=14)  # 2011-01-01 ... 2024-01-01
    cache = tmp_path / "cache"
    first = assert_same_as_fresh(project, tmp_path, "2024-06-01", cache, "a")
    _kept, before = kept_count(assert_same_as_fresh(project, tmp_path, "2024-06-01", cache, "b"))

    edit(project, "en", "contact-us", "any question (revision 13)", "any question (revision 14)")
    run(["release", "--policy", "acme", "--effective", "2025-01-01", "--today", "2024-06-01"], cwd=project)
    commit_all(project, "Release 2025-01-01", date="2024-06-01")
    upcoming = assert_same_as_fresh(project, tmp_path, "2024-06-01", cache, "c")
    kept, total = kept_count(upcoming)
    assert total == before + 5  # 2025-01-01's dated and upcoming pages, its compare page and embeds
    # Made again besides those: 2024-01-01's dated page (its menu lists 2025), the archive, the
    # feed, changes.json, and the 13 comparisons with the version in force (their pickers offer
    # its neighbours). Kept: the other dated pages, the consecutive compare pages, the embeds.
    assert total - kept == 5 + 4 + 13, upcoming
    assert "1 January 2025" in (tmp_path / "c-kept/en/acme/2024-01-01/index.html").read_text(encoding="utf-8")

    # The day it takes effect, each version's comparison with the version in force is new;
    # the consecutive compare pages and most dated pages are still served.
    in_force = assert_same_as_fresh(project, tmp_path, "2025-01-02", cache, "d")
    kept, total = kept_count(in_force)
    # Kept: the dated pages up to 2022 (12), the embeds of the versions up to 2023 (26), and
    # the consecutive compare pages whose pickers are far from the versions in force (about 11).
    assert 45 <= kept < total, in_force
    assert "superseded" in (tmp_path / "d-kept/en/acme/2024-01-01/index.html").read_text(encoding="utf-8")


# --- what each commit held, kept between builds (policygen.historycache) --------------------

def test_history_memo_reads_only_new_commits_and_still_checks_every_version(tmp_path, monkeypatch):
    import re

    from policygen.cache import Cache
    from policygen.errors import PolicyError
    from policygen.history import Repository
    from policygen.historycache import CommitMemo
    from policygen.project import load_project
    import policygen.versions as versions_module

    project = long_history(tmp_path, releases=6)  # 2011-01-01 ... 2016-01-01
    src = str(project / "policy_src")
    cache = Cache(str(tmp_path / "cache"))
    read: list = []  # the commits whose folders were read from git in one go
    real_prefetch = Repository.prefetch
    monkeypatch.setattr(Repository, "prefetch", lambda self, places, prefix=None: (
        read.extend(c for c, _ in places), real_prefetch(self, places, prefix))[1])

    def load(salt="code"):
        read.clear()
        versions_module._RESOLVED.clear()  # serve's in-process memo of the last result
        memo = CommitMemo(cache, salt)
        sites, _ = load_project(src, memo=memo)
        memo.save()
        return sites[0].versions

    def summary(versions):
        return [(v.key, v.commit, {lang: t.content_hash for lang, t in v.texts.items()}) for v in versions]

    fresh = load_project(src)[0][0].versions
    versions_module._RESOLVED.clear()
    first = load()
    assert len(read) == 6 and summary(first) == summary(fresh)
    again = load()
    assert read == [] and summary(again) == summary(fresh)  # nothing read from git
    # Versions share the clauses they have in common, as freshly read ones do: diffs and
    # redlines skip them by identity.
    assert again[0].texts["en"].clauses[0] is again[5].texts["en"].clauses[0]
    assert again[4].texts["en"].clause("contact-us") is not again[5].texts["en"].clause("contact-us")

    # One more release: only its commit is read.
    edit(project, "en", "contact-us", "any question (revision 5)", "any question (revision 6)")
    run(["release", "--policy", "acme", "--effective", "2017-01-01", "--today", "2016-06-01"], cwd=project)
    commit_all(project, "Release 2017-01-01", date="2016-06-01")
    after = load()
    assert len(read) == 1
    versions_module._RESOLVED.clear()
    assert summary(after) == summary(load_project(src)[0][0].versions)

    # Other code, or a damaged entry: the memo is ignored, never trusted.
    assert len(load(salt="other code")) == 7 and len(read) == 7
    memo_object = max((p for p in (tmp_path / "cache/objects").rglob("*") if p.is_file()), key=lambda p: p.stat().st_mtime)
    data = bytearray(memo_object.read_bytes())
    body = data.index("any question (revision".encode())  # a clause's text: the structure still loads
    data[body:body + 12] = b"ANY QUESTION"
    memo_object.write_bytes(bytes(data))
    assert summary(load(salt="other code")) == summary(after) and len(read) == 7
    for obj in (tmp_path / "cache/objects").rglob("*"):
        if obj.is_file():
            obj.write_bytes(b"\x00not marshal")
    assert summary(load(salt="other code")) == summary(after) and len(read) == 7

    # The memo never stands in for the check against the ledger: a recorded content hash
    # that no longer matches its version stops the build as it does without the memo.
    ledger = project / "policy_src/acme/releases.yml"
    text = ledger.read_text(encoding="utf-8")
    first_hash = re.search(r"en: ([0-9a-f]{64})", text).group(1)
    ledger.write_text(text.replace(first_hash, "f" * 64, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as stopped:
        load(salt="other code")
    # (The append-only check sees the changed entry first: the ledger was rewritten.)
    assert "was rewritten: published versions never change" in stopped.value.format()


# --- diffs kept between builds (policygen.diffmemo, cache.ShardedMemo) ------------------------

def shard_entries(cache: Path) -> dict[str, int]:
    from policygen.cache import Cache

    store = Cache(str(cache))
    return {name: len(store.get_value("diffs", name)) for name in store.names("diffs")}


def open_memo(folder: Path, salt: str) -> None:
    from policygen import diffmemo
    from policygen.cache import Cache, ShardedMemo

    diffmemo.use(ShardedMemo(Cache(str(folder)), salt))


def test_a_release_diffs_only_the_clause_pairs_no_build_compared_before(tmp_path):
    project = long_history(tmp_path, releases=14)
    cache = tmp_path / "cache"
    assert_same_as_fresh(project, tmp_path, "2024-06-01", cache, "a")
    before = shard_entries(cache)
    assert sum(before.values()) > 0

    # A release that leaves contact-us, the clause every other release changed, as it was.
    edit(project, "en", "data-collect", "name and email address", "name, email address and country")
    run(["release", "--policy", "acme", "--effective", "2025-01-01", "--today", "2024-06-01"], cwd=project)
    commit_all(project, "Release 2025-01-01", date="2024-06-01")
    # The day it takes effect, each version's comparison with it is new, and byte for byte
    # what a build without any cache makes; but of its clause pairs only those with the new
    # data-collect were not compared before.
    assert_same_as_fresh(project, tmp_path, "2025-01-02", cache, "b")
    made = sum(n for name, n in shard_entries(cache).items() if name not in before)
    alone = tmp_path / "alone"  # the same build with nothing kept
    build_at(project, tmp_path / "c", "2025-01-02", alone)
    assert 0 < made <= sum(shard_entries(alone).values()) / 5


def test_diff_memo_ignores_damaged_shards_and_forgets_unread_ones(tmp_path):
    import time

    from policygen import diffmemo
    from policygen.classify import Reason

    calls = []

    @diffmemo.kept("reason", encode=lambda r: (r.clause, r.level, r.rule, r.message), decode=lambda t: Reason(*t))
    def reason(cid):
        calls.append(cid)
        return Reason(cid, "minor", "rule", f"message {cid}")

    open_memo(tmp_path, "code")
    assert reason("a") == Reason("a", "minor", "rule", "message a") and calls == ["a"]
    diffmemo.close()
    shards = entries(tmp_path, "diffs")
    assert len(shards) == 1

    open_memo(tmp_path, "code")
    assert reason("a") == Reason("a", "minor", "rule", "message a") and calls == ["a"]  # kept
    diffmemo.close()
    open_memo(tmp_path, "other code")  # another version of policygen
    reason("a")
    diffmemo.close(write=False)
    assert calls == ["a", "a"]

    shard = next(p for p in (tmp_path / "objects").rglob("*") if p.is_file())
    data = bytearray(shard.read_bytes())
    data[-3] ^= 0xFF  # a damaged shard is not read
    shard.write_bytes(bytes(data))
    open_memo(tmp_path, "code")
    reason("a")
    diffmemo.close()
    assert calls == ["a", "a", "a"]

    # A shard no build has read from for a month goes; one read from stays.
    from policygen.cache import KEEP_DAYS, Cache

    now = time.time()
    old = now - (KEEP_DAYS + 1) * 86400
    for shard in entries(tmp_path, "diffs"):
        os.utime(shard, (old, old))
    open_memo(tmp_path, "code")
    reason("a")  # read from a shard, which is marked as used
    diffmemo.close()
    Cache(str(tmp_path)).prune(now, force=True)
    assert calls == ["a", "a", "a"] and len(entries(tmp_path, "diffs")) == 1


def test_diff_memo_finds_a_value_whoever_else_holds_it(tmp_path):
    from policygen import diffmemo

    calls = []

    @diffmemo.kept("upper")
    def upper(text):
        calls.append(text)
        return text.upper()

    open_memo(tmp_path, "code")
    try:
        assert upper("".join(["clause ", "text"])) == "CLAUSE TEXT"  # a string nothing else holds
        text = "".join(["clause ", "text"])
        held = [text, text]  # the same value, held elsewhere too
        assert upper(held[0]) == "CLAUSE TEXT" and len(calls) == 1
    finally:
        diffmemo.close(write=False)

"""The bundled site: both seed policies in en and zh-CN, built from this repository's own
git history with `policygen build` and with plain `mkdocs build`."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, run

AS_OF = "2026-12-01"  # after the editorial release, before the demonstration revision takes effect


def full_history() -> bool:
    out = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True)
    return out.returncode == 0 and out.stdout.strip() == "false"


pytestmark = pytest.mark.skipif(not full_history(), reason="the bundled versions need the full git history")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundled") / "site"
    run(["build", "--date", AS_OF, "--out", str(out)], cwd=ROOT)
    return out


def page(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_home_lists_both_policies_in_both_languages(site):
    home = page(site, "")
    hrefs = {a["href"] for a in home.select(".pg-policies a")}
    assert {"en/astronergy/", "zh-CN/astronergy/", "en/st-machinery/", "zh-CN/st-machinery/"} <= hrefs


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("policy", ["astronergy", "st-machinery"])
def test_current_pages(site, policy, lang):
    p = page(site, f"{lang}/{policy}")
    assert p.html["lang"] == lang
    assert len(p.find_all("h1")) == 1
    alternates = {link["hreflang"] for link in p.find_all("link", rel="alternate", hreflang=True)}
    assert alternates == {"en", "zh-CN"}
    ids = [s["id"] for s in p.select("section.pg-clause")]
    assert ids and ids[0] == "introduction"


def test_dates_written_the_way_each_language_writes_them(site):
    assert "Effective 31 May 2023" in page(site, "en/astronergy/2023-05-31").get_text()
    assert "2023年5月31日" in page(site, "zh-CN/astronergy/2023-05-31").get_text()


def test_astronergy_history_archive_and_notice(site):
    rows = page(site, "en/astronergy/archive").select("tbody tr")
    assert [r["id"] for r in rows] == ["v-2027-01-15", "v-2026-11-23", "v-2023-05-31"]
    cur = page(site, "en/astronergy")
    assert "via email. If you choose" in cur.select_one("#rights-personal-information").get_text()
    notice = cur.select_one(".pg-notice--consent")
    assert notice is not None and "15 January 2027" in notice.get_text() and "Germany" in notice.get_text()
    old = page(site, "en/astronergy/2023-05-31")
    assert "via emial (" in old.select_one("#rights-personal-information").get_text()
    assert old.select_one(".pg-banner--superseded")


def test_changes_json_lists_both_policies(site):
    doc = json.loads((site / "changes.json").read_text(encoding="utf-8"))
    by_id = {p["policy"]: p for p in doc["policies"]}
    astro = by_id["astronergy"]
    assert [v["effective"] for v in astro["versions"]] == ["2023-05-31", "2026-11-23", "2027-01-15"]
    assert [v["level"] for v in astro["versions"]] == ["editorial", "editorial", "consent"]
    assert astro["versions"][-1]["consent_required"] is True
    assert by_id["st-machinery"]["current"] == "2026-11-23"


def test_plain_mkdocs_build_works(tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    exe = str(mkdocs) if mkdocs.exists() else shutil.which("mkdocs")
    proc = subprocess.run([exe, "build", "-q", "-d", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True,
                          env={**__import__("os").environ, "POLICYGEN_DATE": AS_OF})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out/zh-CN/st-machinery/index.html").exists()
    assert not list(ROOT.joinpath("policy_src").rglob("index.md"))  # nothing written into the sources


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_contents_sidebar_is_what_materials_partial_writes(site, lang):
    """overrides/main.html writes the contents list of policygen's pages out instead of
    including Material's partials/toc.html (which includes toc-item.html once per entry, a
    third of a page's time): the markup must stay Material's, whitespace aside."""
    import re
    from types import SimpleNamespace

    import jinja2
    import material

    from policygen.i18n import material_language

    built = (site / f"{lang}/astronergy/index.html").read_text(encoding="utf-8")
    start = built.index('<nav class="md-nav md-nav--secondary"')
    ours = built[start:built.index("</nav>", start) + len("</nav>")]
    soup = BeautifulSoup(ours, "html.parser")
    entries = [SimpleNamespace(url=a["href"], title=str(a.select_one(".md-ellipsis").decode_contents()).strip(),
                               children=[], typeset=None, level=2) for a in soup.select("a.md-nav__link")]
    assert len(entries) > 5
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(material.__file__).parent / "templates")))
    theirs = env.from_string('{% import "partials/language.html" as lang with context %}'
                             '{% include "partials/toc.html" %}').render(
        page=SimpleNamespace(toc=[SimpleNamespace(level=1, children=entries)]),
        config={"theme": {"language": material_language(lang)}, "mdx_configs": {}})
    squeeze = lambda html: re.sub(r"\s+", " ", html).replace("> <", "><").strip()  # noqa: E731
    assert squeeze(ours) == squeeze(theirs)

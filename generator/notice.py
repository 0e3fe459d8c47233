"""The notice script a corporate website includes on any page (``/notice.js``), the banner
strings it reads from ``changes.json``, and the demo host page ``policygen serve`` offers.

``notice.js`` itself is a static file: what it says comes from ``changes.json`` (versions,
dates written per language, the strings below), so the script stays small and the same for
every site. Pure: text in, text out.
"""

from __future__ import annotations

import re
from importlib import resources

from . import i18n
from .site import ENV

DEMO_PATH = "notice-demo/index.html"

# notice.js string -> i18n key ("{title}" and "{date}" are filled in by the script).
STRING_KEYS = {
    "label": "notice_label", "upcoming": "notice_upcoming", "changed": "notice_changed",
    "consent_upcoming": "upcoming_consent", "consent": "notice_consent", "see_changes": "see_changes",
    "see_changed": "notice_see_changed", "read": "notice_read", "dismiss": "notice_dismiss",
}


def notice_strings(langs) -> dict:
    """The banner's strings in each of ``langs``, for ``changes.json``."""
    return {lang: {name: i18n.t(lang, key) for name, key in STRING_KEYS.items()} for lang in langs}


def notice_js() -> str:
    """The script as served: its source without comments and indentation (the source keeps
    no comment markers inside strings and no multi-line strings, so line rules suffice)."""
    source = resources.files("policygen").joinpath("notice.js").read_text(encoding="utf-8")
    source = re.sub(r"\A/\*.*?\*/\n", "", source, flags=re.S)  # the header: the README says it
    out = ["/* policygen notice.js (MIT) */"]
    for line in source.splitlines():
        line = re.sub(r"\s*/\* [^*]* \*/", "", line)
        line = re.sub(r"\s+// .*$", "", line).strip()
        if line and not line.startswith("//"):
            out.append(line)
    return "\n".join(out) + "\n"


def include_line(policy: str, site_url: str = "", prefix: str = "") -> str:
    """The one line a web team adds to a page: the script's address under ``site_url`` and the
    policies' ``prefix`` (root-relative without a site_url)."""
    src = (site_url.rstrip("/") if site_url else "") + "/" + prefix + "notice.js"
    return f'<script src="{src}" data-policy="{policy}" defer></script>'


def demo_page(builder, site_url: str = "") -> str:
    """A page like a corporate website's, with the notice script of one of the site's policies
    (``?policy=ID&lang=L`` picks which) and a stand-in consent manager."""
    policies = [{"id": p.manifest.id, "title": p.manifest.title(p.manifest.source_lang),
                 "languages": list(p.manifest.languages),
                 "include": include_line(p.manifest.id, site_url, builder.prefix)} for p in builder.policies]
    return ENV.get_template("notice_demo.html").render(policies=policies)

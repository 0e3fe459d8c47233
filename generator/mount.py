"""Where policygen's pages go inside a site, and the rule that they never take the place of
the site's own: the ``prefix`` (``legal/privacy`` puts the policies at
``/legal/privacy/<lang>/<policy>/``), and the check of every file policygen writes against
the files the site already has. Pure: the plugin hands in paths.
"""

from __future__ import annotations

import re

from .errors import Finding, PolicyError

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
MAX_LISTED = 10  # clashes named one by one; more are counted


def normalize_prefix(value: str | None, config_file: str = "mkdocs.yml", line: int | None = None) -> str:
    """``"legal/privacy"`` (or ``/legal/privacy/``) -> ``"legal/privacy/"``; ``""`` -> ``""`` (the
    site root). A prefix is a folder in the site and a URL path: plain segments only."""
    text = (value or "").strip().strip("/")
    if not text:
        return ""
    bad = [s for s in text.split("/") if not _SEGMENT.match(s) or s in (".", "..")]
    if bad:
        raise PolicyError(f"plugin policygen: prefix {value!r} is not a folder path inside the site "
                          f"({bad[0]!r} is not allowed)", path=config_file, line=line,
                          hint="write it as folders of letters, digits, '.', '-' or '_' separated by '/', "
                               "e.g. prefix: legal/privacy")
    return text + "/"


def page_dest(src: str) -> str:
    """The file a policygen page (always ``.../index.md``) is written to."""
    return src[:-len(".md")] + ".html" if src.endswith(".md") else src


def check_clashes(site: dict[str, str], ours: dict[str, str], config_file: str = "mkdocs.yml") -> None:
    """``site``: output path -> the site file written there; ``ours``: output path -> what of
    policygen's would be written there. Any path in both stops the build, naming both."""
    clashes = sorted(set(site) & set(ours))
    if not clashes:
        return
    findings = [Finding(site[d], None, f"policygen's {ours[d]} would replace this file (both are written to /{d})")
                for d in clashes[:MAX_LISTED]]
    more = f" ({len(clashes) - MAX_LISTED} more not listed)" if len(clashes) > MAX_LISTED else ""
    raise PolicyError(f"{len(clashes)} file(s) of the site clash with policygen's pages{more}; nothing was built",
                      path=config_file, findings=findings,
                      hint="move or rename the site's files, or put the policies in a folder of their own "
                           "with `prefix:` under the policygen plugin (e.g. prefix: legal/privacy)")


def nav_entry_for(url: str, nav_urls: list[str]) -> int | None:
    """Which of the site's nav pages leads to a policygen page that is not in the nav (an
    archive, a dated version): the one whose URL holds it most closely, e.g. a tab
    ``Privacy: legal/privacy/index.md`` for ``legal/privacy/en/acme/archive/``. Its index, or None."""
    best = None
    for i, nav_url in enumerate(nav_urls):
        if nav_url and url.startswith(nav_url) and (best is None or len(nav_url) > len(nav_urls[best])):
            best = i
    return best

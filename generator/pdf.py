"""PDFs of each version for the legal record: the dated page printed by headless Chromium
(Playwright drives it), with the site's print style. The title heads each printed page;
the effective date and the content hash are in the footer (see publish.print_css), so a
reader's own "Print / Save as PDF" gives the same result.

The built site is served from 127.0.0.1 while printing; any other request is refused.
PDFs are reproducible: Chromium's creation and modification timestamps are replaced by the
version's effective date.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading

from .errors import PolicyError

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
NEEDS = ("PDFs need Playwright's Python package and a Chromium: pip install playwright (or pip install "
         "'policygen[pdf]'), then apt-get install chromium fonts-noto-cjk (or set POLICYGEN_CHROMIUM to a "
         "Chromium/Chrome executable)")


def chromium_path() -> str | None:
    explicit = os.environ.get("POLICYGEN_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None  # Playwright's own browser, if one was installed with `playwright install chromium`


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


_STAMP = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")


def fix_timestamps(data: bytes, effective: str) -> bytes:
    """Chromium stamps the time of printing; use the effective date (same length, so the
    cross-reference offsets stay right)."""
    day = effective.replace("-", "").encode() + b"000000"

    def repl(m):
        tz = m.group(3)
        tz = (b"+00'00'" if len(tz) == 7 else b"Z" if len(tz) == 1 else tz) if tz else tz
        return b"/" + m.group(1) + b" (D:" + day + tz + b")"
    return _STAMP.sub(repl, data)


def print_pdfs(site_dir: str, targets, timeout_ms: int = 60000) -> list[str]:
    """Print each (page path, pdf path, effective, hash) of a built site into site_dir."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PolicyError("cannot make PDFs: Playwright is not installed", hint=NEEDS) from None
    targets = list(targets)
    if not targets:
        return []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=site_dir))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/"
    written = []
    try:
        with sync_playwright() as pw:
            exe = chromium_path()
            try:
                browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            except PlaywrightError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise PolicyError(f"cannot start Chromium ({exe or 'Playwright default'}): {first}",
                                  hint=NEEDS) from None
            try:
                context = browser.new_context()
                context.route("**/*", lambda route: route.continue_()
                              if route.request.url.startswith(base) else route.abort())
                page = context.new_page()
                page.set_default_timeout(timeout_ms)
                for page_path, pdf_path, effective, _digest in targets:
                    page.goto(base + page_path, wait_until="load")
                    page.evaluate("document.fonts.ready.then(() => true)")
                    data = page.pdf(format="A4", prefer_css_page_size=True, print_background=True,
                                    tagged=True, outline=True)
                    out = os.path.join(site_dir, *pdf_path.split("/"))
                    os.makedirs(os.path.dirname(out), exist_ok=True)
                    with open(out, "wb") as fh:
                        fh.write(fix_timestamps(data, effective))
                    written.append(pdf_path)
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PolicyError(f"printing a PDF failed: {str(exc).strip().splitlines()[0]}", hint=NEEDS) from None
    finally:
        server.shutdown()
        server.server_close()
    return written

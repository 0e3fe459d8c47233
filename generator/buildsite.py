"""Run the MkDocs build atomically: build next to the output, swap in only on success."""

from __future__ import annotations

import io
import logging
import os
import shutil
import sys
import traceback

from .atomic import remove_leftovers, replace_dir, temp_dir
from .errors import PolicyError, ReportedError, exception_origin

DEFAULT_CONFIG = """
site_name: Privacy policies
use_directory_urls: true
validation:
  nav:
    omitted_files: ignore
theme:
  name: material
  font: false
plugins:
  - search
  - policygen
extra:
  generator: false
"""


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[str] = []
        self.errors: list[str] = []

    def emit(self, record):
        (self.errors if record.levelno >= logging.ERROR else self.records).append(record.getMessage())


def load_mkdocs_config(config_file: str | None, src: str, site_dir: str, **extra):
    from mkdocs.config import load_config

    kwargs = {"site_dir": site_dir, **extra}
    if config_file and os.path.exists(config_file):
        docs_dir = site_docs_dir(config_file, src)
        return load_config(config_file=config_file, **kwargs, **({"docs_dir": docs_dir} if docs_dir else {}))
    kwargs["docs_dir"] = os.path.abspath(src)
    if config_file and config_file != "mkdocs.yml":
        raise PolicyError(f"config file {config_file!r} does not exist")
    stream = io.StringIO(DEFAULT_CONFIG)
    stream.name = os.path.join(os.getcwd(), "mkdocs.yml")
    return load_config(config_file=stream, **kwargs)


def site_docs_dir(config_file: str, src: str) -> str | None:
    """The docs_dir policygen's build and serve run with: the policy folder (``--src``), as in the
    bundled project, unless the config's policygen plugin names its own ``src:``; then the config
    is an existing site's, whose docs_dir holds its own pages (None: keep it)."""
    own = _plugin_src(config_file)
    if own is None:
        return os.path.abspath(src)
    if os.path.abspath(own) != os.path.abspath(src):
        raise PolicyError(f"the policygen plugin in {config_file} reads the policies from {own!r}, not from {src!r}",
                          path=config_file, hint=f"run with --src {own}")
    return None


def _plugin_src(config_file: str) -> str | None:
    """The ``src:`` set under the policygen plugin in the config file, if any. Read with MkDocs'
    YAML loader (``!ENV``, ``INHERIT``); a config it cannot read is left to MkDocs to report."""
    from mkdocs.utils.yaml import yaml_load

    try:
        with open(config_file, "rb") as fh:
            data = yaml_load(fh)
        plugins = data.get("plugins") or []
        items = plugins.items() if isinstance(plugins, dict) else \
            [next(iter(p.items())) if isinstance(p, dict) and len(p) == 1 else (p, None) for p in plugins]
        for name, options in items:
            if name == "policygen" and isinstance(options, dict) and options.get("src"):
                return str(options["src"])
    except Exception:  # noqa: BLE001 - MkDocs' own load of the config reports it properly
        return None
    return None


def build_site(src: str, out: str, config_file: str | None = "mkdocs.yml", verbose: bool = False,
               **extra) -> dict:
    """Build into a temporary sibling of ``out``; replace ``out`` only when all went well."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import MkDocsException

    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    # A killed build leaves its temporary folder: the next build removes it.
    remove_leftovers(parent, (".site-build-", ".site-old-"))
    tmp = temp_dir(parent, ".site-build-")
    handler = _Collect()
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    old_level = log.level
    log.setLevel(logging.INFO if verbose else logging.WARNING)
    try:
        cfg = load_mkdocs_config(config_file, src, tmp, **extra)
        build(cfg)
        ours = cfg.plugins.get("policygen")
        stats = getattr(ours, "stats", None)
        _swap(tmp, out)
        tmp = None
    except PolicyError:
        raise
    except MkDocsException as exc:
        # MkDocs logs the real cause (a plugin's error, each config error), then aborts
        # with a generic message: show the cause.
        if handler.errors:
            raise ReportedError("\n".join(_as_error(e) for e in handler.errors)) from None
        raise PolicyError(str(exc).strip() or "the MkDocs build failed") from None
    except SystemExit as exc:  # mkdocs aborts with SystemExit on config errors
        detail = "\n".join(handler.errors + handler.records) or str(exc)
        raise PolicyError(f"the MkDocs build was aborted:\n{detail}") from None
    except Exception as exc:  # a hook, template or theme failed halfway through the build
        # (or in a worker process: a WorkerFailure carries the original's name, origin and traceback)
        if verbose:
            sys.stderr.write(getattr(exc, "trace", None) or traceback.format_exc())
        path, line = getattr(exc, "origin", None) or exception_origin(exc)
        name = getattr(exc, "kind", None) or type(exc).__name__
        raise PolicyError(f"the MkDocs build failed: {name}: {exc}", path=path, line=line,
                          hint=f"{os.path.relpath(out)}/ was left as it was; run with -v to see the traceback"
                          ) from None
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
        if tmp and os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return {"warnings": handler.records, "policygen": stats}


def _as_error(message: str) -> str:
    message = message.strip()
    return message if ": error: " in message.split("\n", 1)[0] or message.startswith("error:") \
        else f"error: {message}"


def _swap(new: str, out: str) -> None:
    publish_modes(new)
    replace_dir(new, out)


def publish_modes(root: str) -> None:
    """Folders 0755, files 0644, whatever the umask (under 077 everything would be 0600 and
    a web server could not read the site) and whatever mode a kept cache file had."""
    os.chmod(root, 0o755)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)

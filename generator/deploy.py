"""Copy a built site to a web root atomically: the copy is made next to the target, then
swapped in, so the web server never serves a half-copied site.

- a target directory is exchanged with the copy in one step where the system allows
  (Linux renameat2 RENAME_EXCHANGE), else renamed away and replaced (two renames);
- a target that is a symbolic link (a common web-root layout) is re-pointed atomically to
  the new copy; the copy it pointed to is removed if an earlier deploy made it.
"""

from __future__ import annotations

import os
import shutil

from .atomic import exchange, remove_leftovers, temp_dir
from .errors import PolicyError

PREFIX_DEPTH = 4  # folders deep a site may hold policygen's pages (the plugin's prefix: legal/privacy is 2)


def is_policygen_site(folder: str) -> bool:
    """A built site with policygen's changes.json at its root or under a prefix (an existing site
    with the policies in e.g. legal/privacy/)."""
    if not os.path.isfile(os.path.join(folder, "index.html")):
        return False
    level = [folder]
    for _depth in range(PREFIX_DEPTH + 1):
        if any(_is_changes_json(os.path.join(d, "changes.json")) for d in level):
            return True
        level = [e.path for d in level for e in _subfolders(d)]
    return False


def _subfolders(folder: str) -> list:
    try:
        with os.scandir(folder) as it:
            return [e for e in it if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
    except OSError:
        return []


def _is_changes_json(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return b'"generator": "policygen"' in fh.read(200)
    except OSError:
        return False


def deploy(site_dir: str, target: str, force: bool = False) -> str:
    """Replace ``target`` with a copy of the built ``site_dir``; returns how it was swapped."""
    site = os.path.abspath(site_dir)
    link = os.path.abspath(target)
    if not is_policygen_site(site):
        raise PolicyError(f"{site_dir} is not a built policygen site (no changes.json)",
                          hint="run 'policygen build' first, or pass --site")
    real = os.path.realpath(link)
    for a, b in ((real, os.path.realpath(site)), (os.path.realpath(site), real)):
        if a == b or a.startswith(b.rstrip(os.sep) + os.sep):
            raise PolicyError(f"cannot deploy {site_dir} into {target}: one contains the other")
    if os.path.exists(real) and not os.path.isdir(real):
        raise PolicyError(f"{target} exists and is not a folder")
    if os.path.isdir(real) and os.listdir(real) and not is_policygen_site(real) and not force:
        raise PolicyError(f"{target} is not empty and holds no policygen site; refusing to replace its contents",
                          hint="deploy to a folder of its own (e.g. the web root's legal/privacy/), "
                               "or pass --force to replace everything in it")
    is_link = os.path.islink(link)
    parent = os.path.dirname(link)
    os.makedirs(parent, exist_ok=True)
    name = os.path.basename(link.rstrip(os.sep))
    prefix = f".{name}.deploy-"
    remove_leftovers(parent, (prefix, f".{name}.old-"), keep=real)  # what a killed deploy left
    new = temp_dir(parent, prefix)
    try:
        shutil.copytree(site, new, symlinks=True, dirs_exist_ok=True)
        os.chmod(new, 0o755)
        if is_link:
            old = os.path.realpath(link)
            tmp_link = new + ".link"
            os.symlink(os.path.basename(new), tmp_link)
            os.replace(tmp_link, link)  # atomic: the link points at the old copy or at the new one
            if os.path.basename(old).startswith(prefix) and os.path.dirname(old) == parent:
                shutil.rmtree(old, ignore_errors=True)
            new = None
            return "link"
        if not os.path.exists(link):
            os.replace(new, link)
            new = None
            return "new"
        if exchange(new, link):
            shutil.rmtree(new, ignore_errors=True)  # now the old site
            new = None
            return "exchange"
        old = temp_dir(parent, f".{name}.old-")
        os.rmdir(old)
        os.replace(link, old)
        os.replace(new, link)
        new = None
        shutil.rmtree(old, ignore_errors=True)
        return "rename"
    finally:
        if new and os.path.exists(new):
            shutil.rmtree(new, ignore_errors=True)

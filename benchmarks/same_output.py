"""Do two commits of policygen build the same site? Byte for byte, file for file.

    python benchmarks/same_output.py OLD NEW [--date 2026-11-23] [--size 12x3x20]

Each commit's package is installed (not editable) into a folder of its own and run with this
Python, on two inputs: the bundled example site as that commit holds it (a clone, so the
history its versions are read from is there too), and one synthetic benchmark corpus
(``benchmarks/corpus.py``, NxLxC versions x languages x clauses) made once and built by both.
Builds run without the cache. Prints each input's file count and every file that differs;
exits 1 when anything differs. Used for the mechanical moves of the package layout: each
move must leave the output unchanged.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def sh(*args, cwd=None, env=None) -> str:
    return subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def install(rev: str, work: Path) -> Path:
    """The package of commit ``rev``, installed into a folder of its own."""
    src, lib = work / f"src-{rev}", work / f"lib-{rev}"
    src.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    sh(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(lib),
       str(src))
    return lib


def build(lib: Path, project: Path, out: Path, as_of: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(lib), "POLICYGEN_CACHE": ""}
    code = ("import sys, policygen; assert policygen.__file__.startswith(sys.argv[1]), policygen.__file__; "
            "from policygen.cli import main; sys.argv = ['policygen'] + sys.argv[2:]; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(lib), "build", "--date", as_of, "--no-cache",
                           "--out", str(out)], cwd=project, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"build of {project} with {lib.name} failed:\n{proc.stdout}\n{proc.stderr}")


def differences(a: Path, b: Path) -> tuple[int, list[str]]:
    def walk(cmp: filecmp.dircmp, prefix: str):
        for name in cmp.left_only + cmp.right_only + cmp.funny_files:
            yield f"{prefix}{name} (only one side)"
        _same, diff, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        for name in diff + errors:
            yield f"{prefix}{name}"
        for name, sub in sorted(cmp.subdirs.items()):
            yield from walk(sub, f"{prefix}{name}/")

    count = sum(len(files) for _d, _s, files in os.walk(a))
    return count, list(walk(filecmp.dircmp(a, b), ""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--date", default="2026-11-23", help="build date of both builds")
    ap.add_argument("--size", default="12x3x20", help="benchmark corpus: versions x languages x clauses")
    args = ap.parse_args(argv)
    revs = [sh("git", "-C", str(ROOT), "rev-parse", "--short", r).strip() for r in (args.old, args.new)]
    n, l, c = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="policygen-same-") as tmp:
        work = Path(tmp)
        libs = {rev: install(rev, work) for rev in revs}
        from corpus import make_corpus  # made once, with the policygen this Python imports

        corpus = work / "corpus"
        make_corpus(corpus, n, l, c)
        failed = False
        for name in ("bundled", "corpus"):
            outs = []
            for rev in revs:
                if name == "bundled":
                    project = work / f"bundled-{rev}"
                    sh("git", "clone", "-q", str(ROOT), str(project))
                    sh("git", "-C", str(project), "checkout", "-q", rev)
                else:
                    project = corpus
                out = work / f"out-{name}-{rev}"
                build(libs[rev], project, out, args.date)
                outs.append(out)
            count, diff = differences(*outs)
            print(f"{name}: {count} files, {len(diff)} differ ({revs[0]} vs {revs[1]}, as of {args.date})")
            for d in diff:
                print(f"  {d}")
            failed = failed or bool(diff)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

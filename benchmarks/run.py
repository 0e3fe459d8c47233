"""policygen performance benchmark: `python benchmarks/run.py` (add --quick for a smoke run).

Builds a synthetic corpus in a temporary git repository (N versions x L languages x C
clauses, see corpus.py) and measures, each next to its target:

  * `policygen build`: wall time (timed with no memory sampling, which slows a build) and
    peak memory (a subprocess and its worker processes: the sum of their PSS, sampled in
    a run of its own), cold (no cache); again with the cache folder of the
    build before (what CI with a kept cache, or a second local build, runs); and with the
    cache folder of the build before the latest release (CI after a release);
  * the per-version way: a plain `mkdocs build` (Material, search, no policygen) of one
    version on its own, all languages as one page each, timed for a sample of versions
    and extrapolated to N; its ratio to each policygen build (targets: cold >= 14x, cache
    kept >= 35x, after a release >= 20x);
  * time per version at N = 10, 25, 50, 100 (target: at most 1.5x growth from 10 to 100);
  * the rebuild `policygen serve` does after one clause of the draft is edited: the MkDocs
    build function driven twice in one process, as serve does, render cache warm
    (target < 3 s);
  * `policygen diff` of two 50 KB versions of a 60-clause policy, in process (median,
    target < 50 ms);
  * `policygen build --no-cache --jobs 1` of a real policy (../shared/corpus/ota, IGN's,
    ~70 KB) kept as one clause with 12 releases (target < 10 s; `--only real-policy`), and
    `policygen release` of one 2 MB clause edited at its start and end (target < 5 s;
    `--only big-clause`);
  * peak memory for 100 versions x 10 languages x 60 clauses (target < 1 GB; --skip-big),
    cold and after one more release with the cache folder of the build before (whose
    workers also read the diffs that build kept).

The machine may be noisy: the ratios are measured side by side in one run, and the builds
the ratios compare run in interleaved rounds (--rounds, default 3), as does serve's rebuild;
each figure is its best round.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import GIT_ENV, POLICY, Writer, english_sentences, git, make_corpus  # noqa: E402

ENV = {**os.environ, **GIT_ENV, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("POLICYGEN_CACHE", None)
ENV.pop("POLICYGEN_DRAFT", None)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def tree_pss(root: int) -> int:
    """Memory of a process and its descendants, in bytes: the sum of their PSS (shared pages
    counted once between the processes sharing them, so forked workers are not counted twice).
    0 where /proc does not tell."""
    pids, total = [root], 0
    for pid in pids:
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    pids.extend(int(x) for x in fh.read().split())
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("Pss:"))
        except (OSError, ValueError, StopIteration):
            continue  # gone meanwhile
    return total


def measured_wait4(cmd, cwd, env=None, memory: bool = True) -> tuple[float, int]:
    """Run a command; return (wall seconds, peak memory in bytes). Peak memory is the largest
    sum of PSS over the process and its workers, sampled every 50 ms; where /proc has no PSS
    (or ``memory`` is off), the peak RSS of the largest of them. The sampling costs the command
    time (the kernel walks each process's pages, and holds their memory map meanwhile: 5-9%
    of a cold build on two CPUs), so the timed runs are made with ``memory=False``."""
    t0 = time.perf_counter()
    peak = [0]
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env or ENV, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample():
            while not done.wait(0.05):
                peak[0] = max(peak[0], tree_pss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        if memory:
            sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        done.set()
        if memory:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            out.seek(0)
            raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                             f"{out.read().decode('utf-8', 'replace')[-4000:]}")
    return elapsed, peak[0] or usage.ru_maxrss * 1024  # Linux reports KiB


def policygen_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "policygen"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "policygen.cli"]


def build(repo: Path, as_of: date, out: Path, env=None, draft=False, cache: Path | None = None,
          memory: bool = True) -> tuple[float, int]:
    """`policygen build`; with no ``cache`` folder, a cold build that reads and writes no cache."""
    cmd = [*policygen_cmd(), "build", "--src", "policy_src", "--out", str(out), "--date", as_of.isoformat()]
    cmd += ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    if draft:
        cmd.append("--draft")
    return measured_wait4(cmd, repo, env, memory)


def checkout(src: Path, dst: Path, commit: str) -> Path:
    subprocess.run(["git", "clone", "-q", str(src), str(dst)], check=True, env=ENV)
    git(dst, "reset", "-q", "--hard", commit)
    return dst


# --- the per-version way ------------------------------------------------------------

PLAIN_CONFIG = """site_name: Privacy policy
theme:
  name: material
  font: false
plugins:
  - search
"""


def plain_site(snapshot: dict, folder: Path) -> Path:
    """One version as a normal MkDocs project: one page per language."""
    docs = folder / "docs"
    docs.mkdir(parents=True)
    links = []
    for lang, clauses in snapshot.items():
        parts = [f"# Privacy policy ({lang})\n"]
        for i, (title, body) in enumerate(clauses, 1):
            parts.append(f"## {i}. {title}\n\n{body.strip()}\n")
        (docs / f"{lang}.md").write_text("\n".join(parts), encoding="utf-8")
        links.append(f"- [{lang}]({lang}.md)")
    (docs / "index.md").write_text("# Privacy policy\n\n" + "\n".join(links) + "\n", encoding="utf-8")
    (folder / "mkdocs.yml").write_text(PLAIN_CONFIG, encoding="utf-8")
    return folder


def plain_build(folder: Path) -> float:
    secs, _ = measured_wait4([sys.executable, "-m", "mkdocs", "build", "-q"], folder, memory=False)
    return secs


# --- serve's rebuild, in process ------------------------------------------------------

def incremental_worker(repo: str, as_of: str, cache: str) -> None:
    """Drive MkDocs' build twice in one process, as `policygen serve` does on a change."""
    os.chdir(repo)
    os.environ.update({"POLICYGEN_DRAFT": "1", "POLICYGEN_DATE": as_of, "POLICYGEN_CACHE": cache})
    import logging

    from mkdocs.commands.build import build as mk_build

    from policygen.buildsite import load_mkdocs_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    site = tempfile.mkdtemp(prefix="bench-serve-")
    url = "http://127.0.0.1:8000/"

    def once() -> float:
        t0 = time.perf_counter()
        cfg = load_mkdocs_config("mkdocs.yml", "policy_src", site)
        cfg.site_url = url
        if not getattr(once, "started", False):
            cfg.plugins.on_startup(command="serve", dirty=False)
            once.started = True
        mk_build(cfg, serve_url=url)
        return time.perf_counter() - t0

    first = once()
    folder = Path("policy_src") / POLICY / "en"
    target = sorted(folder.glob("*.md"))[0]
    marker = f"Edited for the benchmark at {time.time():.0f}."
    target.write_text(target.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{marker}\n", encoding="utf-8")
    second = once()
    page = Path(site) / "en" / POLICY / "draft" / "index.html"
    seen = marker in page.read_text(encoding="utf-8")
    shutil.rmtree(site, ignore_errors=True)
    print(json.dumps({"first": first, "second": second, "edit_visible": seen}))


def incremental(repo: Path, as_of: date, cache: Path) -> dict:
    cmd = [sys.executable, __file__, "--incremental-worker", str(repo), as_of.isoformat(), str(cache)]
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"incremental worker failed:\n{proc.stdout}\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- diff ---------------------------------------------------------------------------

def diff_bench(runs: int = 15) -> tuple[float, int]:
    """Median ms of diff_policy + classify between two ~50 KB, 60-clause versions (en)."""
    from policygen.classify import classify
    from policygen.diff import diff_policy
    from policygen.model import Clause, Manifest, PolicyText

    from corpus import PURPOSES, _edit, clause_ids

    rng = random.Random(11)
    ids = clause_ids(60)
    manifest = Manifest(id="bench", titles={"en": "Privacy Policy"}, languages=("en",), clauses=tuple(ids),
                        regimes=("gdpr", "pipl"))
    w = Writer("en", rng, english_sentences())
    def body():  # ~850 bytes: a paragraph and a short list, 60 of them make ~50 KB
        items = "\n".join(f"- ({k + 1}) {w.item()}" for k in range(3))
        return f"{w.paragraph(3)}\n\n{items}"

    old = [Clause(ids[i], f"Clause {i + 1}", body(),
                  facts={"purposes": PURPOSES[:2]} if i == 1 else {}) for i in range(60)]
    size = sum(len(c.body.encode()) for c in old)
    old_text = PolicyText(manifest, "en", tuple(old))
    times = []
    for run in range(runs):
        r = random.Random(100 + run)
        new = list(old)
        for i in r.sample(range(60), 5):  # a fresh edit each run: nothing is served from a memo
            kind = r.choice(["replace", "add-item", "paragraph", "drop-item"])
            new[i] = Clause(new[i].id, new[i].title, _edit(new[i].body, kind, Writer("en", r, w.en), r),
                            facts=new[i].facts)
        new[1] = Clause(new[1].id, new[1].title, new[1].body, facts={"purposes": PURPOSES[:2] + [f"analytics {run}"]})
        new_text = PolicyText(manifest, "en", tuple(new))
        t0 = time.perf_counter()
        classify(diff_policy(old_text, new_text, "en"), manifest)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), size


# --- real sizes: one long clause -------------------------------------------------------

OTA = [HERE.parent.parent / "shared" / "corpus" / "ota", HERE.parent.parent.parent / "shared" / "corpus" / "ota"]


def one_clause_project(path: Path, policy: str) -> Path:
    """A project with one policy of one clause (``text``), in a new git repository."""
    folder = path / "policy_src" / policy
    (folder / "en").mkdir(parents=True)
    (folder / "policy.yml").write_text(
        "title:\n  en: Privacy Policy\nentity:\n  name: Example Ltd\nlanguages:\n- en\nregimes:\n- gdpr\n"
        "notice_days: 30\nclauses:\n- text\n", encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    return folder / "en" / "text.md"


def write_release(repo: Path, clause: Path, policy: str, body: str, day: date) -> float:
    """Write the clause, commit it, time `policygen release --backfill` of it, commit that."""
    from policygen.fragments import render_clause_file
    from policygen.model import Clause

    clause.write_text(render_clause_file(Clause(id="text", title="Privacy Policy", body=body)), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"Text of {day}", env_date=day)
    t0 = time.perf_counter()
    subprocess.run([*policygen_cmd(), "release", "--policy", policy, "--effective", day.isoformat(), "--backfill"],
                   cwd=repo, env=ENV, check=True, capture_output=True)
    secs = time.perf_counter() - t0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"Release {day}", env_date=day)
    return secs


def real_policy_bench(work: Path, service: str = "ign-entertainment", releases: int = 12) -> tuple[float, int]:
    """Seconds of `policygen build --no-cache --jobs 1` of a real policy (Open Terms Archive's
    consecutive versions, ../shared/corpus/ota) kept as one clause, with ``releases``
    releases; and its average size in bytes."""
    ota = next((p for p in OTA if p.is_dir()), None)
    if ota is None:
        raise SystemExit(f"no corpus of real policies at {OTA[0]}")
    files = sorted((ota / service).glob("*.md"))[:releases]
    repo = work / f"real-{service}"
    clause = one_clause_project(repo, "real")
    for f in files:
        write_release(repo, clause, "real", f.read_text(encoding="utf-8"), date.fromisoformat(f.stem))
    last = date.fromisoformat(files[-1].stem) + timedelta(days=1)
    secs, _ = measured_wait4([*policygen_cmd(), "build", "--no-cache", "--jobs", "1", "--out", str(work / "real-site"),
                              "--date", last.isoformat()], repo, memory=False)
    return secs, sum(f.stat().st_size for f in files) // len(files)


def big_clause_bench(work: Path, mb: float) -> float:
    """Seconds of `policygen release` of one clause of ``mb`` MB edited at its start and end."""
    rng = random.Random(5)
    w = Writer("en", rng, english_sentences())
    paras, size = [], 0
    while size < mb * 2**20:
        paras.append(w.paragraph(4))
        size += len(paras[-1].encode()) + 2
    repo = work / f"big-{mb:g}"
    clause = one_clause_project(repo, "big")
    write_release(repo, clause, "big", "\n\n".join(paras), date(2020, 1, 1))
    paras[0] = "We may update this text. " + paras[0]
    paras[-1] = paras[-1] + " Please read it carefully."
    return write_release(repo, clause, "big", "\n\n".join(paras), date(2021, 1, 1))


def real_policy_figure(rep, work: Path) -> None:
    secs, size = real_policy_bench(work)
    rep.add("real_policy_build_s", f"build, real {size // 1024} KB one-clause policy, 12 releases (s)", secs,
            "< 10 s (--no-cache --jobs 1)", secs < 10)


def big_clause_figure(rep, work: Path) -> None:
    secs = big_clause_bench(work, 2)
    rep.add("big_clause_release_s", "release of a 2 MB clause edited at start and end (s)", secs, "< 5 s", secs < 5)


# --- report ---------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.rows = []
        self.data = {}

    def add(self, key, label, value, target="", ok=None):
        self.data[key] = value if not isinstance(value, tuple) else list(value)
        mark = "" if ok is None else ("  PASS" if ok else "  FAIL")
        line = f"{label:<58} {self.fmt(value):>14}   {target}{mark}"
        self.rows.append(line)
        print(line, flush=True)

    @staticmethod
    def fmt(v):
        if isinstance(v, float):
            return f"{v:.2f}"
        return str(v)


def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", "-n", type=int, default=50, help="N versions (default 50)")
    ap.add_argument("--languages", "-l", type=int, default=4, help="L languages, 1-10 (default 4)")
    ap.add_argument("--clauses", "-c", type=int, default=60, help="C clauses (default 60)")
    ap.add_argument("--scaling", default="10,25,50,100", help="N values for time per version")
    ap.add_argument("--samples", type=int, default=5, help="versions built the per-version way (default 5)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of the 50-version builds and the per-version builds, interleaved; each "
                         "figure is the best round (default 3: these machines are noisy)")
    ap.add_argument("--big", default="100,10,60", help="N,L,C of the memory run")
    ap.add_argument("--skip-big", action="store_true", help="skip the 100 x 10 x 60 memory run (slow)")
    ap.add_argument("--quick", action="store_true", help="small corpus, smoke test of the benchmark itself")
    ap.add_argument("--keep", help="make the corpora in this folder and keep them")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--only", choices=["real-policy", "big-clause"],
                    help="run one figure on its own: the build of a real 65 KB one-clause policy with 12 releases "
                         "(target < 10 s), or the release of a 2 MB clause edited at its start and end (target < 5 s)")
    ap.add_argument("--incremental-worker", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.incremental_worker:
        incremental_worker(*a.incremental_worker)
        return 0
    if a.only:
        work = Path(a.keep or tempfile.mkdtemp(prefix="policygen-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        rep = Report()
        (real_policy_figure if a.only == "real-policy" else big_clause_figure)(rep, work)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    if a.quick:
        a.versions, a.languages, a.clauses, a.scaling, a.samples, a.skip_big, a.rounds = 12, 2, 15, "4,8,12", 2, True, 1
    points = sorted({int(x) for x in a.scaling.split(",")} | {a.versions})
    work = Path(a.keep or tempfile.mkdtemp(prefix="policygen-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rep = Report()
    import policygen

    # As pip does when it installs a package: policygen's modules compiled once, not on every
    # run (an editable install with PYTHONDONTWRITEBYTECODE set would compile them each time).
    compileall.compile_dir(str(Path(policygen.__file__).parent), quiet=1)
    print(f"policygen benchmark: {a.versions} versions x {a.languages} languages x {a.clauses} clauses; "
          f"policygen from {Path(policygen.__file__).parent}; {os.cpu_count()} CPUs", flush=True)
    try:
        nmax = max(points)
        sample_idx = sorted({round(i * (a.versions - 1) / max(1, a.samples - 1)) for i in range(a.samples)})
        log(f"making the corpus ({nmax} versions) in {work} ...")
        t0 = time.perf_counter()
        info = make_corpus(work / "corpus", nmax, a.languages, a.clauses, snapshot=set(sample_idx),
                           progress=lambda k, n: log(f"  version {k}/{n}") if k % 10 == 0 else None)
        log(f"  made in {time.perf_counter() - t0:.0f} s")
        sizes = {lg: sum(f.stat().st_size for f in (work / "corpus/policy_src" / POLICY / lg).glob("*.md"))
                 for lg in info.languages}
        print(f"corpus: {nmax} versions, languages {', '.join(info.languages)}; one version is "
              f"{sum(sizes.values()) / 1024:.0f} KB of clause files", flush=True)

        def at(n: int) -> tuple[Path, date]:
            commit = info.versions[n - 1][1]
            d = info.versions[n - 1][0] + timedelta(days=5)
            return checkout(work / "corpus", work / f"at-{n}", commit), d

        # 1. the full build, and 3. time per version at each N
        per_version = {}
        full = None
        for n in points:
            repo, d = at(n)
            secs, rss = build(repo, d, work / f"site-{n}")
            pages = sum(1 for _ in (work / f"site-{n}").rglob("index.html"))
            per_version[n] = secs / n
            log(f"  N={n}: {secs:.1f} s, {pages} pages, peak {mib(rss)}")
            if n == a.versions:
                full = (secs, rss, pages, repo, d)
            shutil.rmtree(work / f"site-{n}", ignore_errors=True)
        secs, rss, pages, repo, d = full
        before, _ = at(a.versions - 1)
        build(before, d, work / "site-before", cache=work / "release-cache")  # its cache, kept aside
        shutil.rmtree(work / "site-before", ignore_errors=True)
        build(repo, d, work / "site-warm-0", cache=work / "build-cache")
        shutil.rmtree(work / "site-warm-0", ignore_errors=True)
        folders = [plain_site(info.snapshots[k], work / f"plain-{k}") for k in sample_idx]
        # Each round builds everything once, so that what the machine's neighbours do falls on
        # both sides of each ratio; each figure is its best round.
        # The timed builds run without the memory sampler (measured_wait4).
        cold, warm_t, rel_t, plain = [], [], [], []
        for r in range(a.rounds):
            log(f"  round {r + 1} of {a.rounds} ...")
            cold.append(build(repo, d, work / "site-cold", memory=False)[0])
            shutil.rmtree(work / "site-cold", ignore_errors=True)
            # The build a CI job with a kept cache folder (or a second local build) runs: the
            # same sources, the render cache and kept pages from the build before.
            warm_t.append(build(repo, d, work / "site-warm", cache=work / "build-cache", memory=False)[0])
            shutil.rmtree(work / "site-warm", ignore_errors=True)
            # The usual CI case: the cache folder of the build before the latest release (in
            # another clone). The pages the release touches are made again.
            shutil.rmtree(work / "release-cache-r", ignore_errors=True)
            shutil.copytree(work / "release-cache", work / "release-cache-r")
            rel_t.append(build(repo, d, work / "site-released", cache=work / "release-cache-r", memory=False)[0])
            shutil.rmtree(work / "site-released", ignore_errors=True)
            plain.append([plain_build(folder) for folder in folders])
        secs, warm, released = min(cold), min(warm_t), min(rel_t)
        rep.add("build_s", f"policygen build, {a.versions}x{a.languages}x{a.clauses} ({pages} pages), cold, s", secs)
        rep.add("build_rss", "  peak memory (all processes)", mib(rss))
        rep.add("build_warm_s", "policygen build again, cache folder kept, s", warm)
        rep.add("build_release_s", "policygen build after one more release (its cache kept), s", released)

        # 2. the per-version way
        mean = statistics.mean(min(times) for times in zip(*plain))
        total = mean * a.versions
        note = (f"{len(folders)} of {a.versions} versions built, extrapolated" if len(folders) < a.versions
                else "all versions built")
        rep.add("plain_one_s", "plain mkdocs build of one version (mean), s", mean)
        rep.add("plain_total_s", f"per-version builds for {a.versions} versions ({note}), s", total)
        ratio = total / secs
        rep.add("speedup", "  per-version way / policygen build (cold)", f"{ratio:.1f}x", ">= 14x", ratio >= 14)
        ratio = total / warm
        rep.add("speedup_warm", "  per-version way / policygen build (cache kept)", f"{ratio:.1f}x", ">= 35x",
                ratio >= 35)
        ratio = total / released
        rep.add("speedup_release", "  per-version way / policygen build (one more release)", f"{ratio:.1f}x",
                ">= 20x", ratio >= 20)
        print("  rounds (s): cold " + ", ".join(f"{x:.2f}" for x in cold) + "; cache kept "
              + ", ".join(f"{x:.2f}" for x in warm_t) + "; after a release " + ", ".join(f"{x:.2f}" for x in rel_t)
              + "; per-version (one version, mean) " + ", ".join(f"{statistics.mean(x):.2f}" for x in plain),
              flush=True)
        totals = [statistics.mean(x) * a.versions for x in plain]  # each round's own per-version total
        print("  ratios within each round: cold " + ", ".join(f"{t / x:.1f}x" for t, x in zip(totals, cold))
              + "; cache kept " + ", ".join(f"{t / x:.1f}x" for t, x in zip(totals, warm_t))
              + "; after a release " + ", ".join(f"{t / x:.1f}x" for t, x in zip(totals, rel_t)), flush=True)

        # 3. scaling
        first, last = points[0], points[-1]
        for n in points:
            rep.add(f"per_version_{n}", f"time per version at N={n}, s", per_version[n])
        growth = per_version[last] / per_version[first]
        rep.add("growth", f"  growth of time per version, N={first} -> N={last}", f"{growth:.2f}x", "<= 1.5x",
                growth <= 1.5)

        # 4. serve's rebuild after one edit
        runs = []
        for r in range(a.rounds):  # each with a fresh render cache; the best round counts
            shutil.rmtree(work / "render-cache", ignore_errors=True)
            runs.append(incremental(repo, d, work / "render-cache"))
        inc = min(runs, key=lambda x: x["second"])
        rep.add("serve_first_s", "serve: first build (cold, draft included), s", min(x["first"] for x in runs))
        rep.add("serve_rebuild_s", "serve: rebuild after editing one draft clause, s", inc["second"], "< 3 s",
                inc["second"] < 3 and all(x["edit_visible"] for x in runs))
        if len(runs) > 1:
            print("  rounds (s): serve rebuild " + ", ".join(f"{x['second']:.2f}" for x in runs), flush=True)
        if not all(x["edit_visible"] for x in runs):
            print("  the edit did not show on the draft page!", flush=True)

        # 5. diff
        ms, size = diff_bench()
        rep.add("diff_ms", f"diff + classify, two {size / 1024:.0f} KB versions, 60 clauses (median), ms", ms,
                "< 50 ms", ms < 50)
        real_policy_figure(rep, work)
        big_clause_figure(rep, work)

        # 6. memory
        if not a.skip_big:
            bn, bl, bc = (int(x) for x in a.big.split(","))
            log(f"making the memory corpus ({bn}x{bl}x{bc}) ...")
            big = make_corpus(work / "big", bn, bl, bc, seed=13,
                              progress=lambda k, n: log(f"  version {k}/{n}") if k % 20 == 0 else None)
            bsecs, brss = build(work / "big", big.build_date, work / "site-big")
            rep.add("big_s", f"policygen build, {bn}x{bl}x{bc}, s", bsecs)
            rep.add("big_rss_mib", f"  peak memory (all processes), {bn}x{bl}x{bc}", mib(brss), "< 1 GB",
                    brss < 2**30)
            # With the cache folder, after a release: the workers also read the diffs kept by
            # the build before.
            prev = checkout(work / "big", work / "big-prev", big.versions[-2][1])
            build(prev, big.build_date, work / "site-big-prev", cache=work / "big-cache")
            rsecs, rrss = build(work / "big", big.build_date, work / "site-big", cache=work / "big-cache")
            rep.add("big_release_s", f"policygen build after one more release (its cache kept), {bn}x{bl}x{bc}, s",
                    rsecs)
            rep.add("big_release_rss_mib", f"  peak memory (all processes), {bn}x{bl}x{bc}, after a release",
                    mib(rrss), "< 1 GB", rrss < 2**30)
        else:
            print("(memory run for 100 x 10 x 60 skipped: --skip-big)", flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rep.data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

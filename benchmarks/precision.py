"""Precision of the change levels on real policies: `python benchmarks/precision.py`.

Reads the labelled pairs in tests/data/precision/ (consecutive versions of real public
privacy policies, each labelled by reading its diff: formatting, typo, editorial-wording or
substantive, and whether it adds sharing, data categories or purposes), classifies each
pair as a one-clause policy, and prints the confusion table of label x level, the targets
and every pair that misses one. ``--markdown`` prints the table as Markdown (README).

Targets: every formatting and typo pair editorial; every substantive pair at least minor;
every pair that adds sharing, data categories or purposes at least notice.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from policygen.classify import classify
from policygen.diff import diff_policy
from policygen.model import LEVELS, Clause, Manifest, PolicyText, level_rank

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "precision"
LABELS = ("formatting", "typo", "editorial-wording", "substantive")
MANIFEST = Manifest(id="p", titles={"en": "Privacy Policy"}, languages=("en",), clauses=("text",))


def pairs(folder: Path = DATA) -> list[dict]:
    rows = list(csv.DictReader((folder / "labels.tsv").open(encoding="utf-8"), delimiter="\t"))
    for r in rows:
        stem = folder / "pairs" / f"{r['service']}_{r['old']}_{r['new']}"
        r["old_text"] = Path(f"{stem}.old.md").read_text(encoding="utf-8")
        r["new_text"] = Path(f"{stem}.new.md").read_text(encoding="utf-8")
    return rows


def judge(old: str, new: str):
    text = lambda body: PolicyText(MANIFEST, "en", (Clause("text", "Privacy Policy", body, {}),))  # noqa: E731
    return classify(diff_policy(text(old), text(new), "en"), MANIFEST)


def target(row: dict) -> str:
    """The least level a pair must get ("" = any), and the most ("editorial" pairs)."""
    if row["label"] in ("formatting", "typo"):
        return "editorial"
    if row["label"] == "substantive":
        return "notice" if row["adds"] == "yes" else "minor"
    return ""


def misses(row: dict, level: str) -> bool:
    want = target(row)
    if row["label"] in ("formatting", "typo"):
        return level != "editorial"
    return bool(want) and level_rank(level) < level_rank(want)


def evaluate(folder: Path = DATA) -> list[dict]:
    out = []
    for r in pairs(folder):
        cls = judge(r["old_text"], r["new_text"])
        top = [x for x in cls.reasons if x.level == cls.level]
        out.append({**r, "level": cls.level, "why": top[0].message if top else "no visible change",
                    "miss": misses(r, cls.level)})
    return out


def table(results: list[dict], markdown: bool) -> str:
    head = ["label \\ level", *LEVELS, "pairs", "target", "met"]
    rows = []
    for label in LABELS:
        mine = [r for r in results if r["label"] == label]
        if label == "substantive":
            groups = [("substantive (adds sharing, data or purposes)", [r for r in mine if r["adds"] == "yes"]),
                      ("substantive (other)", [r for r in mine if r["adds"] != "yes"])]
        else:
            groups = [(label, mine)]
        for name, group in groups:
            want = {"formatting": "editorial", "typo": "editorial", "editorial-wording": "-"}.get(
                label, "notice+" if "adds" in name else "minor+")
            rows.append([name, *[str(sum(r["level"] == lv for r in group)) for lv in LEVELS], str(len(group)), want,
                         f"{sum(not r['miss'] for r in group)}/{len(group)}"])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in [head, *rows])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--all", action="store_true", help="also list every pair with its level and reason")
    a = ap.parse_args(argv)
    results = evaluate()
    print(table(results, a.markdown))
    missed = [r for r in results if r["miss"]]
    print(f"\n{len(results)} pairs; {len(results) - len(missed)} meet their target, {len(missed)} miss")
    for r in (results if a.all else missed):
        print(f"  {'MISS ' if r['miss'] else ''}{r['service']} {r['old']} -> {r['new']}: labelled {r['label']} "
              f"({r['reason']}); got {r['level']}: {r['why'][:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

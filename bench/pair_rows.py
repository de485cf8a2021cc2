"""Per-class IoU of two paper-table rows, seed by seed: each row's mean and standard error, their ratio, and the
paired difference over the seeds both rows have. A row is any folder holding ``seed*/eval.json`` below it (a
``bench/paper_table.py --out`` folder's ``rows/<row>``, or several such folders).

    .venv/bin/python bench/pair_rows.py --a runs/pedestrian_synth_320_a/rows/tuned runs/pedestrian_synth_320_b/rows/tuned \
        --b runs/pedestrian_recipe_320/rows/real runs/pedestrian_recipe_320_s1/rows/real

``--confusion vehicle`` adds, from the rows' summed paper-7 confusion matrices, that class's recall, precision and
where each row's false positives of it come from.

Measures, never asserts; prints markdown tables.
"""
from __future__ import annotations

import argparse
import json
import statistics as st
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

CLASSES = ("vehicle", "pedestrian", "building", "vegetation", "road", "ground", "sky")


def confusion(folders: List[str]) -> Tuple[np.ndarray, List[str]]:
    """The paper-7 confusion matrix (rows: truth) summed over every ``seed*/eval.json`` under ``folders``."""
    total, names = None, []
    for folder in folders:
        for f in sorted(Path(folder).glob("**/seed*/eval.json")):
            d = json.loads(f.read_text())
            cm = np.asarray(d["confusion_matrix"], dtype=float)
            total, names = (cm if total is None else total + cm), d["class_names"]
    return total, names


def _share(x: float) -> str:
    """A fraction as a percentage; a dash where it is undefined (a class never called or never present)."""
    return "–" if np.isnan(x) else f"{100 * x:.0f} %"


def confusion_table(rows: Dict[str, Tuple[np.ndarray, List[str]]], cls: str) -> str:
    """Markdown: per row, ``cls``'s recall and precision and the true classes of the pixels it calls ``cls``."""
    names = next(iter(rows.values()))[1]
    lines = [f"| row | recall | precision | {' | '.join(f'called {cls}, truly {n}' for n in names if n != cls)} |",
             "|---|---:|---:|" + "---:|" * (len(names) - 1)]
    for label, (cm, _) in rows.items():
        k = names.index(cls)
        with np.errstate(invalid="ignore", divide="ignore"):
            called, recall = cm[:, k] / cm[:, k].sum(), cm[k, k] / cm[k].sum()
        others = " | ".join(_share(called[j]) for j, n in enumerate(names) if n != cls)
        lines.append(f"| {label} | {_share(recall)} | {_share(called[k])} | {others} |")
    return "\n".join(lines)


def read_row(folders: List[str]) -> Dict[int, Dict[str, float]]:
    """seed -> {class: IoU, 'global': ...} from every ``seed*/eval.json`` under ``folders``."""
    out: Dict[int, Dict[str, float]] = {}
    for folder in folders:
        for f in sorted(Path(folder).glob("**/seed*/eval.json")):
            d = json.loads(f.read_text())
            out[int(f.parent.name[len("seed"):])] = {**d["paper7_iou"], "global": d["global"]}
    return out


def _se(values: List[float]) -> float:
    return st.stdev(values) / len(values) ** 0.5 if len(values) > 1 else float("nan")


def _ratio(a: float, b: float) -> str:
    return f"{100 * a / b:.0f} %" if b else "-"  # a class B never found (IoU 0 on every seed) has no ratio


def table(a: Dict[int, Dict[str, float]], b: Dict[int, Dict[str, float]]) -> str:
    """Markdown: per class A and B (mean ± SE, seeds), A / B, and A - B paired by seed (mean ± SE, seeds ahead)."""
    both = sorted(set(a) & set(b))
    lines = [f"A seeds {sorted(a)}, B seeds {sorted(b)}, paired {both}", "",
             "| class | A | B | A / B | A - B, paired | A ahead |", "|---|---:|---:|---:|---:|---:|"]
    for c in (*CLASSES, "global"):
        va, vb = [a[k][c] for k in sorted(a)], [b[k][c] for k in sorted(b)]
        diff = [a[k][c] - b[k][c] for k in both]
        lines.append(f"| {c} | {st.mean(va):.2f} ± {_se(va):.2f} | {st.mean(vb):.2f} ± {_se(vb):.2f} | "
                     f"{_ratio(st.mean(va), st.mean(vb))} | "
                     f"{st.mean(diff):+.2f} ± {_se(diff):.2f} | {sum(d > 0 for d in diff)}/{len(diff)} |")
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", nargs="+", required=True, help="row folders of A")
    ap.add_argument("--b", nargs="+", required=True, help="row folders of B")
    ap.add_argument("--confusion", metavar="CLASS", choices=CLASSES, help="recall, precision and false positives")
    args = ap.parse_args(argv)
    a, b = read_row(args.a), read_row(args.b)
    if not a or not b:
        print(f"pair_rows: no seed*/eval.json under {args.a if not a else args.b}", file=sys.stderr)
        return 2
    print(table(a, b))
    if args.confusion:
        print("\n" + confusion_table({"A": confusion(args.a), "B": confusion(args.b)}, args.confusion))
    return 0


if __name__ == "__main__":
    sys.exit(main())

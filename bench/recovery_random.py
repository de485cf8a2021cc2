"""Parameter recovery over random hidden targets: does the tuner find what it is asked to find?

Each target (``tuner.targets.random_targets``: a seed, K variables drawn from all 44 histogram variables,
layout and appearance alike, each moved to a Gaussian bump at a random place in its support; every other
variable held at its middle bin in start and target, but a gate that a moved variable needs open, such as a
parking strip wide enough for cars when parked-car density is moved: ``tuner.targets.GATES``) is rendered, and
each update rule tunes the K variables from uniform toward it, seeing only the target's renders. Per target and
rule: the recovery error (per-variable Wasserstein-1 over the support width, mean over the K) at the start and the
end, the reduction, and the share of the K variables that end farther from their target than they started; per
variable group, the mean end error over start error. Moved variables the laid-out scenes do not show at all
under the holds (``tuner.targets.inert_variables``) are named in the summary.

Budgets (settings otherwise those of ``--recipe recovery``):

* ``quick``: 6 iterations x 48 renders at 128x64, 128 target frames, 100 discriminator steps;
* ``full``:  8 iterations x 64 renders at 256x128, 256 target frames (the recipe as it is).

    .venv/bin/python bench/recovery_random.py --budget quick --k 6 --targets 6 --out runs/bench/recovery_random
    .venv/bin/python bench/recovery_random.py --budget quick --k 12 --targets 3 --out runs/bench/recovery_random

Target frames and the first iteration's renders are shared between the rules (same seeds). Writes
``OUT/k{K}/summary.json``, ``summary.md`` and ``recovery.png``; finished runs are resumed, not redone.
Measures, never asserts.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.recovery import share_target  # noqa: E402

BUDGETS: Dict[str, Dict[str, Any]] = {
    "quick": {"iterations": 6, "batch": 48, "resolution": (128, 64), "input_size": (128, 64), "real_count": 128,
              "disc_steps": 100},
    "full": {},
}


def tune_target(target, method: str, rule_options: Dict[str, Any], out: Path, budget: str, args) -> Dict[str, Any]:
    """Tune toward one target with one rule (resumed when it ran before); its recovery figures."""
    from scenegen.params import default_space
    from tuner.config import TuneConfig
    from tuner.loop import Tuner
    from tuner.recipes import load_recipe
    from tuner.run_folder import RunFolder

    root = out / f"target{target.index}"
    run = root / method
    root.mkdir(parents=True, exist_ok=True)
    space = default_space()
    target.start(space, args.hold).save(root / "start.yaml")
    target.target(space, args.hold).save(root / "target.yaml")
    share_target(root / "target_cache", run / "target")
    share_target(root / "iteration1_cache", run / "renders", "*_000001_*")
    settings = {**load_recipe("recovery"), **BUDGETS[budget]}
    settings.update(method=method, method_options=rule_options, variables=target.variables, seed=args.seed,
                    workers=args.workers, threads=args.threads, device=args.device, backend=args.backend,
                    kid=False, recipe="recovery")
    cfg = TuneConfig(real=f"params:{root / 'target.yaml'}", params=str(root / "start.yaml"), out=str(run), **settings)
    t0 = time.perf_counter()
    Tuner(cfg, resume=True, progress=not args.quiet, log=lambda s: None).run()
    share_target(run / "target", root / "target_cache")
    share_target(run / "renders", root / "iteration1_cache", "*_000001_*")
    ms = RunFolder(run).load_metrics()
    start, end = ms[0]["recovery"]["per_variable"], ms[-1]["recovery"]["per_variable"]
    names = list(target.variables)
    return {"target": target.index, "method": method, "moved": target.to_dict(),
            "errors": [m["recovery"]["mean"] for m in ms], "start": {n: start[n] for n in names},
            "end": {n: end[n] for n in names}, "farther": [n for n in names if end[n] > start[n]],
            "identifiability": ms[-1].get("identifiability"), "wall_seconds": time.perf_counter() - t0}


#: a variable counts as one the renders show when the inverse model's reader reaches this R^2
VISIBLE_R2 = 0.05


def visible_variables(records: List[Dict[str, Any]], target: int) -> List[str] | None:
    """The tuned variables of ``target`` its inverse-rule run read with R^2 >= VISIBLE_R2 (None: no such run)."""
    for r in records:
        if r["method"] == "inverse" and r["target"] == target and r.get("identifiability"):
            return [n for n in r["start"] if r["identifiability"].get(n, {}).get("r2", 0.0) >= VISIBLE_R2]
    return None


def _visible_reductions(rs: List[Dict[str, Any]], records: List[Dict[str, Any]]) -> List[float]:
    out = []
    for r in rs:
        names = visible_variables(records, r["target"])
        if names:
            out.append(1 - sum(r["end"][n] for n in names) / sum(r["start"][n] for n in names))
    return out


def summarise(records: List[Dict[str, Any]], groups: Dict[str, str]) -> Dict[str, Any]:
    """Per rule: mean reduction (and its standard error over targets), the same over the variables the
    renders show (R^2 of the inverse model's reader >= VISIBLE_R2), share of tuned variables that ended
    farther from their target, mean end / start error per variable group."""
    out: Dict[str, Any] = {}
    for method in sorted({r["method"] for r in records}):
        rs = [r for r in records if r["method"] == method]
        red = np.array([1 - r["errors"][-1] / r["errors"][0] for r in rs])
        n_vars = sum(len(r["start"]) for r in rs)
        by_group: Dict[str, List[float]] = {}
        for r in rs:
            for n in r["start"]:
                by_group.setdefault(groups[n], []).append(r["end"][n] / max(r["start"][n], 1e-9))
        vis = np.array(_visible_reductions(rs, records))
        out[method] = {"targets": len(rs), "reduction_mean": float(red.mean()),
                       "reduction_se": float(red.std(ddof=1) / np.sqrt(len(red))) if len(red) > 1 else None,
                       "reductions": red.tolist(),
                       "visible_reduction_mean": float(vis.mean()) if len(vis) else None,
                       "visible_reduction_se": float(vis.std(ddof=1) / np.sqrt(len(vis))) if len(vis) > 1 else None,
                       "farther_share": sum(len(r["farther"]) for r in rs) / max(n_vars, 1),
                       "end_over_start_by_group": {g: float(np.mean(v)) for g, v in sorted(by_group.items())}}
    return out


def _percent(mean: float | None, se: float | None) -> str:
    if mean is None:
        return "–"
    return f"{100 * mean:.0f}" + (f" ± {100 * se:.0f}" if se is not None else "") + " %"


def write_outputs(out: Path, records: List[Dict[str, Any]], summary: Dict[str, Any], meta: Dict[str, Any]) -> None:
    """summary.json, summary.md and recovery.png (start vs end error of every tuned variable)."""
    from scenegen.io import atomic_write_json, atomic_write_text

    atomic_write_json(out / "summary.json", {**meta, "summary": summary, "runs": records})
    lines = ["| rule | targets | error reduction (mean ± SE) | on the variables the renders show | "
             "variables ending farther | end/start by group |", "|---|---:|---:|---:|---:|---|"]
    for method, s in summary.items():
        groups = ", ".join(f"{g} {v:.2f}" for g, v in s["end_over_start_by_group"].items())
        lines.append(f"| {method} | {s['targets']} | {_percent(s['reduction_mean'], s['reduction_se'])} | "
                     f"{_percent(s['visible_reduction_mean'], s['visible_reduction_se'])} | "
                     f"{100 * s['farther_share']:.0f} % | {groups} |")
    for index, names in meta.get("inert", {}).items():
        lines.append(f"\nTarget {index} moves {', '.join(names)}, which the layouts do not show under its holds "
                     "(no tuner can recover it; counted at its starting error).")
    atomic_write_text(out / "summary.md", "\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    for i, method in enumerate(summary):
        xs = [r["start"][n] for r in records if r["method"] == method for n in r["start"]]
        ys = [r["end"][n] for r in records if r["method"] == method for n in r["start"]]
        ax.scatter(xs, ys, s=14, color=f"C{i}", label=method, alpha=0.8)
    lim = max([0.05] + [max(r["start"].values()) for r in records]) * 1.05
    ax.plot([0, lim], [0, lim], "k:", linewidth=1)
    ax.set(xlim=(0, lim), ylim=(0, lim), xlabel="error at the start", ylabel="error at the end",
           title=f"K = {meta['k']}: each dot a tuned variable (below the line: closer)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "recovery.png", dpi=110)
    plt.close(fig)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/bench/recovery_random")
    ap.add_argument("--budget", default="quick", choices=tuple(BUDGETS))
    ap.add_argument("--k", type=int, default=6, help="variables moved per target")
    ap.add_argument("--targets", type=int, default=6, help="number of random targets")
    ap.add_argument("--first", type=int, default=0, help="index of the first target (to split a run)")
    ap.add_argument("--target-seed", type=int, default=0)
    ap.add_argument("--methods", default="rejection,inverse")
    ap.add_argument("--backend", default="blender", choices=("blender", "toy"))
    ap.add_argument("--seed", type=int, default=0, help="tuning seed")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--hold", default="fixed", choices=("fixed", "clear"),
                    help="variables a target does not move: at their middle bin (fixed), or the same with fog, "
                         "noise, blur and vignetting at their lowest bin (clear; results go to k<K>_clear)")
    ap.add_argument("--inverse-opt", action="append", default=[], metavar="KEY=VALUE",
                    help="inverse-rule option, repeatable (e.g. deconfound=true); give such a run its own --out")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    from scenegen.params import default_space
    from tuner.cli import _rule_options
    from tuner.targets import inert_variables, random_targets

    space = default_space()
    out = Path(args.out) / args.budget / (f"k{args.k}" + ("" if args.hold == "fixed" else f"_{args.hold}"))
    targets = random_targets(space, args.first + args.targets, args.k, args.target_seed)[args.first:]
    rule_options = {"rejection": {"by_fold": True}, "score": {}, "inverse": _rule_options(args.inverse_opt)}
    records = []
    for target in targets:
        for method in args.methods.split(","):
            rec = tune_target(target, method, rule_options[method], out, args.budget, args)
            records.append(rec)
            print(f"target {target.index} {method:9s} error {rec['errors'][0]:.3f} -> {rec['errors'][-1]:.3f} "
                  f"({100 * (1 - rec['errors'][-1] / rec['errors'][0]):.0f} % lower), farther: "
                  f"{', '.join(rec['farther']) or 'none'} ({rec['wall_seconds'] / 60:.1f} min)", flush=True)
    inert = {t.index: inert_variables(t, space, args.hold) for t in targets}
    meta = {"budget": args.budget, "k": args.k, "target_seed": args.target_seed, "seed": args.seed,
            "first": args.first, "targets": args.targets, "backend": args.backend, "hold": args.hold,
            "inverse_options": rule_options["inverse"],
            "inert": {str(i): names for i, names in inert.items() if names}}
    summary = summarise(records, {v.name: v.group for v in space})
    write_outputs(out, records, summary, meta)
    print((out / "summary.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: path-tracing samples against training value and render speed (issue 24, item 1).

For each sample count it (1) times renders of default-distribution scenes at 512x256 in one process
(bench/render_throughput.py), (2) renders the same training frames (same params, seed and scenes) at the
paper-table size, and (3) trains the paper-table recipe on them alone (synthetic only, Lite0 DeepLabV3,
CamVid val, one run per seed).  It then prints, per sample count, frames/min and "global" (mean ± SD over
seeds) with the difference to the most-sampled level paired by seed (± SE), and writes summary.md/.json,
samples.png and samples.html into --out.  Every stage is resumable: finished throughput files, rendered
frames and trained seeds are kept and reused.

    .venv/bin/python bench/samples_study.py --out runs/samples_study

CamVid is research data: it is read in place and never copied.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from segtrain.experiment import load_config, run_table  # noqa: E402
from segtrain.runs import mean, std  # noqa: E402
from segtrain.table import paired_global_difference  # noqa: E402

PYTHON = sys.executable
STAGES = ("throughput", "train", "summary")
SCENEGEN = [str(Path(PYTHON).parent / "scenegen")]


def level_name(samples: int, denoise: bool) -> str:
    """Folder name of one level, e.g. s4 or s1_raw (no denoising)."""
    return f"s{samples}" + ("" if denoise else "_raw")


def levels(args: argparse.Namespace) -> List[Dict]:
    """The levels to run: every --samples count denoised, and every --raw count without denoising."""
    out = [{"samples": s, "denoise": True} for s in args.samples]
    out += [{"samples": s, "denoise": False} for s in args.raw]
    for lv in out:
        lv["name"] = level_name(lv["samples"], lv["denoise"])
    return out


def measure_throughput(args: argparse.Namespace, lv: Dict, out: Path) -> Dict:
    """frames/min at the throughput size (bench/render_throughput.py in its own process), cached."""
    path = out / "throughput" / f"{lv['name']}.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [PYTHON, str(ROOT / "bench" / "render_throughput.py"), "--frames", str(args.throughput_frames),
               "--resolution", args.throughput_resolution, "--samples", str(lv["samples"]), "--json", str(path)]
        subprocess.run(cmd + ([] if lv["denoise"] else ["--no-denoise"]), check=True)
    return json.loads(path.read_text())


def render_set(args: argparse.Namespace, lv: Dict, out: Path) -> Path:
    """The training frames of one level (scenegen render resumes a partly rendered folder)."""
    folder = out / "sets" / lv["name"]
    cmd = SCENEGEN + ["render", "--params", args.params, "--frames", str(args.frames), "--seed", str(args.seed),
                      "--resolution", args.resolution, "--samples", str(lv["samples"]), "--workers",
                      str(args.workers), "--threads", "1", "--no-sheet", "--out", str(folder)]
    subprocess.run(cmd + ([] if lv["denoise"] else ["--no-denoise"]), check=True)
    return folder


def train_level(args: argparse.Namespace, lv: Dict, frames: Path, out: Path) -> None:
    """Paper-table "tuned" row on one level's frames, one run per seed (finished seeds are reused)."""
    table_dir = out / "tables" / lv["name"]
    table_dir.mkdir(parents=True, exist_ok=True)
    camvid = Path(args.camvid).resolve()
    config = {"out": str(table_dir), "val": f"camvid:{camvid}#val", "device": args.device, "jobs": args.jobs,
              "train": {"arch": "lite0", "steps": args.steps, "batch_size": 8, "size": args.resolution,
                        "optimizer": "adamw", "threads": 1},
              "seeds": args.seeds, "rows": ["tuned"], "tuned": [str(frames.resolve())],
              "title": f"CamVid val, paper7 IoU (%), {lv['samples']} samples"
                       + ("" if lv["denoise"] else ", no denoising")}
    cfg_path = table_dir / "experiment.yaml"
    cfg_path.write_text(yaml.safe_dump(config, sort_keys=False))
    run_table(load_config(cfg_path), progress=sys.stderr.isatty())


def trained_globals(lv: Dict, out: Path) -> Dict[int, float]:
    """Seed -> "global" of one level's finished training runs (its table.json; empty when not trained)."""
    path = out / "tables" / lv["name"] / "table.json"
    if not path.exists():
        return {}
    return {x["seed"]: x["global"] for x in json.loads(path.read_text())["rows"][0]["per_seed"]}


def _runs(scores: Dict[int, float]) -> List[Dict]:
    return [{"seed": seed, "global": g} for seed, g in scores.items()]


def summarise(rows: List[Dict], reference: str) -> Dict:
    """Per level: frames/min, global mean ± SD and the paired difference to the reference level."""
    ref = next(r for r in rows if r["name"] == reference)
    for r in rows:
        r["global_mean"], r["global_sd"] = mean(list(r["global"].values())), std(list(r["global"].values())) or 0.0
        r["vs_reference"] = None if r is ref else paired_global_difference(_runs(ref["global"]), _runs(r["global"]))
    return {"reference": reference, "levels": rows}


def to_markdown(summary: Dict, args: argparse.Namespace) -> str:
    """The results table."""
    lines = [f"| samples | denoised | frames/min at {args.throughput_resolution} | global (mean ± SD) | "
             f"− {summary['reference']} (paired, ± SE) | ahead |", "|---:|:---:|---:|---:|---:|---:|"]
    for r in summary["levels"]:
        d = r["vs_reference"]
        diff = "reference" if d is None else f"{d['mean']:+.2f} ± {d['standard_error'] or 0:.2f}"
        ahead = "" if d is None else f"{d['wins']}/{len(d['seeds'])}"
        lines.append(f"| {r['samples']} | {'yes' if r['denoise'] else 'no'} | {r['frames_per_minute']:.1f} | "
                     f"{r['global_mean']:.2f} ± {r['global_sd']:.2f} | {diff} | {ahead} |")
    return "\n".join(lines)


def plot(summary: Dict, path: Path, args: argparse.Namespace) -> None:
    """Global IoU and frames/min against samples, denoised and raw levels as separate lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_iou, ax_fpm) = plt.subplots(1, 2, figsize=(10, 4))
    for denoise, style in ((True, "o-"), (False, "s--")):
        rs = sorted((r for r in summary["levels"] if r["denoise"] == denoise), key=lambda r: r["samples"])
        if not rs:
            continue
        label = "denoised" if denoise else "no denoising"
        xs = [r["samples"] for r in rs]
        se = [r["global_sd"] / math.sqrt(len(r["global"])) for r in rs]
        ax_iou.errorbar(xs, [r["global_mean"] for r in rs], yerr=se, fmt=style, capsize=3, label=label)
        ax_fpm.plot(xs, [r["frames_per_minute"] for r in rs], style, label=label)
    ticks = sorted({r["samples"] for r in summary["levels"]})
    for ax in (ax_iou, ax_fpm):
        ax.set_xscale("log", base=2)
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.set_xlabel("Cycles samples per pixel")
        ax.legend()
        ax.grid(alpha=0.3)
    ax_iou.set_ylabel('synthetic-only "global" on CamVid val (± SE)')
    ax_fpm.set_ylabel(f"frames/min at {args.throughput_resolution}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(summary: Dict, out: Path, args: argparse.Namespace) -> str:
    """summary.json, summary.md, samples.png and samples.html; returns the markdown table."""
    table = to_markdown(summary, args)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    (out / "summary.md").write_text(table + "\n")
    plot(summary, out / "samples.png", args)
    rows = table.splitlines()
    html_rows = "".join("<tr>" + "".join(f"<td>{c.strip()}</td>" for c in row.strip("|").split("|")) + "</tr>"
                        for i, row in enumerate(rows) if i != 1)
    (out / "samples.html").write_text(
        "<html><head><meta charset='utf-8'><title>Samples against value</title></head><body>"
        "<h1>Samples against training value and speed</h1><img src='samples.png'>"
        f"<table border='1' cellpadding='4'>{html_rows}</table></body></html>\n")
    return table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", default=str(ROOT / "configs" / "tuned" / "camvid_segmentation_inverse16.yaml"))
    ap.add_argument("--samples", type=int, nargs="+", default=[1, 2, 4, 8, 16], help="denoised levels")
    ap.add_argument("--raw", type=int, nargs="*", default=[1], help="levels without denoising")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0, help="frame seed (the same scenes at every level)")
    ap.add_argument("--resolution", default="160x120", help="training frames' size (the paper-table recipe)")
    ap.add_argument("--throughput-resolution", default="512x256")
    ap.add_argument("--throughput-frames", type=int, default=12)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5], help="training seeds")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--workers", type=int, default=2, help="render workers")
    ap.add_argument("--jobs", type=int, default=2, help="training runs side by side")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--camvid", default=str(ROOT.parent / "shared" / "data" / "camvid"))
    ap.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES),
                    help="throughput: time renders; train: render and train each level; summary: the table and "
                         "plot from what is there (levels may have different seeds)")
    ap.add_argument("--out", default="runs/samples_study")
    args = ap.parse_args()

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for lv in levels(args):
        if "throughput" in args.stages:
            measure_throughput(args, lv, out)
        if "train" in args.stages:
            train_level(args, lv, render_set(args, lv, out), out)
    if "summary" not in args.stages:
        return 0
    rows = []
    for lv in levels(args):
        throughput = out / "throughput" / f"{lv['name']}.json"
        scores = trained_globals(lv, out)
        if not scores:
            print(f"{lv['name']}: not trained yet, left out of the summary")
            continue
        rows.append({**lv, "frames_per_minute": json.loads(throughput.read_text())["frames_per_minute"],
                     "global": scores})
    reference = level_name(max(args.samples), True)
    if not any(r["name"] == reference for r in rows):
        sys.exit(f"the reference level {reference} is not trained yet: nothing to compare with")
    summary = summarise(rows, reference)
    print(write_outputs(summary, out, args))
    print(f"files: {out}/summary.md summary.json samples.png samples.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())

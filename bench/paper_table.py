"""Benchmark: the paper's Table 1 on CamVid (evaluation on CamVid val).

Rows: untuned synthetic, tuned synthetic (frame folders from the tuner's CamVid run), CamVid
train, 10 % of CamVid train alone (the control), and each synthetic set plus that 10 %, mixed in one
run (``--protocol mix``, or ``balanced`` with a fixed real share per batch) or (``--protocol finetune``)
fine-tuning the synthetic model on it.  Rows whose data is not given are left
out, so ``--rows real`` runs the CamVid-only row today.  Prints the table, the wall time per row
and the settings, and leaves table.md/.json/.png/.html in ``--out``.

    .venv/bin/python bench/paper_table.py --rows real
    .venv/bin/python bench/paper_table.py --untuned runs/untuned --tuned runs/tuned

CamVid is research data: it is read in place and never copied.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

# On a shared CPU, OpenMP threads that spin while waiting burn the cores other processes need.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from scenegen.labels import CLASS_MAPPINGS  # noqa: E402
from segtrain.experiment import ROW_KEYS, load_config, run_table  # noqa: E402

PAPER7_CLASS_SETS = tuple(name for name, m in CLASS_MAPPINGS.items() if m.is_paper7)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--camvid", default=str(ROOT.parent / "shared" / "data" / "camvid"))
    ap.add_argument("--untuned", action="append", default=[], metavar="DIR", help="untuned synthetic frames")
    ap.add_argument("--tuned", action="append", default=[], metavar="DIR", help="tuned synthetic frames")
    ap.add_argument("--rows", nargs="+", choices=ROW_KEYS, help="rows to run (default: all with data)")
    ap.add_argument("--real-fraction", type=float, default=0.1)
    ap.add_argument("--protocol", choices=("mix", "balanced", "finetune"), default="mix",
                    help="+ real rows: mix synthetic and real in one run (balanced: a fixed real share per batch), "
                         "or fine-tune the synthetic row's model on the real share")
    ap.add_argument("--real-batch-share", type=float, help="balanced only: real share of each batch (default 0.5)")
    ap.add_argument("--finetune-steps", type=int, help="fine-tuning steps (default: --steps)")
    ap.add_argument("--finetune-lr", type=float, help="fine-tuning learning rate (default: --lr)")
    ap.add_argument("--labels", choices=PAPER7_CLASS_SETS, default="paper7",
                    help="how synthetic labels read as the 7 classes: paper7 as Cityscapes defines them (a rider "
                         "is a pedestrian, a bicycle a vehicle); paper7-camvid as CamVid does (riders with their "
                         "bikes ignored); paper7-bikes-ignored between the two (riders pedestrians, bicycles and "
                         "motorcycles ignored). Real CamVid labels read the same in all three")
    ap.add_argument("--arch", default="lite0")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--size", default="240x176")
    ap.add_argument("--optimizer", default="adamw", choices=("adamw", "sgd"))
    ap.add_argument("--lr", type=float, help="default: 1e-3 adamw, 1e-2 sgd")
    ap.add_argument("--output-stride", type=int, choices=(16, 32), help="lite0 only")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed; scores are averaged")
    ap.add_argument("--threads", type=int, help="torch CPU threads per training run")
    ap.add_argument("--workers", type=int, default=0, help="data-loader processes (useful on a GPU)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default="runs/paper_table")
    args = ap.parse_args()

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    camvid = Path(args.camvid).resolve()
    train = {"arch": args.arch, "steps": args.steps, "batch_size": args.batch_size, "size": args.size,
             "optimizer": args.optimizer, "classes": args.labels}
    if args.lr is not None:
        train["lr"] = args.lr
    if args.output_stride:
        train["output_stride"] = args.output_stride
    if args.threads:
        train["threads"] = args.threads
    if args.workers:
        train["workers"] = args.workers
    config = {"out": str(out), "val": f"camvid:{camvid}#val", "real": f"camvid:{camvid}#train",
              "real_fraction": args.real_fraction, "device": args.device, "train": train,
              "seeds": args.seeds, "title": "CamVid val, paper7 IoU (%)"}
    if args.protocol == "finetune":
        config["real_protocol"] = "finetune"
        finetune = {"steps": args.finetune_steps, "lr": args.finetune_lr}
        config["finetune"] = {k: v for k, v in finetune.items() if v is not None}
    elif args.finetune_steps or args.finetune_lr:
        ap.error("--finetune-steps and --finetune-lr need --protocol finetune")
    if args.protocol == "balanced":
        config["real_protocol"] = "balanced"
        if args.real_batch_share is not None:
            config["real_batch_share"] = args.real_batch_share
    elif args.real_batch_share is not None:
        ap.error("--real-batch-share needs --protocol balanced")
    for key in ("untuned", "tuned"):  # absolute: the config file lives in --out, its paths are read from there
        if getattr(args, key):
            config[key] = [str(Path(p).resolve()) for p in getattr(args, key)]
    if args.rows:
        config["rows"] = args.rows
    cfg_path = out / "experiment.yaml"
    cfg_path.write_text(yaml.safe_dump(config, sort_keys=False))

    import torch

    t0 = time.perf_counter()
    load0 = os.getloadavg()
    table = run_table(load_config(cfg_path), progress=sys.stderr.isatty())
    wall = time.perf_counter() - t0
    print(table["markdown"])
    opts = table["train_options"]
    print(f"settings: arch {opts['arch']} (output stride {opts['output_stride'] or 'default'}), "
          f"{args.size}, batch {opts['batch_size']}, {opts['steps']} steps, {opts['optimizer']} lr {opts['lr']}, "
          f"seeds {table['seeds']}, real fraction {args.real_fraction}, protocol {args.protocol}"
          + (f" {table['finetune_options']}" if args.protocol == "finetune" else "")
          + (f", real share per batch {table['real_batch_share']}" if args.protocol == "balanced" else ""))
    for r in table["rows"]:
        per_seed = ", ".join(f"seed {x['seed']}: global {x['global']:.2f} in {x['train_seconds']:.0f} s"
                             for x in r["per_seed"])
        print(f"  {r['label']}: {r['frames']} frames, train {r['train_seconds']:.0f} s, "
              f"eval {r['eval_seconds']:.0f} s ({per_seed})")
    print(f"total wall {wall:.0f} s; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"torch {torch.__version__} with {opts.get('threads') or torch.get_num_threads()} threads per run; "
          f"load average {load0[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end")
    print(f"files: {out}/table.md table.json table.png table.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``experiment table``: train one model per paper row and assemble Table 1.

The config (YAML) names the datasets; the rows follow from them::

    out: runs/table1
    val: camvid:/data/camvid#val           # real validation set (labelled)
    real: camvid:/data/camvid#train        # real training set
    real_fraction: 0.1                     # share of real mixed into the synthetic rows
    real_protocol: mix                     # mix (default), balanced or finetune, see below
    real_batch_share: 0.5                  # balanced only: share of each batch that is real (default 0.5)
    finetune: {steps: 300, lr: 1.0e-4}     # finetune only: training options that differ in that step
    untuned: [runs/untuned]                # scenegen output folders (one or more)
    tuned: [runs/tuned]
    rows: [untuned, tuned, real, real-share, untuned+real, tuned+real]   # optional; default: all with data
    device: auto
    seeds: [0, 1, 2]                       # optional; one run per seed, scores averaged
    jobs: 2                                # optional; training runs side by side (default 1)
    train: {arch: lite0, steps: 600, batch_size: 8, size: 240x176}

``real_protocol`` says how the "+ real" rows use the real share.  ``mix`` trains one model on the
synthetic frames and the real share together, drawing uniformly from all of them.  ``balanced`` does
the same with a fixed real share in every batch (``real_batch_share``).  ``finetune`` starts from the
same seed's synthetic row (run first, and shown in the table) and trains on the real share alone, with
the ``train:`` options overridden by ``finetune:``.

Each row trains into ``out/rows/<row>/seed<N>/`` (fine-tuned rows: ``<set>_then_real``).  A row whose
``eval.json`` exists for the same settings is reused, an interrupted row resumes from its checkpoint, so
re-running completes a table.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from scenegen.datasets import parse_dataset_spec
from scenegen.errors import UserError
from scenegen.yamlfile import read_mapping, relative_to_file
from segtrain.data import labelled_samples, training_samples
from segtrain.runs import (RUN_SETTINGS, Job, as_list, check_run_setup, mean, parse_jobs, parse_seeds,
                           run_jobs, share_option, std, train_config, train_options)
from segtrain.table import build_table, to_markdown, write_table
from segtrain.train import TrainConfig, resolve_config

ROW_KEYS = ("untuned", "tuned", "real", "real-share", "untuned+real", "tuned+real")
DELTAS = (("tuned − untuned", "untuned", "tuned"),
          ("tuned+real − untuned+real", "untuned+real", "tuned+real"),
          ("untuned+real − real share", "real-share", "untuned+real"),
          ("tuned+real − real share", "real-share", "tuned+real"))
PROTOCOLS = ("mix", "balanced", "finetune")


@dataclass
class ExperimentConfig:
    """A parsed experiment file."""

    out: Path
    val: str
    real: str | None = None
    real_fraction: float = 0.1
    real_protocol: str = "mix"
    real_batch_share: float | None = None  # balanced protocol only
    finetune: Dict = field(default_factory=dict)
    untuned: List[str] = field(default_factory=list)
    tuned: List[str] = field(default_factory=list)
    rows: List[str] | None = None
    device: str = "auto"
    jobs: int = 1
    train: Dict = field(default_factory=dict)
    seeds: List[int] = field(default_factory=lambda: [0])
    title: str = ""
    source: Path | None = None


def load_config(path: str | Path) -> ExperimentConfig:
    """Read and check an experiment YAML file (UserError naming the file and key on problems)."""
    path = Path(path)
    known = {"out", "val", "real", "real_fraction", "real_protocol", "real_batch_share", "finetune", "untuned",
             "tuned", "rows", "device", "jobs", "train", "title", "seeds"}
    raw = read_mapping(path, "experiment config", known)
    for key in ("out", "val"):
        if not raw.get(key):
            raise UserError(f"{path}: missing required key {key!r}")
    def rel(p: str) -> str:
        return relative_to_file(p, path.parent)

    train_opts = train_options(raw, "train", path)
    finetune_opts = train_options(raw, "finetune", path)
    if "seed" in finetune_opts:
        raise UserError(f"{path}: finetune.seed: the fine-tuned rows use the seeds of the table")
    protocol = str(raw.get("real_protocol", "mix"))
    if protocol not in PROTOCOLS:
        raise UserError(f"{path}: real_protocol must be one of {', '.join(PROTOCOLS)} (got {protocol!r})")
    if finetune_opts and protocol != "finetune":
        raise UserError(f"{path}: 'finetune' options need real_protocol: finetune")
    batch_share = None
    if protocol == "balanced":
        batch_share = share_option(dict(raw), "real_batch_share", path, default=0.5)
    elif "real_batch_share" in raw:
        raise UserError(f"{path}: real_batch_share needs real_protocol: balanced")
    rows = raw.get("rows")
    if rows is not None:
        rows = as_list(rows, f"{path}: rows")
        for r in rows:
            if r not in ROW_KEYS:
                raise UserError(f"{path}: unknown row {r!r}; choose from {', '.join(ROW_KEYS)}")
    seeds = parse_seeds(raw, train_opts, path)
    jobs = parse_jobs(raw, path)
    try:
        fraction = float(raw.get("real_fraction", 0.1))
    except (TypeError, ValueError):
        raise UserError(f"{path}: real_fraction must be a number") from None
    return ExperimentConfig(
        out=Path(rel(str(raw["out"]))), val=rel(str(raw["val"])),
        real=rel(str(raw["real"])) if raw.get("real") else None, real_fraction=fraction,
        real_protocol=protocol, real_batch_share=batch_share, finetune=dict(finetune_opts),
        untuned=[rel(p) for p in as_list(raw.get("untuned"), f"{path}: untuned")],
        tuned=[rel(p) for p in as_list(raw.get("tuned"), f"{path}: tuned")],
        rows=rows, device=str(raw.get("device", "auto")), jobs=jobs, train=dict(train_opts), seeds=list(seeds),
        title=str(raw.get("title", "")), source=path)


def _real_label(cfg: ExperimentConfig) -> str:
    try:
        spec = parse_dataset_spec(cfg.real, default_split="train")
        return f"{spec.kind} {spec.split or 'train'}"
    except UserError:
        return "real"


def plan_rows(cfg: ExperimentConfig) -> List[Dict]:
    """The rows to run: key, label, folder name and training data (real share included).

    With the ``finetune`` protocol a "+ real" row trains on the real share alone from the synthetic
    row's model (``init_from``, trained in ``init_dir``); that synthetic row is added before it when not
    asked for.
    """
    pct = f"{cfg.real_fraction * 100:g}%"
    available = {
        "untuned": bool(cfg.untuned), "tuned": bool(cfg.tuned), "real": cfg.real is not None,
        "real-share": cfg.real is not None and cfg.real_fraction < 1,
        "untuned+real": bool(cfg.untuned) and cfg.real is not None,
        "tuned+real": bool(cfg.tuned) and cfg.real is not None,
    }
    wanted = cfg.rows if cfg.rows is not None else [k for k in ROW_KEYS if available[k]]
    missing = [k for k in wanted if not available[k]]
    if missing:
        if "real-share" in missing and cfg.real is not None:
            raise UserError(f"{cfg.source or 'experiment'}: row real-share needs real_fraction below 1 "
                            "(at 1 it is the real row)")
        keys = sorted({p for k in missing for p in k.replace("real-share", "real").split("+") if not available[p]})
        raise UserError(f"{cfg.source or 'experiment'}: row(s) {', '.join(missing)} need the key(s) "
                        f"{', '.join(keys)}")
    if not wanted:
        raise UserError(f"{cfg.source or 'experiment'}: no rows to run (give untuned, tuned and/or real)")
    finetune = cfg.real_protocol == "finetune"
    if finetune:
        needed = set(wanted) | {k.split("+")[0] for k in wanted if k.endswith("+real")}
        wanted = [k for k in ROW_KEYS if k in needed]
    defs = {
        "untuned": ("Untuned synthetic", cfg.untuned, None, 1.0),
        "tuned": ("Tuned synthetic", cfg.tuned, None, 1.0),
        "real": (f"Real ({_real_label(cfg)})" if cfg.real else "Real", [], cfg.real, 1.0),
        "real-share": (f"{pct} real only", [], cfg.real, cfg.real_fraction),
        "untuned+real": (f"Untuned + {pct} real", cfg.untuned, cfg.real, cfg.real_fraction),
        "tuned+real": (f"Tuned + {pct} real", cfg.tuned, cfg.real, cfg.real_fraction),
    }
    rows = []
    for k in wanted:
        label, train_sets, real, fraction = defs[k]
        row = {"key": k, "label": label, "train": list(train_sets), "real": real, "real_fraction": fraction,
               "dir": k.replace("+", "_plus_").replace("-", "_"), "init_from": None, "init_dir": None,
               "real_batch_share": None}
        if cfg.real_protocol == "balanced" and k.endswith("+real"):
            row.update(label=f"{label}, {cfg.real_batch_share * 100:g}% of each batch",
                       dir=f"{row['dir']}_balanced", real_batch_share=cfg.real_batch_share)
        if finetune and k.endswith("+real"):
            base = k.split("+")[0]
            row.update(label=f"{base.capitalize()}, fine-tuned on {pct} real", train=[], dir=f"{base}_then_real",
                       init_from=base, init_dir=base)
        rows.append(row)
    return rows


def _row_dir(cfg: ExperimentConfig, row_dir: str, seed: int) -> Path:
    return cfg.out / "rows" / row_dir / f"seed{seed}"


def _train_config(cfg: ExperimentConfig, row: Dict, seed: int, progress: bool) -> TrainConfig:
    opts = dict(cfg.train)
    init = None
    if row["init_dir"]:
        opts.update(cfg.finetune)
        init = str(_row_dir(cfg, row["init_dir"], seed) / "model.pt")
    return train_config(opts, out=_row_dir(cfg, row["dir"], seed), train=row["train"], real=row["real"],
                        real_fraction=row["real_fraction"], real_batch_share=row["real_batch_share"], init=init,
                        val=cfg.val, device=cfg.device, seed=seed, progress=progress)


def run_table(cfg: ExperimentConfig, progress: bool = True) -> Dict:
    """Train and evaluate every row (once per seed), then write the table; returns it (with ``markdown``).

    With several seeds a row's scores are the means over seeds (a class with no IoU in a seed is
    left out of that class's mean), and ``global_sd`` is the sample standard deviation of global.
    """
    rows = plan_rows(cfg)
    configs = {(r["key"], s): _train_config(cfg, r, s, progress) for r in rows for s in cfg.seeds}
    # Check all data before the first row trains, so bad input leaves nothing behind.
    labelled_samples(parse_dataset_spec(cfg.val, default_split="val"))
    for r in rows:
        for s in cfg.seeds:
            training_samples(r["train"], r["real"], r["real_fraction"], s)
    check_run_setup(cfg.device, cfg.out)
    jobs = [Job((r["key"], s), configs[(r["key"], s)], f"{r['label']}, seed {s}",
                ((r["init_from"], s),) if r["init_from"] else ()) for r in rows for s in cfg.seeds]
    t0 = time.perf_counter()
    records = run_jobs(jobs, parallel=cfg.jobs, progress=progress)
    done = []
    for r in rows:
        runs = []
        for s in cfg.seeds:
            tc = configs[(r["key"], s)]
            info = json.loads((tc.out / "train.json").read_text())
            runs.append({"seed": s, "record": records[(r["key"], s)], "info": info, "run": str(tc.out)})
        names = list(runs[0]["record"]["paper7_iou"])
        record = {"paper7_iou": {n: mean([x["record"]["paper7_iou"][n] for x in runs]) for n in names},
                  "global": mean([x["record"]["global"] for x in runs])}
        info = runs[0]["info"]
        done.append({"key": r["key"], "label": r["label"], "init_from": r["init_from"], "record": record,
                     "frames": info["data"]["frames"],
                     "sources": info["data"]["sources"], "steps": info["steps"], "seeds": list(cfg.seeds),
                     "global_sd": std([x["record"]["global"] for x in runs]),
                     "per_seed": [{"seed": x["seed"], "global": x["record"]["global"],
                                   "pixel_accuracy": x["record"]["pixel_accuracy"], "run": x["run"],
                                   "train_seconds": x["info"]["train_seconds"]} for x in runs],
                     "train_seconds": round(sum(x["info"]["train_seconds"] for x in runs), 2),
                     "eval_seconds": round(sum(x["info"]["eval_seconds"] for x in runs), 2), "run": runs[0]["run"]})
    table = build_table(done, DELTAS, title=cfg.title)
    table["wall_seconds_this_run"] = round(time.perf_counter() - t0, 1)
    table["val"] = cfg.val
    table["seeds"] = list(cfg.seeds)
    first = resolve_config(next(iter(configs.values()))).record()
    table["train_options"] = {k: v for k, v in first.items() if k not in RUN_SETTINGS | {"seed"}}
    table["real_protocol"] = cfg.real_protocol
    if cfg.real_protocol == "balanced":
        table["real_batch_share"] = cfg.real_batch_share
    if cfg.real_protocol == "finetune":
        table["finetune_options"] = dict(cfg.finetune)
    write_table(table, cfg.out)
    table["markdown"] = to_markdown(table)
    return table

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
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Dict, List, Tuple

from scenegen.datasets import parse_dataset_spec
from scenegen.errors import UserError
from scenegen.yamlfile import read_mapping, relative_to_file
from segtrain.config import DEFAULT_DEVICE, DEFAULT_JOBS, TrainConfig, field_default
from segtrain.data import labelled_samples, training_samples
from segtrain.runs import (DEFAULT_BALANCED_SHARE, RUN_SETTINGS, Job, as_list, check_run_setup, mean, parse_jobs,
                           parse_seeds, run_jobs, share_option, std, train_config, train_options)
from segtrain.table import DELTA_ROWS, PROTOCOLS, REAL_SHARE, ROWS, Row, build_table, delta, to_markdown, write_table
from segtrain.train import resolve_config

ROW_KEYS = tuple(r.key for r in ROWS)
DELTAS = tuple(delta(a, b) for a, b in DELTA_ROWS)


@dataclass
class ExperimentConfig:
    """A parsed experiment file."""

    out: Path
    val: str
    real: str | None = None
    real_fraction: float = 0.1
    real_protocol: str = "mix"  # one of PROTOCOLS
    real_batch_share: float | None = None  # balanced protocol only (default DEFAULT_BALANCED_SHARE)
    finetune: Dict = field(default_factory=dict)
    untuned: List[str] = field(default_factory=list)
    tuned: List[str] = field(default_factory=list)
    rows: List[str] | None = None  # row keys (ROW_KEYS); None: every row with data
    device: str = DEFAULT_DEVICE
    jobs: int = DEFAULT_JOBS
    train: Dict = field(default_factory=dict)
    seeds: List[int] = field(default_factory=lambda: [field_default(TrainConfig, "seed")])
    title: str = ""
    source: Path | None = None


def load_config(path: str | Path) -> ExperimentConfig:
    """Read and check an experiment YAML file (UserError naming the file and key on problems)."""
    path = Path(path)
    raw = read_mapping(path, "experiment config", {f.name for f in fields(ExperimentConfig)} - {"source"})
    for key in ("out", "val"):
        if not raw.get(key):
            raise UserError(f"{path}: missing required key {key!r}")
    def rel(p: str) -> str:
        return relative_to_file(p, path.parent)

    train_opts = train_options(raw, "train", path)
    finetune_opts = train_options(raw, "finetune", path)
    if "seed" in finetune_opts:
        raise UserError(f"{path}: finetune.seed: the fine-tuned rows use the seeds of the table")
    protocol = str(raw.get("real_protocol", _default("real_protocol")))
    if protocol not in PROTOCOLS:
        raise UserError(f"{path}: real_protocol must be one of {', '.join(PROTOCOLS)} (got {protocol!r})")
    if finetune_opts and protocol != "finetune":
        raise UserError(f"{path}: 'finetune' options need real_protocol: finetune")
    batch_share = None
    if protocol == "balanced":
        batch_share = share_option(dict(raw), "real_batch_share", path, default=DEFAULT_BALANCED_SHARE)
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
        fraction = float(raw.get("real_fraction", _default("real_fraction")))
    except (TypeError, ValueError):
        raise UserError(f"{path}: real_fraction must be a number") from None
    return ExperimentConfig(
        out=Path(rel(str(raw["out"]))), val=rel(str(raw["val"])),
        real=rel(str(raw["real"])) if raw.get("real") else None, real_fraction=fraction,
        real_protocol=protocol, real_batch_share=batch_share, finetune=dict(finetune_opts),
        untuned=[rel(p) for p in as_list(raw.get("untuned"), f"{path}: untuned")],
        tuned=[rel(p) for p in as_list(raw.get("tuned"), f"{path}: tuned")],
        rows=rows, device=str(raw.get("device", _default("device"))), jobs=jobs, train=dict(train_opts),
        seeds=list(seeds), title=str(raw.get("title", _default("title"))), source=path)


def _default(name: str):
    """The default of an experiment-file key (``ExperimentConfig``'s)."""
    return field_default(ExperimentConfig, name)


def _real_label(cfg: ExperimentConfig) -> str:
    try:
        spec = parse_dataset_spec(cfg.real, default_split="train")
        return f"{spec.kind} {spec.split or 'train'}" + (f" {spec.recording}" if spec.recording else "")
    except UserError:
        return "real"


def _synthetic_sets(cfg: ExperimentConfig) -> Dict[str, List[str]]:
    """The synthetic sets by name: their scenegen output folders."""
    return {"untuned": cfg.untuned, "tuned": cfg.tuned}


def _given(cfg: ExperimentConfig) -> Dict[str, bool]:
    """Which data keys the experiment file gives."""
    return {**{name: bool(folders) for name, folders in _synthetic_sets(cfg).items()}, "real": cfg.real is not None}


def _available(cfg: ExperimentConfig, row: Row) -> bool:
    """Whether the experiment file gives the data ``row`` needs (a real share below the whole set)."""
    whole = row == Row(real=REAL_SHARE) and cfg.real_fraction >= 1
    return all(_given(cfg)[k] for k in row.needs) and not whole


def plan_rows(cfg: ExperimentConfig) -> List[Row]:
    """The rows to run: those asked for (default: every row with data), with the experiment's protocol.

    With the ``finetune`` protocol a "+ real" row starts from the synthetic row's model (``Row.start``);
    that synthetic row is added before it when not asked for.
    """
    where = cfg.source or "experiment"
    rows = [replace(r, protocol=cfg.real_protocol) if r.adds_share else r for r in ROWS]
    by_key = {r.key: r for r in rows}
    wanted = [by_key[k] for k in cfg.rows] if cfg.rows is not None else [r for r in rows if _available(cfg, r)]
    missing = [r for r in wanted if not _available(cfg, r)]
    if missing:
        if Row(real=REAL_SHARE) in missing and cfg.real is not None:
            raise UserError(f"{where}: row real-share needs real_fraction below 1 (at 1 it is the real row)")
        keys = sorted({k for r in missing for k in r.needs if not _given(cfg)[k]})
        raise UserError(f"{where}: row(s) {', '.join(r.key for r in missing)} need the key(s) {', '.join(keys)}")
    if not wanted:
        raise UserError(f"{where}: no rows to run (give untuned, tuned and/or real)")
    if cfg.real_protocol == "finetune":  # table order, each fine-tuned row after the row it starts from
        needed = set(wanted) | {r.start for r in wanted if r.start is not None}
        wanted = [r for r in rows if r in needed]
    return wanted


def row_label(cfg: ExperimentConfig, row: Row) -> str:
    """The label of ``row`` in this experiment's table."""
    return row.label(cfg.real_fraction, _real_label(cfg) if cfg.real else None, cfg.real_batch_share)


def _row_dir(cfg: ExperimentConfig, row: Row, seed: int) -> Path:
    """Where ``row`` trains with ``seed``: ``out/rows/<folder>/seed<N>``."""
    return cfg.out / "rows" / row.folder / f"seed{seed}"


def _train_config(cfg: ExperimentConfig, row: Row, seed: int, progress: bool) -> TrainConfig:
    """The training run of ``row`` and ``seed``: its data, start and options (``finetune:`` over ``train:``
    for a fine-tuned row)."""
    opts, data = dict(cfg.train), {}
    if row.start is not None:
        opts.update(cfg.finetune)
        data["init"] = str(_row_dir(cfg, row.start, seed) / "model.pt")
    if row.trains_on is not None:
        data["train"] = list(_synthetic_sets(cfg)[row.trains_on])
    if row.real is not None:
        data["real"] = cfg.real
    if row.real == REAL_SHARE:
        data["real_fraction"] = cfg.real_fraction
    if row.protocol == "balanced":
        data["real_batch_share"] = cfg.real_batch_share
    return train_config(opts, out=_row_dir(cfg, row, seed), val=cfg.val, device=cfg.device, seed=seed,
                        progress=progress, **data)


def _table_row(cfg: ExperimentConfig, row: Row, runs: List[Tuple[int, Path, Dict]]) -> Dict:
    """The table's entry for ``row`` from its runs, (seed, run folder, evaluation record) per seed: scores
    averaged over seeds, the run records' data and timings."""
    runs = [{"seed": s, "record": rec, "info": json.loads((out / "train.json").read_text()), "run": str(out)}
            for s, out, rec in runs]
    names = list(runs[0]["record"]["paper7_iou"])
    record = {"paper7_iou": {n: mean([x["record"]["paper7_iou"][n] for x in runs]) for n in names},
              "global": mean([x["record"]["global"] for x in runs])}
    info = runs[0]["info"]
    return {"key": row.key, "label": row_label(cfg, row), "init_from": row.start.key if row.start else None,
            "record": record, "frames": info["data"]["frames"], "sources": info["data"]["sources"],
            "steps": info["steps"], "seeds": list(cfg.seeds), "global_sd": std([x["record"]["global"] for x in runs]),
            "per_seed": [{"seed": x["seed"], "global": x["record"]["global"],
                          "pixel_accuracy": x["record"]["pixel_accuracy"], "run": x["run"],
                          "train_seconds": x["info"]["train_seconds"]} for x in runs],
            "train_seconds": round(sum(x["info"]["train_seconds"] for x in runs), 2),
            "eval_seconds": round(sum(x["info"]["eval_seconds"] for x in runs), 2), "run": runs[0]["run"]}


def run_table(cfg: ExperimentConfig, progress: bool = True) -> Dict:
    """Train and evaluate every row (once per seed), then write the table; returns it (with ``markdown``).

    With several seeds a row's scores are the means over seeds (a class with no IoU in a seed is
    left out of that class's mean), and ``global_sd`` is the sample standard deviation of global.
    """
    rows = plan_rows(cfg)
    configs = {(r, s): _train_config(cfg, r, s, progress) for r in rows for s in cfg.seeds}
    # Check all data before the first row trains, so bad input leaves nothing behind.
    labelled_samples(parse_dataset_spec(cfg.val, default_split="val"))
    for (r, s), tc in configs.items():
        training_samples(tc.train, tc.real, tc.real_fraction, s)
    check_run_setup(cfg.device, cfg.out)
    jobs = [Job((r, s), configs[(r, s)], f"{row_label(cfg, r)}, seed {s}",
                ((r.start, s),) if r.start is not None else ()) for r in rows for s in cfg.seeds]
    t0 = time.perf_counter()
    records = run_jobs(jobs, parallel=cfg.jobs, progress=progress)
    done = [_table_row(cfg, r, [(s, configs[(r, s)].out, records[(r, s)]) for s in cfg.seeds]) for r in rows]
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

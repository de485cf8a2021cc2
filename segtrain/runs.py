"""Shared pieces of the experiment runners (``experiment table`` and ``experiment curve``).

Reading the YAML options of a training run, turning them into a ``TrainConfig``, reusing a run that
already finished with the same settings, and training many runs, several side by side when asked,
each after the runs it starts from.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Callable, Dict, Hashable, List, Sequence, Tuple

from scenegen.errors import UserError
from segtrain.config import DEFAULT_JOBS, AugmentConfig, TrainConfig, field_default, require_same_run
from segtrain.data import parse_size
from segtrain.train import resolve_config

# Settings of TrainConfig that an experiment sets per run (data, start, validation, run control).
RUN_SETTINGS = {"out", "train", "real", "real_fraction", "real_count", "real_batch_share", "init", "val", "resume",
                "progress"}
# Options of TrainConfig that a ``train:`` (or ``finetune:``) section may set.
TRAIN_OPTIONS = {f.name for f in fields(TrainConfig)} - RUN_SETTINGS - {"device"}
DEFAULT_BALANCED_SHARE = 0.5  # real share of each batch of a balanced run


def as_list(value, where: str) -> List[str]:
    """A path or a list of paths as a list of strings (UserError naming ``where`` otherwise)."""
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(x, (str, Path)) for x in value):
        return [str(x) for x in value]
    raise UserError(f"{where}: expected a path or a list of paths")


def train_options(raw: Dict, key: str, path: Path, extra: Sequence[str] = ()) -> Dict:
    """The training options under ``key`` (a mapping; only TrainConfig options and ``extra``)."""
    opts = raw.get(key) or {}
    if not isinstance(opts, dict):
        raise UserError(f"{path}: {key!r} must be a mapping of training options")
    allowed = TRAIN_OPTIONS | set(extra)
    bad = sorted(set(opts) - allowed)
    if bad:
        raise UserError(f"{path}: {key}: unknown training option(s) {', '.join(bad)}; allowed: "
                        f"{', '.join(sorted(allowed))}")
    for name, value in opts.items():
        if name in OPTION_TYPES and not _has_type(value, OPTION_TYPES[name]):
            raise UserError(f"{path}: {key}.{name} must be {OPTION_TYPES[name].replace('|', 'or')}, got {value!r}")
    return dict(opts)


#: the scalar type of each TrainConfig option a file may set ("int", "float | None", ...)
OPTION_TYPES = {f.name: str(f.type) for f in fields(TrainConfig)
                if f.name in TRAIN_OPTIONS and str(f.type).split(" |")[0] in ("int", "float", "bool", "str")}


def _has_type(value: Any, annotation: str) -> bool:
    """Whether ``value`` read from YAML fits a scalar annotation (an int is a float; a bool is no number)."""
    kinds = [k.strip() for k in annotation.split("|")]
    if value is None:
        return "None" in kinds
    if isinstance(value, bool):
        return "bool" in kinds
    if isinstance(value, int):
        return "int" in kinds or "float" in kinds
    if isinstance(value, float):
        return "float" in kinds and math.isfinite(value)
    return isinstance(value, str) and "str" in kinds


def parse_seeds(raw: Dict, train_opts: Dict, path: Path) -> List[int]:
    """``seeds`` (top level) or ``train.seed`` (removed from ``train_opts``); default: TrainConfig's seed."""
    if "seeds" in raw and "seed" in train_opts:
        raise UserError(f"{path}: give either seeds (top level) or train.seed, not both")
    seeds = raw.get("seeds", [train_opts.pop("seed", field_default(TrainConfig, "seed"))])
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if (not isinstance(seeds, list) or not seeds or not all(isinstance(x, int) and not isinstance(x, bool)
                                                            for x in seeds) or len(set(seeds)) != len(seeds)):
        raise UserError(f"{path}: seeds must be a list of distinct integers")
    return list(seeds)


def parse_jobs(raw: Dict, path: Path) -> int:
    """``jobs``: how many training runs go side by side (a whole number >= 1; default ``DEFAULT_JOBS``)."""
    jobs = raw.get("jobs", DEFAULT_JOBS)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise UserError(f"{path}: jobs must be a whole number >= 1")
    return jobs


def share_option(opts: Dict, key: str, path: Path, default: float | None = None) -> float | None:
    """``opts[key]`` (removed) as a share in (0, 1), or ``default`` when absent."""
    if key not in opts:
        return default
    try:
        share = float(opts.pop(key))
    except (TypeError, ValueError):
        raise UserError(f"{path}: {key} must be a number") from None
    if not 0 < share < 1:
        raise UserError(f"{path}: {key} must be in (0, 1) (got {share})")
    return share


def train_config(opts: Dict, **settings) -> TrainConfig:
    """A TrainConfig from YAML training options (sizes as ``"WxH"`` or ``[w, h]``, ``augment`` as a
    mapping) and the run's own settings."""
    opts = dict(opts)
    for key in ("size", "crop"):
        if isinstance(opts.get(key), str):
            opts[key] = parse_size(opts[key])
        elif isinstance(opts.get(key), list):
            opts[key] = tuple(int(v) for v in opts[key])
    if isinstance(opts.get("augment"), dict):
        opts["augment"] = AugmentConfig(**opts["augment"])
    return TrainConfig(resume=True, **opts, **settings)


def finished(tc: TrainConfig) -> Dict | None:
    """The run's evaluation record if it finished with these settings, else None.

    UserError naming ``tc.out`` and the first differing setting if it holds a run trained with other
    settings (the rule ``train-seg --resume`` applies too: ``segtrain.config.require_same_run``).
    """
    ev, tr = tc.out / "eval.json", tc.out / "train.json"
    if not (ev.is_file() and tr.is_file()):
        return None
    require_same_run(tc.out, json.loads(tr.read_text())["config"], resolve_config(tc),
                     "reuse the run it holds (remove it or choose another out)")
    return json.loads(ev.read_text())


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values that are not None (None when there are none)."""
    v = [x for x in values if x is not None]
    return sum(v) / len(v) if v else None


def std(values: Sequence[float | None]) -> float | None:
    """Sample standard deviation of the values that are not None (None with fewer than two)."""
    v = [x for x in values if x is not None]
    if len(v) < 2:
        return None
    m = sum(v) / len(v)
    return (sum((x - m) ** 2 for x in v) / (len(v) - 1)) ** 0.5


@dataclass(frozen=True)
class Job:
    """One training run of an experiment; it starts after the jobs in ``after`` (whose models it uses)."""

    key: Hashable
    config: TrainConfig
    label: str = ""
    after: Tuple[Hashable, ...] = ()


def check_run_setup(device: str, out: Path) -> None:
    """Fail early, before any run trains, on a device that is not there or an output folder that
    cannot be written (UserError); creates ``out``."""
    from scenegen.outdir import prepare_output_dir, refuse_other_runs
    from segtrain.train import resolve_device

    resolve_device(device)
    refuse_other_runs(out, own=("table.json", "curve.json"))
    prepare_output_dir(out)


def _train_job(config: TrainConfig) -> Dict:
    from segtrain.train import train

    return train(config)


def run_jobs(jobs: Sequence[Job], parallel: int = 1, progress: bool = True,
             on_done: Callable[[Job, Dict], None] | None = None) -> Dict[Hashable, Dict]:
    """Train every job not finished yet and return the evaluation records by key.

    ``parallel`` runs that many side by side in worker processes (each with ``cpu_count // parallel``
    CPU threads unless its config sets ``threads``); a job waits for the jobs in its ``after``.
    """
    if parallel < 1:
        raise UserError(f"jobs must be >= 1 (got {parallel})")
    by_key = {j.key: j for j in jobs}
    records = {j.key: rec for j in jobs if (rec := finished(j.config)) is not None}
    todo = [j for j in jobs if j.key not in records]
    for j in todo:
        missing = [k for k in j.after if k not in by_key]
        if missing:
            raise ValueError(f"job {j.key!r} waits for unknown job(s) {missing}")
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), initial=len(records), desc="runs", unit="run", disable=not progress,
               dynamic_ncols=True)

    def done(job: Job, rec: Dict, seconds: float) -> None:
        records[job.key] = rec
        bar.update(1)
        if progress:
            g = rec.get("global")
            bar.write(f"{job.label or job.key}: global {'n/a' if g is None else f'{g:.2f}'} "
                      f"({seconds / 60:.1f} min)")
        if on_done:
            on_done(job, rec)

    try:
        if parallel == 1 or len(todo) <= 1:
            pending = list(todo)
            while pending:
                job = _next_ready(pending, records)
                t0 = time.perf_counter()
                done(job, _train_job(replace(job.config, progress=progress)), time.perf_counter() - t0)
        else:
            _run_side_by_side(todo, parallel, records, done)
    finally:
        bar.close()
    return records


def _next_ready(pending: List[Job], records: Dict) -> Job:
    """Remove and return the first pending job whose ``after`` jobs have finished."""
    for job in pending:
        if all(k in records for k in job.after):
            pending.remove(job)
            return job
    raise ValueError(f"jobs wait for each other: {[j.key for j in pending]}")


def _run_side_by_side(todo: List[Job], parallel: int, records: Dict, done: Callable) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    threads = max(1, (os.cpu_count() or 1) // parallel)
    pending = list(todo)
    running: Dict = {}
    with ProcessPoolExecutor(max_workers=parallel, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            while pending or running:
                while pending and len(running) < parallel and \
                        any(all(k in records for k in j.after) for j in pending):
                    job = _next_ready(pending, records)
                    cfg = replace(job.config, progress=False, threads=job.config.threads or threads)
                    running[pool.submit(_train_job, cfg)] = (job, time.perf_counter())
                if not running:
                    _next_ready(pending, records)  # raises: the rest wait for each other
                finished_now, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished_now:
                    job, t0 = running.pop(fut)
                    done(job, fut.result(), time.perf_counter() - t0)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise

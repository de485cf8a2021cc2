"""``experiment curve``: segmentation quality against the number of real labelled images.

How much are synthetic frames worth to a model that has k real labels?  For each count k and seed the
runner trains the recipes below on nested real subsets (a seed's k images are the first k of one seeded
permutation, so every smaller subset lies inside every larger one and all recipes of a seed get the
same images) and evaluates each model on the validation set::

    out: runs/curve
    val: camvid:/data/camvid#val
    real: camvid:/data/camvid#train
    counts: [4, 9, 18, 37, 92, 367]        # or fractions: [0.01, 0.1, 1.0] (of the real set)
    seeds: [0, 1, 2]
    untuned: [runs/untuned]                # scenegen output folders (one or more per set)
    tuned: [runs/tuned]
    recipes: [real, finetune]              # default (real alone without synthetic sets); add balanced
    train: {arch: lite0, steps: 600, batch_size: 8, size: 160x120}
    finetune: {real_batch_share: 0.5, replay_up_to: 9}   # fine-tuning overrides (see below)
    balanced: {real_batch_share: 0.5}
    jobs: 2                                # runs side by side (default 1)
    device: auto

Recipes (lines of the curve):

* ``real``: the k real images alone, from ImageNet weights, with the ``train:`` options.
* ``finetune``: each synthetic set's model (trained once per seed on the synthetic frames alone, the
  line's k = 0 point) trained further on the k real images, with ``train:`` overridden by ``finetune:``.
  With ``real_batch_share`` in ``finetune:`` that share of every batch is real and the rest replays the
  synthetic frames, so the model keeps what it learnt from them while it adapts; ``replay_up_to: K``
  replays only for k <= K and fine-tunes on the real images alone above.
* ``balanced``: one run from ImageNet weights on a synthetic set plus the k real images, with
  ``real_batch_share`` (default 0.5) of every batch real; options in ``balanced:`` override ``train:``.

Runs train into ``out/runs/<line>/k<count>/seed<N>/`` (synthetic alone: ``out/runs/<set>/k0000``); a
finished run is reused when its settings match and an interrupted one resumes, so re-running completes
a curve.  The results (``curve.md``/``.json``/``.html``/``.png``) are written by ``segtrain.curve_report``.
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
from segtrain.config import DEFAULT_DEVICE, DEFAULT_JOBS, TrainConfig, field_default
from segtrain.runs import (DEFAULT_BALANCED_SHARE, RUN_SETTINGS, Job, as_list, check_run_setup, parse_jobs, parse_seeds,
                           run_jobs, share_option, train_config, train_options)
from segtrain.train import resolve_config, validate_config

RECIPES = ("real", "finetune", "balanced")
SYNTHETIC_SETS = ("untuned", "tuned")
DEFAULT_RECIPES = ("real", "finetune")
_KEYS = {"out", "val", "real", "counts", "fractions", "seeds", "untuned", "tuned", "recipes", "train", "finetune",
         "balanced", "jobs", "device", "title"}


@dataclass
class CurveConfig:
    """A parsed curve file (counts are resolved against the real set by ``plan_curve``)."""

    out: Path
    val: str
    real: str
    counts: List[int] | None = None
    fractions: List[float] | None = None
    seeds: List[int] = field(default_factory=lambda: [field_default(TrainConfig, "seed")])
    sets: Dict[str, List[str]] = field(default_factory=dict)  # synthetic set name -> folders
    recipes: List[str] = field(default_factory=lambda: list(DEFAULT_RECIPES))
    train: Dict = field(default_factory=dict)
    finetune: Dict = field(default_factory=dict)
    finetune_share: float | None = None  # real share of each fine-tuning batch; None = real images only
    replay_up_to: int | None = None  # replay synthetic frames only for k up to this; None = at every k
    balanced: Dict = field(default_factory=dict)
    balanced_share: float = DEFAULT_BALANCED_SHARE
    jobs: int = DEFAULT_JOBS
    device: str = DEFAULT_DEVICE
    title: str = ""
    source: Path | None = None


def _read_yaml(path: Path) -> Dict:
    raw = read_mapping(path, "curve config", _KEYS)
    for key in ("out", "val", "real"):
        if not raw.get(key):
            raise UserError(f"{path}: missing required key {key!r}")
    return raw


def _counts(raw: Dict, path: Path) -> tuple[List[int] | None, List[float] | None]:
    if ("counts" in raw) == ("fractions" in raw):
        raise UserError(f"{path}: give exactly one of counts (numbers of real images) or fractions (of the real set)")
    if "counts" in raw:
        c = raw["counts"]
        if (not isinstance(c, list) or not c or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1
                                                        for x in c) or len(set(c)) != len(c)):
            raise UserError(f"{path}: counts must be a list of distinct whole numbers >= 1")
        return sorted(c), None
    f = raw["fractions"]
    if (not isinstance(f, list) or not f or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                    and 0 < x <= 1 for x in f) or len(set(f)) != len(f)):
        raise UserError(f"{path}: fractions must be a list of distinct numbers in (0, 1]")
    return None, sorted(float(x) for x in f)


def _recipes(raw: Dict, sets: Dict[str, List[str]], path: Path) -> List[str]:
    default = list(DEFAULT_RECIPES) if sets else ["real"]
    recipes = as_list(raw.get("recipes", default), f"{path}: recipes")
    if not recipes or len(set(recipes)) != len(recipes):
        raise UserError(f"{path}: recipes must be a non-empty list of distinct names")
    for r in recipes:
        if r not in RECIPES:
            raise UserError(f"{path}: unknown recipe {r!r}; choose from {', '.join(RECIPES)}")
        if r != "real" and not sets:
            raise UserError(f"{path}: recipe {r!r} needs a synthetic set (untuned and/or tuned)")
    return [r for r in RECIPES if r in recipes]


def _replay_options(raw: Dict, path: Path) -> tuple[Dict, float | None, int | None]:
    """The ``finetune:`` options without the replay keys, the real share of a fine-tuning batch (None:
    all real) and the count up to which the synthetic frames are replayed (None: every count)."""
    opts = train_options(raw, "finetune", path, extra=("real_batch_share", "replay_up_to"))
    up_to = opts.pop("replay_up_to", None)
    if up_to is not None and (not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 1
                              or "real_batch_share" not in opts):
        raise UserError(f"{path}: finetune.replay_up_to must be a whole number >= 1 and needs "
                        "finetune.real_batch_share")
    share = share_option(opts, "real_batch_share", path)
    return opts, share, up_to


def load_curve_config(path: str | Path) -> CurveConfig:
    """Read and check a curve YAML file (UserError naming the file and key on problems)."""
    path = Path(path)
    raw = _read_yaml(path)
    train = train_options(raw, "train", path)
    finetune, finetune_share, replay_up_to = _replay_options(raw, path)
    balanced = train_options(raw, "balanced", path, extra=("real_batch_share",))
    balanced_share = share_option(balanced, "real_batch_share", path, DEFAULT_BALANCED_SHARE)
    for name, opts in (("finetune", finetune), ("balanced", balanced)):
        if "seed" in opts:
            raise UserError(f"{path}: {name}.seed: every recipe uses the curve's seeds")
    seeds = parse_seeds(raw, train, path)
    counts, fractions = _counts(raw, path)
    sets = {s: [relative_to_file(p, path.parent) for p in as_list(raw.get(s), f"{path}: {s}")]
            for s in SYNTHETIC_SETS if raw.get(s)}
    return CurveConfig(
        out=Path(relative_to_file(str(raw["out"]), path.parent)), val=relative_to_file(str(raw["val"]), path.parent),
        real=relative_to_file(str(raw["real"]), path.parent), counts=counts, fractions=fractions, seeds=seeds,
        sets=sets, recipes=_recipes(raw, sets, path), train=train, finetune=finetune, finetune_share=finetune_share,
        replay_up_to=replay_up_to, balanced=balanced, balanced_share=balanced_share, jobs=parse_jobs(raw, path),
        device=str(raw.get("device", field_default(CurveConfig, "device"))),
        title=str(raw.get("title", field_default(CurveConfig, "title"))), source=path)


def real_counts(cfg: CurveConfig, n_real: int) -> List[int]:
    """The counts of the curve for a real set of ``n_real`` images (fractions rounded, at least one)."""
    where = cfg.source or "curve"
    if cfg.counts is not None:
        too_many = [c for c in cfg.counts if c > n_real]
        if too_many:
            raise UserError(f"{where}: counts {too_many} exceed the {n_real} images of {cfg.real}")
        return list(cfg.counts)
    counts = [max(1, int(round(f * n_real))) for f in cfg.fractions]
    if len(set(counts)) != len(counts):
        raise UserError(f"{where}: fractions {cfg.fractions} give repeated counts {counts} of {n_real} images")
    return counts


@dataclass(frozen=True)
class Line:
    """One curve: a recipe, for the synthetic recipes the set it uses, and how its batches share real images.

    ``batch_share`` is the real share of each batch: for ``balanced`` of every batch, for ``finetune`` of
    the batches that replay the synthetic frames (None: fine-tuned on the real images alone), which they
    do only up to ``replay_up_to`` real images (None: at every count).  The key (run folder and
    ``curve.json``), the label and the short name follow from these fields.
    """

    recipe: str
    synthetic: str | None = None
    batch_share: float | None = None
    replay_up_to: int | None = None

    @property
    def key(self) -> str:
        """``real``, or ``<set>_<recipe>`` (``tuned_finetune``)."""
        return self.recipe if self.synthetic is None else f"{self.synthetic}_{self.recipe}"

    @property
    def short(self) -> str:
        """The line in differences: "real only", "tuned → fine-tuned", "tuned + real, balanced"."""
        if self.recipe == "real":
            return "real only"
        return f"{self.synthetic} → fine-tuned" if self.recipe == "finetune" else f"{self.synthetic} + real, balanced"

    @property
    def label(self) -> str:
        """The line in legends and tables."""
        if self.recipe == "real":
            return "Real only (ImageNet start)"
        name = self.synthetic.capitalize()
        if self.recipe == "balanced":
            return f"{name} synthetic + k real in one run ({self.batch_share * 100:g}% of each batch real)"
        how = "real images only" if self.batch_share is None else \
            f"{self.batch_share * 100:g}% of each batch real, rest synthetic"
        if self.replay_up_to is not None:
            how += f", up to k={self.replay_up_to}; real only above"
        return f"{name} synthetic → fine-tuned on k real ({how})"

    def share_at(self, count: int) -> float | None:
        """The real share of each batch at ``count`` real images (None: all real, or drawn uniformly)."""
        if self.replay_up_to is not None and count > self.replay_up_to:
            return None
        return self.batch_share


def curve_lines(cfg: CurveConfig) -> List[Line]:
    """The lines to draw, in order: real only, then each recipe per synthetic set."""
    lines = []
    for recipe in cfg.recipes:
        if recipe == "real":
            lines.append(Line("real"))
        elif recipe == "finetune":
            lines += [Line(recipe, s, cfg.finetune_share, cfg.replay_up_to) for s in cfg.sets]
        else:
            lines += [Line(recipe, s, cfg.balanced_share) for s in cfg.sets]
    return lines


def run_dir(cfg: CurveConfig, line: str, count: int, seed: int) -> Path:
    """Where the run of ``line`` at ``count`` real images and ``seed`` trains."""
    return cfg.out / "runs" / line / f"k{count:04d}" / f"seed{seed}"


def _config(cfg: CurveConfig, line: Line | None, synthetic: str | None, count: int, seed: int) -> TrainConfig:
    """The training run of ``line`` at ``count`` (``line`` None: ``synthetic`` alone, count 0)."""
    common = dict(val=cfg.val, device=cfg.device, seed=seed)
    if line is None:
        return train_config(cfg.train, out=run_dir(cfg, synthetic, 0, seed), train=cfg.sets[synthetic], **common)
    real = dict(real=cfg.real, real_count=count)
    out = run_dir(cfg, line.key, count, seed)
    if line.recipe == "real":
        return train_config(cfg.train, out=out, **real, **common)
    if line.recipe == "balanced":
        return train_config({**cfg.train, **cfg.balanced}, out=out, train=cfg.sets[line.synthetic],
                            real_batch_share=line.share_at(count), **real, **common)
    init = str(run_dir(cfg, line.synthetic, 0, seed) / "model.pt")
    share = line.share_at(count)
    replay = cfg.sets[line.synthetic] if share is not None else []
    return train_config({**cfg.train, **cfg.finetune}, out=out, train=replay, real_batch_share=share,
                        init=init, **real, **common)


def plan_curve(cfg: CurveConfig) -> tuple[List[int], List[Line], List[Job]]:
    """The counts, the lines and every training run, seed by seed (a seed's runs come together)."""
    n_real = len(labelled_samples(parse_dataset_spec(cfg.real, default_split="train")))
    counts = real_counts(cfg, n_real)
    lines = curve_lines(cfg)
    needed = sorted({ln.synthetic for ln in lines if ln.synthetic}, key=SYNTHETIC_SETS.index)
    jobs = []
    for seed in cfg.seeds:
        for s in needed:
            jobs.append(Job((s, 0, seed), _config(cfg, None, s, 0, seed), f"{s} synthetic alone, seed {seed}"))
        for count in counts:
            for ln in lines:
                after = ((ln.synthetic, 0, seed),) if ln.recipe == "finetune" else ()
                jobs.append(Job((ln.key, count, seed), _config(cfg, ln, None, count, seed),
                                f"{ln.key}, k={count}, seed {seed}", after))
    return counts, lines, jobs


def _check_inputs(cfg: CurveConfig, jobs: List[Job]) -> None:
    """Read every dataset list and check every run's settings before the first run trains."""
    labelled_samples(parse_dataset_spec(cfg.val, default_split="val"))
    for s, folders in cfg.sets.items():
        training_samples(folders, None, 1.0, 0)
    for job in jobs:
        validate_config(resolve_config(job.config))
    check_run_setup(cfg.device, cfg.out)


def run_curve(cfg: CurveConfig, progress: bool = True) -> Dict:
    """Train every run of the curve (reusing finished ones), then write and return the curve report.

    The report is also written each time a seed's runs are all done, from the seeds finished so far
    (``complete`` is false until every seed is in), so a long curve shows its results as they come.
    """
    counts, lines, jobs = plan_curve(cfg)
    _check_inputs(cfg, jobs)
    t0 = time.perf_counter()
    done: Dict = {}

    def seed_done(job: Job, record: Dict) -> None:
        done[job.key] = record
        seed = job.key[2]
        if all(j.key in done for j in jobs if j.key[2] == seed) and len(done) < len(jobs):
            _report(cfg, counts, lines, jobs, done)

    done.update(run_jobs(jobs, parallel=cfg.jobs, progress=progress, on_done=seed_done))
    curve = _report(cfg, counts, lines, jobs, done)
    curve["wall_seconds_this_run"] = round(time.perf_counter() - t0, 1)
    return curve


def _report(cfg: CurveConfig, counts: List[int], lines: List[Line], jobs: List[Job], records: Dict) -> Dict:
    """Write the curve report from the seeds whose runs have all finished; returns it."""
    from segtrain.curve_report import build_curve, write_curve

    seeds = [s for s in cfg.seeds if all(j.key in records for j in jobs if j.key[2] == s)]
    runs = []
    for job in jobs:
        line, count, seed = job.key
        if seed in seeds:
            info = json.loads((job.config.out / "train.json").read_text())
            runs.append({"line": line, "count": count, "seed": seed, "record": records[job.key],
                         "run": str(job.config.out), "train_seconds": info["train_seconds"]})
    options = {k: v for k, v in resolve_config(jobs[0].config).record().items()
               if k not in RUN_SETTINGS | {"seed", "device"}}
    curve = build_curve(cfg, counts, lines, runs, options, seeds)
    curve["seeds_planned"] = list(cfg.seeds)
    curve["complete"] = len(seeds) == len(cfg.seeds)
    write_curve(curve, cfg.out)
    return curve

"""The adversarial tuning loop.

Iteration ``k`` (1..T) of a run in ``DIR``:

1. load ``params_iter{k-1}.yaml``; draw ``B`` scene-variable vectors z from it
   (``space.sample([seed, k, i])``);
2. render them (frame seeds ``FrameSeed(seed, k, i)``) into ``DIR/renders``;
3. split the draws into folds; fold discriminator ``f`` (warm-started from ``disc_iter{k-1}.pt``)
   trains on the real training images against the renders outside fold ``f`` (plus the renders of
   the previous ``replay`` iterations) and scores fold ``f`` -- every draw is scored by a model
   that never saw it;
4. metrics on held-out images: discriminator accuracy / ROC AUC, KID on Lite0 features,
   class-proportion L1 (when the real set has labels), and the parameter-recovery error when the
   target distribution is known (``--real params:FILE``);
5. the update rule turns (draws, scores) into the next distribution;
6. write ``draws_iter{k}.json``, ``disc_iter{k}.pt``, ``metrics_iter{k}.json`` and, last,
   ``params_iter{k}.yaml`` (its presence marks iteration ``k`` finished).

After the last iteration, ``params_best.yaml`` and ``best.json`` name the iteration whose renders came
closest to the real training images (:mod:`tuner.best`).

All randomness is derived from ``(seed, iteration, stream name)``, so a killed run resumed with
``--resume`` writes the same params files as an uninterrupted one.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from tqdm import tqdm

from scenegen.datasets import Sample
from scenegen.errors import UserError
from scenegen.io import atomic_write_json
from scenegen.outdir import removed_on_user_error
from scenegen.labels import PAPER7_NAMES
from scenegen.params import ParameterSpace, load_space
from scenegen.seeding import FrameSeed, stable_key

from . import metrics as M
from . import realdata
from .backends import make_backend
from .best import write_best
from .disc_kinds import GRID_BACKBONES
from .crossfit import fold_ids, mean_over_models, split_holdout
from .discriminator import DiscConfig, Discriminator, load_checkpoint, resolve_device, save_checkpoint
from .preprocess import default_input_size, prepare_batch, prepare_label_batch
from .updates import Batch, get_rule

RUN_FILE = "run.json"
RENDERS = "renders"
TARGET = "target"
# Fewest held-out real / rendered images for discriminator validation (--disc-val).
MIN_VAL = 8
# Target renders use their own seed stream, so they never coincide with tuning draws.
TARGET_SEED_KEY = 0x7A26E7


def params_path(run: Path, k: int) -> Path:
    return Path(run) / f"params_iter{k}.yaml"


def metrics_path(run: Path, k: int) -> Path:
    return Path(run) / f"metrics_iter{k}.json"


def disc_path(run: Path, k: int) -> Path:
    return Path(run) / f"disc_iter{k}.pt"


def draws_path(run: Path, k: int) -> Path:
    return Path(run) / f"draws_iter{k}.json"


from .config import TuneConfig  # noqa: F401  (re-exported: the loop's settings)


def layout_grid_options(config: TuneConfig) -> Dict[str, int]:
    """DiscConfig fields for the grid discriminators' grid (rows share the ``bands`` field)."""
    if config.disc_backbone not in GRID_BACKBONES:
        return {}
    rows, cols = config.layout_grid
    return {"bands": int(rows), "layout_cols": int(cols)}


def load_run_cad(config: TuneConfig):
    """The CAD catalog of a tuning run (None without one); UserError before anything is written."""
    if config.catalog is None:
        return None
    if config.backend != "blender":
        raise UserError(f"--catalog needs --backend blender (the {config.backend} renderer draws no CAD models)")
    from scenegen.cad import load_cad

    return load_cad(config.catalog, config.cad_share)


def finished_iterations(run: Path) -> int:
    """Highest ``k`` with ``params_iter{k}.yaml`` (and, for k > 0, its checkpoint); -1 if none."""
    k = -1
    while params_path(run, k + 1).is_file() and (k + 1 == 0 or disc_path(run, k + 1).is_file()):
        k += 1
    return k


class Tuner:
    """One tuning run; :meth:`run` executes (or resumes) it."""

    def __init__(self, config: TuneConfig, resume: bool = False,
                 log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
                 progress: bool = True) -> None:
        config.validate()
        self.config = config
        self.cad = load_run_cad(config)
        self.resume = resume
        self.log = log
        self.progress = progress
        self.run_dir = Path(config.out)
        self.device, self.amp = resolve_device(config.device)
        self.input_size = tuple(config.input_size) if config.input_size else default_input_size(config.resolution)
        self.disc_config = DiscConfig(backbone=config.disc_backbone, width=config.disc_width,
                                      lr=config.disc_lr, batch_size=config.disc_batch,
                                      small_bands=config.disc_bands, inputs=config.disc_input,
                                      **layout_grid_options(config))
        self._embedded: Dict[int, torch.Tensor] = {}
        self._features: Dict[int, np.ndarray] = {}
        self._backend = None

    # -- randomness -------------------------------------------------------------------------------
    def rng(self, k: int, name: str, *extra: int) -> np.random.Generator:
        """The numpy Generator of stream ``name`` at iteration ``k``."""
        return np.random.default_rng(np.random.SeedSequence([self.config.seed, k, stable_key(name), *extra]))

    def torch_gen(self, k: int, name: str, *extra: int) -> torch.Generator:
        """A torch Generator for stream ``name`` at iteration ``k``."""
        state = np.random.SeedSequence([self.config.seed, k, stable_key(name), *extra]).generate_state(2, np.uint32)
        return torch.Generator().manual_seed(int(state[0]) << 31 | int(state[1] >> 1))

    # -- setup ------------------------------------------------------------------------------------
    @property
    def backend(self):
        if self._backend is None:
            c = self.config
            self._backend = make_backend(c.backend, tuple(c.resolution), samples=c.samples, workers=c.workers,
                                         threads=c.threads, cad=self.cad)
        return self._backend

    def _bar(self, **kw):
        return tqdm(disable=not self.progress, dynamic_ncols=True, file=sys.stderr, **kw)

    def _prepare_dir(self) -> int:
        """Create or check the run folder; return the last finished iteration (-1 for a new run)."""
        run = self.run_dir
        if run.exists() and not run.is_dir():
            raise UserError(f"{run}: --out exists and is not a folder")
        run_file = run / RUN_FILE
        if run_file.is_file():
            if not self.resume:
                raise UserError(f"{run}: already holds a tuning run; pass --resume to continue it or choose a new --out")
            try:
                stored = json.loads(run_file.read_text())
            except (OSError, json.JSONDecodeError) as e:
                raise UserError(f"{run_file}: unreadable run description ({e})") from None
            mine = self.config.semantic_key()
            theirs = TuneConfig.from_dict(stored["config"]).semantic_key()
            diff = sorted(k for k in mine if mine[k] != theirs.get(k))
            if diff:
                k = diff[0]
                raise UserError(f"{run_file}: --resume with a different setting {k!r} "
                                f"({theirs.get(k)!r} in the run, {mine[k]!r} now)")
            return finished_iterations(run)
        # A run killed while rendering its target set has only tuner-owned subfolders so far.
        if run.is_dir() and any(p for p in run.iterdir() if not p.name.startswith(".")
                                and not (p.is_dir() and p.name in (TARGET, RENDERS))):
            raise UserError(f"{run}: --out folder is not empty and holds no tuning run")
        return -1

    def _write_run_file(self) -> None:
        atomic_write_json(self.run_dir / RUN_FILE, {
            "config": self.config.to_dict(), "input_size": list(self.input_size),
            "torch": torch.__version__, "numpy": np.__version__, "format": 1})

    # -- real data --------------------------------------------------------------------------------
    def _load_real(self) -> None:
        """Real training / evaluation images (prepared + embedded) and evaluation labels."""
        c = self.config
        spec = realdata.parse_real_spec(c.real)
        self.real_spec = spec
        self.target = realdata.target_space(spec)
        if spec.kind == "params":
            realdata.check_against_space(self.target, self.space0)
            n = max(c.real_count, 8)
            seed = int(np.random.SeedSequence([c.seed, TARGET_SEED_KEY]).generate_state(1)[0] >> 1)
            seeds = [FrameSeed(seed, 0, i) for i in range(n)]
            zs = [self.target.sample(s.entropy()) for s in seeds]
            with self._bar(total=n, desc="render target", unit="frame", leave=False) as bar:
                frames = self.backend.render(self.target, zs, seeds, self.run_dir / TARGET, city="target",
                                             progress=bar)
            samples = realdata.frames_as_samples(frames)
        else:
            samples = realdata.list_real(spec, c.real_count, self.rng(0, "real-subset"))
        if c.real_val:
            train, evals = samples, realdata.list_real(realdata.parse_real_spec(c.real_val), c.real_count,
                                                       self.rng(0, "real-val-subset"))
            if len(train) < 2:
                raise UserError(f"{c.real}: need at least 2 real images, found {len(train)}")
        else:
            if len(samples) < 4:
                raise UserError(f"{c.real}: need at least 4 real images (some are held out), found {len(samples)}")
            tr, ho = split_holdout(len(samples), c.holdout, self.rng(0, "holdout"))
            train, evals = [samples[i] for i in tr], [samples[i] for i in ho]
        self.real_train_samples, self.real_eval_samples = train, evals
        self.real_train = self._embed(self._prepare(train)[0])
        eval_in, eval_x = self._prepare(evals)
        self.real_eval = self._embed(eval_in)
        self.real_eval_features = self._kid_features(eval_x, self.real_eval) if c.kid else None
        labels = realdata.read_paper7(evals)
        self.real_props = M.class_proportions(labels, len(PAPER7_NAMES)) if labels is not None else None
        # What the discriminator is tuned toward; with --real-val it can differ a lot from the
        # evaluation images (CamVid train vs val), so both are recorded.
        train_labels = realdata.read_paper7(train) if labels is not None else None
        self.real_train_props = (M.class_proportions(train_labels, len(PAPER7_NAMES))
                                 if train_labels is not None else None)
        self.log(f"real: {len(train)} training and {len(evals)} held-out images from {c.real}"
                 + (f" (evaluation: {c.real_val})" if c.real_val else ""))
        atomic_write_json(self.run_dir / "real_examples.json",
                          {"train": realdata.describe_samples(train), "eval": realdata.describe_samples(evals)})
        if self.target is not None:
            self.target.save(self.run_dir / "target_params.yaml")

    def _proportion_distances(self, props: np.ndarray) -> Dict[str, Any]:
        """The real class proportions and the L1 distances of ``props`` to them: ``real`` / ``l1`` for the
        evaluation images, ``real_train`` / ``l1_train`` for the discriminator's real training images."""
        out: Dict[str, Any] = {}
        if self.real_props is not None:
            out["real"] = self.real_props.tolist()
            out["l1"] = M.proportion_l1(props, self.real_props)
        if self.real_train_props is not None:
            out["real_train"] = self.real_train_props.tolist()
            out["l1_train"] = M.proportion_l1(props, self.real_train_props)
        return out

    def _prepare(self, samples: Sequence[Sample]) -> Tuple[torch.Tensor, torch.Tensor]:
        """(discriminator input, RGB) of ``samples``: the RGB and/or label channels the discriminator
        reads (``--disc-input``), and the prepared RGB images for the KID features."""
        rgb = prepare_batch(realdata.read_images(samples), self.input_size)
        if not self.disc_config.uses_labels:
            return rgb, rgb
        labels = realdata.read_paper7(samples)
        if labels is None:
            bare = next(x for x in samples if x.labels is None or x.label_format == "none")
            raise UserError(f"{bare.image}: has no label image, but the discriminator reads label images "
                            f"(--disc {self.disc_config.backbone}, --disc-input {self.disc_config.inputs})")
        lab = prepare_label_batch(labels, self.input_size, len(PAPER7_NAMES))
        return (torch.cat([rgb, lab], dim=1) if self.disc_config.uses_rgb else lab), rgb

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        return self._disc_template.embed(x)

    def _kid_features(self, x: torch.Tensor, embedded: torch.Tensor) -> np.ndarray:
        """Globally pooled Lite0 features (the discriminator's own embedding may be band-pooled)."""
        if self.disc_config.backbone == "lite0" and self.disc_config.bands == 1:
            return embedded.numpy().astype(np.float64)
        from .lite0 import extract_features

        return extract_features(x, device=self.device, amp=self.amp).numpy().astype(np.float64)

    # -- discriminators ---------------------------------------------------------------------------
    def _new_discriminators(self) -> List[Discriminator]:
        out = []
        for f in range(self.config.folds):
            seed = int(np.random.SeedSequence([self.config.seed, 0, stable_key("disc-init"), f])
                       .generate_state(1)[0])
            out.append(Discriminator(self.disc_config, self.device, self.amp, seed=seed))
        return out

    def _load_discriminators(self, k: int) -> List[Discriminator]:
        ds = self._new_discriminators()
        if k >= 1:
            ck = load_checkpoint(disc_path(self.run_dir, k))
            for d, st in zip(ds, ck["discriminators"]):
                d.load_state(st)
        return ds

    # -- renders ----------------------------------------------------------------------------------
    def draws(self, space: ParameterSpace, k: int) -> List[Dict[str, Any]]:
        """The B scene-variable vectors of iteration ``k``."""
        return [space.sample(FrameSeed(self.config.seed, k, i).entropy()) for i in range(self.config.batch)]

    def _render_iteration(self, space: ParameterSpace, k: int, zs: Sequence[Mapping[str, Any]]):
        seeds = [FrameSeed(self.config.seed, k, i) for i in range(len(zs))]
        with self._bar(total=len(zs), desc=f"render iter {k}", unit="frame", leave=False) as bar:
            return self.backend.render(space, zs, seeds, self.run_dir / RENDERS, progress=bar)

    def _render_tensor(self, k: int, frames=None) -> torch.Tensor:
        """Embedded renders of iteration ``k`` (read back from disk; cached)."""
        if k not in self._embedded:
            if frames is None:
                rec = json.loads(draws_path(self.run_dir, k).read_text())
                samples = realdata.rendered_samples(rec["images"], rec["labels"])
            else:
                samples = realdata.frames_as_samples(frames)
            inputs, x = self._prepare(samples)
            self._embedded[k] = self._embed(inputs)
            if self.config.kid:
                self._features[k] = self._kid_features(x, self._embedded[k])
        return self._embedded[k]

    # -- one iteration ----------------------------------------------------------------------------
    def iteration(self, k: int) -> Dict[str, Any]:
        """Run iteration ``k`` (params_iter{k-1} -> params_iter{k}); returns its metrics."""
        c = self.config
        t0 = time.perf_counter()
        space = load_space(params_path(self.run_dir, k - 1))
        zs = self.draws(space, k)
        frames = self._render_iteration(space, k, zs)
        t_render = time.perf_counter()
        fake = self._render_tensor(k, frames)
        replay_its = list(range(max(1, k - c.replay), k))
        replay = [self._render_tensor(j) for j in replay_its]
        replay_w = [self._replay_weights(space, j) for j in replay_its] if c.replay_weights else []

        folds = fold_ids(len(zs), c.folds, self.rng(k, "folds"))
        discs = self._load_discriminators(k - 1)
        scores = np.full(len(zs), np.nan)
        real_eval_scores, losses, fit_stats = [], [], []
        with self._bar(total=c.folds * c.disc_steps, desc=f"train D iter {k}", unit="step", leave=False) as bar:
            for f, d in enumerate(discs):
                own = np.flatnonzero(folds != f)
                neg = torch.cat([fake[torch.from_numpy(own)]] + replay)
                neg_w = np.concatenate([np.ones(own.size)] + replay_w) if c.replay_weights else None
                real_tr, neg_tr, neg_tr_w, val = self._disc_split(k, f, neg, neg_w)
                stats = d.fit(real_tr, neg_tr, c.disc_steps, self.torch_gen(k, "disc-train", f), progress=bar,
                              fake_weights=None if neg_tr_w is None else torch.from_numpy(neg_tr_w), val=val)
                losses.append(stats["loss"])
                fit_stats.append({k_: v for k_, v in stats.items() if k_ != "loss"})
                held = np.flatnonzero(folds == f)
                scores[held] = d.predict(fake[torch.from_numpy(held)])
                real_eval_scores.append(d.predict(self.real_eval))
        t_disc = time.perf_counter()
        real_scores = mean_over_models(real_eval_scores)

        rule = get_rule(c.method, **dict(c.method_options))
        extra: Dict[str, Any] = {}
        if getattr(rule, "pool", 0):
            extra["history"] = self._history(k, int(rule.pool))
        if getattr(rule, "by_fold", False):
            extra["groups"] = folds
        result = rule.update(space, zs, scores, self.rng(k, "update"), **extra)
        new_space = result.space
        if c.variables:  # only the named variables are tuned
            for var in space:
                if var.name not in c.variables:
                    new_space = new_space.with_distribution(var.name, var.distribution)

        m: Dict[str, Any] = {
            "iteration": k, "params_version": new_space.version, "batch": len(zs), "method": c.method,
            "discriminator": {"loss": losses, "fit": fit_stats, "accuracy": M.accuracy(real_scores, scores),
                              "auc": M.roc_auc(real_scores, scores),
                              "real_score_mean": float(np.mean(real_scores)),
                              "render_score_mean": float(np.mean(scores))},
            "update": {k_: v for k_, v in result.info.items() if k_ in ("accept_rate", "pooled_draws", "pooled_weight")},
        }
        if c.kid:
            kid_mean, kid_std = M.kid(self._features[k], self.real_eval_features, rng=self.rng(k, "kid"))
            m["kid"] = {"mean": kid_mean, "std": kid_std}
        if c.disc_backbone == "stats":  # the statistics it reads, renders against the real training / eval images
            feats = self._render_tensor(k).numpy()
            m["image_statistics"] = {"gap_train": M.standardized_mean_gap(feats, self.real_train.numpy()),
                                     "gap": M.standardized_mean_gap(feats, self.real_eval.numpy())}
        render_labels = realdata.read_paper7(realdata.frames_as_samples(frames))
        if render_labels is not None:
            props = M.class_proportions(render_labels, len(PAPER7_NAMES))
            m["class_proportions"] = {"names": list(PAPER7_NAMES), "render": props.tolist()}
            m["class_proportions"].update(self._proportion_distances(props))
        m.update(self._recovery(new_space))
        m["variable_means"] = {v.name: v.distribution.mean() for v in new_space}
        t_end = time.perf_counter()
        m["seconds"] = {"render": t_render - t0, "discriminator": t_disc - t_render, "total": t_end - t0}

        atomic_write_json(draws_path(self.run_dir, k), {
            "iteration": k, "z": zs, "folds": folds.tolist(), "scores": scores.tolist(),
            "images": [str(f.image) for f in frames], "labels": [str(f.labels) if f.labels else None for f in frames],
            "update": result.info})
        save_checkpoint(disc_path(self.run_dir, k), {"iteration": k, "discriminators": [d.state() for d in discs]})
        atomic_write_json(metrics_path(self.run_dir, k), _jsonable(m))
        new_space.save(params_path(self.run_dir, k))  # last: marks the iteration finished
        self._embedded = {j: v for j, v in self._embedded.items() if j > k - c.replay}
        self._features = {j: v for j, v in self._features.items() if j > k - c.replay}
        return m

    def _replay_weights(self, space: ParameterSpace, j: int) -> np.ndarray:
        """Importance weights q_now(z) / q_j(z) that make iteration ``j``'s renders stand in for draws
        of the current distribution ``space`` (mean about 1; clipped at 20)."""
        zs = json.loads(draws_path(self.run_dir, j).read_text())["z"]
        old = load_space(params_path(self.run_dir, j - 1))
        lr = np.array([space.log_prob(z) - old.log_prob(z) for z in zs])
        return np.minimum(np.exp(np.clip(lr, -50.0, 50.0)), 20.0)

    def _disc_split(self, k: int, f: int, neg: torch.Tensor, neg_w: Optional[np.ndarray]):
        """(real_train, neg_train, neg_train_weights, val) for fold ``f``: with ``disc_val`` > 0 a fixed share
        of the real training images (the same for fold ``f`` in every iteration, so its model never trains
        on them) and a fresh share of the negatives become the validation split (early stopping, calibration).
        None of them is a draw that fold ``f`` scores."""
        c = self.config
        n_real, n_neg = self.real_train.shape[0], neg.shape[0]
        n_rv, n_nv = int(round(c.disc_val * n_real)), int(round(c.disc_val * n_neg))
        # too few held-out images make early stopping and calibration noise: train without them
        if c.disc_val <= 0 or n_rv < MIN_VAL or n_nv < MIN_VAL or n_real - n_rv < 2 or n_neg - n_nv < 2:
            return self.real_train, neg, neg_w, None
        rp = self.rng(0, "disc-val-real", f).permutation(n_real)
        npm = self.rng(k, "disc-val-neg", f).permutation(n_neg)
        rv, rt = torch.from_numpy(np.sort(rp[:n_rv])), torch.from_numpy(np.sort(rp[n_rv:]))
        nv, nt = np.sort(npm[:n_nv]), np.sort(npm[n_nv:])
        w_t = None if neg_w is None else neg_w[nt]
        w_v = None if neg_w is None else neg_w[nv]
        return (self.real_train[rt], neg[torch.from_numpy(nt)], w_t,
                (self.real_train[rv], neg[torch.from_numpy(nv)], w_v))

    def _history(self, k: int, count: int) -> List[Batch]:
        """The last ``count`` earlier iterations (of 1..k-1) as update-rule batches (distribution, draws,
        scores), oldest first."""
        out = []
        for j in range(max(1, k - count), k):
            rec = json.loads(draws_path(self.run_dir, j).read_text())
            out.append(Batch(load_space(params_path(self.run_dir, j - 1)), rec["z"], np.asarray(rec["scores"], float),
                             np.asarray(rec["folds"])))
        return out

    def _recovery(self, space: ParameterSpace) -> Dict[str, Any]:
        if self.target is None:
            return {}
        names = [n for n in self.target.names if not self.config.variables or n in self.config.variables]
        errs = M.recovery_errors(space, self.target)
        return {"recovery": {"mean": float(np.mean([errs[n] for n in names])), "variables": names,
                             "per_variable": errs}}

    # -- the run ----------------------------------------------------------------------------------
    def setup(self) -> int:
        """Check the run folder, load the starting space and the real data; returns the last finished
        iteration (-1 for a new run)."""
        c = self.config
        done = self._prepare_dir()
        self.space0 = load_space(c.params) if done < 0 else load_space(params_path(self.run_dir, 0))
        if c.variables:
            for n in c.variables:
                self.space0[n]  # unknown variable -> ParamsError
        with removed_on_user_error(self.run_dir):  # bad real data: no trace of a run that never started
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._disc_template = Discriminator(self.disc_config, self.device, self.amp)
            self._load_real()
        return done

    def evaluate(self, space: ParameterSpace, tag: str, count: int, tag_index: int = 0) -> Dict[str, Any]:
        """Render ``count`` frames of ``space`` into ``DIR/eval/<tag>`` and measure KID and class-proportion
        L1 against the real evaluation images (call :meth:`setup` first).

        Frame seeds depend on ``tag_index`` only, so two spaces evaluated with the same index share
        their non-z randomness.
        """
        seed = int(np.random.SeedSequence([self.config.seed, stable_key("eval")]).generate_state(1)[0] >> 1)
        seeds = [FrameSeed(seed, tag_index, i) for i in range(count)]
        zs = [space.sample(s.entropy()) for s in seeds]
        with self._bar(total=count, desc=f"render eval {tag}", unit="frame", leave=False) as bar:
            frames = self.backend.render(space, zs, seeds, self.run_dir / "eval" / tag, city="eval", progress=bar)
        from scenegen.datasets import read_image
        from .lite0 import extract_features

        x = prepare_batch([read_image(f.image) for f in frames], self.input_size)
        out: Dict[str, Any] = {"tag": tag, "count": count, "params_version": space.version}
        real_feats = self.real_eval_features  # Lite0 features of the prepared real images
        if real_feats is None:
            real_x = prepare_batch(realdata.read_images(self.real_eval_samples), self.input_size)
            real_feats = extract_features(real_x, device=self.device, amp=self.amp).numpy().astype(np.float64)
        feats = extract_features(x, device=self.device, amp=self.amp).numpy().astype(np.float64)
        kid_mean, kid_std = M.kid(feats, real_feats, rng=self.rng(0, "eval-kid"))
        out["kid"] = {"mean": kid_mean, "std": kid_std}
        labels = realdata.read_paper7(realdata.frames_as_samples(frames))
        if labels is not None:
            props = M.class_proportions(labels, len(PAPER7_NAMES))
            out["class_proportions"] = {"names": list(PAPER7_NAMES), "render": props.tolist()}
            out["class_proportions"].update(self._proportion_distances(props))
        return _jsonable(out)

    def run(self) -> Path:
        """Run (or resume) all iterations; returns the run folder."""
        c = self.config
        if c.threads:
            torch.set_num_threads(c.threads)
        done = self.setup()
        if done < 0:
            self._write_run_file()
            self.space0.save(params_path(self.run_dir, 0))
            m0 = {"iteration": 0, "params_version": self.space0.version, **self._recovery(self.space0),
                  "variable_means": {v.name: v.distribution.mean() for v in self.space0}}
            atomic_write_json(metrics_path(self.run_dir, 0), _jsonable(m0))
            done = 0
        else:
            self._write_run_file()  # records the (possibly extended) iteration count
            self.log(f"resuming {self.run_dir} after iteration {done}")
        if done >= c.iterations:
            self.log(f"{self.run_dir}: all {c.iterations} iterations already finished")
        else:
            with self._bar(total=c.iterations, initial=done, desc="tune", unit="iter") as bar:
                for k in range(done + 1, c.iterations + 1):
                    m = self.iteration(k)
                    bar.update(1)
                    bar.set_postfix_str(_short(m))
                    self.log(f"iteration {k}: {_short(m)}")
            self.backend.close()
        write_best(self.run_dir, load_metrics(self.run_dir))
        return self.run_dir


def _short(m: Mapping[str, Any]) -> str:
    parts = [f"auc {m['discriminator']['auc']:.3f}"]
    if "kid" in m:
        parts.append(f"kid {m['kid']['mean']:.4f}")
    if "class_proportions" in m and "l1" in m["class_proportions"]:
        parts.append(f"class-L1 {m['class_proportions']['l1']:.3f}")
        if "l1_train" in m["class_proportions"]:
            parts.append(f"class-L1 to real train {m['class_proportions']['l1_train']:.3f}")
    if "image_statistics" in m:
        parts.append(f"stats gap {m['image_statistics']['gap']:.3f}, to real train {m['image_statistics']['gap_train']:.3f}")
    if "recovery" in m:
        parts.append(f"recovery {m['recovery']['mean']:.3f}")
    return ", ".join(parts)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if np.isfinite(v) else None
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def load_metrics(run: Path) -> List[Dict[str, Any]]:
    """All ``metrics_iter{k}.json`` of a run, in order."""
    out = []
    k = 0
    while metrics_path(run, k).is_file():
        out.append(json.loads(metrics_path(run, k).read_text()))
        k += 1
    return out


def tune(config: TuneConfig, resume: bool = False, progress: bool = True) -> Path:
    """Run (or resume) a tuning run; returns the run folder."""
    return Tuner(config, resume=resume, progress=progress).run()

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

import sys
import time
from dataclasses import dataclass, field, replace
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
from scenegen.seeding import FrameSeed, generator, int_seed, stable_key, torch_seed

from . import metrics as M
from . import realdata
from .backends import make_backend
from .best import write_best
from .run_folder import RunFolder
from .disc_kinds import kind_spec
from .crossfit import fold_ids, mean_over_models, split_holdout
from .discriminator import DiscConfig, Discriminator, load_checkpoint, resolve_device, save_checkpoint
from .preprocess import default_input_size, prepare_batch, prepare_label_batch
from .updates import Batch, get_rule

# Fewest held-out real / rendered images for discriminator validation (--disc-val).
MIN_VAL = 8
# Target renders use their own seed stream, so they never coincide with tuning draws.
TARGET_SEED_KEY = 0x7A26E7


@dataclass
class Scored:
    """The score stage of one iteration: fold of each draw, the fold discriminators, each draw's score by
    the model that never saw it, the real evaluation images' mean score, and the training statistics."""

    folds: np.ndarray
    discriminators: List[Discriminator]
    scores: np.ndarray
    real_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    losses: List[float] = field(default_factory=list)
    fit_stats: List[Dict[str, Any]] = field(default_factory=list)


from .config import TuneConfig  # noqa: F401  (re-exported: the loop's settings)


def grid_options(config: TuneConfig) -> Dict[str, int]:
    """DiscConfig fields for the grid of the kinds that read one (empty for the others)."""
    if not kind_spec(config.disc_backbone).grid:
        return {}
    rows, cols = config.disc_grid
    return {"grid_rows": int(rows), "grid_cols": int(cols)}


def load_run_cad(config: TuneConfig):
    """The CAD catalog of a tuning run (None without one); UserError before anything is written."""
    if config.catalog is None:
        return None
    if config.backend != "blender":
        raise UserError(f"--catalog needs --backend blender (the {config.backend} renderer draws no CAD models)")
    from scenegen.cad import load_cad

    return load_cad(config.catalog, config.cad_share)


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
        self.folder = RunFolder(self.run_dir)
        self.device, self.amp = resolve_device(config.device)
        self.input_size = tuple(config.input_size) if config.input_size else default_input_size(config.resolution)
        self.disc_config = DiscConfig(backbone=config.disc_backbone, width=config.disc_width,
                                      lr=config.disc_lr, batch_size=config.disc_batch,
                                      small_bands=config.disc_bands, inputs=config.disc_input,
                                      **grid_options(config))
        self._embedded: Dict[int, torch.Tensor] = {}
        self._evidence_features: Dict[int, np.ndarray] = {}  # per iteration, for rules that read images
        self._features: Dict[int, np.ndarray] = {}
        self._backend = None

    # -- randomness -------------------------------------------------------------------------------
    def rng(self, k: int, name: str, *extra: int) -> np.random.Generator:
        """The numpy Generator of stream ``name`` at iteration ``k``."""
        return generator(self.config.seed, k, stable_key(name), *extra)

    def torch_gen(self, k: int, name: str, *extra: int) -> torch.Generator:
        """A torch Generator for stream ``name`` at iteration ``k``."""
        return torch.Generator().manual_seed(torch_seed(self.config.seed, k, stable_key(name), *extra))

    # -- setup ------------------------------------------------------------------------------------
    @property
    def backend(self):
        if self._backend is None:
            c = self.config
            self._backend = make_backend(c.backend, tuple(c.resolution), samples=c.samples, workers=c.workers,
                                         threads=c.threads, cad=self.cad, executor=c.executor,
                                         ray_address=c.ray_address)
        return self._backend

    def _bar(self, **kw):
        return tqdm(disable=not self.progress, dynamic_ncols=True, file=sys.stderr, **kw)

    def _prepare_dir(self) -> int:
        """Create or check the run folder; return the last finished iteration (-1 for a new run)."""
        return self.folder.check_for(self.config, self.resume)

    def _write_run_file(self) -> None:
        atomic_write_json(self.folder.run_file, {
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
            seed = int_seed(c.seed, TARGET_SEED_KEY)
            seeds = [FrameSeed(seed, 0, i) for i in range(n)]
            zs = [self.target.sample(s.entropy()) for s in seeds]
            with self._bar(total=n, desc="render target", unit="frame", leave=False) as bar:
                frames = self.backend.render(self.target, zs, seeds, self.folder.target, city="target",
                                             progress=bar)
            samples = realdata.frames_as_samples(frames)
        else:
            samples = realdata.list_real(spec, c.real_count, self.rng(0, "real-subset"))
        if c.real_val:
            train, evals = samples, realdata.list_real(realdata.parse_real_spec(c.real_val), c.real_count,
                                                       self.rng(0, "real-val-subset"))
            if len(train) < realdata.MIN_REAL_WITH_VAL:
                raise UserError(f"{c.real}: need at least {realdata.MIN_REAL_WITH_VAL} real images, found "
                                f"{len(train)}")
        else:
            if len(samples) < realdata.MIN_REAL_HELD_OUT:
                raise UserError(f"{c.real}: need at least {realdata.MIN_REAL_HELD_OUT} real images (some are held "
                                f"out), found {len(samples)}")
            tr, ho = split_holdout(len(samples), c.holdout, self.rng(0, "holdout"))
            train, evals = [samples[i] for i in tr], [samples[i] for i in ho]
        self.real_train_samples, self.real_eval_samples = train, evals
        train_in, train_x = self._prepare(train)
        self.real_train = self._embed(train_in)
        self.real_train_features = self._kid_features(train_x, self.real_train) if c.kid else None
        eval_in, eval_x = self._prepare(evals)
        self.real_eval = self._embed(eval_in)
        self.real_eval_features = self._kid_features(eval_x, self.real_eval) if c.kid else None
        labels = realdata.read_paper7(evals)
        self.real_props = M.class_proportions(labels, len(PAPER7_NAMES)) if labels is not None else None
        # What the discriminator is tuned toward; with --real-val it can differ a lot from the
        # evaluation images (CamVid train vs val), so both are recorded.
        train_labels = realdata.read_paper7(train) if labels is not None else None
        self.real_train_labelled = realdata.read_paper7(train[:1]) is not None
        self.real_train_props = (M.class_proportions(train_labels, len(PAPER7_NAMES))
                                 if train_labels is not None else None)
        self.log(f"real: {len(train)} training and {len(evals)} held-out images from {c.real}"
                 + (f" (evaluation: {c.real_val})" if c.real_val else ""))
        atomic_write_json(self.folder.real_examples,
                          {"train": realdata.describe_samples(train), "eval": realdata.describe_samples(evals)})
        if self.target is not None:
            self.target.save(self.folder.target_params)

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
        pooled = self._disc_template.kind.global_features(self.disc_config, embedded)
        if pooled is not None:
            return pooled.numpy().astype(np.float64)
        from .lite0 import extract_features

        return extract_features(x, device=self.device, amp=self.amp).numpy().astype(np.float64)

    # -- discriminators ---------------------------------------------------------------------------
    def _new_discriminators(self) -> List[Discriminator]:
        out = []
        for f in range(self.config.folds):
            seed = int_seed(self.config.seed, 0, stable_key("disc-init"), f, bits=32)
            out.append(Discriminator(self.disc_config, self.device, self.amp, seed=seed))
        return out

    def _load_discriminators(self, k: int) -> List[Discriminator]:
        ds = self._new_discriminators()
        if k >= 1:
            ck = load_checkpoint(self.folder.disc(k))
            for d, st in zip(ds, ck["discriminators"]):
                d.load_state(st)
        return ds

    # -- renders ----------------------------------------------------------------------------------
    def draws(self, space: ParameterSpace, k: int) -> List[Dict[str, Any]]:
        """The B scene-variable vectors of iteration ``k``."""
        return [space.sample(FrameSeed(self.config.seed, k, i).entropy()) for i in range(self.config.batch)]

    def _render_tensor(self, k: int, frames=None) -> torch.Tensor:
        """Embedded renders of iteration ``k`` (read back from disk; cached)."""
        if k not in self._embedded:
            if frames is None:
                rec = self.folder.read_draws(k)
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
        """Run iteration ``k`` (params_iter{k-1} -> params_iter{k}): render, score, update, measure, record.
        Returns its metrics."""
        t0 = time.perf_counter()
        space = load_space(self.folder.params(k - 1))
        zs = self.draws(space, k)
        frames = self.render_stage(space, k, zs)
        t_render = time.perf_counter()
        scored = self.score_stage(space, k, frames)
        t_disc = time.perf_counter()
        update = self.update_stage(space, k, zs, scored, frames)
        m = self.measure_stage(k, frames, scored, update)
        m["seconds"] = {"render": t_render - t0, "discriminator": t_disc - t_render,
                        "total": time.perf_counter() - t0}
        self.record_stage(k, zs, frames, scored, update, m)
        return m

    def render_stage(self, space: ParameterSpace, k: int, zs: Sequence[Mapping[str, Any]]):
        """Render iteration ``k``'s draws; returns the frames."""
        seeds = [FrameSeed(self.config.seed, k, i) for i in range(len(zs))]
        with self._bar(total=len(zs), desc=f"render iter {k}", unit="frame", leave=False) as bar:
            return self.backend.render(space, zs, seeds, self.folder.renders, progress=bar)

    def score_stage(self, space: ParameterSpace, k: int, frames) -> "Scored":
        """Train fold ``f``'s discriminator on the renders outside fold ``f`` (and replayed ones) and score
        fold ``f`` with it, so every draw is scored by a model that never saw it."""
        c, n = self.config, len(frames)
        fake = self._render_tensor(k, frames)
        replay_its = list(range(max(1, k - c.replay), k))
        replay = [self._render_tensor(j) for j in replay_its]
        replay_w = [self._replay_weights(space, j) for j in replay_its] if c.replay_weights else []
        folds = fold_ids(n, c.folds, self.rng(k, "folds"))
        scored = Scored(folds, self._load_discriminators(k - 1), np.full(n, np.nan))
        real_eval_scores = []
        with self._bar(total=c.folds * c.disc_steps, desc=f"train D iter {k}", unit="step", leave=False) as bar:
            for f, d in enumerate(scored.discriminators):
                own = np.flatnonzero(folds != f)
                neg = torch.cat([fake[torch.from_numpy(own)]] + replay)
                neg_w = np.concatenate([np.ones(own.size)] + replay_w) if c.replay_weights else None
                real_tr, neg_tr, neg_tr_w, val = self._disc_split(k, f, neg, neg_w)
                stats = d.fit(real_tr, neg_tr, c.disc_steps, self.torch_gen(k, "disc-train", f), progress=bar,
                              fake_weights=None if neg_tr_w is None else torch.from_numpy(neg_tr_w), val=val)
                scored.losses.append(stats.pop("loss"))
                scored.fit_stats.append(stats)
                held = np.flatnonzero(folds == f)
                scored.scores[held] = d.predict(fake[torch.from_numpy(held)])
                real_eval_scores.append(d.predict(self.real_eval))
        scored.real_scores = mean_over_models(real_eval_scores)
        return scored

    def update_stage(self, space: ParameterSpace, k: int, zs: Sequence[Mapping[str, Any]], scored: "Scored",
                     frames):
        """The update rule's result for (draws, scores); variables outside ``--variables`` keep their
        distribution."""
        c = self.config
        rule = get_rule(c.method, **dict(c.method_options))
        extra: Dict[str, Any] = {}
        if getattr(rule, "uses_evidence", False):
            extra["evidence"] = self._evidence(k, zs, frames, int(rule.window))
        if getattr(rule, "pool", 0):
            extra["history"] = self._history(k, int(rule.pool))
        if getattr(rule, "by_fold", False):
            extra["groups"] = scored.folds
        result = rule.update(space, zs, scored.scores, self.rng(k, "update"), **extra)
        if c.variables:
            new_space = result.space
            for var in space:
                if var.name not in c.variables:
                    new_space = new_space.with_distribution(var.name, var.distribution)
            result = replace(result, space=new_space)
        return result

    def measure_stage(self, k: int, frames, scored: "Scored", update) -> Dict[str, Any]:
        """Iteration ``k``'s metrics: discriminator accuracy / AUC, KID, the kind's diagnostics, class
        proportions, parameter recovery and the variable means."""
        c, new_space = self.config, update.space
        real, fake = scored.real_scores, scored.scores
        m: Dict[str, Any] = {
            "iteration": k, "params_version": new_space.version, "batch": len(fake), "method": c.method,
            "discriminator": {"loss": scored.losses, "fit": scored.fit_stats, "accuracy": M.accuracy(real, fake),
                              "auc": M.roc_auc(real, fake), "real_score_mean": float(np.mean(real)),
                              "render_score_mean": float(np.mean(fake))},
            "update": {k_: v for k_, v in update.info.items() if k_ in ("accept_rate", "pooled_draws", "pooled_weight")},
        }
        if c.kid:
            kid_mean, kid_std = M.kid(self._features[k], self.real_eval_features, rng=self.rng(k, "kid"))
            m["kid"] = {"mean": kid_mean, "std": kid_std,
                        "train": M.mmd2_unbiased(self._features[k], self.real_train_features)}
        m.update(self._disc_template.kind.diagnostics(self._render_tensor(k), self.real_train, self.real_eval))
        m.update(self._render_proportions(frames))
        if "identifiability" in update.info:
            m["identifiability"] = update.info["identifiability"]
        m.update(self._recovery(new_space))
        m["variable_means"] = {v.name: v.distribution.mean() for v in new_space}
        return m

    def record_stage(self, k: int, zs, frames, scored: "Scored", update, m: Dict[str, Any]) -> None:
        """Write iteration ``k``'s draws, checkpoint and metrics, and last its params file (which marks it
        finished); drop cached renders no later iteration replays."""
        folder = self.folder
        atomic_write_json(folder.draws(k), {
            "iteration": k, "z": zs, "folds": scored.folds.tolist(), "scores": scored.scores.tolist(),
            "images": [str(f.image) for f in frames], "labels": [str(f.labels) if f.labels else None for f in frames],
            "update": update.info})
        save_checkpoint(folder.disc(k), {"iteration": k, "discriminators": [d.state() for d in scored.discriminators]})
        atomic_write_json(folder.metrics(k), _jsonable(m))
        update.space.save(folder.params(k))
        keep = k - self.config.replay
        self._embedded = {j: v for j, v in self._embedded.items() if j > keep}
        self._features = {j: v for j, v in self._features.items() if j > keep}

    def _evidence(self, k: int, zs: Sequence[Mapping[str, Any]], frames, window: int):
        """Image features of the renders of iterations ``k - window + 1 .. k`` (all with 0) with their draws,
        and of the real training images, for rules that read images (:mod:`tuner.inverse`)."""
        from .inverse import Evidence, share_width

        if k not in self._evidence_features:
            self._evidence_features[k] = self._image_features(realdata.frames_as_samples(frames))
        first = 1 if window == 0 else max(1, k - window + 1)
        draws: List[Mapping[str, Any]] = []
        for j in range(first, k):
            rec = self.folder.read_draws(j)
            if j not in self._evidence_features:
                self._evidence_features[j] = self._image_features(realdata.rendered_samples(rec["images"], rec["labels"]))
            draws += rec["z"]
        if not hasattr(self, "_real_features"):
            self._real_features = self._image_features(self.real_train_samples)
        feats = np.concatenate([self._evidence_features[j] for j in range(first, k + 1)])
        return Evidence(feats, draws + list(zs), self._real_features, self.config.variables,
                        share_width() if self.real_train_labelled else 0)

    def _image_features(self, samples: Sequence[Sample]) -> np.ndarray:
        """The inverse model's features (with label shares when the real training images have labels)."""
        from .inverse import FEATURE_CLASSES, sample_features

        return sample_features(samples, self.input_size, FEATURE_CLASSES if self.real_train_labelled else None)

    def _render_proportions(self, frames) -> Dict[str, Any]:
        """The renders' paper-7 class proportions and their distances to the real ones (empty without labels)."""
        render_labels = realdata.read_paper7(realdata.frames_as_samples(frames))
        if render_labels is None:
            return {}
        props = M.class_proportions(render_labels, len(PAPER7_NAMES))
        out = {"names": list(PAPER7_NAMES), "render": props.tolist(), **self._proportion_distances(props)}
        return {"class_proportions": out}

    def _replay_weights(self, space: ParameterSpace, j: int) -> np.ndarray:
        """Importance weights q_now(z) / q_j(z) that make iteration ``j``'s renders stand in for draws
        of the current distribution ``space`` (mean about 1; clipped at 20)."""
        zs = self.folder.read_draws(j)["z"]
        old = load_space(self.folder.params(j - 1))
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
            rec = self.folder.read_draws(j)
            out.append(Batch(load_space(self.folder.params(j - 1)), rec["z"], np.asarray(rec["scores"], float),
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
        self.space0 = load_space(c.params) if done < 0 else load_space(self.folder.params(0))
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
        seed = int_seed(self.config.seed, stable_key("eval"))
        seeds = [FrameSeed(seed, tag_index, i) for i in range(count)]
        zs = [space.sample(s.entropy()) for s in seeds]
        with self._bar(total=count, desc=f"render eval {tag}", unit="frame", leave=False) as bar:
            frames = self.backend.render(space, zs, seeds, self.folder.eval_dir(tag), city="eval", progress=bar)
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
            self.space0.save(self.folder.params(0))
            m0 = {"iteration": 0, "params_version": self.space0.version, **self._recovery(self.space0),
                  "variable_means": {v.name: v.distribution.mean() for v in self.space0}}
            atomic_write_json(self.folder.metrics(0), _jsonable(m0))
            done = 0
        else:
            self.folder.require_draws_name(self.space0.names)
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
        write_best(self.folder, self.folder.load_metrics())
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


def tune(config: TuneConfig, resume: bool = False, progress: bool = True) -> Path:
    """Run (or resume) a tuning run; returns the run folder."""
    return Tuner(config, resume=resume, progress=progress).run()

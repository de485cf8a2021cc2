"""Real-versus-rendered discriminator (torch).

The kinds (``small``, ``lite0``, ``layout``, ``stats``) and what each reads are described in
:mod:`tuner.disc_models`; this module trains and checkpoints any of them the same way.

With a validation split (:meth:`Discriminator.fit` ``val=``) training keeps the weights with the
lowest validation loss (early stopping) and fits a Platt scaling ``sigmoid(a * logit + b)`` on the
validation images, so that ``D/(1-D)`` is a usable density-ratio estimate rather than the
over-confident output of a model that has memorised a small real set.

All randomness (initialisation, minibatches, flips) comes from an explicit ``torch.Generator``.
``device="auto"`` picks CUDA (with float16 autocast) when present, otherwise the CPU.
"""
from __future__ import annotations

import copy
import io
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from scenegen.errors import UserError
from scenegen.io import atomic_write_bytes

from .disc_kinds import DEFAULT_INPUT, kind_spec
from .disc_models import DiscKind, init_parameters, kind_model



def resolve_device(name: str = "auto") -> Tuple[str, bool]:
    """``(device, use_amp)`` for ``auto`` / ``cpu`` / ``cuda[:N]``; mixed precision on CUDA only."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UserError(f"--device {name}: CUDA is not available on this machine (use auto or cpu)")
        return name, True
    if name != "cpu":
        raise UserError(f"--device must be auto, cpu or cuda[:N], got {name!r}")
    return "cpu", False


@dataclass(frozen=True)
class DiscConfig:
    """Discriminator architecture and optimiser settings (``backbone`` names the kind)."""

    backbone: str = "small"
    width: int = 16  # small: channels of the first conv block
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 32
    flip: bool = True  # kinds that read images: random horizontal flips
    small_bands: int = 1  # small: feature map pooled over this many horizontal bands (1 = global pooling)
    lite0_bands: int = 3  # lite0: features pooled over this many horizontal bands (1 = global pooling)
    lite0_hidden: int = 256  # lite0: MLP head width
    grid_rows: int = 3  # layout / stats: rows of the statistics grid
    grid_cols: int = 4  # layout / stats: columns of the statistics grid
    layout_hidden: int = 64  # layout: MLP width
    check_every: int = 25  # with a validation split: steps between validation checks
    patience: int = 4  # ... and checks without improvement before training stops
    inputs: str = DEFAULT_INPUT  # rgb | labels | rgb+labels (what each kind accepts: tuner.disc_kinds)
    label_classes: int = 7  # channels of the label input (the paper-7 classes)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", kind_spec(self.backbone).resolve_input(self.inputs))

    @classmethod
    def from_record(cls, record: Dict[str, Any]) -> "DiscConfig":
        """A config from :meth:`Discriminator.state`'s record, also from checkpoints written before the grid
        and band settings had one name each (``bands``, ``layout_cols``, ``hidden``)."""
        d = dict(record)
        if "bands" in d:
            grid = kind_spec(d.get("backbone", "small")).grid
            d["grid_rows" if grid else "lite0_bands"] = d.pop("bands")
        if "layout_cols" in d:
            d["grid_cols"] = d.pop("layout_cols")
        if "hidden" in d:
            d["lite0_hidden"] = d.pop("hidden")
        return cls(**d)

    @property
    def uses_rgb(self) -> bool:
        return self.inputs in ("rgb", "rgb+labels")

    @property
    def uses_labels(self) -> bool:
        return self.inputs in ("labels", "rgb+labels")

    @property
    def channels(self) -> int:
        """Input channels of the prepared images (colour and/or one per label class)."""
        return 3 * self.uses_rgb + self.label_classes * self.uses_labels

    @property
    def grid_features(self) -> int:
        """Features per image of the grid kinds: per cell, each channel's mean and each colour
        channel's standard deviation; with colour and labels, each class's colour mean and sd."""
        per_class = 6 * self.label_classes if self.uses_rgb and self.uses_labels else 0
        return self.grid_rows * self.grid_cols * (self.channels + 3 * self.uses_rgb) + per_class


class Discriminator:
    """A trainable real-vs-rendered classifier with checkpointing.

    Inputs to :meth:`fit` and :meth:`predict` are *embedded* images: :meth:`embed` maps prepared
    images (``tuner.preprocess``) to what the trainable part consumes (identity for ``small``,
    pooled Lite0 features for ``lite0``).
    """

    def __init__(self, config: DiscConfig = DiscConfig(), device: str = "cpu", amp: bool = False,
                 seed: int = 0) -> None:
        self.config = config
        self.device = device
        self.amp = amp and device.startswith("cuda")
        gen = torch.Generator().manual_seed(int(seed))
        self.kind: DiscKind = kind_model(config.backbone)
        self.model: nn.Module = self.kind.build(config)
        init_parameters(self.model, gen)
        self.model.to(device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.steps_done = 0
        self.calibration = (1.0, 0.0)  # Platt scaling (a, b): D = sigmoid(a * logit + b)

    # -- inputs ---------------------------------------------------------------------------------
    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Prepared inputs ``(N, C, H, W)`` -> inputs of the trainable part (kept on the CPU)."""
        return self.kind.embed(self.config, images, self.device, self.amp)

    def _augment(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        if not (self.kind.flips and self.config.flip):
            return x
        flip = torch.rand(x.shape[0], generator=gen) < 0.5
        if flip.any():
            x = x.clone()
            x[flip] = x[flip].flip(-1)
        return x

    # -- training -------------------------------------------------------------------------------
    def fit(self, real: torch.Tensor, fake: torch.Tensor, steps: int, gen: torch.Generator,
            progress: Any = None, fake_weights: Optional[torch.Tensor] = None,
            val: Optional[Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]] = None) -> Dict[str, float]:
        """Up to ``steps`` Adam steps on balanced minibatches (half real, half rendered).

        ``fake_weights``: sampling weights of the rendered examples (e.g. importance weights that make
        renders of earlier iterations stand in for the current distribution); uniform when None.
        ``val = (real_val, fake_val, fake_val_weights)``: every ``check_every`` steps the class-balanced
        validation loss is measured; the weights with the lowest one are kept, training stops after
        ``patience`` checks without improvement, and a Platt scaling is fitted on the validation
        logits (see :meth:`predict`).  Returns the mean training loss and, with ``val``, the best
        validation loss, the step it was reached at and the calibration.
        """
        if real.shape[0] == 0 or fake.shape[0] == 0:
            raise ValueError("the discriminator needs real and rendered examples")
        if self.steps_done == 0:
            self.kind.start_training(self.model, torch.cat([real, fake]))
        fw = None if fake_weights is None else torch.as_tensor(fake_weights, dtype=torch.float64).clamp_min(0)
        if fw is not None and not float(fw.sum()) > 0:
            fw = None
        stopper = None if val is None else _EarlyStopping(self, val)
        losses = []
        for step in range(1, int(steps) + 1):
            losses.append(self._step(real, fake, fw, gen))
            if progress is not None:
                progress.update(1)
            if stopper is not None and (step % max(1, int(self.config.check_every)) == 0 or step == int(steps)):
                if stopper.check(step):
                    break
        if progress is not None and len(losses) < int(steps):
            progress.update(int(steps) - len(losses))
        out = {"loss": float(np.mean(losses)) if losses else float("nan"),
               "loss_last": losses[-1] if losses else float("nan"), "steps": len(losses)}
        if stopper is not None:
            out.update(stopper.finish())
        return out

    def _step(self, real: torch.Tensor, fake: torch.Tensor, fake_weights: Optional[torch.Tensor],
              gen: torch.Generator) -> float:
        """One Adam step on a balanced minibatch; returns its loss."""
        half = max(1, self.config.batch_size // 2)
        self.model.train()
        ri = torch.randint(real.shape[0], (half,), generator=gen)
        if fake_weights is None:
            fi = torch.randint(fake.shape[0], (half,), generator=gen)
        else:
            fi = torch.multinomial(fake_weights, half, replacement=True, generator=gen)
        x = self._augment(torch.cat([real[ri], fake[fi]]), gen).to(self.device)
        y = torch.cat([torch.ones(half), torch.zeros(half)]).to(self.device)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
            logits = self.model(x)
        loss = F.binary_cross_entropy_with_logits(logits.float(), y)
        self.opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.opt)
        self.scaler.update()
        self.steps_done += 1
        return float(loss.detach())

    def validation_loss(self, real_val: torch.Tensor, fake_val: torch.Tensor,
                        fake_val_weights: Optional[torch.Tensor] = None) -> float:
        """Class-balanced binary cross-entropy on validation images (mean over real + mean over rendered)."""
        lr, lf = self.logits(real_val), self.logits(fake_val)
        w = np.ones_like(lf) if fake_val_weights is None else np.asarray(fake_val_weights, dtype=float)
        real_loss = float(np.mean(np.logaddexp(0.0, -lr)))
        fake_loss = float(np.sum(w * np.logaddexp(0.0, lf)) / max(w.sum(), 1e-12))
        return 0.5 * (real_loss + fake_loss)

    @torch.no_grad()
    def logits(self, x: torch.Tensor, batch_size: int = 64) -> np.ndarray:
        """Raw (uncalibrated) logits of (embedded) images."""
        self.model.eval()
        out = []
        for i in range(0, x.shape[0], batch_size):
            xb = x[i:i + batch_size].to(self.device)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
                out.append(self.model(xb).float().cpu().numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros(0)

    def predict(self, x: torch.Tensor, batch_size: int = 64) -> np.ndarray:
        """Probability that each (embedded) image is real: ``sigmoid(a * logit + b)`` with the Platt
        scaling of the last validated :meth:`fit` (a = 1, b = 0 without one)."""
        a, b = self.calibration
        z = a * self.logits(x, batch_size) + b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))

    # -- checkpoints ----------------------------------------------------------------------------
    def state(self) -> Dict[str, Any]:
        """Everything needed to continue training exactly: config, weights, optimiser, scaler."""
        return {"config": asdict(self.config), "model": self.model.state_dict(),
                "opt": self.opt.state_dict(), "scaler": self.scaler.state_dict(),
                "steps_done": self.steps_done, "calibration": list(self.calibration)}

    def load_state(self, state: Dict[str, Any]) -> None:
        """Restore from :meth:`state` (the config must match)."""
        if DiscConfig.from_record(state["config"]) != self.config:
            raise UserError(f"discriminator checkpoint config {state['config']} differs from {asdict(self.config)}")
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.steps_done = int(state.get("steps_done", 0))
        self.calibration = tuple(float(c) for c in state.get("calibration", (1.0, 0.0)))

    def save(self, path: str | Path) -> None:
        save_checkpoint(path, {"discriminators": [self.state()]})

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu", amp: bool = False) -> "Discriminator":
        ck = load_checkpoint(path)
        st = ck["discriminators"][0]
        d = cls(DiscConfig.from_record(st["config"]), device=device, amp=amp)
        d.load_state(st)
        return d


class _EarlyStopping:
    """Validation checks during :meth:`Discriminator.fit`: keeps the weights with the lowest validation loss,
    says when ``patience`` checks passed without improvement, and at the end restores the best weights and
    fits the Platt scaling on the validation images."""

    def __init__(self, disc: "Discriminator", val: Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]) -> None:
        self.disc, self.val = disc, val
        self.best = (disc.validation_loss(*val), 0, copy.deepcopy(disc.model.state_dict()))
        self.checks_without_gain = 0

    def check(self, step: int) -> bool:
        """Measure the validation loss after ``step``; True when training should stop."""
        v = self.disc.validation_loss(*self.val)
        if v < self.best[0] - 1e-4:
            self.best = (v, step, copy.deepcopy(self.disc.model.state_dict()))
            self.checks_without_gain = 0
            return False
        self.checks_without_gain += 1
        return self.checks_without_gain >= self.disc.config.patience

    def finish(self) -> Dict[str, Any]:
        """Restore the best weights, calibrate; the validation figures for :meth:`Discriminator.fit`."""
        disc, (real_val, fake_val, weights) = self.disc, self.val
        disc.model.load_state_dict(self.best[2])
        disc.calibration = platt_scaling(disc.logits(real_val), disc.logits(fake_val),
                                         None if weights is None else np.asarray(weights, dtype=float))
        return {"val_loss": self.best[0], "best_step": self.best[1],
                "calibration": [float(c) for c in disc.calibration]}


def platt_scaling(real_logits: np.ndarray, fake_logits: np.ndarray, fake_weights: Optional[np.ndarray] = None,
                  a_range: Tuple[float, float] = (0.02, 3.0)) -> Tuple[float, float]:
    """``(a, b)`` minimising the class-balanced cross-entropy of ``sigmoid(a * logit + b)``.

    Balanced (each class weighs one half), so ``b`` refers to equal class priors and ``a`` shrinks
    the logits of an over-confident model toward a calibrated log density ratio.  ``a`` is kept in
    ``a_range``; with fewer than 2 images on either side the identity (1, 0) is returned.
    """
    from scipy import optimize

    r = np.asarray(real_logits, dtype=float)
    f = np.asarray(fake_logits, dtype=float)
    if r.size < 2 or f.size < 2:
        return 1.0, 0.0
    w = np.ones_like(f) if fake_weights is None else np.asarray(fake_weights, dtype=float)
    w = w / max(w.sum(), 1e-12)

    def loss(p: np.ndarray) -> Tuple[float, np.ndarray]:
        a, b = p
        zr, zf = a * r + b, a * f + b
        lr, lf = np.logaddexp(0.0, -zr), np.logaddexp(0.0, zf)
        sr, sf = -1.0 / (1.0 + np.exp(np.clip(zr, -60, 60))), 1.0 / (1.0 + np.exp(-np.clip(zf, -60, 60)))
        val = 0.5 * lr.mean() + 0.5 * np.sum(w * lf)
        grad = np.array([0.5 * np.mean(sr * r) + 0.5 * np.sum(w * sf * f), 0.5 * np.mean(sr) + 0.5 * np.sum(w * sf)])
        return float(val), grad

    res = optimize.minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B",
                            bounds=[a_range, (-50.0, 50.0)])
    return float(res.x[0]), float(res.x[1])


def save_checkpoint(path: str | Path, payload: Dict[str, Any]) -> None:
    """``torch.save`` a payload atomically."""
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | Path) -> Dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` (tensors onto the CPU)."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: discriminator checkpoint not found")
    try:
        return torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # corrupt / foreign file; torch's own advice (unsafe loading) is not relayed
        raise UserError(f"{p}: not a readable discriminator checkpoint ({type(e).__name__}; "
                        "corrupt, truncated or not written by scenegen)") from None

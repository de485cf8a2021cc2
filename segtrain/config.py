"""The settings of one training run, with every default written once, and the rule for "same settings".

``TrainConfig`` and ``AugmentConfig`` are the single source of the training defaults: the command line
(``segtrain.cli``) and the experiment files (``segtrain.runs``) leave out what the user did not give and
show these defaults in their help.  ``require_same_run`` is the one check that a stored run (a checkpoint
``train-seg --resume`` continues, or a finished run an experiment reuses) was trained with the settings
asked for now.  Nothing heavy is imported here, so the CLI parser can read the defaults cheaply.
"""
from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

from scenegen.errors import UserError
from scenegen.settings import require_same_settings
from segtrain.archs import DEFAULT_ARCH

DEFAULT_LR = {"adamw": 1e-3, "sgd": 1e-2}  # learning rate by optimiser when ``lr`` is not given
DEFAULT_DEVICE = "auto"  # CUDA when present, else CPU
DEFAULT_JOBS = 1  # experiment training runs side by side
DEFAULT_CROP = (512, 512)  # the training crop (w, h) when neither ``crop`` nor ``size`` is given
HUE_PER_JITTER = 0.08  # the hue jitter of one unit of colour-jitter strength
_JITTER = 0.25  # default colour-jitter strength (brightness, contrast, saturation)


@dataclass(frozen=True)
class AugmentConfig:
    """Standard segmentation augmentation: random scale, crop, horizontal flip, colour jitter."""

    scale_min: float = 0.5
    scale_max: float = 2.0
    flip: bool = True
    brightness: float = _JITTER
    contrast: float = _JITTER
    saturation: float = _JITTER
    hue: float = _JITTER * HUE_PER_JITTER

    @classmethod
    def jittered(cls, strength: float, **kw: Any) -> "AugmentConfig":
        """Colour jitter of one ``strength``: brightness, contrast, saturation by up to ±strength, hue by
        ±``HUE_PER_JITTER``·strength (at most 0.5); ``kw`` sets the other fields."""
        return cls(brightness=strength, contrast=strength, saturation=strength,
                   hue=min(strength * HUE_PER_JITTER, 0.5), **kw)

    def validate(self) -> None:
        """UserError on an empty scale range or a negative jitter."""
        if not 0 < self.scale_min <= self.scale_max:
            raise UserError(f"scale range {self.scale_min}..{self.scale_max} must satisfy 0 < min <= max")
        for name in ("brightness", "contrast", "saturation", "hue"):
            if getattr(self, name) < 0:
                raise UserError(f"colour jitter {name} must be >= 0")


@dataclass
class TrainConfig:
    """Everything one training run depends on (the CLI fills it from its flags)."""

    out: Path
    train: List[str] = field(default_factory=list)
    real: str | None = None
    real_fraction: float = 1.0
    real_count: int | None = None  # take this many real images instead of a fraction
    real_batch_share: float | None = None  # share of each batch drawn from the real images; None = uniform
    init: str | None = None  # a segtrain checkpoint whose weights start this run (fine-tuning)
    val: str | None = None
    classes: str = "paper7"
    arch: str = DEFAULT_ARCH
    pretrained: bool = True
    output_stride: int | None = None  # lite0 only: 32 (default) or 16
    steps: int = 600
    batch_size: int = 8
    size: Tuple[int, int] | None = None  # (w, h) every image is resized to first; None = native
    crop: Tuple[int, int] | None = None  # (w, h) training crop; None = size, else DEFAULT_CROP
    optimizer: str = "adamw"
    lr: float | None = None  # None: DEFAULT_LR of the optimizer
    head_lr_mult: float = 10.0
    momentum: float = 0.9
    weight_decay: float = 1e-4
    poly_power: float = 0.9
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    seed: int = 0
    device: str = DEFAULT_DEVICE
    amp: bool | None = None  # None: on for CUDA
    workers: int = 0
    threads: int | None = None  # torch CPU threads; None = torch's default
    cache: bool = True
    ckpt_every: int = 200
    keep_checkpoint: bool = False  # keep checkpoint.pt (optimizer state) after the run finished
    resume: bool = False
    progress: bool = True

    def record(self) -> Dict:
        """The settings as plain JSON values (stored in checkpoints and ``train.json``)."""
        d = asdict(self)
        d["out"] = str(self.out)
        d["size"] = list(self.size) if self.size else None
        d["crop"] = list(self.crop) if self.crop else None
        return d


def field_default(cls: type, name: str) -> Any:
    """The default of dataclass ``cls``'s field ``name`` (a fresh one for a default factory)."""
    f = next(f for f in fields(cls) if f.name == name)
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    raise KeyError(f"{cls.__name__}.{name} has no default")


# Settings that do not change what a run computes: a run may be resumed or reused with other values.
NOT_COMPARED = frozenset({"out", "resume", "progress", "device", "workers", "threads", "cache", "ckpt_every",
                          "keep_checkpoint"})
# Settings added to TrainConfig after runs were recorded: a record without one ran with its default.
ADDED_LATER: Dict[str, Any] = {name: field_default(TrainConfig, name) for name in ("init", "real_batch_share",
                                                                                  "real_count")}


def require_same_run(where: str | Path, stored: Mapping[str, Any], cfg: TrainConfig, action: str) -> None:
    """UserError naming ``where`` and the first differing setting unless the run recorded in ``stored``
    (a ``TrainConfig.record()``) computes what the resolved ``cfg`` asks for now."""
    require_same_settings(where, stored, cfg.record(), action, ignore=NOT_COMPARED, added_later=ADDED_LATER)

"""The settings of a tuning run (:class:`TuneConfig`): every default written once, here.

Torch-free, so the command line can build its help and merge recipes without loading the models.
Recipes (``configs/recipes/*.yaml``, :mod:`tuner.recipes`) and flags override these defaults.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, Mapping, Optional, Tuple

from scenegen.errors import UserError
from render_jobs.defaults import EXECUTORS
from scenegen.limits import MAX_ITERATIONS, MAX_SAMPLES, MAX_STEPS, MAX_TUNE_BATCH

#: Settings renamed since runs and recipes were written: old name -> name now.
RENAMED = {"layout_grid": "disc_grid"}


@dataclass(frozen=True)
class TuneConfig:
    """Everything that defines a tuning run (stored in ``run.json``)."""

    real: str
    out: str
    params: Optional[str] = None
    iterations: int = 8
    batch: int = 64
    resolution: Tuple[int, int] = (256, 128)
    method: str = "rejection"
    method_options: Mapping[str, Any] = field(default_factory=dict)
    variables: Optional[Tuple[str, ...]] = None
    seed: int = 0
    device: str = "auto"
    backend: str = "blender"
    samples: int = 16
    workers: int = 1
    folds: int = 2
    disc_backbone: str = "small"
    disc_steps: int = 150
    disc_lr: float = 1e-3
    disc_width: int = 16
    disc_batch: int = 32
    disc_val: float = 0.0
    disc_bands: int = 1
    disc_input: str = "rgb"
    disc_grid: Tuple[int, int] = (3, 4)  # layout / stats discriminators: grid rows x columns of their statistics
    input_size: Optional[Tuple[int, int]] = None
    replay: int = 2
    replay_weights: bool = False
    real_count: int = 256
    holdout: float = 0.25
    real_val: Optional[str] = None
    kid: bool = True
    threads: int = 0
    executor: str = "local"  # render with local worker processes or Ray tasks (render_jobs executors)
    ray_address: Optional[str] = None  # a Ray cluster to join (None: a private local Ray instance)
    catalog: Optional[str] = None  # a CAD catalog YAML (render backend blender)
    cad_share: float = 0.5

    recipe: Optional[str] = None  # the recipe the settings started from (a record; the settings are what count)

    # Settings that may change between a run and its resumption (they do not change the math).
    NON_SEMANTIC = ("iterations", "device", "workers", "threads", "executor", "ray_address", "out", "recipe")

    def validate(self) -> None:
        """Raise UserError for out-of-range settings (the rule and discriminator checks, which load torch,
        last)."""
        from .backends import BACKENDS

        for flag, value, most in (("--iterations", self.iterations, MAX_ITERATIONS), ("--batch", self.batch, MAX_TUNE_BATCH),
                                  ("--disc-steps", self.disc_steps, MAX_STEPS), ("--real-count", self.real_count,
                                  MAX_TUNE_BATCH), ("--samples", self.samples, MAX_SAMPLES),
                                  ("--replay", self.replay, MAX_ITERATIONS), ("--folds", self.folds, 100)):
            if value > most:
                raise UserError(f"{flag} must be at most {most}, got {value}")
        if self.iterations < 1:
            raise UserError(f"--iterations must be at least 1, got {self.iterations}")
        if self.executor not in EXECUTORS:
            raise UserError(f"--executor must be one of {list(EXECUTORS)}, got {self.executor!r}")
        if self.ray_address and self.executor != "ray":
            raise UserError("--ray-address needs --executor ray")
        if self.batch < 2 * self.folds:
            raise UserError(f"--batch must be at least {2 * self.folds} (two draws per fold), got {self.batch}")
        if self.folds < 2:
            raise UserError(f"--folds must be at least 2, got {self.folds}")
        if self.backend not in BACKENDS:
            raise UserError(f"--backend must be one of {list(BACKENDS)}, got {self.backend!r}")
        if not (math.isfinite(self.disc_lr) and 0 < self.disc_lr <= 10):
            raise UserError(f"--disc-lr must be a number in (0, 10], got {self.disc_lr}")
        if self.disc_steps < 1:
            raise UserError(f"--disc-steps must be at least 1, got {self.disc_steps}")
        if not 0.0 <= self.disc_val < 0.5:
            raise UserError(f"--disc-val must be in [0, 0.5), got {self.disc_val}")
        if self.disc_bands < 1:
            raise UserError(f"--disc-bands must be at least 1, got {self.disc_bands}")
        if len(self.disc_grid) != 2 or not all(1 <= n <= 16 for n in self.disc_grid):
            raise UserError("--disc-grid: rows and columns must be 1..16, got "
                            + "x".join(str(n) for n in self.disc_grid))
        if not 0.0 < self.holdout < 1.0:
            raise UserError(f"--holdout must be between 0 and 1, got {self.holdout}")
        if self.real_count < 0 or self.replay < 0 or self.seed < 0:
            raise UserError("--real-count, --replay and --seed must not be negative")
        from .rule_help import RULE_OPTIONS

        unknown = sorted(set(self.method_options) - set(RULE_OPTIONS.get(self.method, self.method_options)))
        if unknown:  # the same check get_rule makes, before torch loads
            raise UserError(f"update method {self.method!r}: unknown option(s) {unknown}; "
                            f"allowed: {list(RULE_OPTIONS[self.method])}")

        from .discriminator import DiscConfig
        from .updates import RULES, get_rule

        if self.method not in RULES:
            raise UserError(f"--method must be one of {sorted(RULES)}, got {self.method!r}")
        get_rule(self.method, **dict(self.method_options))  # unknown options -> UserError
        DiscConfig(backbone=self.disc_backbone, inputs=self.disc_input)

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d["method_options"] = dict(self.method_options)
        d["resolution"] = list(self.resolution)
        d["input_size"] = list(self.input_size) if self.input_size else None
        d["variables"] = list(self.variables) if self.variables else None
        d["disc_grid"] = list(self.disc_grid)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TuneConfig":
        names = {f.name for f in fields(cls)}
        d = {RENAMED.get(k, k): v for k, v in d.items()}
        d = {k: v for k, v in d.items() if k in names}
        d["resolution"] = tuple(d["resolution"])
        if d.get("input_size"):
            d["input_size"] = tuple(d["input_size"])
        if d.get("variables"):
            d["variables"] = tuple(d["variables"])
        if d.get("disc_grid"):
            d["disc_grid"] = tuple(d["disc_grid"])
        return cls(**d)

    def semantic_key(self) -> Dict[str, Any]:
        return {k: v for k, v in self.to_dict().items() if k not in self.NON_SEMANTIC}

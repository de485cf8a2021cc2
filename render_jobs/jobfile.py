"""Job files: one YAML mapping that says what to render, where, and how to run it; validated strictly.

Relative ``params`` and ``out`` paths are taken from the job file's folder.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple


from scenegen.cad import DEFAULT_CAD_SHARE, CadOptions, check_share, load_cad
from scenegen.errors import UserError
from scenegen.ground_truth import parse_outputs
from scenegen.layout import valid_city_name
from scenegen.limits import MAX_FPS, MAX_FRAMES, MAX_RETRIES, MAX_SEQUENCE_LENGTH, MAX_WORKERS
from scenegen.mixture import MixtureSpace, load_params
from scenegen.params import ParameterSpace
from scenegen.render_settings import DEFAULT_RESOLUTION, DEFAULT_SAMPLES, DEVICES, RenderSettings, parse_resolution
from scenegen.yamlfile import read_yaml

from .defaults import DEFAULT_FPS, DEFAULT_FRAMES_PER_WORKER, DEFAULT_RETRIES, EXECUTORS
from .engine import ExecOptions
from .frames import FrameRequest, plan_frames, plan_sequences

MAX_SEED = 2**32


@dataclass(frozen=True)
class JobSpec:
    """A validated render job (from a job file or the ``render`` flags)."""

    out: Path
    frames: int
    seed: int = 0
    params: Optional[Path] = None  # None: the built-in parameter space
    catalog: Optional[Path] = None  # a CAD catalog YAML (assets.catalog); None: procedural assets only
    cad_share: Optional[float] = None  # share of objects of the catalog's classes drawn from it (default 0.5)
    variables: Optional[Tuple[Mapping[str, Any], ...]] = None  # explicit z per frame
    resolution: Tuple[int, int] = DEFAULT_RESOLUTION
    samples: int = DEFAULT_SAMPLES
    denoise: bool = True
    device: str = "auto"
    threads: int = 0
    split: str = "train"
    city: str = "scenegen"
    frames_per_worker: int = DEFAULT_FRAMES_PER_WORKER
    workers: Optional[int] = None
    executor: str = "local"
    ray_address: Optional[str] = None
    retries: int = DEFAULT_RETRIES
    sheet: bool = True
    outputs: Tuple[str, ...] = ()  # extra ground truth (scenegen.ground_truth.OUTPUT_KINDS)
    sequence_length: int = 1  # > 1: frames come in sequences of this length (scenegen.sequence)
    fps: float = DEFAULT_FPS
    source: str = "<flags>"

    def __post_init__(self) -> None:
        if self.sequence_length > 1 and self.frames % self.sequence_length:
            raise UserError(f"{self._where('frames')}: {self.frames} frames do not make whole sequences of "
                            f"{self.sequence_length}")
        if self.sequence_length > 1 and self.variables is not None:
            raise UserError(f"{self._where('variables')}: explicit variables per frame do not combine with sequences")

    def load_space(self) -> ParameterSpace | MixtureSpace:
        """The parameter space or mixture; explicit variables are checked against it (ParamsError names the
        frame)."""
        space = load_params(self.params)
        for i, z in enumerate(self.variables or ()):
            space.validate_values(z, where=f"{self.source}: variables[{i}]")
        return space

    def load_cad(self) -> Optional[CadOptions]:
        """The validated CAD catalog of the job (None without one); UserError names the flag or job-file key."""
        if self.catalog is None:
            if self.cad_share is not None:
                raise UserError(self._where("cad_share") + " needs a CAD catalog (" + self._where("catalog") + ")")
            return None
        share = DEFAULT_CAD_SHARE if self.cad_share is None else self.cad_share
        return load_cad(self.catalog, share, where=self._where("catalog"), share_where=self._where("cad_share"))

    def _where(self, key: str) -> str:
        if self.source == "<flags>":
            return "--" + key.replace("_", "-")
        return f"{self.source}: {key}"

    def settings(self) -> RenderSettings:
        w, h = self.resolution
        return RenderSettings(width=w, height=h, samples=self.samples, denoise=self.denoise, device=self.device,
                              threads=self.threads)

    def requests(self) -> List[FrameRequest]:
        if self.sequence_length > 1:
            return plan_sequences(self.seed, self.frames // self.sequence_length, self.sequence_length, self.fps)
        return plan_frames(self.seed, self.frames, variables=self.variables)

    def sequence_key(self) -> Optional[Dict[str, Any]]:
        """The sequence settings that are part of the run key (None for single frames)."""
        return {"length": self.sequence_length, "fps": self.fps} if self.sequence_length > 1 else None

    def options(self, progress: Any = True) -> ExecOptions:
        return ExecOptions(executor=self.executor, workers=self.workers, ray_address=self.ray_address,
                           frames_per_worker=self.frames_per_worker, retries=self.retries, progress=progress)

    def variables_hash(self) -> Optional[str]:
        """Content hash of the explicit variables (part of the run key), None when drawn from the space."""
        if self.variables is None:
            return None
        blob = json.dumps([dict(z) for z in self.variables], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _int(lo: int, hi: Optional[int] = None) -> Callable[[str, Any], int]:
    def check(where: str, v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise UserError(f"{where} must be an integer, got {v!r}")
        if v < lo:
            raise UserError(f"{where} must be at least {lo}, got {v}")
        if hi is not None and v >= hi:
            raise UserError(f"{where} must be at most {hi - 1}, got {v}")
        return v
    return check


def _bool(where: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise UserError(f"{where} must be true or false, got {v!r}")
    return v


def _text(where: str, v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise UserError(f"{where} must be a non-empty string, got {v!r}")
    return v


def _choice(options: Tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(where: str, v: Any) -> str:
        if v not in options:
            raise UserError(f"{where} must be one of {list(options)}, got {v!r}")
        return v
    return check


def _name(where: str, v: Any) -> str:
    if not isinstance(v, str) or not valid_city_name(v):
        raise UserError(f"{where} may hold only letters, digits and '-', got {v!r}")
    return v


def _resolution(where: str, v: Any) -> Tuple[int, int]:
    if not isinstance(v, str):
        raise UserError(f"{where} must be a string WIDTHxHEIGHT such as 512x256, got {v!r}")
    try:
        return parse_resolution(v)
    except UserError as e:
        raise UserError(f"{where}: {str(e).split(': ', 1)[-1]}") from None


def _fps(where: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= MAX_FPS:
        raise UserError(f"{where} must be a number in (0, {MAX_FPS:g}], got {v!r}")
    return float(v)


def _share(where: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise UserError(f"{where} must be a number in [0, 1], got {v!r}")
    return check_share(v, where)


def _variables(where: str, v: Any) -> Tuple[Mapping[str, Any], ...]:
    if not isinstance(v, list) or not v:
        raise UserError(f"{where} must be a non-empty list of mappings (one per frame), got {type(v).__name__}")
    for i, z in enumerate(v):
        if not isinstance(z, dict) or not all(isinstance(k, str) for k in z):
            raise UserError(f"{where}[{i}] must be a mapping of variable name -> value")
        for name, value in z.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise UserError(f"{where}[{i}].{name} must be a number, got {value!r}")
    return tuple(dict(z) for z in v)


_OPTIONAL_NONE = ("workers", "ray_address", "params", "catalog")

_FIELDS: Dict[str, Callable[[str, Any], Any]] = {
    "params": _text,
    "catalog": _text,
    "cad_share": _share,
    "variables": _variables,
    "frames": _int(1, MAX_FRAMES + 1),
    "seed": _int(0, MAX_SEED),
    "resolution": _resolution,
    "samples": _int(1, 65537),
    "denoise": _bool,
    "device": _choice(DEVICES),
    "threads": _int(0, MAX_WORKERS + 1),
    "out": _text,
    "split": _name,
    "city": _name,
    "frames_per_worker": _int(1, MAX_FRAMES + 1),
    "workers": _int(1, MAX_WORKERS + 1),
    "executor": _choice(EXECUTORS),
    "ray_address": _text,
    "retries": _int(0, MAX_RETRIES + 1),
    "sheet": _bool,
    "outputs": lambda where, v: parse_outputs(v, where),
    "sequence_length": _int(1, MAX_SEQUENCE_LENGTH + 1),
    "fps": _fps,
}


def parse_job(data: Any, source: str, base: Path) -> JobSpec:
    """Validate a job mapping; UserError (one line, naming the file and key) for any problem."""
    if not isinstance(data, dict):
        raise UserError(f"{source}: a job file must be a YAML mapping of settings")
    unknown = sorted(str(k) for k in data if k not in _FIELDS)
    if unknown:
        raise UserError(f"{source}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_FIELDS))}")
    values: Dict[str, Any] = {}
    for key, check in _FIELDS.items():
        if key not in data:
            continue
        if data[key] is None and key in _OPTIONAL_NONE:
            continue
        values[key] = check(f"{source}: {key}", data[key])
    if "out" not in values:
        raise UserError(f"{source}: missing key 'out' (the output folder)")
    variables = values.get("variables")
    if "frames" not in values and variables is None:
        raise UserError(f"{source}: give 'frames' (how many to render) or 'variables' (one mapping per frame)")
    if variables is not None:
        frames = values.setdefault("frames", len(variables))
        if frames != len(variables):
            raise UserError(f"{source}: frames is {frames} but variables lists {len(variables)} frames")
    if values.get("ray_address") and values.get("executor", "local") != "ray":
        raise UserError(f"{source}: ray_address needs executor: ray")
    values["out"] = base / values["out"]
    for key in ("params", "catalog"):
        if key in values:
            values[key] = base / values[key]
            if not values[key].is_file():
                raise UserError(f"{source}: {key} file {values[key]} not found")
    if "cad_share" in values and "catalog" not in values:
        raise UserError(f"{source}: cad_share needs a CAD catalog (catalog: FILE)")
    return JobSpec(source=source, **values)


def load_job(path: str | Path) -> JobSpec:
    """Read and validate a job file."""
    p = Path(path)
    data = read_yaml(p, "job file")
    return parse_job(data, str(p), p.parent)


def with_overrides(job: JobSpec, **changes: Any) -> JobSpec:
    """``job`` with the given (not None) fields replaced."""
    return replace(job, **{k: v for k, v in changes.items() if v is not None})

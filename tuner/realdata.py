"""The real side of tuning: a dataset spec, or ``params:FILE`` (a hidden target distribution).

Dataset specs (``[KIND:]PATH[#SPLIT]``: cityscapes, camvid, our own output) are read by
:mod:`scenegen.datasets`; this module only adds the ``params:`` form and picks a reproducible
subset.  Images of both domains are decoded by ``scenegen.datasets.read_image``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np

from scenegen import datasets
from scenegen.datasets import Sample
from scenegen.errors import DatasetError, UserError
from scenegen.labels import class_mapping
from scenegen.params import ParameterSpace, load_space

PARAMS_PREFIX = "params:"
#: the fewest real images a tune takes: with a separate evaluation set (--real-val), and without one (a share
#: of the real images is then held out for the metrics)
MIN_REAL_WITH_VAL, MIN_REAL_HELD_OUT = 2, 4


def min_real_images(has_val: bool) -> int:
    """The fewest real images a tune takes, with or without a separate evaluation set."""
    return MIN_REAL_WITH_VAL if has_val else MIN_REAL_HELD_OUT


@dataclass(frozen=True)
class RealSpec:
    """Where the real images come from: a dataset, or renders of a target parameter file."""

    text: str
    kind: str  # "dataset" | "params"
    params_path: Path | None = None
    dataset: datasets.DatasetSpec | None = None


def parse_real_spec(text: str) -> RealSpec:
    """Parse ``params:FILE`` or a dataset spec; bad input raises UserError naming the path."""
    if text.startswith(PARAMS_PREFIX):
        p = Path(text[len(PARAMS_PREFIX):]).expanduser()
        load_space(p)  # validates: missing/malformed file -> ParamsError (exit 2)
        return RealSpec(text, "params", params_path=p)
    return RealSpec(text, "dataset", dataset=datasets.parse_dataset_spec(text))


def target_space(spec: RealSpec) -> ParameterSpace | None:
    """The hidden target distribution of a ``params:`` spec (None for datasets)."""
    return load_space(spec.params_path) if spec.kind == "params" else None


def list_real(spec: RealSpec, limit: int, rng: np.random.Generator) -> List[Sample]:
    """Samples of a dataset spec; at most ``limit`` (0 = all), a seeded random subset in path order."""
    if spec.kind != "dataset":
        raise ValueError("list_real is for dataset specs; params: targets are rendered")
    return seeded_subset(datasets.list_samples(spec.dataset), limit, rng)


def seeded_subset(samples: Sequence[Sample], limit: int, rng: np.random.Generator) -> List[Sample]:
    """At most ``limit`` of ``samples`` (0 = all): a seeded random subset, kept in order."""
    if limit and len(samples) > limit:
        keep = np.sort(rng.choice(len(samples), limit, replace=False))
        return [samples[i] for i in keep]
    return list(samples)


def check_against_space(target: ParameterSpace, space: ParameterSpace) -> None:
    """A params target must describe the tuned space's variables (same names, supports, types)."""
    for var in target:
        try:
            mine = space[var.name]
        except UserError:
            raise UserError(f"{target.source}: variable {var.name!r} is not in the tuned parameter space "
                            f"{space.source or space.name}") from None
        if tuple(mine.support) != tuple(var.support) or mine.dtype != var.dtype:
            raise UserError(f"{target.source}: variable {var.name!r} has support {list(var.support)} "
                            f"({var.dtype}) but the tuned space has {list(mine.support)} ({mine.dtype})")


def read_images(samples: Sequence[Sample]) -> List[np.ndarray]:
    """Decode each sample's image (HxWx3 uint8 RGB)."""
    return [datasets.read_image(s.image) for s in samples]


def read_classes(samples: Sequence[Sample], class_set: str) -> List[np.ndarray] | None:
    """Label images of the samples in ``class_set`` (paper7, camvid11), or None when any sample has no labels."""
    if not samples or any(s.labels is None or s.label_format == "none" for s in samples):
        return None
    mapping = class_mapping(class_set)
    return [datasets.read_labels(s, mapping) for s in samples]


def read_paper7(samples: Sequence[Sample]) -> List[np.ndarray] | None:
    """Paper-7 label images of the samples, or None when any sample has no labels."""
    return read_classes(samples, "paper7")


def rendered_samples(images: Sequence[str | Path], labels: Sequence[str | Path | None]) -> List[Sample]:
    """Rendered image and label paths as dataset Samples with Cityscapes ids (no labels where a file is missing)."""
    out = []
    for img, lab in zip(images, labels):
        has = lab is not None and Path(lab).is_file()
        out.append(Sample(Path(img), Path(lab) if has else None, "cityscapes_ids" if has else "none"))
    return out


def frames_as_samples(frames) -> List[Sample]:
    """Rendered frames (tuner.backends.RenderedFrame) as dataset Samples with Cityscapes ids."""
    return rendered_samples([f.image for f in frames], [f.labels for f in frames])


def describe_samples(samples: Sequence[Sample], n: int = 8) -> List[Tuple[str, str | None]]:
    """A few (image, labels) paths for the report, spread over the set (neighbours in video
    sequences look alike)."""
    if not samples:
        return []
    idx = sorted(set(np.linspace(0, len(samples) - 1, min(n, len(samples))).round().astype(int).tolist()))
    return [(str(samples[i].image), str(samples[i].labels) if samples[i].labels else None) for i in idx]


__all__ = ["RealSpec", "parse_real_spec", "target_space", "list_real", "check_against_space",
           "read_images", "read_classes", "read_paper7", "rendered_samples", "frames_as_samples", "describe_samples",
           "DatasetError"]

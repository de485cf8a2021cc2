"""Render backends for the tuning loop: draws z in, image (+ label) files out.

``blender`` renders through ``render_jobs`` (Cycles, real labels); ``toy`` through the numpy
stand-in of :mod:`tuner.toyrender` (seconds, for tests and quick checks).  Both write the
Cityscapes layout (``leftImg8bit`` image, ``gtFine`` labelIds) under ``out_root`` and skip frames
whose files already exist, so an interrupted iteration re-renders only what is missing.  The tuner
then reads every image back from disk with the same decoder it uses for the real data.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from scenegen.errors import UserError
from scenegen.io import atomic_write_png
from scenegen.layout import FrameId
from scenegen.params import ParameterSpace
from scenegen.seeding import FrameSeed

BACKENDS = ("blender", "toy")


@dataclass(frozen=True)
class RenderedFrame:
    """Files of one rendered frame and the scene variables it was rendered from."""

    image: Path
    labels: Path | None
    z: Mapping[str, Any]


def frame_id(root: Path, split: str, city: str, seed: FrameSeed) -> FrameId:
    """Layout position of a frame: sequence = iteration, frame = frame index."""
    return FrameId(Path(root), split, city, seed.iteration, seed.frame_index)


class ToyBackend:
    """Numpy stand-in renderer (see :mod:`tuner.toyrender`)."""

    name = "toy"

    def __init__(self, resolution: Tuple[int, int], **_: Any) -> None:
        self.width, self.height = resolution

    def render(self, space: ParameterSpace, zs: Sequence[Mapping[str, Any]], seeds: Sequence[FrameSeed],
               out_root: Path, split: str = "train", city: str = "tune", progress: Any = None
               ) -> List[RenderedFrame]:
        from .toyrender import toy_render

        out = []
        for z, seed in zip(zs, seeds):
            fid = frame_id(out_root, split, city, seed)
            img_p, lab_p = fid.path("image"), fid.path("label_ids")
            if not (img_p.is_file() and lab_p.is_file()):
                rgb, lab = toy_render(z, seed.stream("toy"), self.width, self.height)
                atomic_write_png(lab_p, lab)
                atomic_write_png(img_p, rgb)
            out.append(RenderedFrame(img_p, lab_p, dict(z)))
            if progress is not None:
                progress.update(1)
        return out

    def close(self) -> None:
        pass


class BlenderBackend:
    """Renders through ``render_jobs`` with explicit z per frame (Cycles; exact labels)."""

    name = "blender"

    def __init__(self, resolution: Tuple[int, int], samples: int = 16, workers: int = 1,
                 device: str = "auto", threads: int = 0, cad: Any = None, executor: str = "local",
                 ray_address: str | None = None, **_: Any) -> None:
        from scenegen.render_settings import RenderSettings

        self.settings = RenderSettings(width=resolution[0], height=resolution[1], samples=samples, device=device,
                                       threads=int(threads or 0))
        self.workers = workers
        self.cad = cad  # scenegen.cad.CadOptions or None
        self.executor = {"executor": executor, "ray_address": ray_address}  # render_jobs executor options

    def render(self, space: ParameterSpace, zs: Sequence[Mapping[str, Any]], seeds: Sequence[FrameSeed],
               out_root: Path, split: str = "train", city: str = "tune", progress: Any = None
               ) -> List[RenderedFrame]:
        import render_jobs
        from render_jobs.frames import FrameRequest

        requests = [FrameRequest(seed, dict(z)) for z, seed in zip(zs, seeds)]
        fids = [frame_id(out_root, split, city, s) for s in seeds]
        todo = [r for r, f in zip(requests, fids) if not f.is_complete()]
        if progress is not None:
            progress.update(len(fids) - len(todo))
        if todo:
            render_jobs.render_frames(todo, out_root, self.settings, space=space, split=split, city=city,
                                      workers=self.workers, progress=progress if progress is not None else False,
                                      **self.executor, **({"cad": self.cad} if self.cad is not None else {}))
        missing = [str(f.path("image")) for f in fids if not f.is_complete()]
        if missing:
            raise RuntimeError(f"{len(missing)} frame(s) failed to render, e.g. {missing[0]}")
        return [RenderedFrame(f.path("image"), f.path("label_ids"), dict(z)) for f, z in zip(fids, zs)]

    def close(self) -> None:
        pass


def make_backend(name: str, resolution: Tuple[int, int], **options: Any):
    """Build the render backend ``name`` (``blender`` or ``toy``)."""
    if name == "toy":
        return ToyBackend(resolution, **options)
    if name == "blender":
        return BlenderBackend(resolution, **options)
    raise UserError(f"unknown render backend {name!r}; choose from {list(BACKENDS)}")


def describe(frames: Sequence[RenderedFrame]) -> List[Dict[str, Any]]:
    """JSON-able records of rendered frames."""
    return [{"image": str(f.image), "labels": str(f.labels) if f.labels else None} for f in frames]

"""Render a SceneSpec with Cycles: denoised RGB and exact labels from the same render."""
from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import bpy
import numpy as np
import OpenEXR
from mathutils import Matrix

from scenegen.camera_model import camera_to_world
from scenegen.imaging import FrameArrays, decode_object_index, finish_rgb
from scenegen.render_settings import RenderSettings
from scenegen.sky_model import ambient_rgb
from scenegen.spec import SceneSpec

from . import session
from .scene_builder import BuiltScene, build_scene


@dataclass
class RenderTimings:
    """Seconds spent per stage of the last frame."""

    build: float = 0.0
    render: float = 0.0
    readback: float = 0.0

    def as_dict(self) -> Dict[str, float]:
        return {"build": self.build, "render": self.render, "readback": self.readback}


@dataclass
class Renderer:
    """Renders frames in this process; configure once, then call :meth:`render` per scene."""

    settings: RenderSettings
    outputs: Tuple[str, ...] = ()  # extra outputs (scenegen.ground_truth.OUTPUT_KINDS)
    device: str = ""
    timings: RenderTimings = field(default_factory=RenderTimings)
    _exr: Optional[Path] = None
    _built: Optional[BuiltScene] = None  # the scene built last

    def _ensure_configured(self) -> "bpy.types.Scene":
        scene = bpy.context.scene
        if self._exr is None:
            self._exr = session.scratch_dir() / "frame.exr"
            with _quiet(self._exr.parent / "blender.log"):  # GPU probing prints library warnings
                self.device = session.configure(scene, self.settings, self._exr, normals="normals" in self.outputs)
        return scene

    def render(self, spec: SceneSpec, step: bool = False, moves: Optional[Sequence[Tuple[float, float]]] = None,
               poses: Optional[Sequence[Optional[str]]] = None) -> FrameArrays:
        """Build and render ``spec``; return the finished frame arrays. A frame of a sequence: ``moves`` puts
        each object that far (world x, y) from its place in ``spec``, ``poses`` gives walkers their pose, and
        with ``step`` the scene of the last call stays (the same sequence) and only the camera and the objects
        move."""
        scene = self._ensure_configured()
        t0 = time.perf_counter()
        segments = self._place(scene, spec, step, moves, poses)
        t1 = time.perf_counter()
        with _quiet(self._exr.parent / "blender.log"):
            bpy.ops.render.render(write_still=True)
        t2 = time.perf_counter()
        channels = read_channels(self._exr)
        linear, depth, index = passes(channels)
        label_ids, instance_ids = decode_object_index(index, segments)
        rgb = finish_rgb(linear, depth, spec.fog, ambient_rgb(spec.sun, spec.sky), spec.camera)
        normals = None
        if "normals" in self.outputs:
            normals = np.stack([channels[f"ViewLayer.Normal.{c}"] for c in "XYZ"], axis=-1)
        t3 = time.perf_counter()
        self.timings = RenderTimings(build=t1 - t0, render=t2 - t1, readback=t3 - t2)
        return FrameArrays(rgb=rgb, label_ids=label_ids, instance_ids=instance_ids, depth=depth,
                           normals_world=normals)

    def _place(self, scene: "bpy.types.Scene", spec: SceneSpec, step: bool,
               moves: Optional[Sequence[Tuple[float, float]]], poses: Optional[Sequence[Optional[str]]]) -> list:
        """Build ``spec`` (or keep the last scene with ``step``), move camera and objects, pose walkers; the
        segment table."""
        if not (step and self._built is not None):
            self._built = build_scene(scene, spec)
        if moves is not None:  # the same operations whether the scene was just built or stepped: same bytes
            scene.camera.matrix_world = Matrix(camera_to_world(spec.camera).tolist())
            self._built.move(moves)
        if poses is not None:
            self._built.pose(poses)
        scene.render.use_persistent_data = step  # within a sequence Cycles keeps the synced scene and its BVH
        return self._built.segments

    def close(self) -> None:
        """Delete this process's scratch files."""
        if self._exr is not None:
            for p in self._exr.parent.glob("*"):
                p.unlink(missing_ok=True)
            self._exr.parent.rmdir()
            self._exr = None


@contextlib.contextmanager
def _quiet(log_path: Path):
    """Send Blender's per-frame console chatter (which bypasses Python's streams) to a log file."""
    sys.stdout.flush()
    sys.stderr.flush()
    with open(log_path, "wb") as log:
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def read_channels(path: Path) -> Dict[str, np.ndarray]:
    """Every channel of Cycles' multilayer EXR by name (``ViewLayer.Depth.Z``, ...); rows top to bottom."""
    channels = {}
    with OpenEXR.File(str(path), separate_channels=True) as f:
        for part in f.parts:
            channels.update({name: ch.pixels for name, ch in part.channels.items()})
    return channels


def passes(channels: Dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear RGB (H, W, 3), depth along the optical axis (H, W) and object index (H, W)."""
    rgb = np.stack([channels[f"ViewLayer.Combined.{c}"] for c in "RGB"], axis=-1)
    return rgb, channels["ViewLayer.Depth.Z"], channels["ViewLayer.Object Index.X"]


"""Batch rendering: job files, work units, local worker processes or Ray tasks, resume and manifests.

Importing this package loads neither bpy nor ray; workers import bpy when they start rendering.
"""
from __future__ import annotations

from .api import RenderFailed, render_frames
from .frames import FrameRequest, plan_frames

__all__ = ["FrameRequest", "RenderFailed", "plan_frames", "render_frames"]

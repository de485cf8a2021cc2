"""Batch rendering: job files, work units, local worker processes or Ray tasks, resume and manifests.

Importing this package loads neither bpy nor ray; workers import bpy when they start rendering. The names
below are loaded on first use, so ``render_jobs.cli`` (imported to build the ``scenegen`` parser) stays light.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"FrameRequest": "frames", "plan_frames": "frames", "RenderFailed": "api", "render_frames": "api"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

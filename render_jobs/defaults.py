"""Render-job constants shared by the CLI, job files and the engine (no heavy imports here)."""
from __future__ import annotations

EXECUTORS = ("local", "ray")
DEFAULT_FRAMES_PER_WORKER = 50
DEFAULT_RETRIES = 2
#: frames per second of a sequence that names none (Cityscapes' sequences are 17 fps, CamVid's 30)
DEFAULT_FPS = 10.0

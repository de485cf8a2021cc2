"""Render-job constants shared by the CLI, job files and the engine (no heavy imports here)."""
from __future__ import annotations

EXECUTORS = ("local", "ray")
DEFAULT_FRAMES_PER_WORKER = 50
DEFAULT_RETRIES = 2

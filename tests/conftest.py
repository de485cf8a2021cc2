"""Shared fixtures: running the CLI in a subprocess and one small rendered set reused by several tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 1800, env: dict | None = None
            ) -> subprocess.CompletedProcess:
    """Run ``scenegen ARGS`` in a fresh interpreter and capture its output."""
    return subprocess.run([sys.executable, "-m", "scenegen.cli", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def cli():
    return run_cli


@pytest.fixture(scope="session")
def rendered_set(tmp_path_factory) -> Path:
    """The issue's acceptance render (4 default frames, seed 0, 512x256) at 1 sample: labels do not
    depend on samples or denoising, and this keeps the suite quick."""
    out = tmp_path_factory.mktemp("render") / "out"
    r = run_cli("render", "--frames", "4", "--resolution", "512x256", "--seed", "0", "--samples", "1",
                "--no-denoise", "--out", out)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture
def one_torch_thread():
    """Tiny models run far faster on one thread (no OpenMP spinning when the CPUs are shared); torch tests
    take it with ``pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

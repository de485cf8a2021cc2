"""A tiny end-to-end tune with real Blender renders and real torch: 2 iterations of 4 renders at 64x32."""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from scenegen.io import atomic_write_png
from tuner import cli as tcli
from tuner.run_folder import RunFolder

pytestmark = [pytest.mark.blender, pytest.mark.torch, pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="bpy is not installed")]



def test_blender_tune_two_iterations_writes_every_artifact_and_report(tmp_path):
    rng = np.random.default_rng(0)
    cam = tmp_path / "camvid"
    for i in range(6):
        img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
        lab = np.full((48, 64), 11, np.uint8)
        lab[:16] = 0   # sky
        lab[32:] = 3   # road
        atomic_write_png(cam / "train" / f"f{i}.png", img)
        atomic_write_png(cam / "trainannot" / f"f{i}.png", lab)
    out = tmp_path / "run"
    code = tcli.main(["tune", "--recipe", "paper", "--real", f"camvid:{cam}", "--out", str(out), "--iterations", "2", "--batch", "4",
                      "--resolution", "64x32", "--samples", "2", "--workers", "1", "--device", "auto",
                      "--disc-steps", "3", "--variables", "sun_elevation_deg,fog_density", "--quiet"])
    assert code == 0
    assert RunFolder(out).finished_iterations() == 2
    for k in (1, 2):
        for name in (f"params_iter{k}.yaml", f"disc_iter{k}.pt", f"metrics_iter{k}.json", f"draws_iter{k}.json"):
            assert (out / name).is_file(), name
        draws = json.loads((out / f"draws_iter{k}.json").read_text())
        for img in draws["images"]:
            assert img.endswith("_leftImg8bit.png")
    m = json.loads((out / "metrics_iter2.json").read_text())
    assert "kid" in m and "l1" in m["class_proportions"]
    # Blender labels: the paper-7 shares of the renders are a distribution with sky and road present
    props = np.array(m["class_proportions"]["render"])
    assert abs(props.sum() - 1) < 1e-6 and props[6] > 0 and props[4] > 0
    assert tcli.main(["report", str(out)]) == 0
    assert (out / "report" / "report.html").is_file()
    assert (out / "report" / "renders.png").is_file()


def test_a_tune_on_ray_writes_the_same_parameter_files_as_local_workers(tmp_path):
    """`tune --executor ray` (a private local Ray instance) renders the same frames, so every iteration's
    parameter file is byte-identical to a tune with local worker processes."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    base = ["tune", "--recipe", "quick", "--real", f"params:{root / 'configs' / 'demo_target.yaml'}",
            "--params", str(root / "configs" / "demo_start.yaml"), "--iterations", "2", "--batch", "4",
            "--resolution", "48x24", "--samples", "1", "--real-count", "8", "--disc-steps", "2", "--workers", "2",
            "--threads", "1", "--no-kid", "--quiet"]
    runs = {}
    for executor in ("local", "ray"):
        out = tmp_path / executor
        r = subprocess.run([sys.executable, "-m", "scenegen.cli", *base, "--executor", executor, "--out", str(out)],
                           cwd=root, capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, r.stderr[-3000:]
        runs[executor] = out
    for k in (0, 1, 2):
        name = f"params_iter{k}.yaml"
        assert (runs["ray"] / name).read_bytes() == (runs["local"] / name).read_bytes(), name
    manifest = json.loads((runs["ray"] / "renders" / "manifest.json").read_text())
    assert manifest["execution"]["executor"] == "ray"

"""``scenegen tune --catalog``: checked before anything is written, and handed to the Blender renders."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
_OBJ = "v 0 0 0\nv 2 0 0\nv 0 4 0\nv 0 0 1.5\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n"


def _catalog(tmp_path: Path, label: str = "car") -> Path:
    (tmp_path / "car.obj").write_text(_OBJ)
    (tmp_path / "cat.yaml").write_text(f"models:\n  - {{path: car.obj, class: {label}}}\n")
    return tmp_path / "cat.yaml"


@pytest.mark.parametrize("case, label, extra, fragment", [
    ("unknown class", "spaceship", [], "unknown Cityscapes class 'spaceship'"),
    ("toy backend", "car", ["--backend", "toy"], "--catalog needs --backend blender"),
    ("share out of range", "car", ["--cad-share", "3"], "--cad-share must be a number in [0, 1]"),
])
def test_tune_bad_catalog_exits_2_and_writes_nothing(tmp_path, case, label, extra, fragment):
    out = tmp_path / "run"
    r = run_cli("tune", "--recipe", "paper", "--real", f"params:{ROOT / 'configs' / 'demo_target.yaml'}", "--out", out,
                "--catalog", _catalog(tmp_path, label), *extra)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 2 and len(lines) == 1 and fragment in lines[0], (case, r.stderr)
    assert not out.exists(), case


def test_tune_cad_share_needs_a_catalog(tmp_path):
    r = run_cli("tune", "--recipe", "paper", "--real", f"params:{ROOT / 'configs' / 'demo_target.yaml'}", "--out", tmp_path / "run",
                "--cad-share", "0.2")
    assert r.returncode == 2 and "--cad-share needs --catalog" in r.stderr
    assert not (tmp_path / "run").exists()


def test_the_blender_backend_renders_with_the_catalog(tmp_path, monkeypatch):
    import render_jobs
    from scenegen.cad import load_cad
    from scenegen.params import default_space
    from scenegen.seeding import FrameSeed
    from tuner.backends import make_backend

    cad = load_cad(_catalog(tmp_path), 0.3)
    seen = {}

    def fake_render_frames(requests, out_root, settings, space, **kw):
        seen.update(kw, n=len(requests))

    monkeypatch.setattr(render_jobs, "render_frames", fake_render_frames)
    backend = make_backend("blender", (64, 32), samples=1, workers=1, cad=cad)
    space = default_space()
    seeds = [FrameSeed(0, 1, i) for i in range(2)]
    with pytest.raises(RuntimeError):  # the fake wrote no frames
        backend.render(space, [space.sample(s.entropy()) for s in seeds], seeds, tmp_path / "renders")
    assert seen["n"] == 2 and seen["cad"] is cad

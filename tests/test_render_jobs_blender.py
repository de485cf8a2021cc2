"""render_jobs with the real bpy: a worker SIGKILLed mid-run, resume, and the Ray executor, all giving
byte-identical frames to a clean single-process render (64x32, 1 sample, no denoising: labels do not
depend on either)."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenegen.layout import list_frames

pytestmark = [pytest.mark.blender,
              pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="bpy is not installed")]

ROOT = Path(__file__).resolve().parents[1]
FRAMES, SEED = 6, 11
COMPARED = ("label_ids", "instance_ids", "train_ids", "color", "scene")
JOB = f"""frames: {FRAMES}
seed: {SEED}
resolution: 64x32
samples: 1
denoise: false
workers: 2
sheet: false
"""

_SINGLE_PROCESS = """
import sys
from pathlib import Path
from render_jobs.frames import plan_frames
from render_jobs.worker import OutputTarget, render_in_process
from scenegen.params import default_space
from scenegen.render_settings import RenderSettings
render_in_process(plan_frames({seed}, {frames}), default_space(), RenderSettings(64, 32, 1, False),
                  OutputTarget(Path(sys.argv[1])))
"""


def _render_cli(*args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scenegen.cli", "render", *map(str, args)], cwd=ROOT,
                            stderr=subprocess.PIPE, text=True, **kw)


def _workers_of(pid: int) -> list:
    """Live worker processes (spawned children, not the resource tracker) of ``pid``."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"spawn_main" in (d / "cmdline").read_bytes():
                found.append(int(d.name))
        except (OSError, ValueError):
            continue
    return found


def _temp_files(root: Path) -> list:
    return [p for p in root.rglob("*") if ".tmp-" in p.name]


def _assert_same_frames(a: Path, b: Path) -> None:
    fa, fb = list_frames(a), list_frames(b)
    assert [f.stem for f in fa] == [f.stem for f in fb] and len(fa) == FRAMES
    for x, y in zip(fa, fb):
        for kind in COMPARED:
            assert x.path(kind).read_bytes() == y.path(kind).read_bytes(), (x.stem, kind)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """A clean render of the same seeds in one process, without worker processes."""
    out = tmp_path_factory.mktemp("reference") / "out"
    r = subprocess.run([sys.executable, "-c", _SINGLE_PROCESS.format(seed=SEED, frames=FRAMES), str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def killed_then_resumed(tmp_path_factory):
    """The 6-frame 2-worker job; one worker is SIGKILLed mid-run (no retries), then the job is rerun."""
    base = tmp_path_factory.mktemp("killed")
    job = base / "job.yaml"
    job.write_text(JOB + "out: out\nretries: 0\n")
    out = base / "out"
    p = _render_cli("--job", job)
    deadline = time.time() + 600
    while not (out / "gtFine").is_dir() or not list((out / "gtFine").rglob("*_labelIds.png")):
        assert p.poll() is None, p.stderr.read()[-3000:]
        assert time.time() < deadline
        time.sleep(0.05)
    workers = _workers_of(p.pid)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)  # mid-run: this worker holds a unit, maybe mid-write
    first_err = p.communicate(timeout=900)[1]
    first = (p.returncode, first_err, json.loads((out / "manifest.json").read_text()))
    second = subprocess.run([sys.executable, "-m", "scenegen.cli", "render", "--job", str(job)], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    return out, first, second


def test_killed_worker_then_rerun_gives_exactly_the_clean_frames(reference, killed_then_resumed):
    out, (code, err, manifest), second = killed_then_resumed
    assert code == 1, err[-3000:]
    assert len(manifest["failures"]) == 1 and "SIGKILL" in manifest["failures"][0]["error"]
    assert manifest["this_run"]["rendered"] == FRAMES - 1
    assert not _temp_files(out)
    assert second.returncode == 0, second.stderr[-3000:]
    # the killed unit's frame is rendered again, unless the kill came after its last file was written
    done = re.search(r"(\d+) rendered, (\d+) already complete, 0 failed", second.stderr)
    assert done and int(done[1]) + int(done[2]) == FRAMES and int(done[1]) <= 1, second.stderr[-3000:]
    m = json.loads((out / "manifest.json").read_text())
    assert m["counts"] == {"requested": FRAMES, "rendered": FRAMES} and not m["failures"]
    assert len(list((out / "gtFine").rglob("*_labelIds.png"))) == FRAMES
    assert not _temp_files(out)
    _assert_same_frames(out, reference)


def test_ray_executor_gives_the_same_frames_as_local_processes(tmp_path, killed_then_resumed):
    local_out = killed_then_resumed[0]
    job = tmp_path / "job.yaml"
    job.write_text(JOB + "out: out\nexecutor: ray\n")
    r = subprocess.run([sys.executable, "-m", "scenegen.cli", "render", "--job", str(job)], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["execution"]["executor"] == "ray" and m["execution"]["workers"] == 2
    assert not _temp_files(tmp_path / "out")
    _assert_same_frames(tmp_path / "out", local_out)


def test_local_workers_start_after_the_parent_imported_bpy(tmp_path):
    """Importing bpy adds Blender's scripts/modules (a pure-Python ``bpy``) to sys.path; a spawned worker
    must still import the real bpy wheel (the tuner and notebooks import bpy before rendering)."""
    import bpy  # noqa: F401  (the point of the test)
    from render_jobs.api import render_frames
    from render_jobs.frames import plan_frames
    from scenegen.params import default_space
    from scenegen.render_settings import RenderSettings

    fids = render_frames(plan_frames(SEED, 1), tmp_path / "out", RenderSettings(64, 32, 1, False),
                         default_space(), workers=1, retries=0, progress=False)
    assert len(fids) == 1 and fids[0].is_complete()

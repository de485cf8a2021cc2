"""render_jobs without Blender: job files, planning, retries, recycling, resume and Ctrl-C.

Worker processes here run a fake renderer (defined below, imported by the spawned workers) that writes
every file of a frame atomically, so the scheduling and clean-up logic is tested in seconds.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

import numpy as np
import pytest

from scenegen.cli import main as cli_main
from scenegen.errors import ParamsError, UserError
from scenegen.io import atomic_write_bytes, atomic_write_png
from scenegen.layout import FILE_KINDS, FrameId
from scenegen.params import default_space
from scenegen.render_settings import RenderSettings
from scenegen.seeding import FrameSeed

from render_jobs import FrameRequest, RenderFailed, plan_frames, render_frames
from render_jobs.frames import WorkUnit, make_units, unit_size
from render_jobs.jobfile import load_job
from render_jobs.parallelism import plan_parallelism
from render_jobs.scheduler import UnitQueue
from render_jobs.worker import FrameResult

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = RenderSettings(width=64, height=32, samples=1, denoise=False)


# -- a fake renderer for the worker processes ---------------------------------------------------------

@dataclass(frozen=True)
class Fake:
    """Renderer factory: frames are flat PNGs and a JSON string; some frames misbehave on purpose.

    ``fail_once``/``kill_once``: frame indices whose first attempt raises / SIGKILLs its worker;
    ``always_fail``: frames that write two files and then raise, every time."""

    log: str
    delay: float = 0.0
    fail_once: Tuple[int, ...] = ()
    kill_once: Tuple[int, ...] = ()
    always_fail: Tuple[int, ...] = ()
    broken: bool = False  # the renderer cannot even start (as when bpy is missing)

    def __call__(self, space, settings, target):
        if self.broken:
            raise ImportError("no bpy here")
        return _FakeRenderer(self, target, settings)


def _first_time(log: str, tag: str) -> bool:
    try:
        os.close(os.open(os.path.join(log, tag), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


class _FakeRenderer:
    def __init__(self, fake: Fake, target, settings) -> None:
        self.fake, self.target, self.size = fake, target, (settings.height, settings.width)
        Path(fake.log, f"pid-{os.getpid()}").touch()

    def render(self, req: FrameRequest) -> FrameResult:
        fid = req.frame_id(self.target.root, self.target.split, self.target.city)
        if fid.is_complete():
            return FrameResult(req, "skipped")
        i = req.seed.frame_index
        time.sleep(self.fake.delay)
        if i in self.fake.kill_once and _first_time(self.fake.log, f"kill-{i}"):
            os.kill(os.getpid(), signal.SIGKILL)
        if i in self.fake.fail_once and _first_time(self.fake.log, f"fail-{i}"):
            raise RuntimeError(f"flaky frame {i}")
        for n, kind in enumerate(FILE_KINDS):
            if i in self.fake.always_fail and n == 2:
                raise RuntimeError(f"broken frame {i}")
            if kind == "scene":
                atomic_write_bytes(fid.path(kind), json.dumps(f"{req.seed} {req.variables}").encode())
            else:  # a PNG of the run's size whose pixels say which frame it is
                pixels = np.full(self.size, i % 256, np.uint8)
                atomic_write_png(fid.path(kind), pixels)
        return FrameResult(req, "rendered", seconds={"total": self.fake.delay})

    def close(self) -> None:
        pass


def _log(tmp_path: Path) -> str:
    log = tmp_path / "log"
    log.mkdir(exist_ok=True)
    return str(log)


def _pids(log: str) -> set:
    return {p.name for p in Path(log).glob("pid-*")}


def _manifest(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text())


def _temp_files(root: Path) -> list:
    return [p for p in root.rglob("*") if ".tmp-" in p.name]


# -- planning -------------------------------------------------------------------------------------

def test_threads_split_the_cores_between_workers():
    assert plan_parallelism(8, 2, 0, units=10) == (2, 4)
    assert plan_parallelism(2, None, 0, units=10) == (2, 1)
    assert plan_parallelism(2, 1, 0, units=10) == (1, 2)
    assert plan_parallelism(2, 4, 0, units=10) == (4, 1)        # oversubscribed on request: still >= 1
    assert plan_parallelism(8, 4, 0, units=2) == (2, 4)         # no idle workers for 2 units
    assert plan_parallelism(8, 2, 3, units=10) == (2, 3)        # explicit threads win


def test_units_cover_every_request_once_in_order():
    reqs = plan_frames(1, 23)
    size = unit_size(23, workers=2, frames_per_worker=50)
    units = make_units(reqs, size)
    assert [r for u in units for r in u.requests] == reqs
    assert max(len(u) for u in units) == size <= 8
    assert unit_size(1000, 2, frames_per_worker=5) == 5


def test_unit_queue_retries_then_records_failures():
    reqs = plan_frames(0, 3)
    seen = []
    q = UnitQueue([WorkUnit(0, tuple(reqs))], max_attempts=2, on_result=seen.append)
    u = q.take()
    q.result(FrameResult(reqs[0], "rendered"))
    q.end(u.uid, "boom")
    retry = q.take()
    assert retry.attempt == 2 and [r.key for r in retry.requests] == [(0, 1), (0, 2)]
    q.result(FrameResult(reqs[1], "rendered", attempts=2))
    q.end(retry.uid, "boom again")
    assert q.finished and q.retries == 1
    final = q.results(reqs)
    assert [r.status for r in final] == ["rendered", "rendered", "failed"]
    assert final[2].error == "boom again" and final[2].attempts == 2
    assert len(seen) == 3


# -- job files ------------------------------------------------------------------------------------

def _write_job(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "job.yaml"
    p.write_text(text)
    return p


def test_job_file_paths_are_relative_to_it_and_variables_become_requests(tmp_path):
    space = default_space()
    z = [space.sample(FrameSeed(4, 0, i).entropy()) for i in range(2)]
    (tmp_path / "jobs").mkdir()
    space.save(tmp_path / "jobs" / "space.yaml")
    job = load_job(_write_job(tmp_path / "jobs", json.dumps(
        {"params": "space.yaml", "variables": z, "seed": 4, "out": "../renders", "resolution": "64x32",
         "samples": 1, "denoise": False, "workers": 2, "frames_per_worker": 3, "executor": "local"})))
    assert job.out == tmp_path / "jobs" / "../renders" and job.frames == 2
    assert [r.variables for r in job.requests()] == z
    assert job.load_space().version == space.version
    assert job.settings() == SETTINGS
    assert job.variables_hash() and job.options().frames_per_worker == 3


@pytest.mark.parametrize("text, fragment", [
    ("frames: 2\nout: o\nframez: 3\n", "unknown key 'framez'"),
    ("frames: two\nout: o\n", "frames must be an integer"),
    ("frames: 2\nout: o\nsamples: 1.5\n", "samples must be an integer"),
    ("frames: 2\nout: o\ndenoise: 'no'\n", "denoise must be true or false"),
    ("frames: 2\nout: o\nresolution: 64\n", "resolution must be a string"),
    ("frames: 2\nout: o\nparams: missing.yaml\n", "params file"),
    ("frames: -1\nout: o\n", "frames must be at least 1"),
    ("frames: 2\nout: o\nworkers: -2\n", "workers must be at least 1"),
    ("frames: 2\nout: o\nframes_per_worker: 0\n", "frames_per_worker must be at least 1"),
    ("frames: 2\nout: o\nretries: -1\n", "retries must be at least 0"),
    ("frames: 2\nout: o\nseed: -5\n", "seed must be at least 0"),
    ("frames: 2\nout: o\nexecutor: slurm\n", "executor must be one of"),
    ("frames: 2\nout: o\ncity: ../x\n", "city may hold only"),
    ("frames: 2\n", "missing key 'out'"),
    ("out: o\n", "give 'frames'"),
    ("- frames: 2\n", "must be a YAML mapping"),
    ("frames: [\n", "malformed YAML"),
    ("out: o\nvariables: [{not_a_variable: 1}]\n", "unknown variable 'not_a_variable'"),
    ("out: o\nvariables: [{lane_count: 2}]\n", "missing variable"),
    ("frames: 3\nout: o\nvariables: [{lane_count: 2}]\n", "variables lists 1"),
    ("frames: 2\nout: o\nray_address: 10.0.0.1:6379\n", "ray_address needs executor: ray"),
    ("frames: 2\nout: o\ncatalog: missing.yaml\n", "catalog file"),
    ("frames: 2\nout: o\ncad_share: 0.5\n", "cad_share needs a CAD catalog"),
    ("frames: 2\nout: o\ncatalog: job.yaml\ncad_share: 2\n", "cad_share must be a number in [0, 1]"),
    ("frames: 2\nout: o\ncatalog: job.yaml\ncad_share: lots\n", "cad_share must be a number in [0, 1]"),
    ("frames: 2\nout: o\ncatalog: job.yaml\n", "expected a non-empty 'models:' list"),
])
def test_bad_job_file_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, text, fragment):
    job = _write_job(tmp_path, text)
    before = sorted(tmp_path.rglob("*"))
    assert cli_main(["render", "--job", str(job)]) == 2
    err = [l for l in capsys.readouterr().err.splitlines() if l.strip()]
    assert len(err) == 1 and fragment in err[0] and str(job) in err[0], err
    assert sorted(tmp_path.rglob("*")) == before


def test_job_file_catalog_is_relative_to_it_and_validated(tmp_path, capsys):
    (tmp_path / "jobs" / "cad").mkdir(parents=True)
    (tmp_path / "jobs" / "cad" / "car.obj").write_text("v 0 0 0\nv 2 0 0\nv 0 4 0\nv 0 0 1.5\nf 1 2 3\nf 1 2 4\n")
    (tmp_path / "jobs" / "cad" / "cat.yaml").write_text("models:\n  - {path: car.obj, class: car}\n")
    job = load_job(_write_job(tmp_path / "jobs", "frames: 1\nout: o\ncatalog: cad/cat.yaml\ncad_share: 0.25\n"))
    cad = job.load_cad()
    assert job.catalog == tmp_path / "jobs" / "cad" / "cat.yaml" and cad.share == 0.25
    assert cad.catalog.models[0].label == "car" and cad.catalog.models[0].size == pytest.approx((2.0, 4.0, 1.5))
    (tmp_path / "jobs" / "cad" / "cat.yaml").write_text("models:\n  - {path: car.obj, class: road}\n")
    path = _write_job(tmp_path / "jobs", "frames: 1\nout: o\ncatalog: cad/cat.yaml\n")
    assert cli_main(["render", "--job", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and "places no 'road' objects" in err
    assert not (tmp_path / "jobs" / "o").exists()
    assert cli_main(["render", "--job", str(path), "--catalog", "x.yaml"]) == 2
    assert "--catalog belongs in the job file" in capsys.readouterr().err


def test_a_catalog_reaches_the_workers_and_the_manifest(tmp_path):
    """The renderer factory gets the catalog (wrapped so that it pickles and compares by value)."""
    from render_jobs.worker import WithCad, with_cad
    from scenegen.cad import load_cad

    (tmp_path / "car.obj").write_text("v 0 0 0\nv 2 0 0\nv 0 4 0\nv 0 0 1.5\nf 1 2 3\nf 1 2 4\n")
    (tmp_path / "cat.yaml").write_text("models:\n  - {path: car.obj, class: car}\n")
    cad = load_cad(tmp_path / "cat.yaml", 0.75)
    fake = Fake(_log(tmp_path))
    assert with_cad(fake, None) is fake
    wrapped = with_cad(_CadFake(fake), cad)
    assert wrapped == WithCad(cad, _CadFake(fake)) and hash(wrapped) == hash(WithCad(cad, _CadFake(fake)))
    render_frames(plan_frames(0, 3), tmp_path / "out", SETTINGS, default_space(), workers=1, progress=False,
                  factory=_CadFake(fake), cad=cad)
    assert sorted(p.name for p in Path(fake.log).glob("cad-*")) == [f"cad-{cad.digest}-0.75"]
    m = _manifest(tmp_path / "out")
    assert m["cad"]["share"] == 0.75 and m["run_key"]["cad"] == {"digest": cad.digest, "share": 0.75}


@dataclass(frozen=True)
class _CadFake:
    """A Fake that notes the catalog it was given (``cad-<digest>-<share>`` in the log folder)."""

    fake: Fake

    def __call__(self, space, settings, target, cad=None):
        if cad is not None:
            Path(self.fake.log, f"cad-{cad.digest}-{cad.share}").touch()
        return self.fake(space, settings, target)


def test_job_and_flags_do_not_mix(tmp_path, capsys):
    job = _write_job(tmp_path, "frames: 2\nout: o\n")
    assert cli_main(["render", "--job", str(job), "--frames", "3"]) == 2
    assert "--frames belongs in the job file" in capsys.readouterr().err
    assert cli_main(["render", "--job", str(tmp_path / "none.yaml")]) == 2
    assert "job file not found" in capsys.readouterr().err
    assert cli_main(["render", "--out", str(tmp_path / "o")]) == 2
    assert "give --frames" in capsys.readouterr().err
    assert cli_main(["render", "--job", str(job), "--ray-address", "1.2.3.4:6379"]) == 2
    assert "--executor ray" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_bad_job_file_in_a_fresh_process(tmp_path):
    from conftest import run_cli

    job = _write_job(tmp_path, "frames: -3\nout: o\n")
    r = run_cli("render", "--job", job)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "frames must be at least 1" in r.stderr
    assert not (tmp_path / "o").exists()


# -- the library call and the local executor, with the fake renderer ------------------------------

def test_render_frames_returns_paths_in_request_order_and_resumes(tmp_path):
    log, out = _log(tmp_path), tmp_path / "out"
    space = default_space()
    reqs = [FrameRequest(FrameSeed(7, 2, i), space.sample(FrameSeed(7, 2, i).entropy())) for i in (4, 0, 2)]
    fids = render_frames(reqs, out, SETTINGS, space, workers=2, progress=False, factory=Fake(log))
    assert [f.frame for f in fids] == [4, 0, 2] and all(f.seq == 2 and f.is_complete() for f in fids)
    assert "'lane_count'" in json.loads(fids[0].path("scene").read_text())
    m = _manifest(out)
    assert m["counts"] == {"requested": 3, "rendered": 3}
    assert {f["params_version"] for f in m["frames"]} == {space.version}
    n_pids = len(_pids(log))
    assert render_frames(reqs, out, SETTINGS, space, workers=2, progress=False, factory=Fake(log)) == fids
    assert len(_pids(log)) == n_pids  # nothing to do: no worker was started


def test_render_frames_checks_inputs_before_writing(tmp_path):
    space = default_space()
    out = tmp_path / "out"
    bad = [FrameRequest(FrameSeed(0, 0, 0), {"lane_count": 2})]
    with pytest.raises(ParamsError, match="request 0"):
        render_frames(bad, out, SETTINGS, space, progress=False, factory=Fake(_log(tmp_path)))
    with pytest.raises(UserError, match="same frame"):
        render_frames(plan_frames(0, 2) * 2, out, SETTINGS, space, progress=False, factory=Fake(_log(tmp_path)))
    assert not out.exists()


def test_workers_are_recycled_after_n_frames(tmp_path):
    log, out = _log(tmp_path), tmp_path / "out"
    render_frames(plan_frames(0, 6), out, SETTINGS, default_space(), workers=1, frames_per_worker=2,
                  progress=False, factory=Fake(log))
    frames = _manifest(out)["frames"]
    pids = [f["worker_pid"] for f in frames]
    assert len(set(pids)) == 3 and all(pids.count(p) == 2 for p in pids)
    assert _manifest(out)["execution"]["threads_per_worker"] >= 1


def test_failed_and_killed_units_are_retried(tmp_path):
    log, out = _log(tmp_path), tmp_path / "out"
    fake = Fake(log, fail_once=(1,), kill_once=(3,))
    fids = render_frames(plan_frames(0, 5), out, SETTINGS, default_space(), workers=2, progress=False,
                         factory=fake)
    assert all(f.is_complete() for f in fids)
    m = _manifest(out)
    attempts = {f["frame_index"]: f["attempts"] for f in m["frames"]}
    assert attempts[1] == 2 and attempts[3] == 2 and attempts[0] == 1
    assert m["execution"]["units_retried"] == 2 and not m["failures"]
    assert not _temp_files(out)


def test_frames_failing_every_retry_are_reported_and_leave_no_partial_files(tmp_path):
    log, out = _log(tmp_path), tmp_path / "out"
    with pytest.raises(RenderFailed, match="1 frame"):
        render_frames(plan_frames(0, 4), out, SETTINGS, default_space(), workers=2, retries=1, progress=False,
                      factory=Fake(log, always_fail=(2,)))
    m = _manifest(out)
    assert [(f["frame_index"], f["attempts"]) for f in m["failures"]] == [(2, 2)]
    assert "broken frame 2" in m["failures"][0]["error"]
    broken = FrameId(out, "train", "scenegen", 0, 2)
    assert not any(p.exists() for p in broken.paths().values())
    assert sum(FrameId(out, "train", "scenegen", 0, i).is_complete() for i in range(4)) == 3


def test_workers_that_cannot_start_end_the_run_instead_of_retrying_every_unit(tmp_path):
    log, out = _log(tmp_path), tmp_path / "out"
    with pytest.raises(RenderFailed, match="12 frame"):
        render_frames(plan_frames(0, 12), out, SETTINGS, default_space(), workers=2, progress=False,
                      factory=Fake(log, broken=True))
    m = _manifest(out)
    assert len(m["failures"]) == 12 and any("cannot start" in f["error"] for f in m["failures"])
    assert all("no bpy here" in f["error"] for f in m["failures"])
    assert m["execution"]["units_retried"] <= 2  # the two first failures, then no more


def test_stale_temp_files_are_removed_on_resume(tmp_path):
    log, out = _log(tmp_path), tmp_path / "out"
    stale = FrameId(out, "train", "scenegen", 0, 0).path("label_ids")
    stale.parent.mkdir(parents=True)
    stale.with_name(stale.name + ".tmp-abc123").write_bytes(b"half")
    (out / "manifest.json.tmp-xyz").write_bytes(b"{")
    render_frames(plan_frames(0, 2), out, SETTINGS, default_space(), workers=1, progress=False, factory=Fake(log))
    assert not _temp_files(out)
    assert _manifest(out)["execution"]["temp_files_removed"] == 2


# The child gets Python's own Ctrl-C handler: a test runner started in the background by a non-interactive
# shell has SIGINT ignored, and a child would inherit that (it then never sees the Ctrl-C).
_RUN_JOB = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {tests!r})
from test_render_jobs import Fake
from render_jobs.jobfile import load_job
from render_jobs.run import RenderRun
sys.exit(RenderRun(load_job({job!r}), factory=Fake({log!r}, delay=0.4)).execute())
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_ctrl_c_stops_workers_and_leaves_a_manifest_and_no_partial_files(tmp_path):
    log, out = _log(tmp_path), tmp_path / "out"
    job = _write_job(tmp_path, f"frames: 40\nout: {out}\nworkers: 2\nsheet: false\n")
    code = _RUN_JOB.format(tests=str(ROOT / "tests"), job=str(job), log=log)
    p = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    deadline = time.time() + 120
    while not any(FrameId(out, "train", "scenegen", 0, i).is_complete() for i in range(40)):
        assert time.time() < deadline and p.poll() is None, p.stderr.read() if p.poll() is not None else "slow"
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGINT)  # what a terminal does on Ctrl-C: the whole foreground group
    err = p.communicate(timeout=60)[1]
    assert p.returncode == 130, err
    assert "interrupted" in err and "rerun the same command to resume" in err
    m = _manifest(out)
    assert m["interrupted"] is True and m["this_run"]["pending"] > 0
    assert m["this_run"]["rendered"] + m["this_run"]["pending"] == 40
    assert not _temp_files(out)
    complete = sum(FrameId(out, "train", "scenegen", 0, i).is_complete() for i in range(40))
    assert complete == m["this_run"]["rendered"]
    partial = [p for p in (out / "gtFine").rglob("*_labelIds.png")
               if not FrameId(out, "train", "scenegen", 0, int(p.name.split("_")[2])).is_complete()]
    assert not partial
    assert not [pid for pid in _pids(log) if _alive(int(pid.split("-")[1]))]


def test_resume_renders_again_a_frame_whose_file_was_cut_short(tmp_path, capsys):
    log, out = _log(tmp_path), tmp_path / "out"
    render_frames(plan_frames(0, 3), out, SETTINGS, default_space(), workers=1, progress=False, factory=Fake(log))
    image = FrameId(out, "train", "scenegen", 0, 1).path("image")
    whole = image.read_bytes()
    image.write_bytes(whole[: len(whole) // 2])  # a crash mid-write outside the atomic writer
    assert FrameId(out, "train", "scenegen", 0, 1).damaged_file(SETTINGS.width, SETTINGS.height) == image
    capsys.readouterr()
    render_frames(plan_frames(0, 3), out, SETTINGS, default_space(), workers=1, progress=False, factory=Fake(log))
    assert "scenegen_000000_000001_leftImg8bit.png is damaged" in capsys.readouterr().err
    assert image.read_bytes() == whole
    assert all(FrameId(out, "train", "scenegen", 0, i).damaged_file(SETTINGS.width, SETTINGS.height) is None
               for i in range(3))

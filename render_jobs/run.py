"""A render run (the ``render`` command): validate, resume, render in parallel, manifest, sheet, summary."""
from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenegen.errors import UserError
from scenegen.io import atomic_write_text
from scenegen.layout import list_frames
from scenegen.outdir import prepare_output_dir, refuse_other_runs

from .engine import Outcome, RenderEngine
from .jobfile import JobSpec
from .manifest import check_resumable, frame_record, merge_frames, run_key, write_manifest
from .progress import last_line
from .worker import FrameRenderer, OutputTarget, RendererFactory, with_cad

EXIT_INTERRUPTED = 130


@dataclass
class RenderRun:
    """One job: everything is validated before the first file is written."""

    job: JobSpec
    progress: Any = True
    factory: RendererFactory = FrameRenderer

    def execute(self) -> int:
        """Render every frame not yet complete: 0 when all are complete, 1 when some failed, 130 on Ctrl-C."""
        job = self.job
        space = job.load_space()
        cad = job.load_cad()
        settings = job.settings()
        requests = job.requests()
        options = job.options(self.progress)
        root = Path(job.out)
        if root.exists() and not root.is_dir():
            raise UserError(f"--out {root}: exists and is not a folder")
        refuse_other_runs(root, own=("manifest.json",))
        if settings.device == "gpu":
            check_gpu_available()
        key = run_key(space.version, job.seed, settings.to_dict(), job.split, job.city, job.variables_hash(), cad,
                      job.outputs, job.sequence_key())
        old = check_resumable(root, key) if root.is_dir() else None
        target = OutputTarget(root, job.split, job.city, job.outputs)
        # SIGTERM is hooked after the engine starts: ray.init installs a SIGTERM handler of its own.
        factory = with_cad(self.factory, cad)
        with RenderEngine(space, settings, target, options, factory) as engine, _sigterm_as_interrupt():
            root = prepare_output_dir(root)
            atomic_write_text(root / "params.yaml", space.to_yaml())
            outcome = engine.execute(requests)
        merged = merge_frames(old.get("frames", []) if old else [], [frame_record(r) for r in outcome.results])
        write_manifest(root, key, merged, extra={
            "params_source": space.source, "params_version": space.version, "seed": job.seed,
            "job": job.source, "this_run": _this_run(outcome), "execution": outcome.execution(),
            "wall_seconds": round(outcome.wall_seconds, 3),
            "frames_per_minute": round(outcome.frames_per_minute, 2), "interrupted": outcome.interrupted,
            **({"cad": cad.record()} if cad is not None else {})})
        if job.sheet and not outcome.interrupted:
            from scenegen.contact_sheet import write_contact_sheet

            complete = list_frames(root, job.split)
            if complete:
                write_contact_sheet(complete[:8], root / "contact_sheet.png")
        _summary(outcome, root)
        if outcome.interrupted:
            return EXIT_INTERRUPTED
        return 1 if outcome.count("failed") else 0


def check_gpu_available() -> None:
    """UserError, before anything is written, when ``--device gpu`` is asked for and Cycles finds no GPU
    (asked in a short Blender process: the parent stays free of bpy)."""
    code = "import sys; from scenegen.blender.session import enable_gpu; sys.exit(0 if enable_gpu() else 3)"
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if probe.returncode != 0:
        raise UserError("--device gpu: Cycles finds no GPU (CUDA, OptiX, HIP, oneAPI or Metal) on this machine; "
                        "use --device auto or cpu")


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Treat SIGTERM (a scheduler or ``kill`` stopping the run) like Ctrl-C: stop cleanly, write the manifest."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _this_run(outcome: Outcome) -> dict:
    return {s: outcome.count(s) for s in ("rendered", "skipped", "failed", "pending")}


def _summary(outcome: Outcome, root: Path) -> None:
    rendered, skipped, failed = outcome.count("rendered"), outcome.count("skipped"), outcome.count("failed")
    how = f"{outcome.executor}, {outcome.workers} worker(s) x {outcome.threads} thread(s)" if outcome.workers else \
        "nothing to render"
    print(f"{rendered} rendered, {skipped} already complete, {failed} failed in {outcome.wall_seconds:.1f} s "
          f"({outcome.frames_per_minute:.1f} frames/min; {how}) -> {root}", file=sys.stderr)
    if outcome.units_retried:
        print(f"  {outcome.units_retried} work unit(s) retried", file=sys.stderr)
    for r in outcome.results:
        if r.status == "failed":
            print(f"  frame {r.request.seed.frame_index} failed after {r.attempts} attempt(s): "
                  f"{last_line(r.error)}", file=sys.stderr)
    if outcome.interrupted:
        print(f"  interrupted: {outcome.count('pending')} frame(s) not rendered; rerun the same command to "
              f"resume", file=sys.stderr)

"""A render run: validate inputs, render the missing frames, write the manifest and a contact sheet."""
from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

from tqdm import tqdm

from scenegen.errors import UserError
from scenegen.io import atomic_write_text
from scenegen.layout import list_frames
from scenegen.outdir import prepare_output_dir
from scenegen.params import ParameterSpace
from scenegen.render_settings import RenderSettings

from .frames import FrameRequest, plan_frames
from .manifest import check_resumable, merge_frames, run_key, write_manifest
from .worker import FrameResult, OutputTarget


@dataclass
class RenderRun:
    """One ``scenegen render`` invocation."""

    space: ParameterSpace
    settings: RenderSettings
    out: str | Path
    seed: int
    frames: int
    split: str = "train"
    city: str = "scenegen"
    write_sheet: bool = True

    def execute(self) -> int:
        """Render every frame not yet complete; 0 when all are complete, 1 when some failed."""
        root = Path(self.out)
        key = run_key(self.space.version, self.seed, self.settings.to_dict(), self.split, self.city)
        old = check_resumable(root, key) if root.is_dir() else None
        root = prepare_output_dir(root)
        atomic_write_text(root / "params.yaml", self.space.to_yaml())
        target = OutputTarget(root, self.split, self.city)
        requests = plan_frames(self.seed, self.frames)
        todo = [r for r in requests if not r.frame_id(root, self.split, self.city).is_complete()]
        done_before = len(requests) - len(todo)
        t0 = time.perf_counter()
        results = self._render(todo, target)
        wall = time.perf_counter() - t0
        records = [_record(r) for r in results]
        records += [{"iteration": r.seed.iteration, "frame_index": r.seed.frame_index, "status": "skipped"}
                    for r in requests if r not in todo]
        merged = merge_frames(old.get("frames", []) if old else [], records)
        write_manifest(root, key, merged, extra={"params_source": self.space.source, "wall_seconds": round(wall, 3)})
        failed = [r for r in results if r.status == "failed"]
        rendered = sum(r.status == "rendered" for r in results)
        if self.write_sheet:
            from scenegen.contact_sheet import write_contact_sheet

            complete = list_frames(root, self.split)
            if complete:
                write_contact_sheet(complete[:8], root / "contact_sheet.png")
        rate = rendered / wall * 60 if wall > 0 and rendered else 0.0
        print(f"{rendered} rendered, {done_before} already complete, {len(failed)} failed "
              f"in {wall:.1f} s ({rate:.1f} frames/min) -> {root}", file=sys.stderr)
        for f in failed:
            print(f"  frame {f.request.seed.frame_index} failed: {f.error.splitlines()[-1] if f.error else ''}",
                  file=sys.stderr)
        return 1 if failed else 0

    def _render(self, todo: List[FrameRequest], target: OutputTarget) -> List[FrameResult]:
        if not todo:
            return []
        from .worker import FrameRenderer

        results: List[FrameResult] = []
        renderer = FrameRenderer(self.space, self.settings, target)
        try:
            with tqdm(total=len(todo), unit="frame", desc="render", dynamic_ncols=True) as bar:
                for req in todo:
                    try:
                        results.append(renderer.render(req))
                    except UserError:
                        raise
                    except Exception:  # one bad frame must not lose the rest of the run
                        results.append(FrameResult(req, "failed", error=traceback.format_exc()))
                    bar.update(1)
        finally:
            renderer.close()
        return results


def _record(r: FrameResult) -> Dict[str, Any]:
    rec: Dict[str, Any] = {"iteration": r.request.seed.iteration, "frame_index": r.request.seed.frame_index,
                           "status": r.status}
    if r.seconds:
        rec["seconds"] = {k: round(v, 4) for k, v in r.seconds.items()}
    if r.error:
        rec["error"] = r.error
    return rec

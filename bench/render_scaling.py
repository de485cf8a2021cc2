"""Render-job scaling: throughput of 1 and 2 local workers and of Ray at equal cores; worker memory with
and without recycling. Measures and prints; never judges.

    .venv/bin/python bench/render_scaling.py throughput --frames 12 --resolution 256x128 --samples 4 --repeats 3
    .venv/bin/python bench/render_scaling.py rss --frames 200 --resolution 64x32 --samples 1 --frames-per-worker 50

``throughput`` runs ``scenegen render`` once per configuration and repeat (configurations in rotated order,
so drift in machine load hits each alike) and reports the median frames per minute of the render phase
(from the run manifest: worker start-up included, interpreter and Ray start-up not), of the whole command,
and the CPU seconds a worker spent per frame (all its threads; equal work should show equal CPU).
``rss`` renders with one worker, once recycled every N frames and once never recycled, and reports the
resident memory the worker reported after each frame (manifest ``worker_rss_mb``) and its peak.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    "local, 1 worker": ["--executor", "local", "--workers", "1"],
    "local, 2 workers": ["--executor", "local", "--workers", "2"],
    "ray, 2 workers": ["--executor", "ray", "--workers", "2"],
}


def machine() -> Dict[str, Any]:
    """Cores, CPU model, memory and current load of this machine."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": len(os.sched_getaffinity(0)), "cpu": model, "memory_gib": round(mem, 1),
            "python": platform.python_version(), "load_1min": round(os.getloadavg()[0], 2)}


def render(out: Path, frames: int, resolution: str, samples: int, seed: int, extra: List[str]) -> Dict[str, Any]:
    """Run one ``scenegen render`` and return its manifest plus the whole command's wall time."""
    cmd = [sys.executable, "-m", "scenegen.cli", "render", "--frames", str(frames), "--resolution", resolution,
           "--samples", str(samples), "--no-denoise", "--seed", str(seed), "--out", str(out), "--no-sheet", *extra]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"render failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    m = json.loads((out / "manifest.json").read_text())
    m["command_seconds"], m["load_before"] = wall, load
    return m


def throughput(args: argparse.Namespace) -> Dict[str, Any]:
    runs: Dict[str, List[Dict[str, Any]]] = {name: [] for name in CONFIGS}
    names = list(CONFIGS)
    with tempfile.TemporaryDirectory(prefix="render-scaling-") as tmp:
        for rep in range(args.repeats):
            order = names[rep % len(names):] + names[:rep % len(names)]
            for name in order:
                out = Path(tmp) / f"{len(runs[name])}-{name.replace(', ', '-').replace(' ', '')}"
                m = render(out, args.frames, args.resolution, args.samples, args.seed, CONFIGS[name])
                cpu = [f["seconds"]["cpu"] for f in m["frames"] if "cpu" in f.get("seconds", {})]
                runs[name].append({"render_fpm": m["frames_per_minute"],
                                   "worker_cpu_s_per_frame": round(statistics.mean(cpu), 3) if cpu else None,
                                   "command_fpm": round(args.frames / m["command_seconds"] * 60, 2),
                                   "render_seconds": m["wall_seconds"],
                                   "command_seconds": round(m["command_seconds"], 2),
                                   "workers": m["execution"]["workers"],
                                   "threads": m["execution"]["threads_per_worker"],
                                   "load_before": round(m["load_before"], 2)})
                print(f"  {name:<18} run {rep + 1}: {runs[name][-1]}", file=sys.stderr)
    summary = {}
    for name, rs in runs.items():
        summary[name] = {"render_fpm_median": statistics.median(r["render_fpm"] for r in rs),
                         "command_fpm_median": statistics.median(r["command_fpm"] for r in rs),
                         "worker_cpu_s_per_frame_median": statistics.median(
                             r["worker_cpu_s_per_frame"] or 0 for r in rs),
                         "workers_x_threads": f"{rs[0]['workers']}x{rs[0]['threads']}", "runs": rs}
    local2 = summary["local, 2 workers"]["render_fpm_median"]
    ray2 = summary["ray, 2 workers"]["render_fpm_median"]
    return {"benchmark": "throughput", "frames": args.frames, "resolution": args.resolution,
            "samples": args.samples, "denoise": False, "repeats": args.repeats, "configs": summary,
            "ray_vs_local_render": round(ray2 / local2, 3) if local2 else None, "machine": machine()}


def _rss_run(tmp: str, args: argparse.Namespace, per_worker: int) -> Dict[str, Any]:
    out = Path(tmp) / f"rss-{per_worker}"
    m = render(out, args.frames, args.resolution, args.samples, args.seed,
               ["--workers", "1", "--frames-per-worker", str(per_worker)])
    frames = sorted(m["frames"], key=lambda f: f["frame_index"])
    rss = [f["worker_rss_mb"] for f in frames]
    peak = [f["worker_peak_rss_mb"] for f in frames]
    window = min(50, len(rss) // 4 or 1)
    first, last = max(peak[:window]), max(peak[-window:])
    return {"frames_per_worker": per_worker, "worker_processes": len({f["worker_pid"] for f in frames}),
            "rss_mb_after_frame": {"1": rss[0], "10": rss[min(9, len(rss) - 1)], str(len(rss)): rss[-1]},
            f"peak_rss_mb_first_{window}": first, f"peak_rss_mb_last_{window}": last,
            "peak_growth_pct": round((last - first) / first * 100, 1), "rss_mb": rss,
            "render_fpm": m["frames_per_minute"]}


def rss(args: argparse.Namespace) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="render-rss-") as tmp:
        recycled = _rss_run(tmp, args, args.frames_per_worker)
        print(f"  recycled: {_short(recycled)}", file=sys.stderr)
        never = _rss_run(tmp, args, args.frames)
        print(f"  never recycled: {_short(never)}", file=sys.stderr)
    return {"benchmark": "rss", "frames": args.frames, "resolution": args.resolution, "samples": args.samples,
            "recycled": recycled, "never_recycled": never, "machine": machine()}


def _short(r: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in r.items() if k != "rss_mb"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("throughput", help="frames per minute: local x1, local x2, ray x2")
    t.add_argument("--frames", type=int, default=12)
    t.add_argument("--resolution", default="256x128")
    t.add_argument("--samples", type=int, default=4)
    t.add_argument("--repeats", type=int, default=3)
    r = sub.add_parser("rss", help="worker memory over many frames, recycled and not")
    r.add_argument("--frames", type=int, default=200)
    r.add_argument("--resolution", default="64x32")
    r.add_argument("--samples", type=int, default=1)
    r.add_argument("--frames-per-worker", type=int, default=50)
    for p in (t, r):
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    result = throughput(args) if args.what == "throughput" else rss(args)
    text = json.dumps(result if args.what == "throughput" else
                      {**result, "recycled": _short(result["recycled"]),
                       "never_recycled": _short(result["never_recycled"])}, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""The ``scenegen render`` subcommand: the flag form or a job file, on local processes or Ray."""
from __future__ import annotations

import argparse
from pathlib import Path

from scenegen.cli_types import int_at_least, number, positive_int, run_seed, share
from scenegen.commands import add_output_args, add_params_arg
from scenegen.errors import UserError
from scenegen.limits import MAX_FPS, MAX_FRAMES, MAX_RETRIES, MAX_SEQUENCE_LENGTH, MAX_WORKERS
from scenegen.render_settings import DEFAULT_RESOLUTION, DEFAULT_SAMPLES, parse_resolution

from .defaults import DEFAULT_FPS, EXECUTORS

# Flags that say what to render: in a job file these live in the file.
_LOOK_FLAGS = {"params": "--params", "frames": "--frames", "seed": "--seed", "resolution": "--resolution",
               "samples": "--samples", "no_denoise": "--no-denoise", "out": "--out", "split": "--split",
               "city": "--city", "catalog": "--catalog", "cad_share": "--cad-share", "outputs": "--outputs",
               "sequence_length": "--sequence-length", "fps": "--fps"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``render`` to the scenegen subcommands."""
    p = sub.add_parser("render", help="render labelled frames in the Cityscapes layout",
                       description="Sample scenes from a parameter space and render them with Cycles: RGB plus "
                                   "exact labelIds, color, instanceIds, labelTrainIds and a scene JSON per frame. "
                                   "Give the job as flags (--frames, --out, ...) or as a YAML job file (--job). "
                                   "Rerunning the same command resumes: complete frames are kept.")
    p.add_argument("--job", metavar="FILE", help="YAML job file (instead of --frames/--out/... flags)")
    add_params_arg(p)
    p.add_argument("--out", metavar="DIR", help="output root")
    p.add_argument("--frames", type=positive_int("--frames", MAX_FRAMES), help=f"number of frames (at most {MAX_FRAMES})")
    p.add_argument("--seed", type=run_seed, help="run seed (default: 0)")
    p.add_argument("--resolution", metavar="WxH", help="image size (default: {}x{})".format(*DEFAULT_RESOLUTION))
    p.add_argument("--samples", type=positive_int("--samples"), help=f"Cycles samples per pixel (default {DEFAULT_SAMPLES})")
    p.add_argument("--no-denoise", action="store_true", default=None, help="turn off denoising")
    p.add_argument("--outputs", metavar="KINDS",
                   help="extra ground truth per frame, comma-separated: depth (metres, .npy), disparity "
                        "(Cityscapes disparity PNG + camera JSON), normals (camera axes, 16-bit PNG), boxes "
                        "(per-instance 2D/3D boxes, JSON); "
                        "see docs/ground_truth.md")
    p.add_argument("--sequence-length", type=positive_int("--sequence-length", MAX_SEQUENCE_LENGTH), metavar="N",
                   help="render sequences of N frames (one scene each, the camera driving along the street; "
                        "forward and backward optical flow per frame); --frames counts all frames")
    p.add_argument("--fps", type=number("--fps", minimum=0.0, maximum=MAX_FPS, above_minimum=True), metavar="F",
                   help=f"frames per second of a sequence (default {DEFAULT_FPS:g})")
    p.add_argument("--catalog", metavar="FILE",
                   help="YAML catalog of your own CAD models (OBJ, glTF, .blend) with a class and scale each; "
                        "objects of those classes are drawn from it (see README)")
    p.add_argument("--cad-share", type=share("--cad-share"), metavar="F",
                   help="probability that a placed object of a catalog class is a catalog model (default 0.5)")
    add_output_args(p)
    p.set_defaults(split=None, city=None)
    run = p.add_argument_group("how to run (also override a job file)")
    run.add_argument("--device", choices=("auto", "cpu", "gpu"), default=None,
                     help="render device: a GPU when Cycles finds one (auto, default), or force one")
    run.add_argument("--workers", type=positive_int("--workers", MAX_WORKERS), help="parallel workers (default: all cores)")
    run.add_argument("--threads", type=int_at_least("--threads", 0, MAX_WORKERS),
                     help="render threads per worker (default: cores // workers)")
    run.add_argument("--executor", choices=EXECUTORS, default=None,
                     help="local worker processes (default) or Ray tasks")
    run.add_argument("--ray-address", metavar="ADDR",
                     help="Ray cluster to join, e.g. 10.0.0.1:6379 or auto (default: start a local Ray instance)")
    run.add_argument("--frames-per-worker", type=positive_int("--frames-per-worker", MAX_FRAMES),
                     help="frames a worker process renders before it is replaced (bounds memory; default 50)")
    run.add_argument("--retries", type=int_at_least("--retries", 0, MAX_RETRIES),
                     help="times a failed work unit is retried (default 2)")
    run.add_argument("--no-sheet", action="store_true", default=None, help="do not write contact_sheet.png")
    p.set_defaults(func=cmd_render)


def job_from_args(args: argparse.Namespace):
    """The JobSpec of a ``render`` command line (job file plus overrides, or the flag form)."""
    from scenegen.ground_truth import parse_outputs

    from .jobfile import JobSpec, load_job, with_overrides

    if args.job:
        given = [flag for dest, flag in _LOOK_FLAGS.items() if getattr(args, dest) is not None]
        if given:
            raise UserError(f"--job {args.job}: {given[0]} belongs in the job file; use one or the other")
        job = load_job(args.job)
    else:
        if args.out is None or args.frames is None:
            raise UserError("render: give --frames N and --out DIR, or --job FILE")
        job = JobSpec(out=Path(args.out), frames=args.frames,
                      seed=args.seed if args.seed is not None else 0,
                      params=Path(args.params) if args.params else None,
                      resolution=parse_resolution(args.resolution) if args.resolution else DEFAULT_RESOLUTION,
                      samples=args.samples or DEFAULT_SAMPLES, denoise=not args.no_denoise,
                      split=args.split or "train", city=args.city or "scenegen",
                      catalog=Path(args.catalog) if args.catalog else None, cad_share=args.cad_share,
                      outputs=parse_outputs(args.outputs), sequence_length=args.sequence_length or 1,
                      fps=args.fps if args.fps is not None else DEFAULT_FPS)
    if args.ray_address and (args.executor or job.executor) != "ray":
        raise UserError("--ray-address needs --executor ray")
    return with_overrides(job, device=args.device, workers=args.workers, threads=args.threads,
                          executor=args.executor, ray_address=args.ray_address,
                          frames_per_worker=args.frames_per_worker, retries=args.retries,
                          sheet=False if args.no_sheet else None)


def cmd_render(args: argparse.Namespace) -> int:
    from .run import RenderRun

    return RenderRun(job_from_args(args)).execute()

"""The ``scenegen render`` subcommand."""
from __future__ import annotations

import argparse

from scenegen.commands import _positive_int, _seed, add_output_args, add_params_arg


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``render`` to the scenegen subcommands."""
    p = sub.add_parser("render", help="render labelled frames in the Cityscapes layout",
                       description="Sample scenes from a parameter space and render them with Cycles: RGB plus "
                                   "exact labelIds, color, instanceIds, labelTrainIds and a scene JSON per frame. "
                                   "Rerunning the same command resumes: complete frames are kept.")
    add_params_arg(p)
    p.add_argument("--out", required=True, metavar="DIR", help="output root")
    p.add_argument("--frames", type=_positive_int("--frames"), required=True, help="number of frames")
    p.add_argument("--seed", type=_seed, default=0, help="run seed (default: 0)")
    p.add_argument("--resolution", default="512x256", metavar="WxH", help="image size (default: 512x256)")
    p.add_argument("--samples", type=_positive_int("--samples"), default=16, help="Cycles samples per pixel (default 16)")
    p.add_argument("--no-denoise", action="store_true", help="turn off denoising")
    p.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                   help="render device: a GPU when Cycles finds one (auto), or force one")
    add_output_args(p)
    p.add_argument("--no-sheet", action="store_true", help="do not write contact_sheet.png")
    p.set_defaults(func=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    from scenegen.params import load_space
    from scenegen.render_settings import RenderSettings, parse_resolution

    from .run import RenderRun

    space = load_space(args.params)
    width, height = parse_resolution(args.resolution)
    settings = RenderSettings(width=width, height=height, samples=args.samples, denoise=not args.no_denoise,
                              device=args.device)
    run = RenderRun(space=space, settings=settings, out=args.out, seed=args.seed, frames=args.frames,
                    split=args.split, city=args.city, write_sheet=not args.no_sheet)
    return run.execute()

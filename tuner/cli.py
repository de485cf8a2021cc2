"""``scenegen tune`` and ``scenegen report``.

Registered into the main CLI by :func:`register`.  Heavy imports (torch, matplotlib) happen in
the handlers, so ``scenegen --help`` stays fast.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from scenegen.cli_types import non_negative_int, parse_grid, positive_int, share
from scenegen.errors import ParamsError, UserError

from .disc_kinds import BACKBONES, INPUTS

_DEFAULTS: Dict[str, Any] = {
    "params": None, "iterations": 8, "batch": 64, "resolution": "256x128", "method": "rejection",
    "device": "auto", "seed": 0, "backend": "blender", "samples": 16, "workers": 1, "folds": 2,
    "disc": "small", "disc_steps": 150, "disc_lr": 1e-3, "input_size": None, "replay": 2,
    "real_count": 256, "holdout": 0.25, "real_val": None, "variables": None, "threads": 0,
    "disc_val": 0.0, "disc_bands": 1, "replay_weights": False, "disc_input": "rgb", "layout_grid": (3, 4),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``tune`` and ``report`` subcommands."""
    p = subparsers.add_parser(
        "tune", help="tune the scene-variable distributions toward a real dataset",
        description="Adversarial tuning (Veeravasarapu et al., CVPR 2017): render draws from the current "
                    "distributions, train a real-vs-rendered discriminator, and move each variable's "
                    "distribution toward the draws that look real. Writes params_iter{k}.yaml, "
                    "disc_iter{k}.pt and metrics_iter{k}.json per iteration into --out.")
    p.add_argument("--real", metavar="SPEC",
                   help="real images: [cityscapes:|camvid:|scenegen:]PATH[#SPLIT], or params:FILE to render "
                        "the target set from a hidden parameter file (parameter recovery)")
    p.add_argument("--params", metavar="FILE", help="starting parameter space (default: the built-in uniform one)")
    p.add_argument("--out", required=True, metavar="DIR", help="run folder")
    p.add_argument("--iterations", type=positive_int("--iterations"), help="tuning iterations (default 8)")
    p.add_argument("--batch", type=positive_int("--batch"), help="renders per iteration (default 64)")
    p.add_argument("--resolution", metavar="WxH", help="render size (default 256x128)")
    p.add_argument("--method", choices=("rejection", "score"), help="update rule (default rejection, as the paper)")
    p.add_argument("--rule-opt", action="append", default=[], metavar="KEY=VALUE",
                   help="update-rule option, repeatable (rejection: accept=quantile|ratio|weight, quantile, ratio_cap, "
                        "power, pool, damping, pseudo_count, smooth, floor; score: lr, reward, normalize, natural, "
                        "max_step)")
    p.add_argument("--variables", metavar="A,B,...",
                   help="tune only these variables: names and group:NAME for a whole scene group, e.g. "
                        "group:camera,group:road_appearance,fog_density (default: all; groups: scenegen params show)")
    p.add_argument("--device", help="discriminator device: auto (CUDA + mixed precision when present), cpu, cuda")
    p.add_argument("--resume", action="store_true", help="continue the run in --out after its last finished "
                                                           "iteration (settings default to the stored ones)")
    p.add_argument("--seed", type=non_negative_int("--seed"), help="run seed (default 0)")
    p.add_argument("--backend", choices=("blender", "toy"),
                   help="renderer: blender (default) or toy (numpy stand-in for quick checks)")
    p.add_argument("--samples", type=positive_int("--samples"), help="Cycles samples per pixel (default 16)")
    p.add_argument("--workers", type=positive_int("--workers"), help="render worker processes (default 1)")
    p.add_argument("--folds", type=positive_int("--folds"), help="cross-fitting folds (default 2)")
    p.add_argument("--disc", choices=BACKBONES,
                   help="discriminator: small CNN from scratch (default), frozen EfficientNet-Lite0 + head, "
                        "layout (class shares of the label images on a coarse grid; needs a labelled real set), or "
                        "stats (mean colour and contrast on that grid, plus class shares with --disc-input rgb+labels)")
    p.add_argument("--disc-steps", type=positive_int("--disc-steps"), help="discriminator steps per fold per iteration")
    p.add_argument("--disc-lr", type=float, help="discriminator learning rate (default 1e-3)")
    p.add_argument("--disc-val", type=float, metavar="FRAC",
                   help="share of the discriminator's training images held out per fold for early stopping and "
                        "score calibration (default 0 = off)")
    p.add_argument("--disc-bands", type=positive_int("--disc-bands"),
                   help="small CNN: pool its features over this many horizontal bands (default 1 = global)")
    p.add_argument("--layout-grid", metavar="ROWSxCOLS",
                   help="layout and stats discriminators: the grid their statistics are averaged over (default "
                        "3x4; 1x1 = whole-image statistics, e.g. the class proportions)")
    p.add_argument("--disc-input", choices=INPUTS,
                   help="what the small CNN or stats discriminator reads: rgb (default), the label images (class "
                        "layout; needs a labelled real set), or both stacked")
    p.add_argument("--replay-weights", action=argparse.BooleanOptionalAction, default=None,
                   help="weight replayed renders of earlier iterations by q_now/q_then so they stand in for the "
                        "current distribution (default off)")
    p.add_argument("--input-size", metavar="WxH", help="discriminator input size (default: render aspect, <=128 wide)")
    p.add_argument("--replay", type=non_negative_int("--replay"), help="earlier iterations whose renders stay negatives (default 2)")
    p.add_argument("--real-count", type=non_negative_int("--real-count"),
                   help="real images used (0 = all; for params: the number of target renders; default 256)")
    p.add_argument("--holdout", type=float, help="share of real images held out for metrics (default 0.25)")
    p.add_argument("--real-val", metavar="SPEC", help="separate real set for metrics (e.g. camvid:PATH#val)")
    p.add_argument("--no-kid", action="store_true", help="skip KID (saves the Lite0 feature pass)")
    p.add_argument("--threads", type=non_negative_int("--threads"),
                   help="CPU threads of torch and of each Blender render worker (0 = their defaults)")
    p.add_argument("--catalog", metavar="FILE",
                   help="YAML catalog of your own CAD models, drawn into the renders as in scenegen render")
    p.add_argument("--cad-share", type=share("--cad-share"), metavar="F",
                   help="probability that an object of a catalog class is a catalog model (default 0.5)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_tune)

    r = subparsers.add_parser("report", help="write report.html and plots for a tuning run",
                              description="Per-variable histograms (start, end, target), metric curves, render "
                                          "grids per iteration beside real samples, class-proportion bars.")
    r.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by scenegen tune")
    r.add_argument("--out", metavar="DIR", help="where to write (default RUN_DIR/report)")
    r.set_defaults(func=cmd_report)


def _parse_size(text: str, flag: str):
    from scenegen.render_settings import parse_resolution

    try:
        return parse_resolution(text)
    except UserError as e:
        raise UserError(str(e).replace("--resolution", flag)) from None


def _rule_options(items: List[str]) -> Dict[str, Any]:
    import yaml

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--rule-opt expects KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            out[key.strip()] = value
    return out


def build_config(args: argparse.Namespace):
    """A TuneConfig from the arguments; with --resume unspecified settings come from run.json."""
    from .loop import RUN_FILE, TuneConfig

    base = dict(_DEFAULTS)
    stored = None
    run_file = Path(args.out) / RUN_FILE
    if args.resume and run_file.is_file():
        try:
            stored = json.loads(run_file.read_text())["config"]
        except (OSError, ValueError, KeyError) as e:
            raise UserError(f"{run_file}: unreadable run description ({e})") from None
    given = {
        "real": args.real, "params": args.params, "iterations": args.iterations, "batch": args.batch,
        "method": args.method, "device": args.device, "seed": args.seed, "backend": args.backend,
        "samples": args.samples, "workers": args.workers, "folds": args.folds, "disc": args.disc,
        "disc_steps": args.disc_steps, "disc_lr": args.disc_lr, "replay": args.replay,
        "real_count": args.real_count, "holdout": args.holdout, "real_val": args.real_val,
        "threads": args.threads, "disc_val": args.disc_val, "disc_bands": args.disc_bands,
        "catalog": args.catalog, "cad_share": args.cad_share,
        "replay_weights": args.replay_weights, "disc_input": args.disc_input,
        "layout_grid": None if args.layout_grid is None else parse_grid(args.layout_grid, "--layout-grid"),
    }
    cfg: Dict[str, Any] = {}
    if stored is not None:
        cfg = dict(stored)
    else:
        cfg = {"params": base["params"], "iterations": base["iterations"], "batch": base["batch"],
               "resolution": _parse_size(base["resolution"], "--resolution"), "method": base["method"],
               "method_options": {}, "variables": None, "seed": base["seed"], "device": base["device"],
               "backend": base["backend"], "samples": base["samples"], "workers": base["workers"],
               "folds": base["folds"], "disc_backbone": base["disc"], "disc_steps": base["disc_steps"],
               "disc_lr": base["disc_lr"], "input_size": None, "replay": base["replay"],
               "real_count": base["real_count"], "holdout": base["holdout"], "real_val": None, "kid": True,
               "threads": base["threads"], "disc_val": base["disc_val"], "disc_bands": base["disc_bands"],
               "replay_weights": base["replay_weights"], "disc_input": base["disc_input"],
               "layout_grid": base["layout_grid"]}
    for key, value in given.items():
        if value is not None:
            cfg["disc_backbone" if key == "disc" else key] = value
    if args.resolution is not None:
        cfg["resolution"] = _parse_size(args.resolution, "--resolution")
    if args.input_size is not None:
        cfg["input_size"] = _parse_size(args.input_size, "--input-size")
    if args.rule_opt:
        cfg["method_options"] = _rule_options(args.rule_opt)
    elif stored is None or (args.method is not None and args.method != stored.get("method")):
        cfg["method_options"] = {}
    if args.variables is not None:
        from scenegen.params import default_space  # numpy: not while the CLI parser is built

        try:
            names = default_space().select(args.variables.split(","))
        except ParamsError as e:
            raise UserError(f"--variables: {e}") from None
        if not names:
            raise UserError("--variables: give at least one variable name or group:NAME")
        cfg["variables"] = names
    if args.no_kid:
        cfg["kid"] = False
    if args.cad_share is not None and not cfg.get("catalog"):
        raise UserError("--cad-share needs --catalog FILE")
    cfg["out"] = args.out
    if not cfg.get("real"):
        raise UserError("--real is required (a dataset spec or params:FILE)")
    return TuneConfig.from_dict(cfg)


def cmd_tune(args: argparse.Namespace) -> int:
    """Handler of ``scenegen tune``."""
    from .best import BEST_PARAMS, best_iteration
    from .loop import Tuner, load_metrics

    config = build_config(args)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr))
    run = Tuner(config, resume=args.resume, progress=not args.quiet, log=log).run()
    ms = load_metrics(run)
    last = ms[-1] if ms else {}
    print(f"tuned {len(ms) - 1} iteration(s) -> {run / f'params_iter{len(ms) - 1}.yaml'}")
    best = best_iteration(ms)
    if best is not None:
        print(f"closest to the real training images ({best['measure']} {best['value']:.3f}): {best['params']}"
              f" -> {run / BEST_PARAMS}")
    if "recovery" in last:
        print(f"parameter-recovery error: {ms[0]['recovery']['mean']:.4f} -> {last['recovery']['mean']:.4f}")
    print(f"report: scenegen report {run}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Handler of ``scenegen report``."""
    from .report import write_report

    from .loop import load_metrics

    path = write_report(Path(args.run_dir), Path(args.out) if args.out else None)
    print(f"report: {path}")
    ms = load_metrics(Path(args.run_dir))
    if len(ms) > 1 and "recovery" in ms[0] and "recovery" in ms[-1]:
        e0, e1 = ms[0]["recovery"]["mean"], ms[-1]["recovery"]["mean"]
        change = f"{100 * (1 - e1 / e0):.0f} % lower" if e1 <= e0 else f"{100 * (e1 / e0 - 1):.0f} % HIGHER"
        print(f"parameter-recovery error (mean normalised W1 over {len(ms[-1]['recovery']['variables'])} variables): "
              f"{e0:.3f} at the start -> {e1:.3f} after iteration {len(ms) - 1} ({change})")
    return 0


def main(argv: List[str] | None = None) -> int:
    """Standalone entry (``python -m tuner.cli``) until the main CLI wires these subcommands."""
    parser = argparse.ArgumentParser(prog="scenegen")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        print(f"scenegen: error: {e}", file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())

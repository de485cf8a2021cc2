"""``scenegen tune`` and ``scenegen report``.

Registered into the main CLI by :func:`register`.  Heavy imports (torch, matplotlib) happen in
the handlers, so ``scenegen --help`` stays fast.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List

from render_jobs.defaults import EXECUTORS
from scenegen.cli_types import int_at_least, non_negative_int, number, parse_grid, positive_int, share
from scenegen.errors import UserError
from scenegen.limits import MAX_WORKERS

from .disc_kinds import BACKBONES, INPUTS, KINDS, kind_spec
from .rule_help import RULE_OPTIONS, rule_options_epilog
from .recipes import (DEFAULT_RECIPE, default_setting, load_config_file, load_recipe, parse_variables,
                      recipe_description, recipe_names)
from .run_folder import RunFolder

def _d(name: str, unset: str = "") -> str:
    """"(default: X)" for a setting, as the default recipe leaves it."""
    value = default_setting(name)
    if value is None or (isinstance(value, (list, tuple, dict)) and not value):
        value = unset or "none"
    elif isinstance(value, bool):
        value = "on" if value else "off"
    elif isinstance(value, (list, tuple)):
        value = ",".join(map(str, value)) if name == "variables" else "x".join(map(str, value))
    elif isinstance(value, dict):
        value = " ".join(f"{k}={v}" for k, v in value.items())
    return f"(default: {value})"


def _recipe_choices() -> str:
    return "; ".join(f"{name}: {recipe_description(name)}" for name in recipe_names())


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``tune`` and ``report`` subcommands."""
    p = subparsers.add_parser(
        "tune", help="tune the scene-variable distributions toward a real dataset",
        description=textwrap.fill(
            "Adversarial tuning (Veeravasarapu et al., CVPR 2017): render draws from the current distributions, "
            "train a real-vs-rendered discriminator, and move each variable's distribution toward the draws that "
            "look real. Writes params_iter{k}.yaml, disc_iter{k}.pt and metrics_iter{k}.json per iteration into "
            "--out.", 100),
        epilog=rule_options_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    _run_options(p)
    _loop_options(p)
    _disc_options(p)
    p.set_defaults(func=cmd_tune)

    r = subparsers.add_parser("report", help="write report.html and plots for a tuning run",
                              description="Per-variable histograms (start, end, target), metric curves, render "
                                          "grids per iteration beside real samples, class-proportion bars.")
    r.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by scenegen tune")
    r.add_argument("--out", metavar="DIR", help="where to write (default RUN_DIR/report)")
    r.set_defaults(func=cmd_report)


def _run_options(p: argparse.ArgumentParser) -> None:
    """Where the settings, the data and the run come from, and how it runs."""
    p.add_argument("--recipe", metavar="NAME|FILE",
                   help=f"tuning recipe: the settings every flag below starts from; {_recipe_choices()}, or a "
                        f"recipe file (default {DEFAULT_RECIPE}; configs/recipes/)")
    p.add_argument("--config", metavar="FILE",
                   help="YAML file of tuning settings (the keys of the recipes, plus real, out and recipe; "
                        "relative paths from the file); flags override it")
    p.add_argument("--real", metavar="SPEC",
                   help="real images: [cityscapes:|camvid:|scenegen:]PATH[#SPLIT], or params:FILE to render "
                        "the target set from a hidden parameter file (parameter recovery)")
    p.add_argument("--params", metavar="FILE", help="starting parameter space (default: the built-in uniform one)")
    p.add_argument("--out", metavar="DIR", help="run folder (required here or in --config)")
    p.add_argument("--real-val", metavar="SPEC", help="separate real set for metrics (e.g. camvid:PATH#val)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out after its last finished "
                                                           "iteration (settings default to the stored ones)")
    p.add_argument("--by-recording", action="store_true",
                   help="one tune per recording of --real (a frame's file-name prefix: CamVid 0016E5, a "
                        "Cityscapes city), each in OUT/RECORDING, and OUT/mixture.yaml drawing each frame from "
                        "one of them in the recordings' shares (render it with --params)")
    p.add_argument("--seed", type=non_negative_int("--seed"), help=f"run seed {_d('seed')}")
    p.add_argument("--device", help="discriminator device: auto (CUDA + mixed precision when present), cpu, cuda")
    p.add_argument("--workers", type=positive_int("--workers", MAX_WORKERS), help=f"render worker processes {_d('workers')}")
    p.add_argument("--threads", type=int_at_least("--threads", 0, MAX_WORKERS),
                   help="CPU threads of torch and of each Blender render worker (0 = their defaults)")
    p.add_argument("--executor", choices=EXECUTORS,
                   help=f"render with local worker processes or Ray tasks, as `render` does {_d('executor')}")
    p.add_argument("--ray-address", metavar="ADDR",
                   help="Ray cluster to join, e.g. 10.0.0.1:6379 or auto (default: a private local Ray instance)")
    p.add_argument("--catalog", metavar="FILE",
                   help="YAML catalog of your own CAD models, drawn into the renders as in scenegen render")
    p.add_argument("--cad-share", type=share("--cad-share"), metavar="F",
                   help=f"probability that an object of a catalog class is a catalog model {_d('cad_share')}")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _loop_options(p: argparse.ArgumentParser) -> None:
    """The tuning loop: renders, update rule, variables, real images, metrics."""
    p.add_argument("--iterations", type=positive_int("--iterations"), help=f"tuning iterations {_d('iterations')}")
    p.add_argument("--batch", type=positive_int("--batch"), help=f"renders per iteration {_d('batch')}")
    p.add_argument("--resolution", metavar="WxH", help=f"render size {_d('resolution')}")
    p.add_argument("--samples", type=positive_int("--samples"), help=f"Cycles samples per pixel {_d('samples')}")
    p.add_argument("--backend", choices=("blender", "toy"),
                   help=f"renderer: blender or toy (numpy stand-in for quick checks) {_d('backend')}")
    p.add_argument("--method", choices=tuple(RULE_OPTIONS),
                   help=f"update rule: rejection (the paper), score (REINFORCE) or inverse (an inverse model "
                        f"reads each variable off the real images) {_d('method')}")
    p.add_argument("--rule-opt", action="append", default=[], metavar="KEY=VALUE",
                   help=f"update-rule option, repeatable; the keys are listed below {_d('method_options')}")
    p.add_argument("--variables", metavar="A,B,...",
                   help="tune only these variables: names and group:NAME for a whole scene group, e.g. "
                        f"group:camera,group:road_appearance,fog_density {_d('variables', 'all')}; groups: scenegen params show")
    p.add_argument("--real-count", type=non_negative_int("--real-count"),
                   help=f"real images used (0 = all; for params: the number of target renders) {_d('real_count')}")
    p.add_argument("--holdout", type=number("--holdout", 0.0, 1.0), help=f"share of real images held out for metrics {_d('holdout')}")
    p.add_argument("--kid", action=argparse.BooleanOptionalAction, default=None,
                   help=f"KID on Lite0 features as a metric; --no-kid saves that feature pass {_d('kid')}")


def _disc_options(p: argparse.ArgumentParser) -> None:
    """The discriminator."""
    kinds = "; ".join(f"{k.name}: {k.summary} (reads {' or '.join(k.inputs)})" for k in KINDS.values())
    p.add_argument("--disc", choices=BACKBONES, help=f"discriminator kind {_d('disc_backbone')}; {kinds}")
    p.add_argument("--disc-steps", type=positive_int("--disc-steps"), help=f"discriminator steps per fold per iteration {_d('disc_steps')}")
    p.add_argument("--disc-lr", type=number("--disc-lr", 0.0, 10.0, above_minimum=True), help=f"discriminator learning rate {_d('disc_lr')}")
    p.add_argument("--disc-val", type=number("--disc-val", 0.0, 0.5), metavar="FRAC",
                   help="share of the discriminator's training images held out per fold for early stopping and "
                        f"score calibration; 0 = off {_d('disc_val')}")
    p.add_argument("--disc-bands", type=positive_int("--disc-bands"),
                   help=f"small CNN: pool its features over this many horizontal bands; 1 = global {_d('disc_bands')}")
    p.add_argument("--disc-grid", "--layout-grid", dest="disc_grid", metavar="ROWSxCOLS",
                   help=f"layout and stats discriminators: the grid their statistics are averaged over; 1x1 = "
                        f"whole-image statistics, e.g. the class proportions; --layout-grid is its old name {_d('disc_grid')}")
    p.add_argument("--disc-input", choices=INPUTS,
                   help=f"what the small CNN or stats discriminator reads: rgb, the label images (class "
                        f"layout; needs a labelled real set), or both stacked {_d('disc_input')}")
    p.add_argument("--replay-weights", action=argparse.BooleanOptionalAction, default=None,
                   help="weight replayed renders of earlier iterations by q_now/q_then so they stand in for the "
                        f"current distribution {_d('replay_weights')}")
    p.add_argument("--input-size", metavar="WxH", help=f"discriminator input size {_d('input_size', 'the render aspect, <=128 wide')}")
    p.add_argument("--replay", type=non_negative_int("--replay"), help=f"earlier iterations whose renders stay negatives {_d('replay')}")
    p.add_argument("--folds", type=positive_int("--folds"), help=f"cross-fitting folds {_d('folds')}")


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
    """A TuneConfig from the TuneConfig defaults, the recipe, the --config file and the flags, later winning;
    with --resume the run's stored settings take the place of the first three unless given again."""
    from .config import TuneConfig

    file_settings, file_recipe = load_config_file(args.config) if args.config else ({}, None)
    out = args.out or file_settings.get("out")
    if not out:
        raise UserError("--out is required (the run folder; or out: in --config)")
    stored = _stored_settings(Path(out)) if args.resume else None
    if stored is not None:
        settings = {**stored, **(load_recipe(args.recipe) if args.recipe else {}), **file_settings}
    else:
        recipe = args.recipe or file_recipe or DEFAULT_RECIPE
        settings = {**TuneConfig(real="", out="").to_dict(), **load_recipe(recipe), **file_settings,
                    "recipe": recipe}
    flags = _flag_settings(args)
    if flags.get("method", settings["method"]) != settings["method"] and "method_options" not in flags:
        flags["method_options"] = {}  # another rule: the recipe's options were for its own rule
    settings.update(flags)
    settings["out"] = out
    if args.cad_share is not None and not settings.get("catalog"):
        raise UserError("--cad-share needs --catalog FILE")
    if not settings.get("real"):
        raise UserError("--real is required (a dataset spec or params:FILE)")
    return TuneConfig.from_dict(settings)


def _stored_settings(out: Path) -> Dict[str, Any] | None:
    """The settings stored in a run folder's run.json or a by-recording folder (None when there are none)."""
    from .by_recording import stored_settings

    folder = RunFolder(out)
    return folder.read_description()["config"] if folder.is_run() else stored_settings(out)


def _flag_settings(args: argparse.Namespace) -> Dict[str, Any]:
    """The settings the flags give (None: not given)."""
    flags = {
        "real": args.real, "params": args.params, "iterations": args.iterations, "batch": args.batch,
        "method": args.method, "device": args.device, "seed": args.seed, "backend": args.backend,
        "samples": args.samples, "workers": args.workers, "folds": args.folds, "disc_backbone": args.disc,
        "disc_steps": args.disc_steps, "disc_lr": args.disc_lr, "replay": args.replay,
        "real_count": args.real_count, "holdout": args.holdout, "real_val": args.real_val,
        "threads": args.threads, "executor": args.executor, "ray_address": args.ray_address,
        "disc_val": args.disc_val, "disc_bands": args.disc_bands,
        "catalog": args.catalog, "cad_share": args.cad_share,
        "replay_weights": args.replay_weights, "disc_input": args.disc_input,
        "disc_grid": None if args.disc_grid is None else parse_grid(args.disc_grid, "--disc-grid"),
        "resolution": None if args.resolution is None else _parse_size(args.resolution, "--resolution"),
        "input_size": None if args.input_size is None else _parse_size(args.input_size, "--input-size"),
        "method_options": _rule_options(args.rule_opt) if args.rule_opt else None,
        "variables": parse_variables(args.variables, "--variables") if args.variables is not None else None,
        "kid": args.kid,
    }
    given = {k: v for k, v in flags.items() if v is not None}
    if args.disc is not None and args.disc_input is None and kind_spec(args.disc).only_input:
        given["disc_input"] = kind_spec(args.disc).only_input
    return given


def check_sources(config) -> None:
    """UserError for a missing or wrongly laid out real set, target or start parameter file, found before
    the tuning loop (and torch) loads."""
    from scenegen.params import load_space
    from scenegen.seeding import generator

    from . import realdata

    for text in (config.real, config.real_val):
        if text:
            spec = realdata.parse_real_spec(text)
            if spec.kind == "params":
                realdata.target_space(spec)
            else:
                realdata.list_real(spec, 0, generator(0))
    if config.params:
        load_space(config.params)


def cmd_tune(args: argparse.Namespace) -> int:
    """Handler of ``scenegen tune``."""
    config = build_config(args)
    check_sources(config)
    if args.by_recording:
        return _tune_by_recording(config, args)
    RunFolder(config.out).check_for(config, args.resume)
    config.validate()
    _tune_and_summarise(config, args.resume, args.quiet)
    return 0


def _tune_by_recording(config, args: argparse.Namespace) -> int:
    from .by_recording import tune_by_recording

    def tune(part, resume: bool) -> RunFolder:
        print(f"== {part.real} -> {part.out}", file=sys.stderr)
        return _tune_and_summarise(part, resume, args.quiet)

    path = tune_by_recording(config, args.resume, tune)
    print(f"mixture of the tunes -> {path} (scenegen render --params {path})")
    return 0


def _tune_and_summarise(config, resume: bool, quiet: bool) -> RunFolder:
    """Run one tune and print where its results are."""
    from .best import best_iteration
    from .loop import Tuner

    log = (lambda s: None) if quiet else (lambda s: print(s, file=sys.stderr))
    run = RunFolder(Tuner(config, resume=resume, progress=not quiet, log=log).run())
    ms = run.load_metrics()
    last = ms[-1] if ms else {}
    print(f"tuned {len(ms) - 1} iteration(s) -> {run.params(len(ms) - 1)}")
    best = best_iteration(ms)
    if best is not None:
        print(f"closest to the real training images ({best['measure']} {best['value']:.3f}): {best['params']}"
              f" -> {run.best_params}")
    if "recovery" in last:
        print(f"parameter-recovery error: {ms[0]['recovery']['mean']:.4f} -> {last['recovery']['mean']:.4f}")
    _print_identifiability(ms)
    print(f"report: scenegen report {run.root}")
    return run


def _print_identifiability(ms) -> None:
    """What the images said about each tuned variable (runs whose rule measures it)."""
    from .inverse import identifiability_table
    from .report import identifiability

    table = identifiability(ms)
    if table:
        print("identifiability (first iteration: R^2 of each variable read back from held-out renders):")
        print("\n".join("  " + line for line in identifiability_table(table)))


def cmd_report(args: argparse.Namespace) -> int:
    """Handler of ``scenegen report``."""
    from .report import write_report
    path = write_report(Path(args.run_dir), Path(args.out) if args.out else None)
    print(f"report: {path}")
    ms = RunFolder(args.run_dir).load_metrics()
    if len(ms) > 1 and "recovery" in ms[0] and "recovery" in ms[-1]:
        e0, e1 = ms[0]["recovery"]["mean"], ms[-1]["recovery"]["mean"]
        change = f"{100 * (1 - e1 / e0):.0f} % lower" if e1 <= e0 else f"{100 * (e1 / e0 - 1):.0f} % HIGHER"
        print(f"parameter-recovery error (mean normalised W1 over {len(ms[-1]['recovery']['variables'])} variables): "
              f"{e0:.3f} at the start -> {e1:.3f} after iteration {len(ms) - 1} ({change})")
    return 0


def main(argv: List[str] | None = None) -> int:
    """Stand-alone entry point (``python -m ...``): the ``scenegen`` command line, same messages and exit codes."""
    from scenegen.cli import main as scenegen_main

    return scenegen_main(argv)


if __name__ == "__main__":
    sys.exit(main())

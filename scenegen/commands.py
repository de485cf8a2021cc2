"""Core subcommands: ``params show|validate``, ``sample`` and ``sheet`` (``render`` is in render_jobs.cli).

Building the parser imports nothing heavy (no numpy, yaml, cv2): modules a command needs are imported in
its handler, so ``scenegen --help`` and argument errors are quick.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_types import name_part, non_negative_int, positive_int, run_seed, share
from .errors import UserError
from .limits import MAX_CELL_WIDTH, MAX_FRAMES
from .render_settings import RenderSettings, parse_resolution

if TYPE_CHECKING:
    from .mixture import MixtureSpace
    from .params import ParameterSpace


def add_params_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", metavar="FILE", default=None,
                   help="parameter-space YAML, or a mixture of such files (default: the built-in urban space)")


def add_output_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", type=name_part("--split"), default="train", help="dataset split folder (default: train)")
    p.add_argument("--city", type=name_part("--city"), default="scenegen",
                   help="city name used in folder and file names (default: scenegen)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the core subcommands to ``sub``."""
    params = sub.add_parser("params", help="show or validate a parameter space",
                            description="Inspect parameter-space files (scene variables and their distributions).")
    psub = params.add_subparsers(dest="params_command", metavar="ACTION", parser_class=type(params))
    psub.required = True
    show = psub.add_parser("show", help="print a parameter space (default: the built-in one)")
    show.add_argument("file", nargs="?", metavar="FILE", help="parameter-space YAML (default: built-in)")
    show.add_argument("--yaml", action="store_true", help="print the full YAML instead of a table")
    show.set_defaults(func=cmd_params_show)
    validate = psub.add_parser("validate", help="check a parameter-space file")
    validate.add_argument("file", metavar="FILE", help="parameter-space YAML to check")
    validate.set_defaults(func=cmd_params_validate)

    sample = sub.add_parser("sample", help="sample scene specs (JSON only, no Blender)",
                            description="Draw scene variables and lay out scenes; write one scene JSON per frame.")
    add_params_arg(sample)
    sample.add_argument("--seed", type=run_seed, default=0, help="run seed (default: 0)")
    sample.add_argument("--count", type=positive_int("--count", MAX_FRAMES), required=True,
                        help=f"number of scenes (at most {MAX_FRAMES})")
    sample.add_argument("--out", required=True, metavar="DIR", help="output root")
    sample.add_argument("--resolution", default="512x256", help="image size used for camera intrinsics (WxH)")
    sample.add_argument("--catalog", metavar="FILE", help="YAML catalog of your own CAD models (as for render)")
    sample.add_argument("--cad-share", type=share("--cad-share"), metavar="F",
                        help="probability that an object of a catalog class is a catalog model (default 0.5)")
    add_output_args(sample)
    sample.set_defaults(func=cmd_sample)

    sheet = sub.add_parser("sheet", help="write a contact sheet of rendered frames",
                           description="Grid of rendered frames beside their colour labels, as one PNG.")
    sheet.add_argument("root", metavar="DIR", help="output root of a render")
    sheet.add_argument("--out", metavar="FILE.png", help="where to write (default: DIR/contact_sheet.png)")
    sheet.add_argument("--max", type=positive_int("--max", 1000), default=8, help="frames on the sheet (default 8)")
    sheet.add_argument("--columns", type=positive_int("--columns", 64), default=2, help="frame-and-label pairs per row (default %(default)s)")
    sheet.add_argument("--cell-width", type=positive_int("--cell-width", MAX_CELL_WIDTH), default=256,
                       help=f"width of each image in pixels, at most {MAX_CELL_WIDTH} (default %(default)s)")
    sheet.add_argument("--sequence", type=non_negative_int("--sequence"), metavar="S",
                       help="a filmstrip of sequence S instead: its frames side by side, one row per modality "
                            "(image, labels, flow, depth, normals)")
    sheet.set_defaults(func=cmd_sheet)


def load_params_arg(path: str | None) -> "ParameterSpace | MixtureSpace":
    """The parameter space or mixture of a ``--params`` value (None: the built-in space)."""
    from .mixture import load_params

    return load_params(path)


def load_cad_args(catalog: str | None, share: float | None):
    """The CadOptions of ``--catalog``/``--cad-share`` (None without a catalog); UserError for bad input."""
    from .cad import DEFAULT_CAD_SHARE, load_cad

    if catalog is None:
        if share is not None:
            raise UserError("--cad-share needs --catalog FILE")
        return None
    return load_cad(catalog, DEFAULT_CAD_SHARE if share is None else share)


def cmd_params_show(args: argparse.Namespace) -> int:
    """Handler of ``params show``."""
    space = load_params_arg(args.file)
    if args.yaml:
        sys.stdout.write(space.to_yaml())
        return 0
    parts = getattr(space, "parts", None)
    if parts is None:
        _print_space(space)
        return 0
    print(f"{space.name}  (a mixture of {len(parts)} parts, version {space.version})")
    if space.description:
        print(space.description)
    for i, (part, share) in enumerate(zip(parts, space.shares)):
        print(f"\n=== part {i}: {share:.1%} of frames, from {part.source}")
        _print_space(part)
    return 0


def _print_space(space: "ParameterSpace") -> None:
    print(f"{space.name}  ({len(space)} variables, version {space.version})")
    if space.description:
        print(space.description)
    group = None
    for v in space:
        if v.group != group:
            group = v.group
            print(f"\n[{group or 'ungrouped'}]")
        dist = v.distribution.to_dict()
        kind = dist.pop("type")
        summary = _summarise(kind, dist)
        support = f"[{v.support[0]:g}, {v.support[1]:g}]" + (f" {v.unit}" if v.unit else "")
        print(f"  {v.name:<28} {v.dtype:<5} {support:<18} {kind} {summary}")


def _summarise(kind: str, d: dict) -> str:
    if kind == "histogram":
        w = d["weights"]
        uniform = max(w) - min(w) < 1e-9
        return f"{len(w)} bins" + (" (uniform)" if uniform else f", max weight {max(w):.3f}")
    if kind == "categorical":
        return ", ".join(f"{v}:{p:.2f}" for v, p in zip(d["values"], d["weights"]))
    return ", ".join(f"{k}={v:g}" for k, v in d.items())


def cmd_params_validate(args: argparse.Namespace) -> int:
    """Handler of ``params validate``."""
    from .yamlfile import read_yaml

    space = load_params_arg(args.file)
    parts = getattr(space, "parts", None)
    if parts is not None:
        shares = ", ".join(f"{share:.1%}" for share in space.shares)
        print(f"{args.file}: OK (a mixture of {len(parts)} parts, {shares} of frames; version {space.version})")
        return 0
    named = len((read_yaml(args.file, "parameter file") or {}).get("variables", {}))
    print(f"{args.file}: OK ({named} variables set in the file, {len(space) - named} from the built-in "
          f"defaults; version {space.version})")
    return 0


def check_sample_folder(root: Path, key: dict) -> None:
    """UserError unless ``root`` is new or holds scene specs sampled with the same settings (``key``)."""
    import json

    from .outdir import refuse_other_runs
    from .settings import require_same_settings

    refuse_other_runs(root, own=("sample.json",))
    record = root / "sample.json"
    if record.is_file():
        try:
            stored = json.loads(record.read_text())["key"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise UserError(f"{record}: unreadable sample record ({e}); move it away or use a new --out") from None
        require_same_settings(record, stored, key, "add to it")
    elif root.is_dir() and any(p for p in root.iterdir() if not p.name.startswith(".")):
        raise UserError(f"--out {root}: folder is not empty and holds no scene sample; choose another folder")


def _sampled_count(root: Path) -> int:
    import json

    try:
        return int(json.loads((root / "sample.json").read_text())["count"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def cmd_sample(args: argparse.Namespace) -> int:
    """Handler of ``sample``."""
    from .grammar import frame_scene
    from .io import atomic_write_json
    from .layout import FrameId
    from .mixture import drawn_part
    from .outdir import prepare_output_dir
    from .seeding import FrameSeed
    from .writer import scene_record

    space = load_params_arg(args.params)
    cad = load_cad_args(args.catalog, args.cad_share)
    width, height = parse_resolution(args.resolution)
    settings = RenderSettings(width=width, height=height)
    key = {"seed": args.seed, "params_version": space.version, "resolution": [width, height],
           "split": args.split, "city": args.city, "cad": cad.record() if cad else None}
    check_sample_folder(Path(args.out), key)
    root = prepare_output_dir(args.out)
    atomic_write_json(root / "sample.json", {"key": key, "count": max(args.count, _sampled_count(root))})
    for i in range(args.count):
        seed = FrameSeed(args.seed, 0, i)
        spec = frame_scene(space, seed, **({"catalog": cad.catalog, "cad_share": cad.share} if cad else {}))
        fid = FrameId(root, args.split, args.city, 0, i)
        record = scene_record(spec, seed, space.version, settings, drawn_part(space, seed))
        if cad is not None:
            record["cad"] = cad.record()
        atomic_write_json(fid.path("scene"), record)
    print(f"wrote {args.count} scene specs to {root / 'scene' / args.split / args.city}")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    """Handler of ``sheet``."""
    from .contact_sheet import filmstrip, write_contact_sheet
    from .io import atomic_write_png
    from .layout import list_frames
    from .outdir import check_output_file

    root = Path(args.root)
    if not root.is_dir():
        raise UserError(f"{root}: no such output folder")
    out = check_output_file(args.out if args.out is not None else root / "contact_sheet.png")
    frames = list_frames(root)
    if not frames:
        raise UserError(f"{root}: holds no complete frames")
    if args.sequence is not None:
        frames = [f for f in frames if f.seq == args.sequence]
        if not frames:
            raise UserError(f"{root}: holds no frames of sequence {args.sequence}")
        atomic_write_png(out, filmstrip(frames[: args.max], args.cell_width))
    else:
        write_contact_sheet(frames[: args.max], out, args.cell_width, args.columns)
    print(f"wrote {out}")
    return 0

"""The catalogue of bad input: one named case per way a user can get a command wrong, across every
subcommand. Each must exit 2 with one line on stderr naming the problem (``fragment``) and write nothing.

Used by ``tests/test_bad_input_catalog.py`` (in-process, every case) and ``bench/bad_input.py`` (each case in
its own process: wall time and peak memory). ``{t}`` in an argument is the case's scratch folder, which
:func:`make_inputs` fills with the files the cases name; ``{t}/out`` never exists beforehand.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

GOOD_PARAMS = "variables:\n  fog_density: {support: [0, 2], distribution: {type: histogram, bins: 4}}\n"
OBJ = "v 0 0 0\nv 1.8 0 0\nv 1.8 4.2 0\nv 0 4.2 1.4\nf 1 2 3\nf 1 3 4\n"
ROOT = Path(__file__).resolve().parents[1]
TARGET = f"params:{ROOT / 'configs' / 'demo_target.yaml'}"
TOY_TUNE = ["tune", "--recipe", "quick", "--backend", "toy", "--real", TARGET, "--quiet", "--out", "{t}/out"]
TRAIN = ["train-seg", "--train", "scenegen:{t}/frames", "--steps", "1", "--quiet", "--out", "{t}/out"]


@dataclass(frozen=True)
class Case:
    """One bad input: the command line and a fragment its one-line message must contain."""

    name: str
    args: Tuple[str, ...]
    fragment: str

    def argv(self, scratch: Path) -> List[str]:
        return [a.replace("{t}", str(scratch)) for a in self.args]


def _case(name: str, args: List[str], fragment: str) -> Case:
    return Case(name, tuple(args), fragment)


def _params(name: str, body: str, fragment: str) -> Case:
    """``params validate`` of a file holding ``body`` (written by make_inputs as ``{t}/<name>.yaml``)."""
    return _case(f"params: {name}", ["params", "validate", f"{{t}}/p_{_slug(name)}.yaml"], fragment)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


PARAMS_BODIES = {
    "unknown variable": ("variables:\n  rain_mm: {support: [0, 1], distribution: {type: histogram}}\n",
                         "unknown variable 'rain_mm'"),
    "unknown variable key": ("variables:\n  fog_density: {support: [0, 1], distribution: {type: histogram}, foo: 1}\n",
                             "unknown key"),
    "field of view beyond its physical range": (
        "variables:\n  camera_fov_deg: {support: [179, 720], distribution: {type: histogram, bins: 4}}\n",
        "camera_fov_deg"),
    "negative building height": (
        "variables:\n  building_height_m: {support: [-10, 5], distribution: {type: histogram, bins: 4}}\n",
        "building_height_m"),
    "a hundred million bins": (
        "variables:\n  fog_density: {support: [0, 2], distribution: {type: histogram, bins: 100000000}}\n", "bins"),
    "NaN truncated-normal mean": (
        "variables:\n  camera_pitch_deg: {support: [-10, 4], distribution: {type: truncnormal, mean: .nan, std: 2}}\n",
        "mean"),
    "negative histogram weight": (
        "variables:\n  fog_density: {support: [0, 1], distribution: {type: histogram, bins: 2, weights: [1, -2]}}\n",
        "non-negative"),
    "categorical value outside the support": (
        "variables:\n  lane_count: {support: [1, 4], type: int, distribution: {type: categorical, values: [0, 9]}}\n",
        "outside the support"),
    "fractional support of an integer variable": (
        "variables:\n  lane_count: {support: [1.5, 4], type: int, distribution: {type: categorical, values: [2, 3]}}\n",
        "lane_count"),
    "reversed support": ("variables:\n  fog_density: {support: [2, 0], distribution: {type: histogram, bins: 4}}\n",
                         "fog_density"),
    "variables not a mapping": ("variables: [1, 2]\n", "variables"),
    "unknown top-level key": ("variables: {}\nweather: rain\n", "unknown top-level key"),
    "a list at the top": ("- 1\n- 2\n", "mapping"),
}

JOB_BODIES = {
    "unknown key": ("frames: 2\nfames: 3\n", "fames"),
    "negative frames": ("frames: -1\n", "frames"),
    "a trillion workers": ("frames: 1\nworkers: 1000000000000\n", "workers"),
    "a string resolution": ("frames: 1\nresolution: big\n", "resolution"),
    "missing params file": ("frames: 1\nout: o\nparams: nope.yaml\n", "nope.yaml"),
    "outputs not a list of kinds": ("frames: 1\nout: o\noutputs: {depth: 1}\n", "outputs"),
}


def cases() -> List[Case]:
    """Every catalogued bad input."""
    out = [
        # the YAML reader every input file goes through
        _case("params: missing file", ["params", "validate", "{t}/nope.yaml"], "parameter file not found"),
        _case("params: a folder", ["params", "validate", "{t}/folder"], "is a folder, not a parameter file"),
        _case("params: /dev/zero", ["params", "validate", "/dev/zero"], "is not a regular file"),
        _case("params: larger than the limit", ["params", "validate", "{t}/big.yaml"], "larger than 4 MB"),
        _case("params: malformed YAML", ["params", "validate", "{t}/malformed.yaml"], "malformed YAML at line 3"),
        _case("params: not UTF-8", ["params", "validate", "{t}/latin1.yaml"], "cannot read the parameter file"),
        *[_params(name, body, fragment) for name, (body, fragment) in PARAMS_BODIES.items()],
        _case("params show: unknown variable", ["params", "show", "{t}/p_unknown_variable.yaml"], "unknown variable"),
        # sample
        _case("sample: zero scenes", ["sample", "--count", "0", "--out", "{t}/out"], "--count"),
        _case("sample: 1e20 scenes", ["sample", "--count", "100000000000000000000", "--out", "{t}/out"], "--count"),
        _case("sample: empty --out", ["sample", "--count", "1", "--out", ""], "--out"),
        _case("sample: --out is a file", ["sample", "--count", "1", "--out", "{t}/afile"], "afile"),
        _case("sample: non-numeric seed", ["sample", "--count", "1", "--seed", "x", "--out", "{t}/out"], "--seed"),
        _case("sample: into another seed's folder", ["sample", "--count", "1", "--seed", "7", "--out", "{t}/sampled"],
              "cannot add to it: setting"),
        _case("sample: into a damaged sample record", ["sample", "--count", "1", "--out", "{t}/damaged"],
              "unreadable"),
        _case("sample: into a tuning run", ["sample", "--count", "1", "--out", "{t}/tunerun"], "tuning run"),
        _case("sample: tiny resolution", ["sample", "--count", "1", "--resolution", "4x4", "--out", "{t}/out"],
              "between 8 and"),
        _case("sample: city with a slash", ["sample", "--count", "1", "--city", "../x", "--out", "{t}/out"], "--city"),
        _case("sample: cad share above 1", ["sample", "--count", "1", "--catalog", "{t}/cat.yaml", "--cad-share", "2",
                                            "--out", "{t}/out"], "cad"),
        # CAD catalogs
        *[_case(f"catalog: {name}", ["sample", "--count", "1", "--catalog", f"{{t}}/cat_{_slug(name)}.yaml",
                                     "--out", "{t}/out"], fragment) for name, (_, fragment) in CATALOGS.items()],
        _case("catalog: missing file", ["sample", "--count", "1", "--catalog", "{t}/nocat.yaml", "--out", "{t}/out"],
              "CAD catalog file not found"),
        # render
        _case("render: zero frames", ["render", "--frames", "0", "--out", "{t}/out"], "--frames must be at least 1"),
        _case("render: two million frames", ["render", "--frames", "2000000", "--out", "{t}/out"], "1000000"),
        _case("render: a million workers", ["render", "--frames", "1", "--workers", "1000000", "--out", "{t}/out"],
              "--workers"),
        _case("render: absurd resolution", ["render", "--frames", "1", "--resolution", "100000x100000",
                                            "--out", "{t}/out"], "--resolution"),
        _case("render: zero samples", ["render", "--frames", "1", "--samples", "0", "--out", "{t}/out"], "--samples"),
        _case("render: an unknown extra output", ["render", "--frames", "1", "--outputs", "depth,flow", "--out", "{t}/out"],
              "unknown output(s) flow"),
        _case("render: frames that do not fill whole sequences", ["render", "--frames", "5", "--sequence-length", "3",
                                                                  "--out", "{t}/out"], "whole sequences of 3"),
        _case("render: zero frames per second", ["render", "--frames", "2", "--sequence-length", "2", "--fps", "0",
                                                 "--out", "{t}/out"], "--fps"),
        _case("render: unknown flag", ["render", "--fames", "3", "--out", "{t}/out"], "unrecognized arguments"),
        _case("render: params beyond physical range", ["render", "--frames", "1", "--params",
                                                       "{t}/p_negative_building_height.yaml", "--out", "{t}/out"],
              "building_height_m"),
        _case("render: into a tuning run", ["render", "--frames", "1", "--out", "{t}/tunerun"], "tuning run"),
        _case("render: --out is a file", ["render", "--frames", "1", "--out", "{t}/afile"], "afile"),
        _case("render: missing job file", ["render", "--job", "{t}/nojob.yaml"], "job file not found"),
        _case("render: malformed job file", ["render", "--job", "{t}/malformed.yaml"], "malformed YAML at line 3"),
        *[_case(f"job file: {name}", ["render", "--job", f"{{t}}/job_{_slug(name)}.yaml"], fragment)
          for name, (_, fragment) in JOB_BODIES.items()],
        # tune
        _case("tune: missing dataset", ["tune", "--real", "camvid:{t}/nodata", "--out", "{t}/out"], "does not exist"),
        _case("tune: dataset laid out wrongly", ["tune", "--real", "camvid:{t}/folder", "--out", "{t}/out"],
              "folder"),
        _case("tune: missing target params", ["tune", "--real", "params:{t}/nope.yaml", "--out", "{t}/out"],
              "not found"),
        _case("tune: unknown recipe", ["tune", "--recipe", "fastest", "--real", TARGET, "--out", "{t}/out"],
              "fastest"),
        _case("tune: malformed recipe file", ["tune", "--recipe", "{t}/malformed.yaml", "--real", TARGET,
                                              "--out", "{t}/out"], "malformed YAML at line 3"),
        _case("tune: unknown config key", ["tune", "--config", "{t}/tune_unknown.yaml"], "unknown key"),
        _case("tune: zero batch", [*TOY_TUNE, "--batch", "0"], "--batch"),
        _case("tune: negative iterations", [*TOY_TUNE, "--iterations", "-1"], "--iterations"),
        _case("tune: NaN learning rate", [*TOY_TUNE, "--disc-lr", "nan"], "--disc-lr"),
        _case("tune: unknown update rule", [*TOY_TUNE, "--method", "magic"], "magic"),
        _case("tune: unknown rule option", [*TOY_TUNE, "--rule-opt", "speed=11"], "speed"),
        _case("tune: unknown variable", [*TOY_TUNE, "--variables", "rain_mm"], "rain_mm"),
        _case("tune: a billion renders per iteration", [*TOY_TUNE, "--batch", "1000000000"], "--batch must be at most"),
        _case("tune: a billion iterations", [*TOY_TUNE, "--iterations", "1000000000"], "--iterations must be at most"),
        _case("tune: holdout of 1", [*TOY_TUNE, "--holdout", "1"], "--holdout"),
        _case("tune: --out is a file", [*TOY_TUNE[:-1], "{t}/afile"], "afile"),
        _case("tune: into a render folder", [*TOY_TUNE[:-1], "{t}/frames"], "{t}/frames"),
        # train-seg and eval-seg
        _case("train-seg: missing training set", ["train-seg", "--train", "scenegen:{t}/nodata", "--out", "{t}/out"],
              "does not exist"),
        _case("train-seg: crop of 9999x9999", [*TRAIN, "--crop", "9999x9999"], "--crop"),
        _case("train-seg: NaN learning rate", [*TRAIN, "--lr", "nan"], "--lr"),
        _case("train-seg: zero steps", [*TRAIN[:4], "0", *TRAIN[5:]], "--steps"),
        _case("train-seg: a hundred billion steps", [*TRAIN[:4], "100000000000", *TRAIN[5:]], "--steps must be at most"),
        _case("train-seg: a batch of a hundred million", [*TRAIN, "--batch-size", "100000000"], "at most 4096"),
        _case("train-seg: zero batch", [*TRAIN, "--batch-size", "0"], "--batch-size"),
        _case("train-seg: a missing validation split", [*TRAIN, "--val", "scenegen:{t}/frames#test"],
              "split folder does not exist"),
        _case("train-seg: --out is a file", [*TRAIN[:-1], "{t}/afile"], "afile"),
        _case("train-seg: a corrupt frame", ["train-seg", "--train", "scenegen:{t}/corrupt", "--steps", "1",
                                             "--quiet", "--out", "{t}/out"], "c_000000_000000_leftImg8bit.png"),
        _case("eval-seg: missing checkpoint", ["eval-seg", "--checkpoint", "{t}/nope.pt", "--data",
                                               "scenegen:{t}/frames", "--out", "{t}/out.json"], "does not exist"),
        _case("eval-seg: not a checkpoint", ["eval-seg", "--checkpoint", "{t}/garbage.pt", "--data",
                                             "scenegen:{t}/frames", "--out", "{t}/out.json"], "garbage.pt"),
        _case("eval-seg: --out is a folder", ["eval-seg", "--checkpoint", "{t}/garbage.pt", "--data",
                                              "scenegen:{t}/frames", "--out", "{t}/folder"], "folder"),
        # export
        _case("export coco: missing run folder", ["export", "coco", "{t}/nodata", "--out", "{t}/out.json"],
              "no such render folder"),
        _case("export kitti: a folder with no frames", ["export", "kitti", "{t}/folder", "--out", "{t}/out"],
              "holds no complete frames"),
        _case("export coco: --out is a folder", ["export", "coco", "{t}/frames", "--out", "{t}/folder"],
              "is a folder"),
        _case("export kitti: --out is a file", ["export", "kitti", "{t}/frames", "--out", "{t}/afile"], "afile"),
        _case("export coco: unknown split", ["export", "coco", "{t}/frames", "--split", "test", "--out",
                                             "{t}/out.json"], "--split test"),
        _case("export coco: a scene JSON without a camera", ["export", "coco", "{t}/frames", "--out",
                                                             "{t}/out.json"], "missing 'camera'"),
        _case("export kitti: a damaged instanceIds PNG", ["export", "kitti", "{t}/badmask", "--out", "{t}/out"],
              "c_000000_000000_gtFine_instanceIds.png"),
        # report, sheet, experiment
        _case("report: not a tuning run", ["report", "{t}/folder"], "folder"),
        _case("report: a run with no finished iteration", ["report", "{t}/tunerun"], "no finished iteration"),
        _case("sheet: absurd cell width", ["sheet", "{t}/frames", "--cell-width", "100000", "--out", "{t}/out.png"],
              "--cell-width"),
        _case("sheet: no frames", ["sheet", "{t}/folder", "--out", "{t}/out.png"], "folder"),
        _case("sheet: --out is a folder", ["sheet", "{t}/frames", "--out", "{t}/folder"], "folder"),
        _case("experiment: no subcommand", ["experiment"], "table"),
        _case("experiment table: missing config", ["experiment", "table", "--config", "{t}/nope.yaml"], "not found"),
        _case("experiment table: malformed config", ["experiment", "table", "--config", "{t}/malformed.yaml"],
              "malformed YAML at line 3"),
        _case("experiment table: text where a number belongs", ["experiment", "table", "--config", "{t}/exp_steps.yaml"],
              "train.steps must be int"),
        _case("experiment curve: unknown key", ["experiment", "curve", "--config", "{t}/tune_unknown.yaml"],
              "unknown key"),
    ]
    return out


CATALOGS = {
    "malformed YAML": ("models:\n  - {path: m.obj, class: car\n", "malformed YAML"),
    "no models": ("models: []\n", "models"),
    "unknown class": ("models:\n  - {path: car.obj, class: spaceship}\n", "spaceship"),
    "model file missing": ("models:\n  - {path: gone.obj, class: car}\n", "not found"),
    "unsupported format": ("models:\n  - {path: car.stl, class: car}\n", ".stl"),
    "corrupt .blend": ("models:\n  - {path: fake.blend, class: car, size: [2, 4, 1.5]}\n", "Blender header"),
    "glTF buffer missing": ("models:\n  - {path: nobuffer.gltf, class: car}\n", "missing"),
    "malformed OBJ": ("models:\n  - {path: bad.obj, class: car}\n", "malformed OBJ"),
    "negative scale": ("models:\n  - {path: car.obj, class: car, scale: -1}\n", "scale"),
}


def make_inputs(scratch: Path) -> None:
    """Write every file the cases name into ``scratch``."""
    from PIL import Image

    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "folder").mkdir()
    (scratch / "afile").write_text("not a folder\n")
    (scratch / "big.yaml").write_text(GOOD_PARAMS + "#" * (5 << 20) + "\n")
    (scratch / "malformed.yaml").write_text("variables:\n  x: [\n")
    (scratch / "latin1.yaml").write_bytes("variables: {}\n# caf\xe9\n".encode("latin-1"))
    for name, (body, _) in PARAMS_BODIES.items():
        (scratch / f"p_{_slug(name)}.yaml").write_text(body)
    for name, (body, _) in JOB_BODIES.items():
        (scratch / f"job_{_slug(name)}.yaml").write_text(body)
    (scratch / "tune_unknown.yaml").write_text("speed: 11\n")
    (scratch / "exp_steps.yaml").write_text("out: o\nval: scenegen:frames\nuntuned: scenegen:frames\n"
                                            "train: {steps: many}\n")
    (scratch / "car.obj").write_text(OBJ)
    (scratch / "car.stl").write_text("solid x\n")
    (scratch / "bad.obj").write_text("v 0 0 zero\nf 1 2 3\n")
    (scratch / "fake.blend").write_bytes(b"NOTBLEND" + bytes(64))
    (scratch / "nobuffer.gltf").write_text(json.dumps({"asset": {"version": "2.0"}, "buffers": [
        {"uri": "gone.bin", "byteLength": 12}]}))
    (scratch / "cat.yaml").write_text("models:\n  - {path: car.obj, class: car}\n")
    for name, (body, _) in CATALOGS.items():
        (scratch / f"cat_{_slug(name)}.yaml").write_text(body)
    (scratch / "garbage.pt").write_bytes(b"\x00garbage" * 64)
    (scratch / "sampled").mkdir()
    (scratch / "sampled" / "sample.json").write_text(json.dumps({"count": 1, "key": {"seed": 0}}))
    (scratch / "damaged").mkdir()
    (scratch / "damaged" / "sample.json").write_text(json.dumps({"count": 1, "key": "x"}))
    (scratch / "tunerun").mkdir()
    (scratch / "tunerun" / "run.json").write_text(json.dumps({"config": {}}))
    _frames(scratch / "frames", Image)
    _frames(scratch / "corrupt", Image, corrupt=True)
    _frames(scratch / "badmask", Image, corrupt=True, cut="instance_ids", scene=json.dumps(SCENE_32x16))


#: the smallest scene record `scenegen export` reads: a 32x16 camera and no instances
SCENE_32x16 = {"camera": {"K": [[30, 0, 16], [0, 30, 8], [0, 0, 1]],
                          "intrinsics": {"fx": 30, "fy": 30, "cx": 16, "cy": 8, "width": 32, "height": 16},
                          "world_to_camera_cv": {"R": [[1, 0, 0], [0, 0, -1], [0, 1, 0]], "t": [0, 1.5, 0]}},
               "instances": []}


def _frames(root: Path, Image, corrupt: bool = False, cut: str = "image", scene: str = "{}") -> None:
    """A one-frame set as scenegen writes it (train split, city ``c``) with ``scene`` as its scene JSON;
    ``corrupt``: its ``cut`` file (a FrameId file kind) cut short."""
    import numpy as np

    from scenegen.layout import FrameId

    for kind, path in FrameId(root, "train", "c", 0, 0).paths().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "scene":
            path.write_text(scene)
        elif kind == cut and corrupt:
            path.write_bytes(b"\x89PNG\r\n\x1a\n cut short")
        elif kind in ("image", "color"):
            Image.fromarray(np.full((16, 32, 3), 90, np.uint8)).save(path)
        else:
            Image.fromarray(np.full((16, 32), 7, np.uint8)).save(path)

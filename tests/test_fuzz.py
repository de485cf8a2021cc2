"""Fuzzing the command line: random mutations of valid input files and random option values, fed to each
command at tiny sizes. Every outcome must be success (0) or bad input (2, one line): never an internal
failure, never a traceback. Deterministic (one seed), bounded (a fixed number of cases)."""
import copy
import json

import numpy as np
import pytest
import yaml

from bad_inputs import GOOD_PARAMS, make_inputs
from scenegen.cli import main

SEED = 20261205
#: values a mutation puts in place of a valid one
ODD_VALUES = [-1, 0, 1e30, -1e30, float("nan"), float("inf"), "x", "", [], {}, None, True, 10**12, [1, "a"],
              {"a": 1}, 0.5, "../..", "/dev/zero"]

PARAMS = {"variables": {
    "fog_density": {"support": [0, 2], "distribution": {"type": "histogram", "bins": 4}},
    "camera_pitch_deg": {"support": [-10, 4], "distribution": {"type": "truncnormal", "mean": -3, "std": 2}},
    "lane_count": {"support": [1, 4], "type": "int", "distribution": {"type": "categorical", "values": [1, 2, 3, 4]}},
    "crossing_pedestrians": {"support": [0, 6], "type": "int", "distribution": {"type": "poisson", "rate": 2}},
}}
CATALOG = {"models": [{"path": "car.obj", "class": "car", "up": "y", "forward": "-y", "scale": 1.0}]}
JOB = {"frames": 2, "resolution": "32x16", "samples": 1, "seed": 3, "workers": 1, "threads": 1,
       "params": "ok.yaml", "catalog": "cat.yaml", "cad_share": 0.5, "split": "val", "city": "c", "retries": 1,
       "denoise": False, "frames_per_worker": 1, "device": "cpu", "executor": "local"}
EXPERIMENT = {"val": "scenegen:frames", "untuned": ["scenegen:frames"], "real": "scenegen:frames",
              "real_fraction": 0.5, "seeds": [0, 1], "jobs": 1, "device": "cpu",
              "train": {"steps": 1, "batch_size": 2, "size": "32x16", "lr": 0.01}}
CURVE = {"val": "scenegen:frames", "real": "scenegen:frames", "untuned": "scenegen:frames",
         "tuned": "scenegen:frames", "counts": [1], "seeds": [0], "jobs": 1, "device": "cpu",
         "train": {"steps": 1, "batch_size": 2, "size": "32x16"}}
RECIPE = {"iterations": 1, "batch": 4, "resolution": "32x16", "disc_steps": 1, "kid": False, "backend": "toy",
          "real_count": 8, "method": "rejection", "device": "cpu", "folds": 2}


def _paths(tree, prefix=()):
    """Every (path, value) of a nested mapping / list."""
    yield prefix, tree
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, (*prefix, i))


def mutate(tree, rng: np.random.Generator):
    """A copy of ``tree`` with one random part replaced, deleted or given an unknown key."""
    out = copy.deepcopy(tree)
    paths = [p for p, _ in _paths(out) if p]
    path = paths[rng.integers(len(paths))]
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    action = rng.integers(3)
    if action == 0 and isinstance(parent, dict):
        del parent[path[-1]]
    elif action == 1 and isinstance(parent, dict):
        parent[f"unknown_{rng.integers(100)}"] = 1
    else:
        parent[path[-1]] = ODD_VALUES[rng.integers(len(ODD_VALUES))]
    return out


def _write_obj(path):
    path.write_text("v 0 0 0\nv 1.8 0 0\nv 1.8 4.2 0\nv 0 4.2 1.4\nf 1 2 3\nf 1 3 4\n")


def _run(capsys, args):
    try:
        code = main([str(a) for a in args])
    except Exception as e:  # an internal failure: what this test exists to find
        pytest.fail(f"{args}: {type(e).__name__}: {e}")
    err = capsys.readouterr().err
    assert code in (0, 2), (args, code, err)
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith("usage")]
        assert len(lines) == 1 and "Traceback" not in err, (args, err)
    return code


def _dump(path, tree):
    path.write_text(yaml.safe_dump(tree, allow_unicode=True) if not isinstance(tree, str) else tree)
    return path


@pytest.mark.parametrize("case", range(40))
def test_mutated_parameter_files(tmp_path, capsys, case):
    rng = np.random.default_rng([SEED, 1, case])
    path = _dump(tmp_path / "p.yaml", mutate(PARAMS, rng))
    _run(capsys, ["params", "validate", path])
    _run(capsys, ["sample", "--params", path, "--count", "1", "--out", tmp_path / "s"])


@pytest.mark.parametrize("case", range(12))
def test_mutated_catalogs(tmp_path, capsys, case):
    rng = np.random.default_rng([SEED, 2, case])
    _write_obj(tmp_path / "car.obj")
    path = _dump(tmp_path / "cat.yaml", mutate(CATALOG, rng))
    _run(capsys, ["sample", "--catalog", path, "--count", "1", "--out", tmp_path / "s"])


@pytest.mark.parametrize("case", range(8))
def test_mutated_recipes(tmp_path, capsys, case):
    rng = np.random.default_rng([SEED, 3, case])
    path = _dump(tmp_path / "r.yaml", mutate(RECIPE, rng))
    _run(capsys, ["tune", "--recipe", path, "--real", "params:configs/demo_target.yaml", "--quiet",
                  "--out", tmp_path / "t"])


def _with_inputs(tmp_path):
    """The scratch files of the bad-input catalogue, and a valid parameter file ``ok.yaml``."""
    make_inputs(tmp_path)
    (tmp_path / "ok.yaml").write_text(GOOD_PARAMS)
    return tmp_path


@pytest.mark.parametrize("case", range(16))
def test_mutated_job_files(tmp_path, capfd, case):
    # `out` is set after the mutation, to a folder holding a tuning run: a job that passes every check is
    # refused there (exit 2) instead of rendering
    rng = np.random.default_rng([SEED, 5, case])
    scratch = _with_inputs(tmp_path)
    job = mutate(JOB, rng)
    path = _dump(scratch / "job.yaml", {**job, "out": "tunerun"} if isinstance(job, dict) else job)
    _run(capfd, ["render", "--job", path])


@pytest.mark.parametrize("command", ["table", "curve"])
@pytest.mark.parametrize("case", range(8))
def test_mutated_experiment_files(tmp_path, capfd, command, case):
    rng = np.random.default_rng([SEED, 6, case, command == "curve"])
    scratch = _with_inputs(tmp_path)
    config = mutate(EXPERIMENT if command == "table" else CURVE, rng)
    path = _dump(scratch / "exp.yaml", {**config, "out": "tunerun"} if isinstance(config, dict) else config)
    _run(capfd, ["experiment", command, "--config", path])


@pytest.mark.parametrize("case", range(40))
def test_random_option_values(tmp_path, capsys, case):
    rng = np.random.default_rng([SEED, 4, case])
    odd = str(ODD_VALUES[rng.integers(len(ODD_VALUES))])
    options = [
        ["sample", "--count", "1", "--out", tmp_path / "s", "--seed", odd],
        ["sample", "--count", odd, "--out", tmp_path / "s"],
        ["sample", "--count", "1", "--out", tmp_path / "s", "--resolution", odd],
        ["sample", "--count", "1", "--out", tmp_path / "s", "--city", odd],
        ["tune", "--recipe", "quick", "--backend", "toy", "--real", "params:configs/demo_target.yaml",
         "--out", tmp_path / "t", "--batch", odd],
        ["tune", "--recipe", "quick", "--backend", "toy", "--real", "params:configs/demo_target.yaml",
         "--out", tmp_path / "t", "--holdout", odd],
        ["tune", "--recipe", "quick", "--backend", "toy", "--real", odd, "--out", tmp_path / "t"],
        ["train-seg", "--train", odd, "--out", tmp_path / "m", "--steps", "1"],
        ["train-seg", "--train", f"scenegen:{tmp_path}", "--crop", odd, "--out", tmp_path / "m"],
        ["params", "show", odd],
        ["report", odd],
        ["sheet", tmp_path, "--cell-width", odd],
    ]
    _run(capsys, options[rng.integers(len(options))])


def test_mutations_are_deterministic():
    a = [json.dumps(mutate(PARAMS, np.random.default_rng([SEED, 1, i])), default=str) for i in range(5)]
    b = [json.dumps(mutate(PARAMS, np.random.default_rng([SEED, 1, i])), default=str) for i in range(5)]
    assert a == b and len(set(a)) > 1

"""The label-efficiency curve (``experiment curve``): nested real subsets, labels saved, a tiny run, bad input."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from scenegen.datasets import list_samples, parse_dataset_spec
from scenegen.errors import UserError
from segtrain import cli
from segtrain.curve import load_curve_config, run_curve
from segtrain.curve_stats import interpolate_log, labels_needed, labels_saved, pooled
from segtrain.data import real_subset
from test_segtrain_fixtures import read_json, write_camvid, write_scenegen

TINY_TRAIN = "train: {steps: 1, batch_size: 2, size: 64x48, threads: 1}\n"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    base = tmp_path_factory.mktemp("curve")
    return {
        "synth": write_scenegen(base / "synth", "train", 4, seed=1),
        "synth2": write_scenegen(base / "synth2", "train", 4, seed=2),
        "camvid": write_camvid(write_camvid(base / "camvid", "train", 6, seed=5), "val", 2, seed=6),
    }


def _config(path: Path, data, body: str) -> Path:
    path.write_text(f"out: res\nval: camvid:{data['camvid']}#val\nreal: camvid:{data['camvid']}#train\n{body}")
    return path


def test_real_subsets_by_count_are_nested_and_seeded(data):
    samples = list_samples(parse_dataset_spec(f"camvid:{data['camvid']}#train"))
    for seed in (0, 1, 7):
        subsets = [real_subset(samples, 1.0, seed, count=k) for k in (1, 2, 4, 6)]
        assert [len(s) for s in subsets] == [1, 2, 4, 6]
        for small, large in zip(subsets, subsets[1:]):
            assert set(map(str, small)) <= set(map(str, large))
        assert real_subset(samples, 1.0, seed, count=4) == subsets[2]  # deterministic
        # A count and the fraction that gives the same number of images pick the same images.
        assert real_subset(samples, 0.5, seed) == real_subset(samples, 1.0, seed, count=3)
    assert len({tuple(map(str, real_subset(samples, 1.0, s, count=2))) for s in range(6)}) > 1
    with pytest.raises(UserError, match="between 1 and the 6 images"):
        real_subset(samples, 1.0, 0, count=7)


def test_labels_needed_on_a_hand_made_curve():
    counts, scores = [4, 8, 16, 32], [40.0, 50.0, 55.0, 60.0]
    assert labels_needed(counts, scores, 50.0) == (8.0, "")
    needed, bound = labels_needed(counts, scores, 52.5)  # halfway from 8 to 16 in log count
    assert bound == "" and needed == pytest.approx(math.sqrt(8 * 16))
    assert labels_needed(counts, scores, 35.0) == (4.0, "<=")
    assert labels_needed(counts, scores, 61.0) == (32.0, ">")
    # A dip does not make a score reachable twice: the running maximum is read.
    needed, _ = labels_needed([4, 8, 16, 32], [40.0, 50.0, 45.0, 60.0], 47.0)
    assert needed == pytest.approx(4 * 2 ** 0.7)
    needed, _ = labels_needed([4, 8, 16, 32], [40.0, 50.0, 45.0, 60.0], 55.0)
    assert needed == pytest.approx(16 * 2 ** 0.5)
    assert interpolate_log(counts, scores, 8) == 50.0
    assert interpolate_log(counts, scores, math.sqrt(32)) == pytest.approx(45.0)
    assert interpolate_log(counts, scores, 64) is None and interpolate_log(counts, scores, 2) is None

    s = labels_saved(counts, scores, {"count": 4, "global": 52.5, "global_se": 2.5})
    assert s["ratio"] == pytest.approx(math.sqrt(8 * 16) / 4)
    assert s["ratio_range"] == pytest.approx([2.0, 4.0])  # 50 -> 8 images, 55 -> 16 images
    assert s["real_at_2k"] == 50.0 and s["real_climbs"] == 10.0 and s["halved"] is True
    assert labels_saved(counts, scores, {"count": 32, "global": 58.0, "global_se": None})["halved"] is None


def test_pooled_differences_average_each_seed_first():
    by_count = [{"seeds": [0, 1], "differences": [1.0, 3.0]}, {"seeds": [0, 1], "differences": [3.0, 5.0]}, None]
    p = pooled(by_count)
    assert p["mean"] == 3.0 and p["wins"] == 2 and p["standard_error"] == pytest.approx(1.0)


def test_a_two_count_one_seed_curve_writes_every_output(data, tmp_path, capsys):
    cfg_path = _config(tmp_path / "curve.yaml", data,
                       f"counts: [2, 4]\nuntuned: {data['synth']}\ntuned: [{data['synth2']}]\n"
                       "recipes: [real, finetune, balanced]\nfinetune: {real_batch_share: 0.5, lr: 1.0e-4, replay_up_to: 2}\n"
                       f"title: tiny curve\n{TINY_TRAIN}")
    assert cli.main(["experiment", "curve", "--config", str(cfg_path), "--quiet"]) == 0
    assert "tiny curve" in capsys.readouterr().out
    out = tmp_path / "res"
    for name in ("curve.md", "curve.json", "curve.png", "curve.html"):
        assert (out / name).stat().st_size > 0
    assert (out / "curve.png").read_bytes()[:4] == b"\x89PNG"
    curve = read_json(out / "curve.json")
    assert curve["counts"] == [2, 4] and curve["seeds"] == [0]
    keys = [ln["key"] for ln in curve["lines"]]
    assert keys == ["real", "untuned_finetune", "tuned_finetune", "untuned_balanced", "tuned_balanced"]
    assert [s["key"] for s in curve["synthetic"]] == ["untuned", "tuned"]
    for ln in curve["lines"]:
        for p in ln["points"]:
            (run,) = p["per_seed"]
            assert Path(run["run"]) == out / "runs" / ln["key"] / f"k{p['count']:04d}" / "seed0"
            assert read_json(Path(run["run"]) / "eval.json")["global"] == p["global"]
            info = read_json(Path(run["run"]) / "train.json")
            assert info["config"]["real_count"] == p["count"]
            real_source = info["data"]["sources"][-1]
            assert real_source["frames"] == p["count"] and real_source["of"] == 6
    ft = read_json(out / "runs" / "tuned_finetune" / "k0002" / "seed0" / "train.json")["config"]
    assert ft["init"] == str(out / "runs" / "tuned" / "k0000" / "seed0" / "model.pt")
    assert ft["real_batch_share"] == 0.5 and ft["train"] == [str(data["synth2"])] and ft["lr"] == 1e-4
    # Above replay_up_to the fine-tuning batches are all real.
    ft = read_json(out / "runs" / "tuned_finetune" / "k0004" / "seed0" / "train.json")["config"]
    assert ft["real_batch_share"] is None and ft["train"] == [] and ft["init"].endswith("k0000/seed0/model.pt")
    bal = read_json(out / "runs" / "untuned_balanced" / "k0002" / "seed0" / "train.json")["config"]
    assert bal["init"] is None and bal["real_batch_share"] == 0.5 and bal["lr"] == 1e-3
    assert [s["line"] for s in curve["labels_saved"]] == keys[1:]
    for s in curve["labels_saved"]:
        assert [x["count"] for x in s["by_count"]] == [2, 4] and all(x["ratio"] > 0 for x in s["by_count"])
    labels = [c["label"] for c in curve["comparisons"]]
    assert "tuned → fine-tuned − untuned → fine-tuned" in labels and "tuned → fine-tuned − real only" in labels
    md = (out / "curve.md").read_text()
    assert "Labels saved" in md and "Per-class IoU" in md and "vegetation" in md
    assert "<img src='curve.png'" in (out / "curve.html").read_text()
    # Running again reuses every finished run.
    model = out / "runs" / "real" / "k0002" / "seed0" / "model.pt"
    stamp = model.stat().st_mtime_ns
    again = run_curve(load_curve_config(cfg_path), progress=False)
    assert model.stat().st_mtime_ns == stamp and again["lines"] == curve["lines"]


def test_runs_side_by_side_give_the_same_scores(data, tmp_path):
    body = f"fractions: [0.34, 1.0]\nuntuned: {data['synth']}\nseeds: [3]\n{TINY_TRAIN}"
    one = run_curve(load_curve_config(_config(tmp_path / "a.yaml", data, body)), progress=False)
    cfg = load_curve_config(_config(tmp_path / "b.yaml", data, body))
    cfg.out, cfg.jobs = tmp_path / "side_by_side", 2
    two = run_curve(cfg, progress=False)
    assert one["counts"] == two["counts"] == [2, 6]
    assert [p["global"] for ln in one["lines"] for p in ln["points"]] == \
        [p["global"] for ln in two["lines"] for p in ln["points"]]


@pytest.mark.parametrize("body, words", [
    ("counts: [2]\nfractions: [0.5]\n", "exactly one of counts"),
    ("", "exactly one of counts"),
    ("counts: [0, 2]\n", "whole numbers >= 1"),
    ("counts: [2, 2]\n", "distinct whole numbers"),
    ("fractions: [0.5, 1.5]\n", "fractions must be a list of distinct numbers in (0, 1]"),
    ("fractions: [0.5, 0.51]\n", "give repeated counts [3, 3]"),
    ("counts: [2, 100]\n", "counts [100] exceed the 6 images"),
    ("counts: [2]\nrecipes: [real, blend]\n", "unknown recipe 'blend'"),
    ("counts: [2]\nrecipes: [finetune]\n", "recipe 'finetune' needs a synthetic set"),
    ("counts: [2]\nsteps: 3\n", "unknown key(s) steps"),
    ("counts: [2]\njobs: 0\n", "jobs must be a whole number >= 1"),
    ("counts: [2]\nuntuned: {synth}\nfinetune: {{real_batch_share: 1.5}}\n", "real_batch_share must be in (0, 1)"),
    ("counts: [2]\nfinetune: {{stepz: 2}}\n", "finetune: unknown training option(s) stepz"),
    ("counts: [2]\nfinetune: {{seed: 2}}\n", "finetune.seed"),
    ("counts: [2]\nfinetune: {{replay_up_to: 9}}\n", "replay_up_to must be a whole number >= 1 and needs"),
    ("counts: [2]\nuntuned: {tmp}/gone\n", "does not exist"),
    ("counts: [2]\ntrain: {{steps: 0}}\n", "--steps must be >= 1"),
    ("counts: [2\n", "malformed YAML at line"),
])
def test_bad_curve_configs_exit_2_and_write_nothing(data, tmp_path, capsys, body, words):
    path = _config(tmp_path / "bad.yaml", data, body.format(tmp=tmp_path, **data))
    assert cli.main(["experiment", "curve", "--config", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err
    assert not (tmp_path / "res").exists()


def test_missing_real_key_and_bad_jobs_flag(data, tmp_path, capsys):
    path = tmp_path / "noreal.yaml"
    path.write_text(f"out: res\nval: camvid:{data['camvid']}#val\ncounts: [2]\n")
    assert cli.main(["experiment", "curve", "--config", str(path)]) == 2
    assert "missing required key 'real'" in capsys.readouterr().err
    path = _config(tmp_path / "ok.yaml", data, "counts: [2]\n" + TINY_TRAIN)
    assert cli.main(["experiment", "curve", "--config", str(path), "--jobs", "0"]) == 2
    assert "--jobs must be >= 1" in capsys.readouterr().err
    assert not (tmp_path / "res").exists()


def test_the_report_is_written_as_each_seed_finishes(data, tmp_path, monkeypatch):
    import segtrain.curve_report as report

    written = []
    original = report.write_curve

    def recording(curve, out):
        written.append((list(curve["seeds"]), curve["complete"], report.to_markdown(curve)))
        return original(curve, out)

    monkeypatch.setattr(report, "write_curve", recording)
    run_curve(load_curve_config(_config(tmp_path / "c.yaml", data, f"counts: [2]\nseeds: [0, 1]\n{TINY_TRAIN}")),
              progress=False)
    assert [(s, c) for s, c, _ in written] == [([0], False), ([0, 1], True)]
    assert "Partial: seeds [0] of [0, 1]" in written[0][2] and "Partial" not in written[1][2]


def test_unusable_output_or_device_is_refused_before_training(data, tmp_path, capsys):
    import torch

    (tmp_path / "blocker").write_text("a file, not a folder")
    path = tmp_path / "c.yaml"
    path.write_text(f"out: blocker/res\nval: camvid:{data['camvid']}#val\nreal: camvid:{data['camvid']}#train\n"
                    f"counts: [2]\n{TINY_TRAIN}")
    assert cli.main(["experiment", "curve", "--config", str(path), "--quiet"]) == 2
    assert "cannot write there" in capsys.readouterr().err
    if not torch.cuda.is_available():
        path = _config(tmp_path / "d.yaml", data, f"counts: [2]\ndevice: cuda\n{TINY_TRAIN}")
        assert cli.main(["experiment", "curve", "--config", str(path), "--quiet"]) == 2
        assert "CUDA is not available" in capsys.readouterr().err
        assert not (tmp_path / "res").exists()

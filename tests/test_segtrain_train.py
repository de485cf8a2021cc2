"""segtrain end to end on tiny fixtures: training, checkpoints, resume, mixing, CLI errors, experiment."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from scenegen.datasets import list_samples
from scenegen.errors import UserError
from scenegen.labels import IGNORE, class_mapping
from segtrain import cli
from segtrain.data import AugmentConfig, SegDataset, TrainStream, real_subset, training_samples
from segtrain.experiment import load_config, run_table
from segtrain.models import build_model
from segtrain.train import TrainConfig, load_checkpoint, train
from test_segtrain_fixtures import read_json, write_camvid, write_cityscapes, write_scenegen

pytestmark = pytest.mark.torch
TINY = dict(steps=3, batch_size=2, size=(64, 48), progress=False, threads=1)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    base = tmp_path_factory.mktemp("seg")
    return {
        "synth": write_scenegen(base / "synth", "train", 4, seed=1),
        "synth2": write_scenegen(base / "synth2", "train", 4, seed=2),
        "cs": write_cityscapes(write_cityscapes(base / "cs", "train", 4, seed=3), "val", 3, seed=4),
        "camvid": write_camvid(write_camvid(base / "camvid", "train", 6, seed=5), "val", 2, seed=6),
    }


def test_train_seg_cli_writes_model_and_eval(data, tmp_path, capsys):
    out = tmp_path / "run"
    rc = cli.main(["train-seg", "--train", str(data["synth"]), "--val", str(data["cs"]), "--classes", "paper7",
                   "--steps", "3", "--batch-size", "2", "--size", "64x48", "--out", str(out), "--quiet"])
    assert rc == 0
    assert "global" in capsys.readouterr().out
    ev = read_json(out / "eval.json")
    names = ["vehicle", "pedestrian", "building", "vegetation", "road", "ground", "sky"]
    assert sorted(ev["per_class_iou"]) == sorted(names) and ev["class_names"] == names
    present = [v for v in ev["per_class_iou"].values() if v is not None]
    assert ev["global"] == pytest.approx(sum(present) / len(present))
    cm = np.array(ev["confusion_matrix"])
    assert ev["pixel_accuracy"] == pytest.approx(100 * np.trace(cm) / cm.sum())
    assert cm.sum() == ev["pixels"] > 0
    assert (out / "eval.md").read_text().startswith("| class | IoU (%) |")
    info = read_json(out / "train.json")
    assert info["steps"] == 3 and len(info["loss_history"]) == 3 and info["data"]["frames"] == 4
    assert info["config"]["optimizer"] == "adamw" and info["config"]["lr"] == 1e-3
    ck = load_checkpoint(out / "model.pt")
    assert ck["arch"] == "lite0" and ck["classes"] == "paper7" and ck["step"] == 3
    assert ck["weights_source"].startswith("imagenet:")
    assert "optimizer" not in ck

    # eval-seg reproduces the numbers from the saved model.
    rc = cli.main(["eval-seg", "--checkpoint", str(out / "model.pt"), "--data", f"{data['cs']}#val",
                   "--out", str(tmp_path / "e.json"), "--quiet"])
    assert rc == 0
    again = read_json(tmp_path / "e.json")
    assert again["confusion_matrix"] == ev["confusion_matrix"] and again["global"] == ev["global"]
    assert (tmp_path / "e.md").is_file()

    # Our own output without a split is read whole (it has no val split), e.g. a model on its training frames.
    rc = cli.main(["eval-seg", "--checkpoint", str(out / "model.pt"), "--data", str(data["synth"]),
                   "--out", str(tmp_path / "s.json"), "--quiet"])
    assert rc == 0 and read_json(tmp_path / "s.json")["images"] == 4


def test_resume_continues_exactly(data, tmp_path, monkeypatch):
    common = dict(train=[str(data["synth"])], val=None, ckpt_every=2, **{**TINY, "steps": 4})
    straight = tmp_path / "straight"
    train(TrainConfig(out=straight, **common))

    import segtrain.train as tr

    real_poly = tr.poly_lr

    def interrupt_at_step_two(base, step, steps, power):
        if step == 2:
            raise KeyboardInterrupt
        return real_poly(base, step, steps, power)

    resumed = tmp_path / "resumed"
    monkeypatch.setattr(tr, "poly_lr", interrupt_at_step_two)
    with pytest.raises(KeyboardInterrupt):
        train(TrainConfig(out=resumed, **common))
    monkeypatch.setattr(tr, "poly_lr", real_poly)
    assert load_checkpoint(resumed / "checkpoint.pt")["step"] == 2
    assert not (resumed / "model.pt").exists()
    with pytest.raises(UserError, match="pass --resume"):
        train(TrainConfig(out=resumed, **common))
    with pytest.raises(UserError, match="setting 'lr' differs"):
        train(TrainConfig(out=resumed, resume=True, **{**common, "lr": 0.5}))
    train(TrainConfig(out=resumed, resume=True, **common))

    assert not (resumed / "checkpoint.pt").exists()  # the optimizer state goes once the run finished
    record = (resumed / "eval.json").read_text()
    assert train(TrainConfig(out=resumed, resume=True, **common)) == json.loads(record)  # finished: not retrained
    with pytest.raises(UserError, match="holds a finished training run"):
        train(TrainConfig(out=resumed, **common))
    a, b = load_checkpoint(straight / "model.pt"), load_checkpoint(resumed / "model.pt")
    assert a["step"] == b["step"] == 4
    for k, v in a["model"].items():
        assert torch.equal(v, b["model"][k]), k
    assert read_json(straight / "train.json")["loss_history"] == read_json(resumed / "train.json")["loss_history"]


def test_real_share_is_a_seeded_nested_subset(data):
    samples = list_samples(data["camvid"], "train")
    half = real_subset(samples, 0.5, seed=3)
    assert len(half) == 3 and half == real_subset(samples, 0.5, seed=3)
    assert set(half) <= set(real_subset(samples, 0.84, seed=3))
    assert real_subset(samples, 0.5, seed=4) != half or len(samples) < 3
    assert len(real_subset(samples, 0.01, seed=3)) == 1
    with pytest.raises(UserError, match="real-fraction"):
        real_subset(samples, 0.0, seed=3)
    mixed, info = training_samples([str(data["synth"]), str(data["synth2"])], f"camvid:{data['camvid']}", 0.5, 3)
    assert len(mixed) == 4 + 4 + 3 and info["frames"] == 11
    assert info["sources"][2] == {"spec": f"camvid:{data['camvid']}#train", "frames": 3, "of": 6, "fraction": 0.5}


def test_mixed_training_run(data, tmp_path):
    rec = train(TrainConfig(out=tmp_path / "mix", train=[str(data["synth"])], real=str(data["camvid"]),
                            real_fraction=0.5, val=f"{data['camvid']}#val", **TINY))
    assert rec["global"] is not None and rec["images"] == 2
    assert read_json(tmp_path / "mix" / "train.json")["data"]["frames"] == 7


def test_balanced_batches_hold_a_fixed_real_share(data, tmp_path):
    samples, info = training_samples([str(data["synth"])], f"camvid:{data['camvid']}", 0.5, 3)
    ds = SegDataset(samples, class_mapping("paper7"), (64, 48))
    stream = TrainStream(ds, (40, 30), AugmentConfig(), seed=5, batch=4, real_slots=1, n_real=3)
    batches = [[stream.sample_index(step * 4 + slot) for slot in range(4)] for step in range(6)]
    assert all(b[0] >= 4 and max(b[1:]) < 4 for b in batches)  # real images are the last 3 samples
    # Each pool is walked in whole epochs: 3 steps show every real image once, 4 steps every synthetic 3 times.
    assert sorted(b[0] for b in batches[:3]) == [4, 5, 6]
    assert sorted(i for b in batches[:4] for i in b[1:]) == sorted(list(range(4)) * 3)
    with pytest.raises(ValueError):
        TrainStream(ds, (40, 30), AugmentConfig(), seed=5, batch=4, real_slots=4, n_real=3)

    out = tmp_path / "balanced"
    rc = cli.main(["train-seg", "--train", str(data["synth"]), "--real", str(data["camvid"]), "--real-fraction", "0.5",
                   "--real-batch-share", "0.5", "--steps", "2", "--batch-size", "2", "--size", "64x48",
                   "--threads", "1", "--out", str(out), "--quiet"])
    assert rc == 0
    assert read_json(out / "train.json")["config"]["real_batch_share"] == 0.5
    # A resumed run must keep the share.
    with pytest.raises(UserError, match="setting 'real_batch_share' differs"):
        train(TrainConfig(out=out, train=[str(data["synth"])], real=str(data["camvid"]), real_fraction=0.5,
                          resume=True, **{**TINY, "steps": 2, "batch_size": 2}))


def test_augmentation_is_deterministic_per_position(data):
    ds = SegDataset(list_samples(data["cs"], "train"), class_mapping("paper7"), (64, 48))
    stream = TrainStream(ds, (40, 30), AugmentConfig(), seed=5)
    x1, y1 = stream[7]
    x2, y2 = stream[7]
    x3, _ = stream[8]
    assert x1.shape == (3, 30, 40) and y1.shape == (30, 40) and y1.dtype == torch.int64
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and not torch.equal(x1, x3)
    assert set(torch.unique(y1).tolist()) <= set(range(7)) | {IGNORE}
    assert torch.equal(TrainStream(ds, (40, 30), AugmentConfig(), seed=5)[7][0], x1)
    # Every epoch visits each sample once.
    assert sorted(stream.sample_index(p) for p in range(4, 8)) == [0, 1, 2, 3]


def test_models_build_offline(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "empty-hub"))
    x = torch.zeros(2, 3, 48, 64)
    for arch in ("mobilenet_v3_large", "resnet50"):
        model, source = build_model(arch, 7, pretrained=True)
        assert source == "none"  # nothing cached: scratch, never a download
        model.eval()
        assert model(x).shape == (2, 7, 48, 64)
    for stride, feat in ((32, (2, 2)), (16, (3, 4))):
        model, source = build_model("lite0", 3, pretrained=False, output_stride=stride)
        assert source == "none" and model.backbone(x).shape[-2:] == feat
    with pytest.raises(UserError, match="unknown architecture"):
        build_model("vgg", 7)


def test_torchvision_weights_come_from_the_local_cache(tmp_path, monkeypatch):
    """Cached files are used (whole model first, else the ImageNet backbone); no download happens."""
    import os

    from torchvision.models import MobileNet_V3_Large_Weights, mobilenet_v3_large
    from torchvision.models.segmentation import DeepLabV3_MobileNet_V3_Large_Weights, deeplabv3_mobilenet_v3_large

    hub = tmp_path / "hub"
    (hub / "checkpoints").mkdir(parents=True)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    torch.manual_seed(1)
    imagenet = mobilenet_v3_large(weights=None).state_dict()
    torch.save(imagenet, hub / "checkpoints" / os.path.basename(MobileNet_V3_Large_Weights.DEFAULT.url))
    model, source = build_model("mobilenet_v3_large", 7)
    assert source.startswith("torchvision:MobileNet_V3_Large_Weights")
    assert torch.equal(model.model.backbone["0"][0].weight, imagenet["features.0.0.weight"])

    whole = deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)
    torch.save(whole.state_dict(),
               hub / "checkpoints" / os.path.basename(DeepLabV3_MobileNet_V3_Large_Weights.DEFAULT.url))
    model, source = build_model("mobilenet_v3_large", 7)
    assert source.startswith("torchvision:DeepLabV3_MobileNet_V3_Large_Weights")
    assert torch.equal(model.model.classifier[0].project[0].weight, whole.classifier[0].project[0].weight)
    assert model.model.classifier[-1].out_channels == 7 and model.model.aux_classifier is None
    with pytest.raises(UserError, match="lite0 only"):
        build_model("resnet50", 7, output_stride=16)


@pytest.mark.parametrize("argv, words", [
    (["--train", "{tmp}/missing"], "does not exist"),
    (["--train", "{camvid}", "--classes", "cityscapes19"], "cannot be mapped to class set 'cityscapes19'"),
    (["--train", "{synth}", "--batch-size", "1"], "batch-size must be >= 2"),
    (["--train", "{synth}", "--steps", "0"], "steps must be >= 1"),
    (["--real", "{camvid}", "--real-fraction", "1.5"], "real-fraction"),
    (["--train", "{synth}", "--val", "{cs}#test"], "split folder does not exist"),
    (["--train", "{synth}", "--size", "64by48"], "WIDTHxHEIGHT"),
    (["--val", "{cs}"], "no training data"),
    (["--train", "{synth}", "--real-fraction", "0.1"], "--real-fraction needs --real"),
    (["--real", "{camvid}", "--real-batch-share", "0.5"], "--real-batch-share needs both --train DIR and --real"),
    (["--train", "{synth}", "--real", "{camvid}", "--real-batch-share", "1.5"], "--real-batch-share must be at most 1"),
    (["--train", "{synth}", "--real", "{camvid}", "--real-batch-share", "0.1", "--batch-size", "2"],
     "gives 0 real of 2 per batch"),
])
def test_train_seg_bad_input_exits_2_and_writes_nothing(data, tmp_path, capsys, argv, words):
    out = tmp_path / "out"
    argv = [a.format(tmp=tmp_path, **data) for a in argv]
    if "--steps" not in argv:
        argv += ["--steps", "2"]
    rc = cli.main(["train-seg", *argv, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and words in err and err.count("\n") == 1
    assert not out.exists()


def test_eval_seg_bad_input(data, tmp_path, capsys):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    assert cli.main(["eval-seg", "--checkpoint", str(junk), "--data", str(data["cs"]), "--quiet"]) == 2
    assert "not a readable checkpoint" in capsys.readouterr().err
    run = tmp_path / "r"
    train(TrainConfig(out=run, train=[str(data["synth"])], **{**TINY, "steps": 1}))
    assert cli.main(["eval-seg", "--checkpoint", str(run / "model.pt"), "--data", str(data["cs"]),
                     "--classes", "camvid11", "--quiet"]) == 2
    assert "predicts class set 'paper7'" in capsys.readouterr().err


def test_experiment_table(data, tmp_path):
    cfg_path = tmp_path / "table.yaml"
    cfg_path.write_text(
        f"out: results\nval: camvid:{data['camvid']}#val\nreal: {data['camvid']}\nreal_fraction: 0.5\n"
        f"untuned: {data['synth']}\ntuned: [{data['synth2']}]\ntitle: tiny\n"
        "train: {steps: 2, batch_size: 2, size: 64x48, threads: 1}\n")
    cfg = load_config(cfg_path)
    assert cfg.out == tmp_path / "results"
    table = run_table(cfg, progress=False)
    keys = [r["key"] for r in table["rows"]]
    assert keys == ["untuned", "tuned", "real", "real-share", "untuned+real", "tuned+real"]
    assert [r["frames"] for r in table["rows"]] == [4, 4, 6, 3, 7, 7]
    rows = {r["key"]: r for r in table["rows"]}
    for key, row in rows.items():
        ev = read_json(Path(row["run"]) / "eval.json")
        assert row["scores"]["global"] == ev["global"]
    d = {x["label"]: x["scores"] for x in table["deltas"]}
    g = {k: rows[k]["scores"]["global"] for k in rows}
    assert d["tuned − untuned"]["global"] == pytest.approx(g["tuned"] - g["untuned"])
    assert d["tuned+real − untuned+real"]["global"] == pytest.approx(g["tuned+real"] - g["untuned+real"])
    assert d["tuned+real − real share"]["global"] == pytest.approx(g["tuned+real"] - g["real-share"])
    assert rows["real-share"]["label"] == "50% real only"
    assert Path(rows["real-share"]["run"]).parent.name == "real_share"
    for name in ("table.md", "table.json", "table.png", "table.html"):
        assert (cfg.out / name).is_file()
    assert "Tuned + 50% real" in (cfg.out / "table.md").read_text()
    assert Path(rows["tuned"]["run"]).name == "seed0" and rows["tuned"]["global_sd"] is None
    # Re-running reuses finished rows instead of training again.
    stamp = (Path(rows["tuned"]["run"]) / "model.pt").stat().st_mtime_ns
    again = run_table(load_config(cfg_path), progress=False)
    assert (Path(rows["tuned"]["run"]) / "model.pt").stat().st_mtime_ns == stamp
    assert again["rows"][1]["scores"] == rows["tuned"]["scores"]


def test_experiment_seeds_are_averaged(data, tmp_path):
    cfg_path = tmp_path / "seeds.yaml"
    cfg_path.write_text(f"out: res\nval: {data['cs']}#val\nuntuned: {data['synth']}\nseeds: [3, 4]\n"
                        "train: {steps: 1, batch_size: 2, size: 64x48, threads: 1}\n")
    table = run_table(load_config(cfg_path), progress=False)
    (row,) = table["rows"]
    per = [read_json(tmp_path / "res" / "rows" / "untuned" / f"seed{s}" / "eval.json") for s in (3, 4)]
    assert [x["seed"] for x in row["per_seed"]] == [3, 4]
    assert row["scores"]["global"] == pytest.approx((per[0]["global"] + per[1]["global"]) / 2)
    assert row["global_sd"] == pytest.approx(abs(per[0]["global"] - per[1]["global"]) / 2 ** 0.5)
    assert row["scores"]["road"] == pytest.approx((per[0]["paper7_iou"]["road"] + per[1]["paper7_iou"]["road"]) / 2)
    assert "sd (global)" in table["markdown"]


@pytest.mark.parametrize("text, words", [
    ("out: o\n", "missing required key 'val'"),
    ("out: o\nval: {cs}\nseeds: [1, 1]\n", "distinct integers"),
    ("out: o\nval: {cs}\nseeds: [1]\ntrain: {{seed: 2}}\n", "not both"),
    ("out: o\nval: {cs}\nfoo: 1\n", "unknown key(s) foo"),
    ("out: o\nval: {cs}\ntrain: {{stepz: 3}}\n", "unknown training option(s) stepz"),
    ("out: o\nval: {cs}\nrows: [tuned]\n", "need the key(s) tuned"),
    ("out: o\nval: {cs}\nuntuned: {tmp}/gone\n", "does not exist"),
    ("out: o\nval: [unclosed\n", "malformed YAML at line"),
    ("out: o\nval: {cs}\njobs: two\n", "jobs must be a whole number >= 1"),
    ("out: o\nval: {cs}\nreal: {camvid}\nreal_fraction: 1\nrows: [real-share]\n", "needs real_fraction below 1"),
    ("out: o\nval: {cs}\nrows: [real-share]\n", "need the key(s) real"),
    ("out: o\nval: {cs}\nreal_protocol: blend\n", "real_protocol must be one of mix, balanced, finetune"),
    ("out: o\nval: {cs}\nreal_batch_share: 0.5\n", "real_batch_share needs real_protocol: balanced"),
    ("out: o\nval: {cs}\nreal_protocol: balanced\nreal_batch_share: 1\n", "real_batch_share must be in (0, 1)"),
    ("out: o\nval: {cs}\nfinetune: {{steps: 2}}\n", "need real_protocol: finetune"),
    ("out: o\nval: {cs}\nreal_protocol: finetune\nfinetune: {{init: x}}\n", "finetune: unknown training option(s) init"),
])
def test_experiment_config_errors_write_nothing(data, tmp_path, text, words):
    p = tmp_path / "bad.yaml"
    p.write_text(text.format(tmp=tmp_path, **data))
    with pytest.raises(UserError) as e:
        run_table(load_config(p), progress=False)
    assert words in str(e.value)
    assert not (tmp_path / "o").exists()


def test_init_starts_from_a_checkpoint(data, tmp_path, capsys):
    base = tmp_path / "base"
    train(TrainConfig(out=base, train=[str(data["synth"])], **TINY))
    tuned = tmp_path / "tuned"
    # A learning rate this small leaves the weights where --init put them (batch-norm statistics still move).
    rc = cli.main(["train-seg", "--real", str(data["camvid"]), "--init", str(base / "model.pt"), "--steps", "1",
                   "--batch-size", "2", "--size", "64x48", "--lr", "1e-12", "--threads", "1", "--out", str(tuned),
                   "--quiet"])
    assert rc == 0
    info = read_json(tuned / "train.json")
    assert info["weights_source"] == f"init: {base / 'model.pt'}" and info["config"]["init"] == str(base / "model.pt")
    assert info["data"]["frames"] == 6
    before, after = load_checkpoint(base / "model.pt")["model"], load_checkpoint(tuned / "model.pt")["model"]
    weights = [k for k in before if k.endswith(".weight")]
    assert weights and all(torch.allclose(before[k], after[k], atol=1e-8) for k in weights)
    fresh = load_checkpoint(_train_tiny(tmp_path / "fresh", data, steps=1, lr=1e-12))["model"]
    assert not all(torch.allclose(before[k], fresh[k], atol=1e-8) for k in weights)

    # A checkpoint of another class set or architecture is refused before anything is written.
    for flags, words in ((["--classes", "camvid11"], "--init checkpoint has classes 'paper7', this run 'camvid11'"),
                         (["--arch", "mobilenet_v3_large"], "has arch 'lite0'")):
        out = tmp_path / "refused"
        rc = cli.main(["train-seg", "--real", str(data["camvid"]), "--init", str(base / "model.pt"), *flags,
                       "--steps", "1", "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
        assert rc == 2 and words in err and err.count("\n") == 1 and not out.exists()
    rc = cli.main(["train-seg", "--real", str(data["camvid"]), "--init", str(tmp_path / "none.pt"), "--steps", "1",
                   "--out", str(tmp_path / "refused"), "--quiet"])
    assert rc == 2 and "checkpoint file does not exist" in capsys.readouterr().err


def _train_tiny(out: Path, data, **kw) -> Path:
    train(TrainConfig(out=out, real=str(data["camvid"]), **{**TINY, **kw}))
    return out / "model.pt"


def _half_real_config(path: Path, data, body: str) -> Path:
    """An experiment file in ``path`` with CamVid val, half of CamVid train as the real share, and ``body``."""
    path.write_text(f"out: res\nval: camvid:{data['camvid']}#val\nreal: {data['camvid']}\nreal_fraction: 0.5\n{body}")
    return path


def test_experiment_finetune_protocol(data, tmp_path):
    cfg_path = _half_real_config(
        tmp_path / "ft.yaml", data,
        f"tuned: {data['synth2']}\nrows: [tuned+real]\nreal_protocol: finetune\nfinetune: {{steps: 1, lr: 1.0e-4}}\n"
        "train: {steps: 2, batch_size: 2, size: 64x48, threads: 1}\n")
    table = run_table(load_config(cfg_path), progress=False)
    rows = {r["key"]: r for r in table["rows"]}
    assert list(rows) == ["tuned", "tuned+real"]  # the synthetic row it starts from is run first
    ft = rows["tuned+real"]
    assert ft["label"] == "Tuned, fine-tuned on 50% real" and ft["init_from"] == "tuned"
    assert Path(ft["run"]) == tmp_path / "res" / "rows" / "tuned_then_real" / "seed0"
    info = read_json(Path(ft["run"]) / "train.json")
    assert info["config"]["init"] == str(Path(rows["tuned"]["run"]) / "model.pt")
    assert info["config"]["train"] == [] and info["data"]["frames"] == 3
    assert info["steps"] == 1 and info["config"]["lr"] == 1e-4
    assert read_json(Path(rows["tuned"]["run"]) / "train.json")["steps"] == 2
    assert table["real_protocol"] == "finetune" and table["finetune_options"] == {"steps": 1, "lr": 1e-4}
    assert "fine-tuned on the real share (lr 0.0001, steps 1)" in table["markdown"]
    # Rows recorded before --init existed count as finished (they ran without one).
    rec_path = Path(rows["tuned"]["run"]) / "train.json"
    rec = read_json(rec_path)
    del rec["config"]["init"]
    rec_path.write_text(json.dumps(rec))
    stamp = (Path(rows["tuned"]["run"]) / "model.pt").stat().st_mtime_ns
    again = run_table(load_config(cfg_path), progress=False)
    assert (Path(rows["tuned"]["run"]) / "model.pt").stat().st_mtime_ns == stamp
    assert again["rows"][1]["scores"] == ft["scores"]


def test_experiment_balanced_protocol(data, tmp_path):
    cfg_path = _half_real_config(
        tmp_path / "bal.yaml", data,
        f"untuned: {data['synth']}\nrows: [real-share, untuned+real]\nreal_protocol: balanced\n"
        "train: {steps: 1, batch_size: 4, size: 64x48, threads: 1}\n")
    table = run_table(load_config(cfg_path), progress=False)
    rows = {r["key"]: r for r in table["rows"]}
    assert list(rows) == ["real-share", "untuned+real"]
    row = rows["untuned+real"]
    assert row["label"] == "Untuned + 50% real, 50% of each batch" and row["frames"] == 7
    assert Path(row["run"]) == tmp_path / "res" / "rows" / "untuned_plus_real_balanced" / "seed0"
    assert read_json(Path(row["run"]) / "train.json")["config"]["real_batch_share"] == 0.5
    assert read_json(Path(rows["real-share"]["run"]) / "train.json")["config"]["real_batch_share"] is None
    assert table["real_protocol"] == "balanced" and table["real_batch_share"] == 0.5
    assert ("Trained: lite0, 1 steps, batch 4, 64x48, adamw lr 0.001; + real rows: one run, 50% of each batch real; "
            f"evaluated on camvid:{data['camvid']}#val.") in (tmp_path / "res" / "table.md").read_text()


@pytest.mark.blender
def test_three_steps_on_a_rendered_set(rendered_set, data, tmp_path):
    """The acceptance check: 3 training steps on frames rendered by Blender, evaluated on fixtures."""
    assert len(list_samples(rendered_set)) >= 1
    rec = train(TrainConfig(out=tmp_path / "r", train=[str(rendered_set)], val=f"{data['cs']}#val",
                            **{**TINY, "size": (128, 64)}))
    ev = read_json(tmp_path / "r" / "eval.json")
    assert ev["per_class_iou"] == rec["per_class_iou"] and set(ev) >= {"per_class_iou", "global", "pixel_accuracy"}
    assert read_json(tmp_path / "r" / "train.json")["steps"] == 3

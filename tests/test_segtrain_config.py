"""segtrain's settings: defaults written once (TrainConfig / AugmentConfig), one "same settings" rule for
resume and reuse, and table rows / curve lines whose names follow from their fields."""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from scenegen.errors import UserError
from segtrain import cli, config
from segtrain.config import ADDED_LATER, NOT_COMPARED, AugmentConfig, TrainConfig, require_same_run
from segtrain.curve import CurveConfig, Line, curve_lines
from segtrain.table import ALL_REAL, REAL_SHARE, ROWS, Row, delta
from test_segtrain_fixtures import write_scenegen


def _train_seg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segtrain")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser


def _train_seg_actions():
    parser = _train_seg_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train-seg"]._actions


def test_the_cli_writes_no_training_default():
    """Every train-seg option leaves its default to TrainConfig (argparse default None) and shows it."""
    actions = [a for a in _train_seg_actions() if a.dest not in ("help", "quiet")]
    assert [a.dest for a in actions if a.default is not None] == []
    helps = {a.dest: a.help for a in actions}
    for name in ("real_fraction", "classes", "arch", "steps", "batch_size", "optimizer", "head_lr_mult",
                 "weight_decay", "seed", "workers", "ckpt_every", "device"):
        assert f"default {getattr(TrainConfig, name)})" in helps[name], name
    aug = AugmentConfig()
    assert f"default {aug.scale_min} {aug.scale_max}" in helps["scale"]
    assert f"default {aug.brightness}" in helps["jitter"]
    assert "else 512x512" in helps["crop"] and "0.001 adamw, 0.01 sgd" in helps["lr"]


def test_options_left_out_keep_the_dataclass_defaults():
    args = _train_seg_parser().parse_args(["train-seg", "--train", "a", "--out", "o"])
    assert cli.train_config_from_args(args) == TrainConfig(out=Path("o"), train=["a"])
    args = _train_seg_parser().parse_args(["train-seg", "--out", "o", "--jitter", "0.5", "--no-flip", "--no-cache",
                                           "--resume", "--quiet", "--pretrained", "none", "--size", "64x48"])
    cfg = cli.train_config_from_args(args)
    assert cfg.augment == replace(AugmentConfig(), brightness=0.5, contrast=0.5, saturation=0.5, hue=0.04, flip=False)
    assert (cfg.cache, cfg.resume, cfg.progress, cfg.pretrained, cfg.size) == (False, True, False, False, (64, 48))
    # The default jitter strength gives the default augmentation.
    assert AugmentConfig.jittered(AugmentConfig().brightness) == AugmentConfig()


def test_one_rule_compares_stored_settings():
    now = TrainConfig(out=Path("a"), train=["x"], lr=1e-3)
    stored = {k: v for k, v in now.record().items() if k not in ADDED_LATER}  # recorded before they existed
    require_same_run("run", stored, now, "resume")
    # Settings that do not change what a run computes may differ.
    require_same_run("run", stored, replace(now, out=Path("b"), threads=3, workers=2, ckpt_every=5, progress=False,
                                            device="cpu", cache=False, resume=True), "resume")
    assert {"out", "resume", "progress", "device", "workers", "threads", "cache", "ckpt_every",
            "keep_checkpoint"} == NOT_COMPARED
    with pytest.raises(UserError, match=r"^run: cannot resume: setting 'weight_decay' differs \(0.0001 in the run, "
                                        r"0.001 now\)$"):
        require_same_run("run", stored, replace(now, weight_decay=1e-3), "resume")
    with pytest.raises(UserError, match="setting 'real_count' differs"):
        require_same_run("run", stored, replace(now, real_count=3), "resume")


def test_resume_and_reuse_refuse_the_same_change(tmp_path, monkeypatch):
    from segtrain.runs import finished
    from segtrain.train import train

    synth = write_scenegen(tmp_path / "synth", "train", 2, seed=1)
    base = TrainConfig(out=tmp_path / "run", train=[str(synth)], steps=1, batch_size=2, size=(64, 48),
                       progress=False, threads=1)
    train(base)
    calls = []
    real_rule = config.require_same_settings

    def spy(where, stored, now, action, ignore=(), added_later=None):
        calls.append((action, frozenset(ignore), dict(added_later or {})))
        return real_rule(where, stored, now, action, ignore, added_later)

    monkeypatch.setattr(config, "require_same_settings", spy)
    changed = replace(base, weight_decay=1e-3)
    with pytest.raises(UserError, match="train.json: cannot resume: setting 'weight_decay' differs") as resumed:
        train(replace(changed, resume=True))
    with pytest.raises(UserError) as reused:
        finished(changed)
    assert str(reused.value).startswith(f"{base.out}: cannot reuse the run it holds")
    assert str(reused.value).endswith("setting 'weight_decay' differs (0.0001 in the run, 0.001 now)")
    assert str(resumed.value).endswith("setting 'weight_decay' differs (0.0001 in the run, 0.001 now)")
    assert [c[1:] for c in calls] == [(NOT_COMPARED, ADDED_LATER)] * 2
    # Both accept a change that does not alter the result.
    assert finished(replace(base, threads=2, ckpt_every=7)) is not None


def test_table_rows_are_named_from_their_fields():
    assert [r.key for r in ROWS] == ["untuned", "tuned", "real", "real-share", "untuned+real", "tuned+real"]
    assert [r.folder for r in ROWS] == ["untuned", "tuned", "real", "real_share", "untuned_plus_real",
                                        "tuned_plus_real"]
    ft = Row("tuned", REAL_SHARE, "finetune")
    assert ft.key == "tuned+real" and ft.folder == "tuned_then_real" and ft.start == Row("tuned")
    assert ft.trains_on is None and ft.needs == ("tuned", "real")
    assert ft.label(0.1) == "Tuned, fine-tuned on 10% real"
    bal = Row("untuned", REAL_SHARE, "balanced")
    assert bal.folder == "untuned_plus_real_balanced" and bal.start is None and bal.trains_on == "untuned"
    assert bal.label(0.5, batch_share=0.25) == "Untuned + 50% real, 25% of each batch"
    assert Row(real=ALL_REAL).label(0.1, "camvid train") == "Real (camvid train)"
    assert Row(real=REAL_SHARE).label(0.1) == "10% real only" and Row("untuned").label(0.1) == "Untuned synthetic"
    assert delta(Row(real=REAL_SHARE), Row("tuned", REAL_SHARE)) == ("tuned+real − real share", "real-share",
                                                                      "tuned+real")
    for bad in (dict(), dict(synthetic="tuned", real=ALL_REAL), dict(synthetic="tuned", protocol="finetune"),
                dict(real="most")):
        with pytest.raises(ValueError):
            Row(**bad)


def test_curve_lines_are_named_from_their_fields():
    cfg = CurveConfig(out=Path("o"), val="v", real="r", counts=[2], sets={"untuned": ["u"], "tuned": ["t"]},
                      recipes=["real", "finetune", "balanced"], finetune_share=0.5, replay_up_to=9,
                      balanced_share=0.25)
    lines = curve_lines(cfg)
    assert [ln.key for ln in lines] == ["real", "untuned_finetune", "tuned_finetune", "untuned_balanced",
                                        "tuned_balanced"]
    ft = Line("finetune", "tuned", 0.5, 9)
    assert ft in lines and ft.short == "tuned → fine-tuned"
    assert ft.label == ("Tuned synthetic → fine-tuned on k real (50% of each batch real, rest synthetic, "
                        "up to k=9; real only above)")
    assert ft.share_at(9) == 0.5 and ft.share_at(10) is None
    assert Line("balanced", "untuned", 0.25).label == \
        "Untuned synthetic + k real in one run (25% of each batch real)"
    assert Line("real").label == "Real only (ImageNet start)" and Line("real").short == "real only"

"""The tuning loop end to end with the numpy toy renderer (fast), resume, CLI errors, report.

The same loop with real Blender renders is in test_tuner_blender.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scenegen.errors import UserError
from scenegen.io import atomic_write_png
from scenegen.params import default_space
from tuner.best import best_iteration
from tuner import cli as tcli
from tuner import loop
from tuner.discriminator import load_checkpoint
from tuner.loop import TuneConfig, Tuner
from tuner.run_folder import RunFolder
from tuner.report import write_report

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("one_torch_thread")]

VARS = ("sun_elevation_deg", "fog_density")



@pytest.fixture(scope="module")
def target_file(tmp_path_factory) -> Path:
    from scenegen.distributions import Histogram

    sp = default_space()
    for name, bins in (("sun_elevation_deg", 10), ("fog_density", 10)):
        w = np.full(bins, 0.02)
        w[-2:] = 1.0 if name == "sun_elevation_deg" else 0.0
        if name == "fog_density":
            w[0] = 1.0
        sp = sp.with_distribution(name, Histogram(sp[name].distribution.edges, tuple(float(x) for x in w / w.sum())))
    p = tmp_path_factory.mktemp("target") / "target.yaml"
    sp.save(p)
    return p


def make_camvid(root: Path, n: int = 6) -> Path:
    """A tiny CamVid-layout fixture (SegNet labels 0..11)."""
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for i in range(n):
            img = rng.integers(0, 255, (36, 48, 3), dtype=np.uint8)
            lab = np.full((36, 48), 11, np.uint8)  # void
            lab[18:] = 3  # road
            lab[:, :10] = 1  # building
            atomic_write_png(root / split / f"f{i:03d}.png", img)
            atomic_write_png(root / f"{split}annot" / f"f{i:03d}.png", lab)
    return root


def cfg(tmp: Path, real: str, **kw) -> TuneConfig:
    base = dict(real=real, out=str(tmp), iterations=2, batch=8, resolution=(64, 32), backend="toy", device="cpu",
                disc_steps=4, real_count=12, kid=False, variables=VARS, seed=3)
    base.update(kw)
    return TuneConfig(**base)


def test_tiny_tune_writes_every_artifact_and_a_report(tmp_path, target_file):
    run = Tuner(cfg(tmp_path / "run", f"params:{target_file}", kid=True), progress=False).run()
    for k in (0, 1, 2):
        assert (run / f"params_iter{k}.yaml").is_file()
        assert (run / f"metrics_iter{k}.json").is_file()
    for k in (1, 2):
        assert (run / f"disc_iter{k}.pt").is_file()
        assert (run / f"draws_iter{k}.json").is_file()
    assert (run / "target_params.yaml").is_file()
    m = json.loads((run / "metrics_iter2.json").read_text())
    for key in ("discriminator", "kid", "class_proportions", "recovery", "variable_means"):
        assert key in m
    assert 0.0 <= m["discriminator"]["auc"] <= 1.0
    kid_train = [json.loads((run / f"metrics_iter{k}.json").read_text())["kid"]["train"] for k in (1, 2)]
    best = json.loads((run / "best.json").read_text())  # with --kid: the renders closest to the training images
    assert best["measure"] == "KID" and best["value"] == min(kid_train)
    assert best["params_iteration"] == kid_train.index(min(kid_train))
    assert kid_train[1] != m["kid"]["mean"]  # training images, not the held-out ones
    assert m["recovery"]["variables"] == list(VARS)
    assert len(m["class_proportions"]["render"]) == 7 and "l1" in m["class_proportions"]
    draws = json.loads((run / "draws_iter1.json").read_text())
    assert len(draws["z"]) == 8 and len(draws["scores"]) == 8
    # untuned variables keep their starting distribution
    from scenegen.params import load_space

    p0, p2 = load_space(run / "params_iter0.yaml"), load_space(run / "params_iter2.yaml")
    assert p0["car_density"] == p2["car_density"]
    assert tcli.main(["report", str(run)]) == 0
    for name in ("report.html", "variables.png", "metrics.png", "renders.png", "classes.png", "recovery.png"):
        assert (run / "report" / name).is_file(), name
    assert "recovery" in (run / "report" / "report.html").read_text()


def test_resume_after_interruption_gives_identical_params(tmp_path, target_file, monkeypatch):
    real = f"params:{target_file}"
    full = Tuner(cfg(tmp_path / "full", real, iterations=3), progress=False).run()

    # Interrupted run: dies inside iteration 2 after writing its draws, before its checkpoint.
    real_save = loop.save_checkpoint

    def dying_save(path, payload):
        if payload["iteration"] == 2:
            raise KeyboardInterrupt
        real_save(path, payload)

    monkeypatch.setattr(loop, "save_checkpoint", dying_save)
    with pytest.raises(KeyboardInterrupt):
        Tuner(cfg(tmp_path / "cut", real, iterations=3), progress=False).run()
    monkeypatch.setattr(loop, "save_checkpoint", real_save)
    assert RunFolder(tmp_path / "cut").finished_iterations() == 1
    assert (tmp_path / "cut" / "draws_iter2.json").is_file()

    Tuner(cfg(tmp_path / "cut", real, iterations=3), resume=True, progress=False).run()
    for k in range(4):
        a = (full / f"params_iter{k}.yaml").read_bytes()
        b = (tmp_path / "cut" / f"params_iter{k}.yaml").read_bytes()
        assert a == b, f"params_iter{k}.yaml differs after resume"


def test_extending_a_finished_run_with_resume(tmp_path, target_file):
    real = f"params:{target_file}"
    Tuner(cfg(tmp_path / "r", real, iterations=1), progress=False).run()
    assert RunFolder(tmp_path / "r").finished_iterations() == 1
    Tuner(cfg(tmp_path / "r", real, iterations=2), resume=True, progress=False).run()
    assert RunFolder(tmp_path / "r").finished_iterations() == 2


def test_a_run_begun_before_a_variable_existed_is_not_resumed(tmp_path, target_file):
    real = f"params:{target_file}"
    Tuner(cfg(tmp_path / "r", real, iterations=1), progress=False).run()
    draws = tmp_path / "r" / "draws_iter1.json"
    rec = json.loads(draws.read_text())
    for z in rec["z"]:  # as an older scenegen wrote them
        del z["left_hand_traffic"]
    draws.write_text(json.dumps(rec))
    with pytest.raises(UserError, match="older scenegen, whose scenes had no variable 'left_hand_traffic'"):
        Tuner(cfg(tmp_path / "r", real, iterations=2), resume=True, progress=False).run()


def test_validated_calibrated_discriminator_pooled_rule_and_weighted_replay_resume_identically(tmp_path, target_file):
    real = f"params:{target_file}"
    opts = dict(disc_val=0.25, disc_bands=3, replay_weights=True, disc_steps=6,
                method_options={"accept": "weight", "pool": 2, "power": 1.5})
    opts.update(batch=16, real_count=48)  # enough images to hold MIN_VAL of each out from iteration 2 on
    full = Tuner(cfg(tmp_path / "full", real, iterations=3, **opts), progress=False).run()
    Tuner(cfg(tmp_path / "part", real, iterations=2, **opts), progress=False).run()
    Tuner(cfg(tmp_path / "part", real, iterations=3, **opts), resume=True, progress=False).run()
    for k in range(4):
        assert (full / f"params_iter{k}.yaml").read_bytes() == (tmp_path / "part" / f"params_iter{k}.yaml").read_bytes()
    m1 = json.loads((full / "metrics_iter1.json").read_text())
    m3 = json.loads((full / "metrics_iter3.json").read_text())
    assert "calibration" not in m1["discriminator"]["fit"][0]  # 8 negatives: too few to hold some out
    assert len(m3["discriminator"]["fit"][0]["calibration"]) == 2
    assert m3["update"]["pooled_draws"] == 3 * 16  # this batch and the two before


def test_score_method_and_camvid_dataset_with_separate_val(tmp_path):
    cam = make_camvid(tmp_path / "camvid")
    run = Tuner(cfg(tmp_path / "run", f"camvid:{cam}", method="score", iterations=1,
                    real_val=f"camvid:{cam}#val", variables=None), progress=False).run()
    m = json.loads((run / "metrics_iter1.json").read_text())
    assert "recovery" not in m
    assert m["class_proportions"]["real"][4] > 0.4  # road share of the fixture
    assert m["method"] == "score"


def test_class_proportions_are_measured_against_the_real_training_and_evaluation_images(tmp_path):
    cam = make_camvid(tmp_path / "camvid")
    for f in (cam / "valannot").iterdir():  # val: sky above a thinner road band, unlike train
        lab = np.full((36, 48), 0, np.uint8)
        lab[27:] = 3
        atomic_write_png(f, lab)
    run = Tuner(cfg(tmp_path / "run", f"camvid:{cam}#train", iterations=1, real_val=f"camvid:{cam}#val",
                    variables=None), progress=False).run()
    cp = json.loads((run / "metrics_iter1.json").read_text())["class_proportions"]
    names = cp["names"]
    assert cp["real_train"][names.index("road")] == pytest.approx(18 * 38 / (18 * 38 + 36 * 10))
    assert cp["real"][names.index("road")] == pytest.approx(0.25)
    assert cp["real"][names.index("sky")] == pytest.approx(0.75)
    render = np.array(cp["render"])
    assert cp["l1_train"] == pytest.approx(np.abs(render - cp["real_train"]).sum())
    assert cp["l1"] == pytest.approx(np.abs(render - cp["real"]).sum())
    assert "real train" in (write_report(run).read_text())
    # one measured distribution (params_iter0, rendered in iteration 1): it is the best one
    best = json.loads((run / "best.json").read_text())
    assert best["params"] == "params_iter0.yaml" and best["l1_train"] == pytest.approx(cp["l1_train"])
    assert (run / "params_best.yaml").read_bytes() == (run / "params_iter0.yaml").read_bytes()
    assert "params_best.yaml" in (run / "report" / "report.html").read_text()


def test_standardized_mean_gap_is_in_units_of_the_reference_spread():
    from tuner.metrics import standardized_mean_gap

    ref = np.array([[0.0, 10.0], [2.0, 10.0]])  # sd 1 and 0 (floored at 1e-3)
    assert standardized_mean_gap(np.array([[3.0, 10.0]]), ref) == pytest.approx((2.0 + 0.0) / 2)
    assert standardized_mean_gap(ref, ref) == 0.0


def test_best_iteration_is_chosen_on_the_real_training_images_only():
    def m(k, l1_train, l1):
        return {"iteration": k, "class_proportions": {"l1_train": l1_train, "l1": l1}}
    ms = [{"iteration": 0}, m(1, 0.30, 0.10), m(2, 0.12, 0.50), m(3, 0.20, 0.05)]
    best = best_iteration(ms)
    assert best["params_iteration"] == 1 and best["params"] == "params_iter1.yaml"  # rendered in iteration 2
    assert best["l1_train"] == 0.12 and best["l1_train_per_params_iteration"] == [0.30, 0.12, 0.20]
    assert best_iteration([{"iteration": 0}, {"iteration": 1, "class_proportions": {"l1": 0.2}}]) is None


def test_label_aware_discriminator_reads_rendered_and_real_labels(tmp_path, target_file):
    run = Tuner(cfg(tmp_path / "params", f"params:{target_file}", disc_input="rgb+labels", iterations=1),
                progress=False).run()
    ck = load_checkpoint(run / "disc_iter1.pt")
    assert ck["discriminators"][0]["model"]["body.0.weight"].shape[1] == 3 + 7  # RGB + paper-7 shares
    assert json.loads((run / "run.json").read_text())["config"]["disc_input"] == "rgb+labels"
    cam = make_camvid(tmp_path / "camvid")
    run = Tuner(cfg(tmp_path / "camvid_run", f"camvid:{cam}", disc_input="labels", iterations=1, variables=None),
                progress=False).run()
    ck = load_checkpoint(run / "disc_iter1.pt")
    assert ck["discriminators"][0]["model"]["body.0.weight"].shape[1] == 7
    run = Tuner(cfg(tmp_path / "layout_run", f"camvid:{cam}", disc_backbone="layout", iterations=1, variables=None),
                progress=False).run()
    ck = load_checkpoint(run / "disc_iter1.pt")
    assert ck["discriminators"][0]["model"]["net.1.weight"].shape[1] == 7 * 3 * 4  # classes x bands x columns
    assert json.loads((run / "metrics_iter1.json").read_text())["discriminator"]["auc"] >= 0


def test_disc_grid_sets_the_layout_discriminator_inputs_and_is_kept_on_resume(tmp_path, capsys):
    cam = make_camvid(tmp_path / "camvid")
    out = tmp_path / "grid_run"
    args = ["tune", "--recipe", "paper", "--real", f"camvid:{cam}", "--out", str(out), "--backend", "toy", "--resolution", "64x32",
            "--batch", "8", "--iterations", "1", "--disc", "layout", "--layout-grid", "1x1", "--disc-steps", "3",
            "--no-kid", "--device", "cpu", "--quiet"]
    assert tcli.main(args) == 0
    ck = load_checkpoint(out / "disc_iter1.pt")
    assert ck["discriminators"][0]["model"]["net.1.weight"].shape[1] == 7  # the image's class shares only
    description = json.loads((out / "run.json").read_text())
    assert description["config"]["disc_grid"] == [1, 1]  # --layout-grid is the option's old name
    description["config"]["layout_grid"] = description["config"].pop("disc_grid")  # a run from before the rename
    (out / "run.json").write_text(json.dumps(description))
    assert tcli.main(["tune", "--out", str(out), "--resume", "--iterations", "2", "--quiet"]) == 0
    assert RunFolder(out).finished_iterations() == 2
    assert tcli.main(["tune", "--out", str(out), "--resume", "--disc-grid", "2x3", "--quiet"]) == 2
    assert "cannot resume: setting 'disc_grid' differs ([1, 1] in the run, [2, 3] now)" in capsys.readouterr().err


def test_stats_discriminator_reads_color_statistics_with_or_without_labels(tmp_path):
    cam = make_camvid(tmp_path / "camvid")
    for inputs, per_cell, per_class in (("rgb", 6, 0), ("rgb+labels", 3 + 7 + 3, 6)):
        out = tmp_path / inputs
        args = ["tune", "--recipe", "paper", "--real", f"camvid:{cam}", "--out", str(out), "--backend", "toy", "--resolution", "64x32",
                "--batch", "8", "--iterations", "1", "--disc", "stats", "--disc-input", inputs,
                "--disc-grid", "2x2", "--disc-steps", "3", "--no-kid", "--device", "cpu", "--quiet"]
        assert tcli.main(args) == 0
        ck = load_checkpoint(out / "disc_iter1.pt")
        weights = ck["discriminators"][0]["model"]
        n = per_cell * 2 * 2 + per_class * 7  # grid cells, and the colour of each paper-7 class
        assert weights["linear.weight"].shape[1] == n  # a logistic regression on the statistics
        assert weights["scale"].shape == (n,)  # its standardisation travels with the checkpoint
        assert json.loads((out / "run.json").read_text())["config"]["disc_backbone"] == "stats"
        gaps = json.loads((out / "metrics_iter1.json").read_text())["image_statistics"]
        assert gaps["gap_train"] > 0 and gaps["gap"] > 0
        best = json.loads((out / "best.json").read_text())  # chosen by the statistics it tunes, not class L1
        assert best["measure"] == "image-statistics gap" and best["value"] == gaps["gap_train"]


def test_label_discriminator_on_a_real_set_without_labels_exits_2(tmp_path, capsys):
    cam = make_camvid(tmp_path / "camvid")
    for f in (cam / "trainannot").iterdir():
        f.unlink()
    out = tmp_path / "run"
    code = tcli.main(["tune", "--recipe", "paper", "--real", f"camvid:{cam}#train", "--out", str(out), "--backend", "toy",
                      "--resolution", "64x32", "--batch", "4", "--iterations", "1", "--disc", "layout", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "reads label images" in err and "--disc layout" in err
    assert not out.exists()


def test_cli_tune_via_arguments_and_resume_with_stored_settings(tmp_path, target_file, capsys):
    out = tmp_path / "cli"
    args = ["tune", "--recipe", "paper", "--real", f"params:{target_file}", "--out", str(out), "--iterations", "1", "--batch", "8",
            "--resolution", "64x32", "--backend", "toy", "--device", "cpu", "--disc-steps", "3",
            "--real-count", "12", "--no-kid", "--variables", "group:fog,sun_elevation_deg", "--quiet",
            "--rule-opt", "quantile=0.6"]
    assert tcli.main(args) == 0
    stored = json.loads((out / "run.json").read_text())["config"]
    assert stored["method_options"] == {"quantile": 0.6}
    assert tuple(stored["variables"]) == VARS  # groups are stored as the names they stood for
    # resume with only --out and a larger --iterations: the stored settings are reused
    assert tcli.main(["tune", "--out", str(out), "--resume", "--iterations", "2", "--quiet"]) == 0
    assert RunFolder(out).finished_iterations() == 2
    printed = capsys.readouterr().out
    assert "recovery" in printed and "closest to the real training images" in printed
    best = json.loads((out / "best.json").read_text())
    assert (out / "params_best.yaml").read_bytes() == (out / best["params"]).read_bytes()


@pytest.mark.parametrize("extra, fragment", [
    (["--real", "camvid:/nonexistent/camvid"], "does not exist"),
    (["--real", "params:/nonexistent/target.yaml"], "not found"),
    (["--real", "PARAMS", "--variables", "no_such_variable"], "no_such_variable"),
    (["--real", "PARAMS", "--variables", "fog_density,group:weather"], "unknown variable group 'weather'"),
    (["--real", "PARAMS", "--rule-opt", "temperature=2"], "temperature"),
    (["--real", "PARAMS", "--rule-opt", "oops"], "KEY=VALUE"),
    (["--real", "PARAMS", "--method", "score", "--rule-opt", "reward=log"], "reward"),
    (["--real", "PARAMS", "--device", "tpu"], "device"),
    (["--real", "PARAMS", "--batch", "2"], "--batch"),
    (["--real", "PARAMS", "--disc", "lite0", "--disc-input", "labels"], "the lite0 discriminator reads rgb only"),
    (["--real", "PARAMS", "--disc-grid", "3"], "--disc-grid"),
    (["--real", "PARAMS", "--disc-grid", "0x4"], "--disc-grid"),
    ([], "--real is required"),
])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, target_file, capsys, extra, fragment):
    extra = [e.replace("PARAMS", f"params:{target_file}") for e in extra]
    out = tmp_path / "bad"
    code = tcli.main(["tune", "--out", str(out), "--backend", "toy", "--resolution", "64x32", "--quiet"] + extra)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert fragment in err and len(err.splitlines()) == 1
    assert not (out / "params_iter0.yaml").exists()


def test_existing_run_without_resume_and_changed_setting_on_resume_are_errors(tmp_path, target_file, capsys):
    real = f"params:{target_file}"
    Tuner(cfg(tmp_path / "r", real, iterations=1), progress=False).run()
    base = ["tune", "--out", str(tmp_path / "r"), "--quiet"]
    assert tcli.main(base + ["--real", real, "--backend", "toy"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert tcli.main(base + ["--resume", "--batch", "16"]) == 2
    assert "batch" in capsys.readouterr().err
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file.txt").write_text("x")
    assert tcli.main(["tune", "--out", str(tmp_path / "junk"), "--real", real, "--backend", "toy", "--quiet"]) == 2
    assert tcli.main(["report", str(tmp_path / "junk")]) == 2


def test_target_with_a_variable_the_space_lacks_is_an_error(tmp_path):
    from scenegen.params import space_from_dict

    sp = space_from_dict({"variables": {"mystery": {"support": [0, 1], "distribution": {"type": "histogram"}}}})
    sp.save(tmp_path / "t.yaml")
    code = tcli.main(["tune", "--out", str(tmp_path / "o"), "--real", f"params:{tmp_path / 't.yaml'}",
                      "--backend", "toy", "--quiet"])
    assert code == 2


def test_no_global_rng_in_tuner():
    import re

    bad = re.compile(r"\bimport random\b|\bfrom random import\b|np\.random\.(?!default_rng|Generator|SeedSequence)\w+\("
                     r"|torch\.manual_seed|torch\.seed\(|time\.time\(\)")
    root = Path(__file__).resolve().parents[1] / "tuner"
    hits = [f"{p.name}:{i + 1}" for p in root.glob("*.py") for i, line in enumerate(p.read_text().splitlines())
            if bad.search(line)]
    assert not hits, hits


def test_tuner_imports_without_bpy():
    import subprocess
    import sys

    code = ("import sys; sys.modules['bpy'] = None\n"
            "import tuner.loop, tuner.cli, tuner.report, tuner.updates, tuner.backends, tuner.discriminator\n"
            "assert 'bpy' not in [m for m in sys.modules if sys.modules[m] is not None]\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_evaluate_renders_a_space_and_measures_kid_and_class_l1(tmp_path):
    cam = make_camvid(tmp_path / "camvid")
    t = Tuner(cfg(tmp_path / "run", f"camvid:{cam}", real_val=f"camvid:{cam}#val"), progress=False)
    t.setup()
    a = t.evaluate(default_space(), "start", 6)
    assert a["count"] == 6 and "mean" in a["kid"] and 0 <= a["class_proportions"]["l1"] <= 2
    assert (tmp_path / "run" / "eval" / "start").is_dir()
    b = t.evaluate(default_space(), "again", 6)
    assert a["kid"] == b["kid"]  # same space, same frame seeds -> same images


def make_cityscapes(root: Path, n: int = 6) -> Path:
    """A tiny official-layout fixture (leftImg8bit + gtFine labelIds, Cityscapes ids)."""
    rng = np.random.default_rng(1)
    for i in range(n):
        stem = f"aachen_{i:06d}_000019"
        img = rng.integers(0, 255, (32, 64, 3), dtype=np.uint8)
        lab = np.full((32, 64), 23, np.uint8)  # sky
        lab[16:] = 7  # road
        atomic_write_png(root / "leftImg8bit" / "train" / "aachen" / f"{stem}_leftImg8bit.png", img)
        atomic_write_png(root / "gtFine" / "train" / "aachen" / f"{stem}_gtFine_labelIds.png", lab)
    return root


def test_tune_reads_cityscapes_layout_autodetected(tmp_path):
    cs = make_cityscapes(tmp_path / "cs")
    run = Tuner(cfg(tmp_path / "run", str(cs), iterations=1), progress=False).run()
    m = json.loads((run / "metrics_iter1.json").read_text())
    real = m["class_proportions"]["real"]
    assert abs(real[4] - 0.5) < 1e-9 and abs(real[6] - 0.5) < 1e-9  # road and sky halves


@pytest.mark.parametrize("breakage, fragment", [
    ("empty", "no camvid images"),
    ("corrupt", "f000.png"),
    ("layout", "unknown dataset layout"),
])
def test_bad_real_data_exits_2_naming_the_path(tmp_path, capsys, breakage, fragment):
    cam = make_camvid(tmp_path / "camvid")
    spec = f"camvid:{cam}"
    if breakage == "empty":
        for p in (cam / "train").iterdir():
            p.unlink()
    elif breakage == "corrupt":
        (cam / "train" / "f000.png").write_bytes(b"not a png")
    else:
        (tmp_path / "other").mkdir()
        spec = str(tmp_path / "other")
    code = tcli.main(["tune", "--recipe", "paper", "--real", spec, "--out", str(tmp_path / "o"), "--backend", "toy",
                      "--resolution", "64x32", "--batch", "4", "--iterations", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and fragment in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "o" / "params_iter0.yaml").exists()


def test_bad_real_data_leaves_no_run_folder(tmp_path, capsys):
    out = tmp_path / "new" / "run"
    code = tcli.main(["tune", "--recipe", "paper", "--real", f"camvid:{tmp_path / 'missing'}", "--out", str(out), "--backend", "toy",
                      "--resolution", "64x32", "--batch", "4", "--iterations", "1", "--quiet"])
    assert code == 2 and "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()

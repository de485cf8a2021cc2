"""Bad input: exit code 2, one clear line on stderr, and nothing written."""
import pytest

from conftest import run_cli

GOOD_YAML = "variables:\n  fog_density: {support: [0, 3], distribution: {type: histogram, bins: 3}}\n"


def _files(root):
    return sorted(p for p in root.rglob("*")) if root.exists() else []


@pytest.mark.parametrize("case, yaml_text, extra, fragment", [
    ("malformed yaml", "variables: [\n", [], "malformed YAML"),
    ("unknown variable key", "variables:\n  fog_density: {support: [0, 1], distribution: {type: histogram}, foo: 1}\n",
     [], "unknown key"),
    ("unknown variable", "variables:\n  rain_mm: {support: [0, 1], distribution: {type: histogram}}\n",
     [], "unknown variable 'rain_mm'"),
    ("value outside support", "variables:\n  x: {support: [0, 1], distribution: {type: categorical, values: [0, 2]}}\n",
     [], "outside the support"),
    ("invalid weights", "variables:\n  x: {support: [0, 1], distribution: {type: histogram, bins: 2, weights: [1, -2]}}\n",
     [], "non-negative"),
    ("bad resolution", GOOD_YAML, ["--resolution", "512by256"], "--resolution"),
    ("zero frames", GOOD_YAML, ["--frames", "0"], "--frames must be at least 1"),
    ("unknown flag", GOOD_YAML, ["--fames", "3"], "unrecognized arguments"),
    ("tiny resolution", GOOD_YAML, ["--resolution", "4x4"], "between 8 and"),
    ("bad city", GOOD_YAML, ["--city", "../x"], "--city"),
])
def test_render_bad_input(tmp_path, case, yaml_text, extra, fragment):
    params = tmp_path / "params.yaml"
    params.write_text(yaml_text)
    out = tmp_path / "out"
    frames = [] if "--frames" in extra else ["--frames", "1"]
    args = ["render", "--params", params, "--out", out, *frames, *extra]
    r = run_cli(*args)
    assert r.returncode == 2, (case, r.stdout, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, (case, r.stderr)
    assert fragment in lines[0], (case, lines[0])
    assert not out.exists(), case


def test_missing_params_file(tmp_path):
    out = tmp_path / "out"
    r = run_cli("render", "--params", tmp_path / "nope.yaml", "--out", out, "--frames", "1")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "not found" in r.stderr and "nope.yaml" in r.stderr
    assert not out.exists()


def test_unknown_variable_in_a_params_file_with_unknown_top_key(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("variables: {}\nweather: rain\n")
    r = run_cli("params", "validate", p)
    assert r.returncode == 2 and "unknown top-level key" in r.stderr


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "sub" / "out"):
        r = run_cli("render", "--out", out, "--frames", "1")
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "--out" in r.stderr
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_sample_bad_count_and_good_run(tmp_path):
    r = run_cli("sample", "--count", "-1", "--out", tmp_path / "o")
    assert r.returncode == 2 and not (tmp_path / "o").exists()
    r = run_cli("sample", "--count", "3", "--seed", "5", "--out", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "o").rglob("*_scene.json"))) == 3


def test_params_validate_and_show(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(GOOD_YAML)
    r = run_cli("params", "validate", p)
    from scenegen.params import default_space

    rest = len(default_space().names) - 1
    assert r.returncode == 0 and f"OK (1 variables set in the file, {rest} from the built-in defaults" in r.stdout
    r = run_cli("params", "show")
    assert r.returncode == 0 and "sun_elevation_deg" in r.stdout
    r = run_cli("params", "show", "--yaml", p)
    assert r.returncode == 0 and "fog_density" in r.stdout


_OBJ = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n"


@pytest.mark.parametrize("case, catalog, extra, fragment", [
    ("missing catalog", None, [], "CAD catalog file not found"),
    ("missing model file", "models:\n  - {path: nope.obj, class: car}\n", [], "model file"),
    ("unknown class", "models:\n  - {path: m.obj, class: spaceship}\n", [], "unknown Cityscapes class 'spaceship'"),
    ("class never placed", "models:\n  - {path: m.obj, class: sky}\n", [], "places no 'sky' objects"),
    ("bad scale", "models:\n  - {path: m.obj, class: car, scale: -2}\n", [], "scale must be a positive number"),
    ("scale not a number", "models:\n  - {path: m.obj, class: car, scale: big}\n", [], "scale must be a positive"),
    ("unsupported extension", "models:\n  - {path: m.stl, class: car}\n", [], "unsupported file type '.stl'"),
    ("malformed yaml", "models:\n  - {path: m.obj, class: car\n", [], "malformed YAML"),
    ("no models", "models: []\n", [], "non-empty 'models:' list"),
    ("unknown entry key", "models:\n  - {path: m.obj, class: car, colour: red}\n", [], "unknown key 'colour'"),
    ("malformed obj", "models:\n  - {path: bad.obj, class: car}\n", [], "malformed OBJ record"),
    ("share out of range", "models:\n  - {path: m.obj, class: car}\n", ["--cad-share", "1.5"], "--cad-share"),
])
@pytest.mark.parametrize("command", ["render", "sample"])
def test_bad_cad_catalog(tmp_path, command, case, catalog, extra, fragment):
    (tmp_path / "m.obj").write_text(_OBJ)
    (tmp_path / "m.stl").write_text("solid\n")
    (tmp_path / "bad.obj").write_text("v 0 zero 0\nf 1 1 1\n")
    cat = tmp_path / "cat.yaml"
    if catalog is not None:
        cat.write_text(catalog)
    out = tmp_path / "out"
    count = ["--frames", "1"] if command == "render" else ["--count", "1"]
    r = run_cli(command, *count, "--out", out, "--catalog", cat, *extra)
    assert r.returncode == 2, (case, r.stdout, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and fragment in lines[0], (case, r.stderr)
    assert not out.exists(), case


def test_cad_share_needs_a_catalog(tmp_path):
    r = run_cli("render", "--frames", "1", "--out", tmp_path / "out", "--cad-share", "0.3")
    assert r.returncode == 2 and "--cad-share needs" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_messages_show_paths_normalised(tmp_path):
    from scenegen.cli_types import normalised_spec

    assert normalised_spec("camvid:./data//cv/../cv#val") == "camvid:data/cv#val"
    assert normalised_spec("runs/./x/") == "runs/x" and normalised_spec("") == ""
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "tune.yaml").write_text("real: camvid:../data/./cv#val\nout: ../runs/x\n")
    cases = [(["report", f"{tmp_path}/./a/../runs//nothing/"], f"{tmp_path}/runs/nothing: not a tuning run"),
             (["params", "validate", f"{tmp_path}//cfg/../missing.yaml"], f"{tmp_path}/missing.yaml: parameter file"),
             (["tune", "--config", f"{tmp_path}/cfg/tune.yaml"], f"{tmp_path}/data/cv: dataset folder does not exist")]
    for args, fragment in cases:
        r = run_cli(*args)
        assert r.returncode == 2 and fragment in r.stderr, (args, r.stderr)


@pytest.mark.parametrize("args, fragment", [
    (["params", "validate", "/dev/zero"], "/dev/zero: parameter file is not a regular file"),
    (["params", "validate", "BIG"], "at most 1000 bins, got 100000000"),
    (["render", "--frames", "100000000000", "--out", "OUT"], "--frames must be at most 1000000"),
    (["sample", "--count", "100000000000", "--out", "OUT"], "--count must be at most 1000000"),
    (["train-seg", "--train", "scenegen:OUT", "--crop", "9999x9999", "--out", "OUT"], "--crop: size '9999x9999' too large"),
    (["sheet", "OUT", "--cell-width", "100000"], "--cell-width must be at most 2048"),
    (["render", "--frames", "1", "--workers", "99999999", "--out", "OUT"], "--workers must be at most 1024"),
    (["train-seg", "--train", "scenegen:OUT", "--threads", "0", "--out", "OUT"], "--threads must be at least 1"),
    (["tune", "--real", "params:configs/demo_target.yaml", "--out", "OUT", "--disc-lr", "nan"],
     "--disc-lr must be a finite number"),
    (["tune", "--real", "params:configs/demo_target.yaml", "--out", "OUT", "--disc-lr", "-1"], "--disc-lr must be above 0"),
    (["train-seg", "--train", "scenegen:OUT", "--lr", "nan", "--out", "OUT"], "--lr must be a finite number"),
    (["train-seg", "--train", "scenegen:OUT", "--weight-decay", "inf", "--out", "OUT"], "--weight-decay must be a finite"),
])
def test_absurd_sizes_are_refused_at_once(tmp_path, args, fragment):
    big = tmp_path / "big.yaml"
    big.write_text("variables:\n  fog_density: {support: [0, 2], distribution: {type: histogram, bins: 100000000}}\n")
    out = tmp_path / "out"
    r = run_cli(*[str(big) if a == "BIG" else str(out) if a == "OUT" else a for a in args])
    assert r.returncode == 2 and fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


def test_output_paths_are_checked_before_any_work(tmp_path):
    run = tmp_path / "run"
    made = run_cli("tune", "--recipe", "quick", "--real", "params:configs/demo_target.yaml", "--backend", "toy",
                   "--iterations", "1", "--batch", "8", "--resolution", "64x32", "--no-kid", "--device", "cpu",
                   "--quiet", "--out", run)
    assert made.returncode == 0, made.stderr
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    cases = [
        (["report", run, "--out", a_file], "exists and is not a folder"),
        (["report", run, "--out", "/proc/no/report"], "cannot write there"),
        (["tune", "--recipe", "quick", "--real", "params:configs/demo_target.yaml", "--out", "/proc/no/run"],
         "cannot write there"),
        (["sheet", run / "target", "--out", tmp_path], "is a folder; give a file name"),
        (["sheet", run / "target", "--out", "/proc/no/sheet.png"], "cannot write there"),
        (["eval-seg", "--checkpoint", a_file, "--data", f"camvid:{tmp_path}", "--out", tmp_path],
         "is a folder; give a file name"),
        (["render", "--frames", "1", "--out", ""], "--out: empty path"),
    ]
    for args, fragment in cases:
        r = run_cli(*args)
        assert r.returncode == 2 and fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    assert not (run / "report").exists() and not (run / "target" / "contact_sheet.png").exists()


def test_a_command_without_its_subcommand_names_the_choices():
    r = run_cli("experiment")
    assert r.returncode == 2 and "{table,curve}" in r.stderr and "experiment_command" not in r.stderr


def test_one_refusal_rule_for_run_folders(tmp_path):
    sampled = tmp_path / "sampled"
    assert run_cli("sample", "--count", "1", "--out", sampled).returncode == 0
    assert run_cli("sample", "--count", "2", "--out", sampled).returncode == 0  # same settings: adds to it
    tuned = tmp_path / "tuned"
    (tuned).mkdir()
    (tuned / "run.json").write_text("{}")
    manifest = tmp_path / "rendered"
    manifest.mkdir()
    (manifest / "manifest.json").write_text("[1, 2]")
    cases = [
        (["sample", "--count", "1", "--seed", "5", "--out", sampled], "cannot add to it: setting 'seed' differs"),
        (["sample", "--count", "1", "--out", tuned], "holds a tuning run (run.json)"),
        (["render", "--frames", "1", "--out", tuned], "holds a tuning run (run.json)"),
        (["render", "--frames", "1", "--out", sampled], "holds scene specs written by `scenegen sample`"),
        (["tune", "--recipe", "quick", "--real", "params:configs/demo_target.yaml", "--out", manifest],
         "holds a render run (manifest.json)"),
        (["train-seg", "--train", f"scenegen:{sampled}", "--out", tuned], "holds a tuning run"),
        (["render", "--frames", "1", "--out", manifest], "unreadable run manifest"),
    ]
    for args, fragment in cases:
        r = run_cli(*args)
        assert r.returncode == 2 and fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    assert sorted(p.name for p in tuned.iterdir()) == ["run.json"]


def test_render_on_a_gpu_that_is_not_there_is_refused_before_anything_is_written(tmp_path):
    from scenegen.errors import UserError
    from render_jobs.run import check_gpu_available

    try:
        check_gpu_available()
    except UserError:
        r = run_cli("render", "--frames", "1", "--device", "gpu", "--resolution", "32x16", "--out", tmp_path / "o")
        assert r.returncode == 2 and "--device gpu: Cycles finds no GPU" in r.stderr
        assert not (tmp_path / "o").exists()
    else:
        pytest.skip("this machine has a GPU Cycles can use")


_PEAK_RSS = ("import resource, subprocess, sys\n"
             "code = subprocess.run([sys.executable, '-m', 'scenegen.cli', *sys.argv[1:]], capture_output=True).returncode\n"
             "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


@pytest.mark.parametrize("args", [
    ["params", "validate", "BIG"],
    ["render", "--frames", "100000000000", "--out", "OUT"],
    ["train-seg", "--train", "scenegen:OUT", "--crop", "9999x9999", "--out", "OUT"],
    ["params", "validate", "/dev/zero"],
])
def test_absurd_input_is_refused_without_large_memory(tmp_path, args):
    import subprocess
    import sys

    big = tmp_path / "big.yaml"
    big.write_text("variables:\n  fog_density: {support: [0, 2], distribution: {type: histogram, bins: 100000000}}\n")
    argv = [str(big) if a == "BIG" else str(tmp_path / "out") if a == "OUT" else a for a in args]
    out = subprocess.run([sys.executable, "-c", _PEAK_RSS, *argv], capture_output=True, text=True, cwd=tmp_path)
    code, peak_kb = (int(x) for x in out.stdout.split())
    assert code == 2 and peak_kb < 2 * 1024 * 1024, (args, code, peak_kb)

"""Project-wide rules: no global RNG in deterministic packages; everything but the Blender side runs without bpy."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DETERMINISTIC = ("scenegen", "assets", "tuner")
# Generator construction is fine; module-level draws from numpy's global state are not.
_ALLOWED_NP_RANDOM = {"default_rng", "Generator", "SeedSequence", "PCG64", "PCG64DXSM", "Philox", "SFC64",
                      "BitGenerator"}


def _global_rng_uses(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "random":
                    yield node.lineno, "import random"
        elif isinstance(node, ast.ImportFrom):
            if node.module == "random":
                yield node.lineno, "from random import"
            if node.module == "numpy.random" and any(a.name not in _ALLOWED_NP_RANDOM for a in node.names):
                yield node.lineno, "from numpy.random import <global draw>"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if (inner.attr == "random" and isinstance(inner.value, ast.Name) and inner.value.id in ("np", "numpy")
                    and node.attr not in _ALLOWED_NP_RANDOM):
                yield node.lineno, f"np.random.{node.attr}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "seed":
            yield node.lineno, "global seeding"
        elif isinstance(node, ast.Attribute) and node.attr in ("time_ns",) or (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "default_rng" and not node.args and not node.keywords):
            yield node.lineno, "unseeded or time-based generator"


def test_no_global_rng_in_deterministic_packages():
    offenders = []
    for pkg in DETERMINISTIC:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            offenders += [f"{path.relative_to(ROOT)}:{line}: {what}" for line, what in _global_rng_uses(path)]
    assert not offenders, "global RNG use:\n" + "\n".join(offenders)


def test_the_rng_checker_catches_offenders(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import random\nimport numpy as np\nx = np.random.rand(3)\nnp.random.seed(1)\n"
                   "g = np.random.default_rng()\n")
    found = [what for _, what in _global_rng_uses(bad)]
    assert "import random" in found and "np.random.rand" in found and "global seeding" in found
    assert "unseeded or time-based generator" in found
    good = tmp_path / "good.py"
    good.write_text("import numpy as np\ng = np.random.default_rng(np.random.SeedSequence([1, 2]))\n")
    assert not list(_global_rng_uses(good))


def _generators_made_outside_seeding(path: Path):
    """Lines that build a numpy generator or seed sequence themselves instead of asking scenegen.seeding."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("default_rng", "SeedSequence")):
            yield node.lineno, node.func.attr


def test_every_random_stream_comes_from_scenegen_seeding(tmp_path):
    offenders = [f"{path.relative_to(ROOT)}:{line}: {what}"
                 for pkg in (*DETERMINISTIC, "segtrain") for path in sorted((ROOT / pkg).rglob("*.py"))
                 if path != ROOT / "scenegen" / "seeding.py"
                 for line, what in _generators_made_outside_seeding(path)]
    assert not offenders, "make generators with scenegen.seeding:\n" + "\n".join(offenders)
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\ng = np.random.default_rng([1, 2])\n")
    assert [what for _, what in _generators_made_outside_seeding(bad)] == ["default_rng"]


_BLOCK_BPY = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('bpy', 'mathutils', 'bmesh', 'OpenEXR'):
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
"""


def _modules_without_blender():
    for pkg in ("scenegen", "assets", "render_jobs", "tuner", "segtrain"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel.parts[:2] in (("scenegen", "blender"), ("assets", "blender")):
                continue
            if rel.name == "__main__.py":
                continue
            yield ".".join(rel.with_suffix("").parts).removesuffix(".__init__")


def test_everything_but_the_blender_side_imports_without_bpy():
    mods = list(_modules_without_blender())
    code = _BLOCK_BPY + f"import importlib\nfor m in {mods!r}:\n    importlib.import_module(m)\nprint('ok')\n"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-2000:]


def test_cli_runs_without_bpy(tmp_path):
    code = _BLOCK_BPY + ("from scenegen.cli import main\n"
                         "assert main(['params', 'show']) == 0\n"
                         f"assert main(['sample', '--count', '2', '--out', {str(tmp_path / 'o')!r}]) == 0\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(list((tmp_path / "o").rglob("*_scene.json"))) == 2


# Heavy libraries that building the ``scenegen`` parser must not load: they belong in command handlers, so
# ``scenegen --help``, ``params show`` and argument errors start quickly.
_HEAVY = ("torch", "torchvision", "ray", "bpy", "matplotlib", "cv2", "numpy", "scipy", "tqdm")


def test_building_the_cli_parser_imports_nothing_heavy():
    code = ("import sys\nimport scenegen.cli\nscenegen.cli.build_parser()\n"
            f"print(','.join(m for m in {_HEAVY!r} if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    loaded = r.stdout.strip()
    assert not loaded, f"building the CLI parser imported {loaded}; import them inside the command handlers"


def test_every_subcommand_is_registered():
    from scenegen.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"params", "sample", "render", "sheet", "tune", "report", "train-seg", "eval-seg",
            "experiment", "export"} <= set(sub.choices)


def test_version_is_the_installed_package_version():
    import importlib.metadata

    from conftest import run_cli

    r = run_cli("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"scenegen {importlib.metadata.version('scenegen')}"


def test_every_option_of_every_subcommand_has_help():
    import argparse

    from scenegen.cli import build_parser

    missing = []

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif not action.help and action.dest != "help":
                missing.append(f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), ["scenegen"])
    assert not missing, missing

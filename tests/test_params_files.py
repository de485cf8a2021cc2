"""Every shipped parameter file loads with the current scene variables, and the index lists each one."""
from pathlib import Path

import pytest

from scenegen.params import load_space

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted([*ROOT.glob("configs/*.yaml"), *ROOT.glob("configs/tuned/*.yaml"),
                  *ROOT.glob("configs/streets/*.yaml"), *ROOT.glob("bench/data/**/*.yaml")])
INDEX = (ROOT / "docs" / "params_files.md").read_text()


def test_there_are_shipped_files():
    names = {p.name for p in SHIPPED}
    assert {"urban_default.yaml", "camvid_segmentation.yaml", "camvid_appearance.yaml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_file_loads_and_is_indexed(path):
    space = load_space(path)
    assert len(space.variables) >= 40
    assert path.name in INDEX, f"{path.relative_to(ROOT)} is missing from docs/params_files.md"

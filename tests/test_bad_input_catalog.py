"""Every catalogued bad input (tests/bad_inputs.py) exits 2 with one line naming the problem and writes
nothing. Run in-process; ``bench/bad_input.py`` runs the same cases one process each for time and memory."""
import pytest

from bad_inputs import cases, make_inputs
from scenegen.cli import main

CASES = cases()


def _snapshot(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_the_catalogue_covers_every_subcommand_with_at_least_60_distinct_cases():
    assert len(CASES) >= 60 and len({c.name for c in CASES}) == len(CASES)
    assert len({c.args for c in CASES}) == len(CASES)
    commands = {c.args[0] for c in CASES}
    assert commands == {"params", "sample", "render", "tune", "train-seg", "eval-seg", "report", "sheet",
                        "experiment", "export"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capfd, monkeypatch, case):
    scratch = tmp_path / "t"
    make_inputs(scratch)
    before = _snapshot(scratch)
    monkeypatch.chdir(tmp_path)
    capfd.readouterr()
    code = main(case.argv(scratch))
    captured = capfd.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2, (case.name, code, captured.err)
    assert len(lines) == 1 and "Traceback" not in captured.err, (case.name, captured.err)
    assert case.fragment.replace("{t}", str(scratch)) in lines[0], (case.name, lines[0])
    assert "weights_only" not in lines[0]
    assert _snapshot(scratch) == before and _snapshot(tmp_path) == ["t", *(f"t/{p}" for p in before)], case.name

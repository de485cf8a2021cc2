"""bench/inverse_reading_study.py: the pieces that do not need stored renders."""
import json
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import inverse_reading_study as study  # noqa: E402


def test_each_render_gets_the_iteration_of_its_draws_file(tmp_path):
    for it, n in ((1, 3), (2, 2), (10, 1)):
        (tmp_path / f"draws_iter{it}.json").write_text(json.dumps({"z": [{}] * n}))
    assert study.iteration_rows(tmp_path).tolist() == [1, 1, 1, 2, 2, 10]


def test_the_summary_counts_steps_that_end_farther_per_variant(monkeypatch):
    monkeypatch.setattr(study, "VARIANTS", {"a": {}, "b": {}})
    rows = [{"variant": "a", "before": 0.2, "after": 0.1, "r2": 0.5, "passed": True},
            {"variant": "a", "before": 0.2, "after": 0.3, "r2": 0.1, "passed": True},
            {"variant": "b", "before": 0.2, "after": 0.2, "r2": 0.0, "passed": False}]
    a, b = study.summary(rows)
    assert "after/before 1.000" in a and "farther 1 of 2" in a and "passed 2" in a
    assert "farther 0 of 1" in b and "passed 0" in b

"""bench/variable_visibility.py: the probe's paired draws (pure; the renders are the benchmark's)."""
import sys
from pathlib import Path

from scenegen.grammar import MIN_PARKING_STRIP_M
from scenegen.params import default_space

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import variable_visibility  # noqa: E402


def test_probe_pairs_differ_only_in_the_probed_variable_and_open_its_gate():
    space = default_space()
    draws = variable_visibility.probe_draws(space, "parked_car_density", 3, seed=0, held_at={})
    low, high = draws[0.1], draws[0.9]
    lo, hi = space["parked_car_density"].support
    for a, b in zip(low, high):
        assert {k for k in a if a[k] != b[k]} == {"parked_car_density"}
        assert a["parked_car_density"] < lo + 0.2 * (hi - lo) < hi - 0.2 * (hi - lo) < b["parked_car_density"]
        assert a["parking_lane_width_m"] >= MIN_PARKING_STRIP_M  # cars fit in the held strip
    other = variable_visibility.probe_draws(space, "car_density", 2, seed=0, held_at={})[0.1]
    assert all(z["parking_lane_width_m"] < MIN_PARKING_STRIP_M for z in other)  # the middle bin, as before

"""The label geometry the inverse model's second view reads: skyline, pieces per class, texture inside classes."""
import numpy as np
import torch

from scenegen.labels import CAMVID11_NAMES
from tuner import label_geometry as lg

H, W = 32, 64


def _street() -> torch.Tensor:
    """Shares of a frame: sky on top, a building band along the whole width, road below."""
    shares = torch.zeros(1, len(CAMVID11_NAMES), H, W)
    shares[:, CAMVID11_NAMES.index("Sky"), :8] = 1
    shares[:, CAMVID11_NAMES.index("Building"), 8:16] = 1
    shares[:, CAMVID11_NAMES.index("Road"), 16:] = 1
    return shares


def _paint(shares: torch.Tensor, name: str, rows: slice, cols: slice) -> None:
    shares[:, :, rows, cols] = 0
    shares[:, CAMVID11_NAMES.index(name), rows, cols] = 1


def _columns(names):
    """Column index of each named feature in the layout geometry_width() counts."""
    return {n: i for i, n in enumerate(names)}


def test_width_and_empty_batch():
    rgb = torch.rand(1, 3, H, W)
    assert lg.label_geometry_features(rgb, _street()).shape == (1, lg.geometry_width())
    empty = lg.label_geometry_features(torch.zeros(0, 3, H, W), torch.zeros(0, len(CAMVID11_NAMES), H, W))
    assert empty.shape == (0, lg.geometry_width())


def test_a_gap_between_buildings_shows_in_the_skyline():
    rgb = torch.full((2, 3, H, W), 0.5)
    shares = torch.cat([_street(), _street()])
    _paint(shares[1:], "Sky", slice(8, 16), slice(10, 16))  # a gap in the left half, sky down to the street
    f = lg.label_geometry_features(rgb, shares)
    left = f[:, :7]  # top mean, spread, roughness; reach mean, spread, roughness; columns without building
    assert left[0, 1] == 0 and left[1, 1] > 0.1  # the building top varies only with the gap
    assert left[1, 2] > left[0, 2] and left[1, 6] > left[0, 6] and left[1, 3] > left[0, 3]
    assert np.allclose(f[0, 7:14], f[1, 7:14])  # the right half is untouched


def test_pieces_count_and_measure_each_object():
    rgb = torch.full((2, 3, H, W), 0.5)
    shares = torch.cat([_street(), _street()])
    _paint(shares[:1], "Car", slice(20, 24), slice(4, 12))  # a car 4 px tall
    _paint(shares[1:], "Car", slice(14, 24), slice(4, 12))  # a lorry 10 px tall
    _paint(shares[1:], "Car", slice(20, 24), slice(30, 38))  # and a car
    _paint(shares[1:], "Car", slice(28, 29), slice(50, 51))  # a stray pixel: not an object
    f = lg.label_geometry_features(rgb, shares)
    car = f[:, 14:19]  # log(1 + pieces), mean height, largest height, mean width, fill
    assert np.allclose(car[:, 0], np.log1p([1, 2]))
    assert np.isclose(car[0, 2], 4 / H) and np.isclose(car[1, 2], 10 / H)
    assert car[1, 1] > car[0, 1] and np.allclose(car[:, 4], 1.0)
    assert np.all(f[:, 19:24] == 0)  # no pedestrians: zeros, not noise


def test_windows_raise_the_texture_inside_the_building():
    shares = torch.cat([_street(), _street()])
    shares[:, CAMVID11_NAMES.index("Building"), 4:16] = 1  # a taller facade, to fit a window grid
    shares[:, CAMVID11_NAMES.index("Sky"), 4:8] = 0
    rgb = torch.full((2, 3, H, W), 0.6)
    rgb[1, :, 6:14:3, ::4] = 0.1  # dark windows on the second facade
    f = lg.label_geometry_features(rgb, shares)
    building = f[:, lg.geometry_width() - len(lg.TEXTURE_CLASSES) + lg.TEXTURE_CLASSES.index("Building")]
    assert building[0] == 0 and building[1] > 0.05

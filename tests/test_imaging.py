import math

import numpy as np
import pytest

from scenegen.camera_model import project, world_to_camera_cv
from scenegen.imaging import (MIDDLE_GREY, Segment, add_sensor_noise, apply_fog, auto_exposure_ev, decode_object_index,
                              fog_optical_depth, linear_to_srgb8, ray_elevation_sines)
from scenegen.labels import label_id
from scenegen.spec import CameraSpec, FogSpec


def test_decode_object_index_maps_segments_and_sky():
    segs = [Segment(label_id("road")), Segment(label_id("car"), 1), Segment(label_id("car"), 2),
            Segment(label_id("person"), 1)]
    index = np.array([[0, 1, 2], [3, 4, 1]], dtype=np.float32)
    ids, inst = decode_object_index(index, segs)
    assert ids.tolist() == [[23, 7, 26], [26, 24, 7]]
    assert inst.tolist() == [[23, 7, 26000], [26001, 24000, 7]]
    assert ids.dtype == np.uint8 and inst.dtype == np.uint16


def test_decode_object_index_rejects_blended_or_unknown_indices():
    with pytest.raises(ValueError, match="non-integer"):
        decode_object_index(np.array([[0.5]], dtype=np.float32), [Segment(7)])
    with pytest.raises(ValueError, match="segments"):
        decode_object_index(np.array([[3.0]], dtype=np.float32), [Segment(7)])


def test_fog_follows_beer_lambert():
    linear = np.full((1, 3, 3), 0.5, np.float32)
    depth = np.array([[0.0, 100.0, 1e10]], np.float32)
    assert apply_fog(linear, depth, FogSpec(0.0, (1, 1, 1)), (0.3, 0.3, 0.3)) is linear
    out = apply_fog(linear, depth, FogSpec(0.01, (1, 1, 1)), (0.2, 0.2, 0.2))
    assert out[0, 0] == pytest.approx([0.5] * 3)
    fog_l = out[0, 2, 0]
    t = math.exp(-1.0)
    assert out[0, 1, 0] == pytest.approx(0.5 * t + fog_l * (1 - t), rel=1e-5)


def test_ray_elevation_of_a_pitched_pinhole_camera():
    cam = CameraSpec((0.0, 0.0, 1.5), 10.0, 0.0, 0.0, 90.0, 0.0)
    sines = ray_elevation_sines((3, 3), cam)  # 90 degree fov: the top row's rays climb 45 degrees more
    assert sines[1, 1] == pytest.approx(math.sin(math.radians(10.0)))
    top = math.degrees(math.atan(1.0 / 1.5 * 1.0))  # row centre 0.5 px below the top edge of a 3 px image
    assert sines[0, 1] == pytest.approx(math.sin(math.radians(10.0 + top)))
    assert sines[2, 1] < 0 < sines[0, 1]


def test_height_fog_keeps_the_sky_and_matches_homogeneous_fog_near_the_ground():
    cam = CameraSpec((0.0, 0.0, 0.0), 0.0, 0.0, 0.0, 90.0, 0.0)
    height_fog = FogSpec(0.01, (1, 1, 1), scale_height_m=100.0)
    flat = FogSpec(0.01, (1, 1, 1))
    depth = np.full((3, 3), 1e10)
    depth[1, :] = 50.0  # the middle row's rays are (nearly) horizontal: no climb, same as homogeneous
    tau = fog_optical_depth(depth, height_fog, cam)
    assert tau[1, 1] == pytest.approx(0.5)
    assert fog_optical_depth(depth, flat, cam)[1, 1] == pytest.approx(0.5)
    # the sky above the horizon: density * H / sin(elevation), finite, where homogeneous fog is opaque
    s = ray_elevation_sines((3, 3), cam)[0, 1]
    assert tau[0, 1] == pytest.approx(0.01 * 100.0 / s, rel=1e-4)
    assert np.exp(-fog_optical_depth(depth, flat, cam)[0, 1]) == 0.0
    assert np.exp(-tau[2, 1]) == pytest.approx(0.0)  # below the horizon the ray sinks into denser fog
    # a camera higher up sees thinner fog
    high = CameraSpec((0.0, 0.0, 100.0), 0.0, 0.0, 0.0, 90.0, 0.0)
    assert fog_optical_depth(depth, height_fog, high)[1, 1] == pytest.approx(0.5 / math.e)


def test_auto_exposure_hits_middle_grey_and_srgb_encoding():
    img = np.full((4, 4, 3), 0.02, np.float32)
    ev = auto_exposure_ev(img)
    assert 0.02 * 2 ** ev == pytest.approx(MIDDLE_GREY, rel=1e-3)
    assert linear_to_srgb8(np.array([[[0.0, 0.0031308, 1.0]]], np.float32)).tolist() == [[[0, 10, 255]]]
    assert linear_to_srgb8(np.array([[[0.214, 0.5, 2.0]]], np.float32))[0, 0, 0] == 127  # sRGB(0.214) = 0.49993


def test_street_metering_exposes_the_street_under_a_bright_sky():
    flat = np.full((40, 30, 3), 0.02, np.float32)
    assert auto_exposure_ev(flat, "street") == pytest.approx(auto_exposure_ev(flat))  # one brightness: one answer
    img = np.full((40, 30, 3), 0.05, np.float32)
    img[:16] = 3.0  # a bright sky over the top 40 %
    average, street = auto_exposure_ev(img), auto_exposure_ev(img, "street")
    assert street > average + 1.0  # the street is metered, the sky left to burn out
    assert abs(0.05 * 2 ** street - MIDDLE_GREY) < abs(0.05 * 2 ** average - MIDDLE_GREY)
    assert 3.0 * 2 ** street > 1.0  # clipped white


def test_projection_of_the_camera_axis_and_pitch():
    cam = CameraSpec((1.0, 0.0, 1.5), 0.0, 0.0, 0.0, 90.0, 0.0)
    uv, depth = project(cam, 200, 100, np.array([[1.0, 10.0, 1.5], [11.0, 10.0, 1.5], [1.0, 10.0, 0.5]]))
    assert uv[0] == pytest.approx([100, 50])
    assert uv[1][0] == pytest.approx(200) and depth[0] == pytest.approx(10)
    assert uv[2][1] > 50  # below the camera -> lower in the image
    down = CameraSpec((1.0, 0.0, 1.5), -10.0, 0.0, 0.0, 90.0, 0.0)
    uv_down, _ = project(down, 200, 100, np.array([[1.0, 10.0, 1.5]]))
    assert uv_down[0][1] < 50  # looking down moves the horizon up
    r, t = world_to_camera_cv(cam)
    assert np.allclose(r @ r.T, np.eye(3))


def test_atomic_writes_get_normal_permissions(tmp_path):
    import os
    import stat

    from scenegen.io import atomic_write_text

    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "a.txt"
    atomic_write_text(path, "x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_sensor_noise_is_shot_noise_about_equally_grainy_in_srgb():
    dark = np.full((64, 64, 3), 0.02, np.float32)
    grey = np.full((64, 64, 3), MIDDLE_GREY, np.float32)
    assert add_sensor_noise(grey, 0.0, 1) is grey
    noisy_grey = add_sensor_noise(grey, 0.02, 1)
    assert float(np.std(noisy_grey)) == pytest.approx(0.02 * math.sqrt(1.02), rel=0.05)
    assert np.array_equal(noisy_grey, add_sensor_noise(grey, 0.02, 1))
    assert not np.array_equal(noisy_grey, add_sensor_noise(grey, 0.02, 2))
    # Linear noise shrinks in the shadows by about as much as the sRGB curve stretches them.
    srgb_sd = [float(np.std(linear_to_srgb8(add_sensor_noise(x, 0.02, 3)).astype(float))) for x in (dark, grey)]
    assert 0.7 < srgb_sd[0] / srgb_sd[1] < 1.6
    assert float(np.std(add_sensor_noise(dark, 0.02, 3))) < 0.5 * float(np.std(noisy_grey))

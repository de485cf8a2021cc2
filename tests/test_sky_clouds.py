"""Clouds with structure (sky_clouds = 1), haze, and street metering under a bright sky (exposure_metering = 1):
the grammar's draw and real renders of the sky."""
import dataclasses

import numpy as np
import pytest

from scenegen.labels import label_id
from scenegen.spec import SceneSpec
from scene_checks import render_still, street


def _scene(clouds: int | None, overcast: float = 0.5, seed: int = 0, haze: float = 0.0) -> SceneSpec:
    return street(seed, overcast=overcast, fog_density=0.0, camera_pitch_deg=8.0, building_height_m=8.0,
                  sun_elevation_deg=50.0, sky_haze=haze, sky_clouds=clouds)


def test_clouds_change_only_the_sky_and_sun_and_a_file_without_them_draws_a_flat_dome():
    flat, none, cloudy = _scene(0), _scene(None), _scene(1)
    assert dataclasses.replace(flat, variables=none.variables) == none
    assert flat.sky.clouds == 0 and flat.sky.cloud_offset == (0.0, 0.0)
    assert cloudy.sky.clouds == 1 and cloudy.sky.cloud_offset != (0.0, 0.0)
    assert cloudy.sky.cloud_offset == _scene(1).sky.cloud_offset  # deterministic
    assert cloudy.sky.cloud_offset != _scene(1, seed=1).sky.cloud_offset  # a field of its own per frame
    assert dataclasses.replace(cloudy, sky=flat.sky, sun=flat.sun, variables=flat.variables) == flat


def test_under_clouds_the_sun_is_out_or_behind_one_as_often_as_the_cover_says():
    from scenegen.grammar import SUN_BEHIND_CLOUD

    for cover in (0.2, 0.8):
        suns = [_scene(1, overcast=cover, seed=seed).sun for seed in range(60)]
        hidden = [s for s in suns if s.strength == pytest.approx(4.0 * SUN_BEHIND_CLOUD)]
        out = [s for s in suns if s not in hidden]
        assert abs(len(hidden) / len(suns) - cover) < 0.15
        assert all(s.angle_deg > 20 for s in hidden) and all(s.angle_deg < 1 and s.strength > 3 for s in out)
    flat = _scene(0, overcast=0.5).sun
    assert 4.0 * SUN_BEHIND_CLOUD < flat.strength < 3.0  # the flat dome keeps the cover-weighted average


@pytest.fixture(scope="module")
def skies():
    from scenegen.blender.render import Renderer
    from scenegen.render_settings import RenderSettings

    renderer = Renderer(RenderSettings(width=160, height=120, samples=4))
    try:
        return {key: renderer.render(_scene(*key)) for key in ((0, 0.5), (1, 0.5), (1, 0.15), (1, 0.95))}
    finally:
        renderer.close()


@pytest.mark.parametrize("clouds", [0, 1])
def test_haze_takes_light_from_the_sun_beam_and_gives_it_to_the_skylight_and_nothing_else(clouds):
    from scenegen.sky_model import HAZE_SUN_LOSS, ambient_rgb, luminance

    for seed in range(4):
        clear, milky = _scene(clouds, seed=seed, haze=0.0), _scene(clouds, seed=seed, haze=1.0)
        assert milky.sun.strength == pytest.approx(clear.sun.strength * (1 - HAZE_SUN_LOSS), abs=1e-4)
        assert luminance(ambient_rgb(milky.sun, milky.sky)) > 1.2 * luminance(ambient_rgb(clear.sun, clear.sky))
        assert milky.sky.haze == 1.0 and clear.sky.haze == 0.0
        same = dataclasses.replace(milky, sun=clear.sun, sky=clear.sky, variables=clear.variables)
        assert same == clear


def test_clouds_give_the_sky_structure_and_leave_the_labels_alone(skies):
    flat, cloudy = skies[0, 0.5], skies[1, 0.5]
    assert np.array_equal(flat.label_ids, cloudy.label_ids)
    sky = flat.label_ids == label_id("sky")
    assert sky.sum() > 1500
    lum = lambda f: f.rgb[sky].astype(float).mean(axis=1)
    assert lum(cloudy).std() > 2 * lum(flat).std() + 3


def test_more_cover_means_less_blue_sky(skies):
    sky = skies[1, 0.15].label_ids == label_id("sky")
    blue = lambda f: (f.rgb[sky][:, 2].astype(float) - f.rgb[sky][:, 0]).mean()
    assert blue(skies[1, 0.15]) > blue(skies[1, 0.5]) > blue(skies[1, 0.95]) - 1e-9
    assert blue(skies[1, 0.15]) > blue(skies[1, 0.95]) + 10


def test_street_metering_burns_the_sky_out_and_lights_the_street_with_the_labels_unchanged():
    """The same scene with whole-frame and with street metering (``exposure_metering``): one exposure apart."""
    base = street(3, exposure_metering=0, overcast=1.0, camera_pitch_deg=4.0, fog_density=0.0, sensor_noise=0.0,
                  camera_exposure_ev=0.0)
    assert base.camera.metering == "average"
    assert street(3, exposure_metering=1).camera.metering == "street"
    frames = [render_still(dataclasses.replace(base, camera=dataclasses.replace(base.camera, metering=m)), 96, 64,
                           samples=4)[0] for m in ("average", "street")]
    assert (frames[0].label_ids == frames[1].label_ids).all()
    sky = frames[0].label_ids == label_id("sky")
    road = frames[0].label_ids == label_id("road")
    assert sky.sum() > 300 and road.sum() > 300
    for mask in (sky, road):
        assert frames[1].rgb[mask].mean() > frames[0].rgb[mask].mean() + 5
    assert (frames[1].rgb[sky] >= 250).mean() > (frames[0].rgb[sky] >= 250).mean()

"""Per-process Cycles configuration: engine, device, samples, denoising and render passes."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import bpy

from scenegen.render_settings import RenderSettings

_GPU_BACKENDS = ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL")


#: Surfaces at least this opaque take the object-index (label) pass; see assets.blender.materials.crown_material.
LABEL_ALPHA_THRESHOLD = 0.2


def enable_gpu() -> bool:
    """Switch Cycles to the first GPU backend that has a device; False when there is none."""
    try:
        prefs = bpy.context.preferences.addons["cycles"].preferences
    except KeyError:
        return False
    for backend in _GPU_BACKENDS:
        try:
            prefs.compute_device_type = backend
        except TypeError:
            continue
        prefs.get_devices()
        gpus = [d for d in prefs.devices if d.type == backend]
        if gpus:
            for d in prefs.devices:
                d.use = d.type == backend
            return True
    prefs.compute_device_type = "NONE"
    return False


def scratch_dir() -> Path:
    """A private folder for this process's intermediate EXR files (in RAM when /dev/shm exists)."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="scenegen-", dir=base))
    return path


def configure(scene: "bpy.types.Scene", settings: RenderSettings, exr_path: Path, normals: bool = False) -> str:
    """Set Cycles up for ``settings``; the render writes a multilayer EXR to ``exr_path`` (with the surface
    normal pass when ``normals``).

    Returns the device actually used ("CPU" or "GPU").
    """
    scene.render.engine = "CYCLES"
    device = "CPU"
    if settings.device in ("auto", "gpu") and enable_gpu():
        device = "GPU"
    elif settings.device == "gpu":
        raise RuntimeError("--device gpu was requested but Cycles found no GPU")
    cy = scene.cycles
    cy.device = device
    cy.samples = settings.samples
    cy.use_adaptive_sampling = False  # fixed work per pixel: same seed, same image
    cy.seed = 0
    cy.use_animated_seed = False
    cy.use_denoising = settings.denoise
    cy.denoiser = "OPENIMAGEDENOISE"
    cy.denoising_prefilter = "FAST"
    cy.denoising_quality = "BALANCED"
    # A sun, a constant skylight and a few small emitters: the light tree only costs time here.
    cy.use_light_tree = False
    cy.max_bounces = 4
    cy.diffuse_bounces = 2
    cy.glossy_bounces = 2
    cy.transmission_bounces = 2
    cy.transparent_max_bounces = 4
    cy.caustics_reflective = False
    cy.caustics_refractive = False
    cy.sample_clamp_indirect = 10.0
    # One box-filtered pixel footprint: label pixels cover exactly the pixel's area.
    cy.pixel_filter_type = "BOX"
    cy.filter_width = 1.0

    r = scene.render
    r.resolution_x, r.resolution_y, r.resolution_percentage = settings.width, settings.height, 100
    r.pixel_aspect_x = r.pixel_aspect_y = 1.0
    r.use_compositing = False
    r.use_sequencer = False
    r.use_persistent_data = False
    r.threads_mode = "FIXED" if settings.threads else "AUTO"
    if settings.threads:
        r.threads = settings.threads
    r.film_transparent = False
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0

    layer = scene.view_layers[0]
    layer.use_pass_combined = True
    layer.use_pass_z = True
    layer.use_pass_object_index = True
    layer.use_pass_normal = normals
    layer.pass_alpha_threshold = LABEL_ALPHA_THRESHOLD

    img = r.image_settings
    img.media_type = "MULTI_LAYER_IMAGE"
    img.file_format = "OPEN_EXR_MULTILAYER"
    img.color_depth = "32"
    img.exr_codec = "NONE"
    r.filepath = str(exr_path)
    r.use_file_extension = False
    return device

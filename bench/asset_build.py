"""Scene-build cost of the asset builders: milliseconds per default scene and per object of each family.

    .venv/bin/python bench/asset_build.py [--scenes 12]

Builds (no rendering) the road and every object of default-distribution scenes with a
fresh BuildContext per scene, as the render pipeline does, and clears the scene between
frames.  Times are CPU time of the building thread (``time.thread_time``), which other
processes on a busy machine do not inflate; the per-scene line also gives wall time.
They measure, never assert.
"""
from __future__ import annotations

import argparse
import collections
import time

import bpy

import assets.blender  # noqa: F401
from assets.blender.base import BuildContext, build_object
from assets.blender.road import build_road
from scenegen.blender.scene_builder import clear_scene
from scenegen.grammar import frame_scene
from scenegen.params import default_space
from scenegen.seeding import FrameSeed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=12)
    n = ap.parse_args().scenes
    space = default_space()
    specs = [frame_scene(space, FrameSeed(0, 0, k)) for k in range(n + 1)]
    scene = bpy.context.scene
    total = collections.Counter()
    count = collections.Counter()
    per_scene = []
    walls = []
    for k, spec in enumerate(specs):
        clear_scene(scene)
        coll = bpy.data.collections.new("street")
        scene.collection.children.link(coll)
        ctx = BuildContext(coll)
        t_scene, w_scene = time.thread_time(), time.perf_counter()
        t = time.thread_time()
        build_road(spec.road, ctx)
        times = {"road": time.thread_time() - t}
        fam_t = collections.Counter()
        fam_n = collections.Counter()
        for obj in spec.objects:
            t = time.thread_time()
            build_object(obj, ctx)
            fam_t[obj.family] += time.thread_time() - t
            fam_n[obj.family] += 1
        elapsed, wall = time.thread_time() - t_scene, time.perf_counter() - w_scene
        if k == 0:
            continue  # warm-up: imports, first-use caches
        per_scene.append((elapsed, len(spec.objects)))
        walls.append(1e3 * wall)
        total["road"] += times["road"]
        count["road"] += 1
        total.update(fam_t)
        count.update(fam_n)
    clear_scene(scene)
    ms = sorted(1e3 * e for e, _ in per_scene)
    print(f"scenes: {n}  objects/scene: {sum(o for _, o in per_scene) / n:.0f}")
    print(f"build CPU ms/scene: median {ms[len(ms) // 2]:.1f}  min {ms[0]:.1f}  max {ms[-1]:.1f}"
          f"   (wall median {sorted(walls)[len(walls) // 2]:.1f})")
    print(f"{'family':<15}{'CPU ms/scene':>14}{'CPU ms/object':>15}{'objects':>9}")
    for fam in sorted(total, key=lambda f: -total[f]):
        print(f"{fam:<15}{1e3 * total[fam] / n:>14.2f}{1e3 * total[fam] / count[fam]:>15.3f}{count[fam] / n:>9.1f}")


if __name__ == "__main__":
    main()

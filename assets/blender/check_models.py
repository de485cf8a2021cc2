"""Load CAD models the way render workers do, in a process of its own (``python -m assets.blender.check_models``).

The parent (``assets.catalog.verify_in_blender``) passes ``[[path, format], ...]`` as JSON on stdin; each
glTF or .blend file is imported with the builder's importer. Prints one JSON line: ``{"bad": [[path, why],
...]}``; a file that imports but holds no mesh is bad too.
"""
from __future__ import annotations

import json
import sys


def check(models: list) -> list:
    """``[[path, why], ...]`` of the models the builder could not load."""
    import bpy

    from .cad import _import_objects

    bad = []
    for path, fmt in models:
        try:
            objects = _import_objects(path, fmt)
        except Exception as e:  # whatever Blender raises for a damaged file is a bad model
            bad.append([path, f"{type(e).__name__}: {str(e).strip().splitlines()[-1] if str(e).strip() else ''}"])
            continue
        if not any(o.type == "MESH" for o in objects):
            bad.append([path, "no mesh in the file"])
        for o in objects:
            bpy.data.objects.remove(o, do_unlink=True)
    return bad


if __name__ == "__main__":
    result = check(json.loads(sys.stdin.read()))
    sys.stdout.write("\n" + json.dumps({"bad": result}) + "\n")

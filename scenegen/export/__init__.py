"""Post-processing exports of a rendered run: per-instance 2D/3D boxes, COCO instances JSON, KITTI labels.

Pure numpy (plus pycocotools for COCO masks): no bpy, no torch. ``scenegen export coco|kitti`` is the
command line (:mod:`scenegen.export.cli`); conventions are documented in ``docs/exports.md``.
"""

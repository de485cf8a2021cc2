"""The Blender backend: builds a SceneSpec in bpy and renders RGB plus exact labels.

The only part of ``scenegen`` that imports bpy; import it lazily (``from scenegen.blender
import render``) so the rest of the tool runs without Blender.
"""

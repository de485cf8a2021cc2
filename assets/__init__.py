"""Procedural asset families: numpy samplers returning one frozen params dataclass per family
(``assets/<family>.py``, registered in ``assets/families.py``) and their bpy builders in
``assets/blender/``, registered per params type.  How to add a family: ``assets/families.py``."""

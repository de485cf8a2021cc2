"""An articulated humanoid in numpy (no bpy): skeleton, poses and the posed mesh.

The mesh is built at height 1 (feet on z = 0, top of the head at z = 1) with the body
centred in x and its y extent centred on 0, so a builder scales it by the person's
height.  Samplers use :func:`pose_extent` to size a pedestrian's bounding box.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Tuple

import numpy as np

from . import geometry as geom

# Material slots of the humanoid mesh; SLEEVE (forearms) shows the top or the skin colour; BAG only in meshes
# with a bag, UMBRELLA only in meshes with an umbrella, HAT only in meshes with a hat (a hood is in TOP).
SKIN, HAIR, TOP, BOTTOM, SHOES, SLEEVE, BAG, UMBRELLA, HAT = range(9)
BAGS = ("none", "shoulder", "backpack")
HATS = ("beanie", "brimmed")  # a woolly hat; a brimmed (trilby or sun) hat
HEADGEAR = ("none",) + HATS + ("hood",)  # the hood: a coat's, raised around the head
#: Shoulder width / height of the reference mesh (scale x by shoulder_width / (height * this)).
SHOULDER_RATIO = 0.25

# Joint angles in degrees, positive = swing forward (+Y): hips, knees (bend back), shoulders, elbows.
POSE_ANGLES: Dict[str, Dict[str, float]] = {
    "standing": {"hip_l": 0, "hip_r": 0, "knee_l": 2, "knee_r": 2, "sh_l": 2, "sh_r": 2, "el_l": 8, "el_r": 8},
    "walk_a": {"hip_l": 22, "hip_r": -16, "knee_l": 4, "knee_r": 18, "sh_l": -18, "sh_r": 20, "el_l": 10, "el_r": 25},
    "walk_b": {"hip_l": -2, "hip_r": 6, "knee_l": 4, "knee_r": 45, "sh_l": 4, "sh_r": -4, "el_l": 12, "el_r": 12},
    "walk_c": {"hip_l": -16, "hip_r": 22, "knee_l": 18, "knee_r": 4, "sh_l": 20, "sh_r": -18, "el_l": 25, "el_r": 10},
}
HAIR_STYLES = ("short", "long", "bald", "cap")  # bald and cap reuse the short-hair mesh with other colours

#: The walking cycle of sequences: GAIT_STEPS poses ``gait_00`` .. ``gait_31`` over one cycle (two steps), about
#: one pose per frame for a walker filmed at 30 fps.
#: Phase 0 has the left leg forward at heel strike (as walk_a), 0.25 the right leg mid-swing (as walk_b), 0.5
#: the right leg forward (as walk_c).
GAIT_STEPS = 32
GAIT_PREFIX = "gait_"
WALK_PHASES = {"walk_a": 0.0, "walk_b": 0.25, "walk_c": 0.5}
#: one gait cycle (two steps) covers this many body heights
STRIDE_PER_HEIGHT = 0.83
#: an umbrella held in the right hand: the arm's swing angles (degrees, as POSE_ANGLES: upper arm forward, elbow
#: bent up) in every pose, the canopy's radius, its rim's height above the head and its crown's rise (body heights)
UMBRELLA_ARM = {"sh_r": 18.0, "el_r": 95.0}
UMBRELLA_RADIUS, UMBRELLA_RIM, UMBRELLA_RISE = 0.3, 0.07, 0.07
#: the hair (over the head) in the unscaled body frame: centre and radii; its top is the top of the head
HAIR_CENTRE, HAIR_RADII = (0.0, -0.008, 0.945), (0.058, 0.062, 0.058)
HEAD_TOP = HAIR_CENTRE[2] + HAIR_RADII[2]
#: each headgear's top above the top of the head, and a brimmed hat's brim radius (unscaled body units)
HEADGEAR_RISE = {"none": 0.0, "beanie": 0.016, "brimmed": 0.03, "hood": 0.02}
BRIM_RADIUS = 0.09


def _limb(origin: np.ndarray, lengths: Tuple[float, float], angles: Tuple[float, float],
          radii: Tuple[float, float, float], mats: Tuple[int, int], n: int = 8):
    """Two segments hanging from ``origin``, swung by ``angles`` (radians) about X.

    Returns the pieces, the end point and the direction of the second segment.
    """
    a1, a2 = angles
    d1 = np.array([0.0, np.sin(a1), -np.cos(a1)])
    d2 = np.array([0.0, np.sin(a2), -np.cos(a2)])
    mid = origin + d1 * lengths[0]
    end = mid + d2 * lengths[1]
    return [geom.segment(origin, mid, radii[0], radii[1], n, mats[0]),
            geom.segment(mid, end, radii[1], radii[2], n, mats[1])], end, d2


HIP_Z = 0.5
THIGH = SHIN = 0.235
UPPER_ARM, FOREARM = 0.17, 0.15
ANKLE_DROP = 0.03  # ankle joint above the sole


def hip_joint(s: int) -> np.ndarray:
    """Hip joint of side ``s`` (-1 left, +1 right) in the unscaled body frame."""
    return np.array([s * 0.05, 0.0, HIP_Z])


def shoulder_joint(s: int, lean: float) -> np.ndarray:
    """Shoulder joint of side ``s`` after leaning the upper body forward by ``lean`` radians."""
    rel = np.array([s * 0.118, 0.0, 0.805 - HIP_Z])
    return np.array([0.0, 0.0, HIP_Z]) + geom.rot_x(-lean) @ rel


def two_bone_ik(root: np.ndarray, target: np.ndarray, l1: float, l2: float, knee: bool) -> Tuple[float, float]:
    """Absolute swing angles (radians) of a two-segment limb from ``root`` reaching ``target`` (y-z plane).

    ``knee``: the middle joint points forwards (a knee) rather than backwards (an elbow).
    """
    d = np.asarray(target, dtype=float) - np.asarray(root, dtype=float)
    dist = float(np.clip(np.hypot(d[1], d[2]), 1e-6, (l1 + l2) * 0.999))
    phi = np.arctan2(d[1], -d[2])
    alpha = np.arccos(np.clip((l1 ** 2 + dist ** 2 - l2 ** 2) / (2 * l1 * dist), -1, 1))
    inner = np.arccos(np.clip((l1 ** 2 + l2 ** 2 - dist ** 2) / (2 * l1 * l2), -1, 1))
    if knee:
        a1 = phi + alpha
        return a1, a1 - (np.pi - inner)
    a1 = phi - alpha
    return a1, a1 + (np.pi - inner)


def _coat() -> geom.Geo:
    """A coat over the torso, flaring to the knees (the top's colour)."""
    g = geom.lathe([(0.108, 0.27), (0.104, 0.4), (0.097, 0.5), (0.092, 0.6), (0.104, 0.7), (0.112, 0.79),
                    (0.076, 0.835), (0.036, 0.855)], 12, TOP, cap_bottom=False)
    return geom.transform(g, scale=(1.0, 0.66, 1.0))


def _bag(kind: str) -> List[geom.Geo]:
    """A bag on the right hip with its strap to the left shoulder, or a backpack (the person faces +Y)."""
    if kind == "shoulder":
        return [geom.box((0.05, 0.17, 0.17), (0.13, 0.0, 0.52), BAG),
                geom.segment((0.12, 0.0, 0.6), (-0.06, 0.02, 0.8), 0.007, 0.007, 4, BAG)]
    if kind == "backpack":
        return [geom.box((0.15, 0.09, 0.22), (0.0, -0.1, 0.7), BAG)]
    return []


def posed_body(angles: Dict[str, float], long_hair: bool = False, skirt: bool = False, coat: bool = False,
               bag: str = "none") -> geom.Geo:
    """The body posed by absolute joint angles (radians; keys as POSE_ANGLES plus optional ``lean``),
    in unscaled units: hips at z = HIP_Z, standing height about 1; with a knee-length coat and a bag or
    backpack (BAGS) if asked."""
    lean = float(angles.get("lean", 0.0))
    pivot = np.array([0.0, 0.0, HIP_Z])
    upper: List[geom.Geo] = []
    torso = geom.lathe([(0.085, 0.47), (0.09, 0.53), (0.08, 0.6), (0.095, 0.7), (0.105, 0.79), (0.07, 0.835),
                        (0.03, 0.86)], 12, TOP)
    torso = geom.transform(torso, scale=(1.0, 0.62, 1.0))
    m = torso[2].copy()
    m[: 12 * 2] = BOTTOM  # the band from hips to waist belongs to the trousers
    upper.append((torso[0], torso[1], m))
    upper.append(geom.segment((0, 0, 0.84), (0, 0, 0.89), 0.024, 0.022, 8, SKIN))  # neck
    upper.append(geom.transform(geom.icosphere(1, SKIN), scale=(0.054, 0.06, 0.066), offset=(0, 0.004, 0.932)))
    upper.append(geom.transform(geom.icosphere(1, HAIR), scale=HAIR_RADII, offset=HAIR_CENTRE))
    if long_hair:
        upper.append(geom.transform(geom.icosphere(1, HAIR), scale=(0.055, 0.03, 0.075), offset=(0, -0.04, 0.895)))
    if coat:
        upper.append(_coat())
    upper += _bag(bag)
    pieces = [geom.transform(geom.transform(g, offset=-pivot), geom.rot_x(-lean), pivot) for g in upper]
    for side, s in (("l", -1), ("r", 1)):
        legs, ankle, _ = _limb(hip_joint(s), (THIGH, SHIN), (angles[f"hip_{side}"], angles[f"knee_{side}"]),
                               (0.05, 0.036, 0.026), (BOTTOM, BOTTOM))
        pieces += legs
        pieces.append(geom.box((0.05, 0.15, 0.035), (ankle[0], ankle[1] + 0.04, ankle[2] - 0.012), SHOES))
        arms, wrist, d = _limb(shoulder_joint(s, lean), (UPPER_ARM, FOREARM),
                               (angles[f"sh_{side}"], angles[f"el_{side}"]), (0.03, 0.024, 0.02), (TOP, SLEEVE))
        pieces += arms
        hand = geom.transform(geom.icosphere(0, SKIN), scale=(0.018, 0.024, 0.042), offset=(0, 0, 0))
        hand = geom.transform(hand, geom.align_z(-d), wrist + d * 0.03)
        pieces.append(hand)
    if skirt:
        pieces.append(geom.lathe([(0.1, 0.36), (0.09, 0.47)], 12, BOTTOM, cap_bottom=False))
    return geom.merge(pieces)


def gait_pose(phase: float) -> str:
    """The name of the walking-cycle pose nearest ``phase`` (cycles; only its fraction counts)."""
    return f"{GAIT_PREFIX}{int(round((phase % 1.0) * GAIT_STEPS)) % GAIT_STEPS:02d}"


def is_gait(pose: str) -> bool:
    """Whether ``pose`` is a pose of the walking cycle (not one of POSE_ANGLES)."""
    return pose.startswith(GAIT_PREFIX)


def gait_angles(phase: float) -> Dict[str, float]:
    """Joint angles (degrees, as POSE_ANGLES) at ``phase`` of the walking cycle: each hip swings between 22
    degrees forward and 16 back, the knee bends from toe-off through the swing (up to 49 degrees), the arms
    swing against the legs."""
    out = {}
    for side, offset in (("l", 0.0), ("r", 0.5)):
        leg = (phase + offset) % 1.0  # 0: this leg's heel strike
        a = 2 * np.pi * leg
        out[f"hip_{side}"] = 3.0 + 19.0 * np.cos(a)
        out[f"knee_{side}"] = 4.0 + (45.0 * np.sin(np.pi * (leg - 0.4) / 0.6) if leg > 0.4 else 0.0)
        out[f"sh_{side}"] = 1.0 - 19.0 * np.cos(a)
        out[f"el_{side}"] = 17.5 - 7.5 * np.cos(a)
    return out


def _named_angles(pose: str) -> Dict[str, float]:
    """Joint angles in degrees of a named pose or a walking-cycle pose."""
    if is_gait(pose):
        return gait_angles(int(pose[len(GAIT_PREFIX):]) / GAIT_STEPS)
    return POSE_ANGLES[pose]


def pose_angles(pose: str, umbrella: bool = False) -> Dict[str, float]:
    """Absolute joint angles (radians) of a named standing/walking pose or a walking-cycle pose; with an
    ``umbrella`` the right arm holds it up instead of swinging."""
    a = {k: np.radians(v) for k, v in {**_named_angles(pose), **(UMBRELLA_ARM if umbrella else {})}.items()}
    out = {"lean": a.get("lean", 0.0)}
    for side in ("l", "r"):
        out[f"hip_{side}"] = a[f"hip_{side}"]
        out[f"knee_{side}"] = a[f"hip_{side}"] - a[f"knee_{side}"]
        out[f"sh_{side}"] = a[f"sh_{side}"]
        out[f"el_{side}"] = a[f"sh_{side}"] + a[f"el_{side}"]
    return out


@lru_cache(maxsize=512)
def humanoid(pose: str, long_hair: bool = False, skirt: bool = False, coat: bool = False,
             bag: str = "none", umbrella: bool = False, headgear: str = "none") -> geom.Geo:
    """The posed humanoid at height 1 (see module docstring); cached per argument tuple.

    A walking-cycle pose keeps the body still instead: the hips over y = 0 and one scale for every phase
    (the standing pose's), so a walker's head bobs and its limbs swing about a steady body. An ``umbrella``
    (held up in the right hand, its canopy over the head) and ``headgear`` (HEADGEAR; its vertices last) are
    scaled with the body, whose head stays at 1; a named pose's whole mesh is then centred in x and y.
    """
    angles = pose_angles(pose, umbrella)
    v, f, mats = posed_body(angles, long_hair, skirt, coat, bag)
    ground = v[:, 2].min()
    v = v - np.array([0.0, 0.0, ground])  # feet on the ground
    extras = [_umbrella(right_wrist(angles) - np.array([0.0, 0.0, ground]), v[:, 2].max())] if umbrella else []
    if headgear != "none":
        extras.append(geom.transform(_headgear(headgear), offset=(0.0, 0.0, -ground)))
    worn = geom.merge(extras) if extras else None
    denom = _standing_height(long_hair, skirt) if is_gait(pose) else v[:, 2].max()
    v = v / denom  # a walking-cycle pose at the standing pose's scale, any other with its head at exactly 1
    shift = 0.0
    if not is_gait(pose):  # y extent centred
        shift = (v[:, 1].min() + v[:, 1].max()) / 2
        v[:, 1] -= shift
    if worn is None:
        return v, f, mats
    hv, hf, hm = worn
    v, f, mats = geom.merge([(v, f, mats), (hv / denom - np.array([0.0, shift, 0.0]), hf, hm)])
    if is_gait(pose):
        return v, f, mats
    centre = (v[:, :2].min(axis=0) + v[:, :2].max(axis=0)) / 2
    return v - np.array([centre[0], centre[1], 0.0]), f, mats


def right_wrist(angles: Dict[str, float]) -> np.ndarray:
    """The right wrist of the body posed by absolute ``angles`` (unscaled units, as posed_body)."""
    _, wrist, _ = _limb(shoulder_joint(1, float(angles.get("lean", 0.0))), (UPPER_ARM, FOREARM),
                        (angles["sh_r"], angles["el_r"]), (0.03, 0.024, 0.02), (TOP, SLEEVE))
    return wrist


def _umbrella(hand: np.ndarray, head_top: float) -> geom.Geo:
    """A canopy centred over the body whose rim clears the head (top at ``head_top``), on a shaft tilted up to it
    from the ``hand``."""
    rim = head_top + UMBRELLA_RIM
    crown = rim + UMBRELLA_RISE
    shaft = geom.segment(tuple(hand), (0.0, 0.0, crown), 0.006, 0.006, 4, UMBRELLA)
    canopy = geom.lathe([(UMBRELLA_RADIUS, rim), (0.6 * UMBRELLA_RADIUS, rim + 0.75 * UMBRELLA_RISE),
                         (0.01, crown)], 8, UMBRELLA, cap_bottom=True, cap_top=False)
    return geom.merge([shaft, canopy])


def _headgear(kind: str) -> geom.Geo:
    """A hat or a raised hood (HEADGEAR other than none) on the upright head of ``posed_body``."""
    top = HEAD_TOP + HEADGEAR_RISE[kind]
    if kind == "hood":
        return _hood(top)
    if kind == "beanie":  # a folded cuff, then hugging the skull
        profile = [(0.066, 0.935), (0.066, 0.953), (0.063, 0.956), (0.062, 0.975), (0.053, 0.993),
                   (0.034, top - 0.006), (0.012, top)]
    else:
        profile = [(BRIM_RADIUS, 0.939), (0.066, 0.951), (0.065, 0.99), (0.058, top - 0.004), (0.045, top)]
    return geom.transform(geom.lathe(profile, 12, HAT, cap_bottom=False), scale=(1.0, 1.08, 1.0),
                          offset=(0.0, -0.004, 0.0))


def _hood(top: float) -> geom.Geo:
    """A hood (slot TOP, the coat's) enclosing head and hair down to the collar, open at the face (+Y)."""
    v, f, _ = geom.icosphere(2)
    tris = np.asarray(geom.as_faces(f).tolist())
    c = v[tris].mean(axis=1)
    keep = tris[~((c[:, 1] > 0.35) & (c[:, 2] > -0.6) & (c[:, 2] < 0.7))]
    radii = (0.074, 0.08, 0.088)
    return geom.transform(geom.geo(v, keep, TOP), scale=radii, offset=(0.0, -0.012, top - radii[2]))


@lru_cache(maxsize=8)
def _standing_height(long_hair: bool, skirt: bool) -> float:
    v = posed_body(pose_angles("standing"), long_hair, skirt)[0]
    return float(np.ptp(v[:, 2]))


def body_scale(height: float, shoulder_width: float, size: Tuple[float, float, float], pose: str,
               long_hair: bool = False, skirt: bool = False, coat: bool = False,
               bag: str = "none", umbrella: bool = False, headgear: str = "none") -> Tuple[float, float, float]:
    """(x, y, z) scale of the height-1 humanoid in ``pose`` for a person of ``height`` and ``shoulder_width``
    fitted into a box of ``size`` (metres): the box squashes the width or the stride only if too small (or the
    height, under an umbrella or a hat, if the box does not hold it)."""
    v = humanoid(pose, long_hair, skirt, coat, bag, umbrella, headgear)[0]
    h = min(height, size[2] / max(float(v[:, 2].max()), 1.0))
    sx = min(shoulder_width / SHOULDER_RATIO, size[0] / max(float(np.ptp(v[:, 0])), 1e-6))
    sy = min(h, size[1] / max(float(np.ptp(v[:, 1])), 1e-6))
    return sx, sy, h


@lru_cache(maxsize=128)
def pose_extent(pose: str, coat: bool = False, bag: str = "none", umbrella: bool = False,
                headgear: str = "none") -> Tuple[float, float]:
    """(width, length) of the height-1 humanoid in ``pose`` with a coat, a bag, an umbrella and headgear or not,
    over all hair and skirt variants."""
    ext = [humanoid(pose, lh, sk, coat, bag, umbrella, headgear)[0] for lh in (False, True) for sk in (False, True)]
    v = np.concatenate(ext)
    return float(np.ptp(v[:, 0])), float(np.ptp(v[:, 1]))

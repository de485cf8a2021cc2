"""The one label table (official Cityscapes ids) and the mappings derived from it.

Everything reads labels from here.  Assets carry a label *name* ("car"); this module
turns names into Cityscapes ids and maps those ids to Cityscapes trainIds, CamVid 11
(SegNet order) and the paper's 7 classes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Sequence, Tuple

import numpy as np
from cityscapesscripts.helpers import labels as _cs

IGNORE = 255

#: Official Cityscapes labels with a valid (non-negative) id, ordered by id.
CITYSCAPES_LABELS = tuple(sorted((l for l in _cs.labels if l.id >= 0), key=lambda l: l.id))
NAME_TO_ID: Dict[str, int] = {l.name: l.id for l in CITYSCAPES_LABELS}
ID_TO_NAME: Dict[int, str] = {l.id: l.name for l in CITYSCAPES_LABELS}
VALID_IDS = frozenset(NAME_TO_ID.values())
INSTANCE_CLASS_IDS = frozenset(l.id for l in CITYSCAPES_LABELS if l.hasInstances)

CAMVID11_NAMES: Tuple[str, ...] = (
    "Sky", "Building", "Pole", "Road", "Pavement", "Tree",
    "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist",
)
CAMVID_VOID = 11

PAPER7_NAMES: Tuple[str, ...] = (
    "vehicle", "pedestrian", "building", "vegetation", "road", "ground", "sky",
)

_PAPER7_FROM_CITYSCAPES = {
    "vehicle": ("car", "truck", "bus", "train", "motorcycle", "bicycle", "caravan", "trailer"),
    "pedestrian": ("person", "rider"),
    "building": ("building", "wall", "bridge", "tunnel"),
    "vegetation": ("vegetation",),
    "road": ("road",),
    "ground": ("sidewalk", "parking", "terrain", "ground", "rail track"),
    "sky": ("sky",),
}
_PAPER7_FROM_CAMVID = {
    "vehicle": "Car", "pedestrian": "Pedestrian", "building": "Building",
    "vegetation": "Tree", "road": "Road", "ground": "Pavement", "sky": "Sky",
}
# Cityscapes -> CamVid 11. Names not listed map to void (11).
_CAMVID_FROM_CITYSCAPES = {
    "sky": "Sky",
    "building": "Building", "wall": "Building", "bridge": "Building", "tunnel": "Building",
    "pole": "Pole", "polegroup": "Pole",
    "road": "Road",
    "sidewalk": "Pavement", "parking": "Pavement", "ground": "Pavement",
    "terrain": "Pavement", "rail track": "Pavement",
    "vegetation": "Tree",
    "traffic sign": "SignSymbol", "traffic light": "SignSymbol",
    "fence": "Fence", "guard rail": "Fence",
    "car": "Car", "truck": "Car", "bus": "Car", "train": "Car", "caravan": "Car", "trailer": "Car",
    "person": "Pedestrian",
    "rider": "Bicyclist", "bicycle": "Bicyclist", "motorcycle": "Bicyclist",
}


def label_id(name: str) -> int:
    """Cityscapes id of a label name; raises KeyError naming the unknown label."""
    try:
        return NAME_TO_ID[name]
    except KeyError:
        raise KeyError(f"unknown Cityscapes label name {name!r}") from None


def _lut(pairs: Dict[int, int], default: int) -> np.ndarray:
    lut = np.full(256, default, dtype=np.uint8)
    for src, dst in pairs.items():
        lut[src] = dst
    return lut


#: Lookup tables indexed by Cityscapes id (0..255).
CITYSCAPES_TO_TRAINID = _lut({l.id: (l.trainId if 0 <= l.trainId < 255 else IGNORE)
                              for l in CITYSCAPES_LABELS}, IGNORE)
CITYSCAPES_TO_CAMVID11 = _lut({NAME_TO_ID[n]: CAMVID11_NAMES.index(c)
                               for n, c in _CAMVID_FROM_CITYSCAPES.items()}, CAMVID_VOID)
CITYSCAPES_TO_PAPER7 = _lut({NAME_TO_ID[n]: PAPER7_NAMES.index(p)
                             for p, names in _PAPER7_FROM_CITYSCAPES.items() for n in names}, IGNORE)
CAMVID11_TO_PAPER7 = _lut({CAMVID11_NAMES.index(c): PAPER7_NAMES.index(p)
                           for p, c in _PAPER7_FROM_CAMVID.items()}, IGNORE)
#: Cityscapes id -> paper 7 as CamVid defines its classes: a rider and the bicycle or motorcycle under them
#: are CamVid's Bicyclist, outside the 7 (ignored), where Cityscapes makes them pedestrian and vehicle.
CITYSCAPES_TO_PAPER7_CAMVID = CAMVID11_TO_PAPER7[CITYSCAPES_TO_CAMVID11]
#: Cityscapes id -> paper 7 with bicycles and motorcycles ignored and their riders pedestrians: CamVid's Car class
#: holds no two-wheelers, while a rider is a person as in Cityscapes.
CITYSCAPES_TO_PAPER7_BIKES_IGNORED = CITYSCAPES_TO_PAPER7.copy()
CITYSCAPES_TO_PAPER7_BIKES_IGNORED[[NAME_TO_ID["bicycle"], NAME_TO_ID["motorcycle"]]] = IGNORE
#: Cityscapes colour palette, indexed by id.
CITYSCAPES_PALETTE = np.zeros((256, 3), dtype=np.uint8)
for _l in CITYSCAPES_LABELS:
    CITYSCAPES_PALETTE[_l.id] = _l.color

TRAINID_NAMES: Tuple[str, ...] = tuple(
    l.name for l in sorted((l for l in CITYSCAPES_LABELS if 0 <= l.trainId < 255),
                           key=lambda l: l.trainId))


@dataclass(frozen=True)
class ClassMapping:
    """A target class set: its names and a LUT from Cityscapes ids (255 = ignore)."""

    name: str
    class_names: Tuple[str, ...]
    from_cityscapes: np.ndarray
    ignore_index: int = IGNORE

    @property
    def is_paper7(self) -> bool:
        """Whether the classes are the paper's 7 (whichever dataset's definitions the labels follow)."""
        return self.class_names == PAPER7_NAMES

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def map_ids(self, label_ids: np.ndarray) -> np.ndarray:
        """Map an array of Cityscapes ids to this class set."""
        return self.from_cityscapes[label_ids]


CLASS_MAPPINGS: Dict[str, ClassMapping] = {
    "cityscapes19": ClassMapping("cityscapes19", TRAINID_NAMES, CITYSCAPES_TO_TRAINID),
    # CamVid void (11) is ignored for training and evaluation.
    "camvid11": ClassMapping("camvid11", CAMVID11_NAMES,
                             np.where(CITYSCAPES_TO_CAMVID11 == CAMVID_VOID, IGNORE,
                                      CITYSCAPES_TO_CAMVID11).astype(np.uint8)),
    "paper7": ClassMapping("paper7", PAPER7_NAMES, CITYSCAPES_TO_PAPER7),
    # The same 7 classes with synthetic labels read as CamVid labels them (riders with their bikes ignored).
    "paper7-camvid": ClassMapping("paper7-camvid", PAPER7_NAMES, CITYSCAPES_TO_PAPER7_CAMVID),
    # The same 7 classes with bicycles and motorcycles ignored and their riders pedestrians.
    "paper7-bikes-ignored": ClassMapping("paper7-bikes-ignored", PAPER7_NAMES, CITYSCAPES_TO_PAPER7_BIKES_IGNORED),
}


def class_mapping(name: str) -> ClassMapping:
    """Look up a class set by name (one of ``CLASS_MAPPINGS``)."""
    try:
        return CLASS_MAPPINGS[name]
    except KeyError:
        raise KeyError(f"unknown class set {name!r}; choose from {sorted(CLASS_MAPPINGS)}") from None


def colorize(label_ids: np.ndarray) -> np.ndarray:
    """RGB image of Cityscapes ids through the official palette."""
    return CITYSCAPES_PALETTE[label_ids]


def names_present(label_ids: np.ndarray) -> Sequence[str]:
    """Sorted names of the Cityscapes classes present in a label image."""
    return sorted(ID_TO_NAME[int(i)] for i in np.unique(label_ids))

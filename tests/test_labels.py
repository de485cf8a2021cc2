import numpy as np
from cityscapesscripts.helpers import labels as cs

from scenegen import labels as L

# DESIGN.md's table of the paper's 7 classes, by Cityscapes name and CamVid 11 name.
PAPER7 = {
    "vehicle": (["car", "truck", "bus", "train", "motorcycle", "bicycle", "caravan", "trailer"], "Car"),
    "pedestrian": (["person", "rider"], "Pedestrian"),
    "building": (["building", "wall", "bridge", "tunnel"], "Building"),
    "vegetation": (["vegetation"], "Tree"),
    "road": (["road"], "Road"),
    "ground": (["sidewalk", "parking", "terrain", "ground", "rail track"], "Pavement"),
    "sky": (["sky"], "Sky"),
}


def test_paper7_mapping_matches_the_design_table():
    mapped = set()
    for cls, (names, camvid) in PAPER7.items():
        idx = L.PAPER7_NAMES.index(cls)
        for n in names:
            assert L.CITYSCAPES_TO_PAPER7[L.label_id(n)] == idx, n
            mapped.add(L.label_id(n))
        assert L.CAMVID11_TO_PAPER7[L.CAMVID11_NAMES.index(camvid)] == idx
    for lid in L.VALID_IDS - mapped:
        assert L.CITYSCAPES_TO_PAPER7[lid] == L.IGNORE, L.ID_TO_NAME[lid]
    for camvid in ("Pole", "SignSymbol", "Fence", "Bicyclist"):
        assert L.CAMVID11_TO_PAPER7[L.CAMVID11_NAMES.index(camvid)] == L.IGNORE
    assert L.CAMVID11_TO_PAPER7[L.CAMVID_VOID] == L.IGNORE


def test_camvid11_is_segnet_order():
    assert L.CAMVID11_NAMES == ("Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence",
                                "Car", "Pedestrian", "Bicyclist")


def test_trainids_and_palette_come_from_cityscapesscripts():
    for label in cs.labels:
        if label.id < 0:
            continue
        expected = label.trainId if 0 <= label.trainId < 255 else 255
        assert L.CITYSCAPES_TO_TRAINID[label.id] == expected
        assert tuple(L.CITYSCAPES_PALETTE[label.id]) == label.color
    ids = np.array([[7, 26], [23, 24]], dtype=np.uint8)
    assert L.colorize(ids)[0, 0].tolist() == [128, 64, 128]


def test_class_mappings_by_name():
    m = L.class_mapping("paper7")
    assert m.num_classes == 7
    assert m.map_ids(np.array([26, 7, 0])).tolist() == [0, 4, 255]
    assert L.class_mapping("camvid11").map_ids(np.array([0])).tolist() == [255]
    assert L.class_mapping("cityscapes19").num_classes == 19


def test_paper7_camvid_reads_synthetic_labels_as_camvid_defines_its_classes():
    """Riders and their bicycles or motorcycles are CamVid's Bicyclist (outside the 7); the rest is paper7."""
    m = L.class_mapping("paper7-camvid")
    assert m.is_paper7 and m.class_names == L.PAPER7_NAMES and not L.class_mapping("camvid11").is_paper7
    bike_and_rider = {L.label_id(n) for n in ("rider", "bicycle", "motorcycle")}
    for lid in range(256):
        want = L.IGNORE if lid in bike_and_rider else L.CITYSCAPES_TO_PAPER7[lid]
        assert L.CITYSCAPES_TO_PAPER7_CAMVID[lid] == want, L.ID_TO_NAME.get(lid, lid)
    assert {L.CITYSCAPES_TO_PAPER7[i] for i in bike_and_rider} == {0, 1}


def test_paper7_bikes_ignored_drops_two_wheelers_and_keeps_riders_as_pedestrians():
    m = L.class_mapping("paper7-bikes-ignored")
    assert m.is_paper7
    bikes = {L.label_id("bicycle"), L.label_id("motorcycle")}
    for lid in range(256):
        want = L.IGNORE if lid in bikes else L.CITYSCAPES_TO_PAPER7[lid]
        assert m.map_ids(np.array([lid]))[0] == want, L.ID_TO_NAME.get(lid, lid)
    assert m.map_ids(np.array([L.label_id("rider"), L.label_id("car")])).tolist() == [1, 0]


def test_train_seg_offers_every_class_set():
    from segtrain.cli import CLASS_SETS
    assert sorted(CLASS_SETS) == sorted(L.CLASS_MAPPINGS)

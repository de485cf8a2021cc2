"""Readers for the segmentation datasets this tool trains on and tunes toward.

Three layouts, named by a spec string ``[KIND:]PATH[#SPLIT]``:

``scenegen``
    Our own frames: the Cityscapes layout plus ``scene/`` and ``manifest.json``.  Only complete
    frames count (:func:`scenegen.layout.iter_frames`).  No split means every split.
``cityscapes``
    The official layout: ``leftImg8bit/<split>/<city>/*_leftImg8bit.png`` with
    ``gtFine/<split>/<city>/*_gtFine_labelIds.png``.  No split means ``train``.
``camvid``
    The SegNet distribution: images in ``<split>/``, labels in ``<split>annot/`` (0..11 in SegNet
    order, 11 = void).  No split means ``train``.

Without ``KIND:`` the layout is detected from the folder.  Every problem with a dataset raises
:class:`scenegen.errors.DatasetError` with one line naming the path.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List

import cv2
import numpy as np

from scenegen.errors import DatasetError
from scenegen.io import is_temporary
from scenegen.labels import CAMVID11_TO_PAPER7, CAMVID_VOID, IGNORE, ClassMapping
from scenegen.layout import MANIFEST, iter_frames

KINDS = ("cityscapes", "camvid", "scenegen")
LABEL_FORMATS = ("cityscapes_ids", "camvid11", "none")
CAMVID_SPLITS = ("train", "val", "test")
_DEFAULT_SPLIT = {"scenegen": None, "cityscapes": "train", "camvid": "train"}
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset on disk: its layout kind, root folder and split (``None``: the kind's default)."""

    kind: str
    root: Path
    split: str | None
    recording: str | None = None  # keep only this recording's frames (see :func:`recording_of`)

    def __str__(self) -> str:
        return (f"{self.kind}:{self.root}" + (f"#{self.split}" if self.split else "")
                + (f"@{self.recording}" if self.recording else ""))


@dataclass(frozen=True)
class Sample:
    """One image and its label file (``None`` when the dataset has no labels for it)."""

    image: Path
    labels: Path | None
    label_format: str  # one of LABEL_FORMATS


def detect_kind(root: str | Path) -> str:
    """The layout kind of a dataset folder; DatasetError when it matches none."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset folder does not exist")
    if (root / MANIFEST).is_file() or (root / "scene").is_dir():
        return "scenegen"
    if (root / "leftImg8bit").is_dir() and (root / "gtFine").is_dir():
        return "cityscapes"
    if any((root / s).is_dir() and (root / f"{s}annot").is_dir() for s in CAMVID_SPLITS):
        return "camvid"
    if (root / "leftImg8bit").is_dir():
        return "cityscapes"
    raise DatasetError(
        f"{root}: unknown dataset layout (expected scenegen output with manifest.json or scene/, "
        "Cityscapes leftImg8bit/+gtFine/, or CamVid train/+trainannot/); name it as KIND:PATH")


def recording_of(sample: "Sample") -> str:
    """The recording a frame comes from: its file name up to the first underscore (CamVid's ``0016E5`` in
    ``0016E5_07959.png``, a Cityscapes city, ``scenegen`` for our own frames)."""
    return Path(sample.image).name.split("_")[0]


def parse_dataset_spec(spec: str, default_split: str | None = None) -> DatasetSpec:
    """Parse ``[KIND:]PATH[#SPLIT[@RECORDING]]``; without KIND the layout is detected from the folder.
    ``@RECORDING`` keeps one recording's frames (:func:`recording_of`, e.g. ``camvid:PATH#train@0016E5``).

    ``default_split`` applies when the spec names no split, except to our own output (``scenegen``),
    where no split means every split (its frames usually sit in one split only, ``train``).  The
    folder must exist.
    """
    text = str(spec).strip()
    if not text:
        raise DatasetError("empty dataset spec (expected [KIND:]PATH[#SPLIT])")
    kind = None
    head, sep, tail = text.partition(":")
    if sep and head in KINDS:
        kind, text = head, tail
    elif sep and head.isalpha() and len(head) > 1 and not Path(text).exists():
        raise DatasetError(f"{spec}: unknown dataset kind {head!r}; choose from {', '.join(KINDS)}")
    path_text, hash_sep, split = text.rpartition("#") if "#" in text else (text, "", "")
    split, at_sep, recording = split.partition("@")
    if hash_sep and not split:
        raise DatasetError(f"{spec}: empty split after '#'")
    if at_sep and not recording:
        raise DatasetError(f"{spec}: empty recording after '@'")
    root = Path(path_text).expanduser()
    if not path_text:
        raise DatasetError(f"{spec}: no dataset path")
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset folder does not exist")
    if kind is None:
        kind = detect_kind(root)
    return DatasetSpec(kind, root, split or (None if kind == "scenegen" else default_split), recording or None)


def _as_spec(spec: DatasetSpec | str) -> DatasetSpec:
    return spec if isinstance(spec, DatasetSpec) else parse_dataset_spec(spec)


def resolve_split(spec: DatasetSpec, split: str | None = None) -> str | None:
    """The split ``list_samples`` reads: the argument, else the spec's, else the kind's default."""
    return split or spec.split or _DEFAULT_SPLIT[spec.kind]


def list_samples(spec: DatasetSpec | str, split: str | None = None) -> List[Sample]:
    """All samples of one split, sorted by image path (deterministic).

    ``split`` overrides the spec's split.  Raises DatasetError for a missing folder, a wrong
    layout or an empty set.
    """
    spec = _as_spec(spec)
    if spec.kind not in KINDS:
        raise DatasetError(f"{spec.root}: unknown dataset kind {spec.kind!r}; choose from {', '.join(KINDS)}")
    if not spec.root.is_dir():
        raise DatasetError(f"{spec.root}: dataset folder does not exist")
    split = resolve_split(spec, split)
    samples = {"scenegen": _list_scenegen, "cityscapes": _list_cityscapes, "camvid": _list_camvid}[spec.kind](
        spec.root, split)
    where = spec.root if split is None else f"{spec.root} (split {split!r})"
    if not samples:
        raise DatasetError(f"{where}: no {spec.kind} images found")
    if spec.recording:
        recordings = sorted({recording_of(s) for s in samples})
        samples = [s for s in samples if recording_of(s) == spec.recording]
        if not samples:
            raise DatasetError(f"{where}: no frames of recording {spec.recording!r} "
                               f"(it holds {', '.join(recordings[:8])}{' ...' if len(recordings) > 8 else ''})")
    return sorted(samples, key=lambda s: str(s.image))


def _list_scenegen(root: Path, split: str | None) -> List[Sample]:
    base = root / "leftImg8bit"
    if not base.is_dir():
        raise DatasetError(f"{base}: missing (not a scenegen output folder)")
    if split is not None and not (base / split).is_dir():
        raise DatasetError(f"{base / split}: split folder does not exist")
    return [Sample(f.path("image"), f.path("label_ids"), "cityscapes_ids") for f in iter_frames(root, split)]


def _list_cityscapes(root: Path, split: str | None) -> List[Sample]:
    split = split or "train"
    img_dir = root / "leftImg8bit" / split
    if not img_dir.is_dir():
        raise DatasetError(f"{img_dir}: split folder does not exist")
    out = []
    for img in img_dir.glob("*/*_leftImg8bit.png"):
        if is_temporary(img):
            continue
        stem = img.name[: -len("_leftImg8bit.png")]
        lab = root / "gtFine" / split / img.parent.name / f"{stem}_gtFine_labelIds.png"
        out.append(Sample(img, lab, "cityscapes_ids") if lab.is_file() else Sample(img, None, "none"))
    return out


def _list_camvid(root: Path, split: str | None) -> List[Sample]:
    split = split or "train"
    img_dir, ann_dir = root / split, root / f"{split}annot"
    if not img_dir.is_dir():
        raise DatasetError(f"{img_dir}: split folder does not exist")
    out = []
    for img in img_dir.iterdir():
        if not img.is_file() or img.suffix.lower() not in _IMAGE_SUFFIXES or is_temporary(img):
            continue
        lab = ann_dir / (img.stem + ".png")
        out.append(Sample(img, lab, "camvid11") if lab.is_file() else Sample(img, None, "none"))
    return out


def read_image(path: str | Path) -> np.ndarray:
    """An image as HxWx3 uint8 RGB; DatasetError naming the path if it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: image file does not exist")
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise DatasetError(f"{path}: unreadable or corrupt image")
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        raise DatasetError(f"{path}: unsupported image type {img.dtype}")
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    elif img.shape[2] == 4:
        img = img[..., :3]
    elif img.shape[2] != 3:
        raise DatasetError(f"{path}: image has {img.shape[2]} channels, expected 3")
    return np.ascontiguousarray(img[..., ::-1])


def _read_label_png(path: Path) -> np.ndarray:
    if not path.is_file():
        raise DatasetError(f"{path}: label file does not exist")
    lab = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if lab is None:
        raise DatasetError(f"{path}: unreadable or corrupt label image")
    if lab.ndim != 2:
        raise DatasetError(f"{path}: label image has {lab.shape[2]} channels, expected one channel of class ids")
    if lab.dtype != np.uint8:
        raise DatasetError(f"{path}: label image is {lab.dtype}, expected 8-bit class ids")
    return lab


def read_labels(sample: Sample, mapping: ClassMapping) -> np.ndarray:
    """The sample's labels as uint8 ids of ``mapping``'s classes, 255 = ignore.

    Cityscapes ids map through ``mapping.from_cityscapes``.  CamVid 11 maps to the paper's 7 classes via
    ``CAMVID11_TO_PAPER7`` and to ``camvid11`` as identity with void (11) -> 255; CamVid has no
    mapping to ``cityscapes19`` (DatasetError).
    """
    if sample.labels is None or sample.label_format == "none":
        raise DatasetError(f"{sample.image}: no label file for this image")
    if sample.label_format == "cityscapes_ids":
        return mapping.map_ids(_read_label_png(sample.labels))
    if sample.label_format == "camvid11":
        if not (mapping.is_paper7 or mapping.name == "camvid11"):
            raise DatasetError(f"{sample.labels}: CamVid labels cannot be mapped to class set "
                               f"{mapping.name!r} (use camvid11 or a set of the paper's 7 classes)")
        lab = _read_label_png(sample.labels)
        top = int(lab.max()) if lab.size else 0
        if top > CAMVID_VOID:
            raise DatasetError(f"{sample.labels}: CamVid label value {top} outside 0..11 (SegNet order)")
        if mapping.is_paper7:
            return CAMVID11_TO_PAPER7[lab]
        return np.where(lab == CAMVID_VOID, IGNORE, lab).astype(np.uint8)
    raise DatasetError(f"{sample.labels}: unknown label format {sample.label_format!r}")


def read_sample(sample: Sample, mapping: ClassMapping) -> tuple[np.ndarray, np.ndarray]:
    """Image (HxWx3 RGB) and mapped labels (HxW) of a sample, checked to be the same size."""
    image = read_image(sample.image)
    labels = read_labels(sample, mapping)
    if image.shape[:2] != labels.shape:
        raise DatasetError(f"{sample.labels}: label size {labels.shape[1]}x{labels.shape[0]} differs from "
                           f"image size {image.shape[1]}x{image.shape[0]} ({sample.image.name})")
    return image, labels

"""Training and evaluation data: sample lists, the real-data share, augmentation, batches.

Randomness is explicit: the order of training samples and each sample's augmentation derive from
``SeedSequence([seed, ...])`` and the global step, so a resumed run sees exactly the batches the
uninterrupted run would have seen.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import cv2
import numpy as np
import torch

from scenegen.datasets import DatasetSpec, Sample, list_samples, parse_dataset_spec, read_sample
from scenegen.errors import DatasetError, UserError
from scenegen.labels import IGNORE, ClassMapping
from scenegen.limits import MAX_TRAIN_SIDE
from scenegen.seeding import generator, stable_key
from segtrain.config import AugmentConfig

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def parse_size(text: str) -> Tuple[int, int]:
    """``"WxH"`` -> (width, height); UserError if malformed."""
    try:
        w, h = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise UserError(f"size {text!r} must be WIDTHxHEIGHT, e.g. 240x176") from None
    if w < 8 or h < 8:
        raise UserError(f"size {text!r} too small (at least 8x8)")
    if max(w, h) > MAX_TRAIN_SIDE:
        raise UserError(f"size {text!r} too large (at most {MAX_TRAIN_SIDE} on a side)")
    return w, h


def labelled_samples(spec: DatasetSpec, split: str | None = None) -> List[Sample]:
    """Samples of a dataset that must all carry labels (DatasetError names the first without)."""
    samples = list_samples(spec, split)
    for s in samples:
        if s.labels is None:
            raise DatasetError(f"{s.image}: no label file for this image (training and evaluation need labels)")
    return samples


def real_subset(samples: Sequence[Sample], fraction: float, seed: int, count: int | None = None) -> List[Sample]:
    """A deterministic subset of ``count`` samples, else ``round(fraction * n)`` (at least one), chosen
    from ``seed``.

    The subsets of one seed are nested: a larger fraction or count keeps every sample of a smaller one
    (they are prefixes of one seeded permutation).
    """
    if not 0 < fraction <= 1:
        raise UserError(f"--real-fraction {fraction} must be in (0, 1]")
    n = len(samples)
    if count is not None and not 1 <= count <= n:
        raise UserError(f"--real-count {count} must be between 1 and the {n} images of the real set")
    k = count if count is not None else max(1, int(round(fraction * n)))
    order = generator(seed, stable_key("real-subset")).permutation(n)
    return [samples[i] for i in sorted(order[:k])]


def training_samples(train: Sequence[str], real: str | None, real_fraction: float, seed: int,
                     real_count: int | None = None) -> Tuple[List[Sample], dict]:
    """The training set: every ``--train`` dataset plus a seeded share (or ``real_count`` images) of ``--real``.

    Returns the samples and a summary (per source: spec and count) for the run record.
    """
    if not train and real is None:
        raise UserError("no training data: give --train DIR and/or --real SPEC")
    samples: List[Sample] = []
    sources = []
    for t in train:
        spec = parse_dataset_spec(t)
        s = labelled_samples(spec)
        samples += s
        sources.append({"spec": str(spec), "frames": len(s)})
    if real is not None:
        spec = parse_dataset_spec(real, default_split="train")
        full = labelled_samples(spec)
        s = real_subset(full, real_fraction, seed, real_count)
        samples += s
        sources.append({"spec": str(spec), "frames": len(s), "of": len(full), "fraction": real_fraction,
                        **({"count": real_count} if real_count is not None else {})})
    return samples, {"sources": sources, "frames": len(samples)}


def resize_pair(image: np.ndarray, labels: np.ndarray | None, size: Tuple[int, int]
                ) -> Tuple[np.ndarray, np.ndarray | None]:
    """Resize an image (area / linear) and its labels (nearest) to ``size`` = (width, height)."""
    w, h = size
    if image.shape[1] == w and image.shape[0] == h:
        return image, labels
    interp = cv2.INTER_AREA if image.shape[1] > w else cv2.INTER_LINEAR
    image = cv2.resize(image, (w, h), interpolation=interp)
    if labels is not None:
        labels = cv2.resize(labels, (w, h), interpolation=cv2.INTER_NEAREST)
    return image, labels


def _jitter(image: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    img = image.astype(np.float32)
    b = 1.0 + rng.uniform(-cfg.brightness, cfg.brightness)
    c = 1.0 + rng.uniform(-cfg.contrast, cfg.contrast)
    s = 1.0 + rng.uniform(-cfg.saturation, cfg.saturation)
    img = img * b
    grey = img @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    img = (img - grey.mean()) * c + grey.mean()
    grey = (img @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]
    img = (img - grey) * s + grey
    img = np.clip(img, 0, 255).astype(np.uint8)
    if cfg.hue > 0:
        shift = rng.uniform(-cfg.hue, cfg.hue) * 180.0
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        hsv[..., 0] = ((hsv[..., 0].astype(np.float32) + shift) % 180).astype(np.uint8)
        img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return img


def augment(image: np.ndarray, labels: np.ndarray, crop: Tuple[int, int], cfg: AugmentConfig,
            rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Random scale, crop of ``crop`` = (width, height) (padding labels with 255), flip, jitter."""
    scale = rng.uniform(cfg.scale_min, cfg.scale_max)
    h, w = labels.shape
    nw, nh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    image = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    labels = cv2.resize(labels, (nw, nh), interpolation=cv2.INTER_NEAREST)
    cw, ch = crop
    if nw < cw or nh < ch:
        pw, ph = max(cw - nw, 0), max(ch - nh, 0)
        image = cv2.copyMakeBorder(image, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        labels = cv2.copyMakeBorder(labels, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=IGNORE)
        nh, nw = labels.shape
    x0 = int(rng.integers(0, nw - cw + 1))
    y0 = int(rng.integers(0, nh - ch + 1))
    image = image[y0:y0 + ch, x0:x0 + cw]
    labels = labels[y0:y0 + ch, x0:x0 + cw]
    if cfg.flip and rng.random() < 0.5:
        image, labels = image[:, ::-1], labels[:, ::-1]
    image = _jitter(np.ascontiguousarray(image), cfg, rng)
    return image, np.ascontiguousarray(labels)


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 RGB -> 3xHxW float tensor normalised with the ImageNet mean and std."""
    x = (image.astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))


class SegDataset:
    """Samples read, mapped and resized to a base ``size``; optionally kept in memory."""

    def __init__(self, samples: Sequence[Sample], mapping: ClassMapping, size: Tuple[int, int] | None,
                 cache: bool = True):
        self.samples = list(samples)
        self.mapping = mapping
        self.size = size
        self.cache = cache
        self._store: dict = {}

    def __len__(self) -> int:
        return len(self.samples)

    def load(self, i: int) -> Tuple[np.ndarray, np.ndarray]:
        """Image and labels of sample ``i`` at the base size."""
        if i in self._store:
            return self._store[i]
        image, labels = read_sample(self.samples[i], self.mapping)
        if self.size is not None:
            image, labels = resize_pair(image, labels, self.size)
        if self.cache:
            self._store[i] = (image, labels)
        return image, labels

    def load_all(self, progress: bool = False) -> None:
        """Read every sample now, so a bad file fails before any output is written."""
        from tqdm import tqdm

        for i in tqdm(range(len(self)), desc="reading", unit="img", disable=not progress, leave=False):
            if self.cache:
                self.load(i)
            else:
                read_sample(self.samples[i], self.mapping)


class TrainStream(torch.utils.data.Dataset):
    """Training examples indexed by global position ``p = step * batch + slot``.

    Epoch ``p // n`` visits the samples in a permutation drawn from ``(seed, epoch)``; the
    augmentation of position ``p`` draws from ``(seed, p)``.  Random access by position makes
    resuming exact and lets DataLoader workers share the work.

    With ``real_slots`` > 0 the last ``n_real`` samples of ``data`` form a second pool: the first
    ``real_slots`` slots of every batch of ``batch`` come from it and the rest from the other
    samples, each pool walked in its own seeded epochs (a fixed real share per batch).
    """

    def __init__(self, data: SegDataset, crop: Tuple[int, int], aug: AugmentConfig, seed: int,
                 batch: int = 1, real_slots: int = 0, n_real: int = 0):
        self.data, self.crop, self.aug, self.seed = data, crop, aug, int(seed)
        if real_slots and not (0 < real_slots < batch and 0 < n_real < len(data)):
            raise ValueError("a per-batch real share needs 0 < real_slots < batch and both pools non-empty")
        self.batch, self.real_slots, self.n_real = int(batch), int(real_slots), int(n_real)
        self._perm: dict = {}

    def _permuted(self, pool: str, n: int, q: int) -> int:
        """Entry ``q`` of pool ``pool`` (size ``n``) walked in seeded epochs."""
        epoch = q // n
        perm = self._perm.get((pool, epoch))
        if perm is None:
            key = [self.seed, stable_key("order"), epoch] if pool == "all" else \
                [self.seed, stable_key("order"), stable_key(pool), epoch]
            perm = self._perm[(pool, epoch)] = generator(*key).permutation(n)
            if len(self._perm) > 8:
                self._perm.pop(next(iter(self._perm)))
        return int(perm[q % n])

    def sample_index(self, p: int) -> int:
        if not self.real_slots:
            return self._permuted("all", len(self.data), p)
        step, slot = divmod(p, self.batch)
        k, n_synth = self.real_slots, len(self.data) - self.n_real
        if slot < k:
            return n_synth + self._permuted("real", self.n_real, step * k + slot)
        return self._permuted("synthetic", n_synth, step * (self.batch - k) + slot - k)

    def __len__(self) -> int:  # positions are unbounded; DataLoader gets an explicit sampler
        return 2 ** 62

    def __getitem__(self, p: int) -> Tuple[torch.Tensor, torch.Tensor]:
        image, labels = self.data.load(self.sample_index(p))
        image, labels = augment(image, labels, self.crop, self.aug, generator(self.seed, stable_key("augment"), p))
        return to_tensor(image), torch.from_numpy(labels.astype(np.int64))

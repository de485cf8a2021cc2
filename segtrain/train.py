"""Training a DeepLabV3 model: poly learning rate, checkpoints, exact resume, final evaluation.

Outputs in ``out/``: ``checkpoint.pt`` (training state, rewritten every ``ckpt_every`` steps),
``model.pt`` (the trained model for ``eval-seg``), ``eval.json`` / ``eval.md`` (scores on the
validation set) and ``train.json`` (the run record: data, settings, losses, wall time).  Every file
is written atomically; all input is read and checked before the output folder is created.
"""
from __future__ import annotations

import io
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch
from torch.nn import functional as F

from scenegen.datasets import parse_dataset_spec
from scenegen.errors import UserError
from scenegen.io import atomic_write_bytes, atomic_write_json, atomic_write_text
from scenegen.labels import IGNORE, class_mapping
from segtrain.data import AugmentConfig, SegDataset, TrainStream, labelled_samples, training_samples
from segtrain.evaluate import evaluate, markdown_table
from segtrain.archs import DEFAULT_ARCH
from segtrain.models import build_model, param_groups

CHECKPOINT_FORMAT = "scenegen-segtrain/1"
DEFAULT_LR = {"adamw": 1e-3, "sgd": 1e-2}
# Settings a resumed run must share with the run that wrote the checkpoint.
_RESUME_KEYS = ("train", "real", "real_fraction", "real_count", "real_batch_share", "init", "classes", "arch",
                "output_stride", "batch_size", "size", "crop", "seed", "optimizer", "lr", "steps", "augment")


@dataclass
class TrainConfig:
    """Everything one training run depends on (the CLI fills it from its flags)."""

    out: Path
    train: List[str] = field(default_factory=list)
    real: str | None = None
    real_fraction: float = 1.0
    real_count: int | None = None  # take this many real images instead of a fraction
    real_batch_share: float | None = None  # share of each batch drawn from the real images; None = uniform
    init: str | None = None  # a segtrain checkpoint whose weights start this run (fine-tuning)
    val: str | None = None
    classes: str = "paper7"
    arch: str = DEFAULT_ARCH
    pretrained: bool = True
    output_stride: int | None = None  # lite0 only: 32 (default) or 16
    steps: int = 600
    batch_size: int = 8
    size: Tuple[int, int] | None = None  # (w, h) every image is resized to first; None = native
    crop: Tuple[int, int] | None = None  # (w, h) training crop; None = size
    optimizer: str = "adamw"
    lr: float | None = None  # None: 1e-3 for adamw, 1e-2 for sgd
    head_lr_mult: float = 10.0
    momentum: float = 0.9
    weight_decay: float = 1e-4
    poly_power: float = 0.9
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    seed: int = 0
    device: str = "auto"
    amp: bool | None = None  # None: on for CUDA
    workers: int = 0
    threads: int | None = None  # torch CPU threads; None = torch's default
    cache: bool = True
    ckpt_every: int = 200
    resume: bool = False
    progress: bool = True

    def record(self) -> Dict:
        d = asdict(self)
        d["out"] = str(self.out)
        d["size"] = list(self.size) if self.size else None
        d["crop"] = list(self.crop) if self.crop else None
        return d


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when present, else CPU; otherwise the named device (UserError if absent)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise UserError(f"unknown device {name!r} (use auto, cpu, cuda, cuda:N)") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device {name!r} requested but CUDA is not available")
    return dev


def save_torch(path: Path, obj: Dict) -> None:
    """torch.save through an atomic write."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | Path) -> Dict:
    """Read a model or training checkpoint written by this module (UserError if it is not one)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint file does not exist")
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for foreign or truncated files
        raise UserError(f"{path}: not a readable checkpoint ({type(e).__name__})") from None
    if not isinstance(ck, dict) or ck.get("format") != CHECKPOINT_FORMAT:
        raise UserError(f"{path}: not a segtrain checkpoint (expected format {CHECKPOINT_FORMAT})")
    return ck


def model_from_checkpoint(ck: Dict, device: torch.device) -> torch.nn.Module:
    """Rebuild the model stored in a checkpoint (no pretrained weights are needed)."""
    model, _ = build_model(ck["arch"], ck["num_classes"], pretrained=False, output_stride=ck.get("output_stride"))
    model.load_state_dict(ck["model"])
    return model.to(device)


def init_weights(path: str | Path, cfg: TrainConfig) -> Dict:
    """The model weights of checkpoint ``path`` to start ``cfg``'s run from (fine-tuning).

    The checkpoint must hold the same architecture, output stride and class set (UserError otherwise).
    """
    ck = load_checkpoint(path)
    want = {"arch": cfg.arch, "output_stride": cfg.output_stride, "classes": cfg.classes}
    for key, value in want.items():
        if ck.get(key) != value:
            flag = "--" + key.replace("_", "-")
            raise UserError(f"{path}: --init checkpoint has {key} {ck.get(key)!r}, this run {value!r} "
                            f"(give the same {flag})")
    return ck["model"]


def poly_lr(base: float, step: int, steps: int, power: float) -> float:
    """The poly schedule: ``base * (1 - step / steps) ** power``."""
    return base * (1.0 - step / steps) ** power


def resolve_config(cfg: TrainConfig) -> TrainConfig:
    """Fill the defaults that depend on other settings: the crop (the size, else 512x512) and the
    learning rate (by optimizer)."""
    lr = cfg.lr if cfg.lr is not None else DEFAULT_LR.get(cfg.optimizer, 1e-3)
    return replace(cfg, out=Path(cfg.out), crop=cfg.crop or cfg.size or (512, 512), lr=lr)


def validate_config(cfg: TrainConfig) -> None:
    if cfg.steps < 1:
        raise UserError(f"--steps must be >= 1 (got {cfg.steps})")
    if cfg.batch_size < 2:
        raise UserError(f"--batch-size must be >= 2 (batch norm needs two samples), got {cfg.batch_size}")
    for flag, given in (("--real-fraction", cfg.real_fraction != 1.0), ("--real-count", cfg.real_count is not None)):
        if cfg.real is None and given:
            raise UserError(f"{flag} needs --real SPEC (the real training set to take it from)")
    if cfg.real_count is not None and cfg.real_fraction != 1.0:
        raise UserError("give either --real-fraction or --real-count, not both")
    if cfg.real_count is not None and cfg.real_count < 1:
        raise UserError(f"--real-count must be >= 1 (got {cfg.real_count})")
    if cfg.real_batch_share is not None:
        real_batch_slots(cfg)
    if cfg.lr <= 0:
        raise UserError(f"--lr must be > 0 (got {cfg.lr})")
    if cfg.optimizer not in ("sgd", "adamw"):
        raise UserError(f"--optimizer must be sgd or adamw (got {cfg.optimizer!r})")
    if cfg.threads is not None and cfg.threads < 1:
        raise UserError("--threads must be >= 1")
    if cfg.workers < 0:
        raise UserError("--workers must be >= 0")
    if cfg.ckpt_every < 1:
        raise UserError("--ckpt-every must be >= 1")
    cfg.augment.validate()
    try:
        class_mapping(cfg.classes)
    except KeyError as e:
        raise UserError(str(e.args[0])) from None
    if cfg.out.exists() and not cfg.out.is_dir():
        raise UserError(f"{cfg.out}: output path exists and is not a folder")
    ck = cfg.out / "checkpoint.pt"
    if ck.exists() and not cfg.resume:
        raise UserError(f"{ck}: a run already exists here; pass --resume to continue it or choose another --out")


def real_batch_slots(cfg: TrainConfig) -> int:
    """How many slots of each batch hold real images (0 = no per-batch share); UserError if unusable."""
    share = cfg.real_batch_share
    if share is None:
        return 0
    if cfg.real is None or not cfg.train:
        raise UserError("--real-batch-share needs both --train DIR and --real SPEC (it splits each batch between them)")
    if not 0 < share < 1:
        raise UserError(f"--real-batch-share {share} must be in (0, 1)")
    slots = int(round(share * cfg.batch_size))
    if not 0 < slots < cfg.batch_size:
        raise UserError(f"--real-batch-share {share} gives {slots} real of {cfg.batch_size} per batch; "
                        "it must leave at least one slot for each side")
    return slots


def _make_optimizer(cfg: TrainConfig, model: torch.nn.Module) -> torch.optim.Optimizer:
    groups = param_groups(model, cfg.lr, cfg.head_lr_mult)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


def _compare_resume(ck: Dict, cfg: TrainConfig, path: Path) -> None:
    old = ck.get("config", {})
    new = cfg.record()
    for k in _RESUME_KEYS:
        if old.get(k) != new.get(k):
            raise UserError(f"{path}: cannot resume, setting {k!r} differs "
                            f"(checkpoint {old.get(k)!r}, now {new.get(k)!r})")


def train(cfg: TrainConfig) -> Dict:
    """Train, write the outputs listed in the module docstring, and return the evaluation record.

    Raises UserError / DatasetError for bad input before anything is written.
    """
    cfg = resolve_config(cfg)
    validate_config(cfg)
    mapping = class_mapping(cfg.classes)
    device = resolve_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    amp = (device.type == "cuda") if cfg.amp is None else bool(cfg.amp)
    if amp and device.type != "cuda":
        raise UserError("mixed precision (--amp) needs a CUDA device")

    samples, sources = training_samples(cfg.train, cfg.real, cfg.real_fraction, cfg.seed, cfg.real_count)
    init_state = init_weights(cfg.init, cfg) if cfg.init else None
    val_samples = labelled_samples(parse_dataset_spec(cfg.val, default_split="val")) if cfg.val else []
    train_data = SegDataset(samples, mapping, cfg.size, cache=cfg.cache)
    train_data.load_all(progress=cfg.progress)
    SegDataset(val_samples, mapping, None, cache=False).load_all(progress=cfg.progress)

    resume_ck = None
    ck_path = cfg.out / "checkpoint.pt"
    if cfg.resume and ck_path.exists():
        resume_ck = load_checkpoint(ck_path)
        _compare_resume(resume_ck, cfg, ck_path)

    dev_idx = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=dev_idx):
        torch.manual_seed(int(np.random.SeedSequence([cfg.seed, 7]).generate_state(1)[0]))
        model, weights_source = build_model(cfg.arch, mapping.num_classes,
                                            pretrained=cfg.pretrained and init_state is None,
                                            output_stride=cfg.output_stride)
        if init_state is not None:
            model.load_state_dict(init_state)
            weights_source = f"init: {cfg.init}"
        model.to(device)
        optim = _make_optimizer(cfg, model)
        scaler = torch.amp.GradScaler(device.type, enabled=amp)
        start, history, elapsed = 0, [], 0.0
        if resume_ck is not None:
            model.load_state_dict(resume_ck["model"])
            optim.load_state_dict(resume_ck["optimizer"])
            scaler.load_state_dict(resume_ck["scaler"])
            torch.set_rng_state(resume_ck["torch_rng"])
            start, history, elapsed = resume_ck["step"], resume_ck["history"], resume_ck["elapsed_s"]
        cfg.out.mkdir(parents=True, exist_ok=True)

        def checkpoint(step: int, spent: float) -> Dict:
            return {"format": CHECKPOINT_FORMAT, "arch": cfg.arch, "output_stride": cfg.output_stride, "classes": mapping.name,
                    "class_names": list(mapping.class_names), "num_classes": mapping.num_classes,
                    "size": list(cfg.size) if cfg.size else None, "weights_source": weights_source,
                    "model": model.state_dict(), "optimizer": optim.state_dict(), "scaler": scaler.state_dict(),
                    "torch_rng": torch.get_rng_state(), "step": step, "steps": cfg.steps,
                    "history": history, "elapsed_s": spent, "config": cfg.record()}

        stream = TrainStream(train_data, cfg.crop, cfg.augment, cfg.seed, batch=cfg.batch_size,
                             real_slots=real_batch_slots(cfg),
                             n_real=sources["sources"][-1]["frames"] if cfg.real is not None else 0)
        loader = torch.utils.data.DataLoader(
            stream, batch_size=cfg.batch_size, sampler=range(start * cfg.batch_size, cfg.steps * cfg.batch_size),
            num_workers=cfg.workers, pin_memory=device.type == "cuda", drop_last=False,
            # Its own generator: the loader's worker seeds must not draw from (and shift) torch's stream.
            generator=torch.Generator().manual_seed(cfg.seed))
        from tqdm import tqdm

        bar = tqdm(total=cfg.steps, initial=start, desc="train", unit="step", disable=not cfg.progress,
                   dynamic_ncols=True)
        t0 = time.perf_counter()
        model.train()
        step = start
        for images, labels in loader:
            for g in optim.param_groups:
                g["lr"] = poly_lr(g["base_lr"], step, cfg.steps, cfg.poly_power)
            images = images.to(device, non_blocking=True)
            labels = labels.to(device, non_blocking=True)
            with torch.autocast(device.type, enabled=amp):
                logits = model(images)
            valid = int((labels != IGNORE).sum())
            loss = F.cross_entropy(logits.float(), labels, ignore_index=IGNORE, reduction="sum") / max(valid, 1)
            optim.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optim)
            scaler.update()
            step += 1
            lv = float(loss.detach())
            if not math.isfinite(lv):
                raise RuntimeError(f"training diverged at step {step} (loss {lv}); lower --lr")
            history.append([step, round(lv, 5)])
            bar.update(1)
            bar.set_postfix(loss=f"{lv:.3f}", lr=f"{optim.param_groups[0]['lr']:.2e}")
            if step % cfg.ckpt_every == 0 and step < cfg.steps:
                save_torch(ck_path, checkpoint(step, elapsed + time.perf_counter() - t0))
        bar.close()
        train_s = elapsed + time.perf_counter() - t0
        final = checkpoint(step, train_s)
        save_torch(ck_path, final)
        save_torch(cfg.out / "model.pt", {k: v for k, v in final.items()
                                          if k not in ("optimizer", "scaler", "torch_rng", "history")})

    t1 = time.perf_counter()
    if val_samples:
        rec = evaluate(model, val_samples, mapping, cfg.size, device, amp=amp, progress=cfg.progress)
        rec["data"] = str(parse_dataset_spec(cfg.val, default_split="val"))
    else:
        rec = {"classes": mapping.name, "per_class_iou": None, "global": None, "pixel_accuracy": None,
               "note": "no --val given"}
    eval_s = time.perf_counter() - t1
    rec["checkpoint"] = str(cfg.out / "model.pt")
    atomic_write_json(cfg.out / "eval.json", rec)
    if val_samples:
        atomic_write_text(cfg.out / "eval.md", markdown_table(rec))
    atomic_write_json(cfg.out / "train.json", {
        "config": cfg.record(), "data": sources, "weights_source": weights_source, "device": str(device),
        "amp": amp, "steps": step, "train_seconds": round(train_s, 2), "eval_seconds": round(eval_s, 2),
        "final_loss": history[-1][1] if history else None, "loss_history": history})
    return rec


def eval_checkpoint(checkpoint: str | Path, data: str, classes: str | None, out: Path | None,
                    device: str = "auto", size: Tuple[int, int] | None = None, progress: bool = True) -> Dict:
    """Evaluate a saved model on a labelled dataset; write JSON (and a Markdown twin) to ``out``."""
    ck = load_checkpoint(checkpoint)
    classes = classes or ck["classes"]
    if classes != ck["classes"]:
        raise UserError(f"{checkpoint}: model predicts class set {ck['classes']!r}, not {classes!r}")
    mapping = class_mapping(classes)
    spec = parse_dataset_spec(data, default_split="val")
    samples = labelled_samples(spec)
    SegDataset(samples, mapping, None, cache=False).load_all(progress=progress)
    dev = resolve_device(device)
    model = model_from_checkpoint(ck, dev)
    size = size or (tuple(ck["size"]) if ck.get("size") else None)
    rec = evaluate(model, samples, mapping, size, dev, amp=dev.type == "cuda", progress=progress)
    rec["data"] = str(spec)
    rec["checkpoint"] = str(checkpoint)
    if out is not None:
        atomic_write_json(out, rec)
        atomic_write_text(Path(out).with_suffix(".md"), markdown_table(rec))
    return rec

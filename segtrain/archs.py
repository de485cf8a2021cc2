"""Names of the segmentation architectures (no torch here, so the CLI parser can offer them cheaply)."""

ARCHS = ("lite0", "mobilenet_v3_large", "resnet50", "resnet101")
DEFAULT_ARCH = "lite0"

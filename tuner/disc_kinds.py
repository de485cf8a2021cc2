"""Discriminator names, torch-free, for the CLI, the bench scripts and the models."""

#: small CNN from scratch, frozen EfficientNet-Lite0 + MLP head, grid class shares, grid image statistics
BACKBONES = ("small", "lite0", "layout", "stats")
#: Backbones that read per-cell statistics on a coarse grid (``bands`` x ``layout_cols``) with an MLP.
GRID_BACKBONES = ("layout", "stats")
#: What a discriminator reads: the RGB image, the label image (paper-7 class shares), or both.
INPUTS = ("rgb", "labels", "rgb+labels")
#: Backbones that read one input only: ``--disc`` without ``--disc-input`` switches to it.
ONLY_INPUT = {"layout": "labels", "lite0": "rgb"}

"""Upper bounds on what a user may ask for, each written once: beyond them a command refuses (exit 2)
with a message that names the bound, instead of running for days or allocating gigabytes."""

#: any YAML or JSON input (parameter, job, catalog, recipe, experiment files)
MAX_INPUT_FILE_BYTES = 4 << 20
#: a CAD model file (.obj, .gltf, .glb, .blend) named by a catalog
MAX_MODEL_FILE_BYTES = 256 << 20
#: histogram bins or categorical values of one variable
MAX_BINS = 1000
#: frames in one render or sample run
MAX_FRAMES = 1_000_000
#: frames in one sequence, and its frame rate
MAX_SEQUENCE_LENGTH = 10_000
MAX_FPS = 120.0
#: Cycles samples per pixel
MAX_SAMPLES = 65536
#: tuning iterations of one run
MAX_ITERATIONS = 10_000
#: renders per tuning iteration, and real images one command reads
MAX_TUNE_BATCH = 100_000
#: optimisation steps (segmentation training, the discriminator per fold and iteration)
MAX_STEPS = 10_000_000
#: images per segmentation training step
MAX_TRAIN_BATCH = 4096
#: a side of a segmentation training or inference size or crop (Cityscapes is 2048 wide)
MAX_TRAIN_SIDE = 2048
#: a contact sheet's cell width in pixels
MAX_CELL_WIDTH = 2048
#: worker processes or threads of one command
MAX_WORKERS = 1024
#: retries of a failed work unit
MAX_RETRIES = 100

"""Does image-level appearance explain the KID gap? KID (Lite0 features, as bench/realism.py) of one rendered set
against real images, as rendered and after each of a fixed list of whole-image transforms (blur, sharpening,
saturation, contrast, gamma, colour casts, brightness, sensor noise, JPEG). If no transform moves KID much, the
gap is in what the frames show, not how they are developed.

    .venv/bin/python bench/kid_transforms.py --set runs/seg/tuned_s2 --out runs/bench/kid_transforms

Writes kid_transforms.json and prints a table; measures, never asserts.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Dict, List

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Transform = Callable[[np.ndarray], np.ndarray]


def _clip(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0, 255).astype(np.uint8)


def transforms(seed: int) -> Dict[str, Transform]:
    """Named whole-image transforms of 8-bit RGB images."""
    noise = np.random.default_rng(seed)
    grey = lambda i: i.astype(np.float32).mean(2, keepdims=True)

    def jpeg(q: int) -> Transform:
        def f(i):
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(i, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
            return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        return f
    return {
        "blur 0.7 px": lambda i: cv2.GaussianBlur(i, (0, 0), 0.7),
        "blur 1.2 px": lambda i: cv2.GaussianBlur(i, (0, 0), 1.2),
        "sharpen 0.5": lambda i: _clip(1.5 * i.astype(np.float32) - 0.5 * cv2.GaussianBlur(i, (0, 0), 1.0)),
        "sharpen 1.0": lambda i: _clip(2.0 * i.astype(np.float32) - 1.0 * cv2.GaussianBlur(i, (0, 0), 1.0)),
        "saturation 0.7": lambda i: _clip(grey(i) + 0.7 * (i - grey(i))),
        "saturation 1.3": lambda i: _clip(grey(i) + 1.3 * (i - grey(i))),
        "contrast 0.8": lambda i: _clip((i.astype(np.float32) - 128) * 0.8 + 128),
        "contrast 1.2": lambda i: _clip((i.astype(np.float32) - 128) * 1.2 + 128),
        "gamma 1.3": lambda i: _clip(255 * (i / 255.0) ** 1.3),
        "gamma 1.6": lambda i: _clip(255 * (i / 255.0) ** 1.6),
        "warm cast": lambda i: _clip(i * np.array([1.05, 1.0, 0.92], np.float32)),
        "cool cast": lambda i: _clip(i * np.array([0.95, 1.0, 1.06], np.float32)),
        "darker 0.85": lambda i: _clip(i * np.float32(0.85)),
        "noise 4": lambda i: _clip(i + noise.normal(0, 4, i.shape)),
        "noise 8": lambda i: _clip(i + noise.normal(0, 8, i.shape)),
        "JPEG q30": jpeg(30),
    }


def main(argv: List[str] | None = None) -> int:
    from tuner import metrics as M
    from tuner import realdata
    from tuner.lite0 import extract_features
    from tuner.preprocess import prepare_batch

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", required=True, help="a scenegen render folder")
    ap.add_argument("--real", default=f"camvid:{ROOT.parent / 'shared' / 'data' / 'camvid'}#val")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--size", default="128x96", help="Lite0 input WxH")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/bench/kid_transforms")
    args = ap.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    pick = lambda spec: realdata.list_real(realdata.parse_real_spec(spec), args.frames,
                                           np.random.default_rng(args.seed))
    features = lambda imgs: extract_features(prepare_batch(imgs, size)).numpy().astype(np.float64)
    real = features(realdata.read_images(pick(args.real)))
    rendered = realdata.read_images(pick(f"scenegen:{args.set}"))
    rows = {"as rendered": M.mmd2_unbiased(features(rendered), real)}
    for name, f in transforms(args.seed).items():
        rows[name] = M.mmd2_unbiased(features([f(i) for i in rendered]), real)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "kid_transforms.json").write_text(json.dumps({"set": args.set, "real": args.real, "kid": rows}, indent=1))
    print(f"KID of {args.set} against {args.real} ({args.frames} frames each)\n\n| transform | KID |\n|---|---:|")
    for name, kid in rows.items():
        print(f"| {name} | {kid:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``scenegen report RUN_DIR``: an HTML page and PNG plots of a tuning run (matplotlib, Agg).

* ``variables.png`` -- per tuned variable: density at the start, at the end and of the target,
* ``metrics.png``   -- discriminator AUC / accuracy, KID, class-proportion L1, recovery error,
* ``renders.png``   -- a row of renders per iteration beside a row of real images,
* ``classes.png``   -- class pixel proportions: real, first and last iteration's renders,
* ``recovery.png``  -- per-variable recovery error at the start and the end (params: targets).
"""
from __future__ import annotations

import html
import io
import json
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from scenegen.distributions import Categorical, Histogram, Poisson, TruncatedNormal
from scenegen.errors import UserError
from scenegen.io import atomic_write_bytes, atomic_write_text
from scenegen.outdir import prepare_output_dir
from scenegen.params import ParameterSpace, Variable, load_space

from .best import best_iteration
from .run_folder import RunFolder

MAX_VARIABLE_PLOTS = 36
GRID_COLUMNS = 6


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    _plt().close(fig)
    atomic_write_bytes(path, buf.getvalue())


def density_curve(var: Variable):
    """``(x, y, discrete)`` for plotting the density (pmf for discrete families) of ``var``."""
    d = var.distribution
    if isinstance(d, Histogram):
        e = np.asarray(d.edges)
        dens = np.asarray(d.weights) / np.diff(e)
        return np.repeat(e, 2)[1:-1], np.repeat(dens, 2), False
    if isinstance(d, TruncatedNormal):
        x = np.linspace(d.low, d.high, 200)
        return x, np.exp([d.log_prob(v) for v in x]), False
    if isinstance(d, Categorical):
        return np.asarray(d.values, dtype=float), np.asarray(d.weights), True
    if isinstance(d, Poisson):
        k = np.arange(d.low, d.high + 1)
        return k.astype(float), np.exp([d.log_prob(int(v)) for v in k]), True
    raise TypeError(type(d).__name__)


def _changed(a: Variable, b: Variable) -> bool:
    return a.distribution.to_dict() != b.distribution.to_dict()


def plot_variables(start: ParameterSpace, end: ParameterSpace, target: Optional[ParameterSpace],
                   names: Sequence[str], path: Path) -> None:
    plt = _plt()
    n = len(names)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        for space, label, style in ((start, "start", dict(color="0.6", ls="--")),
                                    (end, "end", dict(color="C0", lw=2)),
                                    (target, "target", dict(color="C3", lw=1.5))):
            if space is None or name not in space.names:
                continue
            x, y, discrete = density_curve(space[name])
            if discrete:
                ax.plot(x, y, marker="o", label=label, **style)
            else:
                ax.plot(x, y, label=label, **style)
        v = end[name]
        ax.set_title(f"{name}" + (f" [{v.unit}]" if v.unit else ""), fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.suptitle("distributions: start (grey), end (blue)" + (", target (red)" if target else ""), fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def plot_metrics(ms: List[Dict[str, Any]], path: Path) -> List[str]:
    plt = _plt()
    its = [m for m in ms if m.get("iteration", 0) >= 1]
    panels = []
    k = [m["iteration"] for m in its]
    if its:
        panels.append(("discriminator (held out)", [("AUC", [m["discriminator"]["auc"] for m in its]),
                                                    ("accuracy", [m["discriminator"]["accuracy"] for m in its])], k))
    if its and all("kid" in m for m in its):
        lines = [("to evaluation images", [m["kid"]["mean"] for m in its])]
        if all("train" in m["kid"] for m in its):
            lines.append(("to real training images", [m["kid"]["train"] for m in its]))
        panels.append(("KID (Lite0 features)", lines, k))
    if its and all("l1" in m.get("class_proportions", {}) for m in its):
        lines = [("to evaluation images", [m["class_proportions"]["l1"] for m in its])]
        if all("l1_train" in m["class_proportions"] for m in its):
            lines.append(("to real training images", [m["class_proportions"]["l1_train"] for m in its]))
        panels.append(("class-proportion L1", lines, k))
    if its and all("image_statistics" in m for m in its):
        panels.append(("image-statistics gap (sd units)",
                       [("to evaluation images", [m["image_statistics"]["gap"] for m in its]),
                        ("to real training images", [m["image_statistics"]["gap_train"] for m in its])], k))
    if all("recovery" in m for m in ms):
        panels.append(("parameter-recovery error", [("mean W1 / width", [m["recovery"]["mean"] for m in ms])],
                       [m["iteration"] for m in ms]))
    if not panels:
        return []
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3), squeeze=False)
    for ax, (title, series, xs) in zip(axes[0], panels):
        for label, ys in series:
            ax.plot(xs, [np.nan if y is None else y for y in ys], marker="o", label=label)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("iteration")
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, path)
    return [p[0] for p in panels]


def _thumb(path: str, height: int = 72) -> np.ndarray:
    import cv2

    from scenegen.datasets import read_image

    img = read_image(path)
    w = max(1, int(round(img.shape[1] * height / img.shape[0])))
    return cv2.resize(img, (w, height), interpolation=cv2.INTER_AREA)


def plot_renders(run: RunFolder, iterations: Sequence[int], real_paths: Sequence[str], path: Path) -> None:
    plt = _plt()
    rows = []
    for k in iterations:
        rec = run.read_draws(k)
        rows.append((f"iter {k}", rec["images"][:GRID_COLUMNS]))
    if real_paths:
        rows.append(("real", list(real_paths[:GRID_COLUMNS])))
    fig, axes = plt.subplots(len(rows), GRID_COLUMNS, figsize=(2.2 * GRID_COLUMNS, 1.3 * len(rows)), squeeze=False)
    for r, (label, paths) in enumerate(rows):
        for c in range(GRID_COLUMNS):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(paths):
                try:
                    ax.imshow(_thumb(paths[c]))
                except UserError:
                    ax.text(0.5, 0.5, "missing", ha="center", va="center", fontsize=7)
            else:
                ax.axis("off")
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.tight_layout()
    _save(fig, path)


def plot_classes(ms: List[Dict[str, Any]], path: Path) -> bool:
    its = [m for m in ms if "class_proportions" in m]
    if not its:
        return False
    plt = _plt()
    names = its[0]["class_proportions"]["names"]
    bars = []
    if "real_train" in its[0]["class_proportions"]:
        bars.append(("real (training)", its[0]["class_proportions"]["real_train"]))
    if "real" in its[0]["class_proportions"]:
        bars.append(("real (evaluation)" if len(bars) else "real", its[0]["class_proportions"]["real"]))
    bars.append((f"renders iter {its[0]['iteration']}", its[0]["class_proportions"]["render"]))
    best = best_iteration(ms)
    best_renders = [m for m in its[1:-1] if best and m["iteration"] == best["params_iteration"] + 1]
    for m in best_renders:  # the best iteration's renders, unless they are the first or last shown anyway
        bars.append((f"renders iter {m['iteration']} (best: {best['params']})", m["class_proportions"]["render"]))
    if len(its) > 1:
        bars.append((f"renders iter {its[-1]['iteration']}", its[-1]["class_proportions"]["render"]))
    x = np.arange(len(names))
    w = 0.8 / len(bars)
    fig, ax = plt.subplots(figsize=(10, 3))
    for i, (label, vals) in enumerate(bars):
        ax.bar(x + (i - (len(bars) - 1) / 2) * w, vals, w, label=label)
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel("pixel share")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    _save(fig, path)
    return True


def plot_recovery(ms: List[Dict[str, Any]], path: Path) -> bool:
    if not (ms and "recovery" in ms[0] and "recovery" in ms[-1]):
        return False
    plt = _plt()
    names = ms[-1]["recovery"]["variables"]
    a = [ms[0]["recovery"]["per_variable"][n] for n in names]
    b = [ms[-1]["recovery"]["per_variable"][n] for n in names]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(names)), 3))
    ax.bar(x - 0.2, a, 0.4, label="start", color="0.6")
    ax.bar(x + 0.2, b, 0.4, label=f"iter {ms[-1]['iteration']}", color="C0")
    ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("W1 / support width")
    ax.legend(fontsize=8)
    fig.tight_layout()
    _save(fig, path)
    return True


def identifiability(ms: List[Dict[str, Any]]) -> Dict[str, Dict[str, float]]:
    """Per tuned variable, the first iteration's identifiability (the draws' widest spread), for runs
    whose update rule measures it (``--method inverse``); empty otherwise."""
    for m in ms:
        if m.get("identifiability"):
            return m["identifiability"]
    return {}


def plot_identifiability(ms: List[Dict[str, Any]], path: Path) -> bool:
    """R² of each variable's reader on held-out renders, at the first and last iteration."""
    first = identifiability(ms)
    if not first:
        return False
    last = next(m["identifiability"] for m in reversed(ms) if m.get("identifiability"))
    names = sorted(first, key=lambda n: first[n]["r2"])
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 0.25 * len(names) + 1.2))
    y = np.arange(len(names))
    ax.barh(y + 0.2, [first[n]["r2"] for n in names], 0.4, label="first iteration")
    ax.barh(y - 0.2, [last.get(n, {}).get("r2", 0.0) for n in names], 0.4, label="last iteration")
    ax.set_yticks(y, names, fontsize=8)
    ax.set(xlim=(0, 1), xlabel="R² of the variable read back from held-out renders (0: the images do not show it)")
    ax.legend(fontsize=8)
    _save(fig, path)
    return True


def identifiability_rows(ms: List[Dict[str, Any]]) -> str:
    """HTML table rows: variable, R^2 of its cross-fitted reader, bits per image."""
    first = identifiability(ms)
    return "".join(f"<tr><td>{html.escape(n)}</td><td>{_fmt(r['r2'])}</td><td>{_fmt(r['bits'])}</td></tr>"
                   for n, r in sorted(first.items(), key=lambda kv: -kv[1]["r2"]))


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4f}"
    return html.escape(str(v))


def _best_sentence(ms: List[Dict[str, Any]]) -> str:
    best = best_iteration(ms)
    if best is None:
        return ""
    return (f" Closest to the real training images ({html.escape(best['measure'])} {best['value']:.3f}): "
            f"<code>{html.escape(best['params'])}</code> (<code>{RunFolder.BEST_PARAMS}</code> when the run has ended).")


def write_report(run: Path, out: Optional[Path] = None) -> Path:
    """Write ``report.html`` and its PNGs for the run in ``run``; returns the HTML path."""
    folder = RunFolder(run)
    config = folder.read_description()["config"]
    last = folder.finished_iterations()
    if last < 0:
        raise UserError(f"{run}: the run has no finished iteration yet")
    out = prepare_output_dir(out) if out is not None else prepare_output_dir(folder.root / "report")
    ms = folder.load_metrics()[: last + 1]
    sections = _plots(folder, config, ms, last, out)
    body = [f"<h1>Tuning run {html.escape(str(run))}</h1>",
            f"<p>{last} finished iteration(s); method <b>{html.escape(config['method'])}</b>; real set "
            f"<code>{html.escape(config['real'])}</code>. Final parameters: "
            f"<code>{html.escape(folder.params(last).name)}</code>.{_best_sentence(ms)}</p>",
            "<h2>Per iteration</h2><table><tr><th>iter</th><th>D AUC</th><th>D acc</th><th>KID</th>"
            "<th>class L1 (eval)</th><th>class L1 (real train)</th><th>recovery</th><th>accept rate</th>"
            "<th>params version</th></tr>" + "".join(_iteration_row(m) for m in ms) + "</table>"]
    body += [f"<h2>{html.escape(title)}</h2><img src='{png}' alt='{html.escape(title)}'>" for title, png in sections]
    if identifiability(ms):
        body.append("<h2>Identifiability at the first iteration</h2><p>A variable near R² 0 is one the images "
                    "do not show: the inverse rule leaves it where it is.</p><table><tr><th>variable</th>"
                    "<th>R² of its reader (held-out renders)</th><th>bits / image</th></tr>"
                    + identifiability_rows(ms) + "</table>")
    cfg_rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{_fmt(v)}</td></tr>" for k, v in config.items())
    body.append(f"<h2>Settings</h2><table>{cfg_rows}</table>")
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>scenegen tuning report</title><style>"
            "body{font-family:sans-serif;max-width:1200px;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 8px;font-size:13px;text-align:left}img{max-width:100%}"
            "</style></head><body>" + "\n".join(body) + "</body></html>\n")
    atomic_write_text(out / "report.html", page)
    return out / "report.html"


def _iteration_row(m: Dict[str, Any]) -> str:
    d = m.get("discriminator", {})
    return "<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in (
        m.get("iteration"), d.get("auc"), d.get("accuracy"), m.get("kid", {}).get("mean"),
        m.get("class_proportions", {}).get("l1"), m.get("class_proportions", {}).get("l1_train"),
        m.get("recovery", {}).get("mean"), m.get("update", {}).get("accept_rate"), m.get("params_version"))) + "</tr>"


def _plots(folder: RunFolder, config: Dict[str, Any], ms: List[Dict[str, Any]], last: int,
           out: Path) -> List[Tuple[str, str]]:
    """Draw every plot the run has data for into ``out``; (title, PNG name) of each."""
    start, end = load_space(folder.params(0)), load_space(folder.params(last))
    target = load_space(folder.target_params) if folder.target_params.is_file() else None
    names = list(config.get("variables") or [])
    if not names:
        names = [v.name for v in end if _changed(start[v.name], v) or (target and v.name in target.names
                                                                      and _changed(target[v.name], v))]
    plot_variables(start, end, target, names[:MAX_VARIABLE_PLOTS] or list(end.names[:8]), out / "variables.png")
    sections = [("Distributions", "variables.png")]
    for plot, png, title in ((plot_metrics, "metrics.png", "Metrics per iteration"),
                             (plot_recovery, "recovery.png", "Parameter recovery per variable"),
                             (plot_classes, "classes.png", "Class pixel proportions (paper 7 classes)"),
                             (plot_identifiability, "identifiability.png",
                              "What the images say about each variable (identifiability)")):
        if plot(ms, out / png):
            sections.append((title, png))
    if last >= 1:
        reals = []
        if folder.real_examples.is_file():
            ex = json.loads(folder.real_examples.read_text())
            reals = [p for p, _ in ex.get("eval", []) + ex.get("train", [])]
        shown = sorted(set([1, last] + list(range(1, last + 1, max(1, last // 6)))))
        plot_renders(folder, shown, reals, out / "renders.png")
        sections.append(("Renders per iteration (top) and real images (bottom row)", "renders.png"))
    return sections

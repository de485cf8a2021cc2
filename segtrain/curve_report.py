"""The label-efficiency curve's outputs: ``curve.json``, ``curve.md``, ``curve.html`` and ``curve.png``.

``build_curve`` turns the runs into points (mean and standard error over seeds per line and count),
paired differences (each recipe against real only and against its synthetic set alone, tuned against
untuned) and labels saved against the real-only curve (``segtrain.curve_stats``).
"""
from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Dict, List, Sequence

from scenegen.io import atomic_write_bytes, atomic_write_json, atomic_write_text
from scenegen.labels import PAPER7_NAMES
from segtrain.curve_stats import labels_saved, paired, pooled, summarize_point

UNITS = "IoU in percent; global = mean IoU of the paper's 7 classes; ± one standard error over seeds"


def build_curve(cfg, counts: List[int], lines: Sequence, runs: List[Dict], train_options: Dict,
                seeds: List[int]) -> Dict:
    """The curve record from the finished runs of ``seeds`` (dicts with line, count, seed, record, run,
    train_seconds); ``cfg`` is the ``CurveConfig``, ``train_options`` the resolved options of the runs
    from ImageNet."""
    def runs_of(line: str, count: int) -> List[Dict]:
        return [r for r in runs if r["line"] == line and r["count"] == count]

    synthetic = [{"key": s, "label": f"{s.capitalize()} synthetic alone", "point": summarize_point(runs_of(s, 0))}
                 for s in cfg.sets if runs_of(s, 0)]
    out_lines = [{"key": ln.key, "label": ln.label, "short": ln.short, "recipe": ln.recipe, "synthetic": ln.synthetic,
                  "points": [summarize_point(runs_of(ln.key, k)) for k in counts]} for ln in lines]
    curve = {"title": cfg.title, "val": cfg.val, "real": cfg.real, "counts": counts, "seeds": list(seeds),
             "recipes": list(cfg.recipes), "synthetic": synthetic, "lines": out_lines,
             "comparisons": _comparisons(counts, lines, runs_of), "labels_saved": _labels_saved(out_lines),
             "train_options": train_options, "units": UNITS}
    if "finetune" in cfg.recipes:
        curve["finetune_options"] = {**cfg.finetune, "real_batch_share": cfg.finetune_share,
                                     "replay_up_to": cfg.replay_up_to}
    if "balanced" in cfg.recipes:
        curve["balanced_options"] = {**cfg.balanced, "real_batch_share": cfg.balanced_share}
    curve["train_seconds"] = round(sum(r.get("train_seconds") or 0 for r in runs), 1)
    return curve


def _comparisons(counts: List[int], lines: Sequence, runs_of) -> List[Dict]:
    comps = []
    for ln in lines:
        if ln.synthetic is None:
            continue
        comps.append({"label": f"{ln.short} − real only", "a": "real", "b": ln.key,
                      "by_count": [paired(runs_of("real", k), runs_of(ln.key, k)) for k in counts]})
        comps.append({"label": f"{ln.short} − {ln.synthetic} synthetic alone", "a": ln.synthetic, "b": ln.key,
                      "by_count": [paired(runs_of(ln.synthetic, 0), runs_of(ln.key, k)) for k in counts]})
    by_recipe = {(ln.recipe, ln.synthetic): ln for ln in lines}
    for recipe in ("finetune", "balanced"):
        a, b = by_recipe.get((recipe, "untuned")), by_recipe.get((recipe, "tuned"))
        if a is not None and b is not None:
            diffs = [paired(runs_of(a.key, k), runs_of(b.key, k)) for k in counts]
            comps.append({"label": f"{b.short} − {a.short}", "a": a.key, "b": b.key, "by_count": diffs,
                          "pooled": pooled(diffs)})
    return comps


def _labels_saved(lines: List[Dict]) -> List[Dict]:
    real = next((ln for ln in lines if ln["recipe"] == "real"), None)
    if real is None:
        return []
    measured = [p for p in real["points"] if p["global"] is not None]
    counts, scores = [p["count"] for p in measured], [p["global"] for p in measured]
    if len(counts) < 2:
        return []
    return [{"line": ln["key"], "label": ln["label"], "short": ln["short"],
             "by_count": [labels_saved(counts, scores, p) for p in ln["points"] if p["global"] is not None]}
            for ln in lines if ln["synthetic"] is not None]


# ---- text -------------------------------------------------------------------------------------------

def _f(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.2f}" if signed else f"{v:.2f}"


def _score(p: Dict | None) -> str:
    if p is None or p["global"] is None:
        return "–"
    return _f(p["global"]) + (f" ± {p['global_se']:.2f}" if p["global_se"] is not None else "")


def _diff(d: Dict | None) -> str:
    if d is None:
        return "–"
    se = f" ± {d['standard_error']:.2f}" if d["standard_error"] is not None else ""
    return f"{d['mean']:+.2f}{se} ({d['wins']}/{len(d['seeds'])})"


def _saving(s: Dict) -> str:
    if s["bound"]:
        return f"{'≤' if s['bound'] == '<=' else '>'} {s['ratio']:.1f}x"
    lo, hi = s["ratio_range"]
    return f"{s['ratio']:.1f}x ({lo:.1f}–{hi:.1f})"


def tables(curve: Dict) -> List[Dict]:
    """The report's tables: dicts with ``title``, ``header`` and ``rows`` (lists of strings)."""
    counts = curve["counts"]
    syn = {s["key"]: s["point"] for s in curve["synthetic"]}
    header = ["recipe", "0 (synthetic alone)"] + [f"k={k}" for k in counts]
    main = [[ln["label"], _score(syn.get(ln["synthetic"])) if ln["synthetic"] else "–"]
            + [_score(p) for p in ln["points"]] for ln in curve["lines"]]
    out = [{"title": f"Global IoU against the number of real images (mean ± standard error over "
                     f"{len(curve['seeds'])} seeds)", "header": header, "rows": main}]
    if curve["labels_saved"]:
        out.append({"title": "Labels saved: real images the real-only curve needs to match the recipe, "
                             "divided by k (range: the recipe's score ± one standard error)",
                    "header": ["recipe"] + [f"k={k}" for k in counts],
                    "rows": [[s["label"]] + [_saving(x) for x in s["by_count"]] for s in curve["labels_saved"]]})
    if curve["comparisons"]:
        out.append({"title": "Paired differences of global (mean ± standard error, seeds ahead / seeds)",
                    "header": ["comparison"] + [f"k={k}" for k in counts] + ["pooled over k"],
                    "rows": [[c["label"]] + [_diff(d) for d in c["by_count"]] + [_diff(c.get("pooled"))]
                             for c in curve["comparisons"]]})
    per_class = [[s["label"], "0"] + [_f(s["point"]["paper7_iou"][c]) for c in PAPER7_NAMES]
                 + [_score(s["point"])] for s in curve["synthetic"]]
    for ln in curve["lines"]:
        per_class += [[ln["label"], str(p["count"])] + [_f(p["paper7_iou"][c]) for c in PAPER7_NAMES]
                      + [_score(p)] for p in ln["points"]]
    out.append({"title": "Per-class IoU (means over seeds)", "header": ["recipe", "k", *PAPER7_NAMES, "global"],
                "rows": per_class})
    return out


def settings_line(curve: Dict) -> str:
    """One line on how the runs were trained and evaluated."""
    o = curve["train_options"]
    size = "x".join(str(v) for v in o["size"]) if o.get("size") else "native size"
    parts = [f"Trained: {o['arch']}, {o['steps']} steps, batch {o['batch_size']}, {size}, "
             f"{o['optimizer']} lr {o['lr']:g}"]
    if "finetune_options" in curve:
        ft = ", ".join(f"{k} {v}" for k, v in sorted(curve["finetune_options"].items()) if v is not None)
        parts.append("fine-tuned from the synthetic model" + (f" ({ft})" if ft else " (same schedule)"))
    parts.append(f"real subsets of {curve['real']}, nested per seed; evaluated on {curve['val']}")
    return "; ".join(parts) + "."


def progress_note(curve: Dict) -> str | None:
    """A note for a report written before every seed finished, else None."""
    if curve.get("complete", True):
        return None
    return (f"Partial: seeds {curve['seeds']} of {curve['seeds_planned']} have finished; "
            "the rest are still training.")


def to_markdown(curve: Dict) -> str:
    """The curve's tables in Markdown."""
    lines = [f"**{curve['title']}**", ""] if curve.get("title") else []
    if progress_note(curve):
        lines += [f"*{progress_note(curve)}*", ""]
    for t in tables(curve):
        lines += [f"*{t['title']}*", "", "| " + " | ".join(t["header"]) + " |",
                  "|---|" + "---:|" * (len(t["header"]) - 1)]
        lines += ["| " + " | ".join(r) + " |" for r in t["rows"]] + [""]
    lines.append(settings_line(curve))
    return "\n".join(lines) + "\n"


def to_html(curve: Dict, figure: str = "curve.png") -> str:
    """A self-contained HTML page: the figure, then the tables."""
    esc = html.escape
    title = esc(curve.get("title") or "Label efficiency on real validation data")
    body = [f"<h1>{title}</h1>", f"<p><b>{esc(progress_note(curve))}</b></p>" if progress_note(curve) else "",
            f"<p><img src='{esc(figure)}' alt='curve'></p>", f"<p>{esc(settings_line(curve))}</p>"]
    for t in tables(curve):
        head = "".join(f"<th>{esc(h)}</th>" for h in t["header"])
        rows = "".join("<tr><th>" + esc(r[0]) + "</th>" + "".join(f"<td>{esc(c)}</td>" for c in r[1:]) + "</tr>"
                       for r in t["rows"])
        body.append(f"<h2>{esc(t['title'])}</h2><table><tr>{head}</tr>{rows}</table>")
    body.append(f"<p>{esc(curve['units'])}</p>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>" + title + "</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{text-align:left}"
            "img{max-width:100%}</style></head><body>" + "".join(body) + "</body></html>\n")


# ---- figure -----------------------------------------------------------------------------------------

def curve_png(curve: Dict) -> bytes:
    """PNG bytes: global against real images (log x, ± one standard error bands; synthetic alone at the
    left, marked 0) beside the labels-saved ratio per k."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    counts = curve["counts"]
    x0 = counts[0] / 2
    syn = {s["key"]: s["point"] for s in curve["synthetic"]}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 5.4), dpi=100, gridspec_kw={"width_ratios": [3, 2]})
    for i, ln in enumerate(curve["lines"]):
        color = f"C{i}"
        pts = [p for p in ln["points"] if p["global"] is not None]
        x = np.array([p["count"] for p in pts], dtype=float)
        y = np.array([p["global"] for p in pts])
        se = np.array([p["global_se"] or 0.0 for p in pts])
        ax.plot(x, y, "o-", color=color, label=ln["label"])
        ax.fill_between(x, y - se, y + se, color=color, alpha=0.2, linewidth=0)
        start = syn.get(ln["synthetic"])
        if start is not None and start["global"] is not None and len(x):
            ax.errorbar([x0], [start["global"]], yerr=[start["global_se"] or 0.0], fmt="s", color=color)
            ax.plot([x0, x[0]], [start["global"], y[0]], ":", color=color)
    ax.set_xscale("log")
    ticks = [x0] + list(counts)
    ax.set_xticks(ticks, ["0"] + [str(k) for k in counts])
    ax.minorticks_off()
    ax.set_xlabel("real labelled images (log scale; 0 = synthetic alone)")
    ax.set_ylabel('"global" IoU on validation (%)')
    ax.set_title(curve.get("title") or "Label efficiency")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False)
    _saving_bars(bx, curve, np)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _saving_bars(bx, curve: Dict, np) -> None:
    """Labels-saved ratios per k on a log axis; hatched bars are bounds (at most / more than)."""
    from matplotlib.patches import Patch

    saved = curve["labels_saved"]
    counts = curve["counts"]
    handles = []
    width = 0.8 / max(len(saved), 1)
    colors = {ln["key"]: f"C{i}" for i, ln in enumerate(curve["lines"])}
    for i, s in enumerate(saved):
        xs = np.arange(len(s["by_count"])) + (i - (len(saved) - 1) / 2) * width
        color = colors.get(s["line"])
        for x, v in zip(xs, s["by_count"]):
            lo, hi = v["ratio_range"]
            if v["bound"]:  # beyond the measured real-only curve: an outline and an arrow, no error bar
                bx.bar(x, v["ratio"], width, facecolor="none", edgecolor=color, hatch="//")
                bx.annotate("↑" if v["bound"] == ">" else "↓", (x, v["ratio"]), ha="center",
                            va="bottom" if v["bound"] == ">" else "top", color=color)
                continue
            bx.bar(x, v["ratio"], width, color=color, yerr=[[max(v["ratio"] - lo, 0)], [max(hi - v["ratio"], 0)]],
                   capsize=2)
        handles.append(Patch(color=color, label=s["short"]))
    bx.axhline(1, color="k", linewidth=0.8)
    bx.axhline(2, color="k", linewidth=0.8, linestyle="--")
    bx.set_yscale("log")
    lo, hi = bx.get_ylim()
    ticks = [2.0 ** e for e in range(-6, 8) if lo <= 2.0 ** e <= hi] or [1.0]
    bx.set_yticks(ticks, [f"{t:g}x" for t in ticks])
    bx.minorticks_off()
    bx.set_xticks(np.arange(len(counts)), [str(k) for k in counts])
    bx.set_xlabel("real labelled images k")
    bx.set_ylabel("labels saved: real-only images needed / k")
    bx.set_title("Labels saved (dashed: halved; outlined: a bound)")
    bx.grid(axis="y", alpha=0.3, which="both")
    if handles:
        bx.legend(handles=handles, fontsize=7, loc="upper left")


def write_curve(curve: Dict, out: str | Path) -> List[Path]:
    """Write ``curve.json``, ``curve.md``, ``curve.png`` and ``curve.html`` into ``out``."""
    out = Path(out)
    paths = [out / "curve.json", out / "curve.md", out / "curve.png", out / "curve.html"]
    atomic_write_json(paths[0], curve)
    atomic_write_text(paths[1], to_markdown(curve))
    atomic_write_bytes(paths[2], curve_png(curve))
    atomic_write_text(paths[3], to_html(curve))
    return paths


def summary_lines(curve: Dict) -> List[str]:
    """The headline figures in a few lines: labels saved per k, and the pooled tuned − untuned difference."""
    out = []
    for s in curve["labels_saved"]:
        parts = ", ".join(f"k={x['count']}: {_saving(x)}" for x in s["by_count"])
        out.append(f"labels saved, {s['short']}: {parts}")
    for c in curve["comparisons"]:
        if c.get("pooled"):
            out.append(f"{c['label']}, pooled over k: {_diff(c['pooled'])}")
    return out

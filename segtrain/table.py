"""The paper's Table 1: per-class IoU of the 7 classes and "global" per training set, with deltas.

Rows are training sets (untuned synthetic, tuned synthetic, real, each synthetic set plus a share
of real), each a ``Row`` whose key, folder and label follow from what it trains on; columns are
vehicle, pedestrian, building, vegetation, road, ground, sky and global (the mean of the 7).  Delta
rows subtract one row from another, column by column; with several seeds the global difference is
also paired seed by seed, with its standard error.  Written as Markdown, JSON, a PNG bar chart and a
small HTML page.
"""
from __future__ import annotations

import html
import io
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from scenegen.io import atomic_write_bytes, atomic_write_json, atomic_write_text
from scenegen.labels import PAPER7_NAMES

COLUMNS: Tuple[str, ...] = PAPER7_NAMES + ("global",)
ALL_REAL, REAL_SHARE = "all", "share"  # a row's real images: the whole real set, or its share
PROTOCOLS = ("mix", "balanced", "finetune")  # how a synthetic row adds the real share


@dataclass(frozen=True)
class Row:
    """One row of Table 1: what it trains on and what it starts from.

    ``synthetic`` is the synthetic set ("untuned" or "tuned") the row trains on or, fine-tuned, starts
    from; ``real`` is ``ALL_REAL``, ``REAL_SHARE`` or None; ``protocol`` says how a synthetic row adds
    the real share: ``mix`` (one run, drawn uniformly), ``balanced`` (one run, a fixed real share per
    batch) or ``finetune`` (the synthetic row's model trained on the share alone).  The key (in
    ``table.json`` and the deltas), the run folder and the label follow from these fields.
    """

    synthetic: str | None = None
    real: str | None = None
    protocol: str = "mix"

    def __post_init__(self) -> None:
        if self.real not in (None, ALL_REAL, REAL_SHARE) or (self.synthetic or self.real) is None \
                or (self.synthetic is not None and self.real == ALL_REAL):
            raise ValueError(f"not a table row: {self}")
        if self.protocol not in PROTOCOLS or (self.protocol != "mix" and not self.adds_share):
            raise ValueError(f"protocol {self.protocol!r} applies only to a synthetic set plus the real share")

    @property
    def adds_share(self) -> bool:
        """Whether the row is a synthetic set plus the real share (the rows a protocol changes)."""
        return self.synthetic is not None and self.real == REAL_SHARE

    @property
    def key(self) -> str:
        """The row's name in experiment files, ``table.json`` and deltas: ``tuned``, ``real-share``, ``tuned+real``."""
        if self.synthetic is None:
            return "real" if self.real == ALL_REAL else "real-share"
        return f"{self.synthetic}+real" if self.real else self.synthetic

    @property
    def short(self) -> str:
        """The row in delta labels: ``tuned``, ``real share``, ``tuned+real``."""
        return "real share" if self.synthetic is None and self.real == REAL_SHARE else self.key

    @property
    def folder(self) -> str:
        """The run folder's name under ``rows/``."""
        if self.synthetic is None:
            return "real" if self.real == ALL_REAL else "real_share"
        if self.real is None:
            return self.synthetic
        return {"mix": "{}_plus_real", "balanced": "{}_plus_real_balanced",
                "finetune": "{}_then_real"}[self.protocol].format(self.synthetic)

    @property
    def start(self) -> "Row | None":
        """The row whose model this one starts from (None: ImageNet weights)."""
        return Row(self.synthetic) if self.adds_share and self.protocol == "finetune" else None

    @property
    def trains_on(self) -> str | None:
        """The synthetic set whose frames are in the row's training data."""
        return None if self.start is not None else self.synthetic

    @property
    def needs(self) -> Tuple[str, ...]:
        """The experiment-file keys that must give data for this row."""
        return tuple(k for k in (self.synthetic, "real" if self.real else None) if k)

    def label(self, fraction: float, real_name: str | None = None, batch_share: float | None = None) -> str:
        """The row's label, for a real share of ``fraction``, a real set called ``real_name`` and (balanced)
        ``batch_share`` of each batch real."""
        pct = f"{fraction * 100:g}%"
        if self.synthetic is None:
            return (f"Real ({real_name})" if real_name else "Real") if self.real == ALL_REAL else f"{pct} real only"
        name = self.synthetic.capitalize()
        if self.real is None:
            return f"{name} synthetic"
        if self.protocol == "finetune":
            return f"{name}, fine-tuned on {pct} real"
        if self.protocol == "balanced":
            return f"{name} + {pct} real, {batch_share * 100:g}% of each batch"
        return f"{name} + {pct} real"


# Every row, in table order.
ROWS: Tuple[Row, ...] = (Row("untuned"), Row("tuned"), Row(real=ALL_REAL), Row(real=REAL_SHARE),
                         Row("untuned", REAL_SHARE), Row("tuned", REAL_SHARE))
# The deltas of the table: (row a, row b), shown as b minus a.
DELTA_ROWS: Tuple[Tuple[Row, Row], ...] = (
    (Row("untuned"), Row("tuned")), (Row("untuned", REAL_SHARE), Row("tuned", REAL_SHARE)),
    (Row(real=REAL_SHARE), Row("untuned", REAL_SHARE)), (Row(real=REAL_SHARE), Row("tuned", REAL_SHARE)))
_ADDS_SHARE = frozenset(r.key for r in ROWS if r.adds_share)


def delta(a: Row, b: Row) -> Tuple[str, str, str]:
    """The delta "b minus a" as ``build_table`` takes it: (label, key of a, key of b)."""
    return f"{b.short} − {a.short}", a.key, b.key


def row_scores(record: Dict) -> Dict[str, float | None]:
    """The table columns of one evaluation record (``paper7_iou`` plus ``global``)."""
    scores = dict(record["paper7_iou"])
    scores["global"] = record["global"]
    return {c: scores.get(c) for c in COLUMNS}


def build_table(rows: Sequence[Dict], deltas: Sequence[Tuple[str, str, str]], title: str = "") -> Dict:
    """Assemble the table.

    ``rows``: dicts with ``key``, ``label`` and ``record`` (an evaluation record), plus any extra
    fields to keep (e.g. ``train_seconds``).  ``deltas``: (label, key_a, key_b) meaning row b minus
    row a; skipped when either row is missing.  A delta is None where either score is None.
    """
    out_rows = []
    for r in rows:
        extra = {k: v for k, v in r.items() if k not in ("record",)}
        out_rows.append({**extra, "scores": row_scores(r["record"])})
    by_key = {r["key"]: r for r in out_rows}
    out_deltas = []
    for label, a, b in deltas:
        if a not in by_key or b not in by_key:
            continue
        sa, sb = by_key[a]["scores"], by_key[b]["scores"]
        delta = {"label": label, "from": a, "to": b,
                 "scores": {c: (None if sa[c] is None or sb[c] is None else sb[c] - sa[c]) for c in COLUMNS}}
        paired = paired_global_difference(by_key[a].get("per_seed", ()), by_key[b].get("per_seed", ()))
        if paired is not None:
            delta["global_paired"] = paired
        out_deltas.append(delta)
    return {"title": title, "columns": list(COLUMNS), "rows": out_rows, "deltas": out_deltas,
            "units": "IoU in percent; global = mean IoU of the 7 classes; deltas in points"}


def paired_global_difference(runs_a: Sequence[Dict], runs_b: Sequence[Dict], min_seeds: int = 2) -> Dict | None:
    """Seed-by-seed difference of "global" (b minus a) over the seeds both rows ran.

    Runs with the same seed share the network's initialisation, the augmentation stream and, in the
    "+ real" rows, the real subset, so their difference is the fairer comparison.  Returns the seeds,
    the mean difference, its standard error (sample sd / sqrt(n); None for one seed) and how many seeds
    b won; ``None`` with fewer than ``min_seeds`` shared seeds.
    """
    ga = {r["seed"]: r["global"] for r in runs_a if r.get("global") is not None}
    gb = {r["seed"]: r["global"] for r in runs_b if r.get("global") is not None}
    seeds = sorted(set(ga) & set(gb))
    if len(seeds) < max(min_seeds, 1):
        return None
    diffs = [gb[s] - ga[s] for s in seeds]
    se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else None
    return {"seeds": seeds, "differences": diffs, "mean": statistics.fmean(diffs),
            "standard_error": se, "wins": sum(d > 0 for d in diffs)}


def paired_summary(delta: Dict) -> str | None:
    """One line on a delta's seed-paired global difference, or ``None`` without one."""
    p = delta.get("global_paired")
    if not p:
        return None
    return (f"Δ {delta['label']}, global paired by seed: {p['mean']:+.2f} ± {p['standard_error']:.2f} "
            f"(standard error, {len(p['seeds'])} seeds; ahead in {p['wins']} of {len(p['seeds'])})")


def settings_summary(table: Dict) -> str | None:
    """One line on how the rows were trained and evaluated, or ``None`` when the table does not say."""
    opts = table.get("train_options")
    if not opts:
        return None
    size = "x".join(str(v) for v in opts["size"]) if opts.get("size") else "native size"
    parts = [f"Trained: {opts['arch']}, {opts['steps']} steps, batch {opts['batch_size']}, {size}, "
             f"{opts['optimizer']} lr {opts['lr']:g}"]
    protocol = table.get("real_protocol") if any(r["key"] in _ADDS_SHARE for r in table["rows"]) else None
    if protocol == "balanced":
        parts.append(f"+ real rows: one run, {table['real_batch_share'] * 100:g}% of each batch real")
    elif protocol == "finetune":
        ft = ", ".join(f"{k} {v}" for k, v in sorted(table.get("finetune_options", {}).items()))
        parts.append("+ real rows: the synthetic row's model fine-tuned on the real share" + (f" ({ft})" if ft else ""))
    elif protocol == "mix":
        parts.append("+ real rows: one run, drawn uniformly from synthetic and real")
    if table.get("val"):
        parts.append(f"evaluated on {table['val']}")
    return "; ".join(parts) + "."


def _fmt(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.2f}" if signed else f"{v:.2f}"


def to_markdown(table: Dict) -> str:
    """The table in Markdown (deltas in italics below the rows)."""
    cols = table["columns"]
    lines = []
    if table.get("title"):
        lines += [f"**{table['title']}**", ""]
    sd = any(r.get("global_sd") is not None for r in table["rows"])
    extra = " sd (global) | seeds |" if sd else ""
    lines += ["| training set | " + " | ".join(cols) + " |" + extra, "|---|" + "---:|" * (len(cols) + 2 * sd)]
    for r in table["rows"]:
        tail = f" {_fmt(r.get('global_sd'))} | {len(r.get('seeds', [])) or 1} |" if sd else ""
        lines.append(f"| {r['label']} | " + " | ".join(_fmt(r["scores"][c]) for c in cols) + " |" + tail)
    for d in table["deltas"]:
        tail = " | |" if sd else ""
        lines.append(f"| *Δ {d['label']}* | " + " | ".join(f"*{_fmt(d['scores'][c], True)}*" for c in cols) + " |"
                     + tail)
    notes = [n for n in [*(paired_summary(d) for d in table["deltas"]), settings_summary(table)] if n]
    if notes:
        lines += [""] + [f"{n}  " for n in notes]
    return "\n".join(lines) + "\n"


def to_html(table: Dict, chart: str | None = "table.png") -> str:
    """A small self-contained HTML page with the table (and the bar chart beside it)."""
    cols = table["columns"]
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = []
    for r in table["rows"]:
        body.append(f"<tr><th>{esc(r['label'])}</th>" + "".join(
            f"<td>{_fmt(r['scores'][c])}</td>" for c in cols) + "</tr>")
    for d in table["deltas"]:
        cells = []
        for c in cols:
            v = d["scores"][c]
            cls = "" if v is None else (" class='up'" if v > 0 else " class='down'" if v < 0 else "")
            cells.append(f"<td{cls}><i>{_fmt(v, True)}</i></td>")
        body.append(f"<tr class='delta'><th>Δ {esc(d['label'])}</th>" + "".join(cells) + "</tr>")
    title = esc(table.get("title") or "Segmentation on real validation data")
    img = f"<p><img src='{esc(chart)}' alt='bar chart'></p>" if chart else ""
    notes = "".join(f"<p>{esc(n)}</p>" for n in [*(paired_summary(d) for d in table["deltas"]),
                                                   settings_summary(table)] if n)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{text-align:left}"
            ".delta{background:#f6f6f6}.up{color:#070}.down{color:#a00}</style></head><body>"
            f"<h1>{title}</h1><table><tr><th>training set</th>{head}</tr>{''.join(body)}</table>"
            f"{notes}<p>{esc(table['units'])}</p>{img}</body></html>\n")


def bar_chart_png(table: Dict) -> bytes:
    """PNG bytes of a grouped bar chart: one group per column, one bar per row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    cols, rows = table["columns"], table["rows"]
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    width = 0.8 / max(len(rows), 1)
    x = np.arange(len(cols))
    for i, r in enumerate(rows):
        vals = [np.nan if r["scores"][c] is None else r["scores"][c] for c in cols]
        ax.bar(x + (i - (len(rows) - 1) / 2) * width, vals, width, label=r["label"])
    ax.set_xticks(x, cols)
    ax.set_ylabel("IoU (%)")
    ax.set_ylim(0, 100)
    ax.set_title(table.get("title") or "Per-class IoU on real validation data")
    ax.legend(fontsize=8, loc="upper left", ncols=2)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def write_table(table: Dict, out: str | Path) -> List[Path]:
    """Write ``table.md``, ``table.json``, ``table.png`` and ``table.html`` into ``out``."""
    out = Path(out)
    paths = [out / "table.md", out / "table.json", out / "table.png", out / "table.html"]
    atomic_write_text(paths[0], to_markdown(table))
    atomic_write_json(paths[1], table)
    atomic_write_bytes(paths[2], bar_chart_png(table))
    atomic_write_text(paths[3], to_html(table, chart="table.png"))
    return paths

"""Time and memory of every catalogued bad input (tests/bad_inputs.py), each in its own process.

Issue 25's bound: no bad input may make a command use more than 2 GB or run longer than 30 s before it
exits 2. Each case runs as ``python -m scenegen.cli ARGS`` in a fresh scratch folder; the child's wall time
and peak resident memory (``wait4``) are recorded. Prints a table, the slowest and largest cases, and
writes ``OUT/bad_input.json``. Measures, never asserts; the exit code is 1 when a case did not exit 2.

    .venv/bin/python bench/bad_input.py --out runs/bench/bad_input
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))


def run_case(case, scratch: Path) -> dict:
    """Run one case in a child process: exit code, stderr lines, wall seconds, peak RSS in MB."""
    from bad_inputs import make_inputs

    make_inputs(scratch)
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "scenegen.cli", *case.argv(scratch)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in err.splitlines() if line.strip()]
    return {"case": case.name, "code": child.returncode, "lines": len(lines), "message": lines[-1] if lines else "",
            "seconds": round(wall, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/bench/bad_input")
    ap.add_argument("--only", default="", help="run only cases whose name contains this text")
    args = ap.parse_args()

    from tqdm import tqdm

    from bad_inputs import cases

    chosen = [c for c in cases() if args.only in c.name]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(tqdm(chosen, desc="bad inputs", unit="case")):
            rows.append(run_case(case, Path(tmp) / str(i)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bad_input.json").write_text(json.dumps(rows, indent=1))
    for r in rows:
        print(f"{r['case']:48s} exit {r['code']}  {r['seconds']:6.2f} s  {r['peak_mb']:7.1f} MB")
    slow, big = max(rows, key=lambda r: r["seconds"]), max(rows, key=lambda r: r["peak_mb"])
    bad = [r for r in rows if r["code"] != 2 or r["lines"] != 1]
    print(f"\n{len(rows)} cases; slowest {slow['seconds']:.2f} s ({slow['case']}); largest {big['peak_mb']:.0f} MB "
          f"({big['case']}); not exit 2 with one line: {len(bad)}")
    for r in bad:
        print(f"  {r['case']}: exit {r['code']}, {r['lines']} lines: {r['message']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

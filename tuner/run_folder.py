"""The files of one tuning run: every name the loop writes and ``report``, ``--resume`` and the bench
scripts read is defined here, once.

``DIR/run.json``                    the settings (``TuneConfig``), written first
``DIR/params_iter{k}.yaml``         the distribution after iteration k (k = 0: the start); its presence
                                    marks iteration k finished
``DIR/draws_iter{k}.json``          iteration k's draws z, folds, scores, render paths, update info
``DIR/disc_iter{k}.pt``             iteration k's fold discriminators
``DIR/metrics_iter{k}.json``        iteration k's metrics
``DIR/renders/``, ``DIR/target/``   rendered frames (tuning draws; target renders for ``params:`` runs)
``DIR/eval/<tag>/``                 frames rendered by :meth:`tuner.loop.Tuner.evaluate`
``DIR/real_examples.json``          which real images trained and evaluated the discriminators
``DIR/target_params.yaml``          the hidden target of a parameter-recovery run
``DIR/params_best.yaml``, ``best.json``   the iteration closest to the real training images
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Sequence

from scenegen.errors import UserError


class RunFolder:
    """Paths and small readers of one tuning run's folder."""

    RUN_FILE = "run.json"
    RENDERS = "renders"
    TARGET = "target"
    BEST_PARAMS = "params_best.yaml"
    BEST_FILE = "best.json"
    #: sub-folders the loop creates before ``run.json`` exists (a run killed while rendering its target)
    OWN_SUBFOLDERS = (RENDERS, TARGET)

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def check_for(self, config: Any, resume: bool) -> int:
        """UserError unless this folder can take the tuning run ``config`` (a TuneConfig): new and writable,
        or, with ``resume``, a run with the same settings. Returns its last finished iteration (-1: new)."""
        from scenegen.outdir import check_output_dir, refuse_other_runs
        from scenegen.settings import require_same_settings

        from .config import TuneConfig

        run = self.root
        if run.exists() and not run.is_dir():
            raise UserError(f"{run}: --out exists and is not a folder")
        refuse_other_runs(run, own=(self.RUN_FILE,))
        if self.is_run():
            if not resume:
                raise UserError(f"{run}: already holds a tuning run; pass --resume to continue it or choose a new --out")
            stored = TuneConfig.from_dict(self.read_description()["config"])
            require_same_settings(self.run_file, stored.to_dict(), config.to_dict(), "resume",
                                  ignore=TuneConfig.NON_SEMANTIC)
            return self.finished_iterations()
        if self.holds_other_files():
            raise UserError(f"{run}: --out folder is not empty and holds no tuning run")
        check_output_dir(run)
        return -1

    def __repr__(self) -> str:
        return f"RunFolder({str(self.root)!r})"

    # -- names ------------------------------------------------------------------------------------
    @property
    def run_file(self) -> Path:
        return self.root / self.RUN_FILE

    @property
    def renders(self) -> Path:
        return self.root / self.RENDERS

    @property
    def target(self) -> Path:
        return self.root / self.TARGET

    @property
    def target_params(self) -> Path:
        return self.root / "target_params.yaml"

    @property
    def real_examples(self) -> Path:
        return self.root / "real_examples.json"

    @property
    def best_params(self) -> Path:
        return self.root / self.BEST_PARAMS

    @property
    def best_file(self) -> Path:
        return self.root / self.BEST_FILE

    def eval_dir(self, tag: str) -> Path:
        return self.root / "eval" / tag

    @staticmethod
    def params_name(k: int) -> str:
        return f"params_iter{k}.yaml"

    def params(self, k: int) -> Path:
        return self.root / self.params_name(k)

    def metrics(self, k: int) -> Path:
        return self.root / f"metrics_iter{k}.json"

    def disc(self, k: int) -> Path:
        return self.root / f"disc_iter{k}.pt"

    def draws(self, k: int) -> Path:
        return self.root / f"draws_iter{k}.json"

    # -- state ------------------------------------------------------------------------------------
    def is_run(self) -> bool:
        """Whether the folder holds a tuning run (its ``run.json``)."""
        return self.run_file.is_file()

    def holds_other_files(self) -> bool:
        """Whether the folder holds anything but the sub-folders the loop creates before ``run.json``."""
        return self.root.is_dir() and any(
            p for p in self.root.iterdir()
            if not p.name.startswith(".") and not (p.is_dir() and p.name in self.OWN_SUBFOLDERS))

    def finished_iterations(self) -> int:
        """Highest ``k`` with ``params_iter{k}.yaml`` (and, for k > 0, its checkpoint); -1 if none."""
        k = -1
        while self.params(k + 1).is_file() and (k + 1 == 0 or self.disc(k + 1).is_file()):
            k += 1
        return k

    def read_description(self) -> Dict[str, Any]:
        """``run.json`` as a mapping (UserError when it is missing or unreadable)."""
        if not self.is_run():
            raise UserError(f"{self.root}: not a tuning run (no {self.RUN_FILE})")
        try:
            description = json.loads(self.run_file.read_text())
            description["config"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise UserError(f"{self.run_file}: unreadable run description ({e})") from None
        return description

    def read_draws(self, k: int) -> Dict[str, Any]:
        """``draws_iter{k}.json``."""
        return json.loads(self.draws(k).read_text())

    def require_draws_name(self, names: Sequence[str]) -> None:
        """UserError when the stored draws lack one of the variables ``names`` (a run an older scenegen began,
        before the variable existed): its renders cannot be weighed under the current space."""
        if not self.draws(1).is_file():
            return
        zs = self.read_draws(1)["z"]
        missing = [n for n in names if zs and n not in zs[0]]
        if missing:
            raise UserError(f"{self.root}: this run was begun by an older scenegen, whose scenes had no variable "
                            f"{missing[0]!r}" + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else "")
                            + "; it cannot be resumed: start a new run with another --out")

    def load_metrics(self) -> List[Dict[str, Any]]:
        """All ``metrics_iter{k}.json``, in order."""
        out = []
        k = 0
        while self.metrics(k).is_file():
            out.append(json.loads(self.metrics(k).read_text()))
            k += 1
        return out

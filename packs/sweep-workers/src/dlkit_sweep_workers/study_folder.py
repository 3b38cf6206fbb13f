"""What `make sweep-summary` writes about a whole Optuna study, every worker's trials:
`logs/studies/<study name>/` (the sweeps of one worker each keep their own folders)."""

from pathlib import Path


class StudyFolder:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.summary_csv, self.summary_png = (
            self.root / f"study_summary.{e}" for e in ("csv", "png")
        )
        self.importance_png = self.root / "param_importances.png"
        self.parallel_coordinate_png = self.root / "parallel_coordinate.png"
        self.timeline_png = self.root / "timeline.png"

    @classmethod
    def of_study(cls, log_dir: str | Path, study_name: str) -> "StudyFolder":
        return cls(Path(log_dir) / "studies" / study_name)

"""Classical baselines on the variants' own split: what a deep net has to beat on these tasks."""

from __future__ import annotations

import time

from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from fit_data import Split


def run_sklearn(split: Split) -> list[dict]:
    """Classical baselines on the same split, flattened: the comparison the course asks for."""
    x = {s: v.flatten(1).cpu().numpy() for s, v in split.x.items()}
    y = {s: v.cpu().numpy() for s, v in split.y.items()}
    rows = []
    for name, estimator in (
        ("logistic regression", LogisticRegression(max_iter=2000)),
        ("SVM (RBF kernel)", SVC()),
        ("random forest (200 trees)", RandomForestClassifier(200, random_state=0, n_jobs=1)),
    ):
        start = time.perf_counter()
        estimator.fit(x["train"], y["train"])
        fit_s = time.perf_counter() - start
        rows.append(
            {"name": name, "fit_s": fit_s, "accuracy": estimator.score(x["test"], y["test"])}
        )
    return rows

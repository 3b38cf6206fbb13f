"""The TF-IDF baselines' estimator (`configs/baseline/tfidf_*.yaml`): n-gram TF-IDF features
fitted on the training texts, then a classical model, as one scikit-learn pipeline.

The core fits any estimator a baseline config names on `baseline_inputs("train")`, which for
text are the raw strings; this builder only turns the config's values into what scikit-learn
checks for (`ngram_range` a tuple, where a config holds a list).
"""

from collections.abc import Mapping
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline


def tfidf_pipeline(vectorizer: Mapping[str, Any], estimator: BaseEstimator) -> Pipeline:
    """`TfidfVectorizer(**vectorizer)` followed by `estimator`, fitted together on texts."""
    settings = dict(vectorizer)
    if "ngram_range" in settings:
        settings["ngram_range"] = tuple(settings["ngram_range"])
    return make_pipeline(TfidfVectorizer(**settings), estimator)

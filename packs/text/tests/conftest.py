"""Fixtures of the text tests: small fabricated text data sets, learnable in a few steps, of any
length up to a dozen words.

Each text is a handful of filler words with one keyword that names its class, at a random place,
so a net must find the keyword wherever it is and whatever the padding after it. `texts_csv` and
`text_folder` write them; `text_csv_overrides` writes them and gives the overrides that train on
them through `data=text_csv`.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FILLER = ("the", "a", "some", "very", "of", "and", "we", "it", "was", "today", "then", "so")
KEYWORDS = {"politics": "vote", "sports": "goal", "weather": "rain"}


def make_keyword_texts(n: int = 150, seed: int = 0) -> pd.DataFrame:
    """Columns `id`, `body` (the text), `team` (its class) and `stars` (a number it implies:
    the count of "good" at its end)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        team = list(KEYWORDS)[i % len(KEYWORDS)]
        words = [str(w) for w in rng.choice(FILLER, size=rng.integers(1, 7))]
        words.insert(int(rng.integers(0, len(words) + 1)), KEYWORDS[team])
        good = int(rng.integers(0, 3))
        words += ["good"] * good
        rows.append({"id": i, "body": " ".join(words), "team": team, "stars": float(good)})
    return pd.DataFrame(rows)


def write_texts_csv(path: Path, n: int = 150, seed: int = 0) -> Path:
    make_keyword_texts(n, seed).to_csv(path, index=False)
    return path


def write_text_folder(root: Path, n: int = 60) -> Path:
    """`root/<class>/<i>.txt`, one text per file."""
    for row in make_keyword_texts(n).itertuples():
        folder = root / row.team
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{row.id:03d}.txt").write_text(row.body, encoding="utf-8")
    return root


def text_csv_train_overrides(path: Path) -> list[str]:
    """Overrides for `data=text_csv` on the keyword texts in `path` (written there)."""
    write_texts_csv(path)
    return [
        "data=text_csv",
        f"data.path={path}",
        "data.text_column=body",
        "data.target=team",
        "data.vocab_size=100",
        "data.batch_size=32",
        "model.net.embedding_dim=16",
    ]


@pytest.fixture(scope="session")
def keyword_texts() -> Callable[..., pd.DataFrame]:
    """keyword_texts(n=150, seed=0) -> the texts as a DataFrame (`make_keyword_texts`)."""
    return make_keyword_texts


@pytest.fixture(scope="session")
def keywords() -> dict[str, str]:
    """class -> the keyword that names it."""
    return dict(KEYWORDS)


@pytest.fixture
def texts_csv(tmp_path) -> Path:
    """150 keyword texts in tmp_path/texts.csv."""
    return write_texts_csv(tmp_path / "texts.csv")


@pytest.fixture
def text_folder(tmp_path) -> Path:
    """60 keyword texts as tmp_path/texts/<class>/<i>.txt."""
    return write_text_folder(tmp_path / "texts")


@pytest.fixture(scope="session")
def text_csv_overrides() -> Callable[[Path], list[str]]:
    """text_csv_overrides(path) -> the keyword texts written to `path`, and the overrides that
    train on them (`data=text_csv` …)."""
    return text_csv_train_overrides

"""Small fabricated text data sets: learnable in a few steps, of any length up to a dozen words.

Each text is a handful of filler words with one keyword that names its class, at a random place,
so a net must find the keyword wherever it is and whatever the padding after it. `text_csv`
writes them and gives the overrides that train on them through `data=text_csv`.
"""

from pathlib import Path

import numpy as np
import pandas as pd

FILLER = ("the", "a", "some", "very", "of", "and", "we", "it", "was", "today", "then", "so")
KEYWORDS = {"politics": "vote", "sports": "goal", "weather": "rain"}


def keyword_texts(n: int = 150, seed: int = 0) -> pd.DataFrame:
    """Columns `id`, `body` (the text), `team` (its class) and `stars` (a number it implies)."""
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
    keyword_texts(n, seed).to_csv(path, index=False)
    return path


def write_text_folder(root: Path, n: int = 60) -> Path:
    """`root/<class>/<i>.txt`, one text per file."""
    for row in keyword_texts(n).itertuples():
        folder = root / row.team
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{row.id:03d}.txt").write_text(row.body, encoding="utf-8")
    return root


def text_csv(path: Path) -> list[str]:
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

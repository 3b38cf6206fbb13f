"""Text data: samples are strings, turned into token ids [L] by a tokenizer fitted on the
training split only (`dlkit_text.data.tokenizer`), padded with id 0 to one length L.

Ids are not standardized (they are names of tokens, not measurements) and stay integers up to
the net, which embeds them (`dlkit_text.nets.tokens`). The raw strings of each split are kept
(`texts`) for the TF-IDF baseline (`baseline_inputs`) and the reports on test samples
(`test_table`). The fitted tokenizer travels in every checkpoint (a JSON string) and in the run
folder as `tokenizer.json`, and encodes validation, test and new texts exactly as training's.
"""

import logging
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from dlkit.config.values import integer, require
from dlkit.data.base import BaseDataModule
from dlkit.data.samples import LoadedData
from dlkit.errors import ConfigError, DataError
from dlkit.runs.distributed import is_global_zero_process
from dlkit.runs.folder import RunFolder, write_text_atomic
from dlkit_text.data.files import (
    TEXT_SUFFIX,
    checked_texts,
    read_text_csv,
    read_text_files,
    read_utf8,
    text_files,
)
from dlkit_text.data.tokenizer import (
    PADDING_ID,
    encode,
    fit_tokenizer,
    read_tokens,
    tokenizer_from_state,
)
from dlkit_text.run_files import tokenizer_file

log = logging.getLogger(__name__)

# the vocabulary holds padding and the unknown token besides at least one real token
VOCAB_SIZE = integer(3)
MAX_LENGTH = integer(1)  # tokens per text


class TextDataModule(BaseDataModule):
    """Texts as token ids; any `BaseDataModule` argument (except `normalize`, always off) and:

    - `tokenizer`: `char`, `word`, `bpe` or `wordpiece`, trained on the training texts;
    - `vocab_size`: the most tokens the vocabulary holds, padding and unknown included;
    - `max_length`: the most tokens per text; longer texts are truncated (and counted);
    - `lowercase`: lowercase every text first.

    Subclass it with a `load` that returns LoadedData(x=[N] strings, y=[N]).
    """

    modality = "text"
    #: a classical model reads the raw strings (`configs/baseline/tfidf_*.yaml`)
    baseline_reads = "texts"
    #: the CSV column `make predict` reads new texts from
    text_column = "text"
    #: a .txt file of new inputs holds one text per line (False: the whole file is one text)
    text_per_line = True
    sep = ","

    def __init__(
        self,
        *args,
        tokenizer: str = "char",
        vocab_size: int = 8000,
        max_length: int = 256,
        lowercase: bool = True,
        normalize: bool = False,
        **kwargs,
    ) -> None:
        if normalize:
            raise ConfigError(
                "token ids are names of tokens, not measurements, and are never standardized: "
                "set data.normalize=false for text data"
            )
        super().__init__(*args, normalize=False, **kwargs)
        self.tokenizer_kind = tokenizer
        self.vocab_size = require("vocab_size", vocab_size, VOCAB_SIZE)
        self.max_length = require("max_length", max_length, MAX_LENGTH)
        self.lowercase = lowercase
        self.tokenizer = None
        #: each split's raw strings, in the order of its samples
        self.texts: dict[str, list[str]] = {}

    # ----------------------------------------------------------------- training data
    def on_split(self, data: LoadedData, rows: dict[str, np.ndarray | None]) -> None:
        texts = list(data.x)
        self.texts = {
            split: list(data.x_test) if index is None else [texts[i] for i in index]
            for split, index in rows.items()
        }

    def test_table(self) -> pd.DataFrame:
        """The test split's raw strings in the order of its samples, for reports that show each
        test sample beside its row (the most confident mistakes show their texts)."""
        return pd.DataFrame({"text": self.texts["test"]})

    def encode(self, x: Any, train_index: np.ndarray | None) -> torch.Tensor:
        texts = list(x)
        if train_index is not None:
            self.tokenizer = fit_tokenizer(
                [texts[i] for i in train_index],
                self.tokenizer_kind,
                self.vocab_size,
                self.max_length,
                self.lowercase,
            )
        if self.tokenizer is None:
            raise DataError("the tokenizer is not fitted: call setup() or load_state_dict()")
        return encode(self.tokenizer, texts, "texts")

    def model_kwargs(self) -> dict:
        """The sizes, and the vocabulary the net embeds (`dlkit_text.nets`)."""
        net_kwargs = {"vocab_size": self.tokenizer.get_vocab_size(), "padding_id": PADDING_ID}
        return {**super().model_kwargs(), "net_kwargs": net_kwargs}

    def baseline_inputs(self, split: str) -> tuple[list[str], np.ndarray]:
        """A split's raw strings and targets: a TF-IDF baseline fits its own features."""
        targets = self._require(split)[1]  # streamed files: a message, not a KeyError
        return self.texts[split], targets.numpy()

    def transform_batch(self, x: torch.Tensor, augment: bool = False) -> torch.Tensor:
        """Token ids as they are: no float conversion, no standardization, no augmentation."""
        return x

    # ----------------------------------------------------------------- what was fitted
    def extra_state(self) -> dict:
        return {"tokenizer": self.tokenizer.to_str() if self.tokenizer else None}

    def load_extra_state(self, state: dict) -> None:
        saved = state.get("tokenizer")
        self.tokenizer = tokenizer_from_state(saved) if saved else None

    def write_files(self, folder: RunFolder) -> None:
        if self.tokenizer is not None and is_global_zero_process():
            write_text_atomic(tokenizer_file(folder), self.tokenizer.to_str(pretty=True))

    # ----------------------------------------------------------------- new inputs
    def input_batches(self, path: str | Path, batch_size: int) -> Iterator[torch.Tensor]:
        """A folder of .txt files read and encoded in the loader's workers a batch at a time,
        as a streamed text folder trains (`make predict` never holds every text); a CSV or .txt
        file is read at once."""
        path = Path(path).expanduser()
        if not path.is_dir():
            yield from super().input_batches(path, batch_size)
            return
        read = partial(read_tokens, tokenizer=self.tokenizer)
        yield from self.file_batches(
            path, [str(f) for f in self._new_files(path)], read, batch_size
        )

    def input_columns(self, path: Path) -> dict[str, list]:
        """Each text beside its prediction (`predictions.csv`); for a folder, each file
        (relative to it), so that the table does not hold every document."""
        path = Path(path).expanduser()
        if path.is_dir():
            return {"input": [str(f.relative_to(path)) for f in self._new_files(path)]}
        return {"text": self.read_inputs(path)}

    @staticmethod
    def _new_files(folder: Path) -> list[Path]:
        """The .txt files of a folder of new texts, in the order of their predictions."""
        files = text_files(folder)
        if not files:
            raise DataError(f"{folder} holds no {TEXT_SUFFIX} files: give a folder of texts")
        return files

    def read_inputs(self, path: Path) -> list[str]:
        """New texts: a CSV file with the text column (its other columns are ignored), a .txt
        file (one text per line, or the whole file for a folder of documents), or a folder of
        .txt files (one text each)."""
        if not path.exists():
            raise DataError(f"input file not found: {path}")
        if path.is_dir():
            return read_text_files(self._new_files(path))
        if path.suffix.lower() == ".csv":
            frame = read_text_csv(path, [self.text_column], self.sep)
            return checked_texts(frame[self.text_column], self.text_column, path)
        if path.suffix.lower() == TEXT_SUFFIX:
            if not self.text_per_line:
                return read_text_files([path])
            lines = [line for line in read_utf8(path).splitlines() if line.strip()]
            if not lines:
                raise DataError(f"{path} holds no text: write one text per line")
            return lines
        raise DataError(
            f"cannot read texts from {path}: {type(self).__name__} reads a .csv file with a "
            f"{self.text_column!r} column, a {TEXT_SUFFIX} file or a folder of {TEXT_SUFFIX} files"
        )

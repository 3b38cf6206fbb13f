"""Texts from files, checked: UTF-8 or a message with the byte where it stops being UTF-8, and
every empty or non-text cell named by its line.

Decoded here rather than by pandas: its decoding error gives a position inside a read buffer,
not in the file, and names no line.
"""

from pathlib import Path

import pandas as pd

from dlkit.data.tables import read_csv
from dlkit.errors import DataError

TEXT_SUFFIX = ".txt"
#: lines and files named in a message, at most
SHOWN = 5


def read_utf8(path: Path) -> str:
    """The file's text (a UTF-8 byte-order mark is dropped); not UTF-8: the file and byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{path} is not UTF-8 text: byte offset {error.start} (line {line}) holds "
            f"{data[error.start : error.start + 1]!r} ({error.reason}). Save the file as UTF-8, "
            f"e.g. `iconv -f latin1 -t utf-8 {path.name} > utf8_{path.name}`"
        ) from error


def read_text_csv(path: Path, columns: list[str], sep: str) -> pd.DataFrame:
    """A UTF-8 CSV file that has `columns`; a missing one is named with those there are."""
    if path.is_file():
        read_utf8(path)  # the byte offset of bad encoding, before pandas reads it
    frame = read_csv(path, sep=sep)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"column(s) {missing} are not in {path}: its columns are {list(frame.columns)}. "
            "Set data.text_column (and data.target) to the columns of texts and labels"
        )
    return frame


def checked_texts(values: pd.Series, column: str, path: Path) -> list[str]:
    """The cells of a text column; empty, blank or non-text cells stop with their lines
    (the header is line 1, each row one line)."""
    is_text = values.map(lambda v: isinstance(v, str)).to_numpy(bool)
    empty = values.isna().to_numpy() | values.map(lambda v: str(v).strip() == "").to_numpy(bool)
    for bad, what, fix in (
        (empty, "empty or blank", "fill or remove those rows"),
        (~empty & ~is_text, "non-text", "point data.text_column at the column of texts"),
    ):
        if bad.any():
            lines = [int(i) + 2 for i in values.index[bad][:SHOWN]]
            more = "…" if bad.sum() > SHOWN else ""
            raise DataError(
                f"text column {column!r} of {path} has {int(bad.sum())} {what} cell(s) such as "
                f"{values[bad].tolist()[0]!r} (lines {lines}{more}): {fix}"
            )
    return values.tolist()


def text_files(folder: Path) -> list[Path]:
    """The .txt files under `folder`, in sorted order."""
    return sorted(p for p in folder.rglob(f"*{TEXT_SUFFIX}") if p.is_file())


def read_text_files(paths: list[Path]) -> list[str]:
    """One text per file; empty files are named."""
    texts = [read_utf8(p) for p in paths]
    empty = [str(p) for p, text in zip(paths, texts, strict=True) if not text.strip()]
    if empty:
        raise DataError(
            f"{len(empty)} text file(s) are empty or blank, such as {empty[:SHOWN]}: "
            "remove them or give them text"
        )
    return texts


def read_document(path: Path) -> str:
    """One file's text (a document of a text folder); an empty or blank file is named."""
    text = read_utf8(Path(path))
    if not text.strip():
        raise DataError(f"text file {path} is empty or blank: remove it or give it text")
    return text


def list_text_folder(root: Path) -> tuple[list[Path], list[int], list[str]]:
    """The .txt files, their class indices and the class names of a folder with one sub-folder
    of .txt files per class (`root/<class>/*.txt`): listed, not read."""
    if not root.is_dir():
        raise DataError(
            f"text folder not found: {root}. Point data.path at a folder with one sub-folder "
            "of .txt files per class"
        )
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files = {name: text_files(root / name) for name in classes}
    empty = [name for name in classes if not files[name]]
    if not classes or empty:
        raise DataError(
            f"{root} needs one sub-folder of {TEXT_SUFFIX} files per class, but "
            + (f"the sub-folder(s) {empty} hold none" if classes else "it has no sub-folders")
        )
    paths = [p for name in classes for p in files[name]]
    labels = [k for k, name in enumerate(classes) for _ in files[name]]
    return paths, labels, classes

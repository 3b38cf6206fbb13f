"""Bad text input stops with one message that names the cause and the fix."""

from pathlib import Path

import pytest

from dlkit.errors import BadInput
from dlkit_text.data.surnames import SurnamesDataModule
from dlkit_text.data.text_csv import TextCSVDataModule
from dlkit_text.data.text_folder import TextFolderDataModule


def _setup_csv(path: Path, **kwargs) -> TextCSVDataModule:
    kwargs = {"text_column": "body", "target": "team", "vocab_size": 200, **kwargs}
    datamodule = TextCSVDataModule(str(path), **kwargs)
    datamodule.setup("fit")
    return datamodule


def _csv(tmp_path: Path, frame, change=None) -> Path:
    path = tmp_path / "texts.csv"
    (change(frame) if change else frame).to_csv(path, index=False)
    return path


def _blank(frame, rows, value):
    frame.loc[rows, "body"] = value
    return frame


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (
            None,
            {"text_column": "review"},
            r"column\(s\) \['review'\] are not in .*texts.csv: its columns are "
            r"\['id', 'body', 'team', 'stars'\]. Set data.text_column",
        ),
        (None, {"target": "label"}, r"column\(s\) \['label'\] are not in"),
        (
            lambda f: _blank(f, [3, 7], None),
            {},
            r"'body' of .* has 2 empty or blank cell\(s\) such as nan \(lines \[5, 9\]\)",
        ),
        (lambda f: _blank(f, [4], "   "), {}, r"1 empty or blank cell\(s\) .*lines \[6\]"),
        (
            None,
            {"text_column": "stars"},
            r"'stars' .* has 150 non-text cell\(s\) such as \d.0 \(lines \[2, 3, 4, 5, 6\]…\): "
            r"point data.text_column at the column of texts",
        ),
        (
            None,
            {"tokenizer": "char", "vocab_size": 10},
            r"data.vocab_size=10 is smaller than the 18 distinct characters .* at least 20",
        ),
        (
            lambda f: f.assign(team=["rare", *f["team"].tolist()[1:]]),
            {},
            r"stratified split needs at least one sample of every class .*the smallest has 1\)",
        ),
        (None, {"tokenizer": "sentencepiece"}, r"unknown tokenizer 'sentencepiece': choose one"),
        (None, {"normalize": True}, r"never standardized: set data.normalize=false"),
        (None, {"vocab_size": 2}, r"vocab_size must be at least 3"),
        (None, {"max_length": 0}, r"max_length must be at least 1"),
    ],
)
def test_bad_csv_texts(tmp_path, keyword_texts, change, kwargs, message):
    path = _csv(tmp_path, keyword_texts(), change)
    with pytest.raises(BadInput, match=message):
        _setup_csv(path, **kwargs)


def test_a_file_that_is_not_utf8_names_the_byte(tmp_path):
    path = tmp_path / "latin1.csv"
    before = "body,team\nthe vote,politics\nun caf"  # 34 bytes, then a Latin-1 é
    path.write_bytes(f"{before}\xe9,sports\n".encode("latin-1"))
    offset = len(before.encode())
    with pytest.raises(
        BadInput, match=rf"latin1.csv is not UTF-8 text: byte offset {offset} \(line 3\)"
    ):
        _setup_csv(path)


def test_a_text_folder_with_a_bad_file(text_folder):
    root = text_folder
    bad = root / "sports" / "latin1.txt"
    bad.write_bytes("caf\xe9 goal".encode("latin-1"))
    with pytest.raises(BadInput, match=rf"{bad} is not UTF-8 text: byte offset 3 \(line 1\)"):
        TextFolderDataModule(str(root)).setup("fit")
    bad.write_text("  \n")
    with pytest.raises(BadInput, match=r"1 text file\(s\) are empty or blank, such as .*latin1"):
        TextFolderDataModule(str(root)).setup("fit")


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        (None, r"text folder not found: .*nowhere. Point data.path"),
        ("flat", r"needs one sub-folder of .txt files per class, but it has no sub-folders"),
        ("empty_class", r"but the sub-folder\(s\) \['music'\] hold none"),
    ],
)
def test_a_folder_not_laid_out_by_class(tmp_path, text_folder, layout, message):
    root = tmp_path / "nowhere"
    if layout == "flat":
        root.mkdir()
        (root / "a.txt").write_text("a text")
    elif layout == "empty_class":
        text_folder.rename(root)
        (root / "music").mkdir()
    with pytest.raises(BadInput, match=message):
        TextFolderDataModule(str(root)).setup("fit")


def test_unknown_languages_name_the_choices():
    with pytest.raises(BadInput, match=r"data.languages=\['Klingon'\]: choose two or more of"):
        SurnamesDataModule(languages=["Klingon"]).setup("fit")


def test_new_inputs_without_the_text_column(tmp_path, texts_csv):
    datamodule = _setup_csv(texts_csv)
    (tmp_path / "new.csv").write_text("review\nthe vote\n")
    with pytest.raises(BadInput, match=r"\['body'\] are not in .*new.csv: its columns are"):
        datamodule.load_inputs(tmp_path / "new.csv")
    (tmp_path / "new.json").write_text("[]")
    with pytest.raises(BadInput, match=r"reads a .csv file with a 'body' column, a .txt file"):
        datamodule.load_inputs(tmp_path / "new.json")
    with pytest.raises(BadInput, match=r"input file not found"):
        datamodule.load_inputs(tmp_path / "none.csv")

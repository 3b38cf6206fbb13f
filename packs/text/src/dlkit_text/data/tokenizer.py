"""Texts as token ids: a tokenizer trained on the training texts only, then fixed.

Hugging Face `tokenizers` trains every kind in-process, offline, and writes the whole tokenizer
(normalizer, splitting, vocabulary, truncation, padding) as one JSON string: the checkpoint
holds that string (plain data, so `torch.load(weights_only=True)` reads it) and the run folder
holds it as `tokenizer.json`, which `tokenizers.Tokenizer.from_file` loads without this package.

Kinds (`data.tokenizer=…`):
- `char`: one token per character (Unicode NFC), the classic for names and short strings;
- `word`: one token per word or punctuation run, the `vocab_size` most frequent words;
- `bpe`: byte-pair-encoding subwords, merged from characters up to `vocab_size` tokens;
- `wordpiece`: BERT's subwords (`##` continues a word), learned the same way.

Id 0 is padding and id 1 the unknown token: a character or word the training texts never had
maps to 1, and padding is masked by the nets (`dlkit_text.nets.tokens`).
"""

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from dlkit.config.values import check_choice
from dlkit.errors import DataError
from dlkit_text.data.files import read_document

log = logging.getLogger(__name__)

PAD, UNK = "[PAD]", "[UNK]"
PADDING_ID, UNKNOWN_ID = 0, 1
SPECIAL_TOKENS = [PAD, UNK]
KINDS = ("char", "word", "bpe", "wordpiece")
#: kinds whose vocabulary must hold every character of the training texts
SUBWORD_OR_CHAR = ("char", "bpe", "wordpiece")


def fit_tokenizer(
    texts: Sequence[str], kind: str, vocab_size: int, max_length: int, lowercase: bool
) -> Tokenizer:
    """A tokenizer trained on `texts` (the training split's; any sequence that can be iterated
    more than once, such as texts read from their files as they are asked for); every text it
    encodes becomes exactly `length` ids: the longest training text, at most `max_length` tokens."""
    check_choice("tokenizer", kind, KINDS)
    tokenizer = Tokenizer(_model(kind))
    steps = [normalizers.NFC(), *([normalizers.Lowercase()] if lowercase else [])]
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = (
        pre_tokenizers.Split("", behavior="isolated")  # every character a piece of its own
        if kind == "char"
        else pre_tokenizers.Whitespace()
    )
    if kind in SUBWORD_OR_CHAR:
        _check_vocab_size(texts, tokenizer, vocab_size)
    tokenizer.train_from_iterator(texts, trainer=_trainer(kind, vocab_size))
    longest = max(len(e.ids) for chunk in _chunks(texts) for e in tokenizer.encode_batch(chunk))
    length = min(max_length, max(longest, 1))
    tokenizer.enable_truncation(length)
    tokenizer.enable_padding(pad_id=PADDING_ID, pad_token=PAD, length=length)
    log.info(
        "%s tokenizer fitted on %d training texts: %d tokens, texts as %d ids",
        kind,
        len(texts),
        tokenizer.get_vocab_size(),
        length,
    )
    return tokenizer


def _chunks(texts: Iterable[str], size: int = 1024) -> Iterator[list[str]]:
    """`texts` a list of `size` at a time: texts read from files need not be in memory at once."""
    chunk = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def encode(tokenizer: Tokenizer, texts: Sequence[str], what: str) -> torch.Tensor:
    """[N, length] token ids (int64); longer texts are truncated, and counted in the log."""
    encodings = tokenizer.encode_batch(list(texts))
    truncated = sum(1 for e in encodings if e.overflowing)
    if truncated:
        log.info(
            "%d of %d %s are longer than %d tokens (the longest training text, at most "
            "data.max_length) and were truncated",
            truncated,
            len(encodings),
            what,
            tokenizer.truncation["max_length"],
        )
    return torch.tensor([e.ids for e in encodings], dtype=torch.long).reshape(len(encodings), -1)


def read_tokens(path: str, tokenizer: Tokenizer | None) -> torch.Tensor:
    """One file's text as its token ids [length] (int64): what the loader's workers decode
    (a streamed text folder, a folder of new texts for `make predict`)."""
    if tokenizer is None:
        raise RuntimeError("the tokenizer is fitted before any file is read (on_split_files)")
    return torch.tensor(tokenizer.encode(read_document(Path(path))).ids, dtype=torch.long)


def tokenizer_from_state(state: str) -> Tokenizer:
    """The tokenizer saved as `tokenizer.to_str()` (the checkpoint's plain-data copy)."""
    return Tokenizer.from_str(state)


def _model(kind: str) -> models.Model:
    if kind == "bpe":
        return models.BPE(unk_token=UNK)
    if kind == "wordpiece":
        return models.WordPiece(unk_token=UNK)
    return models.WordLevel(unk_token=UNK)  # char and word: a lookup table of pieces


def _trainer(kind: str, vocab_size: int) -> trainers.Trainer:
    settings = {"vocab_size": vocab_size, "special_tokens": SPECIAL_TOKENS, "show_progress": False}
    if kind == "bpe":
        return trainers.BpeTrainer(**settings)
    if kind == "wordpiece":
        return trainers.WordPieceTrainer(**settings)
    return trainers.WordLevelTrainer(**settings)


def _check_vocab_size(texts: Sequence[str], tokenizer: Tokenizer, vocab_size: int) -> None:
    """Characters and subwords start from every character of the training texts; a smaller
    vocabulary cannot hold them (the trainers would quietly exceed `vocab_size`)."""
    characters = Counter()
    for text in texts:
        characters.update(tokenizer.normalizer.normalize_str(text))
    needed = len(characters) + len(SPECIAL_TOKENS)
    if vocab_size < needed:
        rare = "".join(c for c, _ in characters.most_common()[-10:])
        raise DataError(
            f"data.vocab_size={vocab_size} is smaller than the {len(characters)} distinct "
            f"characters of the training texts plus {len(SPECIAL_TOKENS)} special tokens "
            f"(the rarest: {rare!r}): raise data.vocab_size to at least {needed}, or use "
            "data.tokenizer=word"
        )

"""The files text runs add to a run folder (`dlkit.runs.folder.RunFolder` names the core's):

<run>/tokenizer.json    the tokenizer fitted on the training texts; Hugging Face
                        `tokenizers.Tokenizer.from_file` loads it without this package
"""

from pathlib import Path

from dlkit.runs.folder import RunFolder

TOKENIZER_JSON = "tokenizer.json"


def tokenizer_file(folder: RunFolder) -> Path:
    return folder.root / TOKENIZER_JSON

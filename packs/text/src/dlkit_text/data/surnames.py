"""Which language is this surname? The classic character-level text task, offline.

The surname lists that the `faker` package ships per locale (collected by its contributors from
census and name-frequency lists) are read as they are; nothing is generated. A name listed for
two or more of the chosen languages ("Adam", "Martin") cannot be told apart by its letters and
is left out; the rest are labelled by language. With the ten default languages that is 6,657
names (faker 40.63), from 326 French to 1,151 Italian ones, a few to 40 characters long.
"""

import importlib
from collections import Counter

import torch

from dlkit.data.samples import LoadedData
from dlkit.errors import DataError
from dlkit_text.data.text import TextDataModule

#: language -> the faker locale whose surnames it takes
LOCALES = {
    "Croatian": "hr_HR",
    "Czech": "cs_CZ",
    "Dutch": "nl_NL",
    "English": "en_US",
    "Estonian": "et_EE",
    "Finnish": "fi_FI",
    "French": "fr_FR",
    "German": "de_DE",
    "Hungarian": "hu_HU",
    "Irish": "ga_IE",
    "Italian": "it_IT",
    "Latvian": "lv_LV",
    "Portuguese": "pt_BR",
    "Slovak": "sk_SK",
    "Slovene": "sl_SI",
    "Spanish": "es_ES",
    "Swedish": "sv_SE",
    "Turkish": "tr_TR",
}
DEFAULT_LANGUAGES = (
    "Croatian",
    "Dutch",
    "English",
    "Estonian",
    "Finnish",
    "French",
    "German",
    "Italian",
    "Spanish",
    "Swedish",
)


class SurnamesDataModule(TextDataModule):
    """Surnames labelled by language (`languages`: any of `LOCALES`; ten by default), one
    character per token by default. Any `TextDataModule` argument."""

    tasks = ("classification",)

    def __init__(self, *args, languages: tuple[str, ...] = DEFAULT_LANGUAGES, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.languages = sorted(languages)

    def load(self) -> LoadedData:
        unknown = [name for name in self.languages if name not in LOCALES]
        if unknown or len(self.languages) < 2:
            raise DataError(
                f"data.languages={list(self.languages)}: choose two or more of {sorted(LOCALES)}"
                + (f" ({unknown} are not among them)" if unknown else "")
            )
        names = {language: surnames(LOCALES[language]) for language in self.languages}
        listed = Counter(name for found in names.values() for name in found)
        texts, labels = [], []
        for label, language in enumerate(self.languages):
            kept = [name for name in names[language] if listed[name] == 1]
            texts += kept
            labels += [label] * len(kept)
        return LoadedData(x=texts, y=torch.tensor(labels), class_names=list(self.languages))


def surnames(locale: str) -> list[str]:
    """The distinct surnames faker lists for `locale`, sorted."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    return sorted({str(name).strip() for name in provider.last_names} - {""})

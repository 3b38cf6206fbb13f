"""Spoken digits, the audio data set that works offline: "zero" … "nine" said by a speech
synthesizer in many voices, rates and pitches, in background noise
(`dlkit_audio.speech.digits`). Made once into `<data_dir>/spoken_digits/<settings>/` as WAV
files, one folder per digit, then read as any audio folder is.
"""

import logging
import subprocess
import sys
from pathlib import Path

from dlkit.config.values import integer, require
from dlkit.errors import DataError
from dlkit_audio.data.audio_folder import AudioFolderDataModule
from dlkit_audio.speech.digits import WORDS

log = logging.getLogger(__name__)

CLIPS_PER_DIGIT = integer(2)


class SpokenDigitsDataModule(AudioFolderDataModule):
    """`clips_per_digit` clips of each digit, synthesized from `synthesis_seed` (a data set of
    its own: the run's `seed` draws the splits). Any `AudioDataModule` argument."""

    def __init__(
        self, *args, clips_per_digit: int = 200, synthesis_seed: int = 0, **kwargs
    ) -> None:
        super().__init__(None, *args, **kwargs)
        self.clips_per_digit = require("clips_per_digit", clips_per_digit, CLIPS_PER_DIGIT)
        self.synthesis_seed = synthesis_seed
        self.path = str(self.folder)

    @property
    def folder(self) -> Path:
        """One folder per set of settings: a change makes a new data set, never a mixed one."""
        name = (
            f"seed{self.synthesis_seed}_{self.clips_per_digit}x{len(WORDS)}_{self.sample_rate}hz_"
            f"{self.duration:g}s"
        )
        return Path(self.data_dir) / "spoken_digits" / name

    def prepare_data(self) -> None:
        if self.folder.is_dir():
            return
        log.info(
            "synthesizing %d spoken digits into %s (once)", self.clips_per_digit * 10, self.folder
        )
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        # a fresh process: eSpeak's output drifts with what it said before (speech/espeak.py)
        done = subprocess.run(
            [
                sys.executable, "-m", "dlkit_audio.speech.digits", str(self.folder),
                "--seed", str(self.synthesis_seed),
                "--clips-per-digit", str(self.clips_per_digit),
                "--sample-rate", str(self.sample_rate),
                "--duration", str(self.duration),
            ],
            capture_output=True,
            text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise DataError(
                f"the spoken digits could not be synthesized into {self.folder}: "
                f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
                ". Is the espeakng-loader package installed (make .venv)?"
            )

    def list_files(self):
        self.prepare_data()  # no-op when made; covers use without a Trainer
        return super().list_files()

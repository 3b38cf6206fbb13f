"""eSpeak NG, the speech synthesizer inside the `espeakng-loader` wheel, called through ctypes.

The wheel ships `libespeak-ng` and its voice data but no Python API; the few calls needed here
(initialize, choose a voice, set rate and pitch, synthesize to memory) are bound directly, so
nothing is installed besides the wheel and nothing runs as another program.

eSpeak is not bit-exact: the waveform of a word drifts with what was said before in the process
(`espeak_Terminate` does not reset it, nor does seeding the C library's `rand`, which it uses),
and between two fresh processes saying the same list, about 85 of 100 clips come out identical
and the others are the same word by the same voice, slightly shifted or varied. Hence
`dlkit_audio.speech.digits` synthesizes a whole data set once, in one fresh process, and the data
module keeps the files.
"""

import ctypes

import numpy as np

# espeak_ng's speak_lib.h
AUDIO_OUTPUT_SYNCHRONOUS = 2
RATE, PITCH = 1, 3  # espeak_PARAMETER: words per minute, base pitch 0..100
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class Espeak:
    """One loaded synthesizer; `say(text, voice, rate, pitch)` -> int16 samples at
    `sample_rate` (22,050 Hz)."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int
        ]  # fmt: skip
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        data = espeakng_loader.get_data_path().encode()
        self.sample_rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if self.sample_rate <= 0:
            raise RuntimeError(f"eSpeak NG did not start (espeak_Initialize: {self.sample_rate})")
        self._chunks: list[np.ndarray] = []
        self._callback = _CALLBACK(self._collect)  # kept: the library holds a pointer to it
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, samples, count: int, events) -> int:
        if samples and count > 0:
            self._chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0  # go on

    def say(self, text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
        """`text` spoken by `voice` (a language, optionally `+variant`: "en-us+f2") at `rate`
        words per minute and base `pitch` (0..100): int16 samples."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"eSpeak NG has no voice {voice!r}")
        self.lib.espeak_SetParameter(RATE, int(rate), 0)
        self.lib.espeak_SetParameter(PITCH, int(pitch), 0)
        self._chunks = []
        encoded = text.encode()
        self.lib.espeak_Synth(encoded, len(encoded) + 1, 0, 0, 0, 0, None, None)
        self.lib.espeak_Synchronize()
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)

"""The audio pack: audio as a modality. Your clips in class folders, spoken digits synthesized
offline (`dlkit_audio.speech`), log-mel spectrograms computed per batch on the device
(`dlkit_audio.features`) for the core's nets, SpecAugment (`dlkit_audio.augmentation`)."""

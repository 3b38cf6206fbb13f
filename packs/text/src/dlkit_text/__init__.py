"""The text pack: text as a modality. Your texts in CSV files or folders, the surnames data set,
tokenizers fitted on the training texts, a net of every core family over token ids
(`dlkit_text.nets`), TF-IDF baselines (`dlkit_text.baseline`)."""

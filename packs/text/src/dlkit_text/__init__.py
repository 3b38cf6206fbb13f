"""The text pack: text as a modality: your texts in CSV files or folders, the surnames data set, tokenizers fitted on the training texts, every net over token ids, TF-IDF baselines."""

"""A run's folder and its life: files, summary, start-up checks, resume, ranks, loggers, secrets."""

"""The sweep-workers pack: many workers on one Optuna study (`make sweep-workers`), journal and
PostgreSQL storages, heartbeats, one GPU per parallel job, SLURM, `make sweep-summary`."""

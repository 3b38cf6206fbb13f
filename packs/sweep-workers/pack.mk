# The sweep-workers pack's targets (packs/sweep-workers/README.md).

sweep-workers: $(STAMP) ## n Optuna workers on one study, here: make sweep-workers n=4 hparams_search=…
	@$(call hydra,dlkit_sweep_workers.cli.sweep_workers)

sweep-summary: $(STAMP) ## every trial of a study, all workers: make sweep-summary study_name=… [storage=…]
	@$(call hydra,dlkit_sweep_workers.cli.study_summary)

.PHONY: sweep-workers sweep-summary

# The diagnostics pack's targets (packs/diagnostics/): the finders and the run comparison.
.PHONY: lr-find batch-size-find compare

lr-find: $(STAMP) ## Lightning's learning-rate finder: lr_find.png and the make train line (overrides as for train)
	@$(call hydra,dlkit_diagnostics.cli.lr_find)

batch-size-find: $(STAMP) ## Lightning's batch-size finder: the largest batch size that fits
	@$(call hydra,dlkit_diagnostics.cli.batch_size_find)

compare: $(STAMP) ## overlaid learning curves + final metrics: make compare runs=<run or sweep folders> [out=…]
	@$(BIN)/python -m dlkit_diagnostics.cli.compare $(runs) $(if $(out),--out $(out))

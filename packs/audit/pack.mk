.PHONY: audit explain

audit: $(STAMP) ## test a checkpoint and audit it: make audit ckpt_path=… [audit.group_column=<column>]
	@$(call hydra,dlkit_audit.cli.audit)

explain: $(STAMP) ## what drives the predictions (Captum): make explain ckpt_path=… [input=…] [explain.method=…]
	@$(call hydra,dlkit_audit.cli.explain)

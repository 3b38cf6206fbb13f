.PHONY: optimize

optimize: $(STAMP) ## a data set as LitData chunks: make optimize data=image_folder data.path=… out=data/chunks/<name>
	@$(call hydra,dlkit_litdata.cli.optimize)

# Deep Learning Essentials: every command a user needs.
# Hydra overrides go straight through: `make train model=mlp trainer.max_epochs=3`
# (GNU make hands command-line assignments over in $(MAKEOVERRIDES)); anything make
# cannot parse (`~callbacks.early_stopping`, `--cfg job`, quoted lists) goes in ARGS="…".

SHELL := bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the versions the tests passed with (`make lock` writes it): installs are reproducible
LOCK := requirements/constraints.txt

# $(MAKEOVERRIDES) lists command-line assignments last-first: restore the user's order
# (the last of two overrides of one key wins in Hydra) and leave out make's own variables.
define hydra
overrides=(); for a in $(MAKEOVERRIDES); do case "$$a" in ARGS=*|PYTHON=*) ;; *) overrides=("$$a" "$${overrides[@]}");; esac; done; \
$(BIN)/python -m $(1) "$${overrides[@]}" $(ARGS)
endef

.DEFAULT_GOAL := help
.PHONY: help train sweep sweep-workers sweep-summary eval predict explain export lesson compare \
	lr-find batch-size-find test test-full mutation bench lint format clean lock hooks rename

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

# the packs present (packs/<name>/): each installs with its own dependencies, adds its configs
# (a Hydra plugin), its tests and its make targets (packs/<name>/pack.mk, included below)
PACKS := $(sort $(dir $(wildcard packs/*/pyproject.toml)))

$(STAMP): pyproject.toml $(LOCK) $(addsuffix pyproject.toml,$(PACKS))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]' $(addprefix -e ./,$(PACKS))
	touch $(STAMP)

$(VENV): $(STAMP) ## create the virtual environment (re-installs when pyproject.toml changes)

train: $(STAMP) ## train (and test) the default experiment; overrides go straight to Hydra
	@$(call hydra,dlkit.cli.train)

sweep: $(STAMP) ## Hydra multirun over the overrides (grid, or Optuna with hparams_search=…)
	@$(call hydra,dlkit.cli.train --multirun)

sweep-workers: $(STAMP) ## n Optuna workers on one study, here: make sweep-workers n=4 hparams_search=…
	@$(call hydra,dlkit_sweep_workers.cli.sweep_workers)

sweep-summary: $(STAMP) ## every trial of a study, all workers: make sweep-summary study_name=… [storage=…]
	@$(call hydra,dlkit_sweep_workers.cli.study_summary)

eval: $(STAMP) ## test a checkpoint with its run's config: make eval ckpt_path=… [audit.group_column=…]
	@$(call hydra,dlkit.cli.eval)

predict: $(STAMP) ## predictions.csv for new inputs: make predict ckpt_path=… input=<file or folder>
	@$(call hydra,dlkit.cli.predict)

explain: $(STAMP) ## what drives the predictions (Captum): make explain ckpt_path=… [input=…] [explain.method=…]
	@$(call hydra,dlkit_audit.cli.explain)

export: $(STAMP) ## a deployable model file: make export ckpt_path=… format=onnx|torch_export|torchscript
	@$(call hydra,dlkit.cli.export)

lesson: $(STAMP) ## the course's lessons: make lesson (the list); make lesson name=vanishing_gradients
	@$(call hydra,dlkit_lessons.cli)

compare: $(STAMP) ## overlaid learning curves + final metrics: make compare runs=<run or sweep folders> [out=…]
	@$(BIN)/python -m dlkit_diagnostics.cli.compare $(runs) $(if $(out),--out $(out))

lr-find: $(STAMP) ## Lightning's learning-rate finder: lr_find.png and the suggested rate (overrides as for train)
	@$(call hydra,dlkit_diagnostics.cli.lr_find)

batch-size-find: $(STAMP) ## Lightning's batch-size finder: the largest batch size that fits
	@$(call hydra,dlkit_diagnostics.cli.batch_size_find)

test: $(STAMP) ## fast test suite, two processes (pytest-xdist; ARGS="-n 0" runs it in one)
	$(BIN)/python -m pytest -m "not slow" -n 2 $(ARGS)

bench: $(STAMP) ## the template vs a hand-written loop, side by side -> benchmarks/results.md (ARGS="--rounds 5")
	$(BIN)/python benchmarks/bench_fit.py $(ARGS)

test-full: $(STAMP) ## every test, slow ones included
	$(BIN)/python -m pytest $(ARGS)

mutation: $(STAMP) ## mutation score per pure module: do their unit tests catch changed code? (mutmut)
	rm -rf mutants
	$(BIN)/mutmut run
	$(BIN)/python tests/mutation_score.py --min 80

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

format: $(STAMP) ## ruff fix and format
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

lock: ## re-resolve pyproject.toml's ranges in a fresh environment and pin the result in requirements/
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	{ echo "# Written by \`make lock\` from pyproject.toml's ranges: the versions \`make\` installs."; \
	  echo "# Update: make lock, then make test-full; commit both files together."; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > $(LOCK)
	rm -rf .lock-venv
	@echo "wrote $(LOCK); run make test-full before you commit it"

hooks: $(STAMP) ## install the git pre-commit hooks (ruff, YAML, large files): .pre-commit-config.yaml
	$(BIN)/pre-commit install

rename: ## make the template yours: make rename name=my_project (package, imports, configs, README)
	@$(PYTHON) scripts/rename.py $(name)

clean: ## remove run outputs and caches (keeps .venv and data/)
	rm -rf logs/*/ .pytest_cache .ruff_cache mutants
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

# Deep Learning Essentials: every command a user needs.
# Hydra overrides go straight through: `make train model=mlp trainer.max_epochs=3`
# (GNU make hands command-line assignments over in $(MAKEOVERRIDES)); anything make
# cannot parse (`~callbacks.early_stopping`, `--cfg job`, quoted lists) goes in ARGS="…".
# Each pack (packs/<name>/) adds its own targets in its pack.mk, included at the end.

SHELL := bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the versions the tests passed with (`make lock` writes it): installs are reproducible
LOCK := requirements/constraints.txt
# the packs present: each installs with its own dependencies, adds its configs (a Hydra
# plugin), its tests and its make targets
PACKS := $(sort $(dir $(wildcard packs/*/pyproject.toml)))

# $(MAKEOVERRIDES) lists command-line assignments last-first: restore the user's order
# (the last of two overrides of one key wins in Hydra) and leave out make's own variables.
define hydra
overrides=(); for a in $(MAKEOVERRIDES); do case "$$a" in ARGS=*|PYTHON=*) ;; *) overrides=("$$a" "$${overrides[@]}");; esac; done; \
$(BIN)/python -m $(1) "$${overrides[@]}" $(ARGS)
endef

.DEFAULT_GOAL := help
.PHONY: help train sweep eval predict export test test-full mutation bench lint format clean \
	lock hooks rename packs strip

help: ## list the targets (the packs' too)
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

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

eval: $(STAMP) ## test a checkpoint with its run's config: make eval ckpt_path=…
	@$(call hydra,dlkit.cli.eval)

predict: $(STAMP) ## predictions.csv for new inputs: make predict ckpt_path=… input=<file or folder>
	@$(call hydra,dlkit.cli.predict)

export: $(STAMP) ## a deployable model file: make export ckpt_path=… [format=torch_export|torchscript]
	@$(call hydra,dlkit.cli.export)

test: $(STAMP) ## fast test suite, the packs' included, two processes (ARGS="-n 0": one)
	$(BIN)/python -m pytest -m "not slow" -n 2 $(ARGS)

bench: $(STAMP) ## the template vs a hand-written loop, side by side -> benchmarks/results.md (ARGS="--rounds 5")
	$(BIN)/python benchmarks/bench_fit.py $(ARGS)

test-full: $(STAMP) ## every test, slow ones included
	$(BIN)/python -m pytest $(ARGS)

mutation: $(STAMP) ## mutation score per pure module: do their unit tests catch changed code? (mutmut)
	rm -rf mutants
	$(BIN)/mutmut run
	$(BIN)/python tests/mutation_score.py --min 80
	@# mutmut mutates only under the src/ of the folder it runs in: a pack's own [tool.mutmut]
	@# runs from the pack's folder
	for pack in $(PACKS); do \
	  grep -q '^\[tool.mutmut\]' $$pack/pyproject.toml || continue; \
	  (cd $$pack && rm -rf mutants && $(CURDIR)/$(BIN)/mutmut run \
	    && $(CURDIR)/$(BIN)/python $(CURDIR)/tests/mutation_score.py --min 80) || exit 1; \
	done

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## ruff fix and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: ## re-resolve the ranges of pyproject.toml and the packs' in a fresh environment, pin the result
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]' $(addprefix -e ./,$(PACKS))
	{ echo "# Written by \`make lock\` from the ranges of pyproject.toml and packs/*/pyproject.toml:"; \
	  echo "# the versions \`make\` installs. Update: make lock, then make test-full; commit both."; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > $(LOCK)
	rm -rf .lock-venv
	@echo "wrote $(LOCK); run make test-full before you commit it"

hooks: $(STAMP) ## install the git pre-commit hooks (ruff, YAML, large files): .pre-commit-config.yaml
	$(BIN)/pre-commit install

rename: ## make the template yours: make rename name=my_project (package, imports, configs, README)
	@$(PYTHON) scripts/rename.py $(name)

packs: ## the packs present, one line each (packs/<name>/)
	@$(PYTHON) scripts/packs.py list

strip: ## remove packs from this clone: make strip packs=lessons,audit (or packs=all)
	@$(PYTHON) scripts/packs.py strip $(packs)

clean: ## remove run outputs and caches (keeps .venv and data/)
	rm -rf logs/*/ .pytest_cache .ruff_cache mutants
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

-include $(addsuffix pack.mk,$(PACKS))

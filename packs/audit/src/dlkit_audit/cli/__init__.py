"""The pack's entry points, one per make target (`make audit`, `make explain`): Hydra mains over
its primary configs (`packs/audit/configs/`), torch imported only once the config is checked."""

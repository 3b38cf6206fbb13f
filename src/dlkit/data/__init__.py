"""LightningDataModules, one per data modality (images, tables, sequences), sharing `BaseDataModule`."""

"""Which parts of an input drive a model's prediction: Captum's methods and their pictures."""

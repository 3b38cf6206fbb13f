"""Plain `torch.nn.Module` nets, no Lightning inside: each takes `input_shape` and `num_outputs`."""

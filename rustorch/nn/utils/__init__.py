"""nn.utils: gradient clipping, parameter vectors, RNN packing, weight reparametrisations."""

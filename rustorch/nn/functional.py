"""torch.nn.functional: stateless layers written on the public Tensor API."""

"""Op families; each module attaches its ops to Tensor as methods."""

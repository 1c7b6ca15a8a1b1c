"""nn layer cases, checked against torch on every backend."""

"""The conformance suite: op cases checked against torch on every backend."""

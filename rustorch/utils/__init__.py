"""torch.utils-style aliases, so ``from torch.utils.data import DataLoader``
ports as ``from rustorch.utils.data import DataLoader``."""

"""rustorch.data: torch.utils.data for rustorch (also importable as
``rustorch.utils.data``): data sets, samplers, collation and the DataLoader
with parallel workers (processes or threads)."""
from .dataset import (Dataset, IterableDataset, TensorDataset, StackDataset, ConcatDataset,
                      ChainDataset, Subset, random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
                      WeightedRandomSampler, BatchSampler)
from .collate import default_collate, default_convert, collate, default_collate_fn_map
from .dataloader import DataLoader
from ._workers import WorkerInfo, get_worker_info
from ._exceptions import WorkerError, DataLoaderTimeoutError

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler",
           "default_collate", "default_convert", "collate", "default_collate_fn_map",
           "DataLoader", "WorkerInfo", "get_worker_info", "WorkerError", "DataLoaderTimeoutError"]

"""Test configuration: one torch thread (the CI machines have two cores)."""

import torch

torch.set_num_threads(1)

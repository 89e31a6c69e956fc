"""Test configuration: one torch thread per test process (the CI machines
have two cores, and setup.cfg runs two processes with pytest-xdist)."""

import torch

torch.set_num_threads(1)

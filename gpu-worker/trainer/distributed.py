"""Data parallelism across processes (torch DDP) for train.py and distill.py, when launched by torchrun.

    torchrun --standalone --nproc_per_node=4 train.py --preset teacher --resume     (4 GPUs: nccl)
    python3 -m torch.distributed.run --standalone --nproc_per_node 2 train.py …     (CPU: gloo)

Launched any other way (no WORLD_SIZE in the environment, or WORLD_SIZE=1) everything here is a
no-op and the scripts run exactly as before: one process, rank 0, world size 1.

The split keeps the single-process run's arithmetic: every rank draws the same global batch of B
sequences for a step (batches depend only on (seed, step)) and keeps rows rank, rank+W, rank+2W, …
(B must divide by W). DDP averages the gradients across ranks, so a step's update is the one the
global batch would give in one process (up to float summation order), and a checkpoint resumes at any
world size. Rank 0 alone writes checkpoints, summaries and logs and runs validation; decisions that
end the loop (a signal, --max-seconds) are agreed across ranks every step so no rank waits forever
in a collective the others left. torch 1.13 and 2.x.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: str = "cpu"

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, batch):
        """This rank's rows of a global batch (B, …): rows rank::world_size."""
        return batch[self.rank::self.world_size] if self.enabled else batch


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(torch, device: str, batch_size: int) -> Dist:
    """Joins the process group when torchrun started this process; picks this rank's device.

    `device` is the --device argument: "cuda" → cuda:<LOCAL_RANK> with nccl; "cpu" → gloo.
    @raises SystemExit when the batch does not split evenly across ranks"""
    if not launched_by_torchrun():
        return Dist(device=device)
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if batch_size % world:
        raise SystemExit(f"batch_size {batch_size} does not split across {world} processes: use a multiple of {world}")
    import torch.distributed as dist

    if device.startswith("cuda"):
        torch.cuda.set_device(local_rank)
        device = f"cuda:{local_rank}"
        backend = "nccl"
    else:
        # the CPU is shared by every process on this node: split its cores instead of oversubscribing
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return Dist(rank=rank, world_size=world, local_rank=local_rank, device=device)


def wrap(torch, model, d: Dist):
    """The model the training step calls: DDP over it when distributed, else the model itself."""
    if not d.enabled:
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [d.local_rank] if d.device.startswith("cuda") else None
    return DistributedDataParallel(model, device_ids=ids)


def unwrap(model):
    """The plain module under a DDP wrapper: what checkpoints, validation and export use."""
    return getattr(model, "module", model)


def mean(torch, values: list[float], d: Dist) -> list[float]:
    """Each value averaged over ranks (one all-reduce); the values themselves when not distributed."""
    if not d.enabled:
        return values
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64)
    if d.device.startswith("cuda"):
        t = t.to(d.device)
    dist.all_reduce(t)
    return [float(v) / d.world_size for v in t.cpu()]


def any_rank(torch, flag: bool, d: Dist) -> bool:
    """True on every rank when it is true on any: a stop that all ranks take at the same step."""
    if not d.enabled:
        return flag
    return mean(torch, [1.0 if flag else 0.0], d)[0] > 0


def barrier(d: Dist) -> None:
    if d.enabled:
        import torch.distributed as dist

        dist.barrier()


def teardown(d: Dist) -> None:
    """Waits for every rank (rank 0's last checkpoint is on disk for all), then leaves the group."""
    if d.enabled:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()

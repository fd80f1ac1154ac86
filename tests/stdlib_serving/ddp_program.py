"""A small DDP training program for distributed.pytorchjob's tests (run by torchrun, one copy per rank).

Every rank trains the same linear classifier on its own shard of a fixed
dataset with the gloo backend, so the ranks' gradients differ and only DDP's
all-reduce keeps the weights equal.  Rank 0 saves the model as
`<output>/model.pt`; every rank also saves what it ended with as
`<output>/rank-<r>.pt` (with the world size it saw), so a test can check
that the model is rank 0's and that the ranks agree.
"""

import argparse
import os
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)  # the same initial weights on every rank
    model = nn.Linear(8, 3)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)

    generator = torch.Generator().manual_seed(1)
    features = torch.randn(256, 8, generator=generator)
    labels = features[:, :3].argmax(dim=1)
    shard = slice(rank, None, world)  # each rank sees different samples
    losses = []
    for _ in range(args.steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(ddp(features[shard]), labels[shard])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    output = Path(args.output)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.save(
        {
            "state": state,
            "initial": initial,
            "world_size": world,
            "rank": rank,
            "losses": losses,
            "local_rank": int(os.environ["LOCAL_RANK"]),
        },
        output / f"rank-{rank}.pt",
    )
    if rank == 0:
        torch.save(state, output / "model.pt")
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()

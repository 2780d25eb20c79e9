"""`torchrun` (torch.distributed.run) that also starts on torch 1.13 under Python ≥ 3.11.

    /usr/bin/python3 gpu-worker/trainer/torchrun_compat.py --standalone --nproc_per_node 2 train.py …

torch 1.13's launcher parses its --redirects/--tee values ("0" by default) by iterating an IntFlag,
which since Python 3.11 skips the zero member NONE (and the alias ALL): every launch then fails with
"'NoneType' object has no attribute 'get'". Debian's python3-torch 1.13.1 on Python 3.12 hits it;
torch 2.x does not, and there this is plain torchrun (the patch is applied only when needed).
"""
from __future__ import annotations

import re

from torch.distributed import run
from torch.distributed.elastic.multiprocessing import api


def _patch() -> None:
    if api.Std.from_str("0") is not None:
        return
    parse = api.Std.from_str.__func__

    def from_str(cls, vm: str):
        if re.match(api._VALUE_REGEX, vm):
            return cls(int(vm))
        if re.match(api._MAPPING_REGEX, vm):
            return {int(i): cls(int(v)) for i, v in (m.split(":") for m in vm.split(","))}
        return parse(cls, vm)

    api.Std.from_str = classmethod(from_str)


if __name__ == "__main__":
    _patch()
    run.main()

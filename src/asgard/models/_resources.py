"""Resources: CPUs, memory, disk and GPUs, as every backend counts them."""

from __future__ import annotations

import attrs

__all__ = ["Resources"]


@attrs.frozen(kw_only=True)
class Resources:
    """An amount of each schedulable resource.

    Attributes:
        cpus: CPU shares (1.0 is one CPU).
        mem: memory in MiB.
        disk: disk in MiB.
        gpus: GPUs.

    The same class carries percentages where a field says so (``Agent.allocated_pct``):
    each attribute then holds a percent of the matching total.
    """

    cpus: float
    mem: float
    disk: float = 0.0
    gpus: float = 0.0

    def __add__(self, other: Resources) -> Resources:
        if not isinstance(other, Resources):
            return NotImplemented
        return Resources(
            cpus=self.cpus + other.cpus,
            mem=self.mem + other.mem,
            disk=self.disk + other.disk,
            gpus=self.gpus + other.gpus,
        )

    def __sub__(self, other: Resources) -> Resources:
        if not isinstance(other, Resources):
            return NotImplemented
        return Resources(
            cpus=self.cpus - other.cpus,
            mem=self.mem - other.mem,
            disk=self.disk - other.disk,
            gpus=self.gpus - other.gpus,
        )

    def percent_of(self, total: Resources) -> Resources:
        """Each resource of ``self`` as a percent of the same resource of ``total``.

        A resource whose total is zero (an agent without GPUs) gives 0.0, never a division
        error.
        """
        return Resources(
            cpus=_percent(self.cpus, total.cpus),
            mem=_percent(self.mem, total.mem),
            disk=_percent(self.disk, total.disk),
            gpus=_percent(self.gpus, total.gpus),
        )


def _percent(part: float, whole: float) -> float:
    return part * 100.0 / whole if whole else 0.0

"""The batches the replay buffers' ``sample`` returns: named tuples of arrays, batch first.

The field lists are written once: every batch starts with the six transition fields.
``gather_transitions`` copies a buffer's rows into a batch.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

TRANSITION_FIELDS = (
    "observations",
    "actions",
    "rewards",
    "next_observations",
    "terminated",
    "truncated",
)

ReplaySample = collections.namedtuple("ReplaySample", TRANSITION_FIELDS)
ReplaySample.__doc__ = """A batch of transitions drawn by :meth:`ReplayBuffer.sample` (``n_steps=1``).

Fields: ``observations``, ``actions``, ``rewards`` (float32), ``next_observations``,
``terminated`` and ``truncated`` (bool), one row per transition.
"""

NStepReplaySample = collections.namedtuple("NStepReplaySample", (*TRANSITION_FIELDS, "discounts"))
NStepReplaySample.__doc__ = """A batch drawn by :meth:`ReplayBuffer.sample` with ``n_steps > 1``.

The fields of :class:`ReplaySample`, where ``rewards`` is the discounted sum
``sum_k gamma**k r_k`` of the ``m`` rewards of each row's window and
``next_observations``, ``terminated`` and ``truncated`` are those of the window's last
transition, plus ``discounts = gamma**m`` (float32): the bootstrapped target is
``rewards + discounts * (1 - terminated) * V(next_observations)``.
"""

PrioritizedReplaySample = collections.namedtuple(
    "PrioritizedReplaySample", (*TRANSITION_FIELDS, "weights", "indices")
)
PrioritizedReplaySample.__doc__ = """A batch drawn by :meth:`PrioritizedReplayBuffer.sample`.

The fields of :class:`ReplaySample` plus ``weights`` (the importance-sampling weights,
float32) and ``indices`` (the slots drawn, for ``update_priorities``).
"""

NStepPrioritizedReplaySample = collections.namedtuple(
    "NStepPrioritizedReplaySample", (*PrioritizedReplaySample._fields, "discounts")
)
NStepPrioritizedReplaySample.__doc__ = """A batch drawn by
:meth:`PrioritizedReplayBuffer.sample` with ``n_steps > 1``: the fields of
:class:`PrioritizedReplaySample`, n-step as in :class:`NStepReplaySample`, plus
``discounts``.
"""


def gather_transitions(buffer: Any, indices: np.ndarray, last: np.ndarray | None = None) -> Any:
    """A :class:`ReplaySample` of fresh arrays: rows ``indices`` of a ``ReplayBuffer``.

    ``last``: the slots whose next observations and flags to take (n-step windows).
    """
    last = indices if last is None else last
    return ReplaySample(
        buffer._observations.take(indices, axis=0),
        buffer._actions.take(indices, axis=0),
        buffer._rewards.take(indices),
        buffer._next.gather(last, buffer._observations, buffer._position),
        buffer._terminated.take(last),
        buffer._truncated.take(last),
    )

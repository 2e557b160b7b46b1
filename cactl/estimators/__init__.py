"""Credit-assignment estimators on ragged trajectory batches.

Layout (the code mirrors the survey's taxonomy):

- :mod:`cactl.estimators.catalog`: metadata of every estimator (no torch; ``cactl estimators
  list`` reads only this).
- :mod:`cactl.estimators.batch`: :class:`~cactl.estimators.batch.TrajectoryBatch`, flat per-token
  and per-step tensors plus offsets.
- :mod:`cactl.estimators.registry`: ``get_estimator``, ``estimate``, ``check_requirements`` and
  the :class:`~cactl.estimators.registry.Credit` result.
- one kernel module per methodology class: ``outcome`` (episode-level baselines),
  ``temporal_difference``, ``monte_carlo``, ``model_based``, ``game_theoretic``,
  ``information_theoretic``, ``multi_agent``; ``ops`` holds the segment operations and scans.
- :mod:`cactl.estimators.trainer`: the common estimators on padded ``[batch, time]`` tensors, with
  verl's conventions, to drop into a trainer.

This ``__init__`` imports nothing, so importing the catalog never imports torch.
"""

"""cactl: credit assignment for reinforcement learning on large language models.

The survey's method inventory, its reporting checklist as a machine-checkable audit, its
method-selection decision tree, and torch credit estimators scored on controlled bifurcation
tasks (Zhang, "From Reasoning to Agentic: Credit Assignment in Reinforcement Learning for
Large Language Models", arXiv 2604.09459).
"""

__version__ = "0.1.0"

import warnings as _warnings

# torch warns at import when NumPy is absent; cactl never needs NumPy, so the warning is noise.
_warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)

"""The trajectory format (design.md, "Trajectory JSONL"): pydantic models, no torch."""

from cactl.trajectory.model import Coalition, Step, Trajectory, Truth

__all__ = ["Coalition", "Step", "Trajectory", "Truth"]

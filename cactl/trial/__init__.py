"""Trials: estimators run on controlled tasks or trajectory files, scored and timed (torch)."""

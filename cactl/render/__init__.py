"""Renderers: turn core results into strings (CSV, BibTeX, markdown, ...) or rich renderables.
They never print; the CLI decides where output goes."""

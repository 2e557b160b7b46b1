"""The reporting-checklist audit: the paper schema, checklists as data, the rule vocabulary,
the evaluator and the corpus summary. Pure Python and pydantic: no printing, no torch."""

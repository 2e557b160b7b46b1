"""The ``cactl`` command line: thin typer commands that parse, call the core, and render."""

"""``python -m cactl``: the same as the ``cactl`` console script."""

from cactl.cli.app import main

if __name__ == "__main__":
    main()

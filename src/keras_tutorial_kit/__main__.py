"""``python -m keras_tutorial_kit``: the ``keras-tutorial-kit`` command line."""

import sys

from keras_tutorial_kit.cli import main

if __name__ == "__main__":
    sys.exit(main())

import sys

from utk_cnn.cli import main

sys.exit(main())

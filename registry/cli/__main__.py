import sys

from registry.cli.main import main

sys.exit(main())

import sys

from fabric_demo.pipeline import main

sys.exit(main(sys.argv[1:]))

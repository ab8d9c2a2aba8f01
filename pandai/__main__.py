"""Run the command line as ``python -m pandai``."""

from pandai.cli.main import main

main()

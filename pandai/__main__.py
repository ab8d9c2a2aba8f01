"""Run the command line as ``python -m pandai``."""

from pandai.cli.entry import main

main()

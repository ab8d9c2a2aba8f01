"""Pandai: a command-line CRM that keeps one YAML file per client in a git repository."""

import logging

__version__ = "0.1.0"

# The core logs, and the command line decides what to print. Without --verbose no logging is
# configured, and this handler keeps Python from printing warnings a second time on stderr.
logging.getLogger(__name__).addHandler(logging.NullHandler())

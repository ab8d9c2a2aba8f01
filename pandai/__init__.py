"""Pandai: a command-line CRM that keeps one YAML file per client in a git repository."""

__version__ = "0.1.0"

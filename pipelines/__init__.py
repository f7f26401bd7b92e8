"""Infitah: the open-data pipeline of the Moroccan network of open territorial communities."""

__version__ = "0.1.0"

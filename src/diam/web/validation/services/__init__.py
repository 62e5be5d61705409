"""Writes of the validation app, by step (see README.md). Import from the submodules."""

"""Views of the validation app, by audience (see README.md)."""

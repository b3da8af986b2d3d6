"""The project's benchmark of its scale goals (`make bench`, `python -m bench`)."""

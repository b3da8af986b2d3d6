"""The benchmark of issue 8 (`make bench`, `python -m bench`): see `bench.__main__`."""

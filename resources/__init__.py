"""Icons, style sheets and word lists, loaded with importlib.resources."""

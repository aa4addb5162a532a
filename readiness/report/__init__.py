"""Views and renderers: facts in, plain data out (view.py), then text, JSON or HTML."""

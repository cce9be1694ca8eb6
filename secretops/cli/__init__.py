"""The click layer: parse arguments, call the core, print. One module per command."""

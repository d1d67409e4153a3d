"""The command line: the only place that uses click and prints to the terminal."""

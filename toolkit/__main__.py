from toolkit.cli import entry

entry()

"""The notifier: turns open risks into care messages and booking suggestions."""

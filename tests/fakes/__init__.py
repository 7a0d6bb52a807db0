"""Offline fakes of the chat platforms, shared by tests and benchmarks."""

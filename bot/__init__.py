"""Backline: a posterior-chain coaching bot."""

"""Provision a real Home Assistant for the demo and the browser tests, through its own APIs."""

"""Tests against the real thing: Showdown servers and hosts, databases, Chromium, training."""

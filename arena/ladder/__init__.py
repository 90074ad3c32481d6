"""Rated play on a Showdown ladder (the PokéAgent ladder or a local one) and `arena board`,
a local ladder of baselines.

The server's own standings are parsed in `arena.showdown.laddertop`.
"""

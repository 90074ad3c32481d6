"""Whether a candidate is really better: the SPRT-driven evaluation against an incumbent,
with gauntlets and alarms.

It plays through matchmaking and decides with the rating package's statistics.
"""

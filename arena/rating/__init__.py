"""Ratings and statistics as pure functions of game results: Bradley–Terry, TrueSkill,
intervals and the SPRT.

Nothing here touches a battle, a socket or the store.
"""

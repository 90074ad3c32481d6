"""Ratings and statistics as pure functions of game results: the Bradley–Terry fit
(`fit`), its ratings (`ratings`) and intervals (`intervals`), TrueSkill's live view
(`live`), Glicko (`glicko`), win rates (`stats`) and the SPRT (`sprt`).

Nothing here touches a battle, a socket or the store.
"""

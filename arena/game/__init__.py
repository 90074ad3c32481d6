"""One battle between two agents: players, their decisions, teams and the transports that
carry a battle (Showdown's simulator run directly, or a server's websocket).

Nothing here knows about tournaments, storage or ratings: a battle goes in, a `GameRecord`
comes out.
"""

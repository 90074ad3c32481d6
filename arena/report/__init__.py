"""What a user reads: the leaderboard, the win-rate matrix, battle narration and exports.

Reports read the store and the rating package; they never play or write.
"""

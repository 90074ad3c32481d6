"""Who plays whom, and where: schedules, the runner that plays them, and the backends that
spread them over processes or Ray.

Tournaments, self-play and reruns are set up here; how their results are rated is not.
"""

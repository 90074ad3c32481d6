"""arena's shipped defaults and team pools; installed as the package `arena.shipped`."""

"""arena: tournaments, ratings and ladder play for Pokémon Showdown agents."""

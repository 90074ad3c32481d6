"""The store: the only place with SQL. Tables, queries, the writer thread and the schema's
migrations.

Every other package reads and writes stored data through `Store`, on SQLite or PostgreSQL alike.
"""

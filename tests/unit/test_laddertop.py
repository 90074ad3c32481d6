"""Reading a server's ladder table: columns found by header, whatever the server shows."""

from arena.showdown.laddertop import ServerStanding, parse

# the shape of Showdown's main ladder page: Elo, GXE, Glicko-1 with its deviation
FULL = (
    "<h3>[Gen 1] OU Top 100</h3><table><tr><th></th><th>Username</th>"
    "<th><abbr title='Elo rating'>Elo</abbr></th><th>GXE</th><th>Glicko-1</th>"
    "<th>Skill Rating</th></tr>"
    "<tr><td>1</td><td>PAC-Best</td><td><strong>2041</strong></td><td>80.3%</td>"
    "<td>1874 ± 31</td><td>1,912</td></tr>"
    "<tr><td>2</td><td>PAC-Kaizo</td><td><strong>1319</strong></td><td>41.0%</td>"
    "<td>1402 ± 25</td><td>1350</td></tr></table>"
)


def test_every_column_the_server_shows_is_read_for_the_right_account():
    assert parse(FULL, "pac kaizo") == ServerStanding(1319, 1402, 25, 41.0, 1350)
    assert parse(FULL, "PAC-Best") == ServerStanding(2041, 1874, 31, 80.3, 1912)


def test_an_account_the_table_does_not_list_has_no_standing():
    assert parse(FULL, "PAC-Nobody") is None
    assert parse("", "PAC-Best") is None


def test_a_column_the_server_does_not_show_stays_empty():
    local = (
        "<table><tr><th></th><th>Username</th><th>Elo</th><th>W</th><th>L</th><th>T</th></tr>"
        "<tr><td>1</td><td>bob</td><td><strong>1080</strong></td><td>2</td><td>0</td>"
        "<td>0</td></tr></table>"
    )
    assert parse(local, "Bob") == ServerStanding(elo=1080)

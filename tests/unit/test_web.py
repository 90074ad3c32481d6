"""The dashboard's addresses: only loopback counts as private, and it answers to the names
of the address it listens on."""

from arena.web.app import allowed_hosts
from arena.web.serve import exposed


def test_only_loopback_addresses_count_as_private():
    assert not exposed("127.0.0.1") and not exposed("::1") and not exposed("localhost")
    assert exposed("0.0.0.0") and exposed("192.168.1.5")


def test_a_dashboard_answers_the_names_of_the_address_it_listens_on():
    assert allowed_hosts("127.0.0.1", 8000) >= {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert allowed_hosts("::1", 80) >= {"[::1]", "[::1]:80", "localhost"}
    assert allowed_hosts("192.0.2.7", 8000) == {"192.0.2.7:8000"}
    assert "localhost:8000" in allowed_hosts("0.0.0.0", 8000)
    assert not any(name.startswith("attacker") for name in allowed_hosts("0.0.0.0", 8000))

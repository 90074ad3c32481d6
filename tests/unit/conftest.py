"""The unit tier stays pure: a test here that starts a process, opens a network
connection or builds an optimizer fails, naming what it did, and belongs in
tests/integration."""

import multiprocessing.process
import socket
import subprocess

import pytest


class NotAUnitTest(AssertionError):
    pass


def _refuse(what: str):
    def refuse(*args, **kwargs):
        raise NotAUnitTest(f"a unit test {what}: move it to tests/integration")

    return refuse


@pytest.fixture(autouse=True)
def _pure(monkeypatch):
    import torch.optim  # training is refused by its optimizer

    connect = socket.socket.connect

    def connect_locally(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            _refuse("opened a network connection")()
        return connect(sock, address)

    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("started a process"))
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", _refuse("started a process"))
    monkeypatch.setattr(socket.socket, "connect", connect_locally)
    monkeypatch.setattr(torch.optim.Optimizer, "__init__", _refuse("trained a model"))

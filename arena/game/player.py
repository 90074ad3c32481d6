"""What arena adds to any poke-env player so a runner can start, watch and record games.

An agent's class is subclassed at run time with `ArenaPlayer` first in line: it accepts
only the challenges the runner announced (with the team the runner chose), keeps each
battle's full protocol log, counts invalid choices, errors and slow decisions, and
forgets a battle once the runner has taken its record, so memory stays flat.

A synchronous `choose_move` runs in the agent's own `DecisionThread`, never on the
event loop, so a slow bot is timed out while every other battle goes on. The bot reads
poke-env's `Battle` there while the loop may still receive messages for it; that is
safe because Showdown sends a battle nothing that changes its state between a request
and the answer, except the battle's end (and, after a timeout, the next turn), and a
choice computed then is discarded. Shipped bots are fast enough to decide on the loop
(`decides_on_loop`), which spares them the thread hop.

Every random draw of a side comes from that side's generator for the battle (`rng_for`),
derived from the battle's seed, which the transport hands over before the battle's first
message (`seed_battle`): so a stored battle replays exactly, however many battles the
player had going at once. It is current while the side decides (`arena.models.chance`), so
poke-env's random helpers and the neural sampler draw from it too.
"""

import asyncio
import contextvars
import inspect
import logging
import random
import secrets
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable
from dataclasses import dataclass, field

import orjson
from poke_env.battle import AbstractBattle
from poke_env.data import to_id_str
from poke_env.player import Player
from poke_env.ps_client import AccountConfiguration, ServerConfiguration

from arena.config import defaults
from arena.errors import ArenaError
from arena.game.choices import Choice, choice_of
from arena.game.decision_thread import DecisionThread
from arena.models.chance import deciding, route_poke_env_draws, side_random
from arena.models.registry import AgentSpec
from arena.showdown.login import LoginRefused, use_login

log = logging.getLogger("arena")
LOGIN_TIMEOUT = 30.0
QUERY_WAIT = 20.0  # the most seconds to wait for the answer to a `/cmd` query


@dataclass
class BattleLog:
    """One side's view of one battle: every protocol line it received, its decisions
    (None for a side arena does not play, such as a ladder opponent) and its faults."""

    lines: list[str] = field(default_factory=list)
    choices: list[Choice] | None = field(default_factory=list)
    decisions: int = 0
    invalid: int = 0
    errors: int = 0
    timeouts: int = 0
    forfeited: bool = False

    @property
    def failures(self) -> int:
        return self.errors + self.timeouts


class ArenaPlayer(Player):
    # the play settings' defaults (config/arena.yaml); the runner sets a run's own
    decision_timeout: float = defaults()["play"]["decision_timeout"]
    max_failures: int = defaults()["play"]["max_failures"]  # failed decisions before a forfeit
    decides_on_loop: bool = False  # a synchronous choose_move known to be fast

    def __init__(self, *args, **kwargs):
        self.arena_logs: dict[str, BattleLog] = {}
        self._expected_challenges: dict[str, str | None] = {}
        self._next_battle: asyncio.Future | None = None
        self._finished: dict[str, asyncio.Future] = {}
        self._reported_errors: Counter[str] = Counter()
        self.refusals: asyncio.Queue[str] = asyncio.Queue()
        self._queries: dict[str, deque[asyncio.Future]] = defaultdict(deque)
        self._decision_thread: DecisionThread | None = None
        self._rngs: dict[str, random.Random] = {}
        route_poke_env_draws()
        super().__init__(*args, **kwargs)
        self._route_refusals()

    def _route_refusals(self) -> None:
        """Showdown's refusals (a refused name, a popup) go to `refusals` as text.

        poke-env would raise inside its message task on a refused name, where nobody
        waits for the error; arena needs the server's reason to report it.
        """
        handle = self.ps_client._handle_message

        async def routed(message: str) -> None:
            if message.startswith("|queryresponse|"):
                _, _, command, answer = message.split("|", 3)
                if self._queries[command]:
                    waiter = self._queries[command].popleft()
                    if not waiter.done():  # one given up on still takes its own answer
                        waiter.set_result(orjson.loads(answer))
                return
            if message.startswith(("|nametaken|", "|popup|")):
                reason = (
                    message.split("|", 3)[-1]
                    if message.startswith("|nametaken|")
                    else (message.removeprefix("|popup|"))
                )
                self.refusals.put_nowait(reason.replace("||", " ").strip())
                if message.startswith("|nametaken|"):
                    return
            await handle(message)

        self.ps_client._handle_message = routed
        self._hold_battle_rooms()

    async def query(self, command: str, target: str):
        """The server's answer to `/cmd COMMAND TARGET` (JSON); the server answers a
        connection's queries in the order they were asked."""
        waiter = asyncio.get_running_loop().create_future()
        self._queries[command].append(waiter)
        await self.ps_client.send_message(f"/cmd {command} {target}")
        try:
            return await asyncio.wait_for(waiter, QUERY_WAIT)
        except TimeoutError:
            raise ArenaError(f"the server did not answer /cmd {command} in time", 1) from None

    def _hold_battle_rooms(self) -> None:
        """With `hold_rooms`, poke-env's `/leave` after a battle is held back, so that
        messages the server sends after the end (a ladder's rating) still arrive;
        `leave` then closes the room."""
        self.hold_rooms = False
        self._send = send = self.ps_client.send_message

        async def sending(message: str, room: str = "", message_2: str | None = None) -> None:
            if self.hold_rooms and message.startswith("/leave battle"):
                return
            await send(message, room, message_2)

        self.ps_client.send_message = sending

    async def leave(self, battle_tag: str) -> None:
        await self._send(f"/leave {battle_tag}")

    # -- starting games -------------------------------------------------------------

    def expect_battle(self) -> asyncio.Future:
        """A future for the next battle this player joins (starts are serialised)."""
        self._next_battle = asyncio.get_running_loop().create_future()
        return self._next_battle

    def expect_challenge(self, challenger: str, packed_team: str | None) -> None:
        self._expected_challenges[to_id_str(challenger)] = packed_team

    async def _accept_if_expected(self, challenger: str) -> None:
        user = to_id_str(challenger)
        if user in self._expected_challenges:
            team = self._expected_challenges.pop(user)
            await self.ps_client.accept_challenge(user, team)

    async def _handle_challenge_request(self, split_message: list[str]) -> None:
        await self._accept_if_expected(split_message[2].strip())

    async def _update_challenges(self, split_message: list[str]) -> None:
        for user in orjson.loads(split_message[2]).get("challengesFrom", {}):
            await self._accept_if_expected(user)

    async def _create_battle(self, split_message: list[str]) -> AbstractBattle:
        known = "-".join(split_message)[1:] in self._battles
        battle = await super()._create_battle(split_message)
        if not known:
            self._finished[battle.battle_tag] = asyncio.get_running_loop().create_future()
            if self._next_battle is not None and not self._next_battle.done():
                self._next_battle.set_result(battle)
        return battle

    # -- watching games -------------------------------------------------------------

    async def _handle_battle_message(self, split_messages: list[list[str]]) -> None:
        tag = split_messages[0][0][1:]
        is_init = len(split_messages) > 1 and split_messages[1][1:2] == ["init"]
        if tag.startswith("battle") and tag not in self._battles and not is_init:
            return  # a late message (e.g. deinit) for a battle already recorded and forgotten
        record = self.arena_logs.setdefault(tag, BattleLog())
        for message in split_messages[1:]:
            line = "|".join(message)
            record.lines.append(line)
            if line.startswith("|error|[Invalid choice]"):
                record.invalid += 1
        await super()._handle_battle_message(split_messages)

    def _battle_finished_callback(self, battle: AbstractBattle) -> None:
        super()._battle_finished_callback(battle)
        done = self._finished.get(battle.battle_tag)
        if done is not None and not done.done():
            done.set_result(battle)

    def disconnected(self) -> asyncio.Future:
        """Resolves when the connection to the server ends; cancelling it is harmless."""
        connection = asyncio.wrap_future(self.ps_client._listening_coroutine)
        return asyncio.ensure_future(asyncio.shield(connection))

    async def finished(self, battle_tag: str) -> AbstractBattle:
        return await asyncio.shield(self._finished[battle_tag])

    def forget(self, battle_tag: str) -> BattleLog:
        """Drops the battle from memory and hands over its log."""
        self._battles.pop(battle_tag, None)
        self._finished.pop(battle_tag, None)
        self._rngs.pop(battle_tag, None)
        return self.arena_logs.pop(battle_tag, BattleLog())

    # -- deciding -------------------------------------------------------------------

    def seed_battle(self, battle_tag: str, seed: str, side: str) -> None:
        """Fixes this side's draws in the battle; called before its first message."""
        self._rngs[battle_tag] = side_random(seed, side)

    def rng_for(self, battle: AbstractBattle) -> random.Random:
        """This side's generator for `battle`: a bot that draws only from it (or through
        poke-env's random helpers) replays exactly. A battle with no seed (a server
        chose it) gets a fresh, unrepeatable one."""
        rng = self._rngs.get(battle.battle_tag)
        if rng is None:
            rng = self._rngs[battle.battle_tag] = random.Random(secrets.randbits(128))
        return rng

    async def _handle_battle_request(
        self, battle: AbstractBattle, maybe_default_order: bool = False
    ) -> None:
        """poke-env's answer to a request (team preview, a move, a retry after an invalid
        choice), with the battle's generator current."""
        with deciding(self.rng_for(battle)):
            await super()._handle_battle_request(battle, maybe_default_order)

    def choose_move(self, battle: AbstractBattle) -> Awaitable:
        return self._recorded_choice(battle)

    async def _recorded_choice(self, battle: AbstractBattle):
        """The guarded choice, recorded with its action slot when the agent was asked."""
        record = self.arena_logs.setdefault(battle.battle_tag, BattleLog())
        asked, failures = record.decisions, record.failures
        order = await self._guarded_choice(battle)
        if record.decisions > asked:
            record.choices.append(choice_of(battle, order, record.failures > failures))
        return order

    async def _guarded_choice(self, battle: AbstractBattle):
        """The agent's choice; its default move when it raises or runs out of time."""
        record = self.arena_logs.setdefault(battle.battle_tag, BattleLog())
        if record.forfeited:  # the battle is being conceded: nothing left to decide
            return self.choose_default_move()
        record.decisions += 1
        try:
            return await self._decide(battle)
        except TimeoutError:
            record.timeouts += 1
        except Exception as error:
            record.errors += 1
            self._report_once(error)
        if record.failures >= self.max_failures and not record.forfeited:
            record.forfeited = True
            await self.forfeit(battle.battle_tag)
        return self.choose_default_move()

    async def _decide(self, battle: AbstractBattle):
        """The agent's order within the decision limit; TimeoutError past it."""
        choose = super().choose_move
        if self.decides_on_loop or inspect.iscoroutinefunction(choose):
            started = time.perf_counter()
            choice = choose(battle)
            if isinstance(choice, Awaitable):
                return await asyncio.wait_for(choice, self.decision_timeout)
            if time.perf_counter() - started > self.decision_timeout:
                raise TimeoutError
            return choice
        if self._decision_thread is None:
            self._decision_thread = DecisionThread(f"decide-{self.username}")
        context = contextvars.copy_context()  # where the battle's generator is current
        deadline = asyncio.get_running_loop().time() + self.decision_timeout
        async with asyncio.timeout_at(deadline):
            # a decision still queued at the deadline is dropped from the thread's queue
            choice = await asyncio.wrap_future(
                self._decision_thread.submit(context.run, choose, battle)
            )
            if isinstance(choice, Awaitable):
                choice = await choice
        return choice

    def stop_deciding(self) -> None:
        if self._decision_thread is not None:
            self._decision_thread.close()

    async def forfeit(self, battle_tag: str) -> None:
        await self.ps_client.send_message("/forfeit", battle_tag)

    def _report_once(self, error: Exception) -> None:
        key = f"{type(error).__name__}: {error}"
        if not self._reported_errors[key]:
            log.error("%s raised in choose_move", self.username, exc_info=error)
        self._reported_errors[key] += 1


def username_for(agent_name: str) -> str:
    """A fresh Showdown name (at most 18 characters) that still reads as the agent."""
    stem = "".join(ch for ch in agent_name if ch.isalnum())[:11] or "agent"
    return f"{stem}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Account:
    """A name to play under; with a password it is logged in through `login_url`."""

    username: str
    password: str | None = field(default=None, repr=False)  # never in a repr, log or trace
    login_url: str | None = None


def arena_class(spec: AgentSpec) -> type[ArenaPlayer]:
    """The agent's player class with `ArenaPlayer` first in line; the shipped bots, and a
    class that says so, decide on the event loop (whatever the transport)."""
    on_loop = spec.kind == "builtin" or getattr(spec.player_class, "decides_on_loop", False)
    return type(
        f"Arena{spec.player_class.__name__}",
        (ArenaPlayer, spec.player_class),
        {"decides_on_loop": on_loop},
    )


def check_websocket_url(websocket_url: str) -> None:
    """poke-env reports any other address only as a closed connection."""
    if not websocket_url.startswith(("ws://", "wss://")):
        raise ArenaError(
            f"{websocket_url!r} is not a websocket address (ws://HOST:PORT/showdown/websocket)"
        )


async def spawn(
    spec: AgentSpec,
    websocket_url: str,
    battle_format: str,
    decision_timeout: float = ArenaPlayer.decision_timeout,
    max_failures: int = ArenaPlayer.max_failures,
    account: Account | None = None,
) -> ArenaPlayer:
    """A logged-in player for `spec`, living on the running event loop."""
    check_websocket_url(websocket_url)
    cls = arena_class(spec)
    http = websocket_url.replace("ws", "http", 1).split("/showdown")[0]
    username = account.username if account else username_for(spec.name)
    player = cls(
        account_configuration=AccountConfiguration(username, None),
        server_configuration=ServerConfiguration(websocket_url, f"{http}/action.php?"),
        battle_format=battle_format,
        max_concurrent_battles=0,
        log_level=logging.CRITICAL,
        open_timeout=LOGIN_TIMEOUT,  # a busy server completes handshakes late, not never
        loop=asyncio.get_running_loop(),
    )
    player.decision_timeout, player.max_failures = decision_timeout, max_failures
    if account and account.password:
        use_login(
            player.ps_client, account.login_url, account.password, player.refusals, player.query
        )
    try:
        await _logged_in(player, websocket_url)
    except BaseException:
        await close(player)
        raise
    return player


async def _logged_in(player: ArenaPlayer, websocket_url: str) -> None:
    """Waits for the login; a refusal or a dead connection becomes one clear error."""
    outcomes = {
        asyncio.ensure_future(player.ps_client.logged_in.wait()): "in",
        asyncio.ensure_future(player.refusals.get()): "refused",
        player.disconnected(): "closed",
    }
    done, pending = await asyncio.wait(
        outcomes, timeout=LOGIN_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    for future in pending:
        future.cancel()
    if not done:
        raise ArenaError(f"no login at {websocket_url} within {LOGIN_TIMEOUT:.0f}s", 1)
    first = done.pop()
    if outcomes[first] == "refused":
        raise LoginRefused(f"{player.username} was refused: {first.result()}", 1)
    if outcomes[first] == "closed":
        raise ArenaError(f"cannot reach the Showdown server at {websocket_url}", 1)


async def close(player: Player) -> None:
    if isinstance(player, ArenaPlayer):
        player.stop_deciding()
    if hasattr(player.ps_client, "websocket"):  # absent when it never connected
        # closing cancels poke-env's message task, which it logs as critical: not news
        player.ps_client.logger.setLevel(logging.CRITICAL + 1)
        await player.ps_client.stop_listening()

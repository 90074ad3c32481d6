"""What every arena command shares: the app and its help panels, its options, the
consoles, clean errors."""

import asyncio
import functools
import importlib
import inspect
import signal
import sys
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import typer.main
from rich.console import Console, RenderableType
from rich.live import Live
from typer.core import TyperCommand, TyperGroup

from arena import logs
from arena.config import defaults
from arena.errors import ArenaError, interrupted
from arena.matchmaking.settings import PlaySettings
from arena.showdown.servers import SERVER_FORMS, Server, resolve_server

if TYPE_CHECKING:  # imported where used: every command, --help included, imports this module
    from arena.matchmaking.cluster import RayOptions
    from arena.matchmaking.tournament import TournamentRun
    from arena.store.database import Store

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
PLAY = PlaySettings.defaults()  # the play options' defaults, for every command but battle

# Options several commands take, declared once so a flag means one thing everywhere.
FormatOption = Annotated[str, typer.Option("--format", help="Showdown format id.")]
TeamsOption = Annotated[
    Path | None, typer.Option(help="Team pool directory (Showdown export files).")
]
SeedOption = Annotated[int, typer.Option(help="Seeds the team choice.")]
ConcurrencyOption = Annotated[int, typer.Option(min=1, help="Battles in flight at once.")]
ServerOption = Annotated[
    str | None,
    typer.Option(help=f"Play on this running server: {SERVER_FORMS} (default: start one)."),
]
DecisionTimeoutOption = Annotated[
    float, typer.Option(min=0.1, help="Seconds an agent may take over one decision.")
]
MaxFailuresOption = Annotated[
    int, typer.Option(min=1, help="Failed decisions in a game before the agent forfeits it.")
]
BattleTimeLimitOption = Annotated[
    float, typer.Option(min=1, help="Seconds a game may last; then it is ended without a winner.")
]
DbOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default ./arena.db).")]
DeviceOption = Annotated[str, typer.Option(help="Where checkpoints run: cpu, cuda or cuda:N.")]
TemperatureOption = Annotated[
    float, typer.Option(min=0.0, help="Checkpoints sample at this temperature (0: greedy).")
]
TransportOption = Annotated[
    str | None,
    typer.Option(
        help="direct: arena's own simulator hosts (default); server: a Showdown server "
        "(always the one named by --server)."
    ),
]
RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        metavar="auto|ADDRESS",
        help="Play on a Ray cluster: auto (the cluster this machine is in, else a Ray "
        "started here) or the cluster's address. Needs pip install 'arena[ray]'.",
    ),
]
RayActorsOption = Annotated[
    int | None,
    typer.Option(min=1, help="Ray actors playing the games (default: one per two CPUs)."),
]
RayGpusOption = Annotated[
    float | None,
    typer.Option(help="With --ray and --device cuda: the GPU share each actor asks for (1)."),
]
# The play settings' flags: parameter name, how it is declared, the setting it gives.
PLAY_OPTIONS = {
    "battle_format": (FormatOption, "format"),
    "teams": (TeamsOption, "teams"),
    "concurrency": (ConcurrencyOption, "concurrency"),
    "seed": (SeedOption, "seed"),
    "decision_timeout": (DecisionTimeoutOption, "decision_timeout"),
    "max_failures": (MaxFailuresOption, "max_failures"),
    "battle_time_limit": (BattleTimeLimitOption, "battle_time_limit"),
    "device": (DeviceOption, "device"),
    "temperature": (TemperatureOption, "temperature"),
}


def play_options(command: str, *names: str):
    """Gives a command the play flags `names` (every one when none are named), with the
    command's defaults (`PlaySettings.defaults`), and hands it `play`, the settings they
    make; the settings it has no flag for keep their defaults. So each play flag is
    declared once, and means one thing, in every command that takes it."""
    shipped = PlaySettings.defaults(command)
    names = names or tuple(PLAY_OPTIONS)

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            given = {PLAY_OPTIONS[name][1]: kwargs.pop(name) for name in names}
            if given.get("teams") is not None:
                given["teams"] = str(Path(given["teams"]).resolve())
            return function(*args, play=replace(shipped, **given), **kwargs)

        signature = inspect.signature(function)
        own = [p for p in signature.parameters.values() if p.name != "play"]
        flags = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=getattr(shipped, PLAY_OPTIONS[name][1]),
                annotation=PLAY_OPTIONS[name][0],
            )
            for name in names
        ]
        wrapper.__signature__ = signature.replace(parameters=[*own, *flags])
        return wrapper

    return decorate


# Every export takes a file, or - for standard output (where it then stands alone).
CsvOption = Annotated[
    Path | None, typer.Option(metavar="FILE|-", help="Write CSV to FILE (- for standard output).")
]
JsonOption = Annotated[
    Path | None, typer.Option(metavar="FILE|-", help="Write JSON to FILE (- for standard output).")
]

# `arena --help` lists the commands in panels, as a user meets them (the README's order).
PANELS = {
    "Play": ("tournament", "battle", "selfplay", "play"),
    "Rate and inspect": (
        "leaderboard",
        "matrix",
        "battles",
        "replay",
        "behaviour",
        "evaluate",
        "web",
        "probe",
    ),
    "Learn": ("model", "data", "train", "promote", "loop", "lineage"),
    "Ladder": ("ladder", "board", "sparring"),
    "Set up": ("setup", "server", "db"),
}
ORDER = [name for names in PANELS.values() for name in names]

# Each command's module under arena.cli and the first paragraph of its help: `arena --help`
# lists them without importing any, and `arena X` imports only X's module (and what it
# imports), so a command pays only for the packages it uses.
COMMANDS = {
    "tournament": ("tournament", "Play a round robin (or a gauntlet) and print the leaderboard."),
    "battle": ("battle", "Play GAMES games between two agents and print the score."),
    "selfplay": (
        "selfplay",
        "Play AGENT against itself and the opponents; every decision is recorded.",
    ),
    "play": (
        "play",
        "Play a battle against an agent in your browser; the game is stored and rated.",
    ),
    "leaderboard": (
        "reports",
        "Standings ranked by Bradley–Terry Elo (95% intervals); TrueSkill, win rates, faults.",
    ),
    "matrix": (
        "reports",
        "Pairwise win rates with Wilson 95% intervals (row agent against column agent).",
    ),
    "battles": (
        "reports",
        "List a tournament's battles (or ladder games, or all) in the order they finished.",
    ),
    "replay": (
        "reports",
        "Tell one battle turn by turn: moves, damage, switches, status, faints, winner.",
    ),
    "behaviour": (
        "behaviour",
        "How often each agent does what in the situations that matter, with intervals.",
    ),
    "evaluate": (
        "evaluate",
        "Test a candidate against the incumbent with a sequential probability ratio test.",
    ),
    "web": (
        "web",
        "Serve a dashboard of the store and the training runs (read-only unless --play).",
    ),
    "probe": (
        "probe",
        "Put each agent into every stored position of a suite and score its choices per theme,"
        " without playing on.",
    ),
    "model": ("model", "Create and inspect policy checkpoints."),
    "data": ("data", "Training datasets built from stored battles."),
    "train": (
        "train",
        "Train a policy (behaviour cloning or offline actor-critic) on recorded battles.",
    ),
    "promote": (
        "promote",
        "Rank RUN's epochs and test the best against the incumbent with the SPRT.",
    ),
    "loop": ("loop", "Run a lineage's generations: self-play, data, training, promotion."),
    "lineage": (
        "lineage",
        "A lineage's generations: verdict, Elo against the parent, the hardest opponent.",
    ),
    "ladder": (
        "ladder",
        "Play GAMES ranked games and record each with the rating the server reports.",
    ),
    "board": (
        "board",
        "Keep baseline bots laddering on a local server (Ctrl-C stops), then print the board.",
    ),
    "sparring": (
        "ladder",
        "Keep bots searching on a ladder so another agent has opponents (Ctrl-C stops).",
    ),
    "setup": (
        "setup",
        "Install the pinned Showdown and uPlot (npm ci, shipped lockfiles) in arena's data folder.",
    ),
    "server": ("server", "Run local Showdown servers."),
    "db": ("db", "The store's schema: show or upgrade it."),
}


class Panels(TyperGroup):
    """The command group that puts each command in its panel of PANELS, in that order, and
    imports a command's module only when that command runs (or its own help is asked for)."""

    def list_commands(self, ctx) -> list[str]:
        names = set(self.commands) | set(COMMANDS)
        return sorted(names, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))

    def get_command(self, ctx, name: str):
        panel = next((p for p, names in PANELS.items() if name in names), None)
        command = self.commands.get(name)
        if command is None and name in COMMANDS:  # listed, not loaded: its summary stands in
            command = TyperCommand(name, help=COMMANDS[name][1])
        if command is not None:
            command.rich_help_panel = panel
        return command

    def resolve_command(self, ctx, args: list[str]):
        if args and args[0] not in self.commands:
            self.load(*([args[0]] if args[0] in COMMANDS else COMMANDS))  # a typo: suggest
        return super().resolve_command(ctx, args)

    def load(self, *names: str) -> None:
        """Imports the modules of `names`, whose import registers them on the app."""
        for name in names:
            importlib.import_module(f"arena.cli.{COMMANDS[name][0]}")
        self.commands.update(typer.main.get_group(app).commands)


# Markdown: help paragraphs are wrapped by the terminal, and `code` and [brackets] show.
MARKUP = "markdown"
app = typer.Typer(
    help="Tournaments, ratings and ladder play for Pokémon Showdown agents.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=MARKUP,
    cls=Panels,
)


def command_group(name: str, help: str) -> typer.Typer:
    """A command with subcommands (`arena model init`), added to the app."""
    group = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=MARKUP)
    app.add_typer(group, name=name)
    return group


# Tables stay readable when output goes to a file or a pipe, where rich assumes 80 columns.
console = Console() if sys.stdout.isatty() else Console(width=200)
errors = Console(stderr=True)


def clean_errors(command):
    """Turns arena's expected failures into one line on stderr and their exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ArenaError as error:
            typer.echo(f"arena: {error}", err=True)
            raise typer.Exit(error.exit_code) from None

    return wrapper


@contextmanager
def resumable(command: str):
    """A long command stopped with Ctrl-C: one line saying how to resume, exit 130.
    Whatever finished is stored, and every stage resumes by name."""
    try:
        yield
    except KeyboardInterrupt:
        raise interrupted(command) from None


@app.callback()
@clean_errors
def configure(
    log_level: Annotated[
        str,
        typer.Option(help=f"Least severe log records kept: {', '.join(logs.LEVELS)}."),
    ] = "warning",
):
    """Logging is set up once here, for whichever command runs."""
    logs.configure(log_level, errors)


def open_store(db: str | None) -> "Store":
    """The store, with the log moved to a file beside it when it is a file."""
    from arena.store.database import Store

    store = Store.open(db)
    log_beside(db)
    return store


def log_beside(db: str | None) -> None:
    """The log moved beside the store `db` names, for a command whose library opens the
    store itself once its input is checked."""
    from arena.store.connection import url_of

    logs.beside_store(url_of(db))


def server_option(value: str | None) -> Server | None:
    """`--server` resolved before anything starts; None: no server named."""
    return resolve_server(value) if value else None


def play_on(kind: str | None, server: Server | None):
    """The transport a command plays on (see `check_transport`), opened for its duration."""
    from arena.game.transport import check_transport, opened

    kind = check_transport(kind, server.websocket if server else None)
    return opened(
        kind,
        server.websocket if server else None,
        startup_timeout=defaults()["server"]["startup_timeout"],
    )


def ray_options(
    address: str | None, actors: int | None, gpus: float | None, device: str, workers: int = 1
) -> "RayOptions | None":
    """`--ray` and its companions, checked before anything starts; None: no Ray."""
    from arena.matchmaking.cluster import RayOptions, check_options

    if address is None:
        if actors is not None or gpus is not None:
            raise ArenaError("--ray-actors and --ray-gpus-per-actor go with --ray")
        return None
    return check_options(RayOptions(address, actors, gpus), device, workers)


def check_device(device: str, on_ray: bool = False) -> str:
    """cpu, cuda or cuda:N, checked before anything starts: a device torch cannot use
    would make every neural decision fail, and its forfeits would be stored as results.
    On Ray the GPUs are the actors', which Ray gives them: only the spelling is checked."""
    if device == "cpu":
        return device
    kind, colon, index = device.partition(":")
    if kind != "cuda" or (colon and not index.isdigit()):
        raise ArenaError(f"--device {device!r}: use cpu, cuda or cuda:N")
    if on_ray:
        return device
    import torch  # loaded only when a GPU is asked for

    if not torch.cuda.is_available():
        raise ArenaError(
            f"--device {device}: this torch ({torch.__version__}) has no CUDA; use --device cpu"
        )
    count = torch.cuda.device_count()
    if colon and int(index) >= count:
        raise ArenaError(f"--device {device}: this machine has {count} CUDA device(s)")
    return device


async def live_play(
    run: "TournamentRun", render: Callable[[], RenderableType], play: Callable[[], Awaitable[None]]
) -> signal.Signals | None:
    """Plays with a live view redrawn after every game; the first signal it was stopped by.

    The first Ctrl-C or SIGTERM drains (battles in flight finish and are stored), a second
    aborts; a command exits with 128 plus the first signal's number.
    """
    main = asyncio.current_task()
    received: list[signal.Signals] = []

    def on_signal(number: signal.Signals) -> None:
        received.append(number)
        run.stop.set()
        if len(received) == 1:
            key = "Ctrl-C" if number == signal.SIGINT else "the signal"
            errors.print(f"stopping: finishing the battles in flight ({key} again to abort)")
        else:
            main.cancel()

    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, on_signal, number)
    try:
        with Live(render(), console=console, refresh_per_second=4, transient=True) as live:
            run.on_game = lambda _run: live.update(render())
            await play()
    except asyncio.CancelledError:
        pass
    finally:
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)
    return received[0] if received else None

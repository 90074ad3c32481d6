"""The policy network: entity attention over the battle, an actor and a critic head.

Each Pokémon becomes a token (species embedding, its features, the mean of its move
tokens), plus one global token; a transformer encoder lets them attend to each other.
The actor scores the 4 move slots from the player's active token and each move's token,
and the 5 switch slots from the bench Pokémon's tokens (entities 1–5, which are the
switch slots by construction), so each logit reads the thing it would do. The critic is
a scalar state value from the global token, in the reward function's units.
"""

from dataclasses import asdict, dataclass

import torch
from torch import nn

from arena.models.neural.actions import N_MOVES, N_SWITCHES
from arena.models.neural.features import (
    GLOBAL_FEATURES,
    MOVE_FEATURES,
    POKEMON_FEATURES,
    TYPES,
    move_vocabulary,
    species_vocabulary,
)

SIZES = {
    "tiny": dict(d_model=64, layers=1, heads=4, embedding=32),
    "small": dict(d_model=192, layers=3, heads=6, embedding=64),
    "medium": dict(d_model=384, layers=6, heads=8, embedding=96),
}


@dataclass(frozen=True)
class PolicyConfig:
    d_model: int = 192
    layers: int = 3
    heads: int = 6
    embedding: int = 64
    n_species: int = 0
    n_moves: int = 0

    @classmethod
    def sized(cls, size: str) -> "PolicyConfig":
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}: use one of {', '.join(SIZES)}")
        return cls(
            **SIZES[size],
            n_species=len(species_vocabulary()) + 1,
            n_moves=len(move_vocabulary()) + 1,
        )

    def to_dict(self) -> dict:
        return asdict(self)


class Policy(nn.Module):
    def __init__(self, config: PolicyConfig):
        super().__init__()
        self.config = config
        d, e = config.d_model, config.embedding
        self.species = nn.Embedding(config.n_species, e, padding_idx=0)
        self.moves = nn.Embedding(config.n_moves, e, padding_idx=0)
        self.types = nn.Embedding(len(TYPES) + 1, 8, padding_idx=0)
        self.move_in = nn.Sequential(nn.Linear(e + 8 + MOVE_FEATURES, d), nn.GELU())
        self.pokemon_in = nn.Sequential(nn.Linear(e + POKEMON_FEATURES + d, d), nn.GELU())
        self.global_in = nn.Sequential(nn.Linear(GLOBAL_FEATURES, d), nn.GELU())
        layer = nn.TransformerEncoderLayer(
            d,
            config.heads,
            dim_feedforward=2 * d,
            dropout=0.0,
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.move_head = nn.Sequential(nn.Linear(2 * d, d), nn.GELU(), nn.Linear(d, 1))
        self.switch_head = nn.Sequential(nn.Linear(2 * d, d), nn.GELU(), nn.Linear(d, 1))
        self.value_head = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 1))

    def slots(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """What each action slot's score reads, (B, 9, 2d), and the global token, (B, d).

        Move slots pair each own move's token with the active Pokémon's; switch slots pair
        each bench Pokémon's token with the global one. Heads over slots (the actor's, or
        a trainer's Q heads) all read these.
        """
        move_tokens = self.move_in(
            torch.cat(
                [
                    self.moves(batch["moves"]),
                    self.types(batch["move_types"]),
                    batch["move_features"],
                ],
                dim=-1,
            )
        )  # (B, 12, 4, d)
        present = (batch["moves"] > 0).unsqueeze(-1).float()
        move_summary = (move_tokens * present).sum(2) / present.sum(2).clamp(min=1)
        pokemon = self.pokemon_in(
            torch.cat([self.species(batch["species"]), batch["pokemon"], move_summary], dim=-1)
        )
        tokens = torch.cat([pokemon, self.global_in(batch["globals"]).unsqueeze(1)], dim=1)
        encoded = self.encoder(tokens)  # (B, 13, d)
        active, bench, context = encoded[:, 0], encoded[:, 1 : 1 + N_SWITCHES], encoded[:, -1]
        own_moves = move_tokens[:, 0]  # (B, 4, d)
        move_inputs = torch.cat([own_moves, active.unsqueeze(1).expand(-1, N_MOVES, -1)], -1)
        switch_inputs = torch.cat([bench, context.unsqueeze(1).expand(-1, N_SWITCHES, -1)], -1)
        return torch.cat([move_inputs, switch_inputs], dim=1), context

    def heads(
        self, slots: torch.Tensor, context: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits over the 9 actions (unmasked) and the state value from `slots`' output."""
        logits = torch.cat(
            [self.move_head(slots[:, :N_MOVES]), self.switch_head(slots[:, N_MOVES:])], dim=1
        ).squeeze(-1)
        return logits, self.value_head(context).squeeze(-1)

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits over the 9 actions (unmasked) and the state value, per batch row."""
        return self.heads(*self.slots(batch))


def choose(
    logits: torch.Tensor,
    mask: torch.Tensor,
    temperature: float,
    draws: torch.Tensor | None = None,
) -> torch.Tensor:
    """Greedy at temperature 0, else a sample from the masked softmax; never illegal.

    A row's sample is the action whose cumulative probability first exceeds its draw
    (`draws`, uniform in [0, 1), one per row; needed above temperature 0): a function of
    that row alone, so a decision is reproduced from its draw whatever shares the batch.
    """
    masked = logits.masked_fill(~mask, float("-inf"))
    if temperature <= 0:
        return masked.argmax(dim=-1)
    cumulative = torch.softmax(masked / temperature, dim=-1).double().cumsum(dim=-1)
    below = cumulative <= draws.unsqueeze(-1) * cumulative[..., -1:]
    last_legal = torch.where(mask, torch.arange(mask.shape[-1], device=mask.device), 0).amax(-1)
    return torch.minimum(below.sum(dim=-1), last_legal)


def to_tensors(batch: dict, device: torch.device | str) -> dict[str, torch.Tensor]:
    return {name: torch.as_tensor(value, device=device) for name, value in batch.items()}

// Searches a decision of one singles battle on the installed Showdown's own simulator, for
// arena's `search` agent. One JSON object per line each way; one search at a time.
//
// stdin:  {"id": ID, "format": F, "seed": INT, "iterations": N, "deadline": EPOCH_MS,
//          "turn": T, "me": [MON, ...], "worlds": [[MON, ...], ...]}
//         MON: {"set": PokemonSet, "hp": INT|null, "hp_fraction": X, "status": S,
//               "boosts": {...}, "active": BOOL, "fainted": BOOL, "stats": {...}|null,
//               "maxhp": INT|null, "pp": {MOVEID: PP}, "volatiles": [ID], "sleep_turns": INT}
//         `me` is the searching player's own team, as it knows it (stats and HP from its
//         requests); each world is one sample of the opponent's team (arena's determiniser),
//         consistent with all the player has seen. Actives come first in both lists.
//         {"id": ID, "warm": F}                  (load the format's rules now)
// stdout: {"id": ID, "iterations": DONE, "visits": {KEY: N}, "cpu_ms": MS}
//         KEY: "move:MOVEID" or "switch:SPECIES NAME", the searching player's root actions
//         {"id": ID, "error": MESSAGE}
//         {"id": ID, "warm": true}
//
// The search is decoupled UCT over simultaneous moves, open loop: every iteration restores
// the root of one world (the worlds taken in turn), draws its own simulator seed (so damage
// rolls, critical hits, accuracy and sleep turns are sampled), and walks down a tree keyed by
// joint actions, each side picking its own action by UCB1 on its own statistics. A node seen
// for the first time is scored by `evaluate` (below) and its value backed up the path. The
// answer is the player's root visit counts (the player turns them into its choice). The
// search stops at N iterations or at
// its deadline (a wall-clock time, so a search that waited for its worker is not given
// more time), whichever comes first: it is anytime, and answers after at least one iteration.
'use strict';
const path = require('path');

const install = process.argv[2] || path.join(__dirname, 'node_modules', 'pokemon-showdown');
const {Battle} = require(path.join(install, 'dist', 'sim', 'battle'));
const {State} = require(path.join(install, 'dist', 'sim', 'state'));

const EXPLORATION = 0.3; // UCB1's constant (a position's values differ by a few hundredths)
const HINT = 0.2; // the progressive bias of an option's hint (below), in value units
const MAX_DEPTH = 4; // joint actions below the root before a node is scored regardless
const UNTRIED = 1000; // an untried option's score, above any tried one's (then by its hint)
// The leaf evaluation's weights: a Pokémon standing counts for its own sake and for its HP;
// a status costs a share of what the Pokémon is worth (sleep and freeze all but remove it).
const ALIVE = 1.0;
const HP = 1.0;
const STATUS_COST = {slp: 0.45, frz: 0.6, par: 0.25, tox: 0.2, psn: 0.12, brn: 0.15};
const BOOST = 0.04; // per stage of an active Pokémon's attack, defences, special and speed
const SCALE = 1.5; // the material difference that makes a position about 73% won

// Seeded randomness for the search's own choices (mulberry32), apart from the simulator's.
function rng(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function hex4(value) {
	return (value & 0xffff).toString(16).padStart(4, '0');
}

// A simulator seed for iteration `i`: the gen5 generator is the cheapest to start.
function simSeed(random) {
	const parts = [0, 0, 0, 0].map(() => hex4(Math.floor(random() * 65536)));
	return `gen5,${parts.join('')}`;
}

// A battle run without a stream must mark its log as sent, or the simulator stops it as an
// infinite loop after 1,000 unsent lines; a search never reads the log.
function forgetLog(battle) {
	battle.log.length = 0;
	battle.sentLogPos = 0;
}

// -- the root: a simulator battle in the position the player sees ---------------------------

function buildRoot(message, foes) {
	const battle = new Battle({formatid: message.format, seed: 'gen5,0123456789abcdef'});
	battle.send = () => {};
	battle.setPlayer('p1', {name: 'me', team: message.me.map((m) => m.set)});
	battle.setPlayer('p2', {name: 'foe', team: foes.map((m) => m.set)});
	if (battle.requestState === 'teampreview') {
		const order = (mons) => mons.map((_, i) => i + 1).join('');
		battle.makeChoices(`team ${order(message.me)}`, `team ${order(foes)}`);
	}
	forgetLog(battle);
	battle.turn = Math.max(1, message.turn || 1);
	for (const [side, mons] of [[battle.sides[0], message.me], [battle.sides[1], foes]]) {
		mons.forEach((mon, i) => place(battle, side, side.pokemon[i], mon));
	}
	forgetLog(battle);
	const forced = battle.sides.some((side) => side.active[0] && side.active[0].switchFlag);
	battle.makeRequest(forced ? 'switch' : 'move');
	forgetLog(battle);
	return JSON.stringify(State.serializeBattle(battle));
}

// One Pokémon put in the state the player knows (or, for the opponent, samples) it in.
function place(battle, side, pokemon, mon) {
	if (mon.stats) {
		for (const [stat, value] of Object.entries(mon.stats)) {
			pokemon.storedStats[stat] = value;
			pokemon.baseStoredStats[stat] = value;
			if (pokemon.modifiedStats) pokemon.modifiedStats[stat] = value;
		}
	}
	if (mon.maxhp) {
		pokemon.maxhp = mon.maxhp;
		pokemon.baseMaxhp = mon.maxhp;
	}
	for (const slot of pokemon.moveSlots) {
		if (mon.pp && mon.pp[slot.id] !== undefined) slot.pp = Math.max(0, Math.min(slot.maxpp, mon.pp[slot.id]));
	}
	if (mon.fainted) {
		pokemon.hp = 0;
		pokemon.fainted = true;
		pokemon.status = '';
		if (side.pokemonLeft) side.pokemonLeft--;
		if (mon.active) pokemon.switchFlag = true;
		return;
	}
	const hp = mon.hp ?? Math.round(mon.hp_fraction * pokemon.maxhp);
	pokemon.hp = Math.max(1, Math.min(pokemon.maxhp, hp));
	if (mon.status && mon.status !== 'fnt') setStatus(battle, pokemon, mon);
	if (!mon.active) return;
	const boosts = Object.fromEntries(Object.entries(mon.boosts || {}).filter(([, v]) => v));
	if (Object.keys(boosts).length) pokemon.boostBy(boosts);
	if (battle.gen === 1 && pokemon.modifiedStats) {
		if (pokemon.status === 'par') pokemon.modifyStat('spe', 0.25);
		if (pokemon.status === 'brn') pokemon.modifyStat('atk', 0.5);
	}
	for (const id of mon.volatiles || []) addVolatile(battle, side, pokemon, id);
}

function setStatus(battle, pokemon, mon) {
	pokemon.setStatus(mon.status, pokemon, null, true);
	if (pokemon.status === 'slp' && pokemon.statusState.time) {
		// the sleep's length was drawn afresh; the turns already slept cannot come again
		const left = Math.max(1, pokemon.statusState.time - (mon.sleep_turns || 0));
		pokemon.statusState.time = left;
	}
}

// A volatile the player saw start; the simulator's own start for it, its HP cost undone
// (a Substitute's cost was paid before the HP the player sees).
function addVolatile(battle, side, pokemon, id) {
	const hp = pokemon.hp;
	const foe = side.foe.active[0];
	try {
		pokemon.addVolatile(id, id === 'leechseed' ? foe : pokemon);
	} catch {
		return; // a volatile this generation does not have
	}
	pokemon.hp = hp;
}

// -- the search ------------------------------------------------------------------------------

// Each side's options where it stands: [key, choice, hint] triples, or [[null, null, 0]]
// when it waits. The hint (see `hint`) steers which options the search tries first.
function options(battle, side) {
	const request = side.activeRequest;
	if (!request || request.wait) return [[null, null, 0]];
	const found = [];
	const active = request.active ? request.active[0] : null;
	if (active) {
		active.moves.forEach((move, i) => {
			if (!move.disabled) found.push([`move:${move.id}`, `move ${i + 1}`, hint(battle, side, move.id)]);
		});
	}
	const mustSwitch = request.forceSwitch && request.forceSwitch[0];
	if (mustSwitch || (active && !active.trapped)) {
		side.pokemon.forEach((pokemon, i) => {
			if (!pokemon.fainted && !pokemon.isActive) {
				found.push([`switch:${pokemon.species.name}`, `switch ${i + 1}`, 0]);
			}
		});
	}
	return found.length ? found : [[null, 'default', 0]];
}

// A quick guess, in [0, 1], of a move's worth before any simulation: for an attack, the
// share of the target's HP it takes on average (the damage formula's expected value with
// STAB, type effectiveness and accuracy, capped at a knock-out); for a status move that
// can stick, STATUS_HINT; for a heal, the share of HP missing; else nothing.
const STATUS_HINT = 0.15;
function hint(battle, side, moveId) {
	const user = side.active[0];
	const target = side.foe.active[0];
	const move = battle.dex.moves.get(moveId);
	if (!user || !target || !target.hp || !move.exists) return 0;
	if (move.category === 'Status') {
		if (move.status && !target.status) return STATUS_HINT;
		if (move.heal || ['rest', 'softboiled', 'recover'].includes(move.id)) return 1 - user.hp / user.maxhp;
		return move.boosts || move.self ? STATUS_HINT / 3 : 0;
	}
	if (!battle.dex.getImmunity(move.type, target.getTypes())) return 0;
	let damage;
	if (move.damage === 'level') damage = user.level;
	else if (typeof move.damage === 'number') damage = move.damage;
	else if (move.ohko) damage = target.hp;
	else {
		const physical = move.category === 'Physical';
		const attack = user.getStat(physical ? 'atk' : 'spa');
		const defence = Math.max(1, target.getStat(physical ? 'def' : 'spd'));
		const hits = Array.isArray(move.multihit) ? 3 : move.multihit || 1;
		const base = Math.floor((Math.floor((2 * user.level) / 5 + 2) * move.basePower * hits * attack) / defence / 50) + 2;
		const stab = user.hasType(move.type) ? 1.5 : 1;
		damage = base * stab * 2 ** battle.dex.getEffectiveness(move.type, target.getTypes()) * 0.92;
	}
	const accuracy = move.accuracy === true ? 1 : move.accuracy / 100;
	return accuracy * Math.min(1, damage / target.hp);
}

class Node {
	constructor() {
		this.visits = 0;
		this.stats = [new Map(), new Map()]; // per side: key -> [visits, value sum]
		this.children = new Map();
	}

	// UCB1 over this side's own statistics, among the options legal in this sample, with a
	// progressive bias: HINT x the option's hint, fading as the option is visited. Every
	// option is tried once before any is tried twice, the likeliest first: an untried option
	// scored by a guess lost to the exploration bonus of the first one tried, and the search
	// then weighed one or two actions of each side, whatever the budget.
	pick(index, available, random) {
		const stats = this.stats[index];
		const logN = Math.log(Math.max(1, this.visits));
		let best = null;
		let bestScore = -Infinity;
		for (const option of available) {
			const [n, w] = stats.get(option[0]) || [0, 0];
			const ucb = n ? w / n + EXPLORATION * Math.sqrt(logN / n) + (HINT * option[2]) / (n + 1) : UNTRIED + option[2];
			const score = ucb + random() * 1e-6;
			if (score > bestScore) [best, bestScore] = [option, score];
		}
		return best;
	}

	update(index, key, value) {
		const entry = this.stats[index].get(key) || [0, 0];
		entry[0]++;
		entry[1] += value;
		this.stats[index].set(key, entry);
	}
}

// How good the position is for p1, in [0, 1]: a logistic of the material difference, where a
// side's material is, per Pokémon still standing, ALIVE + HP x its HP fraction, less its
// status's cost, plus BOOST per stage of its active Pokémon's boosts.
function evaluate(battle) {
	if (battle.ended) {
		if (!battle.winner) return 0.5;
		return battle.winner === battle.sides[0].name ? 1 : 0;
	}
	const diff = material(battle.sides[0]) - material(battle.sides[1]);
	return 1 / (1 + Math.exp(-diff / SCALE));
}

function material(side) {
	let total = 0;
	for (const pokemon of side.pokemon) {
		if (pokemon.fainted || !pokemon.hp) continue;
		const worth = ALIVE + HP * (pokemon.hp / pokemon.maxhp);
		total += worth * (1 - (STATUS_COST[pokemon.status] || 0));
		if (pokemon.isActive) {
			for (const stat of ['atk', 'def', 'spa', 'spd', 'spe']) total += BOOST * (pokemon.boosts[stat] || 0);
		}
	}
	return total;
}

function step(battle, choices) {
	battle.sides.forEach((side, i) => {
		const choice = choices[i];
		if (choice && !side.isChoiceDone() && !side.choose(choice)) side.autoChoose();
	});
	if (!battle.allChoicesDone()) battle.sides.forEach((side) => side.isChoiceDone() || side.autoChoose());
	battle.commitChoices();
	forgetLog(battle);
}

function search(message) {
	const roots = []; // each world's root, built when first needed (the deadline may come first)
	const random = rng(message.seed);
	const root = new Node();
	let done = 0;
	for (; done < message.iterations; done++) {
		if (done > 0 && Date.now() >= message.deadline) break;
		const world = done % message.worlds.length;
		if (roots.length <= world) roots.push(buildRoot(message, message.worlds[world]));
		const battle = State.deserializeBattle(roots[world]);
		battle.send = () => {};
		battle.resetRNG(simSeed(random));
		forgetLog(battle);
		const path = [];
		let node = root;
		let value;
		for (let depth = 0; ; depth++) {
			if (battle.ended || (node !== root && node.visits === 0) || depth >= MAX_DEPTH) {
				value = evaluate(battle);
				break;
			}
			const mine = node.pick(0, options(battle, battle.sides[0]), random);
			const theirs = node.pick(1, options(battle, battle.sides[1]), random);
			path.push([node, mine[0], theirs[0]]);
			const key = `${mine[0]}|${theirs[0]}`;
			if (!node.children.has(key)) node.children.set(key, new Node());
			node = node.children.get(key);
			try {
				step(battle, [mine[1], theirs[1]]);
			} catch {
				value = evaluate(battle); // a simulator failure in one sample ends only it
				break;
			}
		}
		node.visits++;
		for (const [visited, myKey, theirKey] of path) {
			visited.visits++;
			visited.update(0, myKey, value);
			visited.update(1, theirKey, 1 - value);
		}
	}
	return answer(message.id, root, done);
}

function answer(id, root, done) {
	const visits = {};
	for (const [key, [n]] of root.stats[0]) {
		if (key !== null && key !== 'null') visits[key] = n;
	}
	return {id, iterations: done, visits};
}

// A format's rules and data load, and the simulator's code compiles, on a worker's first
// searches, which take longer than a decision may: a player starting to play has a small
// search run first (a Pokémon every generation has, with a move it always learns).
function warm(format) {
	const mon = (active) => ({set: {species: 'Pikachu', moves: ['thundershock']}, hp_fraction: 1, active});
	const me = [mon(true), mon(false)];
	try {
		search({id: 0, format, seed: 1, iterations: 16, deadline: Date.now() + 5000, me, worlds: [me]});
	} catch {
		// an unknown format fails again, with its reason, in the first real search
	}
}

let unread = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
	const lines = (unread + chunk).split('\n');
	unread = lines.pop();
	for (const line of lines) {
		if (!line) continue;
		const message = JSON.parse(line);
		if (message.warm) {
			warm(message.warm);
			process.stdout.write(JSON.stringify({id: message.id, warm: true}) + '\n');
			continue;
		}
		const started = process.cpuUsage();
		let reply;
		try {
			reply = search(message);
			const used = process.cpuUsage(started);
			reply.cpu_ms = (used.user + used.system) / 1000;
		} catch (error) {
			reply = {id: message.id, error: String(error && error.stack ? error.stack.split('\n').slice(0, 3).join(' ') : error)};
		}
		process.stdout.write(JSON.stringify(reply) + '\n');
	}
});
process.stdin.on('end', () => process.exit(0));

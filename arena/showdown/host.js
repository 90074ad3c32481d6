// Runs many battles in one process with the installed Showdown's own simulator, for arena's
// direct transport: no server, no sockets, no users. One JSON object per line each way.
//
// stdin:  {"start": ID, "format": F, "seed": "sodium,HEX", "players": [[NAME, PACKED|null], x2]}
//         {"choose": ID, "side": "p1", "choice": "move 1|RQID"}
//         {"forfeit": ID, "side": "p1"}
//         {"drop": ID}                          (forget a battle, finished or not)
//         {"stats": true}                       (this process's CPU split, in microseconds)
// stdout: "ID SIDE BYTES" then BYTES of one message, as the server sends it to that side
//         (a header and raw text: a request's JSON is not escaped a second time)
//         {"id": ID, "over": true}              (the simulator has ended the battle)
//         {"id": ID, "crashed": MESSAGE}        (the simulator failed in this battle)
//         {"stats": {"cpu": US, "io": US}}
//
// Each player's messages are the simulator's output resolved for that player by the
// simulator's own `extractChannelMessages`, as `getPlayerStreams` and the server's rooms
// resolve `|split|` lines (only the two players' channels are built); requests and
// choices follow the server's own
// room-battle rules (a request id in every request, "too late" and "nothing to choose"
// errors), so a poke-env player sees what a websocket would have shown it.
'use strict';
const crypto = require('crypto');
const path = require('path');

const install = process.argv[2] || path.join(__dirname, 'node_modules', 'pokemon-showdown');
const {BattleStream} = require(path.join(install, 'dist', 'sim', 'battle-stream'));
const {extractChannelMessages} = require(path.join(install, 'dist', 'sim', 'battle'));

const battles = new Map();
let ioMicros = 0;
let pending = []; // [id, side, data] of messages to a player, or [object, null, null]

// The line protocol's CPU is measured once per batch (a `cpuUsage` call is a system call,
// too dear to make per message): framing and writing in `flush`, reading in `onInput`.
function flush() {
	const started = process.cpuUsage();
	const parts = [];
	for (const [id, side, data] of pending) {
		if (side === null) parts.push(JSON.stringify(id), '\n');
		else parts.push(`${id} ${side} ${Buffer.byteLength(data)}\n`, data);
	}
	pending = [];
	process.stdout.write(parts.join(''));
	ioMicros += micros(process.cpuUsage(started));
}

function queue(entry) {
	if (!pending.length) setImmediate(flush);
	pending.push(entry);
}

function send(message) {
	queue([message, null, null]);
}

function deliver(id, side, data) {
	if (data) queue([id, side, data]);
}

function micros(usage) {
	return usage.user + usage.system;
}

// A random battle's teams are generated from each player's own seed; deriving both from the
// battle's seed makes the whole battle a function of that one seed.
function teamSeed(seed, side) {
	const digest = crypto.createHash('sha256').update(`${seed}:${side}`).digest('hex');
	return `sodium,${digest.slice(0, 32)}`;
}

class HostedBattle {
	constructor(id, command) {
		this.id = id;
		this.names = command.players.map((p) => p[0]);
		this.stream = new BattleStream();
		this.rqid = 0;
		this.requests = {p1: idle(), p2: idle()};
		this.ended = false;
		void this.relay();
		const start = {formatid: command.format, seed: command.seed};
		const lines = [`>start ${JSON.stringify(start)}`];
		command.players.forEach(([name, team], index) => {
			const side = `p${index + 1}`;
			const options = {name, avatar: '', team: team || null, seed: teamSeed(command.seed, side)};
			lines.push(`>player ${side} ${JSON.stringify(options)}`);
		});
		void this.stream.write(lines.join('\n'));
	}

	async relay() {
		try {
			for await (const chunk of this.stream) this.receive(chunk);
		} catch (error) {
			this.crash(error);
			return;
		}
		this.ended = true;
		send({id: this.id, over: true});
	}

	// The simulator's output, as `getPlayerStreams` splits it for p1 and p2.
	receive(chunk) {
		const newline = chunk.indexOf('\n');
		const type = chunk.slice(0, newline);
		const data = chunk.slice(newline + 1);
		if (type === 'update') {
			const channels = extractChannelMessages(data, [1, 2]);
			deliver(this.id, 'p1', channels[1].join('\n'));
			deliver(this.id, 'p2', channels[2].join('\n'));
		} else if (type === 'sideupdate') {
			const [side, sideData] = [data.slice(0, 2), data.slice(3)];
			deliver(this.id, side, this.sideMessage(side, sideData));
		}
	}

	// A simulator error ends this battle only; arena plays its slot again.
	crash(error) {
		if (this.ended) return;
		this.ended = true;
		send({id: this.id, crashed: String(error && error.stack ? error.stack.split('\n')[0] : error)});
	}

	// The server's handling of a side's update (room-battle.ts, `receive`, "sideupdate").
	sideMessage(side, chunk) {
		const request = this.requests[side];
		if (chunk.startsWith(`|error|[Invalid choice] Can't do anything`)) return chunk;
		if (chunk.startsWith('|error|[Invalid choice]')) {
			request.isWait = chunk.includes(`Can't undo`) ? 'cantUndo' : false;
			request.choice = '';
			return chunk;
		}
		if (!chunk.startsWith('|request|{')) return chunk;
		// The server parses the request, adds `rqid` and writes it again; the simulator's
		// requests have no `rqid` and `wait` comes first, so appending gives the same text.
		this.rqid++;
		const wait = chunk.startsWith('|request|{"wait":true');
		this.requests[side] = {rqid: this.rqid, isWait: wait ? 'cantUndo' : false, choice: ''};
		return `${chunk.slice(0, -1)},"rqid":${this.rqid}}`;
	}

	// The server's `choose` (room-battle.ts): stale or early choices are refused the same way.
	choose(side, data) {
		const [choice, rqid] = data.split('|', 2);
		const request = this.requests[side];
		if (request.isWait !== false && request.isWait !== true) {
			deliver(this.id, side, `|error|[Invalid choice] There's nothing to choose`);
			return;
		}
		const allWait = Object.values(this.requests).every((r) => !!r.isWait);
		if (allWait || (rqid && rqid !== `${request.rqid}`)) {
			const late = 'Sorry, too late to make a different move; the next turn has already started';
			deliver(this.id, side, `|error|[Invalid choice] ${late}`);
			return;
		}
		request.isWait = true;
		request.choice = choice;
		void this.stream.write(`>${side} ${choice}`);
	}

	// The server's `forfeitPlayer`: the room hears it, then the simulator ends the battle.
	forfeit(side) {
		if (this.ended || this.forfeited) return;
		this.forfeited = true;
		const message = `|-message|${this.names[side === 'p1' ? 0 : 1]} forfeited.`;
		for (const each of ['p1', 'p2']) deliver(this.id, each, message);
		void this.stream.write(`>forcelose ${side}`);
	}

	drop() {
		void this.stream.writeEnd();
	}
}

function idle() {
	return {rqid: 0, isWait: 'cantUndo', choice: ''};
}

function handle(command) {
	if (command.start !== undefined) {
		battles.set(command.start, new HostedBattle(command.start, command));
		return;
	}
	if (command.stats) {
		const usage = process.cpuUsage();
		send({stats: {cpu: usage.user + usage.system, io: Math.round(ioMicros)}});
		return;
	}
	const id = command.choose ?? command.forfeit ?? command.drop;
	const battle = battles.get(id);
	if (!battle) return; // a message for a battle already dropped
	if (command.choose !== undefined) battle.choose(command.side, command.choice);
	else if (command.forfeit !== undefined) battle.forfeit(command.side);
	else {
		battles.delete(id);
		battle.drop();
	}
}

let unread = '';
function onInput(chunk) {
	const started = process.cpuUsage();
	const lines = (unread + chunk).split('\n');
	unread = lines.pop();
	const commands = lines.filter((line) => line).map((line) => JSON.parse(line));
	ioMicros += micros(process.cpuUsage(started));
	for (const command of commands) handle(command);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', onInput);
process.stdin.on('end', () => process.exit(0));

// Checks a format and a batch of teams with the installed Showdown's own validator.
// argv: the pokemon-showdown install directory.
// stdin: {"format": "gen1ou", "teams": ["<export or packed text>", ...]}
// stdout: {"exists": bool, "name": str, "needsTeam": bool, "gameType": str,
//          "teams": [{"packed": str|null, "errors": [str]}]}
'use strict';
const ps = require(process.argv[2]);

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
	const request = JSON.parse(input);
	const format = ps.Dex.formats.get(request.format);
	const exists = format.exists && format.effectType === 'Format';
	const reply = {
		exists, name: format.name, needsTeam: exists && !format.team,
		gameType: format.gameType || 'singles', teams: [],
	};
	if (exists) {
		const validator = ps.TeamValidator.get(format.id);
		for (const text of request.teams) {
			const team = ps.Teams.import(text);
			if (!team || !team.length) {
				reply.teams.push({packed: null, errors: ['no Pokémon could be read from it']});
				continue;
			}
			const errors = validator.validateTeam(team) || [];
			reply.teams.push({packed: errors.length ? null : ps.Teams.pack(team), errors});
		}
	}
	process.stdout.write(JSON.stringify(reply));
});

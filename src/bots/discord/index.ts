// The Discord bot's public surface: started by `npm start` when DISCORD_TOKEN is set, and
// `linksnap discord:register` for registering the slash commands alone.
export { startDiscordBot, registerDiscordCommands, DefaultDiscordBotTuning } from './bot.js';
export type { DiscordBot, DiscordBotOptions, DiscordBotTuning } from './bot.js';
export { DiscordTokenRejectedError, DiscordConnectError } from './errors.js';
export { commandDefinitions } from './commands.js';

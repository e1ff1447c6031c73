package grapple.bot;

import grapple.bot.outbox.Outbox;
import grapple.state.Database;
import java.time.Clock;

/**
 * What a service gets to work with: the database (its own tables), the outbox (every message it
 * posts), the connections (lookups, and changes for its commands), the rooms the bot is in, and the
 * clock.
 */
public record ServiceContext(Database database, Outbox outbox, Connections connections, Changes changes,
    BotRooms botRooms, Clock clock) {}

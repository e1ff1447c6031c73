package grapple.bot;

import grapple.bot.outbox.Outbox;
import grapple.commands.Permissions;
import grapple.state.Database;
import grapple.state.SecretBox;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * What a service gets to work with: the database (its own tables), the outbox (every message it
 * posts), the connections (lookups, and changes for its commands), the rooms the bot is in, the
 * clock, the config's permissions (for commands a connection answers itself), and the key that
 * seals tokens at rest (loaded, or made, on first use).
 */
public record ServiceContext(
    Database database,
    Outbox outbox,
    Connections connections,
    Changes changes,
    BotRooms botRooms,
    Clock clock,
    Permissions permissions,
    Supplier<SecretBox> secrets) {}

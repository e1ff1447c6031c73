package grapple.bot;

import grapple.bot.outbox.Outbox;
import grapple.bot.room.RoomGateway;
import grapple.commands.Permissions;
import grapple.state.Database;
import grapple.state.SecretBox;
import java.time.Clock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What a service gets to work with: the database (its own tables), the outbox (every message it
 * posts), the connections (lookups, and changes for its commands), the rooms the bot is in, the
 * clock, the config's permissions (for commands a connection answers itself), the key that seals
 * tokens at rest (loaded, or made, on first use), the room gateway (media downloads; posting goes
 * through the outbox), the Matrix display names identity links show (a service that links an
 * account asks for the user's), and the first of {@code bot.commandPrefixes}, so that a notice the
 * bot posts on its own (not as a command's reply) names a command the room can type as it is.
 */
public record ServiceContext(
    Database database,
    Outbox outbox,
    Connections connections,
    Changes changes,
    BotRooms botRooms,
    Clock clock,
    Permissions permissions,
    Supplier<SecretBox> secrets,
    @Nullable RoomGateway gateway,
    MatrixProfiles profiles,
    String commandPrefix) {}

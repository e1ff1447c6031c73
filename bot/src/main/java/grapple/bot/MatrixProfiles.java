package grapple.bot;

import grapple.bot.room.RoomGateway;
import grapple.bot.room.RoomStates;
import grapple.state.PeopleLinks;
import grapple.state.Texts;
import java.io.IOException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Matrix display names identity links show (CONTRACT §14): when a link is made, the user's name
 * is asked of the homeserver's profile API, else taken from the member state of a room the bot
 * shares with them, and kept. Never fails the link: a name not found is left unknown.
 */
public final class MatrixProfiles {
  private static final Logger log = LoggerFactory.getLogger(MatrixProfiles.class);

  /** Longer names are cut: Synapse allows 256 characters; a link is no place for more. */
  static final int MAX_NAME_CHARS = 256;

  private final RoomStates rooms;
  private final @Nullable RoomGateway gateway;
  private final PeopleLinks store;

  public MatrixProfiles(RoomStates rooms, @Nullable RoomGateway gateway, PeopleLinks store) {
    this.rooms = rooms;
    this.gateway = gateway;
    this.store = store;
  }

  /**
   * Looks up and keeps {@code userId}'s display name. Blocks on the homeserver (call it holding no
   * lock); a name that cannot be found keeps the one kept before, if any; one the database cannot
   * keep is logged, not thrown.
   */
  public void remember(String userId) {
    Optional<String> name = fromProfile(userId).or(() -> rooms.displayName(userId));
    if (name.isEmpty()) return;
    String kept = name.get().strip();
    try {
      store.rememberDisplayName(userId, Texts.prefix(kept, MAX_NAME_CHARS));
    } catch (RuntimeException e) {
      // A convenience beside a link already made: the caller's link stands; the name is looked up
      // again the next time the user links something.
      log.warn("links: the display name of {} could not be kept: {}", userId, e.toString());
    }
  }

  private Optional<String> fromProfile(String userId) {
    if (gateway == null) return Optional.empty();
    try {
      return gateway.displayName(userId);
    } catch (IOException | RuntimeException e) {
      // The link is made all the same; room state may know the name, else it stays unknown.
      log.info(
          "links: the homeserver did not give the display name of {}: {}", userId, e.toString());
      return Optional.empty();
    }
  }
}

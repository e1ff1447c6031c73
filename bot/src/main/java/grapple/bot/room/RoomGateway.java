package grapple.bot.room;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** Where rooms live: a homeserver or the local console. Every mode runs the same core on it. */
public interface RoomGateway {
  String botUserId();

  /** Sends an event with a transaction id (idempotent per id); returns the event id. */
  String send(String roomId, String eventType, ObjectNode content, String txnId) throws IOException;

  /** Writes a state event as the bot. */
  void putState(String roomId, String eventType, String stateKey, ObjectNode content)
      throws IOException;

  /** The one direct-message room with {@code userId}, created on first use. */
  String directRoom(String userId) throws IOException;

  /**
   * The homeserver refused a send to {@code roomId}, the direct room with {@code userId}, for good
   * (the bot was kicked from it, the room is gone): the next {@link #directRoom} makes a new one.
   */
  default void directRoomRefused(String userId, String roomId) {}

  void join(String roomId) throws IOException;

  /**
   * Joins {@code roomId} through the servers {@code via} (the homeserver asks them, for a room it
   * is not in yet, e.g. the room that replaced an upgraded one).
   */
  default void join(String roomId, java.util.List<String> via) throws IOException {
    join(roomId);
  }

  /**
   * Redacts an event (e.g. a message that held a token), saying why; idempotent per transaction id.
   */
  default void redact(String roomId, String eventId, String reason, String txnId)
      throws IOException {
    throw new IOException("this gateway cannot redact");
  }

  /**
   * Downloads {@code mxcUri} from the homeserver's media repository (authenticated media), at most
   * {@code maxBytes}, within {@code timeout} in all (a body that trickles in is cut there, not held
   * for as long as each byte comes within the read timeout); an IOException when it cannot (a
   * MatrixException when the homeserver says why, an InterruptedIOException when the time is up).
   */
  default Media download(String mxcUri, long maxBytes, java.time.Duration timeout)
      throws IOException {
    throw new IOException("this gateway has no media repository");
  }

  /**
   * Ends the {@link #download} (or other call to the homeserver) {@code thread} has under way, and
   * every later one of it, at once: at shutdown, a call on a silent socket does not heed its
   * thread's interrupt and runs out its timeout.
   */
  default void cancelCallsOf(Thread thread) {}

  /**
   * Whether {@link #upload} and {@link #download} reach a media repository (a homeserver's; local
   * mode has none).
   */
  default boolean hasMediaRepository() {
    return false;
  }

  /** Uploads a file to the media repository; returns its {@code mxc://} URI. */
  default String upload(byte[] bytes, String contentType, String fileName) throws IOException {
    throw new IOException("this gateway has no media repository");
  }

  /**
   * True when the gateway commits {@link RoomEvents#takeWrites} with its sync position itself;
   * otherwise the core commits them after each event.
   */
  default boolean batchesWrites() {
    return false;
  }

  /**
   * The user's display name from their profile on the homeserver; empty when they have none or the
   * gateway has no profiles (an IOException when the homeserver cannot be asked).
   */
  default java.util.Optional<String> displayName(String userId) throws IOException {
    return java.util.Optional.empty();
  }

  /** Leaves (or declines an invite to) a room, saying why. */
  void leave(String roomId, String reason) throws IOException;

  /** The state event types to sync (other room state may be left out). */
  default void follow(java.util.List<String> stateTypes) {}

  /**
   * The types of timeline events the services want beside messages and followed state (filter
   * syntax: {@code *} matches any run of characters), for {@link RoomEvents#onRoomEvent}.
   */
  default void followRoomEvents(java.util.List<String> eventTypes) {}

  /**
   * Makes sure the gateway can act as the bot (a homeserver checks the access token), waiting while
   * it is unreachable; a refusal is fatal.
   */
  default void connect() throws LoginFailed, InterruptedException {}

  /**
   * While {@link #connect} waits (the homeserver unreachable, a login retried), or while the
   * homeserver refuses the bot once started (its token revoked): what it waits for, for {@code
   * /ready}, which answers 503 meanwhile; empty otherwise. Names no secret.
   */
  default java.util.Optional<String> waitingFor() {
    return java.util.Optional.empty();
  }

  /** Threads the gateway runs that must not die, for the watchdog. */
  default java.util.Map<String, java.util.function.BooleanSupplier> threads() {
    return java.util.Map.of();
  }

  /**
   * Why the gateway, its threads alive, no longer reads rooms (a sync stuck on a call that never
   * ends), for the watchdog; empty while it works. Names no secret.
   */
  default java.util.Optional<String> stuck() {
    return java.util.Optional.empty();
  }

  /** Starts feeding room events to {@code events}; {@code onLoaded} runs once rooms are loaded. */
  void start(RoomEvents events, Runnable onLoaded);

  void stop();
}

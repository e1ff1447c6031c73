package grapple.bot.webhook;

import grapple.state.ConnectionStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secret ids in webhook URLs: kept in the database, and known in memory for the connections of
 * this instance. One made by another instance, or carried to a connection's new id when its room
 * was upgraded, is read from the database the first time it is asked for.
 */
final class HookIds {
  static final String SECRET_NAME = "hookId";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ConnectionStore store;

  /** Connection id → its hook id, for the connections that have one. */
  private final Map<String, String> hookIdByConnection = new ConcurrentHashMap<>();

  HookIds(ConnectionStore store) {
    this.store = store;
    hookIdByConnection.putAll(store.secrets(SECRET_NAME));
  }

  /** The connection whose URL carries {@code hookId}, as the database says (waits). */
  Optional<String> connectionId(String hookId) {
    return store.connectionWithSecret(SECRET_NAME, hookId);
  }

  /**
   * The hook id of a connection if it has one: from memory, else from the database (made by another
   * instance, or moved here with its connection).
   */
  Optional<String> existing(String connectionId) {
    String known = hookIdByConnection.get(connectionId);
    if (known != null) return Optional.of(known);
    Optional<String> stored = store.secret(connectionId, SECRET_NAME);
    stored.ifPresent(hookId -> hookIdByConnection.put(connectionId, hookId));
    return stored;
  }

  /** The hook id of a connection, made and stored the first time it is asked for. */
  String hookIdFor(String connectionId) {
    Optional<String> existing = existing(connectionId);
    if (existing.isPresent()) return existing.get();
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    // Another instance may be making one at the same moment: the first stored is the one.
    String hookId =
        store.secretOrPut(
            connectionId,
            SECRET_NAME,
            Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    hookIdByConnection.put(connectionId, hookId);
    return hookId;
  }

  void forget(String connectionId) {
    hookIdByConnection.remove(connectionId);
  }
}

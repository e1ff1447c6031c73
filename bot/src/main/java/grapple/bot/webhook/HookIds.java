package grapple.bot.webhook;

import grapple.state.ConnectionStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secret ids in webhook URLs: kept in the database, indexed in memory for the hot path. An id
 * not in memory is looked up once in the database: another instance may have made it.
 */
final class HookIds {
  static final String SECRET_NAME = "hookId";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ConnectionStore store;
  private final Map<String, String> connectionByHookId = new ConcurrentHashMap<>();

  HookIds(ConnectionStore store) {
    this.store = store;
    store
        .secrets(SECRET_NAME)
        .forEach((connectionId, hookId) -> connectionByHookId.put(hookId, connectionId));
  }

  /** The connection of a hook id known in memory; empty when only the database could tell. */
  Optional<String> knownConnectionId(String hookId) {
    return Optional.ofNullable(connectionByHookId.get(hookId));
  }

  /** The connection of a hook id; one not known in memory is read from the database (waits). */
  Optional<String> connectionId(String hookId) {
    String known = connectionByHookId.get(hookId);
    if (known != null) return Optional.of(known);
    Optional<String> stored = store.connectionWithSecret(SECRET_NAME, hookId);
    stored.ifPresent(id -> connectionByHookId.put(hookId, id));
    return stored;
  }

  /** The hook id of a connection, made and stored the first time it is asked for. */
  String hookIdFor(String connectionId) {
    Optional<String> existing = store.secret(connectionId, SECRET_NAME);
    if (existing.isPresent()) return existing.get();
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    // Another instance may be making one at the same moment: the first stored is the one.
    String hookId =
        store.secretOrPut(
            connectionId,
            SECRET_NAME,
            Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    connectionByHookId.put(hookId, connectionId);
    return hookId;
  }

  void forget(String connectionId) {
    connectionByHookId.values().removeIf(connectionId::equals);
  }
}

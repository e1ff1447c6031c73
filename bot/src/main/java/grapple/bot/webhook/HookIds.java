package grapple.bot.webhook;

import grapple.state.ConnectionStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The secret ids in webhook URLs: kept in SQLite, indexed in memory for the hot path. */
final class HookIds {
  static final String SECRET_NAME = "hookId";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ConnectionStore store;
  private final Map<String, String> connectionByHookId = new ConcurrentHashMap<>();

  HookIds(ConnectionStore store) {
    this.store = store;
    store.secrets(SECRET_NAME).forEach((connectionId, hookId) -> connectionByHookId.put(hookId, connectionId));
  }

  Optional<String> connectionId(String hookId) {
    return Optional.ofNullable(connectionByHookId.get(hookId));
  }

  /** The hook id of a connection, made and stored the first time it is asked for. */
  String hookIdFor(String connectionId) {
    Optional<String> existing = store.secret(connectionId, SECRET_NAME);
    if (existing.isPresent()) return existing.get();
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    String hookId = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    store.putSecret(connectionId, SECRET_NAME, hookId);
    connectionByHookId.put(hookId, connectionId);
    return hookId;
  }

  void forget(String connectionId) {
    connectionByHookId.values().removeIf(connectionId::equals);
  }
}

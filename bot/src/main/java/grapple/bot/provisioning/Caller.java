package grapple.bot.provisioning;

import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who is calling: the plain secret (full access, hookshot's answers) or a named API key with its
 * scopes and room allow-list.
 */
public record Caller(@Nullable String keyName, Set<String> scopes, List<String> rooms) {
  public static final String READ = "connections:read";
  public static final String WRITE = "connections:write";
  public static final String ADMIN = "admin";

  /** Reads identity links (CONTRACT §14). */
  public static final String LINKS = "links";

  /** Creates identity links. */
  public static final String LINK = "link";

  static Caller plainSecret() {
    return new Caller(null, Set.of(ADMIN), List.of());
  }

  public boolean isPlainSecret() {
    return keyName == null;
  }

  /**
   * True when the key has {@code scope}, or admin (which has every scope; but identity links are no
   * room's, so a key limited to rooms reads or makes them only with {@code links}/{@code link}).
   */
  public boolean has(String scope) {
    if (scopes.contains(scope)) return true;
    boolean linkScope = scope.equals(LINKS) || scope.equals(LINK);
    return scopes.contains(ADMIN) && !(linkScope && !rooms.isEmpty());
  }

  /** Throws HS_FORBIDDEN_TOKEN unless the key has {@code scope} (or admin). */
  public void require(String scope) {
    if (has(scope)) return;
    throw new ApiException(
        ErrorCode.FORBIDDEN_TOKEN,
        "The API key '" + keyName + "' does not have the " + scope + " scope.");
  }

  public void requireRoom(String roomId) {
    if (rooms.isEmpty() || rooms.contains(roomId)) return;
    throw new ApiException(
        ErrorCode.FORBIDDEN_TOKEN,
        "The API key '" + keyName + "' may not be used for room " + roomId + ".");
  }
}

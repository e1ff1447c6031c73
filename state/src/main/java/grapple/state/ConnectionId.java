package grapple.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** Opaque, stable connection ids derived from room, event type and state key. */
public final class ConnectionId {
  private static final int ID_BYTES = 12;

  private ConnectionId() {}

  /** A 16-character URL-safe id; the same inputs always give the same id. */
  public static String of(String roomId, String eventType, String stateKey) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {roomId, eventType, stateKey}) {
        sha.update(part.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      byte[] digest = sha.digest();
      byte[] shortDigest = java.util.Arrays.copyOf(digest, ID_BYTES);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(shortDigest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}

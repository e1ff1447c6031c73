package grapple.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A link between a room and an outside source: (room, state event type, state key) and the state
 * content in effect. {@code eventType} is the type's canonical event type even when the room used a
 * legacy alias.
 */
public record Connection(
    String id,
    String roomId,
    String type,
    String eventType,
    String stateKey,
    ObjectNode config,
    Audit created,
    Audit updated) {

  public Connection {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(roomId, "roomId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(stateKey, "stateKey");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(updated, "updated");
  }

  /** A new connection, created and last updated by {@code by}. */
  public static Connection create(
      String roomId, String type, String eventType, String stateKey, ObjectNode config, Audit by) {
    return new Connection(
        ConnectionId.of(roomId, eventType, stateKey),
        roomId,
        type,
        eventType,
        stateKey,
        config,
        by,
        by);
  }

  public Connection withConfig(ObjectNode newConfig, Audit by) {
    return new Connection(id, roomId, type, eventType, stateKey, newConfig, created, by);
  }

  /**
   * Who changed a connection and when: a user id, and the name of the provisioning API key used, or
   * null when none was (a command, room state, or the plain secret).
   */
  public record Audit(String by, @Nullable String key, Instant at) {
    public Audit {
      Objects.requireNonNull(by, "by");
      Objects.requireNonNull(at, "at");
    }

    public Audit(String by, Instant at) {
      this(by, null, at);
    }
  }
}

package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.ConnectionKind;
import grapple.state.Connection;
import grapple.state.Json;

/**
 * A connection as the API shows it: the seed's fields, in the seed's order, then Grapple's audit.
 */
final class ConnectionJson {
  /** One precision for every timestamp the API shows: UTC, milliseconds, as they are stored. */
  static final java.time.format.DateTimeFormatter TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
          .withZone(java.time.ZoneOffset.UTC);

  private ConnectionJson() {}

  /** With who created and last changed it, and when (every answer that shows one connection). */
  static ObjectNode withAudit(Active a, String botUserId) {
    Connection c = a.connection();
    ConnectionKind<?> kind = a.kind();
    ObjectNode out =
        Json.object()
            .put("type", kind.name())
            .put("eventType", kind.eventType())
            .put("id", c.id())
            .put("service", kind.service())
            .put("botUserId", botUserId);
    out.set("config", c.config().deepCopy());
    out.put("createdBy", c.created().by()).put("createdAt", TIME.format(c.created().at()));
    if (c.created().key() != null) out.put("createdByKey", c.created().key());
    out.put("updatedBy", c.updated().by()).put("updatedAt", TIME.format(c.updated().at()));
    if (c.updated().key() != null) out.put("updatedByKey", c.updated().key());
    a.live().apiStatus().ifPresent(status -> out.set("status", status));
    return out;
  }

  static ObjectNode type(ConnectionKind<?> kind, String botUserId) {
    return Json.object()
        .put("type", kind.name())
        .put("eventType", kind.eventType())
        .put("service", kind.service())
        .put("botUserId", botUserId);
  }
}

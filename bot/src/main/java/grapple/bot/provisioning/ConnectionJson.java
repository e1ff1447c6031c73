package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.ConnectionType;
import grapple.state.Connection;
import grapple.state.Json;

/** A connection as the API shows it: the seed's fields, in the seed's order, then Grapple's audit. */
final class ConnectionJson {
  private ConnectionJson() {}

  static ObjectNode of(Connection c, ConnectionType type, String botUserId) {
    ObjectNode out = Json.object().put("type", type.name()).put("eventType", type.eventType()).put("id", c.id())
        .put("service", type.service()).put("botUserId", botUserId);
    out.set("config", c.config().deepCopy());
    return out;
  }

  /** With who created and last changed it, and when (GET answers). */
  static ObjectNode withAudit(Connection c, ConnectionType type, String botUserId) {
    ObjectNode out = of(c, type, botUserId);
    out.put("createdBy", c.created().by()).put("createdAt", c.created().at().toString());
    if (c.created().key() != null) out.put("createdByKey", c.created().key());
    out.put("updatedBy", c.updated().by()).put("updatedAt", c.updated().at().toString());
    if (c.updated().key() != null) out.put("updatedByKey", c.updated().key());
    return out;
  }

  static ObjectNode type(ConnectionType type, String botUserId) {
    return Json.object().put("type", type.name()).put("eventType", type.eventType()).put("service", type.service())
        .put("botUserId", botUserId);
  }
}

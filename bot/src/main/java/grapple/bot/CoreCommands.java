package grapple.bot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import java.util.List;

/** Commands that span every connection type: {@code list}. */
final class CoreCommands {
  private final Connections connections;

  CoreCommands(Connections connections) {
    this.connections = connections;
  }

  List<Command> commands() {
    return List.of(new Command("list", "[json]", "List every connection in this room", "*",
        PermissionLevel.COMMANDS, this::list));
  }

  private Reply list(Invocation call) {
    call.requireAtMost(1);
    boolean json = call.optionalArg(0).map(a -> {
      if (!a.equalsIgnoreCase("json")) {
        throw new BadInput("format", "Unknown format " + Markdown.code(a) + ". Usage: `" + call.usage() + "`");
      }
      return true;
    }).orElse(false);
    List<Connection> all = connections.inRoom(call.roomId());
    if (json) return Reply.text(Markdown.codeBlock("json", Json.write(asJson(all))));
    if (all.isEmpty()) return Reply.text("This room has no connections. `%s help` shows how to add one.", call.prefix());
    StringBuilder out = new StringBuilder("Connections in this room:\n\n");
    for (Connection c : all) {
      out.append("- ").append(c.type()).append(' ').append(Markdown.code(c.stateKey())).append(" (id `").append(c.id())
          .append("`) — ").append(summary(c)).append('\n');
    }
    return Reply.text(out.toString().stripTrailing());
  }

  private String summary(Connection c) {
    return connections.types().byEventType(c.eventType()).map(t -> t.summary(c)).orElse("");
  }

  private static ArrayNode asJson(List<Connection> all) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Connection c : all) {
      out.addObject().put("type", c.type()).put("eventType", c.eventType()).put("stateKey", c.stateKey())
          .put("id", c.id()).set("config", c.config());
    }
    return out;
  }
}

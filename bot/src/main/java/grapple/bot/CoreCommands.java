package grapple.bot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Json;
import java.util.List;

/** Commands that span every connection type: {@code list}. */
final class CoreCommands {
  private final Connections connections;

  CoreCommands(Connections connections) {
    this.connections = connections;
  }

  List<Command> commands() {
    return List.of(
        new Command(
            "list",
            "[json]",
            "List every connection in this room",
            "*",
            PermissionLevel.COMMANDS,
            this::list));
  }

  private Reply list(Invocation call) {
    call.requireAtMost(1);
    boolean json =
        call.optionalArg(0)
            .map(
                a -> {
                  if (!a.equalsIgnoreCase("json")) {
                    throw new BadInput(
                        "format",
                        "Unknown format " + Markdown.code(a) + ". Usage: `" + call.usage() + "`");
                  }
                  return true;
                })
            .orElse(false);
    List<Active> all = connections.inRoom(call.roomId());
    if (json) return Reply.text(Markdown.codeBlock("json", Json.write(asJson(all))));
    if (all.isEmpty()) {
      return Reply.text(
          "This room has no connections. %s shows how to add one.",
          Markdown.code(call.prefix() + " help"));
    }
    List<String> lines =
        all.stream()
            .map(
                a ->
                    a.kind().name()
                        + ' '
                        + Markdown.code(a.stateKey())
                        + " (id `"
                        + a.id()
                        + "`) — "
                        + a.live().summary())
            .toList();
    return Reply.text(Markdown.bulletList("Connections in this room:", lines));
  }

  private static ArrayNode asJson(List<Active> all) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Active a : all) {
      out.addObject()
          .put("type", a.kind().name())
          .put("eventType", a.kind().eventType())
          .put("stateKey", a.stateKey())
          .put("id", a.id())
          .set("config", a.connection().config().deepCopy());
    }
    return out;
  }
}

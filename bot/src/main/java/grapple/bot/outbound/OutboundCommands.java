package grapple.bot.outbound;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.ServiceContext;
import grapple.bot.forge.NamedHooks;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.Json;
import java.util.List;
import java.util.Locale;

/**
 * {@code outbound-hook <name> <url> [PUT|POST]}, {@code outbound-hook list}, {@code outbound-hook
 * remove <name>}.
 */
final class OutboundCommands {
  private final NamedHooks named;

  OutboundCommands(OutboundHooks hooks, ServiceContext context) {
    this.named = new NamedHooks(context, hooks, "outbound-hook", "outbound hook");
  }

  List<Command> commands() {
    return List.of(
        new Command(
            "outbound-hook",
            "<name> <url> [PUT|POST]",
            "Send every event of this room to a URL; its secret token comes by direct message",
            OutboundService.NAME,
            PermissionLevel.MANAGE_CONNECTIONS,
            this::add),
        named.listCommand(
            "List this room's outbound webhooks, with their deliveries and failures",
            "outbound-hook <name> <url>"),
        named.removeCommand(
            "Remove an outbound webhook",
            name ->
                Reply.text(
                    "Outbound hook %s removed; events no longer go to it, and what was queued is"
                        + " dropped.",
                    Markdown.code(name))));
  }

  private Reply add(Invocation call) {
    call.requireAtMost(3);
    String name = call.arg(0, "name");
    NamedHooks.checkName(name);
    String url = call.arg(1, "url");
    ObjectNode content = Json.object().put("name", name).put("url", url);
    call.optionalArg(2).ifPresent(m -> content.put("method", m.toUpperCase(Locale.ROOT)));
    call.requireMaySendState(OutboundService.EVENT_TYPE);
    named.create(call, name, content).privateMessage().ifPresent(call::directMessage);
    // Hookshot's words: scripts and bots built for hookshot read this reply.
    return Reply.text(
        "Room configured to bridge outbound webhooks. See admin room for the secret token.");
  }
}

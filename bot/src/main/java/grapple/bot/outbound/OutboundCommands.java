package grapple.bot.outbound;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.Changes;
import grapple.bot.ServiceContext;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * {@code outbound-hook <name> <url> [PUT|POST]}, {@code outbound-hook list}, {@code outbound-hook
 * remove <name>}.
 */
final class OutboundCommands {
  private final OutboundHooks hooks;
  private final ServiceContext context;

  OutboundCommands(OutboundHooks hooks, ServiceContext context) {
    this.hooks = hooks;
    this.context = context;
  }

  List<Command> commands() {
    PermissionLevel manage = PermissionLevel.MANAGE_CONNECTIONS;
    return List.of(
        new Command(
            "outbound-hook",
            "<name> <url> [PUT|POST]",
            "Send every event of this room to a URL; its secret token comes by direct message",
            OutboundService.NAME,
            manage,
            this::add),
        new Command(
            "outbound-hook list",
            "",
            "List this room's outbound webhooks, with their deliveries and failures",
            OutboundService.NAME,
            PermissionLevel.COMMANDS,
            this::list),
        new Command(
            "outbound-hook remove",
            "<name>",
            "Remove an outbound webhook",
            OutboundService.NAME,
            manage,
            this::remove));
  }

  private Reply add(Invocation call) {
    call.requireAtMost(3);
    String name = call.arg(0, "name");
    OutboundConfig.checkName(name);
    String url = call.arg(1, "url");
    ObjectNode content = Json.object().put("name", name).put("url", url);
    call.optionalArg(2).ifPresent(m -> content.put("method", m.toUpperCase(Locale.ROOT)));
    call.requireMaySendState(OutboundService.EVENT_TYPE);
    Changes.Applied applied;
    try {
      applied =
          context
              .changes()
              .create(call.roomId(), hooks, name, content, Changes.Actor.user(call.sender()));
    } catch (Changes.AlreadyExists e) {
      throw new BadInput(
          "name",
          e.getMessage()
              + " Remove it first with "
              + Markdown.code(call.prefix() + " outbound-hook remove " + name)
              + ".");
    } catch (IOException e) {
      throw new UncheckedIOException("writing the outbound hook's room state", e);
    }
    applied.privateMessage().ifPresent(call::directMessage);
    return Reply.text(
        "Outbound hook %s created: every event in this room goes to it. I sent you its secret"
            + " token in a direct message.",
        Markdown.code(name));
  }

  private Reply list(Invocation call) {
    call.requireAtMost(0);
    List<Active> inRoom =
        context.connections().inRoom(call.roomId()).stream()
            .filter(a -> a.kind() == hooks)
            .toList();
    if (inRoom.isEmpty()) {
      return Reply.text(
          "No outbound hooks in this room. Create one with %s.",
          Markdown.code(call.prefix() + " outbound-hook <name> <url>"));
    }
    StringBuilder out = new StringBuilder("Outbound hooks in this room:\n\n");
    inRoom.forEach(
        h ->
            out.append("- ")
                .append(Markdown.code(h.stateKey()))
                .append(" — ")
                .append(h.live().summary())
                .append('\n'));
    return Reply.text(out.toString().stripTrailing());
  }

  private Reply remove(Invocation call) {
    call.requireAtMost(1);
    String name = call.arg(0, "name");
    Active hook =
        context
            .connections()
            .find(call.roomId(), hooks, name)
            .orElseThrow(
                () ->
                    new BadInput(
                        "name",
                        "No outbound hook called "
                            + Markdown.code(name)
                            + " here. "
                            + Markdown.code(call.prefix() + " outbound-hook list")
                            + " shows them."));
    call.requireMaySendState(OutboundService.EVENT_TYPE);
    try {
      context.changes().remove(hook, call.sender());
    } catch (IOException e) {
      throw new UncheckedIOException("removing the outbound hook's room state", e);
    }
    return Reply.text(
        "Outbound hook %s removed; events no longer go to it, and what was queued is dropped.",
        Markdown.code(name));
  }
}

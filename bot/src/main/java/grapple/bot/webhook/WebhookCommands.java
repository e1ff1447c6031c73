package grapple.bot.webhook;

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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** {@code webhook <name> [duration]}, {@code webhook list}, {@code webhook remove <name>}. */
final class WebhookCommands {
  private final Hooks hooks;
  private final WebhookSettings settings;
  private final ServiceContext context;

  WebhookCommands(Hooks hooks, WebhookSettings settings, ServiceContext context) {
    this.hooks = hooks;
    this.settings = settings;
    this.context = context;
  }

  List<Command> commands() {
    PermissionLevel manage = PermissionLevel.MANAGE_CONNECTIONS;
    return List.of(
        new Command(
            "webhook",
            "<name> [duration]",
            "Create an inbound webhook; its URL comes by direct message",
            WebhookService.NAME,
            manage,
            this::add),
        new Command(
            "webhook list",
            "",
            "List this room's inbound webhooks",
            WebhookService.NAME,
            PermissionLevel.COMMANDS,
            this::list),
        new Command(
            "webhook remove",
            "<name>",
            "Remove an inbound webhook",
            WebhookService.NAME,
            manage,
            this::remove));
  }

  private Reply add(Invocation call) {
    call.requireAtMost(2);
    String name = call.arg(0, "name");
    WebhookConfig.checkName(name);
    ObjectNode content = Json.object().put("name", name);
    Optional<String> duration = call.optionalArg(1);
    duration.ifPresent(d -> content.put("expirationDate", expiry(d).toString()));
    call.requireMaySendState(WebhookService.EVENT_TYPE);
    Changes.Applied applied = create(call, name, content);
    applied.privateMessage().ifPresent(call::directMessage);
    String expires = duration.map(d -> " It expires in " + d + ".").orElse("");
    return Reply.text(
        "Webhook %s created.%s I sent you its URL in a direct message.",
        Markdown.code(name), expires);
  }

  private Changes.Applied create(Invocation call, String name, ObjectNode content) {
    try {
      return context
          .changes()
          .create(call.roomId(), hooks, name, content, Changes.Actor.user(call.sender()));
    } catch (Changes.AlreadyExists e) {
      throw new BadInput(
          "name",
          e.getMessage()
              + " Remove it first with "
              + Markdown.code(call.prefix() + " webhook remove " + name)
              + ".");
    } catch (IOException e) {
      throw new UncheckedIOException("writing the webhook's room state", e);
    }
  }

  private Instant expiry(String text) {
    Duration d = Durations.parse(text, "duration");
    if (d.compareTo(settings.maxExpiry()) > 0) {
      throw new BadInput(
          "duration",
          "Duration "
              + Markdown.code(text)
              + " is longer than the maximum of "
              + Durations.format(settings.maxExpiry())
              + ".");
    }
    return context.clock().instant().plus(d).truncatedTo(ChronoUnit.SECONDS);
  }

  private Reply list(Invocation call) {
    call.requireAtMost(0);
    List<Active> inRoom =
        context.connections().inRoom(call.roomId()).stream()
            .filter(a -> a.kind() == hooks)
            .toList();
    if (inRoom.isEmpty()) {
      return Reply.text(
          "No webhooks in this room. Create one with %s.",
          Markdown.code(call.prefix() + " webhook <name>"));
    }
    StringBuilder out = new StringBuilder("Webhooks in this room:\n\n");
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
                        "No webhook called "
                            + Markdown.code(name)
                            + " here. "
                            + Markdown.code(call.prefix() + " webhook list")
                            + " shows them."));
    call.requireMaySendState(WebhookService.EVENT_TYPE);
    try {
      context.changes().remove(hook, call.sender());
    } catch (IOException e) {
      throw new UncheckedIOException("removing the webhook's room state", e);
    }
    return Reply.text("Webhook %s removed; its URL no longer works.", Markdown.code(name));
  }
}

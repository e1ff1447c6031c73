package grapple.bot.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.ConnectionType;
import grapple.bot.Connections;
import grapple.bot.config.Config;
import grapple.bot.http.Router;
import grapple.bot.outbox.Outbox;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** Inbound webhooks: a secret URL per hook, whose POSTs become messages in the room. */
public final class GenericWebhookType implements ConnectionType {
  public static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final String LEGACY_EVENT_TYPE = "uk.half-shot.matrix-github.generic.hook";

  private final Config.Generic settings;
  private final HookIds hookIds;
  private final Outbox outbox;
  private final Clock clock;

  public GenericWebhookType(Config.Generic settings, ConnectionStore store, Outbox outbox, Clock clock) {
    this.settings = settings;
    this.hookIds = new HookIds(store);
    this.outbox = outbox;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "Webhook";
  }

  @Override
  public String eventType() {
    return EVENT_TYPE;
  }

  @Override
  public List<String> legacyEventTypes() {
    return List.of(LEGACY_EVENT_TYPE);
  }

  @Override
  public String service() {
    return "generic";
  }

  @Override
  public List<Command> commands(Connections connections) {
    Commands c = new Commands(connections);
    PermissionLevel manage = PermissionLevel.MANAGE_CONNECTIONS;
    return List.of(
        new Command("webhook", "<name> [duration]", "Create an inbound webhook; its URL comes by direct message",
            service(), manage, c::add),
        new Command("webhook list", "", "List this room's inbound webhooks", service(), PermissionLevel.COMMANDS,
            c::list),
        new Command("webhook remove", "<name>", "Remove an inbound webhook", service(), manage, c::remove));
  }

  @Override
  public void routes(Router router, Connections connections) {
    WebhookReceiver receiver = new WebhookReceiver(settings,
        hookId -> hookIds.connectionId(hookId).flatMap(connections::byId), outbox, clock,
        WebhookReceiver.WAIT_FOR_COMPLETE);
    long limit = settings.payloadSizeLimitBytes();
    router.addAsync("POST", "/webhook/{hookId}", limit, receiver::receive);
    router.addAsync("PUT", "/webhook/{hookId}", limit, receiver::receive);
    if (settings.enableHttpGet()) router.addAsync("GET", "/webhook/{hookId}", limit, receiver::receive);
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    BadInput.check(content.path("name").isTextual(), "name", "is required (a string of %d-%d characters)",
        WebhookConfig.MIN_NAME, WebhookConfig.MAX_NAME);
    return content.get("name").asText();
  }

  @Override
  public java.util.Map<String, String> secrets(Connection connection) {
    return java.util.Map.of("url", url(connection));
  }

  @Override
  public void validate(String stateKey, ObjectNode content) {
    WebhookConfig config = WebhookConfig.from(stateKey, content);
    BadInput.check(config.name().equals(stateKey), "name",
        "must be the webhook's state key %s (a webhook cannot be renamed), was %s", Markdown.code(stateKey),
        Markdown.code(config.name()));
  }

  @Override
  public Optional<String> applied(Optional<Connection> previous, Connection current) {
    if (previous.isPresent()) return Optional.empty();
    String url = settings.urlPrefix() + hookIdFor(current);
    return Optional.of("Webhook " + Markdown.code(current.stateKey()) + " in " + Markdown.code(current.roomId())
        + " is ready. Send to:\n\n"
        + url + "\n\nKeep this URL secret: anyone who has it can post to the room.");
  }

  /** The webhook's secret URL (for the provisioning API's {@code secrets}). */
  public String url(Connection connection) {
    return settings.urlPrefix() + hookIdFor(connection);
  }

  private String hookIdFor(Connection connection) {
    return hookIds.hookIdFor(connection.id());
  }

  @Override
  public void removed(Connection connection) {
    hookIds.forget(connection.id());
  }

  @Override
  public String summary(Connection connection) {
    WebhookConfig config = WebhookConfig.from(connection.stateKey(), connection.config());
    return config.expirationDate().map(at -> (at.isBefore(clock.instant()) ? "expired " : "expires ") + at)
        .orElse("no expiry");
  }

  /** The webhook commands; each checks, does one thing and returns a reply. */
  private final class Commands {
    private final Connections connections;

    Commands(Connections connections) {
      this.connections = connections;
    }

    Reply add(Invocation call) {
      call.requireAtMost(2);
      String name = call.arg(0, "name");
      WebhookConfig.checkName(name);
      ObjectNode content = Json.object().put("name", name);
      Optional<String> duration = call.optionalArg(1);
      duration.ifPresent(d -> content.put("expirationDate", expiry(d).toString()));
      call.requireMaySendState(EVENT_TYPE);
      Connections.Applied applied = create(call, name, content);
      applied.privateMessage().ifPresent(call::directMessage);
      String expires = duration.map(d -> " It expires in " + d + ".").orElse("");
      return Reply.text("Webhook %s created.%s I sent you its URL in a direct message.", Markdown.code(name), expires);
    }

    private Connections.Applied create(Invocation call, String name, ObjectNode content) {
      try {
        return connections.create(call.roomId(), GenericWebhookType.this, name, content,
            Connections.Actor.user(call.sender()));
      } catch (Connections.AlreadyExists e) {
        throw new BadInput("name", e.getMessage() + " Remove it first with "
            + Markdown.code(call.prefix() + " webhook remove " + name) + ".");
      } catch (IOException e) {
        throw new UncheckedIOException("writing the webhook's room state", e);
      }
    }

    private Instant expiry(String text) {
      Duration d = Durations.parse(text, "duration");
      if (d.compareTo(settings.maxExpiry()) > 0) {
        throw new BadInput("duration", "Duration " + Markdown.code(text) + " is longer than the maximum of "
            + Durations.format(settings.maxExpiry()) + ".");
      }
      return clock.instant().plus(d).truncatedTo(ChronoUnit.SECONDS);
    }

    Reply list(Invocation call) {
      call.requireAtMost(0);
      List<Connection> hooks = connections.inRoom(call.roomId()).stream()
          .filter(c -> c.eventType().equals(EVENT_TYPE)).toList();
      if (hooks.isEmpty()) return Reply.text("No webhooks in this room. Create one with `%s webhook <name>`.",
          call.prefix());
      StringBuilder out = new StringBuilder("Webhooks in this room:\n\n");
      hooks.forEach(h -> out.append("- ").append(Markdown.code(h.stateKey())).append(" — ").append(summary(h))
          .append('\n'));
      return Reply.text(out.toString().stripTrailing());
    }

    Reply remove(Invocation call) {
      call.requireAtMost(1);
      String name = call.arg(0, "name");
      Connection hook = connections.find(call.roomId(), GenericWebhookType.this, name).orElseThrow(() ->
          new BadInput("name", "No webhook called " + Markdown.code(name) + " here. "
              + Markdown.code(call.prefix() + " webhook list") + " shows them."));
      call.requireMaySendState(EVENT_TYPE);
      try {
        connections.remove(hook, call.sender());
      } catch (IOException e) {
        throw new UncheckedIOException("removing the webhook's room state", e);
      }
      return Reply.text("Webhook %s removed; its URL no longer works.", Markdown.code(name));
    }
  }
}

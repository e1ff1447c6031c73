package grapple.bot.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.ServiceContext;
import grapple.bot.forge.NamedHooks;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code webhook <name> [duration]}, {@code webhook list}, {@code webhook remove <name>}. */
final class WebhookCommands {
  /**
   * How hookshot writes {@code expirationDate} (JavaScript's {@code toISOString}), and the only
   * form it reads ({@code yyyy-MM-dd'T'HH:mm:ss.SSSXX}): state written here stays valid for it.
   */
  static final DateTimeFormatter HOOKSHOT_DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private final WebhookSettings settings;
  private final ServiceContext context;
  private final NamedHooks named;

  WebhookCommands(Hooks hooks, WebhookSettings settings, ServiceContext context) {
    this.settings = settings;
    this.context = context;
    this.named = new NamedHooks(context, hooks, "webhook", "webhook");
  }

  List<Command> commands() {
    return List.of(
        new Command(
            "webhook",
            "<name> [duration]",
            "Create an inbound webhook; its URL comes by direct message",
            WebhookService.NAME,
            PermissionLevel.MANAGE_CONNECTIONS,
            this::add),
        named.listCommand("List this room's inbound webhooks", "webhook <name>"),
        named.removeCommand(
            "Remove an inbound webhook",
            name ->
                Reply.text("Webhook %s removed; its URL no longer works.", Markdown.code(name))));
  }

  private Reply add(Invocation call) {
    call.requireAtMost(2);
    String name = call.arg(0, "name");
    NamedHooks.checkName(name);
    ObjectNode content = Json.object().put("name", name);
    Optional<String> duration = call.optionalArg(1);
    if (duration.isEmpty() && settings.requireExpiryTime())
      throw new BadInput(
          "duration",
          "Webhooks must expire here: give a duration, "
              + Markdown.code(call.prefix() + " webhook <name> <duration>")
              + ", from "
              + Durations.format(Hooks.MIN_EXPIRY)
              + " to "
              + Durations.format(settings.maxExpiry())
              + " (generic.requireExpiryTime).");
    duration.ifPresent(d -> content.put("expirationDate", HOOKSHOT_DATE.format(expiry(d))));
    call.requireMaySendState(WebhookService.EVENT_TYPE);
    named.create(call, name, content).privateMessage().ifPresent(call::directMessage);
    String expires = duration.map(d -> " It expires in " + d + ".").orElse("");
    return Reply.text(
        "Webhook %s created.%s I sent you its URL in a direct message.",
        Markdown.code(name), expires);
  }

  private Instant expiry(String text) {
    Duration d = Durations.parse(text, "duration");
    if (d.compareTo(Hooks.MIN_EXPIRY) < 0) {
      throw new BadInput(
          "duration",
          "Duration "
              + Markdown.code(text)
              + " is shorter than the minimum of "
              + Durations.format(Hooks.MIN_EXPIRY)
              + ".");
    }
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
}

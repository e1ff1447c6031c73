package grapple.bot.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Connections;
import grapple.commands.Invocation;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** {@code feed <url> [label] [template]}, {@code feed list [json|yaml]}, {@code feed remove <url>}. */
final class FeedCommands {
  private final FeedType type;
  private final Connections connections;

  FeedCommands(FeedType type, Connections connections) {
    this.type = type;
    this.connections = connections;
  }

  Reply add(Invocation call) {
    call.requireAtMost(3);
    String url = call.arg(0, "url");
    ObjectNode content = Json.object().put("url", url);
    call.optionalArg(1).ifPresent(label -> content.put("label", label));
    call.optionalArg(2).ifPresent(template -> content.put("template", template));
    FeedConfig.from(url, content);
    call.requireMaySendState(FeedType.EVENT_TYPE);
    try {
      connections.create(call.roomId(), type, url, content, Connections.Actor.user(call.sender()));
    } catch (Connections.AlreadyExists e) {
      throw new BadInput("url", "This room already follows " + url + ".");
    } catch (IOException e) {
      throw new UncheckedIOException("writing the feed's room state", e);
    }
    return Reply.text("Following %s. New items will be posted here.", url);
  }

  Reply list(Invocation call) {
    call.requireAtMost(1);
    List<Connection> feeds = connections.inRoom(call.roomId()).stream()
        .filter(c -> c.eventType().equals(FeedType.EVENT_TYPE)).toList();
    String format = call.optionalArg(0).orElse("text").toLowerCase(java.util.Locale.ROOT);
    return switch (format) {
      case "json" -> Reply.text("```json\n%s\n```", Json.write(type.describe(feeds)));
      case "yaml" -> Reply.text("```yaml\n%s```", FeedType.yaml(type.describe(feeds)));
      case "text" -> text(call, feeds);
      default -> throw new BadInput("format", "Unknown format `" + format + "`. Usage: `" + call.usage() + "`");
    };
  }

  private Reply text(Invocation call, List<Connection> feeds) {
    if (feeds.isEmpty()) return Reply.text("This room follows no feeds. Add one with `%s feed <url>`.", call.prefix());
    StringBuilder out = new StringBuilder("Feeds in this room:\n\n");
    for (Connection c : feeds) {
      out.append("- ").append(FeedText.escapeMarkdown(c.stateKey())).append(" — ").append(type.summary(c))
          .append('\n');
    }
    return Reply.text(out.toString().stripTrailing());
  }

  Reply remove(Invocation call) {
    call.requireAtMost(1);
    String url = call.arg(0, "url");
    Connection feed = connections.find(call.roomId(), type, url).orElseThrow(() ->
        new BadInput("url", "This room does not follow " + url + ". `" + call.prefix() + " feed list` shows what it follows."));
    call.requireMaySendState(FeedType.EVENT_TYPE);
    try {
      connections.remove(feed, call.sender());
    } catch (IOException e) {
      throw new UncheckedIOException("removing the feed's room state", e);
    }
    return Reply.text("Stopped following %s.", url);
  }
}

package grapple.bot.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import grapple.bot.Active;
import grapple.bot.ServiceContext;
import grapple.bot.forge.Following;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code feed <url> [label] [template]}, {@code feed list [json|yaml]}, {@code feed remove <url>}.
 */
final class FeedCommands {
  private static final YAMLMapper YAML = new YAMLMapper();

  private final Feeds feeds;
  private final Following following;

  FeedCommands(Feeds feeds, ServiceContext context) {
    this.feeds = feeds;
    this.following = new Following(context, feeds, "feed list");
  }

  List<Command> commands() {
    PermissionLevel manage = PermissionLevel.MANAGE_CONNECTIONS;
    return List.of(
        new Command(
            "feed",
            "<url> [label] [template]",
            "Post new items of an RSS, Atom or JSON feed here",
            FeedService.NAME,
            manage,
            this::add),
        new Command(
            "feed list",
            "[json|yaml]",
            "List this room's feeds and how they are doing",
            FeedService.NAME,
            PermissionLevel.COMMANDS,
            this::list),
        new Command(
            "feed remove",
            "<url>",
            "Stop following a feed",
            FeedService.NAME,
            manage,
            this::remove));
  }

  private Reply add(Invocation call) {
    call.requireAtMost(3);
    String url = call.arg(0, "url");
    ObjectNode content = Json.object().put("url", url);
    call.optionalArg(1).ifPresent(label -> content.put("label", label));
    call.optionalArg(2).ifPresent(template -> content.put("template", template));
    FeedConfig.from(url, content);
    following.add(call, url, content, "feed");
    return Reply.text("Room configured to bridge %s", Markdown.code(url)); // hookshot's words
  }

  private Reply list(Invocation call) {
    call.requireAtMost(1);
    // As hookshot: by label, else URL, letter case aside (as its localeCompare).
    List<Active> inRoom =
        following.inRoom(call).stream()
            .sorted(Comparator.comparing(FeedCommands::sortKey, String.CASE_INSENSITIVE_ORDER))
            .toList();
    String format = call.optionalArg(0).orElse("text").toLowerCase(Locale.ROOT);
    if (!List.of("text", "json", "yaml").contains(format)) {
      throw new BadInput(
          "format", "Unknown format " + Markdown.code(format) + ". Usage: `" + call.usage() + "`");
    }
    if (inRoom.isEmpty()) {
      return Reply.text("Not subscribed to any feeds"); // hookshot's words, in every format
    }
    return switch (format) {
      case "json" ->
          Reply.text(HEADING + "\n" + Markdown.codeBlock("json", Json.write(describe(inRoom))));
      case "yaml" ->
          Reply.text(HEADING + "\n" + Markdown.codeBlock("yaml", yaml(describe(inRoom))));
      default -> text(inRoom);
    };
  }

  /** Hookshot's heading of a list, in every format. */
  private static final String HEADING = "Currently subscribed to these feeds:";

  private static String sortKey(Active a) {
    JsonNode label = a.connection().config().path("label");
    return label.isTextual() ? label.asText() : a.stateKey();
  }

  private static Reply text(List<Active> inRoom) {
    // A code span keeps the URL literal without backslashes, so the plain body reads as it is.
    List<String> lines =
        inRoom.stream().map(a -> Markdown.code(a.stateKey()) + " — " + a.live().summary()).toList();
    return Reply.text(Markdown.bulletList(HEADING, lines));
  }

  /**
   * The room's feeds for {@code feed list json|yaml}: each its state content, as hookshot lists
   * them ({@code url}, {@code label}, {@code template}, ...), with its connection id and status.
   */
  private ArrayNode describe(List<Active> inRoom) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Active a : inRoom) {
      ObjectNode feed = out.addObject().put("url", a.stateKey());
      feed.setAll(a.connection().config().deepCopy());
      feed.put("url", a.stateKey()).put("id", a.id());
      feed.put("status", feeds.status(a.stateKey()).toString());
    }
    return out;
  }

  private static String yaml(ArrayNode node) {
    try {
      return YAML.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException("a JsonNode always serialises", e);
    }
  }

  private Reply remove(Invocation call) {
    call.requireAtMost(1);
    String url = call.arg(0, "url");
    Active feed =
        following.find(
            call,
            url,
            () ->
                new BadInput(
                    "url",
                    "Feed "
                        + Markdown.code(url)
                        + " is not currently bridged to this room. "
                        + Markdown.code(call.prefix() + " feed list")
                        + " shows what it follows."));
    following.remove(call, feed, "feed");
    return Reply.text("Unsubscribed from %s", Markdown.code(url)); // hookshot's words
  }
}

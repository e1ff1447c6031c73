package grapple.bot.feed;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import grapple.bot.ConnectionType;
import grapple.bot.Connections;
import grapple.bot.config.Config;
import grapple.bot.http.Router;
import grapple.bot.outbox.Outbox;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.bot.feed.FeedStore;
import grapple.state.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** RSS, Atom and JSON Feed subscriptions: new items are posted to the room, once each. */
public final class FeedType implements ConnectionType {
  public static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.feed";
  private static final YAMLMapper YAML = new YAMLMapper();

  private final FeedFetcher fetcher;
  private final FeedStore feeds;
  private final FeedPoller poller;

  public FeedType(Config.Feeds settings, FeedStore feeds, Outbox outbox, Clock clock) {
    this.fetcher = new FeedFetcher(settings);
    this.feeds = feeds;
    this.poller = new FeedPoller(settings, fetcher, feeds, outbox, clock);
    poller.start();
  }

  @Override
  public String name() {
    return "Feed";
  }

  @Override
  public String eventType() {
    return EVENT_TYPE;
  }

  @Override
  public List<String> legacyEventTypes() {
    return List.of();
  }

  @Override
  public String service() {
    return "feeds";
  }

  @Override
  public List<Command> commands(Connections connections) {
    FeedCommands c = new FeedCommands(this, connections);
    PermissionLevel manage = PermissionLevel.MANAGE_CONNECTIONS;
    return List.of(
        new Command("feed", "<url> [label] [template]", "Post new items of an RSS, Atom or JSON feed here",
            service(), manage, c::add),
        new Command("feed list", "[json|yaml]", "List this room's feeds and how they are doing", service(),
            PermissionLevel.COMMANDS, c::list),
        new Command("feed remove", "<url>", "Stop following a feed", service(), manage, c::remove));
  }

  @Override
  public void routes(Router router, Connections connections) {
    // Feeds are polled; nothing calls in.
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    BadInput.check(content.path("url").isTextual(), "url", "is required (the feed's http or https URL)");
    return content.get("url").asText();
  }

  @Override
  public Map<String, String> secrets(Connection connection) {
    return Map.of();
  }

  @Override
  public void validate(String stateKey, ObjectNode content) {
    FeedConfig.from(stateKey, content);
  }

  /** A new subscription must answer with a feed within the poll timeout. */
  @Override
  public void checkNew(String stateKey, ObjectNode content) {
    try {
      FeedFetcher.Result r = fetcher.fetch(stateKey, null, null);
      if (r.status() != 200) throw new FeedException("HTTP " + r.status());
      FeedParser.parse(r.body(), r.contentType(), URI.create(stateKey));
    } catch (FeedException e) {
      throw new BadInput("url", "Could not read feed from URL: " + e.getMessage());
    }
  }

  @Override
  public Optional<String> applied(Optional<Connection> previous, Connection current) {
    poller.register(current, previous.isEmpty());
    return Optional.empty();
  }

  @Override
  public void loaded(Connection connection) {
    poller.register(connection, false);
  }

  @Override
  public void removed(Connection connection) {
    poller.unregister(connection);
  }

  @Override
  public String summary(Connection connection) {
    return summary(connection.config().path("label").asText(""), feeds.url(connection.stateKey()));
  }

  /** Markdown: the label and the status (which may quote a feed server) are escaped. */
  static String summary(String label, Optional<FeedStore.UrlState> state) {
    String status = FeedText.escapeMarkdown(status(state));
    return label.isEmpty() ? status : "\"" + FeedText.escapeMarkdown(label) + "\", " + status;
  }

  private static String status(Optional<FeedStore.UrlState> state) {
    if (state.isEmpty() || state.get().lastPollAt() == null) return "not polled yet";
    FeedStore.UrlState s = state.get();
    if (s.lastError() != null) return "failing since " + s.failures() + " poll(s): " + s.lastError();
    return "OK, last read " + Instant.ofEpochMilli(s.lastSuccessAt());
  }

  /** The room's feeds as JSON, with their status, for {@code feed list json|yaml}. */
  ArrayNode describe(List<Connection> connections) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Connection c : connections) {
      ObjectNode feed = out.addObject().put("url", c.stateKey()).put("id", c.id());
      feed.set("config", c.config());
      feed.put("status", status(feeds.url(c.stateKey())));
    }
    return out;
  }

  static String yaml(ArrayNode node) {
    try {
      return YAML.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException("a JsonNode always serialises", e);
    }
  }

  /** False once the feed scheduler has stopped ticking (the watchdog asks). */
  public boolean schedulerAlive() {
    return poller.ticking();
  }

  @Override
  public void close() {
    poller.close();
  }
}

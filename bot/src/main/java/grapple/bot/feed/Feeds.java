package grapple.bot.feed;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.Connections;
import grapple.bot.LiveConnection;
import grapple.bot.NamedKind;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The {@code Feed} connection kind: a room following an RSS, Atom or JSON feed. */
final class Feeds extends NamedKind<FeedConfig> {
  /** The type's name in the APIs ({@code type} of a connection). */
  static final String TYPE = "Feed";

  private final FeedSource fetcher;
  private final FeedStore store;
  private final FeedPoller poller;

  Feeds(FeedSource fetcher, FeedStore store, FeedPoller poller) {
    super(TYPE, FeedService.NAME, FeedService.EVENT_TYPE, List.of());
    this.fetcher = fetcher;
    this.store = store;
    this.poller = poller;
  }

  /** Its seen items and whether it is primed: a moved feed posts nothing it posted before. */
  @Override
  public List<String> tablesByConnection() {
    return List.of("feed_seen", "feed_connections");
  }

  /**
   * Hookshot's feed fields ({@code url}, {@code label}, {@code template}, {@code notifyOnFailure},
   * {@code showUrlPreviews}) and Grapple's filters ({@code include}, {@code exclude}).
   */
  static final Optional<Set<String>> FIELDS =
      Optional.of(
          Set.of(
              "url",
              "label",
              "template",
              "notifyOnFailure",
              "showUrlPreviews",
              "include",
              "exclude"));

  @Override
  public Optional<Set<String>> fields() {
    return FIELDS;
  }

  @Override
  public FeedConfig parse(String stateKey, ObjectNode content) {
    return FeedConfig.from(stateKey, content);
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    BadInput.check(
        content.path("url").isTextual(), "url", "is required (the feed's http or https URL)");
    return content.get("url").asText();
  }

  /** A new subscription must answer with a feed within the poll timeout. */
  @Override
  public void checkNew(String stateKey, FeedConfig config) {
    try {
      FeedFetcher.Result r = fetcher.fetch(stateKey, null, null);
      if (r.status() != 200) throw new FeedException("HTTP " + r.status());
      FeedParser.parse(r.body(), r.contentType(), r.base());
    } catch (FeedException e) {
      throw new BadInput("url", "Could not read feed from URL: " + Markdown.code(e.getMessage()));
    }
  }

  @Override
  public LiveConnection open(Connection connection, FeedConfig config, boolean created) {
    FeedPoller.Subscription subscription = new FeedPoller.Subscription(connection, config);
    poller.register(subscription, created);
    return new Followed(subscription);
  }

  /**
   * A feed's line in {@code list} as Markdown: its label and what a feed server or the clock said
   * in code spans (literal, and no backslashes in the plain body), our own words as they are.
   */
  static String summary(String label, Status status) {
    String shown =
        status.detail().isEmpty()
            ? status.words()
            : status.words() + " " + Markdown.code(status.detail());
    return label.isEmpty() ? shown : Markdown.code(label) + ", " + shown;
  }

  /**
   * How a feed is doing: our words, and the detail (a time, or the feed server's error) after them.
   */
  record Status(String words, String detail) {
    @Override
    public String toString() {
      return detail.isEmpty() ? words : words + " " + detail;
    }
  }

  /**
   * Every feed connection (in {@code rooms}, or everywhere when empty) for {@code get_feeds}: room,
   * id, URL, label and how its polling is doing.
   */
  ArrayNode describe(Connections connections, List<String> rooms) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Active a : connections.ofKind(this)) {
      if (!rooms.isEmpty() && !rooms.contains(a.roomId())) continue;
      String url = a.connection().stateKey();
      Status status = status(url);
      ObjectNode feed = out.addObject().put("roomId", a.roomId()).put("id", a.id()).put("url", url);
      feed.put("label", a.connection().config().path("label").asText(null));
      feed.put("status", status.words()).put("detail", status.detail());
    }
    return out;
  }

  /** How the feed is doing, for {@code list} and {@code feed list}. */
  Status status(String url) {
    Optional<FeedStore.UrlState> state = store.url(url);
    if (state.isEmpty() || state.get().lastPollAt() == null)
      return new Status("not polled yet", "");
    FeedStore.UrlState s = state.get();
    if (s.lastError() != null)
      return new Status("failing since " + s.failures() + " poll(s):", s.lastError());
    return new Status("OK, last read", Instant.ofEpochMilli(s.lastSuccessAt()).toString());
  }

  /** One room following one feed. */
  private final class Followed implements LiveConnection {
    private final FeedPoller.Subscription subscription;

    Followed(FeedPoller.Subscription subscription) {
      this.subscription = subscription;
    }

    @Override
    public String summary() {
      return Feeds.summary(subscription.config().label().orElse(""), status(subscription.url()));
    }

    @Override
    public void closed(boolean replaced) {
      if (!replaced) poller.unregister(subscription.connection());
    }
  }
}

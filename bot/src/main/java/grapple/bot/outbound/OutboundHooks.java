package grapple.bot.outbound;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Connections;
import grapple.bot.LiveConnection;
import grapple.bot.NamedKind;
import grapple.bot.forge.NamedHooks;
import grapple.bot.http.AddressGuard;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import grapple.state.SecretBox;
import grapple.state.SqlWork;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code OutboundWebhook} connection kind: validates the content, refuses internal targets when
 * a hook is made or changed by a command or the API, keeps each hook's token sealed in the
 * database, and queues the room's events.
 */
final class OutboundHooks extends NamedKind<OutboundConfig> {
  private static final Logger log = LoggerFactory.getLogger(OutboundHooks.class);

  /** The type's name in the APIs ({@code type} of a connection). */
  static final String TYPE = "OutboundWebhook";

  /** Keeps deliveries off internal addresses unless outbound.allowPrivateAddresses. */
  static final AddressGuard GUARD =
      new AddressGuard("outbound hooks", "outbound.allowPrivateAddresses");

  static final String TOKEN_SECRET = "outboundToken";
  static final String TOKEN_PREFIX = "hs-ob-";

  private final OutboundSettings settings;
  private final ConnectionStore store;
  private final Supplier<SecretBox> secrets;
  private final OutboundQueue queue;
  private final Clock clock;
  private final Runnable wake;
  private final Refusals refusals;
  private final AtomicLong refused = new AtomicLong();

  /**
   * Where an event not queued (its hook's queue full) is reported, once per failure streak; and the
   * deliveries a removed hook still had queued, once.
   */
  interface Refusals {
    void queueFull(String roomId, String name, String eventId, int waiting);

    void dropped(String roomId, String name, int queued);
  }

  /** Events not queued since start: their hook's queue was full. */
  long refusedCount() {
    return refused.get();
  }

  /** Hookshot's outbound hook fields; its token is kept by the bot, never in the room's state. */
  static final Optional<Set<String>> FIELDS = Optional.of(Set.of("name", "url", "method"));

  @Override
  public Optional<Set<String>> fields() {
    return FIELDS;
  }

  OutboundHooks(
      OutboundSettings settings,
      ConnectionStore store,
      Supplier<SecretBox> secrets,
      OutboundQueue queue,
      Clock clock,
      Runnable wake,
      Refusals refusals) {
    super(TYPE, OutboundService.NAME, OutboundService.EVENT_TYPE, List.of());
    this.settings = settings;
    this.store = store;
    this.secrets = secrets;
    this.queue = queue;
    this.clock = clock;
    this.wake = wake;
    this.refusals = refusals;
  }

  /** Its queued deliveries and tally go with it. */
  @Override
  public List<String> tablesByConnection() {
    return List.of("outbound_queue", "outbound_status");
  }

  @Override
  public OutboundConfig parse(String stateKey, ObjectNode content) {
    OutboundConfig config = OutboundConfig.from(stateKey, content);
    NamedHooks.requireNameIsStateKey(config.name(), stateKey, "the outbound hook's", "a hook");
    return config;
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    return NamedHooks.stateKeyFor(content);
  }

  /** A target on a loopback, private or link-local address is refused unless allowed. */
  @Override
  public void checkNew(String stateKey, OutboundConfig config) {
    checkTarget(config);
  }

  /** The same when a command or the API points a hook elsewhere (room state is checked at send). */
  @Override
  public void checkChange(String stateKey, OutboundConfig config) {
    checkTarget(config);
  }

  private void checkTarget(OutboundConfig config) {
    if (settings.allowPrivateAddresses()) return;
    String host = config.url().host();
    try {
      GUARD.checkLiteral(host);
      GUARD.lookup(host);
    } catch (AddressGuard.Refused e) {
      throw new BadInput("url", "Outbound URL refused: " + e.getMessage());
    } catch (UnknownHostException e) {
      throw new BadInput(
          "url", "Outbound URL's host " + Markdown.code(host) + " does not resolve to an address");
    }
  }

  /**
   * A hook loaded (at start, or as another instance stored it) has its token, if sealed for its
   * connection id as before, sealed again for its name now: a room upgrade may move it before any
   * delivery reads the token, and in the new room the old id's seal cannot be opened.
   */
  @Override
  public LiveConnection open(Connection connection, OutboundConfig config, boolean created) {
    if (!created) {
      try {
        store
            .secret(connection.id(), TOKEN_SECRET)
            .ifPresent(stored -> opened(connection.id(), connection.stateKey(), stored));
      } catch (RuntimeException e) {
        log.warn(
            "outbound: hook '{}' in {}: its token could not be sealed for its name ({}); a room"
                + " upgrade may leave it unreadable",
            connection.stateKey(),
            connection.roomId(),
            e.toString());
      }
    }
    return new Hook(connection, config);
  }

  /**
   * The token of the hook {@code name} (its state key), made and stored (sealed) the first time it
   * is asked for. It is sealed for the hook's name, which a room upgrade keeps, not for its
   * connection id, which the move changes: sealed for the id, the moved hook's token could not be
   * opened in the new room and every delivery failed. A token sealed for the id (before this) is
   * opened so and sealed again for the name.
   */
  String tokenFor(String connectionId, String name) {
    String context = sealContext(name);
    Optional<String> existing = store.secret(connectionId, TOKEN_SECRET);
    if (existing.isPresent()) {
      return opened(connectionId, name, existing.get())
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "the token cannot be opened with this secret key; remove the hook and"
                          + " create it again"));
    }
    String token = TOKEN_PREFIX + UUID.randomUUID();
    String stored =
        store.secretOrPut(connectionId, TOKEN_SECRET, secrets.get().seal(token, context));
    return opened(connectionId, name, stored).orElse(token);
  }

  /**
   * The token in {@code stored}: sealed for the hook's name, or for its connection id as tokens
   * were before, which is then sealed again for the name so that a later move keeps it.
   */
  private Optional<String> opened(String connectionId, String name, String stored) {
    SecretBox box = secrets.get();
    Optional<String> token = box.open(stored, sealContext(name));
    if (token.isPresent()) return token;
    Optional<String> legacy = box.open(stored, legacySealContext(connectionId));
    legacy.ifPresent(
        t -> store.putSecret(connectionId, TOKEN_SECRET, box.seal(t, sealContext(name))));
    return legacy;
  }

  private static String sealContext(String name) {
    return "outbound-token of hook " + name;
  }

  /** What tokens were sealed for before: the connection id, which a room upgrade changes. */
  private static String legacySealContext(String connectionId) {
    return "outbound-token:" + connectionId;
  }

  /**
   * Where the deliveries of {@code entry}'s connection go now; gone only when the database no
   * longer has the connection either (this instance may not have read yet what another one made).
   */
  OutboundSender.Lookup target(Connections connections, OutboundQueue.Entry entry) {
    String connectionId = entry.connectionId();
    Optional<grapple.bot.Active> active = connections.byId(connectionId);
    if (active.isEmpty() || active.get().kind() != this) {
      // By id: a hook moved by a room upgrade is stored in the new room, while its queued events
      // name the room they came from.
      Optional<Connection> stored = store.byId(connectionId);
      return stored.isPresent()
          ? new OutboundSender.Lookup.Unknown(stored.get().roomId(), stored.get().stateKey())
          : new OutboundSender.Lookup.Gone();
    }
    OutboundConfig config = (OutboundConfig) active.get().config();
    try {
      return new OutboundSender.Lookup.Found(
          new OutboundSender.Target(
              active.get().roomId(),
              config.name(),
              config,
              tokenFor(connectionId, active.get().connection().stateKey())));
    } catch (IllegalStateException e) {
      return new OutboundSender.Lookup.Broken(
          active.get().roomId(), config.name(), String.valueOf(e.getMessage()));
    }
  }

  /** One outbound hook at work. */
  final class Hook implements LiveConnection {
    private final Connection connection;
    private final OutboundConfig config;

    Hook(Connection connection, OutboundConfig config) {
      this.connection = connection;
      this.config = config;
    }

    /**
     * Queues the event, or, when {@code outbound.maxQueuedPerHook} deliveries already wait (a dead
     * target in a busy room), records it as failed and tells the room once per streak.
     */
    @Override
    public Optional<Queued> onRoomEvent(ObjectNode event) {
      String eventId = event.path("event_id").asText();
      int max = settings.maxQueuedPerHook();
      SqlWork<OutboundQueue.Taken> enqueue =
          OutboundQueue.enqueue(
              connection.id(),
              connection.roomId(),
              eventId,
              Json.write(event),
              clock.millis(),
              max);
      AtomicReference<OutboundQueue.Taken> taken =
          new AtomicReference<>(OutboundQueue.Taken.QUEUED);
      return Optional.of(
          new Queued(
              c -> {
                taken.set(enqueue.run(c));
                return null;
              },
              () -> {
                if (taken.get() == OutboundQueue.Taken.QUEUED) {
                  wake.run();
                  return;
                }
                refused.incrementAndGet();
                if (taken.get() == OutboundQueue.Taken.REFUSED_FIRST)
                  refusals.queueFull(connection.roomId(), config.name(), eventId, max);
              }));
    }

    /** Method and origin only: a URL's path, query or user info may carry the target's key. */
    @Override
    public String summary() {
      OutboundQueue.Status s = queue.status(connection.id());
      StringBuilder out =
          new StringBuilder(config.method())
              .append(" to ")
              .append(Markdown.code(config.origin()))
              .append(" — ")
              .append(s.delivered())
              .append(" delivered, ")
              .append(s.queued())
              .append(" queued, ")
              .append(s.failed())
              .append(" failed");
      if (s.lastError() != null && s.lastFailedAt() != null) {
        out.append(" (last failure ")
            .append(Instant.ofEpochMilli(s.lastFailedAt()))
            .append(": ")
            .append(Markdown.escape(s.lastError()))
            .append(')');
      }
      return out.toString();
    }

    @Override
    public Optional<ObjectNode> apiStatus() {
      OutboundQueue.Status s = queue.status(connection.id());
      ObjectNode out =
          Json.object()
              .put("delivered", s.delivered())
              .put("queued", s.queued())
              .put("failed", s.failed());
      if (s.lastError() != null) out.put("lastError", s.lastError());
      if (s.lastFailedAt() != null)
        out.put("lastFailedAt", Instant.ofEpochMilli(s.lastFailedAt()).toString());
      if (s.lastFailedEvent() != null) out.put("lastFailedEventId", s.lastFailedEvent());
      return Optional.of(out);
    }

    @Override
    public Map<String, String> secrets() {
      return Map.of("token", tokenFor(connection.id(), connection.stateKey()));
    }

    @Override
    public Optional<String> welcome() {
      return Optional.of(
          OutboundHooks.welcome(
              connection.stateKey(),
              connection.roomId(),
              config.url(),
              tokenFor(connection.id(), connection.stateKey())));
    }

    /**
     * Removed (by a command, the API, room state, or to be made again under another name): its
     * queue and tally go, and the room hears once how many deliveries were dropped unsent, if any
     * (the instance that forgets them says it). They do not move to a hook made under another name:
     * that one has its own token, which the target checks. Out of effect here while the database
     * still has it (its stored config, written by another instance, does not validate here): its
     * queue waits, as the sender keeps the queue of a connection it does not know yet.
     */
    @Override
    public void closed(boolean replaced) {
      if (replaced) return;
      boolean stored =
          store.inRoom(connection.roomId()).stream().anyMatch(c -> c.id().equals(connection.id()));
      if (stored) return;
      int dropped = queue.forget(connection.id());
      if (dropped > 0) refusals.dropped(connection.roomId(), config.name(), dropped);
    }
  }

  /**
   * The direct message that shows a hook's secret token, once, to whoever made it; the room is a
   * matrix.to link, as in hookshot's.
   */
  static String welcome(String name, String roomId, HttpUrl url, String token) {
    return "Outbound hook "
        + Markdown.code(name)
        + " in "
        + Messages.roomLink(roomId)
        + " is ready: every event in the room goes to "
        + Markdown.code(OutboundConfig.origin(url))
        + ".\n\nPlease use the secret token "
        + Markdown.code(token)
        + " when validating the request: it comes in the header"
        + " `X-Matrix-Hookshot-Token`, and `X-Grapple-Signature-256` is"
        + " `sha256=<hex HMAC-SHA256(token, body)>`. `X-Grapple-Delivery` is the same on every"
        + " retry of one delivery.";
  }
}

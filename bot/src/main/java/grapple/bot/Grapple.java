package grapple.bot;

import grapple.bot.room.Messages;
import grapple.bot.room.RoomStates;
import grapple.bot.room.RoomGateway;
import grapple.bot.config.Config;
import grapple.bot.console.ConsoleGateway;
import grapple.bot.feed.FeedType;
import grapple.bot.http.HttpListener;
import grapple.bot.http.InFlight;
import grapple.bot.http.RequestObserver;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
import grapple.bot.matrix.MatrixGateway;
import grapple.bot.outbox.Outbox;
import grapple.bot.provisioning.ProvisioningApi;
import grapple.bot.webhook.GenericWebhookType;
import grapple.commands.Command;
import grapple.commands.Dispatcher;
import grapple.commands.Permissions;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.bot.matrix.DirectRoomStore;
import grapple.bot.feed.FeedStore;
import grapple.state.KeyValueStore;
import grapple.bot.console.LocalStateStore;
import grapple.state.OutboxStore;
import grapple.bot.matrix.SyncStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running bot: database, gateway, outbox, connection types and listeners, wired together. */
public final class Grapple implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Grapple.class);
  /** Webhook requests worked on at once; no thread waits on a slow client or the database. */
  private static final int WEBHOOK_THREADS = 8;
  /** API requests worked on at once: a create waits for the homeserver's answer to its state write. */
  private static final int PROVISIONING_THREADS = 16;
  private static final int METRICS_THREADS = 2;

  private final Database db;
  private final RoomGateway gateway;
  private final Outbox outbox;
  private final Serving serving;
  private final ConnectionTypes types;

  /** The HTTP listeners ({@code provisioning} is null when the API is off) and what /ready reports. */
  private record Serving(HttpListener webhooks, HttpListener provisioning, HttpListener metrics, Watchdog watchdog) {
    List<HttpListener> all() {
      List<HttpListener> out = new ArrayList<>(List.of(webhooks, metrics));
      if (provisioning != null) out.add(1, provisioning);
      return out;
    }
  }

  private Grapple(Database db, RoomGateway gateway, Outbox outbox, Serving serving, ConnectionTypes types) {
    this.db = db;
    this.gateway = gateway;
    this.outbox = outbox;
    this.serving = serving;
    this.types = types;
  }

  /**
   * Opens the database, starts the webhook listener (so webhooks are taken in even while the
   * homeserver is unreachable), logs in, then starts delivering and syncing.
   */
  public static Grapple start(Config config, ConsoleGateway.Console console)
      throws IOException, MatrixGateway.LoginFailed, InterruptedException {
    Database db = Database.open(config.database().path());
    try {
      return wire(config, console, db);
    } catch (IOException | MatrixGateway.LoginFailed | InterruptedException | RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /** What every door (commands, room state, API, webhooks) shares. */
  private record Parts(RoomGateway gateway, Outbox outbox, ConnectionTypes types, Connections connections,
      RoomStates rooms, Permissions permissions) {}

  private static Grapple wire(Config config, ConsoleGateway.Console console, Database db)
      throws IOException, MatrixGateway.LoginFailed, InterruptedException {
    Parts parts = parts(config, console, db);
    Metrics metrics = new Metrics();
    Watchdog watchdog = new Watchdog();
    watchdog.watch("database writer", db::writerAlive);
    for (ConnectionType type : parts.types().all()) {
      if (type instanceof FeedType feeds) watchdog.watch("feed scheduler", feeds::schedulerAlive);
    }
    Serving serving = listen(config, parts, metrics, watchdog);
    measure(metrics, parts, db, watchdog);
    Grapple app = new Grapple(db, parts.gateway(), parts.outbox(), serving, parts.types());
    try {
      connect(config, parts, watchdog);
      return app;
    } catch (MatrixGateway.LoginFailed | InterruptedException | RuntimeException e) {
      serving.all().forEach(HttpListener::close);
      parts.types().all().forEach(ConnectionType::close);
      throw e;
    }
  }

  private static Parts parts(Config config, ConsoleGateway.Console console, Database db) {
    RoomGateway gateway = gateway(config, console, db);
    Outbox outbox = new Outbox(new OutboxStore(db), gateway, config.outbox().concurrency(),
        config.outbox().maxRetryDelay());
    Permissions permissions = new Permissions(config.permissions());
    ConnectionTypes types = new ConnectionTypes(types(config, db, outbox));
    Connections connections = new Connections(new ConnectionStore(db), types, gateway, permissions, outbox);
    connections.load();
    return new Parts(gateway, outbox, types, connections, new RoomStates(), permissions);
  }

  /** Whatever follows {@code /webhook/} is a secret hook id (even after an empty segment). */
  static String maskHookIds(String path) {
    return path.startsWith("/webhook/") ? "/webhook/***" : path;
  }

  /** The webhook listener, the provisioning API (when configured) and metrics. */
  private static Serving listen(Config config, Parts p, Metrics metrics, Watchdog watchdog) throws IOException {
    Router webhookRoutes = new Router();
    p.types().all().forEach(t -> t.routes(webhookRoutes, p.connections()));
    InFlight budget = new InFlight(config.listeners().maxBytesInFlight());
    HttpListener.Shared measured = new HttpListener.Shared(watchdog, metrics, budget, HttpListener.Limits.DEFAULT);
    HttpListener webhooks = HttpListener.start(new HttpListener.Settings("webhooks",
        address(config.listeners().webhooks()), WEBHOOK_THREADS, (status, message, id) -> Response.error(status, message),
        Grapple::maskHookIds), webhookRoutes, measured);
    HttpListener provisioning = null;
    if (config.provisioning().enabled()) {
      ProvisioningApi api = new ProvisioningApi(config.provisioning(), p.connections(), p.rooms(), p.permissions(),
          p.gateway().botUserId());
      provisioning = HttpListener.start(new HttpListener.Settings("provisioning",
          address(config.listeners().provisioning()), PROVISIONING_THREADS, ProvisioningApi::listenerError,
          path -> path), api.router(), measured);
    }
    HttpListener metricsListener = HttpListener.start(new HttpListener.Settings("metrics",
        address(config.listeners().metrics()), METRICS_THREADS, (status, message, id) -> Response.error(status, message),
        path -> path), metrics.router(),
        new HttpListener.Shared(watchdog, RequestObserver.NONE, budget, HttpListener.Limits.DEFAULT));
    return new Serving(webhooks, provisioning, metricsListener, watchdog);
  }

  private static void measure(Metrics metrics, Parts p, Database db, Watchdog watchdog) {
    metrics.gauge("grapple_ready", "1 once rooms are loaded", () -> watchdog.ready() ? 1 : 0);
    metrics.gauge("grapple_outbox_backlog", "Messages waiting for delivery", () -> p.outbox().backlog());
    metrics.counter("grapple_outbox_delivered", "Messages the homeserver accepted since start",
        () -> p.outbox().deliveredCount());
    metrics.counter("grapple_outbox_refused", "Messages the homeserver refused for good since start",
        () -> p.outbox().refusedCount());
    metrics.gauge("grapple_connections", "Connections, by type", "type", p.connections()::countByType);
    if (p.types().byName("Feed").isPresent()) {
      FeedStore feeds = new FeedStore(db);
      metrics.gauge("grapple_feeds_failing", "Feed URLs whose last poll failed", () -> feeds.failingCount());
    }
  }

  /** Logs in (matrix mode), starts delivering, then starts the gateway; /ready turns 200 once loaded. */
  private static void connect(Config config, Parts p, Watchdog watchdog)
      throws MatrixGateway.LoginFailed, InterruptedException {
    Dispatcher dispatcher = new Dispatcher(commands(p.types(), p.connections()), p.permissions(),
        new Dispatcher.Settings(config.bot().commandPrefixes(), p.gateway().botUserId()), p.rooms(),
        Clock.systemUTC());
    if (p.gateway() instanceof MatrixGateway matrix) {
      matrix.follow(stateTypes(p.types()));
      matrix.login();
      watchdog.watch("matrix-sync", matrix::syncAlive);
    }
    p.outbox().start();
    p.gateway().start(new Core(p.gateway(), p.rooms(), p.connections(), dispatcher, p.permissions(), p.outbox()),
        () -> {
          watchdog.markReady();
          log.info("ready: rooms loaded");
        });
  }

  private static RoomGateway gateway(Config config, ConsoleGateway.Console console, Database db) {
    if (config.localMode()) {
      return new ConsoleGateway(config.homeserver().domain(), config.bot().userId(), new LocalStateStore(db), console);
    }
    MatrixGateway.Stores stores = new MatrixGateway.Stores(new SyncStore(db), new KeyValueStore(db),
        new DirectRoomStore(db));
    return new MatrixGateway(config, stores);
  }

  /** The state event types the bot follows: authority, and every connection type's (with aliases). */
  private static List<String> stateTypes(ConnectionTypes connectionTypes) {
    List<String> types = new ArrayList<>(List.of("m.room.member", "m.room.power_levels", "m.room.create"));
    for (ConnectionType t : connectionTypes.all()) {
      types.add(t.eventType());
      types.addAll(t.legacyEventTypes());
    }
    return types;
  }

  /** The connection types in service; a new type is one line here. */
  private static List<ConnectionType> types(Config config, Database db, Outbox outbox) {
    ConnectionStore store = new ConnectionStore(db);
    Clock clock = Clock.systemUTC();
    List<ConnectionType> types = new ArrayList<>();
    if (config.generic().enabled()) types.add(new GenericWebhookType(config.generic(), store, outbox, clock));
    if (config.feeds().enabled()) types.add(new FeedType(config.feeds(), new FeedStore(db), outbox, clock));
    return types;
  }

  private static List<Command> commands(ConnectionTypes types, Connections connections) {
    List<Command> commands = new ArrayList<>(new CoreCommands(connections).commands());
    types.all().forEach(t -> commands.addAll(t.commands(connections)));
    return commands;
  }

  private static InetSocketAddress address(Config.Listener listener) {
    return new InetSocketAddress(listener.bindAddress(), listener.port());
  }

  public int webhookPort() {
    return serving.webhooks().port();
  }

  public int metricsPort() {
    return serving.metrics().port();
  }

  /** The provisioning listener's port; throws when the API is off. */
  public int provisioningPort() {
    if (serving.provisioning() == null) {
      throw new IllegalStateException("the provisioning API is off (no secret or tokens)");
    }
    return serving.provisioning().port();
  }

  public boolean ready() {
    return serving.watchdog().ready();
  }

  /** Stops taking webhooks, finishes what is in flight, stops syncing and delivering, closes SQLite. */
  @Override
  public void close() {
    log.info("shutting down");
    serving.all().forEach(HttpListener::close);
    types.all().forEach(ConnectionType::close);
    gateway.stop();
    outbox.close();
    db.close();
    log.info("stopped; {} message(s) left queued for the next start", outbox.backlog());
  }
}

package grapple.bot;

import grapple.bot.config.Config;
import grapple.bot.console.ConsoleGateway;
import grapple.bot.feed.FeedType;
import grapple.bot.http.HttpListener;
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
import grapple.state.DirectRoomStore;
import grapple.state.FeedStore;
import grapple.state.KeyValueStore;
import grapple.state.LocalStateStore;
import grapple.state.OutboxStore;
import grapple.state.SyncStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running bot: database, gateway, outbox, connection types and listeners, wired together. */
public final class Grapple implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Grapple.class);
  private static final int HTTP_THREADS = 8;

  private final Database db;
  private final RoomGateway gateway;
  private final Outbox outbox;
  private final Serving serving;
  private final ConnectionTypes types;

  /** The HTTP listeners (webhooks first) and the flag their /ready reports. */
  private record Serving(List<HttpListener> listeners, AtomicBoolean ready) {}

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
    AtomicBoolean ready = new AtomicBoolean();
    List<HttpListener> listeners = listen(config, parts, metrics, ready);
    measure(metrics, parts, db, ready);
    Grapple app = new Grapple(db, parts.gateway(), parts.outbox(), new Serving(listeners, ready), parts.types());
    try {
      connect(config, parts, ready);
      return app;
    } catch (MatrixGateway.LoginFailed | InterruptedException | RuntimeException e) {
      listeners.forEach(HttpListener::close);
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

  private static final java.util.regex.Pattern HOOK_ID_IN_PATH = java.util.regex.Pattern.compile("^/webhook/[^/]+");

  /** The webhook listener, the provisioning API (when configured) and metrics, in that order. */
  private static List<HttpListener> listen(Config config, Parts p, Metrics metrics, AtomicBoolean ready)
      throws IOException {
    Router webhookRoutes = new Router();
    p.types().all().forEach(t -> t.routes(webhookRoutes, p.connections()));
    List<HttpListener> listeners = new ArrayList<>();
    listeners.add(HttpListener.start(new HttpListener.Settings("webhooks", address(config.listeners().webhooks()),
        HTTP_THREADS, (status, message, id) -> Response.error(status, message),
        path -> HOOK_ID_IN_PATH.matcher(path).replaceFirst("/webhook/***")), webhookRoutes, ready::get, metrics));
    if (config.provisioning().enabled()) {
      ProvisioningApi api = new ProvisioningApi(config.provisioning(), p.connections(), p.rooms(), p.permissions(),
          p.gateway().botUserId());
      listeners.add(HttpListener.start(new HttpListener.Settings("provisioning",
          address(config.listeners().provisioning()), 16, ProvisioningApi::listenerError, path -> path),
          api.router(), ready::get, metrics));
    }
    listeners.add(HttpListener.start(new HttpListener.Settings("metrics", address(config.listeners().metrics()), 2,
        (status, message, id) -> Response.error(status, message), path -> path), metrics.router(), ready::get,
        RequestObserver.NONE));
    return List.copyOf(listeners);
  }

  private static void measure(Metrics metrics, Parts p, Database db, AtomicBoolean ready) {
    metrics.gauge("grapple_ready", "1 once rooms are loaded", () -> ready.get() ? 1 : 0);
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
  private static void connect(Config config, Parts p, AtomicBoolean ready)
      throws MatrixGateway.LoginFailed, InterruptedException {
    Dispatcher dispatcher = new Dispatcher(commands(p.types(), p.connections()), p.permissions(),
        new Dispatcher.Settings(config.bot().commandPrefixes(), p.gateway().botUserId()), p.rooms(),
        Clock.systemUTC());
    if (p.gateway() instanceof MatrixGateway matrix) {
      matrix.follow(stateTypes(p.types()));
      matrix.login();
    }
    p.outbox().start();
    p.gateway().start(new Core(p.gateway(), p.rooms(), p.connections(), dispatcher, p.permissions(), p.outbox()),
        () -> {
          ready.set(true);
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
    return serving.listeners().get(0).port();
  }

  /** The provisioning listener's port; throws when the API is off. */
  /** The metrics listener's port (always the last listener). */
  public int metricsPort() {
    return serving.listeners().get(serving.listeners().size() - 1).port();
  }

  public int provisioningPort() {
    if (serving.listeners().size() < 3) {
      throw new IllegalStateException("the provisioning API is off (no secret or tokens)");
    }
    return serving.listeners().get(1).port();
  }

  public boolean ready() {
    return serving.ready().get();
  }

  /** Stops taking webhooks, finishes what is in flight, stops syncing and delivering, closes SQLite. */
  @Override
  public void close() {
    log.info("shutting down");
    serving.listeners().forEach(HttpListener::close);
    types.all().forEach(ConnectionType::close);
    gateway.stop();
    outbox.close();
    db.close();
    log.info("stopped; {} message(s) left queued for the next start", outbox.backlog());
  }
}

package grapple.bot;

import grapple.bot.config.Config;
import grapple.bot.config.SectionReader;
import grapple.bot.config.ServiceSettings;
import grapple.bot.console.ConsoleGateway;
import grapple.bot.console.LocalStateStore;
import grapple.bot.feed.FeedService;
import grapple.bot.forge.ForgeInstances;
import grapple.bot.gitea.GiteaService;
import grapple.bot.github.GithubService;
import grapple.bot.gitlab.GitlabService;
import grapple.bot.http.HttpListener;
import grapple.bot.http.InFlight;
import grapple.bot.http.RequestObserver;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
import grapple.bot.jira.JiraService;
import grapple.bot.matrix.DirectRoomStore;
import grapple.bot.matrix.MatrixGateway;
import grapple.bot.matrix.SyncStore;
import grapple.bot.outbound.OutboundService;
import grapple.bot.outbox.Backlog;
import grapple.bot.outbox.Outbox;
import grapple.bot.provisioning.IdentityLinks;
import grapple.bot.provisioning.LoginLookup;
import grapple.bot.provisioning.ProvisioningApi;
import grapple.bot.room.LoginFailed;
import grapple.bot.room.RoomGateway;
import grapple.bot.room.RoomStates;
import grapple.bot.rpc.CoreMethods;
import grapple.bot.rpc.JsonRpc;
import grapple.bot.rpc.RpcMethod;
import grapple.bot.webhook.WebhookService;
import grapple.commands.Command;
import grapple.commands.Dispatcher;
import grapple.commands.Permissions;
import grapple.commands.ServiceNames;
import grapple.state.ChangeLog;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.KeyValueStore;
import grapple.state.Leadership;
import grapple.state.Migration;
import grapple.state.Migrations;
import grapple.state.OutboxStore;
import grapple.state.PeopleLinks;
import grapple.state.RoomStateStore;
import grapple.state.SecretBox;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running bot, wired together: the database, the room gateway (homeserver or console), the
 * outbox, the connections hub, the services, and the listeners that are its doors.
 *
 * <pre>
 *   commands ──┐                        ┌─ webhook listener ── services' receivers
 *   room state ┼─> Core ─> Connections <┼─ provisioning API ── Changes
 *              │            │  (hub)     └─ metrics
 *   gateway ───┘            └─> services' live connections ─> Outbox ─> gateway
 * </pre>
 */
public final class Grapple implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Grapple.class);

  /** Webhook requests worked on at once; no thread waits on a slow client or the database. */
  private static final int WEBHOOK_THREADS = 8;

  /**
   * API requests worked on at once: a create waits for the homeserver's answer to its state write.
   */
  private static final int PROVISIONING_THREADS = 16;

  private static final int METRICS_THREADS = 2;

  /** Every service Grapple has. A new service is one line here. */
  public static List<Service> services() {
    return List.of(
        new WebhookService(),
        new FeedService(),
        new GithubService(),
        new GitlabService(),
        new GiteaService(),
        new JiraService(),
        new OutboundService());
  }

  /**
   * The contract's services that are not built yet: their API routes and connection types answer
   * "disabled" (HS_DISABLED_FEATURE), not "unknown". Each leaves this list when its service lands.
   */
  static final List<ServiceInfo> PLANNED = List.of();

  /** The config sections of {@code services}, for the config loader. */
  public static List<SectionReader> configSections(List<Service> services) {
    return services.stream()
        .map(
            s -> {
              Set<String> names = new LinkedHashSet<>(s.info().aliases());
              names.add(s.info().name());
              return new SectionReader(s.configSection(), s::settings, names);
            })
        .toList();
  }

  /** The config sections of every service Grapple has. */
  public static List<SectionReader> configSections() {
    return configSections(services());
  }

  private final Database db;
  private final FileOwner owner;
  private final RoomGateway gateway;
  private final Outbox outbox;
  private final WaitingCommands commands;
  private final Serving serving;
  private final List<Started> running;
  private final Leading leading;
  private final Watchdog watchdog;

  /**
   * The HTTP listeners ({@code provisioning} is null when the API is off) and what /ready reports.
   */
  private record Serving(
      HttpListener webhooks,
      @Nullable HttpListener provisioning,
      HttpListener metrics,
      Watchdog watchdog) {
    List<HttpListener> all() {
      List<HttpListener> out = new ArrayList<>(List.of(webhooks, metrics));
      if (provisioning != null) out.add(1, provisioning);
      return out;
    }
  }

  /** A service that runs, and what it added. */
  private record Started(Service service, Service.Running running) {
    String name() {
      return service.info().name();
    }
  }

  private Grapple(
      Database db,
      FileOwner owner,
      Hub hub,
      Serving serving,
      List<Started> running,
      Leading leading,
      Watchdog watchdog) {
    this.db = db;
    this.watchdog = watchdog;
    this.owner = owner;
    this.gateway = hub.gateway();
    this.outbox = hub.outbox();
    this.commands = hub.commands();
    this.serving = serving;
    this.running = running;
    this.leading = leading;
  }

  /**
   * Opens the database, starts the services and the listeners (so webhooks are taken in even while
   * the homeserver is unreachable), logs in, then starts delivering and syncing.
   */
  public static Grapple start(Config config, ConsoleGateway.Console console)
      throws IOException, LoginFailed, InterruptedException {
    return start(config, console, services());
  }

  /**
   * As {@link #start(Config, ConsoleGateway.Console)}, with these services (tests add their own).
   */
  public static Grapple start(Config config, ConsoleGateway.Console console, List<Service> services)
      throws IOException, LoginFailed, InterruptedException {
    FileOwner owner = FileOwner.claim(config.database().location());
    Database db;
    try {
      db = Database.open(config.database().location(), migrations(services));
    } catch (RuntimeException e) {
      owner.close();
      throw e;
    }
    List<Started> running = new ArrayList<>();
    try {
      return wire(config, console, db, owner, services, running);
    } catch (IOException | LoginFailed | InterruptedException | RuntimeException e) {
      running.forEach(r -> r.running().close());
      db.close();
      owner.close();
      throw e;
    }
  }

  /**
   * The schema: the core's steps, then each service's own, numbered by the service from 1 and
   * recorded under its name.
   */
  public static List<Migration> migrations(List<Service> services) {
    List<Migration> out = new ArrayList<>();
    for (Service s : services) {
      String name = s.info().name();
      s.migrations().forEach(m -> out.add(m.ownedBy(name)));
    }
    return Migrations.all(out);
  }

  /** What every door (commands, room state, API, webhooks) shares. */
  private record Hub(
      RoomGateway gateway,
      Outbox outbox,
      Connections connections,
      Changes changes,
      Permissions permissions,
      ChangeLog changeLog,
      PeopleLinks people,
      Backlog backlog,
      WaitingCommands commands) {}

  private static Grapple wire(
      Config config,
      ConsoleGateway.Console console,
      Database db,
      FileOwner owner,
      List<Service> services,
      List<Started> running)
      throws IOException, LoginFailed, InterruptedException {
    RoomStates rooms = new RoomStates();
    Supplier<SecretBox> secrets = secrets(config, db);
    Hub hub = hub(config, console, db, services, rooms, secrets);
    IdentityLinks.nameOldInstances(hub.people(), forgeInstances(config, services));
    BotRooms botRooms = new BotRooms(rooms, hub.gateway().botUserId());
    start(
        config,
        services,
        new ServiceContext(
            db,
            hub.outbox(),
            hub.connections(),
            hub.changes(),
            botRooms,
            Clock.systemUTC(),
            hub.permissions(),
            secrets,
            hub.gateway(),
            new MatrixProfiles(rooms, hub.gateway(), hub.people()),
            config.bot().commandPrefixes().get(0)),
        running);
    running.forEach(r -> hub.connections().kinds().add(r.running().kinds()));
    boolean shared = config.database().shared();
    Cluster cluster =
        new Cluster(
            hub.changeLog(),
            new RoomStateStore(db, hub.changeLog()),
            hub.connections(),
            rooms,
            Clock.systemUTC());
    cluster.mark();
    hub.connections().load();
    if (shared) cluster.loadAuthority();
    Metrics metrics = new Metrics();
    Watchdog watchdog = new Watchdog();
    watchdog.watch("database writer", db::writerAlive, new WriterProbe(db, Clock.systemUTC()));
    watchdog.watch("database listener", db::listenerAlive);
    running.forEach(r -> r.running().threads().forEach(watchdog::watch));
    hub.gateway().threads().forEach(watchdog::watch);
    watchdog.watch("room sync", () -> true, Watchdog.Progress.of(hub.gateway()::stuck));
    watchdog.waitingFor(hub.gateway()::waitingFor);
    Leadership leadership = Leadership.of(db);
    watchdog.leadership(leadership::leading);
    Serving serving =
        listen(config, new Listening(hub, rooms, services, running, metrics), watchdog);
    measure(metrics, hub, running, watchdog);
    metrics.gauge(
        "grapple_leader",
        "1 on the instance that runs the sync and delivery",
        () -> leadership.leading() ? 1 : 0);
    Grapple app =
        new Grapple(db, owner, hub, serving, running, new Leading(leadership, cluster), watchdog);
    Runnable onLoaded =
        () -> {
          botRooms.loaded(hub.connections());
          watchdog.markReady();
          // Not before: the first load's writes are many, and a probe behind them is no sign.
          watchdog.start();
          log.info(
              "ready: rooms loaded{}",
              shared
                  ? " from the database; one instance at a time leads (syncs and delivers)"
                  : "");
        };
    try {
      if (shared) {
        cluster.follow(db);
        watchdog.watch("change reader", cluster::readerAlive);
      }
      connect(
          config,
          new Connecting(
              db,
              hub,
              rooms,
              commands(hub.connections(), running),
              switchedOff(services, running),
              onLoaded,
              running),
          leadership,
          cluster,
          shared);
      return app;
    } catch (LoginFailed | InterruptedException | RuntimeException e) {
      serving.all().forEach(HttpListener::close);
      leadership.close();
      cluster.close();
      throw e;
    }
  }

  /**
   * The key that seals tokens, loaded when a service first asks. With SQLite a missing or other key
   * file gives up the old tokens (logged); instances sharing PostgreSQL refuse to start instead, as
   * one instance with another key would lock the others out.
   */
  private static Supplier<SecretBox> secrets(Config config, Database db) {
    return new Supplier<>() {
      private @Nullable SecretBox box;

      @Override
      public synchronized SecretBox get() {
        if (box == null) {
          box =
              SecretBox.load(
                  config.secrets().keyFile(),
                  config.secrets().base64Key(),
                  db,
                  !config.database().shared());
        }
        return box;
      }
    };
  }

  /** Who leads, and what keeps the instances in step. */
  private record Leading(Leadership leadership, Cluster cluster) {}

  private static Hub hub(
      Config config,
      ConsoleGateway.Console console,
      Database db,
      List<Service> services,
      RoomStates rooms,
      Supplier<SecretBox> secrets) {
    RoomGateway gateway = gateway(config, console, db, rooms);
    Outbox outbox =
        new Outbox(
            new OutboxStore(db),
            gateway,
            config.outbox().concurrency(),
            config.outbox().maxRetryDelay());
    Permissions permissions =
        new Permissions(config.permissions(), names(services), rooms::isJoined);
    ChangeLog changeLog = new ChangeLog(db, ChangeLog.newInstanceId());
    Connections connections =
        new Connections(
            new Connections.Parts(
                new ConnectionStore(db, changeLog),
                new Kinds(),
                gateway,
                permissions,
                outbox,
                config.bot().commandPrefixes()),
            Clock.systemUTC());
    return new Hub(
        gateway,
        outbox,
        connections,
        new Changes(connections, gateway),
        permissions,
        changeLog,
        new PeopleLinks(db, Clock.systemUTC()),
        new Backlog(db),
        new WaitingCommands(db, secrets));
  }

  /** Each enabled service, started; a disabled one is only known (its routes say it is off). */
  private static void start(
      Config config, List<Service> services, ServiceContext context, List<Started> running) {
    for (Service service : services) {
      ServiceSettings settings = config.settings(service.configSection());
      if (!settings.enabled()) continue;
      running.add(new Started(service, service.start(settings, context)));
      log.info("service {} started", service.info().name());
    }
  }

  /**
   * Every service's names and aliases, built and planned, for permission rules and {@code help}.
   */
  private static ServiceNames names(List<Service> services) {
    Map<String, Set<String>> aliases = new LinkedHashMap<>();
    services.forEach(s -> aliases.put(s.info().name(), s.info().aliases()));
    PLANNED.forEach(p -> aliases.put(p.name(), p.aliases()));
    return new ServiceNames(aliases);
  }

  /** What the listeners serve. */
  private record Listening(
      Hub hub, RoomStates rooms, List<Service> services, List<Started> running, Metrics metrics) {}

  /**
   * The webhook listener, the provisioning API (when configured) and metrics; none if one cannot
   * bind.
   */
  private static Serving listen(Config config, Listening l, Watchdog watchdog) throws IOException {
    List<HttpListener> opened = new ArrayList<>();
    try {
      return open(config, l, watchdog, opened);
    } catch (IOException | RuntimeException e) {
      // The start stops here: the listeners bound before the one that failed let go of their ports.
      opened.forEach(HttpListener::close);
      throw e;
    }
  }

  private static Serving open(
      Config config, Listening l, Watchdog watchdog, List<HttpListener> opened) throws IOException {
    Router webhookRoutes = new Router();
    List<Routes.ApiRoute> apiRoutes = new ArrayList<>();
    for (Started r : l.running()) {
      Routes routes = new Routes(webhookRoutes, r.name());
      r.running().routes(routes);
      apiRoutes.addAll(routes.apiRoutes());
    }
    InFlight budget = new InFlight(config.listeners().maxBytesInFlight());
    HttpListener.Shared measured =
        new HttpListener.Shared(watchdog, l.metrics(), budget, HttpListener.Limits.DEFAULT);
    HttpListener webhooks =
        HttpListener.start(
            new HttpListener.Settings(
                "webhooks",
                address(config.listeners().webhooks()),
                WEBHOOK_THREADS,
                (status, message, id) -> Response.error(status, message),
                path -> maskPath(l.services(), path)),
            webhookRoutes,
            measured);
    opened.add(webhooks);
    for (Started r : l.running()) r.running().webhookListenerBound(webhooks.port());
    HttpListener provisioning = null;
    if (config.provisioning().enabled()) {
      ProvisioningApi api =
          new ProvisioningApi(
              config.provisioning(),
              new ProvisioningApi.Doors(
                  l.hub().connections(), l.hub().changes(), l.rooms(), l.hub().permissions()),
              known(l.services()));
      Router router = api.router(apiRoutes);
      IdentityLinks links =
          new IdentityLinks(
              l.hub().people(),
              new MatrixProfiles(l.rooms(), l.hub().gateway(), l.hub().people()),
              forgeInstances(config, l.services()),
              loginLookups(l));
      api.addLinks(router, links);
      new JsonRpc(api::authenticate, methods(api, links, l), methodsOff(l)).addTo(router);
      provisioning =
          HttpListener.start(
              new HttpListener.Settings(
                  "provisioning",
                  address(config.listeners().provisioning()),
                  PROVISIONING_THREADS,
                  ProvisioningApi::listenerError,
                  path -> path),
              router,
              measured);
      opened.add(provisioning);
    }
    HttpListener metricsListener =
        HttpListener.start(
            new HttpListener.Settings(
                "metrics",
                address(config.listeners().metrics()),
                METRICS_THREADS,
                (status, message, id) -> Response.error(status, message),
                path -> path),
            l.metrics().router(),
            new HttpListener.Shared(
                watchdog, RequestObserver.NONE, budget, HttpListener.Limits.DEFAULT));
    return new Serving(webhooks, provisioning, metricsListener, watchdog);
  }

  /** Per running forge service, how it finds a login by account id (for identity links). */
  private static Map<String, LoginLookup> loginLookups(Listening l) {
    Map<String, LoginLookup> out = new HashMap<>();
    for (Started r : l.running()) {
      r.running().loginLookup().ifPresent(lookup -> out.put(r.service().info().name(), lookup));
    }
    return out;
  }

  /** The JSON-RPC methods: the core's, then each running service's. */
  private static List<RpcMethod> methods(ProvisioningApi api, IdentityLinks links, Listening l) {
    List<RpcMethod> out =
        new ArrayList<>(
            new CoreMethods(api.operations(), l.hub().outbox(), links, l.hub().backlog()).table());
    for (Started r : l.running()) {
      for (RpcMethod m : r.running().methods()) {
        if (!r.service().info().rpcMethods().contains(m.name()))
          throw new IllegalStateException(
              r.name() + " adds " + m.name() + " but its info omits it");
        out.add(m);
      }
    }
    return out;
  }

  /** The JSON-RPC methods of the services that are off, each with its service. */
  private static Map<String, ServiceInfo> methodsOff(Listening l) {
    List<String> running = l.running().stream().map(Started::name).toList();
    Map<String, ServiceInfo> out = new LinkedHashMap<>();
    for (ServiceInfo s : known(l.services())) {
      if (!running.contains(s.name())) s.rpcMethods().forEach(m -> out.put(m, s));
    }
    return out;
  }

  /** A path as logs show it: each service masks the secrets in its own routes. */
  static String maskPath(List<Service> services, String path) {
    String masked = path;
    for (Service s : services) masked = s.maskPath(masked);
    return masked;
  }

  /** Every service Grapple knows of, built or planned. */
  public static List<ServiceInfo> knownServices() {
    return known(services());
  }

  private static List<ServiceInfo> known(List<Service> services) {
    List<ServiceInfo> out = new ArrayList<>(services.stream().map(Service::info).toList());
    out.addAll(PLANNED);
    return out;
  }

  /** The configured instance names of each forge that names its servers (GitLab, Gitea). */
  private static Map<String, Set<String>> forgeInstances(Config config, List<Service> services) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (Service service : services) {
      if (config.settings(service.configSection()) instanceof ForgeInstances forge)
        out.put(service.info().name(), forge.instances().keySet());
    }
    return out;
  }

  private static void measure(Metrics metrics, Hub hub, List<Started> running, Watchdog watchdog) {
    // As /ready: an alert on the metric fires when a needed thread died, as the load balancer sees.
    metrics.gauge(
        "grapple_ready",
        "1 while /ready answers 200: rooms are loaded and no needed thread has died",
        () -> watchdog.ready() && watchdog.failure().isEmpty() ? 1 : 0);
    metrics.gauge(
        "grapple_outbox_backlog",
        "Messages waiting for delivery (in the database: alike on every instance)",
        () -> hub.backlog().getAsInt());
    metrics.counter(
        "grapple_outbox_delivered",
        "Messages the homeserver accepted since start",
        () -> hub.outbox().deliveredCount());
    metrics.counter(
        "grapple_outbox_refused",
        "Messages the homeserver refused for good since start",
        () -> hub.outbox().refusedCount());
    metrics.gauge(
        "grapple_commands_waiting",
        "Room commands read and not yet answered (in the database: alike on every instance)",
        () -> hub.commands().waiting());
    metrics.gauge(
        "grapple_connections", "Connections, by type", "type", hub.connections()::countByType);
    running.forEach(r -> r.running().measure(metrics));
  }

  /** What starting to lead needs. */
  private record Connecting(
      Database db,
      Hub hub,
      RoomStates rooms,
      List<Command> commands,
      Map<String, Dispatcher.Off> off,
      Runnable onLoaded,
      List<Started> running) {}

  /**
   * Logs in (matrix mode), then tries to lead. The leader delivers, starts the services' background
   * work and the gateway (the sync). With SQLite this instance leads at once and is ready once the
   * sync loaded the rooms; with PostgreSQL every instance is ready once loaded from the database,
   * and a follower starts leading when the leader is gone.
   */
  private static void connect(
      Config config, Connecting c, Leadership leadership, Cluster cluster, boolean shared)
      throws LoginFailed, InterruptedException {
    Hub hub = c.hub();
    Dispatcher dispatcher =
        new Dispatcher(
            c.commands(),
            hub.permissions(),
            new Dispatcher.Settings(
                config.bot().commandPrefixes(), hub.gateway().botUserId(), c.off()),
            c.rooms(),
            Clock.systemUTC());
    hub.gateway().follow(stateTypes(hub.connections().kinds()));
    hub.gateway().followRoomEvents(roomEventTypes(c.running()));
    hub.gateway().connect();
    Core core =
        new Core(
            c.rooms(),
            hub.connections(),
            dispatcher,
            hub.outbox(),
            new Invites(hub.gateway(), hub.permissions()),
            cluster::seen,
            hub.gateway(),
            c.db(),
            hub.commands(),
            config.localMode()
                ? null
                : new EncryptedRooms(
                    c.rooms(),
                    hub.gateway().botUserId(),
                    hub.outbox(),
                    config.bot().commandPrefixes().get(0)));
    if (shared) c.onLoaded().run();
    leadership.start(
        new Leadership.Listener() {
          @Override
          public void elected() {
            cluster.leading(true);
            hub.outbox().start(c.db());
            // Only now, logged in and leading: polling runs on one instance, and a start refused
            // before this has polled nothing and recorded no backoff.
            c.running().forEach(r -> r.running().lead());
            hub.commands().start(core);
            Runnable loaded = shared ? () -> log.info("sync: rooms loaded") : c.onLoaded();
            hub.gateway()
                .start(
                    core,
                    () -> {
                      loaded.run();
                      if (!config.localMode())
                        new PermissionRooms(
                                hub.gateway(),
                                c.rooms(),
                                hub.gateway().botUserId(),
                                Clock.systemUTC())
                            .joinMissing(config.permissions());
                    });
          }

          @Override
          public void lost(String why) {
            // Another instance may lead by now: going on could post twice. A supervisor restarts
            // this
            // one, which then joins as a follower.
            System.err.println(
                "grapple: stopped leading (" + why + "); exiting so that a supervisor restarts it");
            Runtime.getRuntime().halt(LOST_LEADERSHIP_STATUS);
          }
        });
  }

  /** The exit status of an instance that lost the leader lock. */
  public static final int LOST_LEADERSHIP_STATUS = 4;

  private static RoomGateway gateway(
      Config config, ConsoleGateway.Console console, Database db, RoomStates rooms) {
    if (config.localMode()) {
      return new ConsoleGateway(
          config.homeserver().domain(), config.bot().userId(), new LocalStateStore(db), console);
    }
    MatrixGateway.Stores stores =
        new MatrixGateway.Stores(new SyncStore(db), new KeyValueStore(db), new DirectRoomStore(db));
    String botUserId = config.bot().userId();
    return new MatrixGateway(
        config, stores, (room, user) -> rooms.mayStillBeDirectChat(room, botUserId, user));
  }

  /**
   * The state event types the bot follows: authority, and every connection kind's (with aliases).
   */
  static List<String> stateTypes(Kinds kinds) {
    List<String> types =
        new ArrayList<>(
            List.of(
                "m.room.member",
                "m.room.power_levels",
                "m.room.create",
                "m.room.join_rules",
                RoomStates.ENCRYPTION,
                RoomUpgrades.TOMBSTONE));
    types.addAll(kinds.eventTypes());
    return types;
  }

  /** The timeline event types taken raw, for the services running ({@link #rawEventTypes}). */
  private static List<String> roomEventTypes(List<Started> running) {
    return rawEventTypes(running.stream().map(r -> r.running().roomEventTypes()).toList());
  }

  /**
   * The timeline event types taken raw: redactions (the core's, for connection state: {@link
   * Connections#onRedaction}) and those the services ask for ({@code asked}, e.g. outbound hooks:
   * every one).
   */
  static List<String> rawEventTypes(List<List<String>> asked) {
    return java.util.stream.Stream.concat(
            java.util.stream.Stream.of(Core.REDACTION), asked.stream().flatMap(List::stream))
        .distinct()
        .toList();
  }

  private static List<Command> commands(Connections connections, List<Started> running) {
    List<Command> commands = new ArrayList<>(new CoreCommands(connections).commands());
    running.forEach(r -> commands.addAll(r.running().commands()));
    return commands;
  }

  /**
   * The services configured off, for the replies that say so: the first words of each one's
   * commands (its name and aliases, lower case) → its name in a sentence.
   */
  private static Map<String, Dispatcher.Off> switchedOff(
      List<Service> services, List<Started> running) {
    Map<String, Dispatcher.Off> off = new HashMap<>();
    for (Service service : services) {
      if (running.stream().anyMatch(r -> r.service() == service)) continue;
      ServiceInfo info = service.info();
      Dispatcher.Off said =
          new Dispatcher.Off(info.displayName(), service.configSection() + ".enabled");
      off.put(info.name().toLowerCase(Locale.ROOT), said);
      info.aliases().forEach(a -> off.put(a.toLowerCase(Locale.ROOT), said));
    }
    return off;
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

  /** True while this instance leads (always with SQLite, once started). */
  public boolean leading() {
    return leading.leadership().leading();
  }

  public boolean ready() {
    return serving.watchdog().ready();
  }

  /**
   * Stops taking webhooks, finishes what is in flight, stops syncing and delivering, closes SQLite.
   */
  @Override
  public void close() {
    log.info("shutting down");
    step("the watchdog", watchdog::close);
    running.forEach(r -> step(r.name() + "'s stop", r.running()::stopping));
    serving
        .all()
        .forEach(listener -> step("the " + listener.name() + " listener", listener::close));
    // No more input: nothing read from the rooms is handed to a service that is closing.
    step("the sync", gateway::stop);
    // Before the services close: a command being answered still has what it uses (a feed's
    // client, a forge's), so it is not answered with a failure the stop caused.
    step("the commands", commands::close);
    running.forEach(r -> step("the " + r.name() + " service", r.running()::close));
    step("the outbox", outbox::close);
    step("the cluster", leading.cluster()::close);
    step("the leadership", leading.leadership()::close);
    step("the database", db::close);
    step("the database's lock", owner::close);
    log.info("stopped; {} message(s) left queued for the next start", outbox.backlog());
  }

  /**
   * One step of the stop: a step that fails is logged and the stop goes on, so that the database
   * still closes (its last writes committed, its file's lock let go) whatever failed before it.
   */
  private static void step(String what, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException | LinkageError | StackOverflowError e) {
      log.error("stopping {} failed; going on with the stop", what, e);
    }
  }
}

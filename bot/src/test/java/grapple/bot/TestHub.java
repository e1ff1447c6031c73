package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.config.Config;
import grapple.bot.config.ConfigLoader;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomStates;
import grapple.bot.webhook.WebhookService;
import grapple.commands.Command;
import grapple.commands.Dispatcher;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.commands.Permissions;
import grapple.commands.ServiceNames;
import grapple.state.ChangeLog;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.Dialect;
import grapple.state.Json;
import grapple.state.Location;
import grapple.state.OutboxStore;
import grapple.state.RoomStateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The hub as Grapple wires it (connections, changes, core, dispatcher, outbox) on a real SQLite
 * file (or PostgreSQL database) and a {@link FakeGateway}, with the given services started from
 * their config sections: what tests of commands, room state and services drive.
 */
final class TestHub implements AutoCloseable {
  static final String ROOM = "!room:test";

  /** A feed of one item, for tests that subscribe to one. */
  static final String ONE_ITEM_RSS =
      "<rss version=\"2.0\"><channel><title>t</title><link>http://x.test/</link>"
          + "<item><title>one</title><link>http://x.test/1</link><guid>1</guid></item>"
          + "</channel></rss>";

  /** A feed server's answer: {@link #ONE_ITEM_RSS} as RSS. */
  static mockwebserver3.MockResponse oneItemFeed() {
    return new mockwebserver3.MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/rss+xml")
        .body(ONE_ITEM_RSS)
        .build();
  }

  /** Makes {@code server} answer every request with {@link #oneItemFeed()}, and starts it. */
  static void serveOneItemFeed(mockwebserver3.MockWebServer server) throws java.io.IOException {
    server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public mockwebserver3.MockResponse dispatch(mockwebserver3.RecordedRequest request) {
            return oneItemFeed();
          }
        });
    server.start();
  }

  /** Everyone is admin of every service: the permissions the service tests run with. */
  static final List<PermissionRule> EVERYONE_ADMIN =
      List.of(everyService("*", PermissionLevel.ADMIN));

  /** A hub with the webhook service alone, its URLs under http://hooks.test/webhook/. */
  static TestHub webhooks(Path dir, PermissionRule... rules) {
    return new TestHub(
        dir,
        List.of(new WebhookService()),
        "generic: {urlPrefix: \"http://hooks.test/webhook/\"}",
        List.of(rules));
  }

  /** A rule giving {@code actor} {@code level} in every service. */
  static PermissionRule everyService(String actor, PermissionLevel level) {
    return new PermissionRule(actor, List.of(new PermissionRule.ServiceLevel("*", level)));
  }

  /** How long {@link #reply} waits for the bot's answer. */
  private static final Duration REPLY_WAIT = Duration.ofSeconds(5);

  final Database db;
  final FakeGateway gateway = new FakeGateway();
  final Outbox outbox;
  final Connections connections;
  final Changes changes;
  final RoomStates rooms = new RoomStates();
  final Core core;
  final Invites invites;
  final WaitingCommands waiting;
  final Cluster cluster;
  private final List<Service.Running> running = new ArrayList<>();
  private final List<Service> services;
  private final List<grapple.bot.http.HttpListener> listeners = new ArrayList<>();

  /** The answers the database refuses to record, from {@link #refuseAnswers} on. */
  private RefusedWrites refusedAnswers;

  /**
   * {@code yaml}: config sections of the services (e.g. {@code generic: {urlPrefix: ...}}); may be
   * empty.
   */
  TestHub(Path dir, List<Service> services, String yaml, List<PermissionRule> rules) {
    this(Location.sqlite(dir.resolve("grapple.db")), dir, services, yaml, rules, true);
  }

  /** As above, the services telling the time by {@code clock} (e.g. a FakeClock). */
  TestHub(Path dir, List<Service> services, String yaml, List<PermissionRule> rules, Clock clock) {
    this(Location.sqlite(dir.resolve("grapple.db")), dir, services, yaml, rules, true, clock);
  }

  /**
   * A hub on {@code where}; with PostgreSQL it follows the other instances' changes like Grapple
   * does, and when it {@code leads} it delivers, keeps room authority and runs the services'
   * lead().
   */
  TestHub(
      Location where,
      Path dir,
      List<Service> services,
      String yaml,
      List<PermissionRule> rules,
      boolean leads) {
    this(where, dir, services, yaml, rules, leads, Clock.systemUTC());
  }

  /** As above, the services and the cluster telling the time by {@code clock}. */
  TestHub(
      Location where,
      Path dir,
      List<Service> services,
      String yaml,
      List<PermissionRule> rules,
      boolean leads,
      Clock serviceClock) {
    this(where, dir, services, yaml, rules, leads, serviceClock, Runnable::run);
  }

  /**
   * A leading hub on a SQLite file in {@code dir} where everyone is an admin, its commands answered
   * on {@code commandThreads}.
   */
  static TestHub answeringOn(
      Path dir, List<Service> services, String yaml, java.util.concurrent.Executor commandThreads) {
    return answeringOn(dir, services, yaml, true, Clock.systemUTC(), commandThreads);
  }

  /** As above, leading or not ({@code leads}), its time told by {@code clock}. */
  static TestHub answeringOn(
      Path dir,
      List<Service> services,
      String yaml,
      boolean leads,
      Clock clock,
      java.util.concurrent.Executor commandThreads) {
    return new TestHub(
        Location.sqlite(dir.resolve("grapple.db")),
        dir,
        services,
        yaml,
        EVERYONE_ADMIN,
        leads,
        clock,
        commandThreads);
  }

  /**
   * As above, commands answered on {@code commandThreads} (by default on the thread that reads
   * them, as soon as it has: the tests read answers in the order they sent commands).
   */
  TestHub(
      Location where,
      Path dir,
      List<Service> services,
      String yaml,
      List<PermissionRule> rules,
      boolean leads,
      Clock serviceClock,
      java.util.concurrent.Executor commandThreads) {
    this.services = List.copyOf(services);
    db = Database.open(where, Grapple.migrations(services));
    outbox = new Outbox(new OutboxStore(db), gateway, 2, Duration.ofMillis(100));
    if (leads) outbox.start(db);
    Map<String, List<String>> aliases = new java.util.HashMap<>();
    services.forEach(s -> aliases.put(s.info().name(), List.copyOf(s.info().aliases())));
    Permissions permissions = new Permissions(rules, new ServiceNames(aliases));
    ChangeLog changeLog = new ChangeLog(db, ChangeLog.newInstanceId());
    Config config = ConfigLoader.parse(yaml, dir, Map.of(), Grapple.configSections(services));
    connections =
        new Connections(
            new Connections.Parts(
                new ConnectionStore(db, changeLog),
                new Kinds(),
                gateway,
                permissions,
                outbox,
                config.bot().commandPrefixes()),
            Clock.systemUTC());
    cluster =
        new Cluster(changeLog, new RoomStateStore(db, changeLog), connections, rooms, serviceClock);
    changes = new Changes(connections, gateway);
    BotRooms botRooms = new BotRooms(rooms, gateway.botUserId());
    java.util.function.Supplier<grapple.state.SecretBox> secrets =
        () -> grapple.state.SecretBox.of(new byte[32]);
    ServiceContext context =
        new ServiceContext(
            db,
            outbox,
            connections,
            changes,
            botRooms,
            serviceClock,
            permissions,
            secrets,
            gateway,
            new MatrixProfiles(rooms, gateway, new grapple.state.PeopleLinks(db, serviceClock)),
            config.bot().commandPrefixes().get(0));
    List<Command> commands = new ArrayList<>(new CoreCommands(connections).commands());
    for (Service service : services) {
      Service.Running r = service.start(config.settings(service.configSection()), context);
      running.add(r);
      if (leads) r.lead();
      connections.kinds().add(r.kinds());
      commands.addAll(r.commands());
    }
    cluster.mark();
    connections.load();
    if (where.dialect() == Dialect.POSTGRESQL) {
      cluster.loadAuthority();
      cluster.leading(leads);
      cluster.follow(db);
    }
    botRooms.loaded(connections);
    this.waiting = new WaitingCommands(db, secrets, commandThreads, serviceClock);
    Dispatcher dispatcher =
        new Dispatcher(
            commands,
            permissions,
            new Dispatcher.Settings(List.of("!grapple"), gateway.botUserId()),
            rooms,
            Clock.systemUTC());
    invites = new Invites(gateway, permissions);
    core =
        new Core(
            rooms,
            connections,
            dispatcher,
            outbox,
            invites,
            cluster::seen,
            gateway,
            db,
            waiting,
            new EncryptedRooms(
                rooms, gateway.botUserId(), outbox, config.bot().commandPrefixes().get(0)));
    // Commands are answered on the thread that reads them here, as soon as they are read.
    if (leads) waiting.start(core);
  }

  /** A webhook listener on a free port serving the services' receivers. */
  grapple.bot.http.HttpListener listenForWebhooks() throws java.io.IOException {
    grapple.bot.http.Router router = new grapple.bot.http.Router();
    for (int i = 0; i < running.size(); i++)
      running.get(i).routes(new Routes(router, services.get(i).info().name()));
    grapple.bot.http.HttpListener listener =
        grapple.bot.http.HttpListener.start(
            new grapple.bot.http.HttpListener.Settings(
                "webhooks",
                new java.net.InetSocketAddress("127.0.0.1", 0),
                4,
                (status, message, id) -> grapple.bot.http.Response.error(status, message),
                path -> path),
            router,
            grapple.bot.http.TestListeners.shared());
    listeners.add(listener);
    return listener;
  }

  /** The services' {@code /v1/<service>} routes, as Grapple hands them to the provisioning API. */
  List<Routes.ApiRoute> apiRoutes() {
    List<Routes.ApiRoute> out = new ArrayList<>();
    for (int i = 0; i < running.size(); i++) {
      Routes routes = new Routes(new grapple.bot.http.Router(), services.get(i).info().name());
      running.get(i).routes(routes);
      out.addAll(routes.apiRoutes());
    }
    return out;
  }

  /** A client of a new webhook listener ({@link #listenForWebhooks}). */
  HookClient webhookClient() throws java.io.IOException {
    return new HookClient(listenForWebhooks().port());
  }

  /** Makes {@code admin} (power 100), the bot (50) and {@code others} members of {@link #ROOM}. */
  TestHub joined(String admin, String... others) {
    return joinedIn(ROOM, admin, others);
  }

  /** Makes {@code admin} (power 100), the bot (50) and {@code others} members of {@code room}. */
  TestHub joinedIn(String room, String admin, String... others) {
    ObjectNode levels = Json.object().put("state_default", 50);
    levels.putObject("users").put(admin, 100).put(gateway.botUserId(), 50);
    state(
        room,
        "m.room.create",
        "",
        admin,
        Json.object().put("room_version", "11").put("creator", admin));
    state(room, "m.room.power_levels", "", admin, levels);
    List<String> members = new ArrayList<>(List.of(admin, gateway.botUserId()));
    members.addAll(List.of(others));
    for (String user : members)
      state(room, "m.room.member", user, user, Json.object().put("membership", "join"));
    return this;
  }

  void state(String type, String key, String sender, ObjectNode content) {
    state(ROOM, type, key, sender, content);
  }

  void state(String room, String type, String key, String sender, ObjectNode content) {
    core.onEvent(
        new RoomEvent.State(room, "$" + System.nanoTime(), sender, type, key, content), false);
  }

  void message(String sender, String body) {
    message(ROOM, sender, body);
  }

  void message(String room, String sender, String body) {
    core.onEvent(
        new RoomEvent.Message(
            room,
            "$cmd" + System.nanoTime(),
            sender,
            Json.object().put("msgtype", "m.text").put("body", body)),
        false);
  }

  /**
   * Waits until every message queued so far has reached the gateway (the outbox has no row left: a
   * row is deleted only after its send), so that {@code gateway.takeSent(Duration.ZERO)} then tells
   * whether something was posted, with no wait on the wall clock.
   */
  void awaitDelivered() {
    OutboxStore store = new OutboxStore(db);
    grapple.testing.Await.until(REPLY_WAIT, () -> store.pending().isEmpty());
  }

  /** The body of the bot's answer to {@code body}; fails when none comes within 5 seconds. */
  String reply(String room, String sender, String body) throws InterruptedException {
    message(room, sender, body);
    FakeGateway.Sent sent = gateway.takeSent(REPLY_WAIT);
    assertThat(sent).as("a reply to " + body).isNotNull();
    return sent.content().path("body").asText();
  }

  /**
   * From now on the database refuses to record that a command was answered, as a full disk or a
   * failover would: every answer's transaction fails, until {@link #allowAnswers}.
   */
  void refuseAnswers() {
    refusedAnswers =
        RefusedWrites.refuse(
            db,
            "BEFORE INSERT ON processed_events WHEN NEW.event_id LIKE 'answered:%'",
            "the disk is full");
  }

  /** Answers commit again ({@link #refuseAnswers}). */
  void allowAnswers() {
    refusedAnswers.allow();
  }

  @Override
  public void close() {
    listeners.forEach(grapple.bot.http.HttpListener::close);
    running.forEach(Service.Running::close);
    waiting.close();
    outbox.close();
    cluster.close();
    db.close();
  }

  /** Outbound deliveries queued for the connection. */
  long outboundQueued(String connectionId) {
    return db.first(
            "SELECT COUNT(*) FROM outbound_queue WHERE connection_id = ?",
            rs -> rs.getLong(1),
            connectionId)
        .orElse(0L);
  }

  /** The next_at of the connection's first queued outbound delivery; -1 when there is none. */
  long outboundNextAt(String connectionId) {
    return db.first(
            "SELECT next_at FROM outbound_queue WHERE connection_id = ? ORDER BY seq LIMIT 1",
            rs -> rs.getLong(1),
            connectionId)
        .orElse(-1L);
  }
}

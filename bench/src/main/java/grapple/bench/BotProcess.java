package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.testing.BotJar;
import grapple.testing.MatrixUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The built bot ({@code bot/target/grapple.jar}) as a separate process, run from a copy of the jar
 * in its own directory with its own config, database and log.
 */
final class BotProcess implements AutoCloseable {
  static final String SECRET = "grapple-bench-provisioning-secret";
  static final String HOOK_EVENT_TYPE = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Every bot the bench starts runs crash-only, as meant for production (see grapple.state.Fatal):
   * after an OutOfMemoryError the JVM exits at once, a supervisor would restart it, and the outbox
   * delivers what was acknowledged.
   */
  static final List<String> ALWAYS_FLAGS = List.of("-XX:+ExitOnOutOfMemoryError");

  final Path dir;
  final int webhookPort = freePort();
  final int provisioningPort = freePort();
  final int metricsPort = freePort();
  final String userId;
  private final Path jar;
  private final Path log;
  private final String head;
  private final String database;
  private @Nullable Process process;

  private BotProcess(Path dir, String userId, String head, String database) {
    this.dir = dir;
    this.userId = userId;
    this.jar = dir.resolve("grapple.jar");
    this.log = dir.resolve("grapple.log");
    this.head = head;
    this.database = database;
    prepare();
  }

  /** The config's database section for a SQLite file: {@code {path: "..."}}. */
  static String sqlite(Path file) {
    return "{path: \"" + file + "\"}";
  }

  /**
   * A bot in Matrix mode as {@code bot}, talking to {@code homeserverUrl} (Synapse or a proxy), on
   * {@code database} (the config's database section: {@link #sqlite} or {@link
   * PostgresDatabase#yaml}).
   */
  static BotProcess matrix(Path dir, String homeserverUrl, MatrixUser bot, String database) {
    return matrix(dir, homeserverUrl, bot, database, "");
  }

  /** As above, with extra top-level config sections, e.g. {@code github: {...}}. */
  static BotProcess matrix(
      Path dir, String homeserverUrl, MatrixUser bot, String database, String extraYaml) {
    return new BotProcess(
        dir,
        bot.userId,
        """
        homeserver: {url: "%s", domain: localhost}
        bot: {userId: "%s", accessToken: "%s"}
        """
                .formatted(homeserverUrl, bot.userId, bot.accessToken())
            + extraYaml,
        database);
  }

  /** A bot in local mode (console room !console:localhost, no homeserver). */
  static BotProcess local(Path dir, String database) {
    return local(dir, database, "");
  }

  /** A bot in local mode with extra top-level config sections, e.g. {@code feeds: {...}}. */
  static BotProcess local(Path dir, String database, String extraYaml) {
    return new BotProcess(
        dir, "@grapple:localhost", "homeserver: {domain: localhost}\n" + extraYaml, database);
  }

  /**
   * Another instance of the same bot on the same database (PostgreSQL: any number may run), with
   * its own directory, ports and log; not started.
   */
  BotProcess sibling(Path siblingDir) {
    return new BotProcess(siblingDir, userId, head, database);
  }

  /**
   * Writes the config: webhook URLs are the listener's own by default ({@code generic.urlPrefix}),
   * so a scenario may bring its own {@code generic} section.
   */
  private void prepare() {
    String yaml =
        head
            + """
        database: %s
        listeners: {webhooks: {port: %d}, provisioning: {port: %d}, metrics: {port: %d}}
        provisioning: {secret: "%s"}
        permissions: [{actor: localhost, services: [{service: "*", level: admin}]}]
        logging: {level: %s}
        """
                .formatted(
                    database,
                    webhookPort,
                    provisioningPort,
                    metricsPort,
                    SECRET,
                    System.getProperty("grapple.bench.logLevel", "info"));
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("config.yml"), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare " + dir, e);
    }
    BotJar.copyBuilt(jar);
  }

  /** Extra JVM options for every bot the run starts (e.g. a flight recording), space-separated. */
  static final String EXTRA_FLAGS_PROPERTY = "grapple.bench.botJvmFlags";

  private List<String> jvmFlags = List.of();

  /**
   * JVM options for the next start besides {@link #ALWAYS_FLAGS}, e.g. the heap settings README
   * recommends.
   */
  BotProcess jvmFlags(List<String> flags) {
    this.jvmFlags = List.copyOf(flags);
    return this;
  }

  /** Starts the jar and waits for GET /ready → 200; returns the nanoseconds that took. */
  long start() {
    List<String> flags = new java.util.ArrayList<>(ALWAYS_FLAGS);
    flags.addAll(jvmFlags);
    String extra = System.getProperty(EXTRA_FLAGS_PROPERTY, "").trim();
    if (!extra.isEmpty()) flags.addAll(List.of(extra.split("\\s+")));
    long t0 = System.nanoTime();
    Process started = BotJar.start(jar, flags, dir.resolve("config.yml"), dir, log);
    process = started;
    awaitReady(started);
    return System.nanoTime() - t0;
  }

  private void awaitReady(Process started) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!started.isAlive())
        throw new IllegalStateException(
            "grapple exited with " + started.exitValue() + "; see " + log);
      try (RawHttp http = new RawHttp(webhookPort)) {
        if (Load.send(http, new Load.Call("GET", "/ready", "", null)) == 200) return;
      }
      Bench.sleep(Duration.ofMillis(5));
    }
    throw new IllegalStateException("grapple not ready within " + READY_TIMEOUT + "; see " + log);
  }

  long pid() {
    return started().pid();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The exit code, or -1 while it runs (or before it started). */
  int exitCode() {
    return process == null || process.isAlive() ? -1 : process.exitValue();
  }

  /** kill -9, and wait until it is gone. */
  void kill() throws InterruptedException {
    Process p = started();
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM; returns the exit code (or -1 after a kill when it would not stop in 20 s). */
  int stop() throws InterruptedException {
    Process p = started();
    p.destroy();
    if (p.waitFor(20, TimeUnit.SECONDS)) return p.exitValue();
    kill();
    return -1;
  }

  @Override
  public void close() {
    if (!isAlive()) return;
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      started().destroyForcibly();
    }
  }

  private Process started() {
    return Objects.requireNonNull(process, "not started");
  }

  /**
   * True when GET /ready answers 200 with {@code "leader": true}; false when not, or not answering.
   */
  boolean leads() {
    try (RawHttp http = new RawHttp(webhookPort, Duration.ofSeconds(5))) {
      RawHttp.Answer a = http.request("GET", "/ready", "", null);
      return a.status() == 200 && Report.JSON.readTree(a.body()).path("leader").asBoolean(false);
    } catch (IOException e) {
      return false; // killed, or not listening yet: not leading
    }
  }

  /**
   * Creates a webhook in the room through the provisioning API; returns its path /webhook/ID. The
   * owner may see the bot's join before the bot's own sync has brought it (the API then answers 404
   * "not in the room"): that answer is retried for up to 30 s.
   */
  String createWebhook(String roomId, String userIdActing, String name) {
    return createWebhook(roomId, userIdActing, name, Report.JSON.createObjectNode());
  }

  /** As above, the content having {@code more} fields, e.g. a {@code transformationFunction}. */
  String createWebhook(String roomId, String userIdActing, String name, ObjectNode more) {
    ObjectNode content = Report.JSON.createObjectNode().put("name", name);
    content.setAll(more);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return createWebhookOnce(roomId, userIdActing, content);
      } catch (NotInRoomYet e) {
        if (System.nanoTime() > deadline) throw new IllegalStateException(e.getMessage(), e);
        Bench.sleep(Duration.ofMillis(200));
      }
    }
  }

  /** The API's 404 while the bot's sync has not yet brought its own join. */
  private static final class NotInRoomYet extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotInRoomYet(String message) {
      super(message);
    }
  }

  private String createWebhookOnce(String roomId, String userIdActing, ObjectNode content) {
    String path =
        "/v1/" + enc(roomId) + "/connections/" + HOOK_EVENT_TYPE + "?userId=" + enc(userIdActing);
    try (RawHttp http = new RawHttp(provisioningPort)) {
      RawHttp.Answer a =
          http.request(
              "PUT",
              path,
              Load.JSON_HEADERS + "Authorization: Bearer " + SECRET + "\r\n",
              content.toString().getBytes(StandardCharsets.UTF_8));
      if (a.status() == 404 && a.body().contains("not in the room")) {
        throw new NotInRoomYet("create webhook: " + a.status() + " " + a.body());
      }
      if (a.status() / 100 != 2)
        throw new IllegalStateException("create webhook: " + a.status() + " " + a.body());
      JsonNode json = Report.JSON.readTree(a.body());
      String url = json.path("secrets").path("url").asText();
      return url.substring(url.indexOf("/webhook/"));
    } catch (IOException e) {
      throw new UncheckedIOException("create webhook failed", e);
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  Path log() {
    return log;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}

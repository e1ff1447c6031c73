package grapple.bot.e2e;

import grapple.testing.Await;
import grapple.testing.BotJar;
import grapple.testing.Checkout;
import grapple.testing.Homeserver;
import grapple.testing.MatrixUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The built bot ({@code bot/target/grapple.jar}) running as a child process, with its own bot user,
 * config, database, log and copy of the jar under {@code bot/target/e2e/<tag>-<run>/}.
 */
final class GrappleProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  final String userId;
  final int webhookPort;
  final int provisioningPort;
  private final int metricsPort;
  final Path dir;
  private final String homeserverUrl;
  private final String accessToken;
  private final Cast cast;
  private final Path jar;
  private final Path config;
  private final Path log;

  /**
   * No pooled connections: the process is killed and restarted on the same port, and the listener
   * closes idle ones, so a kept connection may be dead when the next probe takes it.
   */
  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .callTimeout(Duration.ofSeconds(2))
          .retryOnConnectionFailure(false)
          .connectionPool(new okhttp3.ConnectionPool(0, 1, java.util.concurrent.TimeUnit.SECONDS))
          .build();

  private Process process;
  private String databaseYaml;

  private GrappleProcess(
      Path dir, String userId, String accessToken, String homeserverUrl, Cast cast) {
    this.dir = dir;
    this.userId = userId;
    this.accessToken = accessToken;
    this.homeserverUrl = homeserverUrl;
    this.cast = cast;
    int[] ports = freePorts(3);
    this.webhookPort = ports[0];
    this.provisioningPort = ports[1];
    this.metricsPort = ports[2];
    this.jar = dir.resolve("grapple.jar");
    this.config = dir.resolve("config.yml");
    this.log = dir.resolve("grapple.log");
    this.databaseYaml = "{path: \"" + dir.resolve("grapple.db") + "\"}";
  }

  /** Registers a bot user for this test class, writes its config and starts it until /ready. */
  static GrappleProcess launch(String tag, Cast cast) {
    return prepare(tag, cast).launch("");
  }

  /**
   * Registers a bot user for this test class without starting it, so that rooms can be made for it
   * first and their ids put into its config with {@link #launch(String)}.
   */
  static GrappleProcess prepare(String tag, Cast cast) {
    Homeserver homeserver = Homeserver.require();
    MatrixUser bot = homeserver.register("grapple_" + tag + "_" + cast.runId());
    Path dir = Checkout.root().resolve("bot/target/e2e/" + tag + "-" + cast.runId());
    return new GrappleProcess(dir, bot.userId, bot.accessToken(), homeserver.url, cast);
  }

  /**
   * Another instance of the same bot (same user and token), with its own directory, ports and log:
   * for several instances on one database ({@link #database}).
   */
  GrappleProcess sibling(String tag) {
    Path siblingDir = dir.resolveSibling(tag + "-" + cast.runId());
    GrappleProcess other = new GrappleProcess(siblingDir, userId, accessToken, homeserverUrl, cast);
    other.databaseYaml = databaseYaml;
    return other;
  }

  /** Rules added after the cast's permissions (see {@link #permitting}). */
  private String morePermissions = "";

  /** One more permission rule: {@code actor} gets {@code level} on every service. */
  GrappleProcess permitting(String actor, String level) {
    morePermissions +=
        "  - actor: \"%s\"\n    services: [{service: \"*\", level: %s}]\n".formatted(actor, level);
    return this;
  }

  /**
   * The config's database section instead of the default SQLite file, e.g. {url: ..., user: ...}.
   */
  GrappleProcess database(String yaml) {
    this.databaseYaml = yaml;
    return this;
  }

  /**
   * The webhook URL of the same hook on this instance (hook ids are the same on every instance).
   */
  String onThisInstance(String url) {
    return urlPrefix() + url.substring(url.lastIndexOf('/') + 1);
  }

  /** GET /ready's JSON, or null while not ready. */
  com.fasterxml.jackson.databind.JsonNode readiness() {
    Request request =
        new Request.Builder().url("http://127.0.0.1:" + webhookPort + "/ready").build();
    try (Response response = http.newCall(request).execute()) {
      if (response.code() != 200) return null;
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body().string());
    } catch (IOException e) {
      return null;
    }
  }

  /** True when GET /ready says this instance leads. */
  boolean leads() {
    com.fasterxml.jackson.databind.JsonNode ready = readiness();
    return ready != null && ready.path("leader").asBoolean(false);
  }

  /**
   * Writes the config plus {@code extraYaml} (whole top-level sections), then starts until /ready.
   */
  GrappleProcess launch(String extraYaml) {
    writeConfig(extraYaml);
    BotJar.copyBuilt(jar);
    start();
    return this;
  }

  /** The prefix of every webhook URL, as configured in {@code generic.urlPrefix}. */
  String urlPrefix() {
    return "http://127.0.0.1:" + webhookPort + "/webhook/";
  }

  /** The provisioning API's base URL (no trailing slash). */
  String provisioningUrl() {
    return "http://127.0.0.1:" + provisioningPort;
  }

  private void writeConfig(String extraYaml) {
    String yaml =
        """
        homeserver: {url: "%s", domain: localhost}
        bot: {userId: "%s", accessToken: "%s"}
        database: %s
        listeners: {webhooks: {port: %d}, provisioning: {port: %d}, metrics: {port: %d}}
        generic: {urlPrefix: "%s", payloadSizeLimit: 64kb}
        %s%slogging: {level: debug}
        """
            .formatted(
                homeserverUrl,
                userId,
                accessToken,
                databaseYaml,
                webhookPort,
                provisioningPort,
                metricsPort,
                urlPrefix(),
                cast.permissionsYaml() + morePermissions,
                extraYaml);
    try {
      Files.createDirectories(dir);
      Files.writeString(config, yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + config, e);
    }
  }

  /** Starts the jar (appending to the same log) and waits until GET /ready answers 200. */
  void start() {
    // The flags the README recommends: a heap limit, and crash-only on OutOfMemoryError.
    process =
        BotJar.start(jar, List.of("-Xmx160m", "-XX:+ExitOnOutOfMemoryError"), config, dir, log);
    awaitReady();
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "grapple exited with code "
                + process.exitValue()
                + " before it was ready. "
                + logTail(80));
      }
      if (isReady()) return;
      Await.pause(Duration.ofMillis(200));
    }
    throw new AssertionError(
        "grapple was not ready (GET /ready → 200) within "
            + READY_TIMEOUT.toSeconds()
            + " s. "
            + logTail(80));
  }

  private boolean isReady() {
    Request request =
        new Request.Builder().url("http://127.0.0.1:" + webhookPort + "/ready").build();
    try (Response response = http.newCall(request).execute()) {
      return response.code() == 200;
    } catch (IOException e) {
      return false; // not listening yet
    }
  }

  /**
   * The jar run once with {@code args} (e.g. {@code db copy ...}) in this instance's directory:
   * exit status and output.
   */
  record ToolRun(int status, String output) {}

  ToolRun runJar(String... args) {
    List<String> command =
        new java.util.ArrayList<>(List.of(BotJar.javaBinary(), "-jar", jar.toString()));
    command.addAll(List.of(args));
    try {
      Process tool =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!tool.waitFor(60, TimeUnit.SECONDS)) {
        tool.destroyForcibly();
        throw new AssertionError(
            "grapple " + String.join(" ", args) + " did not finish within 60 s:\n" + output);
      }
      return new ToolRun(tool.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Sends SIGTERM and returns the exit code; fails if it takes longer than 10 s. */
  int stop() {
    process.destroy();
    if (!waitForExit()) {
      process.destroyForcibly();
      waitForExit();
      throw new AssertionError(
          "grapple did not exit within "
              + STOP_TIMEOUT.toSeconds()
              + " s of SIGTERM. "
              + logTail(60));
    }
    return process.exitValue();
  }

  /** kill -9. */
  void kill() {
    process.destroyForcibly();
    if (!waitForExit()) throw new IllegalStateException("grapple survived SIGKILL");
  }

  private boolean waitForExit() {
    try {
      return process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for grapple to exit", e);
    }
  }

  @Override
  public void close() {
    if (!isAlive()) return;
    process.destroy();
    if (!waitForExit()) {
      process.destroyForcibly();
      waitForExit();
    }
  }

  /** Everything the bot has logged so far (stdout and stderr, across restarts). */
  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + log, e);
    }
  }

  /** The last lines of the bot's log, headed by its path. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
      return "Last " + tail.size() + " lines of " + log + ":\n" + String.join("\n", tail);
    } catch (IOException e) {
      return "(no log at " + log + ": " + e + ")";
    }
  }

  /**
   * {@code n} ports free now, and different: all are held open at once while they are chosen (one
   * at a time, the system may hand the same port out twice, and the bot then refuses its config).
   */
  private static int[] freePorts(int n) {
    ServerSocket[] held = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        held[i] = new ServerSocket(0);
        ports[i] = held[i].getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    } finally {
      for (ServerSocket s : held) {
        try {
          if (s != null) s.close();
        } catch (IOException ignored) {
          // closing a listening socket that was never used
        }
      }
    }
  }
}

package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import grapple.bot.config.Config;
import grapple.bot.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The webhook listener's contract (CONTRACT §6), in local mode, over real sockets and SQLite. */
class LocalModeWebhookTest {
  private static final Pattern URL =
      Pattern.compile("http://127\\.0\\.0\\.1:\\d+/webhook/[A-Za-z0-9_-]+");
  private static final MediaType JSON = MediaType.get("application/json");

  @TempDir Path dir;
  private final ScriptedConsole console = new ScriptedConsole();
  private final OkHttpClient http = new OkHttpClient();
  private Grapple app;

  @BeforeEach
  void start() throws Exception {
    app = start("");
  }

  /** Stops this run's Grapple and starts another on the same database. */
  private void restart(String extraGeneric) throws Exception {
    app.close();
    app = start(extraGeneric);
  }

  private Grapple start(String extraGeneric) throws Exception {
    return start(extraGeneric, "localhost");
  }

  private Grapple start(String extraGeneric, String domain) throws Exception {
    Config config =
        ConfigLoader.parse(
            """
        homeserver: {domain: %s}
        database: {path: "%s"}
        listeners: {webhooks: {port: 0}, provisioning: {port: 0}, metrics: {port: 0}}
        generic: {payloadSizeLimit: 4kb%s}
        """
                .formatted(domain, dir.resolve("grapple.db"), extraGeneric),
            dir,
            Map.of(),
            grapple.bot.Grapple.configSections());
    return Grapple.start(config, console);
  }

  @AfterEach
  void stop() {
    if (app != null) app.close();
  }

  private String createHook(String name) throws Exception {
    console.type("!grapple webhook " + name);
    // The reply and the direct message go to different rooms, so they come in either order; both
    // are awaited, so that a test reading what is printed next sees neither.
    Matcher m = URL.matcher(console.awaitAllPrinted("/webhook/", "created.").get(0));
    assertThat(m.find()).isTrue();
    return onThisRun(m.group());
  }

  /** {@code url} with this run's webhook port (the config asks for any free one). */
  private String onThisRun(String url) {
    return url.replaceFirst(":\\d+/", ":" + app.webhookPort() + "/");
  }

  private Response post(String url, String contentType, String body) throws IOException {
    return http.newCall(
            new Request.Builder()
                .url(url)
                .post(RequestBody.create(body, MediaType.get(contentType)))
                .build())
        .execute();
  }

  /** Posts {@code body} to {@code url}: the answer's status code. */
  private int status(String url, String contentType, String body) throws IOException {
    return answer(url, contentType, body).code();
  }

  /** What a hook answered: its status code and body. */
  private record Answer(int code, String body) {}

  /** Posts {@code body} to {@code url}: the answer. */
  private Answer answer(String url, String contentType, String body) throws IOException {
    try (Response r = post(url, contentType, body)) {
      return new Answer(r.code(), r.body().string());
    }
  }

  /**
   * A {@code /state} line typed right after a command took effect first (the command is answered on
   * another thread): the hook it emptied was created after it, and stayed. They take effect in the
   * order typed.
   */
  @Test
  void aStateLineTypedAfterACommandTakesEffectAfterIt() throws Exception {
    console.type("!grapple webhook ci");
    console.type("/state " + LocalMode.WEBHOOK + " ci {}");
    console.awaitAllPrinted("/webhook/", "created.");
    console.type("!grapple webhook list");

    assertThat(console.awaitPrinted("in this room"))
        .startsWith("grapple: No webhooks in this room.");
  }

  @Test
  void aPostIsAcknowledgedWith202AndPostedToTheRoom() throws Exception {
    String url = createHook("ci");

    assertThat(answer(url, "application/json", "{\"text\":\"hello\"}"))
        .isEqualTo(new Answer(202, "{\"ok\":true}"));
    assertThat(console.awaitPrinted("hello")).isEqualTo("grapple: hello");
  }

  @Test
  void withAnyFreePortTheUrlGivenOutNamesThePortTheListenerBound() throws Exception {
    console.type("!grapple webhook ci");
    Matcher m = URL.matcher(console.awaitAllPrinted("/webhook/", "created.").get(0));
    assertThat(m.find()).isTrue();

    // The config asks for port 0: the URL must name the port that was bound, not 0.
    assertThat(m.group()).startsWith("http://127.0.0.1:" + app.webhookPort() + "/webhook/");
    assertThat(status(m.group(), "application/json", "{\"text\":\"hi\"}")).isEqualTo(202);
  }

  /**
   * Hookshot serves hooks at {@code /<hookId>} too (its path before {@code /webhook}, still served
   * in 7.4): a proxy forwarding a hookshot-era URL prefix to the listener's root got 404 for every
   * hook.
   */
  @Test
  void theRootPathHookshotStillServesTakesAHookToo() throws Exception {
    String url = createHook("legacy");
    String legacy = url.replace("/webhook/", "/");

    assertThat(answer(legacy, "application/json", "{\"text\":\"via the root\"}"))
        .isEqualTo(new Answer(202, "{\"ok\":true}"));
    assertThat(console.awaitPrinted("via the root")).isEqualTo("grapple: via the root");
    assertThat(answer("http://127.0.0.1:" + app.webhookPort() + "/nope", "application/json", "{}"))
        .isEqualTo(new Answer(404, "{\"ok\":false,\"error\":\"Webhook not found\"}"));
  }

  /** As hookshot's Express reads {@code req.query}: a name given twice is an array of both. */
  @Test
  void aGetsQueryIsTheDataWithARepeatedNameAnArray() throws Exception {
    restart(", enableHttpGet: true");
    String url = createHook("polled");

    try (Response r =
        new OkHttpClient()
            .newCall(new Request.Builder().url(url + "?tag=a&tag=b%21&x=1").build())
            .execute()) {
      assertThat(r.code()).isEqualTo(202);
    }

    String printed = console.awaitPrinted("\"x\"");
    assertThat(printed.replaceAll("\\s+", ""))
        .contains("\"tag\":[\"a\",\"b!\"]")
        .contains("\"x\":\"1\"");
  }

  /**
   * A GET's query is read as hookshot's Express reads it: a {@code %} not followed by two hex
   * digits is itself, so {@code curl ".../webhook/<id>?text=CPU+at+95%"} posts "CPU at 95%". The
   * shared listener had decoded every query strictly first and answered 400.
   */
  @Test
  void aGetsQueryWithALonePercentIsPostedAsSent() throws Exception {
    restart(", enableHttpGet: true");
    String path = java.net.URI.create(createHook("percent")).getPath();

    String answer;
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.webhookPort())) {
      socket
          .getOutputStream()
          .write(
              ("GET " + path + "?text=CPU+at+95% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      answer =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    assertThat(answer).startsWith("HTTP/1.1 202");
    assertThat(console.awaitPrinted("CPU at")).isEqualTo("grapple: CPU at 95%");
  }

  /**
   * A HEAD (an uptime monitor's probe) reaches the GET route when enableHttpGet is set: it was
   * taken as an empty POST and posted {@code {}} as a JSON code block to the room at every probe.
   */
  @Test
  void aHeadIs405AndPostsNothing() throws Exception {
    restart(", enableHttpGet: true");
    String url = createHook("probed");

    try (Response r =
        http.newCall(new Request.Builder().url(url + "?text=probe").head().build()).execute()) {
      assertThat(r.code()).isEqualTo(405);
      assertThat(r.header("Allow")).isEqualTo("GET, POST, PUT");
    }
    try (Response r =
        http.newCall(new Request.Builder().url(url + "?text=after").build()).execute()) {
      assertThat(r.code()).isEqualTo(202);
    }

    // Messages to the room go out in order: nothing the HEAD could have posted comes before the
    // GET's message.
    java.util.List<String> printed = new java.util.ArrayList<>();
    for (String p = console.nextPrinted(5000); p != null; p = console.nextPrinted(5000)) {
      printed.add(p);
      if (p.contains("after")) break;
    }
    assertThat(printed).last().isEqualTo("grapple: after");
    assertThat(printed).noneMatch(p -> p.contains("Received webhook data") || p.contains("probe"));
  }

  @Test
  void anUnknownHookIs404WithTheContractsBody() throws Exception {
    assertThat(
            answer(
                "http://127.0.0.1:" + app.webhookPort() + "/webhook/nope",
                "application/json",
                "{}"))
        .isEqualTo(new Answer(404, "{\"ok\":false,\"error\":\"Webhook not found\"}"));
  }

  @Test
  void anExpiredHookIs404SayingSo() throws Exception {
    String url = createHook("old");
    console.type(
        "/state uk.half-shot.matrix-hookshot.generic.hook old "
            + "{\"name\":\"old\",\"expirationDate\":\"2020-01-01T00:00:00Z\"}");
    console.type(
        "/state"); // the console takes lines in order: once this one's usage note is out, the state
    // is in
    console.awaitPrinted("Usage: /state");

    assertThat(answer(url, "application/json", "{}"))
        .isEqualTo(new Answer(404, "{\"ok\":false,\"error\":\"This hook has expired\"}"));
  }

  @Test
  void aBodyOverTheLimitIs413BeforeItIsRead() throws Exception {
    String url = createHook("big");

    try (Response r = post(url, "application/json", "{\"text\":\"" + "x".repeat(5000) + "\"}")) {
      assertThat(r.code()).isEqualTo(413);
      assertThat(r.header("Connection")).isEqualTo("close");
    }
    assertThat(console.nextPrinted(300)).isNull();
  }

  @Test
  void aChunkedBodyOverTheLimitIs413Too() throws Exception {
    String url = createHook("chunky");
    RequestBody chunked =
        new RequestBody() {
          @Override
          public MediaType contentType() {
            return JSON;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            for (int i = 0; i < 100; i++) sink.writeUtf8("x".repeat(100));
          }
        };

    try (Response r =
        http.newCall(new Request.Builder().url(url).post(chunked).build()).execute()) {
      assertThat(r.code()).isEqualTo(413);
    }
  }

  @Test
  void malformedJsonIs400WithASentence() throws Exception {
    String url = createHook("bad");

    Answer a = answer(url, "application/json", "{\"text\":");

    assertThat(a.code()).isEqualTo(400);
    assertThat(a.body()).startsWith("{\"ok\":false,\"error\":\"Body is not valid JSON");
  }

  @Test
  void anUnsupportedContentTypeIs415() throws Exception {
    String url = createHook("png");

    assertThat(status(url, "image/png", "xx")).isEqualTo(415);
  }

  /**
   * README: "Local mode has no media repository: 415". A real image was answered 503 "Could not
   * upload the file to the homeserver ... Try again", which no retry could ever mend.
   */
  @Test
  void aRealImageIs415InLocalModeNot503() throws Exception {
    String url = createHook("img");
    byte[] png =
        java.util.HexFormat.of()
            .parseHex(
                "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
                    + "0000000a49444154789c6360000000020001e221bc330000000049454e44ae426082");

    try (Response r =
        http.newCall(
                new Request.Builder()
                    .url(url)
                    .post(RequestBody.create(png, MediaType.get("image/png")))
                    .build())
            .execute()) {
      assertThat(r.code()).isEqualTo(415);
      assertThat(r.body().string()).contains("media repository");
    }
  }

  @Test
  void anotherMethodIs405WithAllow() throws Exception {
    String url = createHook("del");

    try (Response r = http.newCall(new Request.Builder().url(url).delete().build()).execute()) {
      assertThat(r.code()).isEqualTo(405);
      assertThat(r.header("Allow")).isEqualTo("POST, PUT");
    }
  }

  @Test
  void waitForCompleteAnswers200AfterDelivery() throws Exception {
    restart(", waitForComplete: true");
    String url = createHook("sync");

    assertThat(status(url, "text/plain", "done")).isEqualTo(200);
    assertThat(console.awaitPrinted("done")).isEqualTo("grapple: Received webhook data: done");
  }

  @Test
  void hooksAndTheirUrlsSurviveARestart() throws Exception {
    String url = createHook("keep");
    restart("");
    url = onThisRun(url);

    assertThat(status(url, "text/plain", "still here")).isEqualTo(202);
    assertThat(console.awaitPrinted("still here")).contains("still here");
  }

  @Test
  void aHookInARoomTheBotIsNoLongerInIs410AndStartUpSaysSo() throws Exception {
    String url = createHook("stranded");
    app.close();
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger botRooms = (Logger) LoggerFactory.getLogger(BotRooms.class);
    botRooms.addAppender(log);
    try {
      app = start("", "example.org"); // The same database, now with another console room.
      console.awaitPrinted("local mode");
      url = onThisRun(url);

      assertThat(answer(url, "text/plain", "anyone there?"))
          .isEqualTo(
              new Answer(
                  410,
                  "{\"ok\":false,\"error\":\"This hook's room !console:localhost"
                      + " is one the bot is not in; nothing was accepted\"}"));
      assertThat(log.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .containsExactly(
              "1 connection(s) in 1 room(s)"
                  + " the bot is not in do nothing until it joins them (their webhooks answer 410): !console:localhost (1)");
    } finally {
      botRooms.detachAppender(log);
    }
  }

  @Test
  void liveAndReadyAnswer() throws Exception {
    for (String path : new String[] {"/live", "/ready"}) {
      try (Response r =
          http.newCall(
                  new Request.Builder().url("http://127.0.0.1:" + app.webhookPort() + path).build())
              .execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string())
            .isEqualTo(path.equals("/ready") ? "{\"ok\":true,\"leader\":true}" : "{\"ok\":true}");
      }
    }
  }

  @Test
  void metricsCountRequestsConnectionsAndDeliveries() throws Exception {
    String url = createHook("metered");
    assertThat(status(url, "text/plain", "count me")).isEqualTo(202);
    console.awaitPrinted("count me");

    try (Response r =
        http.newCall(
                new Request.Builder()
                    .url("http://127.0.0.1:" + app.metricsPort() + "/metrics")
                    .build())
            .execute()) {
      String text = r.body().string();
      assertThat(r.code()).isEqualTo(200);
      assertThat(text)
          .contains("grapple_http_requests_total{listener=\"webhooks\",status=\"202\"} 1.0")
          .contains("grapple_connections{type=\"Webhook\"} 1.0")
          .containsPattern("grapple_outbox_delivered_total [1-9]")
          .contains("grapple_ready 1.0")
          .contains("grapple_commands_waiting 0.0")
          .contains("jvm_memory_used_bytes");
    }
  }
}

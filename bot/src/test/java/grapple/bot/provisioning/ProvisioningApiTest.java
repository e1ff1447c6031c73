package grapple.bot.provisioning;

import static grapple.bot.LocalMode.ADMIN;
import static grapple.bot.LocalMode.ELSEWHERE;
import static grapple.bot.LocalMode.READER;
import static grapple.bot.LocalMode.SECRET;
import static grapple.bot.LocalMode.WEBHOOK;
import static grapple.bot.LocalMode.WRITER;
import static grapple.bot.provisioning.LocalGrapple.AS_ADMIN;
import static grapple.bot.provisioning.LocalGrapple.BOT;
import static grapple.bot.provisioning.LocalGrapple.COMMANDS_ONLY;
import static grapple.bot.provisioning.LocalGrapple.basic;
import static grapple.bot.provisioning.LocalGrapple.bearer;
import static grapple.bot.provisioning.LocalGrapple.connections;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * The provisioning API's contract (CONTRACT §5 and the hookshot seed), in local mode over real
 * sockets: one bot for the class, so each test uses its own webhook names.
 */
class ProvisioningApiTest {
  private static final List<String> CONNECTION_KEYS =
      List.of("type", "eventType", "id", "service", "botUserId", "config");
  private static final List<String> AUDITED_KEYS =
      keys("createdBy", "createdAt", "updatedBy", "updatedAt");
  private static final String PUT_HOOK = connections("/" + WEBHOOK + AS_ADMIN);

  /** A room id of room version 12 is {@code !} and the create event's hash, with no server. */
  private static final String V12_ROOM_HASH = "31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM";

  @TempDir static Path dir;
  private static LocalGrapple grapple;

  @BeforeAll
  static void start() throws Exception {
    grapple = LocalGrapple.start(dir);
  }

  @AfterAll
  static void everyAnswerMatchesTheDocumentAndStop() {
    try {
      assertThat(conformanceProblems(grapple))
          .as("answers of this class that openapi.json does not describe")
          .isEmpty();
    } finally {
      grapple.close();
    }
  }

  /** The connection keys in their order, then {@code more}. */
  private static List<String> keys(String... more) {
    List<String> keys = new ArrayList<>(CONNECTION_KEYS);
    keys.addAll(List.of(more));
    return keys;
  }

  /** Creates a webhook named {@code name} and returns its connection id. */
  private static String createdId(String name) {
    return grapple.createHook(name).json().get("id").asText();
  }

  private static String hook(String name) {
    return "{\"name\":\"" + name + "\"}";
  }

  private static String one(String id) {
    return connections("/" + id + AS_ADMIN);
  }

  // Happy paths.

  @Test
  void healthIsAnEmptyObject() {
    Answer a = grapple.get("/v1/health");

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).isEqualTo("{}");
  }

  @Test
  void connectionTypesListWebhookWithItsEventTypeServiceAndBot() {
    Answer a = grapple.get("/v1/connectiontypes");

    assertThat(a.status()).isEqualTo(200);
    JsonNode webhook = a.json().get("Webhook");
    assertThat(Answer.keysOf(webhook)).containsExactly("type", "eventType", "service", "botUserId");
    assertThat(webhook.get("type").asText()).isEqualTo("Webhook");
    assertThat(webhook.get("eventType").asText()).isEqualTo(WEBHOOK);
    assertThat(webhook.get("service").asText()).isEqualTo("generic");
    assertThat(webhook.get("botUserId").asText()).isEqualTo(BOT);
    assertThat(a.json().get("Feed").get("eventType").asText())
        .isEqualTo("uk.half-shot.matrix-hookshot.feed");
    assertThat(a.json().get("Feed").get("service").asText()).isEqualTo("feeds");
  }

  @Test
  void putWithThePlainSecretAnswers200InTheSeedsShapeWithASecretUrl() {
    Answer a = grapple.put(PUT_HOOK, hook("made"));

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.keys())
        .containsExactlyElementsOf(
            keys("createdBy", "createdAt", "updatedBy", "updatedAt", "secrets"));
    assertThat(a.json().get("type").asText()).isEqualTo("Webhook");
    assertThat(a.json().get("eventType").asText()).isEqualTo(WEBHOOK);
    assertThat(a.json().get("service").asText()).isEqualTo("generic");
    assertThat(a.json().get("botUserId").asText()).isEqualTo(BOT);
    assertThat(a.json().get("config").toString()).isEqualTo("{\"name\":\"made\"}");
    // Hookshot's webhook secrets: the URL and the id it ends with (no expiry: no time remaining).
    JsonNode secrets = a.json().get("secrets");
    assertThat(Answer.keysOf(secrets)).containsExactly("url", "hookId");
    assertThat(secrets.get("hookId").asText()).isNotBlank();
    assertThat(secrets.get("url").asText()).endsWith("/webhook/" + secrets.get("hookId").asText());
    assertThat(a.header("Location")).isNull();
  }

  /**
   * A field a webhook does not have is dropped, as hookshot's validateState drops it, from a PUT
   * and from a PATCH: it was stored in the room's state, which every member reads.
   */
  @Test
  void aWebhooksUnknownFieldsAreDroppedNotStoredInItsState() {
    Answer made = grapple.put(PUT_HOOK, "{\"name\":\"extra\",\"password\":\"hunter2\"}");

    assertThat(made.status()).as(made.toString()).isEqualTo(200);
    assertThat(made.json().get("config").toString()).isEqualTo("{\"name\":\"extra\"}");
    String id = made.json().get("id").asText();
    Answer patched = grapple.patch(one(id), "{\"waitForComplete\":true,\"colour\":\"red\"}");

    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    assertThat(grapple.get(one(id)).json().get("config").toString())
        .isEqualTo("{\"name\":\"extra\",\"waitForComplete\":true}");
  }

  /**
   * As a webhook's: a feed keeps hookshot's feed fields and Grapple's filters, an outbound hook its
   * name, url and method; any other field of a PUT or PATCH was stored in the room's state.
   */
  @Test
  void aFeedsAndAnOutboundHooksUnknownFieldsAreDroppedNotStoredInTheirState(@TempDir Path other)
      throws Exception {
    com.sun.net.httpserver.HttpServer feed =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    byte[] rss =
        ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>"
                + "<link>https://example.org/</link><description>d</description></channel></rss>")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    feed.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/rss+xml");
          exchange.sendResponseHeaders(200, rss.length);
          exchange.getResponseBody().write(rss);
          exchange.close();
        });
    feed.start();
    String yaml =
        "feeds: {allowPrivateAddresses: true}\n"
            + "outbound: {enabled: true, allowPrivateAddresses: true}\n";
    try (LocalGrapple local = LocalGrapple.start(other, yaml)) {
      String url = "http://127.0.0.1:" + feed.getAddress().getPort() + "/feed.xml";
      Answer madeFeed =
          local.put(
              connections("/uk.half-shot.matrix-hookshot.feed" + AS_ADMIN),
              "{\"url\":\""
                  + url
                  + "\",\"label\":\"News\",\"include\":[\"a\"],"
                  + "\"password\":\"hunter2\"}");
      assertThat(madeFeed.status()).as(madeFeed.toString()).isEqualTo(200);
      assertThat(madeFeed.json().get("config").toString())
          .isEqualTo("{\"url\":\"" + url + "\",\"label\":\"News\",\"include\":[\"a\"]}");
      Answer patchedFeed =
          local.patch(
              one(madeFeed.json().get("id").asText()),
              "{\"notifyOnFailure\":true,\"colour\":\"red\"}");
      assertThat(patchedFeed.status()).as(patchedFeed.toString()).isEqualTo(200);
      assertThat(patchedFeed.json().get("config").has("colour")).isFalse();
      assertThat(patchedFeed.json().get("config").get("notifyOnFailure").asBoolean()).isTrue();

      Answer madeHook =
          local.put(
              connections("/uk.half-shot.matrix-hookshot.outbound-hook" + AS_ADMIN),
              "{\"name\":\"ci\",\"url\":\"" + url + "\",\"token\":\"hunter2\"}");
      assertThat(madeHook.status()).as(madeHook.toString()).isEqualTo(200);
      assertThat(madeHook.json().get("config").toString())
          .isEqualTo("{\"name\":\"ci\",\"url\":\"" + url + "\"}");
      Answer patchedHook =
          local.patch(
              one(madeHook.json().get("id").asText()), "{\"method\":\"POST\",\"secret\":\"x\"}");
      assertThat(patchedHook.status()).as(patchedHook.toString()).isEqualTo(200);
      assertThat(patchedHook.json().get("config").toString())
          .isEqualTo("{\"name\":\"ci\",\"url\":\"" + url + "\",\"method\":\"POST\"}");
    } finally {
      feed.stop(0);
    }
  }

  /**
   * A number too large for a double ({@code 1e400}) was read as Infinity and kept as the string
   * "Infinity" in state (by the types that keep any field); refused naming it, as JSON-RPC does.
   */
  @Test
  void aNumberTooLargeForADoubleIsRefusedNamingItsField() {
    Answer put = grapple.put(PUT_HOOK, "{\"name\":\"huge\",\"options\":{\"delays\":[1,1e400]}}");

    assertThat(put.status()).as(put.toString()).isEqualTo(400);
    assertThat(put.json().get("errcode").asText()).isEqualTo("HS_BAD_VALUE");
    assertThat(put.error())
        .isEqualTo(
            "'options.delays[1]' is a number too large for a double (it would be kept as the"
                + " string \"Infinity\"); send it as a string or a smaller number.");
    String id = createdId("small");
    Answer patched = grapple.patch(one(id), "{\"retries\":-1e400}");
    assertThat(patched.status()).as(patched.toString()).isEqualTo(400);
    assertThat(patched.error()).startsWith("'retries' is a number too large for a double");
  }

  @Test
  void anExpiringHooksSecretsSayHowLongItHasLeftAsHookshotDoes() {
    java.time.Instant at = java.time.Instant.now().plus(java.time.Duration.ofDays(2));

    Answer a = grapple.put(PUT_HOOK, "{\"name\":\"expiring\",\"expirationDate\":\"" + at + "\"}");

    assertThat(a.status()).as(a.toString()).isEqualTo(200);
    JsonNode secrets = a.json().get("secrets");
    assertThat(Answer.keysOf(secrets)).containsExactly("url", "hookId", "timeRemainingMs");
    assertThat(secrets.get("timeRemainingMs").isIntegralNumber()).isTrue();
    assertThat(secrets.get("timeRemainingMs").asLong())
        .isBetween(
            java.time.Duration.ofDays(2).minusMinutes(5).toMillis(),
            java.time.Duration.ofDays(2).toMillis());
  }

  /** generic.maxExpiry (365 days here) binds a PATCH as it binds a new hook. */
  @Test
  void aPatchCannotMoveAHooksExpiryPastTheConfiguredMaximum() {
    String id = createdId("bounded");
    java.time.Instant far = java.time.Instant.now().plus(java.time.Duration.ofDays(400));
    java.time.Instant near = java.time.Instant.now().plus(java.time.Duration.ofDays(30));

    Answer refused = grapple.patch(one(id), "{\"expirationDate\":\"" + far + "\"}");
    Answer taken = grapple.patch(one(id), "{\"expirationDate\":\"" + near + "\"}");

    assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
    assertThat(refused.json().get("error").asText())
        .contains("Expiration date cannot exceed the configured max expiry time");
    assertThat(taken.status()).as(taken.toString()).isEqualTo(200);
  }

  @Test
  void theSecretUrlAcceptsAWebhookPost() throws Exception {
    String url = grapple.createHook("posted").json().get("secrets").get("url").asText();

    int status = grapple.postToHook(url, "{\"text\":\"hello from the api\"}");

    assertThat(status).isEqualTo(202);
    assertThat(grapple.console.awaitPrinted("hello from the api"))
        .isEqualTo("grapple: hello from the api");
  }

  @Test
  void aLegacyEventTypeCreatesTheCanonicalType() {
    Answer a =
        grapple.put(
            connections("/uk.half-shot.matrix-github.generic.hook" + AS_ADMIN), hook("legacy"));

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get("eventType").asText()).isEqualTo(WEBHOOK);
  }

  @Test
  void listShowsEachConnectionWithWhoMadeAndChangedIt() {
    String id = createdId("listed");

    Answer a = grapple.get(connections(AS_ADMIN));

    assertThat(a.status()).isEqualTo(200);
    JsonNode listed = find(a.json(), id);
    assertThat(Answer.keysOf(listed)).containsExactlyElementsOf(AUDITED_KEYS);
    assertThat(listed.get("createdBy").asText()).isEqualTo(ADMIN);
    assertThat(listed.get("updatedBy").asText()).isEqualTo(ADMIN);
  }

  private static JsonNode find(JsonNode list, String id) {
    for (JsonNode c : list) {
      if (c.get("id").asText().equals(id)) return c;
    }
    throw new AssertionError("no connection " + id + " in " + list);
  }

  @Test
  void getShowsOneConnectionWithWhoMadeAndChangedIt() {
    Answer made = grapple.createHook("single");
    String id = made.json().get("id").asText();

    Answer a = grapple.get(one(id));

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.keys().subList(0, 6)).isEqualTo(CONNECTION_KEYS);
    assertThat(a.keys()).doesNotContain("secrets", "createdByKey");
    assertThat(a.json().get("config")).isEqualTo(made.json().get("config"));
    assertThat(a.json().get("createdAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
  }

  @Test
  void aKeyMadeConnectionNamesTheKeyInTheAudit() {
    Answer made = grapple.call("PUT", PUT_HOOK, bearer(WRITER), hook("keyed"));

    Answer a = grapple.get(one(made.json().get("id").asText()));

    assertThat(a.json().get("createdByKey").asText()).isEqualTo("writer");
    assertThat(a.json().get("updatedByKey").asText()).isEqualTo("writer");
    assertThat(a.json().get("createdBy").asText()).isEqualTo(ADMIN);
  }

  @Test
  void aWriterKeysPutAnswers201WithALocationThatGetsTheConnection() {
    Answer made = grapple.call("PUT", PUT_HOOK, bearer(WRITER), hook("located"));

    assertThat(made.status()).isEqualTo(201);
    assertThat(made.keys())
        .containsExactlyElementsOf(
            keys(
                "createdBy",
                "createdAt",
                "createdByKey",
                "updatedBy",
                "updatedAt",
                "updatedByKey",
                "secrets"));
    String location = made.header("Location");
    assertThat(location).isEqualTo(connections("/" + made.json().get("id").asText()));
    Answer got = grapple.call("GET", location + AS_ADMIN, bearer(WRITER), null);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().get("id")).isEqualTo(made.json().get("id"));
  }

  @Test
  void patchMergesTheBodyIntoTheConfig() {
    String id = createdId("merged");

    Answer a = grapple.patch(one(id), "{\"waitForComplete\":true}");

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.keys()).containsExactlyElementsOf(AUDITED_KEYS);
    assertThat(a.json().get("config").toString())
        .isEqualTo("{\"name\":\"merged\",\"waitForComplete\":true}");
    assertThat(grapple.get(one(id)).json().get("config")).isEqualTo(a.json().get("config"));
  }

  @Test
  void patchReplacesANestedObjectWholeAsHookshotDidNotMergingInsideIt() {
    ObjectNode config =
        Json.readObject(
            "{\"org\":\"a\",\"workflowRun\":{\"matchingBranch\":\"main\","
                + "\"includingWorkflows\":[\"ci\"]}}");
    ObjectNode patch =
        Json.readObject("{\"workflowRun\":{\"matchingBranch\":\"dev\"},\"org\":null}");

    assertThat(ProvisioningApi.merge(config, patch).toString())
        .isEqualTo("{\"workflowRun\":{\"matchingBranch\":\"dev\"}}");
  }

  @Test
  void patchWithNullRemovesTheKey() {
    String id = createdId("unset");
    grapple.patch(one(id), "{\"waitForComplete\":true}");

    Answer a = grapple.patch(one(id), "{\"waitForComplete\":null}");

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get("config").toString()).isEqualTo("{\"name\":\"unset\"}");
  }

  /**
   * A patch that renames a webhook or breaks its config is 400 naming the field, and undone. So is
   * one that makes content room state reads as a removal ({@code disabled}, or nothing left): it
   * was answered 200 and kept working here while the room's state said the hook was gone.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          fixed    | {"name":"renamed"}        | name
          typed    | {"waitForComplete":"yes"} | waitForComplete
          disabled | {"disabled":true}         | disabled
          emptied  | {"name":null}             | content
          """)
  void aPatchTheConfigRefusesIs400NamingTheField(String name, String patch, String field) {
    String id = createdId(name);

    Answer a = grapple.patch(one(id), patch);

    assertRefused(a, 400, "HS_BAD_VALUE");
    assertThat(a.error()).contains("'" + field + "'");
    assertThat(grapple.get(one(id)).json().get("config").toString()).isEqualTo(hook(name));
  }

  /** The refusal of a rename says what the name must be: the hook's state key. */
  @Test
  void aPatchThatRenamesAWebhookSaysItCannotBeRenamed() {
    String id = createdId("unrenamable");

    Answer a = grapple.patch(one(id), "{\"name\":\"other\"}");

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.error())
        .contains(
            "'name' must be the webhook's state key `unrenamable`"
                + " (a webhook cannot be renamed), was `other`");
  }

  @Test
  void deleteAnswersOkAndTheConnectionIsGone() {
    String id = createdId("doomed");

    Answer a = grapple.delete(one(id));

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).isEqualTo("{\"ok\":true}");
    Answer after = grapple.get(one(id));
    assertRefused(after, 404, "HS_NOTFOUND");
  }

  /** Who removed a connection is in the log, the key by its name and never its secret. */
  @Test
  void aDeleteWithAKeyLogsTheKeysNameNotItsSecret() {
    String id = createdId("audited-delete");
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger connections = (Logger) LoggerFactory.getLogger(grapple.bot.Connections.class);
    connections.addAppender(log);
    try {
      Answer a = grapple.call("DELETE", one(id), bearer(WRITER), null);

      assertThat(a.status()).isEqualTo(200);
      assertThat(log.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .filteredOn(line -> line.contains("removed"))
          .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
          .contains("'audited-delete' (" + id + ") by " + ADMIN + " with API key writer")
          .doesNotContain(WRITER);
    } finally {
      connections.detachAppender(log);
    }
  }

  /**
   * A userId given twice is refused before anything is done, rather than acting for the first (the
   * membership and power-level checks judge one user; which one was meant is not ours to guess).
   */
  @Test
  void aDeleteWithUserIdTwiceIs400AndDeletesNothing() {
    String id = createdId("asked-twice");

    Answer a = grapple.delete(one(id) + "&userId=%40someone%3Alocalhost");

    assertRefused(a, 400, "HS_BAD_VALUE");
    assertThat(a.error()).contains("userId").contains("once");
    assertThat(grapple.get(one(id)).status()).isEqualTo(200);
  }

  @Test
  void deletingAWebhookStopsItsUrl() {
    Answer made = grapple.createHook("stopped");

    grapple.delete(one(made.json().get("id").asText()));

    assertThat(
            grapple.postToHook(
                made.json().get("secrets").get("url").asText(), "{\"text\":\"late\"}"))
        .isEqualTo(404);
  }

  @Test
  void aHookCreatedThroughTheApiShowsInTheConsolesList() throws Exception {
    String id = createdId("console-seen");

    grapple.console.type("!grapple list");

    assertThat(grapple.console.awaitPrinted("`console-seen`"))
        .contains("Webhook `console-seen` (id `" + id + "`)");
  }

  // Authentication and scopes.

  @Test
  void basicAuthWithTheUserApikeyWorks() {
    Answer a = grapple.call("GET", connections(AS_ADMIN), basic("apikey", READER), null);

    assertThat(a.status()).isEqualTo(200);
  }

  @ParameterizedTest(name = "Authorization: {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Token " + READER + "| 'Bearer <token>' or HTTP Basic",
        READER + "| 'Bearer <token>' or HTTP Basic",
        "Bearer | Bearer has no token",
        "Basic not-base64! | Basic must be the Base64 of 'apikey:<token>'",
      })
  void anAuthorizationHeaderThatCarriesNoTokenIs401SayingWhatIsWrongNotMissing(
      String header, String says) {
    Answer a = grapple.call("GET", connections(AS_ADMIN), header, null);

    assertRefused(a, 401, "HS_BAD_TOKEN");
    assertThat(a.error()).contains(says).doesNotContain("Missing").doesNotContain(READER);
  }

  @Test
  void noAuthorizationHeaderIs401MissingCredentials() {
    Answer a = grapple.call("GET", connections(AS_ADMIN), null, null);

    assertRefused(a, 401, "HS_BAD_TOKEN");
    assertThat(a.error()).isEqualTo("Missing credentials: send Authorization: Bearer <token>.");
  }

  @Test
  void aReaderKeyCanListButNotCreate() {
    Answer list = grapple.call("GET", connections(AS_ADMIN), bearer(READER), null);
    Answer put = grapple.call("PUT", PUT_HOOK, bearer(READER), hook("unread"));

    assertThat(list.status()).isEqualTo(200);
    assertRefused(put, 403, "HS_FORBIDDEN_TOKEN");
    assertThat(put.error()).contains("reader", "connections:write");
  }

  @Test
  void aReaderKeyCannotChangeOrDelete() {
    String id = createdId("kept");

    Answer patch = grapple.call("PATCH", one(id), bearer(READER), "{}");
    Answer delete = grapple.call("DELETE", one(id), bearer(READER), null);

    assertThat(patch.errcode()).isEqualTo("HS_FORBIDDEN_TOKEN");
    assertThat(delete.errcode()).isEqualTo("HS_FORBIDDEN_TOKEN");
    assertThat(grapple.get(one(id)).status()).isEqualTo(200);
  }

  @Test
  void thePlainSecretsPutAnswers200LikeHookshot() {
    Answer a = grapple.call("PUT", PUT_HOOK, basic("apikey", SECRET), hook("compatible"));

    assertThat(a.status()).isEqualTo(200);
  }

  @Test
  void everyAnswerCarriesARequestId() {
    List<Answer> answers =
        List.of(
            grapple.get("/v1/health"),
            grapple.call("GET", "/v1/health", null, null),
            grapple.get("/v1/nope"),
            grapple.call("POST", "/v1/health", bearer(SECRET), "{}"),
            grapple.get(connections("")),
            grapple.get("/live"));

    for (Answer a : answers)
      assertThat(a.header("X-Request-Id")).as(a.toString()).matches("[0-9a-f]{8}");
    assertThat(answers.stream().map(a -> a.header("X-Request-Id")).distinct())
        .hasSize(answers.size());
  }

  // Bad values.

  @Test
  void malformedJsonIs400() {
    Answer a = grapple.put(PUT_HOOK, "{\"name\":");

    assertRefused(a, 400, "HS_BAD_VALUE");
    assertThat(a.error()).startsWith("The body is not valid JSON");
  }

  /** A field given twice is refused naming it, not settled by whichever Jackson kept (the last). */
  @Test
  void aFieldGivenTwiceIs400NamingIt() {
    Answer created = grapple.put(PUT_HOOK, "{\"name\":\"twice-a\",\"name\":\"twice-b\"}");
    String id = createdId("patched-twice");
    Answer patched = grapple.patch(one(id), "{\"waitForComplete\":false,\"waitForComplete\":true}");

    assertRefused(created, 400, "HS_BAD_VALUE");
    assertThat(created.error())
        .isEqualTo(
            "The body gives the field 'name' more than once (line 1, column 25): give each field"
                + " once.");
    assertThat(patched.status()).isEqualTo(400);
    assertThat(patched.error()).startsWith("The body gives the field 'waitForComplete' more");
    assertThat(grapple.get(connections(AS_ADMIN)).body()).doesNotContain("twice-");
    assertThat(grapple.get(one(id)).json().get("config").has("waitForComplete")).isFalse();
  }

  @Test
  void aBodyThatIsNotAnObjectIs400() {
    for (String body : new String[] {"[]", "\"name\"", "42", "null", ""}) {
      Answer a = grapple.put(PUT_HOOK, body);

      assertThat(a.status()).as(body).isEqualTo(400);
      assertThat(a.errcode()).as(body).isEqualTo("HS_BAD_VALUE");
    }
  }

  @Test
  void aRoomIdMayBeSentUnencodedOrEncoded() {
    Answer encoded = grapple.get("/v1/%21console%3Alocalhost/connections" + AS_ADMIN);
    Answer plain = grapple.get("/v1/!console:localhost/connections?userId=@console:localhost");

    assertThat(encoded.status()).isEqualTo(200);
    assertThat(plain.status()).isEqualTo(200);
  }

  @Test
  void aBodyOver64KiBIs413() {
    String big = "{\"name\":\"big\",\"padding\":\"" + "x".repeat(70 * 1024) + "\"}";

    Answer a = grapple.put(PUT_HOOK, big);

    assertRefused(a, 413, "HS_BAD_VALUE");
    assertThat(grapple.get(connections(AS_ADMIN)).body()).doesNotContain("\"big\"");
  }

  @Test
  void aChunkedBodyOver64KiBIs413Too() {
    RequestBody chunked =
        new RequestBody() {
          @Override
          public okhttp3.MediaType contentType() {
            return LocalGrapple.JSON;
          }

          @Override
          public void writeTo(okio.BufferedSink sink) throws java.io.IOException {
            sink.writeUtf8("{\"name\":\"chunky\",\"padding\":\"");
            for (int i = 0; i < 70; i++) sink.writeUtf8("x".repeat(1024));
            sink.writeUtf8("\"}");
          }
        };

    Answer a = grapple.send("PUT", PUT_HOOK, bearer(SECRET), chunked);

    assertThat(a.status()).isEqualTo(413);
  }

  // Refusals.

  /** Each request the API refuses: the status, the wire code and the words its error names. */
  static Stream<Arguments> refusals() {
    return Stream.of(
        refusal(
            "a missing token is 401",
            g -> g.call("GET", "/v1/health", null, null),
            401,
            "HS_BAD_TOKEN"),
        refusal(
            "a wrong token is 401",
            g -> g.call("GET", connections(AS_ADMIN), bearer("not-the-secret-0123456789"), null),
            401,
            "HS_BAD_TOKEN"),
        refusal(
            "another scheme is 401",
            g -> g.call("GET", "/v1/health", "Token " + SECRET, null),
            401,
            "HS_BAD_TOKEN"),
        refusal(
            "basic auth with another user is 401",
            g -> g.call("GET", connections(AS_ADMIN), basic("reader", READER), null),
            401,
            "HS_BAD_TOKEN"),
        refusal(
            "a key limited to other rooms is 403 on this room",
            g -> g.call("GET", connections(AS_ADMIN), bearer(ELSEWHERE), null),
            403,
            "HS_FORBIDDEN_TOKEN",
            "elsewhere",
            "!console:localhost"),
        refusal(
            "a missing userId is 400", g -> g.get(connections("")), 400, "HS_BAD_VALUE", "userId"),
        refusal(
            "a malformed userId is 400",
            g -> g.get(connections("?userId=console")),
            400,
            "HS_BAD_VALUE",
            "userId",
            "'console'"),
        refusal(
            "a userId given twice is 400 naming it and the rule, as hookshot refused it",
            g -> g.get(connections(AS_ADMIN + "&userId=%40stranger%3Alocalhost")),
            400,
            "HS_BAD_VALUE",
            "Invalid userId",
            "once"),
        refusal(
            "JSON with trailing text is 400",
            g -> g.put(PUT_HOOK, "{\"name\":\"trailing\"} }"),
            400,
            "HS_BAD_VALUE"),
        refusal(
            "an invalid name is 400 saying why",
            g -> g.put(PUT_HOOK, hook("x")),
            400,
            "HS_BAD_VALUE",
            "'name' must be 2-64 characters"),
        refusal(
            "a name of two dots is 400 naming name: the homeserver's state URL cannot hold it",
            g -> g.put(PUT_HOOK, hook("..")),
            400,
            "HS_BAD_VALUE",
            "'name' must not be '..'"),
        refusal(
            "a put without a name is 400 naming name",
            g -> g.put(PUT_HOOK, "{\"waitForComplete\":true}"),
            400,
            "HS_BAD_VALUE",
            "'name'"),
        refusal(
            "a double-encoded room id is 400 naming roomId",
            g -> g.get("/v1/%2521console%253Alocalhost/connections" + AS_ADMIN),
            400,
            "HS_BAD_VALUE",
            "roomId"),
        refusal(
            "a user not in the room is 403 not in room",
            g ->
                g.put(
                    connections("/" + WEBHOOK + "?userId=%40stranger%3Alocalhost"),
                    hook("strange")),
            403,
            "HS_NOT_IN_ROOM",
            "@stranger:localhost"),
        refusal(
            "an unknown room is 404",
            g -> g.get("/v1/%21nope%3Alocalhost/connections" + AS_ADMIN),
            404,
            "HS_NOTFOUND",
            "!nope:localhost"),
        refusal(
            "a room version 12 id (no server part) is a room, not malformed: 404 as the bot is not"
                + " in it",
            g -> g.get("/v1/%21" + V12_ROOM_HASH + "/connections" + AS_ADMIN),
            404,
            "HS_NOTFOUND",
            "!" + V12_ROOM_HASH),
        refusal(
            "a key's allowed room that the bot is not in is 404",
            g ->
                g.call(
                    "GET",
                    "/v1/%21other%3Alocalhost/connections" + AS_ADMIN,
                    bearer(ELSEWHERE),
                    null),
            404,
            "HS_NOTFOUND"),
        refusal(
            "an unknown event type is 404",
            g -> g.put(connections("/org.example.nothing" + AS_ADMIN), hook("nothing")),
            404,
            "HS_NOTFOUND",
            "org.example.nothing"),
        refusal(
            "a type's name where its event type belongs is 404 naming the event type to use",
            g -> g.put(connections("/Webhook" + AS_ADMIN), hook("byname")),
            404,
            "HS_NOTFOUND",
            "'Webhook'",
            "'" + WEBHOOK + "'"),
        refusal("an unknown route is 404", g -> g.get("/v1/nope"), 404, "HS_NOTFOUND"),
        refusal(
            "a type whose service is not built is 400 disabled feature",
            g ->
                g.put(
                    connections("/uk.half-shot.matrix-hookshot.github.repository" + AS_ADMIN),
                    "{\"org\":\"acme\",\"repo\":\"widgets\"}"),
            400,
            "HS_DISABLED_FEATURE",
            "github"));
  }

  private static Arguments refusal(
      String behaviour,
      Function<LocalGrapple, Answer> request,
      int status,
      String errcode,
      String... named) {
    return Arguments.of(Named.of(behaviour, request), status, errcode, List.of(named));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void aRefusalHasItsStatusCodeAndNamesWhatWasWrong(
      Function<LocalGrapple, Answer> request, int status, String errcode, List<String> named) {
    Answer a = request.apply(grapple);

    assertRefused(a, status, errcode);
    for (String word : named) assertThat(a.error()).contains(word);
  }

  /** {@code a} is hookshot's error answer: {@code status}, with {@code errcode} in its body. */
  private static void assertRefused(Answer a, int status, String errcode) {
    assertThat(a.status()).as(a.toString()).isEqualTo(status);
    assertThat(a.errcode()).as(a.toString()).isEqualTo(errcode);
  }

  @Test
  void aUserWithoutManageConnectionsIs403ForbiddenUser(@TempDir Path other) throws Exception {
    try (LocalGrapple limited = LocalGrapple.start(other, COMMANDS_ONLY)) {
      Answer list = limited.get(connections(AS_ADMIN));
      Answer put = limited.put(PUT_HOOK, hook("forbidden"));

      assertThat(list.status()).isEqualTo(200);
      assertRefused(put, 403, "HS_FORBIDDEN_USER");
      assertThat(put.error()).contains("manageConnections");
      assertThat(conformanceProblems(limited)).isEmpty();
    }
  }

  private static List<String> conformanceProblems(LocalGrapple g) {
    OpenApiDocument document = OpenApiDocument.load();
    List<String> problems = new ArrayList<>();
    for (Answer a : g.answers()) problems.addAll(document.problems(a));
    return problems;
  }

  @Test
  void anUnknownConnectionIdIs404ForGetPatchAndDelete() {
    String path = one("AAAAAAAAAAAAAAAA");

    List<Answer> answers =
        List.of(grapple.get(path), grapple.patch(path, "{}"), grapple.delete(path));

    for (Answer a : answers) {
      assertRefused(a, 404, "HS_NOTFOUND");
    }
  }

  @Test
  void aServiceDisabledInConfigIs400DisabledFeature(@TempDir Path other) throws Exception {
    try (LocalGrapple noFeeds = LocalGrapple.start(other, "feeds: {enabled: false}")) {
      Answer a =
          noFeeds.put(
              connections("/uk.half-shot.matrix-hookshot.feed" + AS_ADMIN),
              "{\"url\":\"https://example.org/feed.xml\"}");

      assertRefused(a, 400, "HS_DISABLED_FEATURE");
      assertThat(a.error()).contains("feeds");
      assertThat(noFeeds.get("/v1/connectiontypes").json().has("Feed")).isFalse();
      assertThat(conformanceProblems(noFeeds)).isEmpty();
    }
  }

  /** Hookshot answers a script while scripts are off with HS_DISABLED_FEATURE, not HS_BAD_VALUE. */
  @Test
  void aScriptWhileScriptsAreOffIsDisabledFeatureAndCreatesNothing() {
    Answer a =
        grapple.put(
            PUT_HOOK, "{\"name\":\"scripted\",\"transformationFunction\":\"result = 'x'\"}");

    assertRefused(a, 400, "HS_DISABLED_FEATURE");
    assertThat(a.error()).contains("Transformation functions are not allowed");
    assertThat(grapple.get(connections(AS_ADMIN)).body()).doesNotContain("scripted");

    String id = createdId("unscripted");
    Answer patched =
        grapple.patch(
            connections("/" + id + AS_ADMIN), "{\"transformationFunction\":\"result = 'x'\"}");
    assertThat(patched.errcode()).isEqualTo("HS_DISABLED_FEATURE");
  }

  /**
   * A new hook's expiry by hookshot's provisioning rules: at least an hour ahead and at most
   * generic.maxExpiry (365 days by default) ahead.
   */
  @Test
  void aNewHooksExpiryMustBeAnHourToMaxExpiryAhead() {
    java.time.Instant now = java.time.Instant.now();
    String past = "{\"name\":\"past\",\"expirationDate\":\"2020-01-01T00:00:00Z\"}";
    String soon = "{\"name\":\"soon\",\"expirationDate\":\"" + now.plusSeconds(600) + "\"}";
    String far =
        "{\"name\":\"far\",\"expirationDate\":\""
            + now.plus(java.time.Duration.ofDays(400))
            + "\"}";
    String fine =
        "{\"name\":\"fine\",\"expirationDate\":\""
            + now.plus(java.time.Duration.ofDays(30))
            + "\"}";

    Answer a = grapple.put(PUT_HOOK, past);
    Answer b = grapple.put(PUT_HOOK, soon);
    Answer c = grapple.put(PUT_HOOK, far);
    Answer d = grapple.put(PUT_HOOK, fine);

    assertThat(List.of(a.status(), b.status(), c.status(), d.status()))
        .containsExactly(400, 400, 400, 200);
    assertThat(a.error()).isEqualTo("Expiration date must at least be a hour in the future");
    assertThat(b.error()).isEqualTo("Expiration date must at least be a hour in the future");
    assertThat(c.error())
        .startsWith("Expiration date cannot exceed the configured max expiry time");
    assertThat(grapple.get(connections(AS_ADMIN)).body())
        .doesNotContain("\"past\"")
        .doesNotContain("\"soon\"")
        .doesNotContain("\"far\"");
  }

  @Test
  void aFeedAtAPrivateAddressIs400NamingUrl() {
    Answer a =
        grapple.put(
            connections("/uk.half-shot.matrix-hookshot.feed" + AS_ADMIN),
            "{\"url\":\"http://127.0.0.1:1/feed.xml\"}");

    assertRefused(a, 400, "HS_BAD_VALUE");
    assertThat(a.error()).containsIgnoringCase("url").contains("127.0.0.1");
  }

  @Test
  void aKeyLimitedToRoomsAnswersTheForgeRoutesOnlyForMembersOfThem(@TempDir Path other)
      throws Exception {
    try (LocalGrapple withGithub =
        LocalGrapple.start(
            other, "github: {enabled: true, webhook: {secret: 'webhook-secret-0123456789'}}")) {
      // The console user is in the console's room, not in !other:localhost, the key's only room.
      String account = "/v1/github/account" + AS_ADMIN;

      Answer elsewhere = withGithub.call("GET", account, bearer(ELSEWHERE), null);
      Answer secret = withGithub.get(account);

      assertRefused(elsewhere, 403, "HS_FORBIDDEN_TOKEN");
      assertThat(elsewhere.error()).contains("elsewhere", "@console:localhost");
      assertThat(secret.status()).isEqualTo(200);
      assertThat(secret.json().path("loggedIn").asBoolean()).isFalse();
    }
  }

  @Test
  void theGitHubAndJiraRoutesAre400DisabledFeature() {
    List<String> paths =
        List.of(
            "/v1/github/oauth",
            "/v1/github/account",
            "/v1/github/orgs/acme/repositories",
            "/v1/github/repositories?page=2&perPage=5",
            "/v1/jira/oauth",
            "/v1/jira/account",
            "/v1/jira/instances/acme/projects");

    for (String path : paths) {
      Answer a =
          grapple.get(path + (path.contains("?") ? "&" : "?") + "userId=%40console%3Alocalhost");

      assertThat(a.status()).as(path).isEqualTo(400);
      assertThat(a.errcode()).as(path).isEqualTo("HS_DISABLED_FEATURE");
    }
  }

  @Test
  void theSameNameTwiceIs409() {
    grapple.createHook("twice");

    Answer a = grapple.put(PUT_HOOK, hook("twice"));

    assertRefused(a, 409, "HS_CONFLICTING_CONNECTION");
    assertThat(a.error()).contains("twice");
    // As hookshot answers: the connection in the way, as GET shows it (no secrets).
    JsonNode existing = a.json().get("existingConnection");
    assertThat(existing.get("config").get("name").asText()).isEqualTo("twice");
    assertThat(existing.get("type").asText()).isEqualTo("Webhook");
    assertThat(existing.has("secrets")).isFalse();
  }

  @Test
  void aWidgetOnAnotherOriginMayCallTheApiWithItsToken() {
    String path = connections(AS_ADMIN);
    Answer preflight =
        grapple.callWith(
            "OPTIONS",
            path,
            Map.of(
                "Origin", "https://widget.example",
                "Access-Control-Request-Method", "GET",
                "Access-Control-Request-Headers", "authorization"));
    Answer call =
        grapple.callWith(
            "GET",
            path,
            Map.of("Origin", "https://widget.example", "Authorization", bearer(SECRET)));

    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("*");
    assertThat(preflight.header("Access-Control-Allow-Headers")).isEqualTo("authorization");
    assertThat(call.status()).isEqualTo(200);
    assertThat(call.header("Access-Control-Allow-Origin")).isEqualTo("*");
  }

  @Test
  void anotherMethodIs405WithAllow() {
    Answer a = grapple.call("POST", connections(AS_ADMIN), bearer(SECRET), "{}");

    assertRefused(a, 405, "HS_METHOD_NOT_ALLOWED");
    assertThat(a.header("Allow")).isEqualTo("GET");
  }

  @Test
  void concurrentPutsOfOneNameCreateItOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Answer>> futures = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Callable<Answer> put =
          () -> {
            go.await();
            return grapple.put(PUT_HOOK, hook("racy"));
          };
      futures.add(pool.submit(put));
    }

    go.countDown();
    List<Integer> statuses = new ArrayList<>();
    for (Future<Answer> f : futures) statuses.add(f.get().status());
    pool.shutdown();

    assertThat(statuses).containsOnly(200, 409);
    assertThat(statuses).filteredOn(s -> s == 200).hasSize(1);
    assertThat(grapple.get(connections(AS_ADMIN)).body().split("\"name\":\"racy\"", -1)).hasSize(2);
  }

  /**
   * Two patches of one connection at once, each of its own field: both are in effect afterwards.
   * Each was merged into the config read before the other was written, so one undid the other while
   * both callers were answered 200 with their change.
   */
  @Test
  void concurrentPatchesOfOneConnectionKeepEachOthersFields() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<String> lost = new ArrayList<>();
    try {
      for (int round = 0; round < 10; round++) {
        String id = createdId("patched-" + round);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Answer>> patches = new ArrayList<>();
        for (String patch : List.of("{\"waitForComplete\":true}", "{\"includeHookBody\":false}")) {
          Callable<Answer> call =
              () -> {
                go.await();
                return grapple.patch(one(id), patch);
              };
          patches.add(pool.submit(call));
        }
        go.countDown();
        for (Future<Answer> f : patches) assertThat(f.get().status()).isEqualTo(200);
        JsonNode config = grapple.get(one(id)).json().get("config");
        if (!config.has("waitForComplete") || !config.has("includeHookBody"))
          lost.add(config.toString());
      }
    } finally {
      pool.shutdown();
    }

    assertThat(lost).as("configs that lost a concurrent patch").isEmpty();
  }
}

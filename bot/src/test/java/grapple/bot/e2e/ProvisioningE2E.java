package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.e2e.WebhookPoster.Answer;
import grapple.testing.Await;
import grapple.testing.Homeserver;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code /v1} provisioning API of the real jar against Synapse (CONTRACT.md §5): the plain
 * secret, scoped API keys, and the room's membership and power levels behind each answer.
 *
 * <p>Room A holds alice (100), the bot (50), bob and dave (0, config admin); room B holds alice and
 * the bot. Both exist before the bot starts, so that an API key can be limited to room A.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvisioningE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final String HOOK = TestRoom.HOOK_EVENT_TYPE;
  private static final Duration SEEN_BY_BOT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .callTimeout(Duration.ofSeconds(30))
          .retryOnConnectionFailure(false)
          .build();
  private final WebhookPoster poster = new WebhookPoster();
  private Cast cast;
  private MatrixUser outsider;
  private GrappleProcess bot;
  private TestRoom roomA;
  private TestRoom roomB;
  private String secret;
  private String readToken;
  private String roomAToken;
  private String writeToken;

  @BeforeAll
  void startBotWithKeysForTwoRooms() {
    cast = Cast.require();
    outsider = Homeserver.require().register("erin_" + cast.runId());
    bot = watched.watch(GrappleProcess.prepare("provisioning", cast));
    roomA = TestRoom.open(cast.alice(), bot, cast.bob(), cast.dave());
    roomB = TestRoom.open(cast.alice(), bot);
    bot.launch(provisioningYaml());
    roomA.awaitBotJoined();
    roomB.awaitBotJoined();
    awaitApiKnowsRoom(roomA);
    awaitApiKnowsRoom(roomB);
  }

  private String provisioningYaml() {
    String run = cast.runId();
    secret = "secret-" + run + "-0123456789";
    readToken = "reader-" + run + "-0123456789";
    roomAToken = "room-a-" + run + "-0123456789";
    writeToken = "writer-" + run + "-0123456789";
    return """
        provisioning:
          secret: "%s"
          tokens:
            - {name: reader, token: "%s", scopes: ["connections:read"]}
            - {name: room-a, token: "%s", scopes: [admin], rooms: ["%s"]}
            - {name: writer, token: "%s", scopes: ["connections:write"]}
        """
        .formatted(secret, readToken, roomAToken, roomA.id, writeToken);
  }

  /** The bot joined on Synapse; wait until its own room state says so too. */
  private void awaitApiKnowsRoom(TestRoom room) {
    ApiAnswer last =
        awaitAnswer(secret, "GET", connections(room, cast.alice()), null, a -> a.code() == 200);
    assertThat(last.code())
        .as("GET connections of %s once the bot joined: %s", room.id, last)
        .isEqualTo(200);
  }

  // ---- 1. Create with the plain secret ----

  @Test
  void putWithTheSecretCreatesAWebhookThatOthersSeeAndThatPosts() throws IOException {
    MatrixUser bob = cast.bob();

    ApiAnswer created = putWebhook(secret, roomA, cast.alice(), "api-hook");

    assertThat(created.code()).as("PUT answer %s", created).isEqualTo(200);
    assertThat(created.json().path("type").asText()).isEqualTo("Webhook");
    assertThat(created.json().path("id").asText("")).as("id in %s", created).isNotBlank();
    assertThat(created.json().path("config").path("name").asText()).isEqualTo("api-hook");
    String url = created.json().path("secrets").path("url").asText("");
    assertThat(url).as("secrets.url in %s", created).startsWith(bot.urlPrefix());
    assertThat(bob.stateContent(roomA.id, HOOK, "api-hook"))
        .as("state api-hook as bob reads it")
        .contains(json("{\"name\":\"api-hook\"}"));

    long mark = bob.mark();
    Answer posted = poster.postJson(url, "{\"text\":\"via api\"}");

    assertThat(posted.code()).as("webhook answer, body %s", posted.body()).isEqualTo(202);
    Seen message =
        bob.awaitEvent(
            mark,
            roomA.id,
            "the message 'via api' from " + bot.userId,
            s -> s.isMessageFrom(bot.userId) && s.body().equals("via api"),
            MatrixUser.DEFAULT_TIMEOUT);
    assertThat(message.body()).isEqualTo("via api");
  }

  // ---- 2-4. Membership and power levels ----

  @Test
  void userWhoNeverJoinedIsNotInTheRoom() {
    ApiAnswer answer = call(secret, "GET", connections(roomA, outsider), null);

    assertError(answer, 403, "HS_NOT_IN_ROOM");
  }

  @Test
  void configAdminWithoutPowerLevelIsAForbiddenUser() {
    assertCreateRefused(secret, roomA, cast.dave(), "dave-api", "HS_FORBIDDEN_USER");
  }

  @Test
  void demotedBotIsAForbiddenBot() {
    MatrixUser alice = cast.alice();
    ApiAnswer existing = putWebhook(secret, roomB, alice, "b-existing");
    assertThat(existing.code())
        .as("PUT b-existing before the demotion: %s", existing)
        .isEqualTo(200);

    alice.setPowerLevel(roomB.id, bot.userId, 0);
    try {
      // A PUT of an existing name answers 409 until the bot has seen its demotion, and writes
      // nothing.
      ApiAnswer seen =
          awaitAnswer(
              secret,
              "PUT",
              connection(roomB, HOOK, alice),
              "{\"name\":\"b-existing\"}",
              a -> a.code() != 409);
      assertError(seen, 403, "HS_FORBIDDEN_BOT");

      assertCreateRefused(secret, roomB, alice, "b-new", "HS_FORBIDDEN_BOT");
    } finally {
      alice.setPowerLevel(roomB.id, bot.userId, TestRoom.BOT_POWER_LEVEL);
    }
  }

  // ---- 5-6. Hand-edited state and removal ----

  @Test
  void stateWrittenByHandIsListedWithItsAuthor() {
    MatrixUser alice = cast.alice();

    alice.putState(roomA.id, HOOK, "hand-api", json("{\"name\":\"hand-api\"}"));

    ApiAnswer list =
        awaitAnswer(
            secret,
            "GET",
            connections(roomA, alice),
            null,
            a -> a.code() == 200 && byName(a.json(), "hand-api").isPresent());
    JsonNode found =
        byName(list.json(), "hand-api")
            .orElseThrow(
                () ->
                    new AssertionError(
                        "hand-api not listed within "
                            + SEEN_BY_BOT_TIMEOUT.toSeconds()
                            + " s: "
                            + list));
    assertThat(found.path("createdBy").asText())
        .as("createdBy in %s", found)
        .isEqualTo(alice.userId);
  }

  @Test
  void deleteEmptiesTheStateAndForgetsTheId() {
    MatrixUser alice = cast.alice();
    ApiAnswer created = putWebhook(secret, roomA, alice, "doomed");
    assertThat(created.code()).as("PUT doomed: %s", created).isEqualTo(200);
    String id = created.json().path("id").asText();

    ApiAnswer deleted = call(secret, "DELETE", connection(roomA, id, alice), null);

    assertThat(deleted.code()).as("DELETE answer %s", deleted).isEqualTo(200);
    assertThat(deleted.json()).isEqualTo(json("{\"ok\":true}"));
    assertThat(alice.stateContent(roomA.id, HOOK, "doomed"))
        .as("state doomed")
        .contains(json("{}"));
    assertError(call(secret, "GET", connection(roomA, id, alice), null), 404, "HS_NOTFOUND");
  }

  // ---- 7-9. Scoped API keys ----

  @Test
  void readKeyMayListButNotCreate() {
    ApiAnswer list = call(readToken, "GET", connections(roomA, cast.alice()), null);

    assertThat(list.code()).as("GET with the read key: %s", list).isEqualTo(200);
    assertCreateRefused(readToken, roomA, cast.alice(), "read-api", "HS_FORBIDDEN_TOKEN");
  }

  @Test
  void keyLimitedToRoomAIsRefusedInRoomB() {
    ApiAnswer inA = call(roomAToken, "GET", connections(roomA, cast.alice()), null);
    ApiAnswer inB = call(roomAToken, "GET", connections(roomB, cast.alice()), null);

    assertThat(inA.code()).as("GET in room A: %s", inA).isEqualTo(200);
    assertError(inB, 403, "HS_FORBIDDEN_TOKEN");
  }

  @Test
  void writeKeyCreatesWithALocationThatNamesTheKey() {
    MatrixUser alice = cast.alice();

    ApiAnswer created = putWebhook(writeToken, roomA, alice, "by-key");

    assertThat(created.code()).as("PUT with the write key: %s", created).isEqualTo(201);
    assertThat(created.location()).as("Location of %s", created).isNotNull();
    // The write key lacks connections:read, so the location is read with the secret.
    ApiAnswer read =
        call(secret, "GET", created.location() + "?userId=" + encode(alice.userId), null);
    assertThat(read.code()).as("GET %s: %s", created.location(), read).isEqualTo(200);
    assertThat(read.json().path("id").asText()).isEqualTo(created.json().path("id").asText());
    assertThat(read.json().path("createdByKey").asText())
        .as("createdByKey in %s", read)
        .isEqualTo("writer");
  }

  // ---- 10. Health and authentication ----

  @Test
  void healthAnswersAnEmptyObject() {
    ApiAnswer answer = call(secret, "GET", "/v1/health", null);

    assertThat(answer.code()).as("health: %s", answer).isEqualTo(200);
    assertThat(answer.json()).isEqualTo(json("{}"));
  }

  @Test
  void wrongTokenIsABadToken() {
    ApiAnswer answer = call("not-the-secret-" + cast.runId(), "GET", "/v1/health", null);

    assertError(answer, 401, "HS_BAD_TOKEN");
  }

  // ---- Calling the API ----

  /** One answer of the API: status, body (parsed when it is JSON) and Location header. */
  record ApiAnswer(int code, String body, String location) {
    JsonNode json() {
      try {
        return MatrixUser.JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("API answer is not JSON: " + this, e);
      }
    }
  }

  private static String connections(TestRoom room, MatrixUser user) {
    return "/v1/" + encode(room.id) + "/connections?userId=" + encode(user.userId);
  }

  private static String connection(TestRoom room, String idOrEventType, MatrixUser user) {
    return "/v1/"
        + encode(room.id)
        + "/connections/"
        + encode(idOrEventType)
        + "?userId="
        + encode(user.userId);
  }

  /**
   * Room and user ids go into URLs percent-encoded: {@code !} as %21, {@code :} as %3A, {@code @}
   * as %40.
   */
  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private ApiAnswer call(String token, String method, String pathAndQuery, String body) {
    RequestBody requestBody =
        body == null ? null : RequestBody.create(body.getBytes(StandardCharsets.UTF_8), JSON_TYPE);
    Request request =
        new Request.Builder()
            .url(bot.provisioningUrl() + pathAndQuery)
            .header("Authorization", "Bearer " + token)
            .method(method, requestBody)
            .build();
    try (Response response = http.newCall(request).execute()) {
      return new ApiAnswer(response.code(), response.body().string(), response.header("Location"));
    } catch (IOException e) {
      throw new AssertionError(method + " " + pathAndQuery + " failed", e);
    }
  }

  /** Repeats the call until the answer matches or 10 s pass, and returns the last answer. */
  private ApiAnswer awaitAnswer(
      String token, String method, String pathAndQuery, String body, Predicate<ApiAnswer> done) {
    long deadline = System.nanoTime() + SEEN_BY_BOT_TIMEOUT.toNanos();
    ApiAnswer last = call(token, method, pathAndQuery, body);
    while (!done.test(last) && System.nanoTime() < deadline) {
      Await.pause(POLL_INTERVAL);
      last = call(token, method, pathAndQuery, body);
    }
    return last;
  }

  /** A PUT of webhook {@code name} in {@code room} for {@code user}, with {@code token}. */
  private ApiAnswer putWebhook(String token, TestRoom room, MatrixUser user, String name) {
    return call(token, "PUT", connection(room, HOOK, user), "{\"name\":\"" + name + "\"}");
  }

  /**
   * A PUT of webhook {@code name} in {@code room} for {@code user}, with {@code token}, is refused
   * with 403 and {@code errcode}, and writes no state.
   */
  private void assertCreateRefused(
      String token, TestRoom room, MatrixUser user, String name, String errcode) {
    ApiAnswer answer = putWebhook(token, room, user, name);

    assertError(answer, 403, errcode);
    assertThat(cast.alice().stateContent(room.id, HOOK, name)).as("state %s", name).isEmpty();
  }

  private static void assertError(ApiAnswer answer, int status, String errcode) {
    assertThat(answer.code()).as("status of %s", answer).isEqualTo(status);
    assertThat(answer.json().path("errcode").asText())
        .as("errcode in %s", answer)
        .isEqualTo(errcode);
    assertThat(answer.json().path("error").asText("")).as("error in %s", answer).isNotBlank();
  }

  private static Optional<JsonNode> byName(JsonNode list, String name) {
    for (JsonNode c : list) {
      if (c.path("config").path("name").asText().equals(name)) return Optional.of(c);
    }
    return Optional.empty();
  }

  private static JsonNode json(String text) {
    return WebhookE2E.json(text);
  }
}

package grapple.bot.rpc;

import static grapple.bot.LocalMode.ADMIN;
import static grapple.bot.LocalMode.ELSEWHERE;
import static grapple.bot.LocalMode.READER;
import static grapple.bot.LocalMode.ROOM;
import static grapple.bot.LocalMode.ROOM_PATH;
import static grapple.bot.LocalMode.SECRET;
import static grapple.bot.LocalMode.WEBHOOK;
import static grapple.bot.LocalMode.WRITER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.outbox.Backlog;
import grapple.bot.outbox.Outbox;
import grapple.bot.provisioning.Caller;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Migrations;
import grapple.state.OutboxStore;
import grapple.testing.Await;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code POST /_admin/api} (CONTRACT §14) over real sockets against Grapple in local mode: the
 * request and response shapes, every error, and each method answering as {@code /v1} does.
 */
class JsonRpcTest {
  private static final String AS_ADMIN = "?userId=%40console%3Alocalhost";
  private static final String BOB = "@bob:localhost";
  private static final String AS_BOB = "?userId=%40bob%3Alocalhost";

  @TempDir static Path dir;
  @AutoClose private static LocalRpc grapple;

  @BeforeAll
  static void start() throws Exception {
    grapple = LocalRpc.start(dir);
    // bob is joined with the room's default power level (0): he may read, not manage connections.
    grapple.console.type("/state m.room.member " + BOB + " {\"membership\":\"join\"}");
    Await.until(
        Duration.ofSeconds(10),
        () -> !grapple.rpc(SECRET, "get_connections", inRoomAs(BOB, "")).get("result").isNull());
  }

  private static String hookArgs(String name) {
    return "{\"roomid\":\""
        + ROOM
        + "\",\"type\":\"Webhook\",\"config\":{\"name\":\""
        + name
        + "\"},\"userid\":\""
        + ADMIN
        + "\"}";
  }

  private static String inRoom(String more) {
    return "{\"roomid\":\"" + ROOM + "\",\"userid\":\"" + ADMIN + "\"" + more + "}";
  }

  private static String inRoomAs(String userId, String more) {
    return "{\"roomid\":\"" + ROOM + "\",\"userid\":\"" + userId + "\"" + more + "}";
  }

  /** Calls {@code /v1/<room>/connections<suffix>} with {@code key} as the bearer token. */
  private static LocalRpc.Answer v1(String method, String suffix, String key, String body) {
    return grapple.send(
        method, "/v1/" + ROOM_PATH + "/connections" + suffix, "Bearer " + key, body);
  }

  /** Asserts that /v1 answered {@code status} with the very error the RPC call gave. */
  private static void assertSameErrorAsV1(JsonNode rpc, LocalRpc.Answer v1, int status) {
    assertThat(v1.status()).isEqualTo(status);
    assertThat(error(rpc)).isEqualTo(v1.json().get("error").asText());
  }

  /** Creates a webhook named {@code name} through RPC and returns its connection id. */
  private static String createHook(String name) {
    return grapple
        .rpc(WRITER, "create_connection", hookArgs(name))
        .get("result")
        .get("id")
        .asText();
  }

  /**
   * The answers to updating (waitForComplete) and then deleting connection {@code id} as {@code
   * userId}.
   */
  private static List<JsonNode> updateAndDeleteAs(String userId, String id) {
    String one = ",\"connectionid\":\"" + id + "\"";
    return List.of(
        grapple.rpc(
            WRITER,
            "update_connection",
            inRoomAs(userId, one + ",\"config\":{\"waitForComplete\":true}")),
        grapple.rpc(WRITER, "delete_connection", inRoomAs(userId, one)));
  }

  private static String error(JsonNode answer) {
    return answer.path("error").asText(null);
  }

  // The shapes.

  @Test
  void getHealthAnswersIdResultAndNullError() {
    JsonNode a = grapple.rpc(SECRET, "get_health", "{}");

    assertThat(a.toString()).isEqualTo("{\"id\":1,\"result\":{},\"error\":null}");
  }

  @Test
  void theIdIsEchoedWhateverItsType() throws Exception {
    for (String id : List.of("\"abc\"", "7.5", "{\"a\":[1]}", "[1,2]", "true", "null")) {
      String body = "{\"id\":" + id + ",\"api_key\":\"" + SECRET + "\",\"method\":\"get_health\"}";

      LocalRpc.Answer a = grapple.post(body);

      assertThat(a.status()).isEqualTo(200);
      assertThat(a.json().get("id")).isEqualTo(Json.MAPPER.readTree(id));
    }
  }

  @Test
  void aFractionalIdIsEchoedAsTheNumberItWas() throws Exception {
    for (String id : List.of("1e400", "0.1000000000000000000001", "-2.5e-7")) {
      String body = "{\"id\":" + id + ",\"api_key\":\"" + SECRET + "\",\"method\":\"get_health\"}";

      LocalRpc.Answer a = grapple.post(body);

      JsonNode echoed =
          Json.MAPPER
              .reader()
              .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
              .readTree(a.body())
              .get("id");
      assertThat(echoed.isNumber()).as(id + " in " + a.body()).isTrue();
      assertThat(echoed.decimalValue()).as(id).isEqualByComparingTo(new BigDecimal(id));
    }
  }

  /**
   * An exponent no number type holds is still JSON: the call is answered (HTTP 200, never a 500),
   * and a fractional id is echoed as written.
   */
  @Test
  void anExponentNoNumberHoldsIsAnsweredWithTheIdAsWritten() {
    String key = "\"api_key\":\"" + SECRET + "\"";
    LocalRpc.Answer inId =
        grapple.post("{\"id\":1e9999999999," + key + ",\"method\":\"get_health\"}");
    LocalRpc.Answer inArg =
        grapple.post(
            "{\"id\":-0.50,"
                + key
                + ",\"method\":\"get_outbox\",\"args\":{\"roomid\":1e9999999999}}");

    assertThat(inId.status()).isEqualTo(200);
    assertThat(inId.body()).isEqualTo("{\"id\":1e9999999999,\"result\":{},\"error\":null}");
    assertThat(inArg.status()).isEqualTo(200);
    assertThat(inArg.body())
        .startsWith("{\"id\":-0.50,\"result\":null,\"error\":\"`roomid` must be a string, was");
  }

  /** Numbers inside an object or array id are echoed as written too, its strings as they were. */
  @Test
  void anIdOfObjectsAndArraysIsEchoedWithItsNumbersAsWritten() throws Exception {
    String id =
        "{\"n\":[0.1000000000000000000001,1e400,-2.50,1e9999999999],\"s\":\"\\u00e9\\\"\","
            + "\"i\":123456789012345678901234567890}";

    LocalRpc.Answer a =
        grapple.post(
            "{\"id\":" + id + ",\"api_key\":\"" + SECRET + "\",\"method\":\"get_health\"}");

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body())
        .startsWith("{\"id\":{\"n\":[0.1000000000000000000001,1e400,-2.50,1e9999999999],\"s\":");
    JsonNode echoed = Json.MAPPER.readTree(a.body()).get("id");
    assertThat(echoed.get("s").asText()).isEqualTo("\u00e9\"");
    assertThat(echoed.get("i").bigIntegerValue())
        .isEqualTo(new java.math.BigInteger("123456789012345678901234567890"));
    assertThat(a.json().get("error").isNull()).isTrue();
  }

  /** A key pasted with its line break (or spaces around it) is the key, as in a Bearer header. */
  @Test
  void whitespaceAroundTheKeyIsNotPartOfIt() {
    JsonNode pasted = grapple.rpc(SECRET + "\n", "get_health", "{}");
    JsonNode spaced = grapple.rpc(" \t" + READER + " ", "get_rooms", "{}");

    assertThat(error(pasted)).isNull();
    assertThat(error(spaced)).isNull();
    assertThat(error(grapple.rpc(" \n", "get_health", "{}")))
        .isEqualTo("Missing `api_key` in JSON DATA.");
  }

  /** A key sent as a JSON number may be the key: the error names its type, never its value. */
  @Test
  void aKeyThatIsNoStringIsNamedByItsTypeNotEchoed() {
    LocalRpc.Answer a =
        grapple.post("{\"id\":1,\"api_key\":31415926535897932,\"method\":\"get_health\"}");

    assertThat(error(a.json()))
        .isEqualTo("`api_key` must be a string (the key in double quotes), was a number.");
    assertThat(a.body()).doesNotContain("31415926535897932");
  }

  @Test
  void aKeyWithoutItsQuotesIsNotEchoedInTheError() {
    String key = "sekretkey0123456789";

    LocalRpc.Answer a =
        grapple.post("{\"id\":1,\"api_key\":" + key + ",\"method\":\"get_health\"}");

    assertThat(error(a.json()))
        .startsWith(
            "The request is not valid JSON: Unrecognized token (a bare word: a string needs double"
                + " quotes): was expecting");
    assertThat(a.body()).doesNotContain(key);
  }

  @Test
  void errorsAreHttp200WithANullResultAndTheIdEchoed() {
    LocalRpc.Answer a =
        grapple.post("{\"id\":\"x9\",\"api_key\":\"" + SECRET + "\",\"method\":\"get_rom\"}");

    assertThat(a.status()).isEqualTo(200);
    List<String> keys = new ArrayList<>();
    a.json().fieldNames().forEachRemaining(keys::add);
    assertThat(keys).containsExactly("id", "result", "error");
    assertThat(a.json().get("id").asText()).isEqualTo("x9");
    assertThat(a.json().get("result").isNull()).isTrue();
  }

  // Each error in words.

  @Test
  void aBodyThatIsNotJsonSaysSo() {
    LocalRpc.Answer a = grapple.post("{\"id\": 1, \"method\": ");

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get("id").isNull()).isTrue();
    assertThat(error(a.json())).startsWith("The request is not valid JSON");
  }

  @Test
  void aMissingMethodSaysSo() {
    LocalRpc.Answer a = grapple.post("{\"id\":2,\"api_key\":\"" + SECRET + "\"}");

    assertThat(a.json().get("id").asInt()).isEqualTo(2);
    assertThat(error(a.json()))
        .isEqualTo("Missing `method` in JSON DATA (get_methods lists them).");
  }

  /**
   * A number in an arg too large for a double is refused, naming where it is: read as one, {@code
   * 1e400} was stored in the connection's config as the string "Infinity".
   */
  @Test
  void aNumberTooLargeForADoubleIsRefusedNamingItsArg() {
    String args = hookArgs("huge").replace("\"name\":\"huge\"", "\"name\":\"huge\",\"n\":[1e400]");

    JsonNode answer =
        grapple
            .post(
                "{\"id\":1,\"api_key\":\""
                    + WRITER
                    + "\",\"method\":\"create_connection\",\"args\":"
                    + args
                    + "}")
            .json();

    assertThat(error(answer)).startsWith("`config.n[0]` is a number too large for a double");
    assertThat(answer.get("result").isNull()).isTrue();
    assertThat(Json.write(grapple.rpc(WRITER, "get_connections", inRoom("")).get("result")))
        .doesNotContain("huge");
  }

  /** Each body the endpoint refuses, with the error it answers in words. */
  static Stream<Arguments> refusedBodies() {
    return Stream.of(
        Arguments.of(
            "[1, 2]",
            "The request must be a JSON object: {\"id\", \"api_key\", \"method\", \"args\"}."),
        Arguments.of(
            "{\"id\":3,\"api_key\":\"" + SECRET + "\",\"method\":\"get_health\",\"args\":[1]}",
            "`args` must be a JSON object of name: value, was an array [1]."),
        Arguments.of("{\"id\":4,\"method\":\"get_health\"}", "Missing `api_key` in JSON DATA."));
  }

  @ParameterizedTest
  @MethodSource("refusedBodies")
  void aRefusedBodyIsAnsweredWithTheErrorInWords(String body, String error) {
    LocalRpc.Answer a = grapple.post(body);

    assertThat(error(a.json())).isEqualTo(error);
  }

  /**
   * A member beside id, api_key, method and args is refused, naming it: a JSON-RPC 2.0 {@code
   * params} (or a misspelt {@code arg}) read as no args would retry every room's refused messages,
   * not the one room given. A caller without a valid key hears only that.
   */
  @Test
  void aMemberOtherThanTheFourIsRefusedNotIgnored() {
    String key = "\"api_key\":\"" + SECRET + "\"";
    LocalRpc.Answer params =
        grapple.post(
            "{\"id\":8,"
                + key
                + ",\"method\":\"retry_failed\",\"params\":{\"roomid\":\""
                + ROOM
                + "\"}}");
    LocalRpc.Answer misspelt =
        grapple.post(
            "{\"id\":9,"
                + key
                + ",\"method\":\"get_outbox\",\"arg\":{\"roomid\":\""
                + ROOM
                + "\"}}");
    LocalRpc.Answer stranger =
        grapple.post(
            "{\"id\":10,\"api_key\":\"not-a-key-0123456789\",\"method\":\"get_outbox\","
                + "\"params\":{}}");

    assertThat(error(params.json()))
        .isEqualTo(
            "unknown member `params` in the request (known: id, api_key, method, args; the args go"
                + " in `args`)");
    assertThat(params.json().get("result").isNull()).isTrue();
    assertThat(error(misspelt.json()))
        .isEqualTo("unknown member `arg` in the request (known: id, api_key, method, args)");
    assertThat(error(stranger.json())).isEqualTo("Invalid API key");
  }

  /**
   * A name given twice is refused, not settled by whichever Jackson kept (the last). The request
   * reads, so the answer carries its id (it was null, as if the id could not be read), unless the
   * id itself is given twice.
   */
  @ParameterizedTest
  @MethodSource("twiceNamed")
  void aNameGivenTwiceIsRefusedNamingIt(String body, String name, String id) throws Exception {
    LocalRpc.Answer a = grapple.post(body);

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get("id")).isEqualTo(Json.MAPPER.readTree(id));
    assertThat(a.json().get("result").isNull()).isTrue();
    assertThat(error(a.json()))
        .startsWith("The request is not valid JSON: Duplicate field '" + name + "'");
  }

  static Stream<Arguments> twiceNamed() {
    String key = "\"api_key\":\"" + SECRET + "\"";
    return Stream.of(
        Arguments.of(
            "{\"id\":5," + key + ",\"method\":\"get_health\",\"method\":\"get_outbox\"}",
            "method",
            "5"),
        Arguments.of(
            "{\"id\":6,\"api_key\":\"x\"," + key + ",\"method\":\"get_health\"}", "api_key", "6"),
        Arguments.of(
            "{\"id\":7,"
                + key
                + ",\"method\":\"get_room\",\"args\":{\"roomid\":\"!a:b\",\"roomid\":\"!c:d\"}}",
            "roomid",
            "7"),
        Arguments.of(
            "{\"id\":7.50," + key + ",\"method\":\"get_room\",\"args\":{\"id\":1,\"id\":2}}",
            "id",
            "7.50"),
        Arguments.of("{\"id\":8," + key + ",\"method\":\"get_health\",\"id\":9}", "id", "null"));
  }

  /** Each call refused: the key, the method and its args, and the error in words. */
  static Stream<Arguments> refusedCalls() {
    return Stream.of(
        Arguments.of(SECRET, "get_rom", "{}", "unknown method 'get_rom' (did you mean get_room?)"),
        Arguments.of(
            SECRET,
            "launch_rockets",
            "{}",
            "unknown method 'launch_rockets' (get_methods lists them)"),
        Arguments.of(SECRET, "get_room", "{}", "Missing non optional `roomid` arg in JSON DATA"),
        Arguments.of(
            SECRET,
            "get_room",
            "{\"roomid\": 12, \"userid\": \"@a:b\"}",
            "`roomid` must be a string, was a number 12."),
        Arguments.of(
            WRITER,
            "create_connection",
            hookArgs("x").replace("{\"name\":\"x\"}", "\"name\""),
            "`config` must be an object, was a string \"name\"."),
        Arguments.of(
            SECRET,
            "get_health",
            "{\"verbose\": true}",
            "unknown arg `verbose` for get_health (known: none)"),
        Arguments.of("not-a-key-0123456789", "get_health", "{}", "Invalid API key"),
        Arguments.of(
            READER,
            "create_connection",
            hookArgs("unread"),
            "API key lacks scope connections:write"),
        Arguments.of(READER, "get_outbox", "{}", "API key lacks scope admin"),
        Arguments.of(
            SECRET,
            "get_outbox",
            "{\"roomid\":\"lobby\"}",
            "`roomid` must look like !opaque:server.name, was 'lobby'."),
        Arguments.of(
            SECRET,
            "retry_failed",
            "{\"roomid\":\"lobby\"}",
            "`roomid` must look like !opaque:server.name, was 'lobby'."),
        // /v1's bad values, in JSON-RPC's words (its arg names, no URL advice)
        Arguments.of(
            SECRET,
            "get_connections",
            "{\"roomid\":\"lobby\",\"userid\":\"" + ADMIN + "\"}",
            "`roomid` must look like !opaque:server.name, was 'lobby'."),
        Arguments.of(
            SECRET,
            "get_connections",
            "{\"roomid\":\"" + ROOM + "\",\"userid\":\"\"}",
            "`userid` is required: the Matrix user the call is made for, @user:server."),
        Arguments.of(
            SECRET,
            "get_room",
            "{\"roomid\":\"" + ROOM + "\",\"userid\":\"bob\"}",
            "`userid` must look like @user:server.name (255 characters at most), was 'bob'."),
        // as /v1's not found
        Arguments.of(
            WRITER,
            "create_connection",
            hookArgs("x").replace("Webhook", "Hook"),
            "Unknown connection type 'Hook'."));
  }

  @ParameterizedTest
  @MethodSource("refusedCalls")
  void aRefusedCallHasANullResultAndTheErrorInWords(
      String key, String method, String args, String error) {
    JsonNode a = grapple.rpc(key, method, args);

    assertThat(error(a)).isEqualTo(error);
    assertThat(a.get("result").isNull()).isTrue();
  }

  // Same checks and errors as /v1.

  @Test
  void aKeyLimitedToOtherRoomsGetsTheSameErrorAsOnV1() {
    JsonNode a = grapple.rpc(ELSEWHERE, "get_connections", inRoom(""));
    LocalRpc.Answer v1 = v1("GET", AS_ADMIN, ELSEWHERE, null);

    assertSameErrorAsV1(a, v1, 403);
    assertThat(error(a)).contains("may not be used for room " + ROOM);
  }

  @Test
  void aUserNotInTheRoomGetsTheSameErrorAsOnV1() {
    JsonNode a =
        grapple.rpc(
            SECRET,
            "get_connections",
            "{\"roomid\":\"" + ROOM + "\",\"userid\":\"@stranger:localhost\"}");
    LocalRpc.Answer v1 = v1("GET", "?userId=%40stranger%3Alocalhost", SECRET, null);

    assertSameErrorAsV1(a, v1, 403);
    assertThat(error(a)).isEqualTo("@stranger:localhost is not joined to " + ROOM + ".");
  }

  @Test
  void aUserWithoutThePowerLevelCannotCreateAsOnV1() {
    JsonNode a = grapple.rpc(WRITER, "create_connection", hookArgs("bobs").replace(ADMIN, BOB));
    LocalRpc.Answer v1 = v1("PUT", "/" + WEBHOOK + AS_BOB, WRITER, "{\"name\":\"bobs\"}");

    assertSameErrorAsV1(a, v1, 403);
  }

  @Test
  void aUserWithoutThePowerLevelCannotUpdateOrDeleteAsOnV1() {
    String id = createHook("not-bobs");
    String one = ",\"connectionid\":\"" + id + "\"";

    List<JsonNode> updateAndDelete = updateAndDeleteAs(BOB, id);
    LocalRpc.Answer v1Update = v1("PATCH", "/" + id + AS_BOB, WRITER, "{\"waitForComplete\":true}");
    LocalRpc.Answer v1Delete = v1("DELETE", "/" + id + AS_BOB, WRITER, null);

    assertSameErrorAsV1(updateAndDelete.get(0), v1Update, 403);
    assertSameErrorAsV1(updateAndDelete.get(1), v1Delete, 403);
    assertThat(grapple.rpc(READER, "get_connection", inRoom(one)).get("result").isObject())
        .isTrue();
  }

  @Test
  void aUserNotInTheRoomCannotUpdateOrDeleteAsOnV1() {
    String id = createHook("strangers");

    List<JsonNode> updateAndDelete = updateAndDeleteAs("@stranger:localhost", id);

    assertThat(updateAndDelete)
        .extracting(JsonRpcTest::error)
        .containsExactly(
            "@stranger:localhost is not joined to " + ROOM + ".",
            "@stranger:localhost is not joined to " + ROOM + ".");
  }

  @Test
  void aMemberWithoutThePowerLevelMayReadAsOnV1() {
    JsonNode rpc = grapple.rpc(READER, "get_connections", inRoomAs(BOB, ""));
    LocalRpc.Answer v1 = v1("GET", AS_BOB, READER, null);

    assertThat(v1.status()).isEqualTo(200);
    assertThat(error(rpc)).isNull();
    assertThat(rpc.get("result")).isEqualTo(v1.json());
  }

  /**
   * /v1 refuses a read without userId (400, hookshot's rule), so the read methods need userid too
   * (CONTRACT §14's signatures leave it out; the lead decides which gives way).
   */
  @Test
  void readMethodsNeedTheUserAsV1Does() {
    String noUser = "{\"roomid\":\"" + ROOM + "\"}";
    LocalRpc.Answer v1 = v1("GET", "", READER, null);

    assertThat(v1.status()).isEqualTo(400);
    assertThat(error(grapple.rpc(READER, "get_connections", noUser)))
        .isEqualTo("Missing non optional `userid` arg in JSON DATA");
    assertThat(error(grapple.rpc(READER, "get_room", noUser)))
        .isEqualTo("Missing non optional `userid` arg in JSON DATA");
  }

  @Test
  void creatingTheSameConnectionTwiceIsTheV1Conflict() {
    grapple.rpc(WRITER, "create_connection", hookArgs("twice"));

    JsonNode again = grapple.rpc(WRITER, "create_connection", hookArgs("twice"));
    LocalRpc.Answer v1 = v1("PUT", "/" + WEBHOOK + AS_ADMIN, WRITER, "{\"name\":\"twice\"}");

    assertSameErrorAsV1(again, v1, 409);
  }

  @Test
  void anInvalidConfigNamesTheField() {
    JsonNode a = grapple.rpc(WRITER, "create_connection", hookArgs("x").replace("\"x\"", "\"\""));

    assertThat(error(a)).contains("name");
    assertThat(a.get("result").isNull()).isTrue();
  }

  // The methods.

  @Test
  void createGetUpdateAndDeleteAConnectionWithTheAuditOfV1() {
    JsonNode created =
        grapple.rpc(WRITER, "create_connection", hookArgs("lifecycle")).get("result");
    String id = created.get("id").asText();
    String one = ",\"connectionid\":\"" + id + "\"";

    JsonNode got = grapple.rpc(READER, "get_connection", inRoom(one)).get("result");
    JsonNode updated =
        grapple
            .rpc(
                WRITER, "update_connection", inRoom(one + ",\"config\":{\"waitForComplete\":true}"))
            .get("result");
    JsonNode deleted = grapple.rpc(WRITER, "delete_connection", inRoom(one));
    JsonNode gone = grapple.rpc(READER, "get_connection", inRoom(one));

    assertThat(created.get("eventType").asText()).isEqualTo(WEBHOOK);
    assertThat(created.get("createdBy").asText()).isEqualTo(ADMIN);
    assertThat(created.get("createdByKey").asText()).isEqualTo("writer");
    assertThat(created.get("secrets").get("url").asText()).contains("/webhook/");
    assertThat(got.get("config")).isEqualTo(created.get("config"));
    assertThat(got.has("secrets")).isFalse();
    assertThat(updated.get("config").toString())
        .isEqualTo("{\"name\":\"lifecycle\",\"waitForComplete\":true}");
    assertThat(updated.get("updatedByKey").asText()).isEqualTo("writer");
    assertThat(updated.get("updatedBy").asText()).isEqualTo(ADMIN);
    assertThat(deleted.get("result").toString()).isEqualTo("{\"ok\":true}");
    assertThat(error(gone)).isEqualTo("No connection '" + id + "' in " + ROOM + ".");
  }

  @Test
  void getConnectionsIsWhatV1Lists() {
    grapple.rpc(WRITER, "create_connection", hookArgs("listed"));

    JsonNode rpc = grapple.rpc(READER, "get_connections", inRoom("")).get("result");
    JsonNode v1 = v1("GET", AS_ADMIN, READER, null).json();

    assertThat(rpc).isEqualTo(v1);
    assertThat(rpc.toString()).contains("\"listed\"");
  }

  @Test
  void getConnectionsFiltersByType() {
    grapple.rpc(WRITER, "create_connection", hookArgs("typed"));

    JsonNode hooks =
        grapple.rpc(READER, "get_connections", inRoom(",\"type\":\"webhook\"")).get("result");
    JsonNode feeds =
        grapple.rpc(READER, "get_connections", inRoom(",\"type\":\"Feed\"")).get("result");

    assertThat(hooks.size()).isGreaterThan(0);
    hooks.forEach(h -> assertThat(h.get("type").asText()).isEqualTo("Webhook"));
    assertThat(feeds.size()).isZero();
  }

  /**
   * A type filter that names no connection type is an error naming `type` and the types, not an
   * empty list (which read as "no such connections" for a typo like Feeds); a legacy event type
   * filters as its type.
   */
  @Test
  void getConnectionsWithAnUnknownTypeSaysSoAndALegacyEventTypeFilters() {
    grapple.rpc(WRITER, "create_connection", hookArgs("legacy-typed"));

    JsonNode typo = grapple.rpc(READER, "get_connections", inRoom(",\"type\":\"Feeds\""));
    JsonNode legacy =
        grapple.rpc(
            READER,
            "get_connections",
            inRoom(",\"type\":\"uk.half-shot.matrix-github.generic.hook\""));

    assertThat(typo.get("result").isNull()).isTrue();
    assertThat(error(typo))
        .isEqualTo(
            "`type` must be a connection type or its state event type (Feed, Webhook), was"
                + " 'Feeds'.");
    assertThat(legacy.get("result").size()).isGreaterThan(0);
    legacy.get("result").forEach(h -> assertThat(h.get("type").asText()).isEqualTo("Webhook"));
  }

  @Test
  void getRoomsListsTheConsoleRoomWithItsConnectionCount() {
    JsonNode rooms = grapple.rpc(READER, "get_rooms", "{}").get("result");

    assertThat(rooms.get(0).get("roomId").asText()).isEqualTo(ROOM);
    assertThat(rooms.get(0).get("connections").isInt()).isTrue();
  }

  @Test
  void getRoomsShowsAKeyOnlyItsRooms() {
    JsonNode rooms = grapple.rpc(ELSEWHERE, "get_rooms", "{}").get("result");

    assertThat(rooms.size()).isZero();
  }

  @Test
  void getRoomShowsTheRoomAndItsConnections() {
    JsonNode room = grapple.rpc(READER, "get_room", inRoom("")).get("result");

    assertThat(room.get("roomId").asText()).isEqualTo(ROOM);
    assertThat(room.get("connections").isArray()).isTrue();
  }

  @Test
  void getConnectionTypesIsV1sConnectionTypes() {
    JsonNode rpc = grapple.rpc(READER, "get_connection_types", "{}").get("result");
    JsonNode v1 = grapple.send("GET", "/v1/connectiontypes", "Bearer " + READER, null).json();

    assertThat(rpc).isEqualTo(v1);
  }

  @Test
  void getOutboxShowsTheBacklogAndNoRefusals() {
    JsonNode outbox = grapple.rpc(SECRET, "get_outbox", "{}").get("result");

    assertThat(outbox.get("backlog").isInt()).isTrue();
    assertThat(outbox.get("failed").isArray()).isTrue();
  }

  @Test
  void getOutboxCountsTheQueuedMessagesInTheDatabaseOnAnInstanceThatDoesNotLead(@TempDir Path own)
      throws Exception {
    try (Database db = Database.open(own.resolve("outbox.db"), Migrations.core())) {
      OutboxStore store = new OutboxStore(db);
      store.enqueue(new OutboxStore.Draft("!r:x", "m.room.message", Json.object())).join();
      store.enqueue(new OutboxStore.Draft("!r:x", "m.room.message", Json.object())).join();
      RpcMethod getOutbox = getOutbox(db, store);

      JsonNode answer =
          getOutbox
              .handler()
              .call(
                  new RpcCall(
                      new Caller("ops", Set.of(Caller.ADMIN), List.of()),
                      Map.of("roomid", Json.MAPPER.nullNode())));

      assertThat(answer.get("backlog").asInt()).isEqualTo(2);
    }
  }

  /**
   * {@code get_outbox} over an outbox whose worker never started: this instance does not lead, its
   * worker holds nothing, so what it counts comes from the database.
   */
  private static RpcMethod getOutbox(Database db, OutboxStore store) {
    Outbox outbox = new Outbox(store, null, 1, Duration.ofSeconds(1));
    return new CoreMethods(null, outbox, null, new Backlog(db))
        .table().stream().filter(m -> m.name().equals("get_outbox")).findFirst().orElseThrow();
  }

  /** The backlog of a call for one room (or by a key limited to rooms) counts those rooms'. */
  @Test
  void getOutboxCountsTheBacklogOfTheRoomsItIsAskedFor(@TempDir Path own) throws Exception {
    try (Database db = Database.open(own.resolve("outbox.db"), Migrations.core())) {
      OutboxStore store = new OutboxStore(db);
      for (String room : List.of("!r:x.org", "!r:x.org", "!s:x.org"))
        store.enqueue(new OutboxStore.Draft(room, "m.room.message", Json.object())).join();
      RpcMethod getOutbox = getOutbox(db, store);
      Caller ops = new Caller("ops", Set.of(Caller.ADMIN), List.of());
      Caller onlyR = new Caller("r-ops", Set.of(Caller.ADMIN), List.of("!r:x.org"));
      JsonNode everywhere = Json.MAPPER.nullNode();

      JsonNode s =
          getOutbox
              .handler()
              .call(new RpcCall(ops, Map.of("roomid", Json.MAPPER.valueToTree("!s:x.org"))));
      JsonNode all = getOutbox.handler().call(new RpcCall(ops, Map.of("roomid", everywhere)));
      JsonNode rs = getOutbox.handler().call(new RpcCall(onlyR, Map.of("roomid", everywhere)));

      assertThat(s.get("backlog").asInt()).isEqualTo(1);
      assertThat(all.get("backlog").asInt()).isEqualTo(3);
      assertThat(rs.get("backlog").asInt()).isEqualTo(2);
    }
  }

  /**
   * A requeue the database has not done within the wait answered "Something went wrong", though it
   * was still on its way and then done: the caller, told of a failure, had no reason to think so.
   */
  @Test
  void aRetryTheDatabaseIsSlowToDoSaysItMayStillBeDone(@TempDir Path own) throws Exception {
    try (Database db = Database.open(own.resolve("outbox.db"), Migrations.core())) {
      OutboxStore store = new OutboxStore(db);
      long seq =
          store
              .enqueue(List.of(new OutboxStore.Draft("!r:x.org", "m.room.message", Json.object())))
              .join()
              .get(0)
              .seq();
      store.failed(seq, "M_FORBIDDEN").join();
      Outbox outbox = new Outbox(store, null, 1, Duration.ofSeconds(1));
      RpcMethod retry =
          new CoreMethods(null, outbox, null, new Backlog(db), Duration.ofMillis(200))
              .table().stream()
                  .filter(m -> m.name().equals("retry_failed"))
                  .findFirst()
                  .orElseThrow();
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      db.write(
          c -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return null;
          });
      Caller ops = new Caller("ops", Set.of(Caller.ADMIN), List.of());

      Throwable thrown =
          org.assertj.core.api.Assertions.catchThrowable(
              () ->
                  retry.handler().call(new RpcCall(ops, Map.of("roomid", Json.MAPPER.nullNode()))));
      release.countDown();

      assertThat(thrown)
          .isInstanceOf(grapple.bot.provisioning.ApiException.class)
          .hasMessageContaining("it may still do so")
          .hasMessageContaining("retries only those");
      Await.until(Duration.ofSeconds(10), () -> store.failures().isEmpty());
    }
  }

  @Test
  void retryFailedWithNothingRefusedRetriesNothing() {
    JsonNode a = grapple.rpc(SECRET, "retry_failed", "{\"roomid\":\"" + ROOM + "\"}");

    assertThat(a.get("result").toString()).isEqualTo("{\"retried\":0}");
  }

  @Test
  void getFeedsComesFromTheFeedService() {
    JsonNode a = grapple.rpc(READER, "get_feeds", "{}");

    assertThat(error(a)).isNull();
    assertThat(a.get("result").isArray()).isTrue();
  }

  @Test
  void getMethodsListsEachMethodWithItsArgsDefaultsAndScope() {
    JsonNode methods = grapple.rpc(READER, "get_methods", "{}").get("result");
    List<String> names = new ArrayList<>();
    methods.forEach(m -> names.add(m.get("name").asText()));
    JsonNode list = find(methods, "get_connections");

    assertThat(names).containsAll(LocalRpc.CORE_METHODS);
    assertThat(list.get("scope").asText()).isEqualTo("connections:read");
    assertThat(list.get("args").get("roomid").get("optional").asBoolean()).isFalse();
    assertThat(list.get("args").get("type").get("optional").asBoolean()).isTrue();
    assertThat(list.get("args").get("type").get("default").isNull()).isTrue();
    assertThat(find(methods, "get_health").get("scope").isNull()).isTrue();
  }

  private static JsonNode find(JsonNode methods, String name) {
    for (JsonNode m : methods) if (m.get("name").asText().equals(name)) return m;
    throw new AssertionError(name + " is not in " + methods);
  }

  @Test
  void aBodyOver64KibIsAnsweredWithAnErrorNotRead() {
    String big =
        "{\"id\":5,\"api_key\":\"" + SECRET + "\",\"method\":\"" + "x".repeat(70_000) + "\"}";

    LocalRpc.Answer a = grapple.post(big);

    assertThat(a.status()).isEqualTo(200);
    assertThat(error(a.json())).isEqualTo("The request is larger than 65536 bytes.");
  }

  @Test
  void getIsNotAllowedOnTheEndpoint() {
    LocalRpc.Answer a = grapple.send("GET", JsonRpc.PATH, null, null);

    assertThat(a.status()).isEqualTo(405);
  }

  @Test
  void aMethodOfAServiceThatIsOffSaysTheServiceIsOff(@TempDir Path other) throws Exception {
    try (LocalRpc noFeeds = LocalRpc.start(other, "feeds: {enabled: false}")) {
      JsonNode off = noFeeds.rpc(READER, "get_feeds", "{}");
      JsonNode unknown = noFeeds.rpc(READER, "get_feedz", "{}");

      assertThat(error(off))
          .isEqualTo(
              "The feeds service is not enabled on this bot (get_feeds). Its operator can turn it on"
                  + " with `feeds.enabled: true` in Grapple's config.");
      assertThat(off.get("result").isNull()).isTrue();
      assertThat(error(unknown)).isEqualTo("unknown method 'get_feedz' (get_methods lists them)");
    }
  }

  @Test
  void creatingATypeOfAServiceThatIsOffSaysTheServiceIsOffNotThatTheTypeIsUnknown(
      @TempDir Path other) throws Exception {
    try (LocalRpc noFeeds = LocalRpc.start(other, "feeds: {enabled: false}")) {
      JsonNode byName =
          noFeeds.rpc(
              WRITER,
              "create_connection",
              inRoom(",\"type\":\"feed\",\"config\":{\"url\":\"https://example.org/f\"}"));
      JsonNode unknown =
          noFeeds.rpc(WRITER, "create_connection", inRoom(",\"type\":\"Fead\",\"config\":{}"));

      assertThat(error(byName))
          .isEqualTo(
              "The feeds service is not enabled on this bot. Its operator can turn it on with"
                  + " `feeds.enabled: true` in Grapple's config.");
      assertThat(error(unknown)).isEqualTo("Unknown connection type 'Fead'.");
    }
  }
}

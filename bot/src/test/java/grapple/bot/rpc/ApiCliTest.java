package grapple.bot.rpc;

import static grapple.bot.LocalMode.ADMIN;
import static grapple.bot.LocalMode.READER;
import static grapple.bot.LocalMode.ROOM;
import static grapple.bot.LocalMode.WRITER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grapple api}, run as its own process ({@code java ... grapple.bot.Main api ...}) with a
 * temporary XDG config directory, against a Grapple running in this test.
 */
class ApiCliTest {
  @TempDir static Path dir;
  @AutoClose private static LocalRpc grapple;
  private static Path xdg;

  @BeforeAll
  static void start() throws Exception {
    grapple = LocalRpc.start(Files.createDirectory(dir.resolve("bot")));
    xdg = Files.createDirectory(dir.resolve("xdg"));
    Run created = cli("_create_config", "--apikey=" + WRITER, "--apihost=" + grapple.url());
    if (created.status() != 0) throw new IllegalStateException("_create_config failed: " + created);
  }

  /** What one run of the CLI printed, and its exit status. */
  record Run(int status, String out, String err) {
    JsonNode json() {
      try {
        return Json.MAPPER.readTree(out);
      } catch (IOException e) {
        throw new AssertionError("stdout is not JSON: " + out, e);
      }
    }
  }

  static Run cli(String... args) throws Exception {
    return cli(xdg, args);
  }

  static Run cli(Path configHome, String... args) throws Exception {
    return cli(configHome, java.util.Map.of(), args);
  }

  /** With {@code env} added to the process's environment (which never has GRAPPLE_API_KEY else). */
  static Run cli(Path configHome, java.util.Map<String, String> env, String... args)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("grapple.bot.Main");
    command.add("api");
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().put("XDG_CONFIG_HOME", configHome.toString());
    builder.environment().put("HOME", dir.toString());
    builder.environment().remove("GRAPPLE_API_KEY");
    builder.environment().putAll(env);
    Process p = builder.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("grapple api " + List.of(args) + " did not finish");
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void createConfigWritesTheUsersConfigDirectoryOwnerOnlyAndSaysWhere() throws Exception {
    Path home = Files.createDirectory(dir.resolve("another-xdg"));

    Run run = cli(home, "_create_config", "--apikey=" + READER, "--apihost=" + grapple.url());

    Path file = home.resolve("grapple/api.json");
    assertThat(run.status()).isZero();
    assertThat(run.out()).contains(file.toString()).contains("0600");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    JsonNode saved = Json.MAPPER.readTree(Files.readString(file));
    assertThat(saved.get("apikey").asText()).isEqualTo(READER);
    assertThat(saved.get("apihost").asText()).isEqualTo(grapple.url());
  }

  @Test
  void createConfigSavesAPastedKeyWithoutItsLineBreakAndRefusesABlankOne() throws Exception {
    Path home = Files.createDirectory(dir.resolve("pasted-xdg"));

    Run pasted =
        cli(home, "_create_config", "--apikey= " + READER + "\n", "--apihost=" + grapple.url());
    Run blank = cli(home, "_create_config", "--apikey= \n", "--apihost=" + grapple.url());

    assertThat(pasted.status()).isZero();
    JsonNode saved = Json.MAPPER.readTree(Files.readString(home.resolve("grapple/api.json")));
    assertThat(saved.get("apikey").asText()).isEqualTo(READER);
    assertThat(blank.status()).isEqualTo(1);
    assertThat(blank.err())
        .contains(
            "_create_config needs both --apikey=<key> (or $GRAPPLE_API_KEY) and --apihost=<url>");
  }

  @Test
  void anEmptyHomeIsTakenAsUnsetNotAsTheCurrentDirectory() {
    Path accountHome = Path.of(System.getProperty("user.home"));

    Path file = ApiConfig.file(java.util.Map.of("HOME", ""));
    Path withRelativeXdg = ApiConfig.file(java.util.Map.of("HOME", "", "XDG_CONFIG_HOME", "xdg"));

    assertThat(file).isEqualTo(accountHome.resolve(".config/grapple/api.json")).isAbsolute();
    assertThat(withRelativeXdg).isEqualTo(file);
  }

  /**
   * A relative $HOME is as unusable as an empty one: it put the saved key under whatever directory
   * the command ran in ({@code ./home/.config/grapple/api.json}), where the next call, run
   * elsewhere, did not find it.
   */
  @Test
  void aRelativeHomeIsTakenAsUnsetNotAsUnderTheCurrentDirectory() {
    Path accountHome = Path.of(System.getProperty("user.home"));

    Path file = ApiConfig.file(java.util.Map.of("HOME", "home"));

    assertThat(file).isEqualTo(accountHome.resolve(".config/grapple/api.json")).isAbsolute();
  }

  @Test
  void aCallPrintsWhatItSendsWithTheKeyMaskedThenWhatGrappleSaid() throws Exception {
    Run run = cli("get_health");

    assertThat(run.status()).isZero();
    assertThat(run.out())
        .startsWith("calling {\"api_key\":\"********\",\"id\":")
        .contains("\"method\":\"get_health\"} to " + grapple.url())
        .contains("grapple said:\n{")
        .contains("\"error\" : null")
        .doesNotContain(WRITER);
  }

  @Test
  void aMissingArgExitsOneWithGrapplesError() throws Exception {
    Run run = cli("get_room");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.out()).contains("Missing non optional `roomid` arg in JSON DATA");
  }

  @Test
  void argsAreJsonWhenTheyParseElseStrings() throws Exception {
    Run run =
        cli(
            "create_connection",
            "roomid:" + ROOM,
            "type:Webhook",
            "config:{\"name\":\"from-cli\"}",
            "userid:" + ADMIN,
            "--format=json");

    JsonNode result = run.json().get("result");
    assertThat(run.status()).as(run.toString()).isZero();
    assertThat(result.get("config").toString()).isEqualTo("{\"name\":\"from-cli\"}");
    assertThat(result.get("createdByKey").asText()).isEqualTo("writer");
  }

  @Test
  void formatJsonPrintsOnlyTheResponseForAJsonParser() throws Exception {
    Run run = cli("--format", "json", "get_rooms");

    JsonNode answer = run.json();
    assertThat(run.status()).isZero();
    assertThat(answer.get("error").isNull()).isTrue();
    assertThat(answer.get("result").get(0).get("roomId").asText()).isEqualTo(ROOM);
  }

  @Test
  void theApikeyOptionOverridesTheSavedKey() throws Exception {
    Run run =
        cli(
            "--apikey=" + READER,
            "--format=json",
            "delete_connection",
            "roomid:" + ROOM,
            "connectionid:x",
            "userid:" + ADMIN);

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.json().get("error").asText()).isEqualTo("API key lacks scope connections:write");
  }

  /**
   * {@code --apikey=$KEY} with {@code KEY} unset sent an empty key, and Grapple's answer, {@code
   * Missing `api_key` in JSON DATA.}, did not point at the command line.
   */
  @Test
  void anEmptyApikeyOptionIsAUsageErrorNotAMissingKey() throws Exception {
    Run run = cli("--apikey=", "--apihost=" + grapple.url(), "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err())
        .contains(
            "--apikey is empty (an unset shell variable?): give the key, or leave --apikey out to"
                + " use $GRAPPLE_API_KEY or the saved key");
    assertThat(run.out()).doesNotContain("calling");
  }

  @Test
  void theApihostOptionOverridesTheSavedHost() throws Exception {
    Run run = cli("--apihost=http://127.0.0.1:1", "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("cannot reach http://127.0.0.1:1/_admin/api");
  }

  /**
   * Another listener's error (the webhook port's 404) is not Grapple's answer to the call: it is
   * not printed as "grapple said:", and stderr says what answered (not that the host could not be
   * reached, which it was).
   */
  @Test
  void anAnswerThatIsNoJsonRpcAnswerIsNotPrintedAsGrapplesWord() throws Exception {
    Run run = cli("--apihost=http://127.0.0.1:" + grapple.app.webhookPort(), "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.out()).doesNotContain("grapple said");
    assertThat(run.err())
        .contains(
            "/_admin/api answered HTTP 404 without a JSON-RPC answer (it said \"Not found\"); is"
                + " this Grapple's provisioning listener?")
        .doesNotContain("cannot reach");
  }

  /**
   * A server error (Grapple's listeners answer 503 when their budget is spent) was reported with
   * "is this Grapple's provisioning listener?", sending the operator after the wrong problem.
   */
  @Test
  void aServerErrorSaysToTryAgainNotThatTheHostMayBeWrong() throws Exception {
    try (MockWebServer busy = new MockWebServer()) {
      busy.start();
      busy.enqueue(
          new MockResponse.Builder()
              .code(503)
              .addHeader("Content-Type", "application/json")
              .body("{\"error\":\"busy\"}")
              .build());

      Run run = cli("--apikey=" + READER, "--apihost=" + busy.url("/").toString(), "get_health");

      assertThat(run.status()).isEqualTo(1);
      assertThat(run.err())
          .contains("HTTP 503 without a JSON-RPC answer (it said \"busy\")")
          .contains("try again later")
          .doesNotContain("is this Grapple's provisioning listener");
    }
  }

  /**
   * Another server's error is quoted cut at {@value ApiCall#MAX_QUOTED_CHARS} characters, marked
   * so: quoted whole, a broken or hostile server's could flood the terminal with up to 16 MiB.
   */
  @Test
  void anotherServersLongErrorIsQuotedCutAndMarked() throws Exception {
    try (MockWebServer broken = new MockWebServer()) {
      broken.start();
      broken.enqueue(
          new MockResponse.Builder()
              .code(502)
              .addHeader("Content-Type", "application/json")
              .body("{\"error\":\"" + "y".repeat(100_000) + "\"}")
              .build());

      Run run = cli("--apikey=" + READER, "--apihost=" + broken.url("/").toString(), "get_health");

      assertThat(run.status()).isEqualTo(1);
      assertThat(run.err())
          .contains(
              "HTTP 502 without a JSON-RPC answer (it said \""
                  + "y".repeat(ApiCall.MAX_QUOTED_CHARS)
                  + "\"... (cut, 100000 characters in all)); the server failed")
          .doesNotContain("y".repeat(ApiCall.MAX_QUOTED_CHARS + 1));
    }
  }

  /**
   * An answer larger than the client reads (a broken server, or not Grapple, sending without end,
   * chunked without a length) is refused, naming the limit: read whole, it filled the client's
   * memory.
   */
  @Test
  void anAnswerLargerThanTheLimitIsRefusedNamingIt() throws Exception {
    try (MockWebServer huge = new MockWebServer()) {
      huge.start();
      String filler = "x".repeat((int) ApiCall.MAX_ANSWER_BYTES);
      huge.enqueue(
          new MockResponse.Builder()
              .addHeader("Content-Type", "application/json")
              .chunkedBody("{\"id\":1,\"result\":\"" + filler + "\",\"error\":null}", 1 << 20)
              .build());

      Run run = cli("--apikey=" + READER, "--apihost=" + huge.url("/").toString(), "get_health");

      assertThat(run.status()).isEqualTo(1);
      assertThat(run.out()).doesNotContain("grapple said").doesNotContain("xxxx");
      assertThat(run.err())
          .contains("HTTP 200 with an answer larger than 16 MiB, the most this client reads");
    }
  }

  /**
   * An answer naming another call's id (the call's is 1-999), or an array of answers, is not
   * Grapple's word on this call: it was printed as "grapple said:" and exited 0.
   */
  @Test
  void anAnswerToAnotherCallIsRefusedNotPrintedAsGrapplesWord() throws Exception {
    try (MockWebServer other = new MockWebServer()) {
      other.start();
      for (String body :
          List.of(
              "{\"id\":0,\"result\":{},\"error\":null}",
              "[{\"id\":1,\"result\":{},\"error\":null}]")) {
        other.enqueue(
            new MockResponse.Builder()
                .addHeader("Content-Type", "application/json")
                .body(body)
                .build());
      }
      String host = "--apihost=" + other.url("/").toString();

      Run otherId = cli("--apikey=" + READER, host, "get_health");
      Run batch = cli("--apikey=" + READER, host, "get_health");

      assertThat(otherId.status()).isEqualTo(1);
      assertThat(otherId.out()).doesNotContain("grapple said");
      assertThat(otherId.err())
          .containsPattern(
              "HTTP 200 with the answer to another call: its id is 0, this call's is \\d+;");
      assertThat(batch.status()).isEqualTo(1);
      assertThat(batch.out()).doesNotContain("grapple said");
      assertThat(batch.err())
          .contains("HTTP 200 with a JSON array (a batch of answers?), not the one answer");
    }
  }

  /** A bad host in the saved file is blamed on the file, not on a --apihost that was not given. */
  /**
   * Grapple answers a request it cannot read (over its 64 KiB, here an arg too large) with its
   * error and the id null, not knowing the call's: that is its word on this call, printed as such,
   * not refused as "the answer to another call" with a question whether the host is Grapple.
   */
  @Test
  void grapplesErrorForARequestItCannotReadIsPrintedAsItsWord() throws Exception {
    Run run = cli("get_room", "roomid:!" + "x".repeat(70_000) + ":test");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).doesNotContain("another call");
    assertThat(run.out())
        .contains("grapple said:")
        .contains("The request is larger than 65536 bytes.");
  }

  @Test
  void aBadSavedHostIsNamedAsTheFilesNotAsTheOption() throws Exception {
    Path saved = Files.createDirectories(dir.resolve("bad-host-xdg").resolve("grapple"));
    Files.writeString(
        saved.resolve("api.json"),
        "{\"apikey\": \"" + READER + "\", \"apihost\": \"127.0.0.1:9001\"}");

    Run run = cli(saved.getParent(), "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err())
        .contains(
            "the apihost saved in "
                + saved.resolve("api.json")
                + " (run _create_config again, or give --apihost) must be an http or https URL")
        .doesNotContain("--apihost must");
  }

  /** Both overrides given: nothing is needed from the saved file, so a broken one is not read. */
  @Test
  void bothOptionsCallWithoutReadingABrokenSavedConfig() throws Exception {
    Path broken = Files.createDirectories(dir.resolve("broken-xdg").resolve("grapple"));
    Files.writeString(broken.resolve("api.json"), "{\"apikey\": ");

    Run run =
        cli(
            broken.getParent(),
            "--apikey=" + READER,
            "--apihost=" + grapple.url(),
            "--format=json",
            "get_health");

    assertThat(run.err()).isEmpty();
    assertThat(run.status()).isEqualTo(0);
    assertThat(run.json().get("result").isObject()).isTrue();
  }

  /** The key may come from GRAPPLE_API_KEY, kept out of ps and shell history; --apikey wins. */
  @Test
  void theKeyCanComeFromTheEnvironmentAndTheOptionWinsOverIt() throws Exception {
    Path fresh = Files.createDirectory(dir.resolve("env-key-xdg"));

    Run fromEnv =
        cli(
            fresh,
            java.util.Map.of("GRAPPLE_API_KEY", READER),
            "--apihost=" + grapple.url(),
            "--format=json",
            "get_health");
    assertThat(fromEnv.status()).isEqualTo(0);
    assertThat(fromEnv.json().get("result").isObject()).isTrue();

    Run overridden =
        cli(
            fresh,
            java.util.Map.of("GRAPPLE_API_KEY", READER),
            "--apikey=not-a-key",
            "--apihost=" + grapple.url(),
            "--format=json",
            "get_health");
    assertThat(overridden.status()).isEqualTo(1);
    assertThat(overridden.json().get("error").asText()).isEqualTo("Invalid API key");

    Run saved =
        cli(
            fresh,
            java.util.Map.of("GRAPPLE_API_KEY", READER),
            "_create_config",
            "--apihost=" + grapple.url());
    assertThat(saved.status()).isEqualTo(0);
    assertThat(Files.readString(fresh.resolve("grapple").resolve("api.json"))).contains(READER);
  }

  @Test
  void aHostWithAPasswordIsRefusedWithoutPrintingIt() throws Exception {
    Path fresh = Files.createDirectory(dir.resolve("userinfo-xdg"));

    Run run =
        cli(
            fresh,
            "_create_config",
            "--apikey=" + READER,
            "--apihost=http://ops:hunter2-secret@127.0.0.1:9001");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("--apihost must not carry a user or password");
    assertThat(run.out() + run.err()).doesNotContain("hunter2-secret");

    Run unparsable =
        cli(
            fresh,
            "_create_config",
            "--apikey=" + READER,
            "--apihost=http://ops:hunter2-secret@127.0.0.1:port");
    assertThat(unparsable.status()).isEqualTo(1);
    assertThat(unparsable.err()).contains("was 'http://***@127.0.0.1:port'");
    assertThat(unparsable.out() + unparsable.err()).doesNotContain("hunter2-secret");
    assertThat(fresh.resolve("grapple").resolve("api.json")).doesNotExist();
  }

  /**
   * A host the client could not call as given is refused when saved, not at every call after: a
   * port no TCP port is, or a ?query the endpoint's path would land after (posting to /).
   */
  @Test
  void aHostNoCallCanGoToIsRefusedWhenSaved() throws Exception {
    Path fresh = Files.createDirectory(dir.resolve("uncallable-xdg"));

    Run port =
        cli(fresh, "_create_config", "--apikey=" + READER, "--apihost=http://127.0.0.1:99999");
    Run query =
        cli(fresh, "_create_config", "--apikey=" + READER, "--apihost=" + grapple.url() + "/?a=1");

    assertThat(port.status()).isEqualTo(1);
    assertThat(port.err())
        .contains(
            "--apihost must be an http or https URL like http://127.0.0.1:9001, was"
                + " 'http://127.0.0.1:99999'");
    assertThat(query.status()).isEqualTo(1);
    assertThat(query.err())
        .contains(
            "--apihost must not carry a ?query or #fragment (the client adds /_admin/api to its"
                + " path), was '"
                + grapple.url()
                + "/?a=1'");
    assertThat(fresh.resolve("grapple").resolve("api.json")).doesNotExist();
  }

  /**
   * A scheme is case-insensitive (RFC 3986 §3.1): {@code HTTP://} was refused as "must be an http
   * or https URL". It is saved, and called, in the canonical lower case.
   */
  @Test
  void aSchemeInUpperCaseIsTheSameScheme() throws Exception {
    Path fresh = Files.createDirectory(dir.resolve("upper-scheme-xdg"));
    String upper = grapple.url().replaceFirst("^http:", "HTTP:");

    Run saved = cli(fresh, "_create_config", "--apikey=" + READER, "--apihost=" + upper);
    Run called = cli(fresh, "--format=json", "get_health");

    assertThat(saved.err()).isEmpty();
    assertThat(saved.status()).isEqualTo(0);
    assertThat(Files.readString(fresh.resolve("grapple").resolve("api.json")))
        .contains("\"apihost\":\"" + grapple.url() + "\"");
    assertThat(called.status()).isEqualTo(0);
    assertThat(called.json().get("result").isObject()).isTrue();
    assertThat(ApiConfig.checkedHost("HtTpS://grapple.example:9001"))
        .isEqualTo("https://grapple.example:9001");
  }

  @Test
  void aWrongKeyExitsOne() throws Exception {
    Run run = cli("--apikey=wrong-key-0123456789", "--format=json", "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.json().get("error").asText()).isEqualTo("Invalid API key");
  }

  /**
   * A redirect is not followed: a 308 would carry the body, the key in it, to the address it names.
   * The error says where it points.
   */
  @Test
  void aRedirectIsNotFollowedWithTheKey() throws Exception {
    try (MockWebServer proxy = new MockWebServer();
        MockWebServer elsewhere = new MockWebServer()) {
      proxy.start();
      elsewhere.start();
      String target = elsewhere.url("/_admin/api").toString();
      proxy.enqueue(new MockResponse.Builder().code(308).addHeader("Location", target).build());

      Run run =
          cli(
              "--apikey=" + WRITER,
              "--apihost=" + proxy.url("/").toString(),
              "--format=json",
              "get_health");

      assertThat(elsewhere.getRequestCount()).isZero();
      assertThat(run.status()).isEqualTo(1);
      assertThat(run.err())
          .contains("HTTP 308 redirect to " + target + ", not followed")
          .doesNotContain(WRITER);
    }
  }

  /**
   * A redirect's Location is shown escaped when it holds what a terminal acts on: written raw, ESC
   * sequences from a hostile server reached the operator's terminal (clearing it, retitling it).
   */
  @Test
  void aRedirectsLocationWithControlCharactersIsShownEscaped() throws Exception {
    try (MockWebServer proxy = new MockWebServer()) {
      proxy.start();
      proxy.enqueue(
          new MockResponse.Builder()
              .code(308)
              .addHeaderLenient("Location", "https://x.example/\u001b[2J")
              .build());

      Run run = cli("--apikey=" + WRITER, "--apihost=" + proxy.url("/").toString(), "get_health");

      assertThat(run.status()).isEqualTo(1);
      assertThat(run.err())
          .contains("HTTP 308 redirect to \"https://x.example/\\u001B[2J\", not followed")
          .doesNotContain("\u001b");
    }
  }

  /**
   * A terminal obeys the 8-bit control characters too (U+009B is CSI, as ESC [ is), and a direction
   * override shows the rest of the line backwards: JSON escaping leaves both as they are, so a
   * hostile server's Location or error still reached the terminal as control sequences.
   */
  @Test
  void aServersC1ControlsAndDirectionOverridesAreShownEscaped() throws Exception {
    try (MockWebServer hostile = new MockWebServer()) {
      hostile.start();
      hostile.enqueue(
          new MockResponse.Builder()
              .code(308)
              .addHeaderLenient("Location", "https://x.example/\u009b2J")
              .build());
      hostile.enqueue(
          new MockResponse.Builder()
              .code(502)
              .addHeader("Content-Type", "application/json")
              .body("{\"error\":\"gone \u202eevil\u009b2J\"}")
              .build());
      String host = "--apihost=" + hostile.url("/").toString();

      Run redirect = cli("--apikey=" + WRITER, host, "get_health");
      Run error = cli("--apikey=" + WRITER, host, "get_health");

      assertThat(redirect.err())
          .contains("HTTP 308 redirect to \"https://x.example/\\u009b2J\", not followed")
          .doesNotContain("\u009b");
      assertThat(error.err())
          .contains("(it said \"gone \\u202eevil\\u009b2J\")")
          .doesNotContain("\u009b")
          .doesNotContain("\u202e");
    }
  }

  /**
   * An answer in JSON-RPC's shape is printed whole, and JSON leaves 8-bit controls and direction
   * overrides in its strings as written: a hostile server's answer drove the operator's terminal.
   * Escaped inside the strings, the answer is still JSON, holding the same text.
   */
  @Test
  void aServersAnswerIsPrintedWithItsC1ControlsAndDirectionOverridesEscaped() throws Exception {
    String said = "gone \u202eevil\u009b2J\u0085";
    ObjectNode answer = Json.object().putNull("id").put("error", said);
    answer.putObject("result").putNull("na\u009bme");
    String body = Json.write(answer);
    try (MockWebServer hostile = new MockWebServer()) {
      hostile.start();
      for (int i = 0; i < 2; i++) {
        hostile.enqueue(
            new MockResponse.Builder()
                .addHeader("Content-Type", "application/json")
                .body(body)
                .build());
      }
      String host = "--apihost=" + hostile.url("/").toString();

      Run text = cli("--apikey=" + WRITER, host, "get_health");
      Run json = cli("--apikey=" + WRITER, host, "--format=json", "get_health");

      assertThat(text.out())
          .contains("grapple said:")
          .contains("\"error\" : \"gone \\u202eevil\\u009b2J\\u0085\"")
          .contains("\"na\\u009bme\" : null")
          .doesNotContain("\u009b")
          .doesNotContain("\u0085")
          .doesNotContain("\u202e");
      assertThat(json.out()).doesNotContain("\u009b").doesNotContain("\u202e");
      assertThat(json.json().get("error").asText()).isEqualTo(said);
      assertThat(json.json().get("result").has("na\u009bme")).isTrue();
    }
  }

  /**
   * The id of an answer to another call is quoted in the error, and JSON leaves 8-bit controls and
   * direction overrides in a string id as written: a hostile server's id reached the terminal.
   */
  @Test
  void anotherCallsIdIsShownEscaped() throws Exception {
    try (MockWebServer hostile = new MockWebServer()) {
      hostile.start();
      hostile.enqueue(
          new MockResponse.Builder()
              .addHeader("Content-Type", "application/json")
              .body("{\"id\":\"\u202ex\u009b2J\",\"result\":{},\"error\":null}")
              .build());

      Run run = cli("--apikey=" + WRITER, "--apihost=" + hostile.url("/"), "get_health");

      assertThat(run.status()).isEqualTo(1);
      assertThat(run.err())
          .contains("its id is \"\\u202ex\\u009b2J\", this call's is")
          .doesNotContain("\u009b")
          .doesNotContain("\u202e");
    }
  }

  /**
   * A status line the client cannot read is in the error the HTTP client gives, as the server wrote
   * it: printed as it came, its control sequences reached the operator's terminal.
   */
  @Test
  void anUnreadableStatusLineIsShownEscaped() throws Exception {
    try (MockWebServer hostile = new MockWebServer()) {
      hostile.start();
      hostile.enqueue(new MockResponse.Builder().status("HTTP/1.1 2x0 \u001b[2J").build());

      Run run = cli("--apikey=" + WRITER, "--apihost=" + hostile.url("/").toString(), "get_health");

      assertThat(run.status()).isEqualTo(1);
      assertThat(run.err()).contains("HTTP/1.1 2x0 \\u001b[2J").doesNotContain("\u001b");
    }
  }

  @Test
  void withoutAConfigItSaysHowToMakeOne() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty-xdg"));

    Run run = cli(empty, "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err())
        .contains("_create_config --apikey=<key> --apihost=<url>")
        .contains(empty.resolve("grapple/api.json").toString());
  }

  @Test
  void anArgWithoutAColonIsAUsageError() throws Exception {
    Run run = cli("get_room", "roomid");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("args are name:value, was 'roomid'");
  }

  @Test
  void anArgGivenTwiceIsAUsageErrorNotTheLastOneSilently() throws Exception {
    Run run = cli("get_room", "roomid:!a:localhost", "roomid:!b:localhost");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("the arg roomid is given twice");
    assertThat(run.out()).doesNotContain("calling");
  }

  @Test
  void aFieldGivenTwiceInAJsonArgIsAUsageErrorNotTheLastOneSilently() throws Exception {
    Run run =
        cli(
            "create_connection",
            "roomid:!a:localhost",
            "type:Webhook",
            "config:{\"name\":\"ci\",\"name\":\"deploy\"}",
            "userid:@alice:localhost");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("the arg config names the field 'name' twice; give it once");
    assertThat(run.out()).doesNotContain("calling");
  }

  /** An option given twice is refused, as an arg given twice is: the key goes to one host only. */
  @Test
  void anOptionGivenTwiceIsAUsageErrorNotTheLastOneSilently() throws Exception {
    Run run = cli("--apihost=http://127.0.0.1:1", "--apihost=" + grapple.url(), "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("--apihost is given twice; give it once");
    assertThat(run.out()).doesNotContain("calling");
  }

  @Test
  void anUnknownOptionExitsOneAsEveryFailureDoes() throws Exception {
    Run run = cli("--apikye=x", "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("unknown option '--apikye'").contains("1 for every failure");
  }

  @Test
  void aMisspeltKeyOptionIsNamedWithoutItsValue() throws Exception {
    Run run = cli("--api-key=" + WRITER, "get_health");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("unknown option '--api-key'");
    assertThat(run.out() + run.err()).doesNotContain(WRITER);
  }

  @Test
  void getMethodsListsTheBotsMethodsServicesIncluded() throws Exception {
    Run run = cli("--format=json", "get_methods");

    assertThat(run.status()).isZero();
    assertThat(run.out()).contains("\"get_feeds\"").contains("\"create_connection\"");
  }

  @Test
  void theBashCompletionCompletesMethodNamesFromTheBot() throws Exception {
    Path script = completionScript();

    assertThat(complete(script, "grapple api get_fe", "grapple", "api", "get_fe"))
        .isEqualTo("get_feeds");
  }

  /**
   * The method is found after the options however they are given: bash splits its words at = and :
   * too ({@code --apikey=K} is "--apikey" "=" "K"), and an option's value may be the next word. An
   * arg's value is the user's to type.
   */
  @Test
  void theBashCompletionFindsTheMethodAfterTheOptions() throws Exception {
    Path script = completionScript();

    assertThat(
            complete(
                script,
                "grapple api --apikey=K --format json get_fe",
                "grapple",
                "api",
                "--apikey",
                "=",
                "K",
                "--format",
                "json",
                "get_fe"))
        .isEqualTo("get_feeds");
    assertThat(
            complete(
                script,
                "grapple api --apihost=http://127.0.0.1:9001 get_room ro",
                "grapple",
                "api",
                "--apihost",
                "=",
                "http",
                ":",
                "//127.0.0.1",
                ":",
                "9001",
                "get_room",
                "ro"))
        .isEqualTo("roomid:");
    assertThat(complete(script, "grapple api --format j", "grapple", "api", "--format", "j"))
        .isEqualTo("json");
    assertThat(
            complete(
                script,
                "grapple api get_room roomid:",
                "grapple",
                "api",
                "get_room",
                "roomid",
                ":"))
        .isEmpty();
  }

  /** The completion script as {@code _completion bash} prints it, in a file. */
  private static Path completionScript() throws Exception {
    Run run = cli("_completion", "bash");
    assertThat(run.status()).isZero();
    Path script = Files.createTempFile(dir, "completion", ".bash");
    Files.writeString(script, run.out());
    return script;
  }

  /**
   * What the script offers for {@code line}, the cursor at its end, given the words bash makes of
   * it (COMP_WORDBREAKS: at white space, and = and : are words of their own).
   */
  private static String complete(Path script, String line, String... words) throws Exception {
    StringBuilder quoted = new StringBuilder();
    for (String w : words) quoted.append(" '").append(w).append("'");
    Process bash =
        new ProcessBuilder(
                "bash",
                "-c",
                "source "
                    + script
                    + "; COMP_WORDS=("
                    + quoted
                    + "); COMP_CWORD="
                    + (words.length - 1)
                    + "; COMP_LINE='"
                    + line
                    + "'; COMP_POINT="
                    + line.length()
                    + "; _grapple_api; echo \"${COMPREPLY[@]}\"")
            .redirectErrorStream(true)
            .start();
    String completed = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor()).as(completed).isZero();
    return completed.strip();
  }

  @Test
  void helpListsTheMethodsFromTheTable() throws Exception {
    Run run = cli("--help");

    assertThat(run.status()).isZero();
    assertThat(run.out())
        .contains("get_connections(roomid, userid, type = null)  [scope connections:read]")
        .contains("get_links(showOrganizations = true)")
        .doesNotContain("Optional");
    // the provisioning listener's default address, where JSON-RPC is (9002 is the metrics')
    assertThat(run.out()).contains("e.g. http://127.0.0.1:9001 ").doesNotContain(":9002");
  }
}
